"""Structure the pipeline relies on: symmetry rows, the one-period model of the polish,
and its neighbourhoods."""
import sys

import numpy as np
import pandas as pd
import pytest

import optimizer
from optimizer.decompose.polish import PeriodModel, neighbourhoods, polish_period
from optimizer.decompose.lagrange import RadioDual
from optimizer.decompose.primal import Plan, Planner

CELL_COLS = "cell,site,tech,status,model,capacity_mbps,active_w,load_w,sleep_w,wake_kwh,embodied_kwh_per_year"


def random_instance(seed: int, n_cells=5, n_areas=3, T=3):
    rng = np.random.default_rng(seed)
    regions = pd.DataFrame({"region": ["r"], "grid_co2_kg_per_kwh": [0.5], "price_cny_per_kwh": [0.6]})
    sites = pd.DataFrame({"site": [f"s{i}" for i in range(3)], "region": "r", "lat": 31.0,
                          "lon": 121.0, "overhead_w": rng.choice([0, 200, 500], 3)})
    rows = []
    for c in range(n_cells):
        five = bool(rng.integers(2))
        rows.append(dict(cell=f"c{c}", site=f"s{rng.integers(3)}", tech="5g" if five else "4g",
                         status="candidate" if five and rng.random() < 0.7 else "existing", model="",
                         capacity_mbps=1000.0 if five else 150.0,
                         active_w=float(rng.integers(200, 900)), load_w=float(rng.integers(100, 600)),
                         sleep_w=float(rng.integers(5, 150)), wake_kwh=float(rng.choice([0, 0.01, 0.2])),
                         embodied_kwh_per_year=float(rng.integers(0, 400))))
    cells = pd.DataFrame(rows)
    cells.loc[0, ["tech", "status", "capacity_mbps"]] = ["4g", "existing", 150.0]
    areas = pd.DataFrame({"area": [f"a{i}" for i in range(n_areas)], "region": "r", "lat": 31.0,
                          "lon": 121.0, "requires_5g": False})
    cov = [dict(cell="c0", area=a, link_mbps=150.0) for a in areas.area]
    for c in cells.cell[1:]:
        for a in areas.area:
            if rng.random() < 0.6:
                cov.append(dict(cell=c, area=a, link_mbps=float(rng.integers(50, 1000))))
    demand = pd.DataFrame([dict(area=a, period=t, mbps=float(rng.integers(0, 60)))
                           for a in areas.area for t in range(T)])
    config = {"name": f"r{seed}", "time": {"periods": T, "period_hours": 8.0, "weight": 365},
              "solver": {"mip_gap": 0.0}}
    return optimizer.instance_from_frames(config, regions=regions, sites=sites, cells=cells,
                                          areas=areas, demand=demand, coverage=pd.DataFrame(cov))


def test_identical_cells_symmetry_rows_keep_the_optimum():
    """Two identical cells on one site: the order rows must not change the optimum.

    max_wakeups (not binding here: 10 per cell) switches the symmetry rows off, giving the
    reference optimum without them.
    """
    inst = random_instance(5)
    cells = inst.cells.copy()
    twin = cells.iloc[[1]].assign(cell="twin")
    cells = pd.concat([cells, twin], ignore_index=True)
    cov = inst.coverage
    cov = pd.concat([cov, cov[cov.cell == "c1"].assign(cell="twin")], ignore_index=True)
    demand = inst.demand.assign(mbps=inst.demand.mbps * 4)
    from dataclasses import replace
    inst = replace(inst, cells=cells, coverage=cov, demand=demand)
    from optimizer.formulation.indices import radio_index
    from optimizer.formulation.radio import interchangeable_pairs
    first, second = interchangeable_pairs(radio_index(inst))
    assert len(first) == 1
    with_rows = optimizer.solve(inst, mip_gap=0.0, strategy="monolithic")
    without = optimizer.solve(replace(inst, ran=replace(inst.ran, max_wakeups=10)), mip_gap=0.0)
    assert with_rows.summary["objective"] == pytest.approx(without.summary["objective"], rel=1e-7)



@pytest.mark.parametrize("kind", ["energy", "carbon"])
@pytest.mark.parametrize("seed", [0, 4])
def test_period_model_prices_each_period_of_a_plan(seed, kind):
    """The polish's one-period model, built once and re-solved per period, prices each
    period of a plan; with the builds fixed and no wake-up energy the periods' prices add
    up to the planner's price of the whole plan (each period counts the builds' embodied
    energy once, so T-1 of them are taken back)."""
    from dataclasses import replace
    inst = random_instance(seed, n_cells=6, n_areas=4, T=4)
    rng = np.random.default_rng(seed)
    ren = pd.DataFrame({"region": "r", "period": range(4), "renewable_kw": rng.uniform(0, 2.0, 4)})
    dem = inst.demand.copy()
    dem.loc[(dem.area == "a0") & (dem.period == 1), "mbps"] = 0.0
    inst = replace(inst, renewables=ren, demand=dem,
                   cells=inst.cells.assign(wake_kwh=0.0))
    pm = PeriodModel(inst, kind)
    pl = Planner(RadioDual(inst, kind))
    plan = pl.price(pl.status_quo())
    assert plan.objective is not None
    T = inst.time.periods
    per = [pm.price(t, plan.built, plan.awake[:, t]) for t in range(T)]
    assert all(r.has_solution for r in per)
    yearly = float((pl.d.embodied * plan.built).sum()) if kind == "energy" else 0.0
    total = sum(r.objective for r in per) - (T - 1) * yearly
    assert total == pytest.approx(plan.objective, rel=1e-7, abs=1e-9)


@pytest.mark.parametrize("size", [None, 2])
@pytest.mark.parametrize("seed", range(4))
def test_polish_keeps_plans_feasible_and_never_worse(seed, size, monkeypatch):
    """Each period re-planned from the status quo, every cell free, is no worse than the
    status quo, the objective polish_period reports is attained (the period's LP of the
    returned plan is no dearer) and the plan is feasible for the planner's pricing. Whole
    (``size`` None), one MIP holding every cell is HiGHS's exact re-solve of the period;
    with neighbourhoods of two cells, each is a model of its own (CompiledModel.restrict)."""
    from dataclasses import replace
    import optimizer.decompose.polish as polish
    if size is not None:
        monkeypatch.setattr(polish, "WHOLE_CELLS", 1)
        monkeypatch.setattr(polish, "NEIGHBOURHOOD_CELLS", size)
    inst = random_instance(seed, n_cells=8, n_areas=5, T=3)
    n = len(inst.sites)
    r = np.random.default_rng(seed)
    inst = replace(inst, sites=inst.sites.assign(lat=31.0 + r.uniform(0, 0.05, n),
                                                 lon=121.0 + r.uniform(0, 0.05, n)))
    pl = Planner(RadioDual(inst))
    sq = pl.price(pl.status_quo())
    pm = PeriodModel(inst, "energy")
    xy = polish.cell_xy(inst, pm.ix)
    awake = sq.awake.copy()
    for t in range(inst.time.periods):
        base = pm.price(t, sq.built, sq.awake[:, t]).objective
        aw, obj, _, finished = polish_period(pm, t, sq.built, sq.awake[:, t],
                                             np.ones(len(sq.built), bool), xy=xy, seconds=None)
        assert obj <= base + 1e-9
        assert finished or size is not None
        assert pm.price(t, sq.built, aw).objective <= obj + 1e-6 * max(1.0, abs(obj))
        awake[:, t] = aw
    p = pl.price(Plan(sq.built.copy(), awake))
    assert p.objective is not None and p.objective <= sq.objective + 1e-6


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


@pytest.mark.parametrize("seed", range(4))
def test_restricted_period_model_is_exact_on_its_columns(seed):
    """A neighbourhood's model (CompiledModel.restrict: the other columns fixed at a plan's
    values) solved exactly and mapped back is feasible for every row and bound of the whole
    period model, its objective is the whole model's objective of that vector, and it is no
    worse than the plan it started from."""
    from dataclasses import replace
    from optimizer.solve.highs import solve_compiled
    from optimizer.solve.options import SolverOptions
    inst = random_instance(seed, n_cells=8, n_areas=5, T=3)
    pl = Planner(RadioDual(inst))
    sq = pl.price(pl.status_quo())
    pm = PeriodModel(inst, "energy")
    cm = pm.cm
    rng = np.random.default_rng(seed)
    for t in range(inst.time.periods):
        base = pm.price(t, sq.built, sq.awake[:, t])
        vals = base.values[cm.colmap]
        g = np.flatnonzero(rng.random(len(sq.built)) < 0.5)
        fixed = np.ones(len(sq.built), bool)
        fixed[g] = False
        cl, cu, rl, ru = pm.bounds(t, sq.built, sq.awake[:, t], fixed)
        keep = pm.neighbourhood_columns(g)
        sub = cm.restrict(keep, vals, cl, cu, rl, ru)
        res = solve_compiled(sub, SolverOptions(mip_gap=0.0, threads=1), start=vals[keep])
        assert res.status == "optimal"
        x = vals.copy()
        x[keep] = res.values
        act = cm.A @ x
        assert (act >= rl - 1e-6).all() and (act <= ru + 1e-6).all()
        assert (x >= cl - 1e-9).all() and (x <= cu + 1e-9).all()
        assert float(cm.col_cost @ x + cm.offset) == pytest.approx(res.objective, rel=1e-9)
        assert res.objective <= base.objective + 1e-6 * max(1.0, abs(base.objective))
        # and the whole period re-solved with the same cells free is at least as good
        whole = solve_compiled(cm, SolverOptions(mip_gap=0.0, threads=1), col_lower=cl,
                               col_upper=cu, row_lower=rl, row_upper=ru)
        assert whole.objective <= res.objective + 1e-6 * max(1.0, abs(res.objective))
