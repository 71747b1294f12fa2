"""Loader edges: what real folders, spreadsheets and library callers hand the planner.

Each case is an input that once passed validation and failed later (or deleted data), or was
reported badly; the test states the one line it must now give.
"""
import json

import numpy as np
import pandas as pd
import pytest

from optimizer import InstanceError, instance_from_frames, load_instance, solve
from optimizer.instance.catalogue import load_catalogue
from optimizer.instance.schema import SOLVERS
from optimizer.solve.options import NAMES
from tests.conftest import SMALL_TOML, small_tables, write_instance


def problems(folder) -> list[str]:
    with pytest.raises(InstanceError) as e:
        load_instance(folder)
    assert all("\n" not in line for line in e.value.problems)
    return e.value.problems


def small(tmp_path, toml=SMALL_TOML, **changes):
    t = small_tables()
    t.update(changes)
    return write_instance(tmp_path / "i", toml, **t)


@pytest.mark.parametrize("name", ["", "  ", ".", "..", "../x", "a/b", "a\\b", "a\nb"])
def test_name_must_be_a_plain_folder_name(tmp_path, name):
    # the name is the default results folder: results/<name> must stay inside results/
    # (json.dumps writes a TOML basic string: the same escapes)
    toml = SMALL_TOML.replace('name = "small"', f"name = {json.dumps(name)}")
    lines = problems(small(tmp_path, toml))
    assert len(lines) == 1 and lines[0].startswith(
        "instance.toml: name: must be a plain folder name"), lines


@pytest.mark.parametrize("key,value,expect", [
    ("weight", "inf", "[time] weight: must be finite"),
    ("period_hours", "nan", "[time] period_hours: must be a number"),
    ("weight", "1e305", "[time] weight: 1e+305 is beyond any real value"),
])
def test_config_numbers_finite_and_real(tmp_path, key, value, expect):
    toml = SMALL_TOML.replace("weight = 365", "weight = 365" if key != "weight" else "")
    toml = toml.replace("[time]\n", f"[time]\n{key} = {value}\n")
    toml = toml.replace("period_hours = 12\n", "" if key == "period_hours" else "period_hours = 12\n")
    lines = problems(small(tmp_path, toml))
    assert any(expect in line for line in lines), lines


def test_huge_table_value_is_one_line(tmp_path):
    t = small_tables()
    sites = t["sites"].replace("s0,r,31.0,121.0,100", "s0,r,31.0,121.0,1e305")
    lines = problems(small(tmp_path, sites=sites))
    assert lines == ["sites.csv: row 2 (s0): column overhead_w: beyond any real value "
                     "(at most 1e+12 in size)"]


def test_misspelt_table_is_an_error_and_a_stray_csv_a_warning(tmp_path):
    folder = small(tmp_path)
    (folder / "renewable.csv").write_text("region,period,kw\nr,0,5\n")
    assert problems(folder) == ["renewable.csv: not a table of the format; did you mean "
                                "renewables.csv?"]
    (folder / "renewable.csv").unlink()
    (folder / "Coverage.csv").write_text((folder / "coverage.csv").read_text())
    assert problems(folder) == ["Coverage.csv: not a table of the format; did you mean "
                                "coverage.csv?"]
    (folder / "Coverage.csv").unlink()
    (folder / "notes.csv").write_text("what,who\nsurvey,me\n")
    inst = load_instance(folder)
    assert "notes.csv: not a table of the format (ignored)" in inst.warnings


def test_folder_in_place_of_a_file(tmp_path):
    folder = small(tmp_path)
    (folder / "coverage.csv").unlink()
    (folder / "coverage.csv").mkdir()
    assert problems(folder) == ["coverage.csv: is a folder, not a file"]


def test_row_numbers_are_file_lines_with_blank_lines(tmp_path):
    # lines: 1 header, 2 a0/0, 3 blank, 4 a1/0, 5 blank, 6 a0/1 (the bad one)
    demand = "area,period,mbps\na0,0,10\n\na1,0,20\n\na0,1,-50\na1,1,40\n"
    lines = problems(small(tmp_path, demand=demand))
    assert lines == ["demand.csv: row 6 (a0,1): column mbps: must be >= 0, got -50"]


@pytest.mark.parametrize("sites,expect", [
    ('site,region,lat,lon,overhead_w\n"s0,r,31.0,121.0,100\ns1,r,31.001,121.0,0\n',
     "sites.csv: cannot be read as UTF-8 CSV: line 3: unexpected end of data"),
    ('site,region,lat,lon,overhead_w\n"s0\nX",r,31.0,121.0,100\ns1,r,31.001,121.0,0\n',
     "sites.csv: cannot be read as UTF-8 CSV: line 3: a quoted value runs over several lines"),
])
def test_quotes_that_run_over_lines(tmp_path, sites, expect):
    lines = problems(small(tmp_path, sites=sites))
    assert len(lines) == 1 and lines[0].startswith(expect), lines


def test_control_characters_in_ids_stay_on_one_line(tmp_path):
    t = small_tables()
    # a vertical tab inside the id of a row with a bad site: the id is shown escaped
    lines = problems(small(tmp_path, cells=t["cells"].replace("c5,s1,5g", "c\x0b5,s9,5g", 1),
                           coverage=t["coverage"].replace("c5,", "c\x0b5,")))
    assert lines == ["cells.csv: row 3 ('c\\x0b5'): column site: site 's9' is not in sites.csv"]


def test_value_problems_do_not_hide_reference_problems(tmp_path):
    t = small_tables()
    toml = SMALL_TOML.replace("[solver]", "[ran]\nmin_coverag = 1\n[solver]")
    folder = small(tmp_path, toml, demand=t["demand"].replace("a0,1,50", "a0,1,-50"),
                   cells=t["cells"].replace("c5,s1,5g", "c5,s9,5g"))
    lines = problems(folder)
    assert any("[ran] min_coverag: unknown option" in line for line in lines), lines
    assert any(line.startswith("demand.csv: row 4 (a0,1): column mbps: must be >= 0")
               for line in lines), lines
    assert any(line.startswith("cells.csv: row 3 (c5): column site: site 's9' is not in")
               for line in lines), lines


def test_wrongly_typed_option_is_not_also_missing(tmp_path):
    lines = problems(small(tmp_path, SMALL_TOML.replace("periods = 2", 'periods = "2"')))
    assert lines == ["instance.toml: [time] periods: must be a whole number, got '2'"]


def test_unknown_section_is_named_as_such(tmp_path):
    lines = problems(small(tmp_path, SMALL_TOML + "[solverr]\nthreads = 1\n"))
    assert lines == ["instance.toml: [solverr]: unknown section (known: [time], [objective], "
                     "[ran], [datacentre], [solver])"]


def test_solver_name_checked(tmp_path):
    lines = problems(small(tmp_path, SMALL_TOML.replace("[solver]", '[solver]\nsolver = "hihgs"')))
    assert lines == [f"instance.toml: [solver] solver: must be one of {', '.join(SOLVERS)}, "
                     "got 'hihgs'"]
    assert set(SOLVERS) == set(NAMES)  # every solver accepted has its options translated


def test_unnamed_columns_of_a_spreadsheet_export(tmp_path):
    # a trailing comma on every line: an empty unnamed column, dropped silently; an unnamed
    # column holding values is ignored with a warning naming its position
    demand = "area,period,mbps,\na0,0,10,\na1,0,20,\na0,1,50,\na1,1,40,\n"
    areas = "area,region,lat,lon,,requires_5g\na0,r,31,121,x,false\na1,r,31,121,,false\n"
    inst = load_instance(small(tmp_path, demand=demand, areas=areas))
    assert len(inst.demand) == 4
    assert inst.warnings == ("areas.csv: ignoring 1 column(s) without a name (position 5)",)


def test_catalogue_values_checked(tmp_path):
    cat = tmp_path / "models"
    cat.mkdir()
    (cat / "c.toml").write_text('[models.m4]\ntech = "4g"\ncapacity_mbps = -5\nactive_w = "fast"\n'
                                "sleep_w = inf\n[models.m5]\ntech = \"6g\"\n")
    with pytest.raises(InstanceError) as e:
        load_catalogue(cat)
    assert e.value.problems == [
        "models/c.toml: [models.m4] capacity_mbps: must be > 0, got -5",
        "models/c.toml: [models.m4] active_w: must be a finite number, got 'fast'",
        "models/c.toml: [models.m4] sleep_w: must be a finite number, got inf",
        "models/c.toml: [models.m5] tech: must be 4g or 5g, got '6g'"]
    (cat / "c.toml").write_bytes('[models.m4]\ndescription = "caf\xe9"\n'.encode("latin-1"))
    from optimizer.instance.catalogue import _load
    _load.cache_clear()  # the catalogue is read once per folder
    with pytest.raises(InstanceError) as e:
        load_catalogue(cat)
    assert e.value.problems[0].startswith("models/c.toml: not UTF-8")


def test_max_open_below_existing_data_centres(tmp_path):
    from tests.test_datacentre import make  # two existing data centres, dA and dB
    with pytest.raises(InstanceError) as e:
        make(tmp_path, extra="max_open = 1")
    assert e.value.problems == ["instance.toml: [datacentre] max_open = 1 is below the 2 "
                                "existing data centres of datacentres.csv, which stay open"]


def _frames():
    t = small_tables()
    import io
    return {k: pd.read_csv(io.StringIO(v)) for k, v in t.items()}


def test_frames_with_numpy_numbers_and_nullable_missing_values():
    f = _frames()
    config = {"name": "small", "time": {"periods": np.int64(2), "period_hours": np.float64(12),
                                        "weight": 365}}
    f["areas"]["requires_5g"] = pd.array([pd.NA, False], dtype="boolean")
    inst = instance_from_frames(config, **f)
    assert inst.time.periods == 2 and isinstance(inst.time.periods, int)
    assert not inst.areas.requires_5g.any()
    f["cells"]["site"] = pd.array(["s0", pd.NA], dtype="string")
    with pytest.raises(InstanceError) as e:
        instance_from_frames(config, **f)
    assert e.value.problems == ["cells.csv: row 3 (c5): column site: missing value"]


def test_unknown_objective_refused_by_the_library():
    inst = instance_from_frames({"name": "small", "time": {"periods": 2, "period_hours": 12,
                                                           "weight": 365}}, **_frames())
    with pytest.raises(ValueError, match="objective must be one of energy"):
        inst.with_options(objective="energi")
    with pytest.raises(ValueError, match="got 'energi'"):
        solve(inst, objective="energi")
    for bad, expect in (({"mip_gap": -1}, "mip_gap must be between 0 and 1"),
                        ({"time_limit_s": float("nan")}, "time_limit_s must be a positive"),
                        ({"threads": 0}, "threads must be at least 1")):
        with pytest.raises(ValueError, match=expect):
            solve(inst, **bad)


def test_backbone_links_self_loops_and_repeats(tmp_path):
    from tests.test_datacentre import make
    with pytest.raises(InstanceError) as e:
        make(tmp_path, routes=None, links="u,v,km\nA,B,1000\nB,A,700\nA,A,5\n")
    assert e.value.problems == [
        "links.csv: row 4 (A,A): a link from a region to itself",
        "links.csv: row 3 (B,A): the same link as an earlier row (links are undirected)"]
