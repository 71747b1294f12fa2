"""The greedy drop heuristic: feasible plans, never worse than their start, never better than
the period's optimum; and it leaves exact period solves exact."""
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import optimizer
from optimizer.decompose import periods
from optimizer.decompose.greedy import drop_cells
from optimizer.decompose.periods import PeriodModel, solve_periods
from optimizer.solve.options import SolverOptions
from tests.test_decompose import random_instance


def _with_twins(inst):
    """Two more copies of cell c1 on its site: interchangeable cells, ordered in the model."""
    cov = inst.coverage
    twins = inst.cells.iloc[[1, 1]].assign(cell=["t1", "t2"])
    cov = pd.concat([cov] + [cov[cov.cell == "c1"].assign(cell=c) for c in ("t1", "t2")],
                    ignore_index=True)
    return replace(inst, cells=pd.concat([inst.cells, twins], ignore_index=True), coverage=cov)


def _price(pm, d, ren, vals):
    """The one-period LP with the plan's builds and awake cells fixed (None: infeasible)."""
    built, awake = pm.plan_of(vals)
    res = pm.price(d, ren, built, awake)
    return res.objective if res.has_solution else None, awake


@pytest.mark.parametrize("kind", ["energy", "carbon"])
def test_drop_is_feasible_never_worse_than_its_start_nor_better_than_the_optimum(kind):
    gained = 0.0
    for seed in range(6):
        inst = _with_twins(random_instance(seed, n_cells=9, n_areas=5, T=3))
        if seed % 2:  # renewables in the balance rows (grid-based objectives see them)
            inst = replace(inst, renewables=pd.DataFrame(
                {"region": "r", "period": range(3), "renewable_kw": [0.5, 0.0, 1.5]}))
        pm = PeriodModel(inst, kind)
        all_on = np.where(np.isfinite(pm.cm.ub_global), pm.cm.ub_global, 0.0)
        for t in range(3):
            d, ren = pm.D[:, t], pm.ren[:, t]
            start_obj, start_awake = _price(pm, d, ren, all_on)
            vals, obj = drop_cells(pm, d, ren, all_on)
            opt = pm.solve(d, ren, SolverOptions(mip_gap=0.0))[0]
            assert opt.status == "optimal"
            # the plan it returns is feasible and priced right: the LP with its builds and
            # awake cells fixed gives the same objective
            again, awake = _price(pm, d, ren, vals)
            assert again == pytest.approx(obj, rel=1e-7, abs=1e-9)
            assert not (awake & ~start_awake).any()  # it only puts cells to sleep
            assert opt.objective - 1e-7 * abs(opt.objective) <= obj <= start_obj + 1e-9
            gained += start_obj - obj
    assert gained > 0  # it does put cells to sleep on these instances


def test_the_heuristic_keeps_period_solves_exact(monkeypatch):
    # the heuristic only replaces a worse plan: an exact period solve still ends at the
    # optimum, and the periods' plan (every period with the heuristic, no limit) still
    # equals the joint optimum
    monkeypatch.setattr(periods, "DROP_MIN_CELLS", 0)
    inst = _with_twins(random_instance(2, n_cells=9, n_areas=5, T=3))
    pm = PeriodModel(inst, "energy")
    all_on = np.where(np.isfinite(pm.cm.ub_global), pm.cm.ub_global, 0.0)
    for t in range(3):
        plain = pm.solve(pm.D[:, t], pm.ren[:, t], SolverOptions(mip_gap=0.0))[0]
        better = pm.solve(pm.D[:, t], pm.ren[:, t], SolverOptions(mip_gap=0.0), start=all_on,
                          improve=True)[0]
        assert better.status == plain.status == "optimal"
        assert better.objective == pytest.approx(plain.objective, rel=1e-7)
    joint = optimizer.solve(inst, mip_gap=0.0, strategy="monolithic")
    split = optimizer.solve(inst, mip_gap=0.0, strategy="periods")
    assert split.summary["objective"] == pytest.approx(joint.summary["objective"], rel=1e-7)
    plan = solve_periods(inst, "energy", mip_gap=0.0, time_limit_s=None)
    assert plan.complete and plan.bound <= joint.summary["objective"] * (1 + 1e-9)


def test_a_period_highs_left_without_a_plan_gets_the_greedy_one(monkeypatch):
    # HiGHS given no time at all (a real run with a zero limit, which returns no plan, as
    # the largest one-period models do within their share): the period still gets a plan,
    # the start improved by the heuristic, no worse than the start
    from optimizer.solve import highs
    real = highs.solve_compiled
    monkeypatch.setattr(highs, "solve_compiled",
                        lambda cm, opts, **kw: real(cm, opts.merged(time_limit_s=0.0), **kw)
                        if kw.get("start") is not None else real(cm, opts, **kw))
    inst = _with_twins(random_instance(2, n_cells=9, n_areas=5, T=3))
    pm = PeriodModel(inst, "energy")
    all_on = np.where(np.isfinite(pm.cm.ub_global), pm.cm.ub_global, 0.0)
    d, ren = pm.D[:, 0], pm.ren[:, 0]
    res, built, awake = pm.solve(d, ren, SolverOptions(time_limit_s=30.0), start=all_on,
                                 improve=True)
    assert res.status == "feasible" and res.bound is None
    start_obj, _ = _price(pm, d, ren, all_on)
    again, aw = _price(pm, d, ren, res.values)
    assert again == pytest.approx(res.objective, rel=1e-7) and res.objective < start_obj
    assert (aw == awake).all()
