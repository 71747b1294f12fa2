"""What a planner sees: inputs that load (optional columns, missing tables, slips of column
names, empty demand, unknown solvers, nested settings), numbers with units, GeoJSON, the
command's conventions (--version, -q, --json, help) and comparisons that carry their
uncertainty. Known answers come from instances/tiny/README.md (derived by hand)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import optimizer
from optimizer.units import number, percent, quantity

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"
NETOPT = [str(Path(sys.executable).with_name("netopt"))]


def run(*args):
    return subprocess.run(NETOPT + [str(a) for a in args], capture_output=True, text=True,
                          timeout=300)


def tiny_copy(tmp_path, name="t") -> Path:
    return Path(shutil.copytree(TINY, tmp_path / name))


# --- inputs that load ---------------------------------------------------------------------

def test_optional_requires_5g_column_defaults_to_false(tmp_path):
    folder = tiny_copy(tmp_path)
    areas = pd.read_csv(folder / "areas.csv").drop(columns="requires_5g")
    areas.to_csv(folder / "areas.csv", index=False)
    inst = optimizer.load_instance(folder)
    assert inst.areas.requires_5g.dtype == bool and not inst.areas.requires_5g.any()
    # the same from DataFrames
    from optimizer.instance.load import instance_from_frames, read_folder
    config, tables, _ = read_folder(folder)
    frames = {k.removesuffix(".csv"): v for k, v in tables.items()}
    assert not instance_from_frames(config, **frames).areas.requires_5g.any()
    # and it solves to the hand-derived optimum
    assert optimizer.solve(inst, mip_gap=0.0).summary["objective"] == pytest.approx(8884.8)


@pytest.mark.parametrize("table", ["regions", "sites", "cells", "demand"])
def test_a_missing_required_table_is_one_line(tmp_path, table):
    folder = tiny_copy(tmp_path)
    (folder / f"{table}.csv").unlink()
    r = run("validate", folder)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"{table}.csv: missing" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 2  # the problem, then "nothing was solved"


def test_a_slip_in_a_column_name_is_named_with_a_suggestion(tmp_path):
    folder = tiny_copy(tmp_path)
    text = (folder / "cells.csv").read_text()
    (folder / "cells.csv").write_text(text.replace("capacity_mbps", "capacty_mbps", 1))
    r = run("validate", folder)
    assert r.returncode == 2
    assert "cells.csv: header: unknown column capacty_mbps; did you mean capacity_mbps?" in r.stderr
    (folder / "cells.csv").write_text(text.replace(",tech,", ",tehc,", 1))
    r = run("validate", folder)
    assert "unknown column tehc; did you mean tech?" in r.stderr
    assert "missing column tech" not in r.stderr  # the suggestion says it already
    (folder / "cells.csv").write_text(text.replace(",tech,", ",colour,", 1))
    r = run("validate", folder)
    assert "missing column tech" in r.stderr and "not known: colour" in r.stderr


def test_an_unknown_column_far_from_any_is_a_warning(tmp_path):
    folder = tiny_copy(tmp_path)
    cells = pd.read_csv(folder / "cells.csv")
    cells["owner"] = "x"
    cells.to_csv(folder / "cells.csv", index=False)
    r = run("validate", folder)
    assert r.returncode == 0
    assert "ignoring unknown column owner" in r.stderr


def test_an_empty_demand_table_is_a_warning(tmp_path):
    folder = tiny_copy(tmp_path)
    (folder / "demand.csv").write_text("area,period,mbps\n")
    r = run("validate", folder)
    assert r.returncode == 0 and "demand.csv: no rows" in r.stderr


def test_an_unavailable_solver_is_refused_before_anything_is_built(tmp_path):
    r = run("solve", TINY, "--out", tmp_path / "o", "--solver", "gurobi")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "'gurobi' is not available" in r.stderr and "netopt: prepare" not in r.stderr
    assert not (tmp_path / "o").exists()
    with pytest.raises(ValueError, match="not available"):
        optimizer.solve(optimizer.load_instance(TINY), solver="gurobi")


def test_with_options_applies_nested_settings_checked_like_the_file():
    inst = optimizer.load_instance(TINY)
    fixed = inst.with_options(ran={"allow_sleep": False})
    assert fixed.ran.allow_sleep is False and fixed.ran.min_coverage == 1
    # without sleep the plan is the status quo: 13607.2 kWh/yr (instances/tiny/README.md)
    assert optimizer.solve(fixed, mip_gap=0.0).summary["objective"] == pytest.approx(13607.2)
    with pytest.raises(ValueError, match="max_wakeups: must be >= 0"):
        inst.with_options(ran={"max_wakeups": -1})
    with pytest.raises(ValueError, match="allow_sleeep: unknown option"):
        inst.with_options(ran={"allow_sleeep": False})
    with pytest.raises(TypeError, match="give a dict"):
        inst.with_options(ran=3)
    with pytest.raises(TypeError, match="instance.toml"):
        inst.with_options(time={"periods": 2})
    assert inst.with_options(solver={"mip_gap": 0.5}).solver.mip_gap == 0.5


def test_a_scenario_that_changes_nothing_hashes_like_its_base(tmp_path):
    from optimizer.scenarios import load_scenario
    from optimizer.solve import input_hash
    sc = tmp_path / "same.toml"
    sc.write_text(f'name = "same"\nbase = "{TINY}"\n')
    assert input_hash(load_scenario(sc)[1]) == input_hash(optimizer.load_instance(TINY))


# --- numbers for people -------------------------------------------------------------------

def test_numbers_carry_units_and_three_significant_digits():
    assert quantity("energy", 6_729_481_972) == "6.73 TWh/yr"
    assert quantity("energy", 8884.8) == "8.88 MWh/yr"
    assert quantity("energy", 999_400) == "999 MWh/yr"
    assert quantity("energy", 999_600) == "1.00 GWh/yr"  # rounds up into the next unit
    assert quantity("carbon_t", 1_077_660) == "1.08 Mt CO2/yr"
    assert quantity("cost", 2_450) == "2.45 k CNY/yr"
    assert quantity("cost", 3.2e9) == "3.20 bn CNY/yr"
    assert quantity("energy", -2.5e6) == "-2.50 GWh/yr"
    assert number(6_729_481) == "6,730,000" and number(0.01234) == "0.0123"
    assert percent(1.8745) == "1.87 %" and percent(1e-7) == "0 %"


def test_solve_prints_units_and_timings_that_add_up(tmp_path):
    r = run("solve", TINY, "--out", tmp_path / "o", "--mip-gap", "0")
    assert r.returncode == 0, r.stderr
    first = r.stdout.splitlines()[0]
    assert first == "tiny: optimal  energy 8.88 MWh/yr  bound 8.88 MWh/yr  gap 0 %"
    assert "carbon" in r.stdout and "t CO2/yr" in r.stdout and "CNY/yr" in r.stdout
    assert "e+" not in r.stdout  # no exponent anywhere
    line = next(x for x in r.stdout.splitlines() if x.strip().startswith("time "))
    total = float(line.split()[1])
    parts = [float(p.split()[-2]) for p in line.split(": ", 1)[1].split("; ")]
    assert sum(parts) == pytest.approx(total, abs=0.05 * len(parts) + 0.05)
    s = json.loads((tmp_path / "o" / "summary.json").read_text())
    named = sum(s[k] for k in ("build_seconds", "handoff_seconds", "solve_seconds",
                               "extract_seconds", "baseline_seconds", "other_seconds"))
    assert named == pytest.approx(s["wall_seconds"], abs=1e-3)


# --- GeoJSON and JSON -----------------------------------------------------------------------

def test_geojson_of_the_plan(tmp_path):
    out = tmp_path / "o"
    r = run("solve", TINY, "--out", out, "--mip-gap", "0", "--format", "csv,geojson")
    assert r.returncode == 0, r.stderr
    doc = json.loads((out / "plan.geojson").read_text())
    assert doc["type"] == "FeatureCollection"
    cells = {f["properties"]["cell"]: f for f in doc["features"]
             if f["properties"]["kind"] == "cell"}
    # instances/tiny/README.md: N5 built (awake in the 8 h day), M4 always awake, E4 asleep
    assert cells["N5"]["properties"]["status"] == "new"
    assert cells["N5"]["properties"]["hours_awake"] == 8.0
    assert cells["M4"]["properties"]["status"] == "kept"
    assert cells["M4"]["properties"]["hours_awake"] == 24.0
    assert cells["E4"]["properties"]["hours_awake"] == 0.0
    assert cells["N5"]["properties"]["technology"] == "5g"
    # M4 draws 440, 460 and 580 W in the three 8 h periods: 4,321.6 kWh/yr (README)
    assert cells["M4"]["properties"]["energy_kwh"] == pytest.approx(4321.6)
    # longitude first (RFC 7946): sites.csv of the same run
    sites = pd.read_csv(out / "sites.csv").set_index("site")
    for f in doc["features"]:
        if f["properties"]["kind"] == "site":
            lon, lat = f["geometry"]["coordinates"]
            row = sites.loc[f["properties"]["site"]]
            assert (lon, lat) == pytest.approx((row.lon, row.lat))


def test_solve_json_prints_the_summary(tmp_path):
    r = run("-q", "solve", TINY, "--out", tmp_path / "o", "--json", "--mip-gap", "0")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s == json.loads((tmp_path / "o" / "summary.json").read_text())
    assert r.stderr == ""  # -q: no progress, no warnings


# --- command conventions ------------------------------------------------------------------

def test_version_quiet_and_help():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("netopt ") and "HiGHS" in r.stdout
    from typer.main import get_command

    from optimizer.cli import app
    group = get_command(app)
    for name, cmd in group.commands.items():
        for p in cmd.params:
            assert getattr(p, "help", None), f"{name} {p.name}: no description"
        r = run(name, "--help")
        assert r.returncode == 0 and "<bool>" not in r.stdout and "<float>" not in r.stdout, name


def test_quiet_solve_prints_nothing(tmp_path):
    r = run("-q", "solve", TINY, "--out", tmp_path / "o")
    assert r.returncode == 0 and r.stdout == "" and r.stderr == ""
    assert (tmp_path / "o" / "summary.json").is_file()


def test_short_reprs():
    inst = optimizer.load_instance(TINY)
    assert repr(inst) == ("Instance('tiny', 3 periods of 8 h, objective='energy', regions: 1, "
                          "renewables: 1, sites: 2, cells: 3, areas: 2, demand: 6, coverage: 4)")
    sol = optimizer.solve(inst, mip_gap=0.0)
    text = repr(sol)
    assert text.startswith("Solution('tiny', status='optimal', energy=8.88 MWh/yr, gap=0 %")
    assert len(text) < 300 and "solver" not in text


# --- comparisons that carry their uncertainty ---------------------------------------------

def _row(name, status, obj, bound, kind="energy"):
    return {"scenario": name, "source": name, "status": status, "index": 0,
            "summary": {"objective_kind": kind, "objective": obj, "bound": bound,
                        "energy_kwh": obj, "seed": 7}}


def test_comparison_differences_and_the_interval_the_bounds_allow():
    from optimizer.scenarios.comparison import comparison_table
    t = comparison_table([_row("base", "feasible", 100.0, 90.0),
                          _row("a", "feasible", 120.0, 110.0),   # [110-100, 120-90] = [10, 30]
                          _row("b", "feasible", 95.0, 85.0),     # [85-100, 95-90] = [-15, 5]
                          _row("c", "feasible", 50.0, 40.0, "carbon"),
                          _row("d", "infeasible", None, None)])
    t = t.set_index("scenario")
    assert t.objective_vs_first["a"] == 20.0 and t.objective_vs_first_pct["a"] == 20.0
    assert (t.objective_vs_first_low["a"], t.objective_vs_first_high["a"]) == (10.0, 30.0)
    assert t.difference_resolved["a"] is True
    assert (t.objective_vs_first_low["b"], t.objective_vs_first_high["b"]) == (-15.0, 5.0)
    assert t.difference_resolved["b"] is False
    assert pd.isna(t.difference_resolved["c"])  # another objective: not compared
    assert pd.isna(t.difference_resolved["d"]) and pd.isna(t.objective_vs_first["d"])
    assert "seed_vs_first" not in t.columns and "energy_kwh_vs_first_pct" in t.columns


def test_compare_prints_gaps_and_marks_what_it_cannot_resolve(tmp_path):
    sc = tmp_path / "x2.toml"
    sc.write_text('name = "demand x2"\n[scale]\ndemand = 2\n')
    same = tmp_path / "same.toml"
    same.write_text('name = "same"\n')
    r = run("compare", TINY, sc, same, "--out", tmp_path / "cmp", "--workers", "1",
            "--mip-gap", "0")
    assert r.returncode == 0, r.stderr
    t = pd.read_csv(tmp_path / "cmp" / "comparison.csv").set_index("scenario")
    # solved to optimality: the interval is the difference itself, so doubling demand
    # (strictly more load power) is resolved, and an unchanged scenario's zero is not
    assert bool(t.difference_resolved["demand x2"]) is True
    assert t.objective_vs_first_low["demand x2"] == pytest.approx(t.objective_vs_first["demand x2"])
    assert bool(t.difference_resolved["same"]) is False
    assert t.input_sha256["same"] == t.input_sha256["base"]
    assert "8.88 MWh/yr" in r.stdout and "(not resolved)" in r.stdout


def test_compare_reruns_with_a_work_limit_give_identical_numbers(tmp_path):
    """The reproducible budget (--work) makes a comparison independent of the machine's
    load: two runs of the same comparison agree in every number but the seconds."""
    from optimizer.instance.generate import generate_city
    base = generate_city(tmp_path / "city", sites=60, hours=24, seed=5)
    sc = tmp_path / "more.toml"
    sc.write_text('name = "traffic -20 %"\n[scale]\ndemand = 0.8\n')
    tables = []
    for k in range(2):
        r = run("compare", base, sc, "--out", tmp_path / f"cmp{k}", "--work", "200",
                "--workers", "2")
        assert r.returncode == 0, r.stderr
        tables.append(pd.read_csv(tmp_path / f"cmp{k}" / "comparison.csv"))
    keep = [c for c in tables[0].columns if "seconds" not in c and c not in ("timing",)]
    pd.testing.assert_frame_equal(tables[0][keep], tables[1][keep])
    assert (tables[0].work_limit == 200).all()
