"""Period decomposition: a valid bound and the same optimum as the joint model."""
import sys

import numpy as np
import pandas as pd
import pytest

import optimizer
from optimizer.decompose.periods import applies, solve_periods

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


@pytest.mark.parametrize("seed", range(8))
def test_periods_bound_and_optimum_match_joint(seed):
    inst = random_instance(seed)
    assert applies(inst)
    joint = optimizer.solve(inst, mip_gap=0.0, strategy="monolithic")
    split = optimizer.solve(inst, mip_gap=0.0, strategy="periods")
    assert joint.status == split.status == "optimal"
    assert split.summary["objective"] == pytest.approx(joint.summary["objective"], rel=1e-7)
    # the periods' bound is a lower bound of the joint optimum
    assert split.summary["periods_bound"] <= joint.summary["objective"] * (1 + 1e-9)
    plan = solve_periods(inst, "energy", mip_gap=0.0, time_limit_s=None)
    assert plan.complete and plan.bound == pytest.approx(split.summary["periods_bound"])


def test_periods_in_two_processes(tmp_path):
    inst = random_instance(3, n_cells=6, T=4)
    one = solve_periods(inst, "energy", mip_gap=0.0, time_limit_s=None, workers=1)
    two = solve_periods(inst, "energy", mip_gap=0.0, time_limit_s=None, workers=2)
    assert two.bound == pytest.approx(one.bound)
    assert (two.awake.sum(axis=0) >= 1).all()


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


def _one_period(inst, t):
    """Period t alone as its own one-period instance (1/T of the embodied energy), built from
    scratch: the independent reference for the re-solved template model."""
    from dataclasses import replace
    T = inst.time.periods
    cells = inst.cells.assign(embodied_kwh_per_year=inst.cells.embodied_kwh_per_year / T)
    d = inst.demand[inst.demand.period == t].assign(period=0)
    d = d[d.mbps > 0]
    ren = inst.renewables
    if ren is not None:
        ren = ren[ren.period == t].assign(period=0)
    return replace(inst, time=replace(inst.time, periods=1), cells=cells, demand=d,
                   renewables=ren, source=None)


@pytest.mark.parametrize("kind", ["energy", "carbon"])
@pytest.mark.parametrize("seed", [0, 4])
def test_template_period_model_equals_each_period_built_alone(seed, kind):
    # one model built once and re-solved with each period's demand (and renewables) as
    # bounds must give every period's own optimum, built from scratch
    from dataclasses import replace
    from optimizer.decompose.periods import PeriodModel
    from optimizer.solve.options import SolverOptions
    inst = random_instance(seed, n_cells=6, n_areas=4, T=4)
    rng = np.random.default_rng(seed)
    # renewables that vary by period, and one area without demand in period 1 (its flows
    # must close in that period)
    ren = pd.DataFrame({"region": "r", "period": range(4), "renewable_kw": rng.uniform(0, 2.0, 4)})
    dem = inst.demand.copy()
    dem.loc[(dem.area == "a0") & (dem.period == 1), "mbps"] = 0.0
    inst = replace(inst, renewables=ren, demand=dem)
    pm = PeriodModel(inst, kind)
    for t in range(4):
        res, built, awake = pm.solve(pm.D[:, t], pm.ren[:, t], SolverOptions(mip_gap=0.0))
        ref = optimizer.solve(_one_period(inst, t), objective=kind, mip_gap=0.0,
                              strategy="monolithic", baseline=False).summary
        assert res.status == ref["status"] == "optimal"
        assert res.objective == pytest.approx(ref["objective"], rel=1e-7, abs=1e-9)


def test_period_groups_bound_below_periods_and_plan_feasible():
    # groups of periods: the bound (least demand of the group, times its size) is below the
    # periods' own bound; the plan (awake for the most demand) completes to a feasible plan
    # of the joint model, no better than its optimum
    inst = random_instance(2, n_cells=7, n_areas=4, T=6)
    single = solve_periods(inst, "energy", mip_gap=0.0, time_limit_s=None)
    grouped = solve_periods(inst, "energy", mip_gap=0.0, time_limit_s=None, groups=2)
    assert grouped.groups == 2 and single.groups == 6
    assert grouped.bound <= single.bound * (1 + 1e-9)
    joint = optimizer.solve(inst, mip_gap=0.0, strategy="monolithic").summary
    assert single.bound <= joint["objective"] * (1 + 1e-9)
    assert _plan_cost(inst, grouped) >= joint["objective"] * (1 - 1e-9)


@pytest.mark.parametrize("case", ["energy", "carbon", "penalty"])
@pytest.mark.parametrize("seed", range(3))
def test_group_bound_demand_credit_valid_and_tighter(seed, case):
    # a group's bound is its least demand's bound for each period plus, per period, the
    # cheapest cost per Mbps into each area times the period's extra demand there. It must
    # stay at or below the sum of the periods' exact optima and at or above the bound
    # without the credit (k x the least demand's bound), and beat it under `energy`
    from dataclasses import replace
    from optimizer.decompose.periods import PeriodModel, group_periods
    from optimizer.solve.options import SolverOptions
    inst = random_instance(seed, n_cells=7, n_areas=4, T=6)
    kind = "carbon" if case == "carbon" else "energy"
    if case == "carbon":  # renewables in some periods: flows there earn no credit
        ren = pd.DataFrame({"region": "r", "period": range(6), "renewable_kw": [0, 0.3, 0, 0.5, 0, 0]})
        inst = replace(inst, renewables=ren)
    if case == "penalty":  # unserved demand cheaper than some cells' load cost
        inst = replace(inst, ran=replace(inst.ran, unserved_penalty_kwh_per_mbps_h=0.002))
    pm = PeriodModel(inst, kind)
    if case == "energy":
        # the rate by hand: kWh/yr per Mbps of a cell = load_w / capacity (W per Mbps)
        # x period_hours (8) x weight (365) / 1000, least over the cells linked to the area
        cov = inst.coverage.merge(inst.cells, on="cell")
        by_hand = (cov.load_w / cov.capacity_mbps * 8 * 365 / 1000).groupby(cov.area).min()
        served = pm.D.max(axis=1) > 0
        assert pm.rate[served] == pytest.approx(by_hand[inst.areas.area[served]].to_numpy(), rel=1e-9)
    exact = SolverOptions(mip_gap=0.0)
    single = solve_periods(inst, kind, mip_gap=0.0, time_limit_s=None)
    grouped = solve_periods(inst, kind, mip_gap=0.0, time_limit_s=None, groups=2)
    plain = 0.0
    for g in group_periods(inst, 2):
        lo = pm.D[:, g].min(axis=1)
        plain += len(g) * pm.solve(lo, pm.ren[:, g].max(axis=1), exact)[0].bound
    assert plain <= grouped.bound * (1 + 1e-9)
    assert grouped.bound <= single.bound * (1 + 1e-9)
    if case == "energy":
        assert grouped.bound > plain * (1 + 1e-6)


def _plan_cost(inst, plan):
    """The joint model's objective of a period plan: builds and awake cells fixed, flows,
    site overheads and wake-ups completed by the joint model itself."""
    from optimizer.formulation import build_model
    from optimizer.solve import options_for, plan_bounds
    from optimizer.solve.highs import CompiledModel, solve_compiled
    b = build_model(inst)
    cm = CompiledModel(b)
    lo, hi = plan_bounds(b, cm, plan)
    res = solve_compiled(cm, options_for(inst), col_lower=lo, col_upper=hi)
    assert res.status == "optimal"
    return res.objective


@pytest.mark.parametrize("seed", range(6))
def test_refine_keeps_bound_and_never_worsens_the_union_plan(seed):
    # re-planning every period with the union of the periods' builds fixed: the joint plan
    # is feasible, no worse than the union plan it starts from (each period starts from its
    # own plan), no better than the joint optimum; builds only shrink; the bound is kept
    from optimizer.decompose.periods import refine_periods
    inst = random_instance(seed, n_cells=7, n_areas=4, T=4)
    plan = solve_periods(inst, "energy", mip_gap=0.0, time_limit_s=None)
    ref = refine_periods(inst, "energy", plan, time_limit_s=None, workers=1 + seed % 2)
    joint = optimizer.solve(inst, mip_gap=0.0, strategy="monolithic").summary["objective"]
    before, after = _plan_cost(inst, plan), _plan_cost(inst, ref)
    assert joint * (1 - 1e-9) <= after <= before * (1 + 1e-9)
    assert ref.bound == plan.bound and not (ref.built & ~plan.built).any()
    assert not (ref.awake & ~ref.built[:, None]).any()
    # the refined periods' objectives, summed, price the union's builds: at least the plan's
    # cost without wake-up energy, which the joint model adds
    assert ref.objective >= after - _wakeup_energy(inst, ref) - 1e-6


def _wakeup_energy(inst, plan):
    """kWh/yr of the plan's wake-ups: a cell awake in t and asleep in t-1 (cyclic) costs its
    wake_kwh, every horizon of the year (the random instances give wake_kwh per cell)."""
    aw = plan.awake
    ups = (aw & ~np.roll(aw, 1, axis=1)).sum(axis=1)
    return float((ups * inst.cells.wake_kwh.to_numpy(float)).sum() * inst.time.weight)


def test_refine_out_of_time_keeps_each_period_plan():
    # no time to re-plan: every period keeps its own plan (feasible with the union's builds),
    # and the refined plan says its objective is unknown rather than pricing a partial one
    from optimizer.decompose.periods import refine_periods
    inst = random_instance(1, n_cells=7, n_areas=4, T=4)
    plan = solve_periods(inst, "energy", mip_gap=0.0, time_limit_s=None)
    ref = refine_periods(inst, "energy", plan, time_limit_s=1e-3)
    assert ref.objective is None and ref.bound == plan.bound
    assert (ref.awake == plan.awake).all() and (ref.built <= plan.built).all()
    assert _plan_cost(inst, ref) <= _plan_cost(inst, plan) * (1 + 1e-9)


def test_large_instances_skip_the_joint_search(monkeypatch):
    # at LARGE_CELLS cells or more (lowered here to this instance's 7 cells) a time-limited
    # solve ends with the refined periods' plan completed by the joint model's LP: no joint
    # search, the periods' bound, a plan no better than the joint optimum and no worse than
    # the unrefined periods' plan
    S = sys.modules["optimizer.solve"]  # the package (optimizer.solve is its function)
    inst = random_instance(2, n_cells=7, n_areas=4, T=6)
    joint = optimizer.solve(inst, mip_gap=0.0, strategy="monolithic").summary
    monkeypatch.setattr(S, "LARGE_CELLS", len(inst.cells))
    s = optimizer.solve(inst, mip_gap=0.0, strategy="periods", time_limit_s=60, workers=1).summary
    assert s["strategy"] == "periods" and "no joint search" in s["solver_message"]
    assert s["bound"] == pytest.approx(s["periods_bound"])
    assert s["bound"] <= joint["objective"] * (1 + 1e-9) <= s["objective"] * (1 + 2e-9)
    plan = solve_periods(inst, "energy", mip_gap=0.0, time_limit_s=None)
    assert s["objective"] <= _plan_cost(inst, plan) * (1 + 1e-9)
