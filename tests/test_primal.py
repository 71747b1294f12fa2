"""Plans of the pipeline against the Pyomo model, which defines the problem.

- the planner's own pricing of any plan (optimizer.decompose.primal.Planner.price: one LP
  per period with the binaries fixed) equals the Pyomo model's objective with the same
  binaries fixed, and both say "infeasible" for the same plans;
- every plan the pipeline returns is accepted by the full model at its reported objective,
  and never beats the brute-force optimum;
- the local search keeps its bookkeeping (coverage counts, loads, flows) consistent.
"""
from __future__ import annotations

import numpy as np
import pytest

import optimizer
import test_bruteforce as bf
from optimizer.decompose.lagrange import RadioDual, ascend
from optimizer.decompose.primal import PeriodSearch, Plan, Planner
from optimizer.formulation import build_model
from optimizer.solve.highs import CompiledModel, solve_compiled
from optimizer.solve.options import SolverOptions


def model_price(inst, kind, built, awake):
    """The Pyomo model's objective with x and a fixed (an LP), or None if infeasible."""
    bm = build_model(inst, kind)
    cm = CompiledModel(bm)
    r, ix = bm.handles["radio"], bm.handles["radio_index"]
    lb, ub = cm.lb_global.copy(), cm.ub_global.copy()
    free = np.flatnonzero(ix.free)
    xc = r["x"].cols(ix.xvar[free])
    lb[xc] = ub[xc] = built[free].astype(float)
    ac = r["a"].cols(np.arange(len(ix.cell_ids) * ix.T))
    lb[ac] = ub[ac] = awake.reshape(-1).astype(float)
    lo, hi = lb[cm.colmap], ub[cm.colmap]
    if (lo > hi + 1e-9).any():  # the plan breaks a bound the model fixes
        return None
    res = solve_compiled(cm, SolverOptions(mip_gap=0.0), col_lower=lo, col_upper=hi)
    return res.objective if res.has_solution else None


def _instance(seed, T=2):
    old = bf.T
    bf.T = T
    try:
        case = bf.random_case(seed)
    finally:
        bf.T = old
    try:
        return case, bf.to_instance(case)
    except optimizer.InstanceError:
        return case, None


@pytest.mark.parametrize("seed", range(50))
def test_pricing_equals_the_model(seed):
    """Random plans (each cell's build and awake states drawn at random) of random
    instances (every objective and option of the brute-force generator), three periods."""
    case, inst = _instance(seed, T=3)
    if inst is None:
        return
    d = RadioDual(inst)
    pl = Planner(d)
    rng = np.random.default_rng(seed)
    for trial in range(4):
        built = (rng.random(d.C) < 0.8) | d.fixed
        awake = (rng.random((d.C, d.T)) < 0.7) & built[:, None]
        p = pl.price(Plan(built, awake))
        ref = model_price(inst, inst.objective, p.built, p.awake)
        if p.objective is None:
            assert ref is None, (p.note, ref)
        else:
            assert ref is not None, p.objective
            assert p.objective == pytest.approx(ref, rel=1e-7, abs=1e-7)


def test_pricing_of_milan_plans_equals_the_model():
    """The status quo and a plan from the dual on shipped Milan (653 cells, 24 hours)."""
    inst = optimizer.load_instance(bf.__file__.replace("tests/test_bruteforce.py", "instances/milan"))
    d = RadioDual(inst)
    pl = Planner(d)
    sq = pl.price(pl.status_quo())
    # 2,826,283 kWh/yr: docs/performance.md, the status quo LP of the joint model
    assert sq.objective == pytest.approx(model_price(inst, "energy", sq.built, sq.awake), rel=1e-7)
    a = ascend(d, target=lambda: sq.objective, iterations=100)
    p = pl.from_dual(a.recent, d.prices(a.best.beta), swaps=False)
    assert p.objective is not None
    assert p.objective == pytest.approx(model_price(inst, "energy", p.built, p.awake), rel=1e-7)
    assert a.bound <= p.objective


LIMITS = ({"work": 1}, {}, {"time_limit_s": 0.01}, {"strategy": "parts", "max_part_cells": 1},
          {"strategy": "monolithic"})


@pytest.mark.parametrize("seed", range(30))
def test_pipeline_plans_are_accepted_by_the_model(seed):
    """solve() on random instances, under every strategy, with the smallest limits (work
    1, 0.01 s) and none: the plan is feasible in the Pyomo model at the reported
    objective, the bound never above the brute-force optimum and the objective never
    below it."""
    case, inst = _instance(seed)
    if inst is None:
        return
    best = bf.oracle(case)
    for kw in LIMITS:
        sol = optimizer.solve(inst, mip_gap=0.0, baseline=False, explain=False, **kw)
        if best is None:
            assert sol.status in ("infeasible", "error", "time_limit_no_solution")
            continue
        s = sol.summary
        assert sol.ok
        tol = 1e-6 * max(1.0, abs(best))
        assert s["objective"] >= best - tol
        if s["bound"] is not None:
            assert s["bound"] <= best + tol
        cells = sol.tables["cells"].sort_values(["cell", "period"])
        order = {c: i for i, c in enumerate(inst.cells.cell)}
        T = inst.time.periods
        cells = cells.assign(_o=cells.cell.map(order)).sort_values(["_o", "period"])
        built = cells.built.to_numpy().reshape(-1, T)[:, 0] > 0
        awake = cells.awake.to_numpy().reshape(-1, T) > 0
        ref = model_price(inst, inst.objective, built, awake)
        assert ref == pytest.approx(s["objective"], rel=1e-7, abs=1e-7)


def test_local_search_keeps_its_books():
    """After drops and swaps in a Milan hour, the search's coverage counts, loads and
    flows agree with its awake cells, and its flows serve the demand within capacity."""
    inst = optimizer.load_instance(bf.__file__.replace("tests/test_bruteforce.py", "instances/milan"))
    d = RadioDual(inst)
    pl = Planner(d)
    sq = pl.price(pl.status_quo())
    cc = pl.costs(d.full_price)
    flows = pl._link_flows(sq.flow)
    t = 3
    ps = PeriodSearch(pl, t, sq.awake[:, t], sq.built, flows[:, t], cc)
    ps.drop_all()
    ps.swap_pass()
    aw, f = ps.awake(), ps.flows()
    assert aw.sum() < sq.awake[:, t].sum()
    n = np.rint(d.cov.T @ aw.astype(float)).astype(int)
    assert (n == np.array(ps.n)).all() and (n >= 1).all()
    ix = d.ix
    load = np.bincount(ix.l_cell, weights=f, minlength=d.C)
    assert np.allclose(load, ps.load, atol=1e-6)
    assert (load <= ix.cap * aw + 1e-6).all()  # asleep cells carry nothing
    served = np.bincount(ix.l_area, weights=f, minlength=d.A)
    assert np.allclose(served, d.D[:, t], atol=1e-6)
    assert (f <= pl.ub[:, t] + 1e-9).all()
