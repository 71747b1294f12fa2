"""The neighbourhood search of one period (decompose/lns.py): its neighbourhoods cover the
cells once and keep sites whole; its plans are feasible, never worse than their start and
never better than the period's optimum; with one neighbourhood it is the exact solve; and
the refinement that uses it on large models keeps the joint plan feasible and no worse."""
import time
from dataclasses import replace

import numpy as np
import pytest

import optimizer
from optimizer.decompose import periods
from optimizer.decompose.lns import cell_xy, improve, neighbourhoods
from optimizer.decompose.periods import PeriodModel, refine_periods, solve_periods
from optimizer.solve.options import SolverOptions
from tests.test_decompose import _plan_cost, random_instance
from tests.test_greedy import _price


def spread(inst, seed=0):
    """The instance with its sites at distinct places (random_instance puts all at one)."""
    rng = np.random.default_rng(seed)
    n = len(inst.sites)
    sites = inst.sites.assign(lat=31.0 + rng.uniform(0, 0.05, n), lon=121.0 + rng.uniform(0, 0.05, n))
    return replace(inst, sites=sites)


def test_neighbourhoods_cover_each_cell_once_and_keep_sites_whole():
    rng = np.random.default_rng(3)
    site = rng.integers(0, 40, 200)  # 200 cells on 40 sites
    xy = rng.uniform(0, 1, (40, 2))[site]
    cells = np.flatnonzero(rng.random(200) < 0.8)
    for size in (1, 7, 25, 500):
        groups = neighbourhoods(xy, cells, size)
        allc = np.concatenate(groups)
        assert sorted(allc) == sorted(cells)  # every cell once
        for g in groups:
            # a group is larger than size only when it is one site's cells
            assert len(g) <= size or len(np.unique(site[g])) == 1
            for s in np.unique(site[g]):  # a site's cells are in one group
                assert set(cells[site[cells] == s]) <= set(g)
    assert len(neighbourhoods(xy, cells, 500)) == 1


@pytest.mark.parametrize("kind", ["energy", "carbon"])
def test_improve_is_feasible_never_worse_nor_better_than_the_optimum(kind):
    gained = 0.0
    for seed in range(4):
        inst = spread(random_instance(seed, n_cells=12, n_areas=6, T=2), seed)
        pm = PeriodModel(inst, kind)
        xy = cell_xy(inst, pm.ix)
        all_on = np.where(np.isfinite(pm.cm.ub_global), pm.cm.ub_global, 0.0)
        for t in range(2):
            d, ren = pm.D[:, t], pm.ren[:, t]
            start_obj, _ = _price(pm, d, ren, all_on)
            opt = pm.solve(d, ren, SolverOptions(mip_gap=0.0))[0]
            assert opt.status == "optimal"
            # small neighbourhoods (two or three cells): a local optimum at best
            vals, obj, n = improve(pm, d, ren, all_on, start_obj, xy=xy,
                                   deadline=time.perf_counter() + 60, size=3)
            again, _ = _price(pm, d, ren, vals)  # feasible, and priced right
            assert again == pytest.approx(obj, rel=1e-7, abs=1e-9)
            assert opt.objective * (1 - 1e-7) <= obj <= start_obj + 1e-9
            assert n >= 2
            gained += start_obj - obj
            # one neighbourhood holding every cell: HiGHS's exact solve from the start
            _, whole, n = improve(pm, d, ren, all_on, start_obj, xy=xy,
                                  deadline=time.perf_counter() + 60, size=10**6)
            assert whole == pytest.approx(opt.objective, rel=1e-5)
    assert gained > 0


def test_improve_with_fixed_builds_wakes_only_built_cells():
    inst = spread(random_instance(5, n_cells=12, n_areas=6, T=2), 5)
    pm = PeriodModel(inst, "energy")
    d, ren = pm.D[:, 0], pm.ren[:, 0]
    all_on = np.where(np.isfinite(pm.cm.ub_global), pm.cm.ub_global, 0.0)
    built, awake = pm.plan_of(all_on)
    start_obj, _ = _price(pm, d, ren, all_on)
    vals, obj, _ = improve(pm, d, ren, all_on, start_obj, xy=cell_xy(inst, pm.ix),
                           deadline=time.perf_counter() + 60, built=built, size=3)
    b2, a2 = pm.plan_of(vals)
    assert (b2 == built).all() and not (a2 & ~built).any()
    assert obj <= start_obj + 1e-9


@pytest.mark.parametrize("seed", range(4))
def test_refine_by_neighbourhoods_keeps_the_joint_plan_feasible_and_no_worse(seed, monkeypatch):
    # the refinement's large-model path (lowered here to every model): the joint plan stays
    # feasible, no worse than the union plan, no better than the joint optimum
    monkeypatch.setattr(periods, "LNS_MIN_CELLS", 0)
    inst = spread(random_instance(seed, n_cells=9, n_areas=5, T=3), seed)
    plan = solve_periods(inst, "energy", mip_gap=0.0, time_limit_s=None)
    ref = refine_periods(inst, "energy", plan, time_limit_s=20.0, workers=1)
    joint = optimizer.solve(inst, mip_gap=0.0, strategy="monolithic").summary["objective"]
    before, after = _plan_cost(inst, plan), _plan_cost(inst, ref)
    assert joint * (1 - 1e-9) <= after <= before * (1 + 1e-9)
    assert ref.bound == plan.bound and not (ref.built & ~plan.built).any()
    assert ref.objective is not None


def test_native_options_reach_highs():
    # options by HiGHS's own names (the neighbourhood solves switch off some presolve rules
    # this way), read back from HiGHS's own report of the options it ran with
    from optimizer.solve.highs import solve_compiled
    pm = PeriodModel(random_instance(0), "energy")
    cl, cu, rl, ru = pm.bounds(pm.D[:, 0], pm.ren[:, 0])
    res = solve_compiled(pm.cm, SolverOptions(), col_lower=cl, col_upper=cu, row_lower=rl,
                         row_upper=ru, native={"presolve": "off", "mip_heuristic_effort": 0.2})
    assert "presolve = off\n" in res.log and "mip_heuristic_effort = 0.2\n" in res.log
    assert res.options["presolve"] == "off"
