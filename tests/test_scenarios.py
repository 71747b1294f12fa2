"""Forced and forbidden cells and data centres, scenario files and `netopt compare`."""
import pytest

import optimizer
from optimizer.instance.locks import with_locks
from tests.conftest import ROOT, SMALL_TOML, small_tables, write_instance

TINY = ROOT / "instances" / "tiny"


def energy(inst):
    sol = optimizer.solve(inst, mip_gap=0.0)
    assert sol.status == "optimal", sol.summary
    return sol


# ----------------------------------------------------------------------------- force / forbid

def test_forbidding_the_candidate_gives_plan_b():
    # instances/tiny/README.md: without N5 the best plan is plan B, E4 awake in the day only:
    # 3.14 kW x 2920 h + one E4 wake-up 73 kWh = 9241.8 kWh (plan A with N5: 8884.8).
    sol = energy(with_locks(optimizer.load_instance(TINY), forbidden_cells={"N5"}))
    assert sol.summary["energy_kwh"] == pytest.approx(9241.8)
    assert sol.summary["cells_built"] == 0
    cells = sol.tables["cells"]
    assert cells[cells.cell == "N5"].built.eq(0).all() and cells[cells.cell == "N5"].awake.eq(0).all()
    e4 = cells[cells.cell == "E4"].sort_values("period")
    assert list(e4.awake) == [0, 1, 0]


def test_forbidding_an_existing_cell_retires_it_without_allow_retire():
    # tiny's plan A never wakes E4, which sleeps at 40 W in all three periods. Forbidding E4
    # retires it (allow_retire is false in tiny): plan A stays optimal and saves E4's sleep
    # power, 0.04 kW x 3 periods x 2920 h = 350.4 kWh: 8884.8 - 350.4 = 8534.4 kWh.
    inst = optimizer.load_instance(TINY)
    assert inst.ran.allow_retire is False
    sol = energy(with_locks(inst, forbidden_cells={"E4"}))
    assert sol.summary["energy_kwh"] == pytest.approx(8534.4)
    assert sol.summary["cells_retired"] == 1 and sol.summary["cells_built"] == 1
    e4 = sol.tables["cells"][sol.tables["cells"].cell == "E4"]
    assert e4.built.eq(0).all() and e4.awake.eq(0).all() and e4.power_w.eq(0).all()


def test_forcing_a_candidate_builds_it_and_counts_its_embodied_energy(small):
    # tests/conftest.py small: c4 (existing, covers a0 and a1, 100 Mbps, 300 W + 2 W/Mbps,
    # site overhead 100 W) carries 30 and 90 Mbps alone: (300 + 60 + 100) + (300 + 180 + 100)
    # = 1040 W x 12 h x 365 = 4555.2 kWh; the candidate c5 is not built.
    inst = optimizer.load_instance(small)
    free = energy(inst)
    assert free.summary["energy_kwh"] == pytest.approx(4555.2)
    assert free.summary["cells_built"] == 0
    # Forced, c5 is built and sleeps (awake it would draw 800 W to save c4 at most 2 W/Mbps x
    # 40 Mbps): its sleep power 10 W x 2 periods x 4380 h = 87.6 kWh plus its embodied
    # 100 kWh a year: 4555.2 + 187.6 = 4742.8 kWh.
    forced = energy(with_locks(inst, forced_cells={"c5"}))
    assert forced.summary["energy_kwh"] == pytest.approx(4742.8)
    assert forced.summary["embodied_kwh"] == pytest.approx(100.0)
    assert forced.summary["cells_built"] == 1
    c5 = forced.tables["cells"][forced.tables["cells"].cell == "c5"]
    assert c5.built.eq(1).all() and c5.awake.eq(0).all()


def test_forced_candidates_count_against_max_new_cells(tmp_path):
    t = small_tables()
    folder = write_instance(tmp_path / "lim", SMALL_TOML + "[ran]\nmax_new_cells = 0\n", **t)
    inst = optimizer.load_instance(folder)
    with pytest.raises(optimizer.InstanceError) as e:
        with_locks(inst, forced_cells={"c5"})
    assert e.value.problems == ["forced cells: 1 candidate cells are forced but [ran] max_new_cells = 0"]


DC_TOML = """name = "dc2"
[time]
periods = 2
period_hours = 1.0
weight = 1
[datacentre]
interactive_latency_ms = 10
[solver]
mip_gap = 0.0
"""
DC_TABLES = dict(
    regions="region,grid_co2_kg_per_kwh,price_cny_per_kwh\nA,0.8,1.0\nB,0.1,0.5\n",
    datacentres=("dc,region,status,max_it_kw,fixed_kw,pue\n"
                 "dA,A,existing,100,0,1.5\ndB,B,existing,100,0,1.2\ndC,A,candidate,100,10,2.0\n"),
    compute=("region,period,class,it_kw\nA,0,interactive,20\nA,1,interactive,20\n"
             "B,0,batch,40\n"),
    routes=("region,dc,latency_ms,transport_kwh_per_kwh\nA,dA,1,0\nA,dB,30,0.05\n"
            "B,dB,1,0\nB,dA,30,0.05\nA,dC,1,0\nB,dC,30,0.05\n"),
)


@pytest.fixture
def dc2(tmp_path):
    return optimizer.load_instance(write_instance(tmp_path / "dc2", DC_TOML, **DC_TABLES))


def test_forbidding_a_data_centre_moves_its_load(dc2):
    # As in tests/test_datacentre.py: interactive A runs at dA (20 kW x 1.5 x 2 h = 60 kWh),
    # batch B at dB (40 x 1.2 = 48 kWh): 108 kWh; dC (PUE 2, 10 kW fixed) stays closed.
    base = energy(dc2)
    assert base.summary["energy_kwh"] == pytest.approx(108.0)
    assert base.summary["dcs_open"] == 2
    # dB forbidden: the batch goes to dA (30 ms is allowed for batch), 40 x (1.5 + 0.05
    # transport) = 62 kWh -> 122 kWh, 2 kWh of it transport; dB closed, nothing assigned to it.
    sol = energy(with_locks(dc2, forbidden_dcs={"dB"}))
    assert sol.summary["energy_kwh"] == pytest.approx(122.0)
    assert sol.summary["transport_energy_kwh"] == pytest.approx(2.0)
    assert sol.summary["dcs_open"] == 1
    assert "dB" not in set(sol.tables["assignments"].dc)
    assert sol.tables["dcs"].set_index("dc").loc["dB"].open.eq(0).all()


def test_forcing_a_data_centre_opens_it(dc2):
    # dC forced open: its fixed 10 kW for 2 h = 20 kWh; with PUE 2 it takes no load (dA at
    # 1.5 is better for A, dB for B): 108 + 20 = 128 kWh.
    sol = energy(with_locks(dc2, forced_dcs={"dC"}))
    assert sol.summary["energy_kwh"] == pytest.approx(128.0)
    assert sol.summary["dcs_open"] == 3
    assert "dC" not in set(sol.tables["assignments"].dc)


def test_lock_ids_are_checked(dc2, small):
    inst = optimizer.load_instance(small)
    with pytest.raises(optimizer.InstanceError) as e:
        with_locks(inst, forced_cells={"c9"})
    assert e.value.problems == ["forced cells: 'c9' is not a cell of the instance"]
    with pytest.raises(optimizer.InstanceError) as e:
        with_locks(inst, forced_cells={"c5"}, forbidden_cells={"c5"})
    assert e.value.problems == ["cell 'c5' is both forced and forbidden"]
    with pytest.raises(optimizer.InstanceError) as e:
        with_locks(inst, forbidden_dcs={"dA"})
    assert e.value.problems == ["forbidden dcs: the instance has no data-centre part"]
    # forbidding the only cell that reaches a0 is found before any solve
    with pytest.raises(optimizer.InstanceError) as e:
        with_locks(inst, forbidden_cells={"c4"})
    assert any("a0" in line and "no cell reaches this area" in line for line in e.value.problems)
    # both data centres within 10 ms of A forbidden: A's interactive compute has nowhere to go
    with pytest.raises(optimizer.InstanceError) as e:
        with_locks(dc2, forbidden_dcs={"dA", "dC"})
    assert any("region A" in line and "10 ms" in line for line in e.value.problems)
    # fields set without with_locks are still checked when the model is built
    with pytest.raises(optimizer.InstanceError):
        optimizer.solve(inst.with_options(forbidden_cells=frozenset({"nope"})))


# ----------------------------------------------------------------------------- scenario files

import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

from optimizer.scenarios import ScenarioError, load_scenario  # noqa: E402
from optimizer.scenarios.comparison import compare  # noqa: E402

NETOPT = [str(Path(sys.executable).with_name("netopt"))]


def netopt(*args, cwd=None):
    return subprocess.run(NETOPT + [str(a) for a in args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def scenario(folder: Path, text: str, name: str = "s.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path, base=None) -> list[str]:
    with pytest.raises(ScenarioError) as e:
        load_scenario(path, base)
    return e.value.problems


@pytest.mark.parametrize("text, expected", [
    ("bogus = 1\n", "bogus: unknown key (known: name, description, base, sleep, scale, set, "
                    "tables, force, forbid)"),
    ("[scale]\ndemnd = 2\n", "[scale] demnd: unknown key (known: demand, compute, "
                             "demand_by_region, compute_by_region, compute_by_class)"),
    ("[scale]\ndemand = -1\n", "[scale] demand: must be >= 0, got -1"),
    ("[scale]\ndemand = nan\n", "[scale] demand: must be a finite number, got nan"),
    ("[scale]\ndemand = \"lots\"\n", "[scale] demand: must be a number, got 'lots'"),
    ("[scale]\ncompute_by_class = { urgent = 2 }\n",
     "[scale] compute_by_class urgent: unknown class (known: interactive, batch)"),
    ("[set.ran]\nmin_coverag = 2\n", "[set.ran] min_coverag: unknown instance.toml key (known: "
                                     "min_coverage, allow_retire, max_new_cells, max_wakeups, "
                                     "unserved_penalty_kwh_per_mbps_h, allow_sleep, "
                                     "sleep_threshold_pct)"),
    ("[set.ran]\nmin_coverage = -1\n", "[set.ran] min_coverage: must be >= 0, got -1"),
    ("[set]\nsolve = { threads = 2 }\n", "[set] solve: unknown instance.toml table (known: time, "
                                         "objective, ran, datacentre, solver, description)"),
    ("[tables]\nregionz = \"r.csv\"\n", "[tables] regionz: unknown table (known: regions, "
                                        "renewables, sites, cells, areas, demand, coverage, "
                                        "datacentres, compute, links, routes)"),
    ("[tables]\nregions = \"missing.csv\"\n", "[tables] regions: missing.csv: no such file"),
    ("[force]\ncell = [\"M4\"]\n", "[force] cell: unknown key (known: cells, dcs)"),
    ("[force]\ncells = [\"M5\"]\n", "[force] cells: 'M5' is not a cell of the instance"),
    ("[forbid]\ncells = [\"X*\"]\n", "[forbid] cells: pattern 'X*' matches no cell"),
    ("[forbid]\ndcs = [\"d1\"]\n", "[forbid] dcs: the instance has no data-centre part"),
    ("[scale]\ndemand_by_region = { r1 = 2 }\n",
     "[scale] demand_by_region r1: unknown region; did you mean 'R1'?"),
    ("[force]\ncells = [\"N5\"]\n[forbid]\ncells = [\"N*\"]\n",
     "[force] cells and [forbid] cells: 'N5' both forced and forbidden"),
    ("base = \"no-such-folder\"\n", "base: {dir}/no-such-folder is not an instance folder "
                                    "(no such directory)"),
    ("sleep = \"no\"\n", "sleep: must be true or false, got 'no'"),
])
def test_bad_scenario_is_one_line_naming_file_and_key(tmp_path, text, expected):
    path = scenario(tmp_path, text)
    assert problems(path, TINY) == [f"{path}: {expected.format(dir=tmp_path)}"]


def test_missing_base(tmp_path):
    path = scenario(tmp_path, "[scale]\ndemand = 2\n")
    assert problems(path) == [f"{path}: base: missing (give base = \"<instance folder>\" in the "
                              "file, or a base instance to apply it to)"]


def test_scenario_validated_like_an_instance_folder(tmp_path):
    # Demand x6 (instances/tiny/README.md): A1 60/540/360 Mbps against M4 + N5 = 100 + 400
    # Mbps in reach (period 1 too much), A2 60/180/180 against M4 + E4 = 150 (periods 1 and
    # 2): the folder's own capacity check reports both, as for an instance folder.
    path = scenario(tmp_path, "[scale]\ndemand = 6\n")
    lines = problems(path, TINY)
    assert lines == [f"{path}: demand.csv: area A1: 540 Mbps in period 1 exceeds the 500 Mbps "
                     "that all cells in reach carry at full capacity",
                     f"{path}: demand.csv: area A2: 180 Mbps in period 1 exceeds the 150 Mbps "
                     "that all cells in reach carry at full capacity (and 1 more periods)"]


def test_replaced_table_is_named_by_its_file(tmp_path):
    (tmp_path / "regions-bad.csv").write_text("region,grid_co2_kg_per_kwh,price_cny_per_kwh\n"
                                              "R1,-0.5,0.6\n")
    path = scenario(tmp_path, "[tables]\nregions = \"regions-bad.csv\"\n")
    assert problems(path, TINY) == [
        f"{path}: {tmp_path / 'regions-bad.csv'} (as regions.csv): row 2 (R1): column "
        "grid_co2_kg_per_kwh: must be >= 0, got -0.5"]


def test_scale_set_tables_force_forbid_take_effect(tmp_path):
    (tmp_path / "regions-2030.csv").write_text("region,grid_co2_kg_per_kwh,price_cny_per_kwh\n"
                                               "R1,0.25,0.7\n")
    path = scenario(tmp_path, f"""name = "all at once"
description = "every kind of change"
base = "{TINY.as_posix()}"
sleep = false
[scale]
demand = 1.5
demand_by_region = {{ R1 = 2 }}
[set]
ran = {{ max_new_cells = 1, allow_retire = true }}
objective = {{ kind = "carbon" }}
[tables]
regions = "regions-2030.csv"
[force]
cells = ["N*"]
[forbid]
cells = ["E4"]
""")
    sc, inst = load_scenario(path)
    base = optimizer.load_instance(TINY)
    assert sc.name == "all at once" and sc.slug == "all-at-once"
    assert inst.name == "tiny+all-at-once" and inst.description == "every kind of change"
    # demand x 1.5 x 2 (all areas are in R1)
    merged = inst.demand.merge(base.demand, on=["area", "period"], suffixes=("", "_base"))
    assert len(merged) == 6 and (merged.mbps == 3 * merged.mbps_base).all()
    assert inst.ran.allow_sleep is False and inst.ran.max_new_cells == 1
    assert inst.ran.allow_retire is True and inst.ran.min_coverage == 1  # untouched key kept
    assert inst.objective == "carbon"
    assert inst.regions.grid_co2_kg_per_kwh.tolist() == [0.25]
    assert inst.forced_cells == {"N5"} and inst.forbidden_cells == {"E4"}
    assert inst.forced_dcs == frozenset() and inst.source is None


def test_compute_scaling_by_region_and_class(tmp_path):
    folder = write_instance(tmp_path / "dc2", DC_TOML, **DC_TABLES)
    path = scenario(tmp_path, """base = "dc2"
[scale]
compute = 2
compute_by_region = { A = 1.5 }
compute_by_class = { batch = 3 }
""")
    _, inst = load_scenario(path)
    c = inst.compute.set_index(["region", "period", "class"]).it_kw
    # A interactive 20 x 2 x 1.5 = 60; B batch 40 x 2 x 3 = 240
    assert c[("A", 0, "interactive")] == pytest.approx(60.0)
    assert c[("A", 1, "interactive")] == pytest.approx(60.0)
    assert c[("B", 0, "batch")] == pytest.approx(240.0)
    assert optimizer.load_instance(folder).compute.it_kw.sum() == pytest.approx(80.0)


def test_scenario_on_a_scenario_stacks_changes(tmp_path):
    scenario(tmp_path, f'base = "{TINY.as_posix()}"\n[scale]\ndemand = 2\n', "double.toml")
    path = scenario(tmp_path, 'base = "double.toml"\nsleep = false\n[scale]\ndemand = 0.5\n',
                    "back.toml")
    _, inst = load_scenario(path)
    base = optimizer.load_instance(TINY)
    assert inst.name == "tiny+double+back"
    assert inst.demand.mbps.tolist() == pytest.approx(base.demand.mbps.tolist())
    assert inst.ran.allow_sleep is False
    cyc = scenario(tmp_path, 'base = "cyc.toml"\n', "cyc.toml")
    assert problems(cyc) == [f"{cyc}: base: scenarios name each other as base in a cycle"]


def test_cli_validate_and_solve_take_a_scenario_file(tmp_path):
    path = scenario(tmp_path, f'base = "{TINY.as_posix()}"\nsleep = false\n', "no-sleep.toml")
    r = netopt("validate", path)
    assert r.returncode == 0, r.stderr
    assert f"{path}: valid" in r.stdout and "name: tiny+no-sleep" in r.stdout
    r = netopt("solve", path, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    s = json.loads((tmp_path / "results" / "tiny+no-sleep" / "summary.json").read_text())
    # sleep off: every existing cell awake always, N5 not worth building (its 600 W awake
    # exceed what it saves): the status quo of instances/tiny/README.md, 13607.2 kWh
    assert s["instance"] == "tiny+no-sleep" and s["energy_kwh"] == pytest.approx(13607.2)


def test_cli_bad_scenario_one_line_no_traceback(tmp_path):
    path = scenario(tmp_path, f'base = "{TINY.as_posix()}"\n[scale]\ndemand = -2\n')
    for cmd in ("validate", "solve"):
        r = netopt(cmd, path, "--out", tmp_path / "o") if cmd == "solve" else netopt(cmd, path)
        assert r.returncode == 2 and "Traceback" not in r.stderr
        lines = r.stderr.strip().splitlines()
        assert lines == [f"{path}: [scale] demand: must be >= 0, got -2",
                         f"netopt: {path}: 1 problem(s); nothing was solved"]
    assert not (tmp_path / "o").exists()
    missing = scenario(tmp_path, "[scale]\ndemand = 2\n", "nobase.toml")
    r = netopt("validate", missing)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.splitlines()[0] == f"{missing}: base: missing (give base = \"<instance " \
                                       "folder>\" in the file, or a base instance to apply it to)"


# ----------------------------------------------------------------------------- compare

def test_cli_compare_ranks_scenarios_and_records_a_broken_one(tmp_path):
    double = scenario(tmp_path, 'name = "demand x2"\n[scale]\ndemand = 2\n', "double.toml")
    nosleep = scenario(tmp_path, 'name = "no sleep"\nsleep = false\n', "nosleep.toml")
    broken = scenario(tmp_path, '[forbid]\ncells = ["Z*"]\n', "broken.toml")
    out = tmp_path / "cmp"
    r = netopt("compare", TINY, double, nosleep, broken, "--out", out, "--mip-gap", "0",
               "--workers", "2")
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr
    failed = [x for x in r.stderr.splitlines()
              if x.startswith("netopt: ") and not x.startswith("netopt: compare")]
    assert failed == [f"netopt: {broken}: invalid: [forbid] cells: pattern 'Z*' matches no cell"]
    t = pd.read_csv(out / "comparison.csv")
    assert list(t.scenario) == ["base", "demand x2", "no sleep", "broken"]
    assert list(t.status) == ["optimal", "optimal", "optimal", "invalid"]
    assert list(t.results.fillna("")) == ["base", "demand-x2", "no-sleep", ""]
    for slug in ("base", "demand-x2", "no-sleep"):
        assert (out / slug / "summary.json").is_file()
    assert not (out / "broken").exists()
    e = t.set_index("scenario").energy_kwh
    d = t.set_index("scenario").energy_kwh_vs_first
    # base: instances/tiny/README.md, 8884.8 kWh. Doubling demand costs strictly more: any
    # plan for double demand, with halved flows, serves the base at less load power (every
    # cell draws load_w > 0 per Mbps). Without sleep: the status quo, 13607.2 kWh (README).
    assert e["base"] == pytest.approx(8884.8)
    assert e["demand x2"] > e["base"] and d["demand x2"] > 0
    assert e["no sleep"] == pytest.approx(13607.2) and d["no sleep"] == pytest.approx(13607.2 - 8884.8)
    assert d["base"] == 0 and pd.isna(d["broken"])
    assert "input_sha256" in t.columns and "savings_pct_vs_first" in t.columns
    doc = json.loads((out / "comparison.json").read_text())
    assert doc["order"] == ["base", "demand x2", "no sleep", "broken"]
    assert doc["rows"][3]["status"] == "invalid" and doc["rows"][3]["energy_kwh"] is None
    assert "demand x2" in r.stdout and "difference" in r.stdout and "MWh/yr" in r.stdout


def test_compare_library_records_infeasible_runs(tmp_path):
    # min_coverage 2 with no new cell: A1 is reached only by M4 and the candidate N5, so no
    # plan covers it twice; validation cannot tell (two cells do reach A1), the solver can.
    inf = scenario(tmp_path, 'name = "twice covered"\n[set.ran]\nmin_coverage = 2\n'
                             'max_new_cells = 0\n', "inf.toml")
    half = scenario(tmp_path, 'name = "half"\n[scale]\ndemand = 0.5\n', "half.toml")
    t = compare(TINY, [inf, half], tmp_path / "cmp", mip_gap=0.0, workers=1)
    assert isinstance(t, pd.DataFrame)
    assert list(t.status) == ["optimal", "infeasible", "optimal"]
    assert "area A1" in t.message[1]
    assert json.loads((tmp_path / "cmp" / "twice-covered" / "summary.json").read_text())["status"] \
        == "infeasible"
    # half the traffic: strictly less load power, so strictly less energy (as for x2 above)
    assert t.energy_kwh_vs_first[2] < 0 and pd.isna(t.energy_kwh_vs_first[1])


@pytest.mark.parametrize("path", sorted((ROOT / "instances").glob("*/scenarios/*.toml")),
                         ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_shipped_scenarios_validate(path):
    sc, inst = load_scenario(path)
    assert sc.base is not None and inst.name.endswith("+" + sc.slug)
    assert sc.description


def test_china_2030_factors_follow_the_stated_assumption():
    # instances/china/scenarios/README.md: factor 2030 = factor 2022 x (1 - 0.40) / (1 - 0.316)
    # (renewables 31.6 % of consumption in 2022, 40 % proposed for 2030), rounded to 4 places
    _, inst = load_scenario(ROOT / "instances" / "china" / "scenarios" / "grid-2030.toml")
    base = optimizer.load_instance(ROOT / "instances" / "china")
    ratio = (1 - 0.40) / (1 - 0.316)
    new = inst.regions.set_index("region").grid_co2_kg_per_kwh
    old = base.regions.set_index("region").grid_co2_kg_per_kwh
    assert (new - (old * ratio).round(4)).abs().max() < 1e-9
    assert inst.regions.price_cny_per_kwh.tolist() == base.regions.price_cny_per_kwh.tolist()


def test_compare_rerun_replaces_the_older_comparison_whole(tmp_path):
    # a re-run with fewer scenarios leaves none of the older run folders behind, and the
    # files it writes get the mode open() would give
    import os
    import stat

    from optimizer.scenarios.comparison import compare
    base = ROOT / "instances" / "tiny"
    sc = tmp_path / "more.toml"
    sc.write_text('name = "more traffic"\n[scale]\ndemand = 1.1\n')
    out = tmp_path / "cmp"
    compare(base, [sc], out, workers=1, time_limit_s=20)
    assert (out / "more-traffic" / "summary.json").is_file()
    compare(base, [], out, workers=1, time_limit_s=20)
    assert sorted(p.name for p in out.iterdir()) == ["base", "comparison.csv", "comparison.json"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((out / "comparison.csv").stat().st_mode) == 0o666 & ~umask
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".cmp.")]


def test_input_hash_of_scenario_instances(tmp_path):
    # a scenario's instance has no folder of its own: its hash is the validated instance's,
    # the same in another process, and it changes with any input
    from optimizer.solve import input_hash
    sc = tmp_path / "s.toml"
    sc.write_text(f'name = "x"\nbase = "{ROOT / "instances" / "tiny"}"\n[scale]\ndemand = 1.1\n'
                  '[force]\ncells = ["N5"]\n')
    h = input_hash(load_scenario(sc)[1])
    code = ("from optimizer.scenarios import load_scenario; from optimizer.solve import "
            f"input_hash; print(input_hash(load_scenario({str(sc)!r})[1]))")
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert len(h) == 64 and again == h
    sc.write_text(sc.read_text().replace("1.1", "1.2"))
    assert input_hash(load_scenario(sc)[1]) != h
    assert input_hash(optimizer.load_instance(ROOT / "instances" / "tiny")) != h
