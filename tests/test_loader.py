"""Loader and validation: real-file tolerance and one clear line per problem."""
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer import InstanceError, instance_from_frames, load_instance
from tests.conftest import SMALL_TOML, small_tables, write_instance


def problems(folder) -> list[str]:
    with pytest.raises(InstanceError) as e:
        load_instance(folder)
    return e.value.problems


def test_small_loads(small):
    inst = load_instance(small)
    assert inst.summary()["cells"] == 2
    assert inst.cells.set_index("cell").loc["c5", "capacity_mbps"] == 1000
    assert inst.coverage_source == "file"
    assert inst.warnings == ()


def test_bom_crlf_spaces_column_order_extra_columns(tmp_path):
    t = small_tables()
    # reorder columns, add spaces, CRLF line ends, a BOM and an extra column
    t["areas"] = "\ufeff requires_5g , area ,lat, lon ,region, note\r\nfalse, a0 ,31,121, r ,x\r\n FALSE,a1,31,121,r,y\r\n"
    folder = write_instance(tmp_path / "i", "\ufeff" + SMALL_TOML.replace("\n", "\r\n"), **t)
    inst = load_instance(folder)
    assert list(inst.areas.area) == ["a0", "a1"]
    assert any("note" in w and "areas.csv" in w for w in inst.warnings)


@pytest.mark.parametrize("table,old,new,expect", [
    ("cells", "c4,s0,4g,existing,,100,300", "c4,s0,4g,existing,,-100,300",
     "cells.csv: row 2 (c4): column capacity_mbps: must be > 0"),
    ("cells", "c4,s0,4g,existing", "c4,s0,6g,existing", "cells.csv: row 2 (c4): column tech: must be one of 4g|5g"),
    ("cells", "c4,s0,4g,existing", "c4,s0,4g,planned", "cells.csv: row 2 (c4): column status"),
    ("cells", "c5,s1,5g", "c5,s9,5g", "cells.csv: row 3 (c5): column site: site 's9' is not in sites.csv"),
    ("cells", ",300,200,150,0,0", ",300,nan,150,0,0", "cells.csv: row 2 (c4): column load_w"),
    ("cells", "c5,s1", "c4,s1", "cells.csv: row 3 (c4): duplicate cell"),
    ("demand", "a0,1,50", "a0,7,50", "demand.csv: row 4 (a0,7): column period: period outside the horizon 0..1"),
    ("demand", "a0,1,50", "a9,1,50", "demand.csv: row 4 (a9): column area: area 'a9' is not in areas.csv"),
    ("demand", "a0,1,50", "a0,1,abc", "demand.csv: row 4 (a0,1): column mbps: 'abc' is not a number"),
    ("coverage", "c5,a1,1000", "c7,a1,1000", "coverage.csv: row 4 (c7): column cell: cell 'c7' is not in cells.csv"),
    ("sites", "s1,r,31.001", "s1,q,31.001", "sites.csv: row 3 (s1): column region: region 'q' is not in regions.csv"),
    ("areas", "a1,r,31,121,false", "a1,r,31,121,maybe", "areas.csv: row 3 (a1): column requires_5g: must be true or false"),
    ("regions", "r,0.5", "r,-0.5", "regions.csv: row 2 (r): column grid_co2_kg_per_kwh: must be >= 0"),
])
def test_bad_values_one_line_each(tmp_path, table, old, new, expect):
    t = small_tables()
    assert old in t[table]
    t[table] = t[table].replace(old, new, 1)
    folder = write_instance(tmp_path / "i", SMALL_TOML, **t)
    lines = problems(folder)
    assert any(line.startswith(expect) for line in lines), lines
    assert all("\n" not in line for line in lines)


def test_all_problems_reported_together(tmp_path):
    t = small_tables()
    t["cells"] = t["cells"].replace("100,300", "-1,300").replace("c5,s1,5g", "c5,s1,3g")
    t["demand"] = t["demand"].replace("a0,1,50", "a0,1,-5")
    lines = problems(write_instance(tmp_path / "i", SMALL_TOML, **t))
    assert len(lines) >= 3
    assert any("capacity_mbps" in x for x in lines) and any("tech" in x for x in lines)
    assert any("demand.csv" in x and "mbps" in x for x in lines)


def test_missing_column_and_table(tmp_path):
    t = small_tables()
    t["sites"] = "site,lat,lon\ns0,31,121\ns1,31,121\n"
    del t["demand"]
    lines = problems(write_instance(tmp_path / "i", SMALL_TOML, **t))
    assert any(x.startswith("sites.csv: header: missing column region") for x in lines)
    assert any(x.startswith("demand.csv: missing") for x in lines)


@pytest.mark.parametrize("toml,expect", [
    (SMALL_TOML + "[objective]\nkind = 'speed'\n", "instance.toml: [objective] kind: must be one of"),
    (SMALL_TOML.replace("[solver]", "[solver]\nmipgap = 0.1"), "instance.toml: [solver] mipgap: unknown option"),
    (SMALL_TOML.replace("periods = 2", "periods = 0"), "instance.toml: [time] periods: must be >= 1"),
    (SMALL_TOML.replace("weight = 365", "weight = 'a lot'"), "instance.toml: [time] weight: must be a number"),
    (SMALL_TOML + "[ran]\nallow_retire = 'yes'\n", "instance.toml: [ran] allow_retire: must be true or false"),
    ("name = \n", "instance.toml: not valid TOML"),
])
def test_bad_config(tmp_path, toml, expect):
    lines = problems(write_instance(tmp_path / "i", toml, **small_tables()))
    assert any(x.startswith(expect) for x in lines), lines


def test_structural_checks_before_solving(tmp_path):
    t = small_tables()
    t["areas"] += "a2,r,31,121,true\n"  # nobody reaches a2, and it wants 5G
    t["demand"] = t["demand"].replace("a1,1,40", "a1,1,1500")  # above 100 + 1000 reachable
    lines = problems(write_instance(tmp_path / "i", SMALL_TOML, **t))
    assert any(x.startswith("areas.csv: row 4 (a2): no cell reaches this area") for x in lines)
    assert any("requires_5g but no 5G cell reaches it" in x for x in lines)
    assert any(x.startswith("demand.csv: area a1: 1500 Mbps in period 1 exceeds the 1100 Mbps") for x in lines)


def test_catalogue_model_and_overrides(tmp_path):
    t = small_tables()
    t["cells"] = ("cell,site,tech,status,model,capacity_mbps\n"
                  "c4,s0,4g,existing,macro-4g,\nc5,s1,5g,candidate,macro-5g,900\n")
    inst = load_instance(write_instance(tmp_path / "i", SMALL_TOML, **t))
    c = inst.cells.set_index("cell")
    from optimizer.instance.catalogue import load_catalogue
    cat = load_catalogue()
    assert c.loc["c4", "active_w"] == cat["macro-4g"]["active_w"]
    assert c.loc["c5", "capacity_mbps"] == 900  # the row overrides the catalogue
    t["cells"] = "cell,site,tech,status,model\nc4,s0,4g,existing,macro-9g\nc5,s1,5g,candidate,\n"
    lines = problems(write_instance(tmp_path / "j", SMALL_TOML, **t))
    assert any(x.startswith("cells.csv: row 2 (c4): column model: model not in the catalogue") for x in lines)
    assert any(x.startswith("cells.csv: row 3 (c5): column capacity_mbps: no value") for x in lines)


def test_from_frames_equals_folder(small):
    import io
    frames = {k: pd.read_csv(io.StringIO(v)) for k, v in small_tables().items()}
    import tomllib
    a = instance_from_frames(tomllib.loads(SMALL_TOML), **frames)
    b = load_instance(small)
    pd.testing.assert_frame_equal(a.cells, b.cells)
    pd.testing.assert_frame_equal(a.demand, b.demand)
    with pytest.raises(InstanceError) as e:
        instance_from_frames(tomllib.loads(SMALL_TOML), **{**frames, "cells": frames["cells"].drop(columns="tech")})
    assert e.value.problems[0].startswith("cells.csv: header: missing column tech")


def test_missing_folder_and_toml(tmp_path):
    assert problems(tmp_path / "nope")[0].endswith("not an instance folder (no such directory)")
    (tmp_path / "empty").mkdir()
    assert "instance.toml: missing" in problems(tmp_path / "empty")[0]


# ---------------------------------------------------------------- property tests
_id = st.text(alphabet="abcxyz019_-", min_size=1, max_size=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(_id, st.floats(allow_nan=True, allow_infinity=True, width=32),
                               st.sampled_from(["4g", "5g", "6g", " 4G "])), min_size=1, max_size=8),
       crlf=st.booleans(), bom=st.booleans())
def test_loader_never_tracebacks(tmp_path_factory, rows, crlf, bom):
    """Whatever the cells table holds, the loader returns an Instance or an InstanceError."""
    folder = tmp_path_factory.mktemp("p")
    t = small_tables()
    nl = "\r\n" if crlf else "\n"
    body = "".join(f"{cid},s0,{tech},existing,,{cap},300,200,150,0,0{nl}" for cid, cap, tech in rows)
    t["cells"] = ("\ufeff" if bom else "") + (
        "cell,site,tech,status,model,capacity_mbps,active_w,load_w,sleep_w,wake_kwh,embodied_kwh_per_year"
        + nl + body)
    t["coverage"] = "cell,area,link_mbps\n" + "".join(f"{cid},a0,100\n{cid},a1,100\n" for cid, _, _ in rows)
    write_instance(folder, SMALL_TOML, **t)
    try:
        inst = load_instance(folder)
    except InstanceError as e:
        assert e.problems and all(p.strip() and "\n" not in p for p in e.problems)
        return
    # accepted: every capacity is a positive finite number and every tech is known
    assert (inst.cells.capacity_mbps > 0).all()
    assert set(inst.cells.tech) <= {"4g", "5g"}
    assert inst.cells.cell.is_unique


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(perm=st.permutations(["area", "period", "mbps"]), pad=st.sampled_from(["", " ", "  "]))
def test_column_order_and_padding_do_not_matter(tmp_path_factory, perm, pad):
    folder = tmp_path_factory.mktemp("q")
    t = small_tables()
    rows = [dict(area=a, period=p, mbps=m) for a, p, m in
            [("a0", 0, 10), ("a1", 0, 20), ("a0", 1, 50), ("a1", 1, 40)]]
    t["demand"] = ",".join(pad + c + pad for c in perm) + "\n" + "".join(
        ",".join(f"{pad}{r[c]}{pad}" for c in perm) + "\n" for r in rows)
    inst = load_instance(write_instance(folder, SMALL_TOML, **t))
    got = inst.demand.sort_values(["area", "period"]).mbps.tolist()
    assert got == [10.0, 50.0, 20.0, 40.0]
