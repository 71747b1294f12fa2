"""Splitting into parts: exact components equal the monolithic optimum (also on a real local
Dask cluster), clusters give a valid bound and a feasible merged plan, and the table-based
accounting of merged plans equals the model's own."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import optimizer
from optimizer.decompose.parts import split
from optimizer.decompose.solve import account, solve_decomposed
from optimizer.instance.generate import generate_city
from tests.conftest import ROOT, write_instance

NETOPT = [str(Path(sys.executable).with_name("netopt"))]
TINY = ROOT / "instances" / "tiny"


def two_tinies(tmp_path) -> Path:
    """instances/tiny twice, ids suffixed _a / _b: two components of the coverage graph."""
    tables = {}
    for name in ("regions", "renewables"):
        tables[name] = (TINY / f"{name}.csv").read_text()
    ids = {"sites": ["site"], "cells": ["cell", "site"], "areas": ["area"], "demand": ["area"],
           "coverage": ["cell", "area"]}
    for name, cols in ids.items():
        df = pd.read_csv(TINY / f"{name}.csv")
        copies = []
        for sfx in ("_a", "_b"):
            d = df.copy()
            for c in cols:
                d[c] = d[c].astype(str) + sfx
            copies.append(d)
        tables[name] = pd.concat(copies)
    toml = (TINY / "instance.toml").read_text().replace('name = "tiny"', 'name = "two-tinies"')
    return write_instance(tmp_path / "two", toml, **tables)


def test_components_equal_the_monolithic_optimum(tmp_path):
    inst = optimizer.load_instance(two_tinies(tmp_path))
    sp = split(inst, "energy", max_cells=3)
    assert sp.exact and sp.method == "components" and len(sp.parts) == 2
    sol = solve_decomposed(inst, "energy", max_cells=3)
    # instances/tiny/README.md: 8884.8 kWh/yr each (baseline 13607.2 each)
    s = sol.summary
    assert s["status"] == "optimal"
    assert s["energy_kwh"] == pytest.approx(2 * 8884.8)
    assert s["bound"] == pytest.approx(2 * 8884.8)
    assert s["baseline_energy_kwh"] == pytest.approx(2 * 13607.2)
    mono = optimizer.solve(inst, strategy="monolithic").summary
    for k in ("energy_kwh", "grid_energy_kwh", "carbon_t", "cost_cny", "cells_built"):
        assert s[k] == pytest.approx(mono[k]), k
    # the same result folder as a monolithic solve
    a, b = sol.write(tmp_path / "parts"), optimizer.solve(inst).write(tmp_path / "mono")
    for f in sorted(p.name for p in b.iterdir() if p.suffix == ".csv"):
        da, db = pd.read_csv(a / f), pd.read_csv(b / f)
        assert list(da.columns) == list(db.columns), f
        assert len(da) == len(db), f
    ca = pd.read_csv(a / "cells.csv").sort_values(["cell", "period"]).reset_index(drop=True)
    cb = pd.read_csv(b / "cells.csv").sort_values(["cell", "period"]).reset_index(drop=True)
    assert (ca[["built", "awake"]] == cb[["built", "awake"]]).all().all()
    assert ca.power_w.to_numpy() == pytest.approx(cb.power_w.to_numpy())


def test_parts_on_a_local_dask_cluster(tmp_path):
    # two workers on loopback, through the real CLI: the same optimum as one process
    out = tmp_path / "r"
    r = subprocess.run([*NETOPT, "solve", str(two_tinies(tmp_path)), "--strategy", "parts",
                        "--max-part-cells", "3", "--workers", "2", "--out", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    import json
    s = json.loads((out / "summary.json").read_text())
    assert s["status"] == "optimal" and s["energy_kwh"] == pytest.approx(2 * 8884.8)
    assert s["decomposition"]["parts"] == 2 and s["decomposition"]["exact"] is True


@pytest.mark.parametrize("kind", ["energy", "grid_energy", "carbon", "cost"])
def test_table_accounting_equals_the_model(kind, tmp_path):
    # account() recomputes every KPI from the cells table alone; it must agree with the
    # model's own accounting (energy.evaluate) on a monolithic plan
    for inst in (optimizer.load_instance(TINY),
                 optimizer.load_instance(generate_city(tmp_path / f"c-{kind}", 12, hours=4, seed=1))):
        sol = optimizer.solve(inst, objective=kind, time_limit_s=20, strategy="monolithic")
        ev = account(inst, sol.tables["cells"])
        for k in ("energy_kwh", "grid_energy_kwh", "carbon_t", "cost_cny", "renewable_share"):
            assert ev[k] == pytest.approx(sol.summary[k], rel=1e-9, abs=1e-9), (inst.name, k)
        reg = sol.tables["regions"]
        assert ev["load_kw"].reshape(-1) == pytest.approx(reg.load_kw.to_numpy())


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    return optimizer.load_instance(generate_city(tmp_path_factory.mktemp("c") / "c", 15, hours=6, seed=2))


@pytest.mark.parametrize("cut", ["bisect", "louvain"])
def test_clusters_bound_below_optimum_and_plan_feasible(city, cut):
    sp = split(city, "energy", max_cells=12, cut=cut)
    assert not sp.exact and sp.method == "clusters" and len(sp.parts) >= 2
    # every area is owned by exactly one cluster
    owned = pd.concat([p.instance.areas.area for p in sp.parts])
    assert sorted(owned) == sorted(city.areas.area)
    dec = solve_decomposed(city, "energy", max_cells=12, mip_gap=0.0, cut=cut).summary
    mono = optimizer.solve(city, mip_gap=0.0, strategy="monolithic").summary
    assert mono["status"] == "optimal"
    # the clusters' bound is valid, the merged plan is a plan: bound <= optimum <= plan
    assert dec["bound"] <= mono["energy_kwh"] * (1 + 1e-7)
    assert dec["energy_kwh"] >= mono["energy_kwh"] * (1 - 1e-7)
    assert dec["status"] == "feasible" and dec["mip_gap"] > 0


@pytest.mark.parametrize("limit", [{"work": 400}, {"time_limit_s": 4.0}, {}])
def test_guided_part_bound_and_plan_against_exact_optima(city, limit):
    # one cluster's job: the ascent on its bound version bounds both versions (the plan
    # version has the same costs and smaller capacities), and the plan it guides is a plan
    # of the plan version: bound <= opt(bound version) <= opt(plan version) <= plan,
    # each optimum by HiGHS at gap 0 on the monolithic model
    from optimizer.decompose.solve import guided_part
    sp = split(city, "energy", max_cells=12)
    p = max((q for q in sp.parts if q.plan is not None), key=lambda q: q.cells)
    opt_b = optimizer.solve(p.instance, mip_gap=0.0, strategy="monolithic").summary
    opt_p = optimizer.solve(p.plan, mip_gap=0.0, strategy="monolithic").summary
    assert opt_b["status"] == opt_p["status"] == "optimal"
    opts = dict(time_limit_s=None, work=None, mip_gap=None, seed=0, threads=1, explain=False,
                workers=1, max_part_cells=10**9, strategy="auto", solver=None, baseline=False)
    opts.update(limit)
    s = guided_part((p.instance, p.plan), "energy", opts).summary
    tol = 1e-7 * opt_p["objective"]
    assert s["part_bound"] <= opt_b["objective"] + tol
    assert opt_b["objective"] <= opt_p["objective"] + tol <= s["objective"] + 2 * tol
    assert s["status"] in ("optimal", "feasible")


def test_merged_plan_is_feasible_in_the_whole_model(city):
    # fix the merged builds and wake schedule in the whole model: an LP must find it feasible
    # and cost no more than the merged accounting (it may route traffic better)
    from optimizer.formulation import build_model
    from optimizer.scenarios.baselines import plan_bounds
    from optimizer.solve import options_for
    from optimizer.solve.highs import CompiledModel, solve_compiled
    sol = solve_decomposed(city, "energy", max_cells=12, mip_gap=0.0)
    c = sol.tables["cells"].sort_values(["cell", "period"])
    T = city.time.periods
    order = pd.Series(np.arange(len(city.cells)), index=city.cells.cell)
    c = c.assign(o=c.cell.map(order)).sort_values(["o", "period"])
    built = c.built.to_numpy().reshape(-1, T)[:, 0] > 0
    awake = c.awake.to_numpy().reshape(-1, T) > 0
    b = build_model(city)
    cm = CompiledModel(b)
    lo, hi = plan_bounds(b, built, awake)
    res = solve_compiled(cm, options_for(city), col_lower=np.maximum(lo, cm.lb_global)[cm.colmap],
                         col_upper=np.minimum(hi, cm.ub_global)[cm.colmap])
    assert res.status == "optimal"
    assert res.objective <= sol.summary["energy_kwh"] * (1 + 1e-7)
    # every area served in full, no cell above its capacity
    areas = sol.tables["areas"]
    assert areas.served_mbps.to_numpy() == pytest.approx(areas.demand_mbps.to_numpy())
    cap = city.cells.set_index("cell").capacity_mbps
    assert (c.load_mbps.to_numpy() <= c.cell.map(cap).to_numpy() * (1 + 1e-7) + 1e-6).all()


def test_failed_part_is_named(tmp_path):
    # no new cells and a day of A1 100 + A2 60 Mbps: A1 needs all of M4 (N5 may not be
    # built), A2's 60 > E4's 50; each area alone passes the checks before solving, together
    # they cannot be served: the parts say so by name and the run has no plan
    t = {n: (TINY / f"{n}.csv").read_text() for n in
         ("regions", "renewables", "sites", "cells", "areas", "coverage")}
    t["demand"] = (TINY / "demand.csv").read_text().replace("A1,1,90", "A1,1,100").replace("A2,1,30", "A2,1,60")
    toml = (TINY / "instance.toml").read_text().replace("allow_retire = false", "allow_retire = false\nmax_new_cells = 0")
    inst = optimizer.load_instance(write_instance(tmp_path / "bad", toml, **t))
    assert optimizer.solve(inst, strategy="monolithic").status == "infeasible"
    s = solve_decomposed(inst, "energy", max_cells=2).summary
    assert s["status"] in ("infeasible", "error") and s["energy_kwh"] is None
    assert "part-" in s["solver_message"]


def tiny_with_datacentres(tmp_path) -> Path:
    """instances/tiny plus two data centres sharing R1's daytime renewables: under carbon the
    radio and data-centre parts compete for the same 0.5 kW (plus 2 kW more here)."""
    t = {n: (TINY / f"{n}.csv").read_text() for n in
         ("regions", "sites", "cells", "areas", "demand", "coverage")}
    t["regions"] += "R2,0.9,0.6,39.0,117.0\n"
    t["renewables"] = "region,period,renewable_kw\nR1,1,2.5\n"
    t["datacentres"] = "dc,region,status,max_it_kw,fixed_kw,pue\nD1,R1,existing,10,0.1,1.5\nD2,R2,existing,10,0.1,1.1\n"
    t["compute"] = "region,period,class,it_kw\nR1,0,batch,2\nR1,1,interactive,0.5\n"
    t["routes"] = "region,dc,latency_ms,transport_kwh_per_kwh\nR1,D1,1,0\nR1,D2,20,0.02\n"
    return write_instance(tmp_path / "tdc", (TINY / "instance.toml").read_text(), **t)


@pytest.mark.parametrize("kind", ["carbon", "energy"])
def test_datacentres_then_radio_against_the_joint_model(tmp_path, kind):
    inst = optimizer.load_instance(tiny_with_datacentres(tmp_path))
    joint = optimizer.solve(inst, objective=kind, mip_gap=0.0, strategy="monolithic").summary
    dec = solve_decomposed(inst, kind, max_cells=10, mip_gap=0.0).summary
    key = {"carbon": "carbon_t", "energy": "energy_kwh"}[kind]
    assert joint["status"] == "optimal"
    # the parts' bound never exceeds the joint optimum, their merged plan never beats it
    assert dec["bound"] <= joint[key] * (1 + 1e-9) + 1e-12
    assert dec[key] >= joint[key] * (1 - 1e-9) - 1e-12
    if kind == "energy":  # nothing couples the parts: the split is exact
        assert dec["status"] == "optimal" and dec[key] == pytest.approx(joint[key])
    else:
        assert dec["decomposition"]["exact"] is False and "renewables" in dec["decomposition"]["reason"]


def _failing(monkeypatch, roles, part):
    """Make ``part``'s solves in the given roles raise, as a crash inside a solver would."""
    from optimizer.decompose import solve as dsolve
    real = dict(dsolve.ROLES)

    def make(role):
        def run(instance, objective, options):
            if instance.name.endswith(f"/{part}"):
                raise RuntimeError("simulated crash")
            return real[role](instance, objective, options)
        return run
    for role in roles:
        monkeypatch.setitem(dsolve.ROLES, role, make(role))


def test_a_part_that_fails_keeps_the_finished_parts(tmp_path, monkeypatch):
    # two tinies: part-1 fails for good; part-0's plan (tiny's optimum) is still written
    inst = optimizer.load_instance(two_tinies(tmp_path))
    _failing(monkeypatch, ("whole", "bound", "plan"), "part-1")
    sol = solve_decomposed(inst, "energy", max_cells=3)
    s = sol.summary
    assert s["status"] == "error" and s["objective"] is None
    assert list(s["decomposition"]["failures"]) == ["part-1/whole"]
    assert "simulated crash" in s["solver_message"]
    assert s["decomposition"]["parts_with_a_plan"] == ["part-0"]
    out = sol.write(tmp_path / "out")
    cells = pd.read_csv(out / "cells.csv")
    # one copy of tiny, at its optimum (instances/tiny/README.md): N5 built and awake in the
    # day only, M4 awake always, E4 asleep always
    sfx = cells.cell.iloc[0][-2:]
    assert set(cells.cell.str[-2:]) == {sfx}
    awake = cells.pivot(index="cell", columns="period", values="awake")
    assert awake.loc[f"N5{sfx}"].tolist() == [0, 1, 0]
    assert awake.loc[f"M4{sfx}"].tolist() == [1, 1, 1]
    assert awake.loc[f"E4{sfx}"].tolist() == [0, 0, 0]
    assert cells[cells.cell == f"N5{sfx}"].built.eq(1).all()
    # the command: exit 1, the failed part named, the finished part written
    from typer.testing import CliRunner

    from optimizer.cli import app
    r = CliRunner().invoke(app, ["solve", str(tmp_path / "two"), "--strategy", "parts",
                                 "--max-part-cells", "3", "--out", str(tmp_path / "cli")])
    assert r.exit_code == 1
    assert "part-1/whole" in r.output and "the parts with a plan are written" in r.output
    assert len(pd.read_csv(tmp_path / "cli" / "cells.csv")) == len(cells)


def test_a_failed_bound_solve_keeps_the_plan(city, monkeypatch):
    # clusters: each part has a bound version and a plan version, in one job; an ascent
    # on the bound version that fails loses the bound only (the plan is made unguided),
    # and names the part
    import importlib
    pipeline = importlib.import_module("optimizer.solve.pipeline")
    real = pipeline.dual_ascent

    def ascent(inst, kind, **kw):
        if inst.name.endswith("/part-1"):
            raise RuntimeError("simulated crash")
        return real(inst, kind, **kw)
    monkeypatch.setattr(pipeline, "dual_ascent", ascent)
    s = solve_decomposed(city, "energy", max_cells=20, time_limit_s=60).summary
    assert s["status"] == "feasible" and s["objective"] is not None
    assert s["bound"] is None and "part-1 (its bound solve failed" in s["bound_note"]
    assert list(s["decomposition"]["failures"]) == ["part-1/bound"]


def test_a_part_bound_above_its_own_plan_is_not_counted(city, monkeypatch):
    # the plan version's plan is a plan of the bound version: a part bound above it can only
    # be a numerical failure, so the merge reports that part's bound lost
    import importlib
    pipeline = importlib.import_module("optimizer.solve.pipeline")
    real = pipeline.dual_ascent

    def ascent(inst, kind, **kw):
        a = real(inst, kind, **kw)
        if inst.name.endswith("/part-1"):
            a.bound = 1e30
        return a
    monkeypatch.setattr(pipeline, "dual_ascent", ascent)
    s = solve_decomposed(city, "energy", max_cells=20, time_limit_s=60).summary
    assert s["status"] == "feasible" and s["bound"] is None
    assert list(s["decomposition"]["failures"]) == ["part-1/bound"]
    assert "above its own plan" in s["bound_note"]


def test_parts_with_wakeup_limit_and_unserved_penalty(tmp_path):
    # one exact part each: the parts' answer is the monolithic optimum, penalty included
    for extra in ("max_wakeups = 1", "unserved_penalty_kwh_per_mbps_h = 0.001"):
        toml = (TINY / "instance.toml").read_text().replace(
            "allow_retire = false", f"allow_retire = false\n{extra}")
        t = {n: (TINY / f"{n}.csv").read_text() for n in
             ("regions", "renewables", "sites", "cells", "areas", "demand", "coverage")}
        inst = optimizer.load_instance(write_instance(tmp_path / extra[:8], toml, **t))
        mono = optimizer.solve(inst, strategy="monolithic").summary
        parts = solve_decomposed(inst, "energy", max_cells=100).summary
        assert parts["objective"] == pytest.approx(mono["objective"], rel=1e-7), extra
        assert parts["bound"] == pytest.approx(mono["objective"], rel=1e-6), extra


def test_parts_summary_has_the_monolithic_keys(tmp_path):
    inst = optimizer.load_instance(two_tinies(tmp_path))
    parts = solve_decomposed(inst, "energy", max_cells=3).summary
    mono = optimizer.solve(inst, strategy="monolithic").summary
    assert set(mono) - set(parts) == set()
    assert parts["baselines"]["status_quo"]["energy_kwh"] == pytest.approx(2 * 13607.2)


def test_bisection_cuts_a_component_into_as_few_pieces_as_fit(tmp_path):
    """A component of n cells cut at max_cells gives ceil(n / max_cells) pieces, none over
    max_cells (halving until every piece fitted gave the next power of two: 4 for 3)."""
    from optimizer.decompose.parts import _bisect, site_area_graph
    import networkx as nx
    inst = optimizer.load_instance(generate_city(tmp_path / "c", 60, hours=2, seed=3))
    comp = max(nx.connected_components(site_area_graph(inst)), key=len)
    per_site = inst.cells.groupby("site").size()
    n = sum(int(per_site.get(s, 0)) for k, s in comp if k == "s")
    for k in (3, 5):
        cap = int(np.ceil(n / k)) + 2  # room for whole sites at the cuts
        pieces = _bisect(inst, comp, per_site, cap)
        own = [sum(int(per_site.get(s, 0)) for kind, s in p if kind == "s") for p in pieces]
        assert len(pieces) == int(np.ceil(n / cap)) == k, own
        assert max(own) <= cap and sum(own) == n
        # every node of the component is in exactly one piece
        assert sum(len(p) for p in pieces) == len(comp) and set().union(*pieces) == comp


def test_parts_clock_gives_an_early_finish_to_the_next_job():
    """Two workers, 100 s, jobs of work 10, 10, 10, 10: the first two get their share,
    2 x 100 x 10 / 40 = 50 s each; when the first ends at once, the third gets what is free
    (200 - 50 held by the second) over the work left (20): 150 x 10 / 20 = 75 s."""
    from optimizer.decompose.solve import PartsClock
    clock = PartsClock(100.0, 2, 40.0)
    assert clock.start("a", 10) == pytest.approx(50.0, abs=0.5)
    assert clock.start("b", 10) == pytest.approx(50.0, abs=0.5)
    clock.done("a")
    assert clock.start("c", 10) == pytest.approx(75.0, abs=0.5)
    # a retry of c hands its old time back first: the same 75 s again, not less
    assert clock.start("c", 10) == pytest.approx(75.0, abs=0.5)
    # never beyond the parts' end
    clock.done("b")
    clock.done("c")
    assert clock.start("d", 10) == pytest.approx(100.0, abs=0.5)


def test_jobs_run_here_share_the_time_limit(tmp_path, monkeypatch):
    """Under carbon, instances/tiny's one radio part shares R1's renewables with the data
    centres: its plan job and the joint bound job run one after the other in this process.
    Each must end by the parts' end: PARTS_SHARE of the limit after the data centres' 10 %,
    counted from the first job's start (each job had the whole of it, 17.1 s, before the
    clock counted jobs run here as one worker; the second then ended past that end by the
    first job's run time)."""
    import time
    from optimizer.decompose import solve as dsolve
    inst = optimizer.load_instance(tiny_with_datacentres(tmp_path))
    calls, real = [], dict(dsolve.ROLES)

    def record(role):
        def run(instance, objective, options):
            calls.append((time.perf_counter(), options["time_limit_s"]))
            return real[role](instance, objective, options)
        return run
    for role in real:
        monkeypatch.setitem(dsolve.ROLES, role, record(role))
    s = solve_decomposed(inst, "carbon", time_limit_s=20.0).summary
    assert s["status"] == "feasible" and len(calls) == 2, calls
    end = calls[0][0] + 0.9 * dsolve.PARTS_SHARE * 20.0
    assert all(t + limit <= end + 1e-3 for t, limit in calls), (calls, end)
