"""Known answers: instances small enough that the optimum is derived by hand (see comments).

Every solve uses mip_gap = 0; each expected number shows its arithmetic.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import optimizer

TINY = Path(__file__).resolve().parent.parent / "instances" / "tiny"
approx = lambda v: pytest.approx(v, rel=1e-7, abs=1e-9)  # noqa: E731


def awake(sol, cell):
    c = sol.tables["cells"]
    return c[c.cell == cell].sort_values("period").awake.astype(int).tolist()


def built(sol, cell):
    c = sol.tables["cells"]
    return int(c[c.cell == cell].built.max())


# ----------------------------------------------------------------------------- tiny

@pytest.fixture(scope="module")
def tiny():
    return optimizer.solve(optimizer.load_instance(TINY), mip_gap=0.0)


def test_tiny_numbers(tiny):
    s = tiny.summary
    assert s["status"] == "optimal"
    # hw = 8 h x 365 = 2920 h a year per period.
    # night:  M4 400 + 200*20/100 = 440; N5 sleep 30; E4 sleep 40; site S1 200        = 710 W
    # day:    N5 600 + 300*90/400 = 667.5; M4 400 + 200*30/100 = 460; E4 40; S1 200 = 1367.5 W
    #         + N5 wake-up 0.1 kWh / 8 h = 12.5 W                                       = 1380 W
    # evening M4 400 + 200*90/100 = 580; N5 30; E4 40; S1 200                          = 850 W
    # energy = (0.71 + 1.38 + 0.85) * 2920 + embodied 300 = 8584.8 + 300
    assert s["energy_kwh"] == approx(8884.8)
    assert s["objective"] == approx(8884.8)
    # renewable 0.5 kW in the day: grid = 0.71 + (1.38 - 0.5) + 0.85 = 2.44 kW -> *2920 = 7124.8
    assert s["grid_energy_kwh"] == approx(7124.8 + 300)
    assert s["carbon_t"] == approx(7124.8 * 0.5 / 1000)  # 3.5624
    assert s["cost_cny"] == approx(7124.8 * 0.6)  # 4274.88
    # status quo: M4 + E4 awake always, S1 + S2 on: 900 + 500 = 1400 W + load 2 W/Mbps
    # night 1400 + 40 = 1440; day 1400 + 240 = 1640; evening 1400 + 180 = 1580 -> 4.66 kW
    assert s["baseline_energy_kwh"] == approx(4.66 * 2920)  # 13607.2
    assert s["savings_pct"] == approx(100 * (13607.2 - 8884.8) / 13607.2)  # 34.705 %
    assert s["cells_built"] == 1 and s["cells_retired"] == 0


def test_tiny_plan(tiny):
    assert built(tiny, "N5") == 1
    assert awake(tiny, "M4") == [1, 1, 1]
    assert awake(tiny, "N5") == [0, 1, 0]  # the 5G candidate wakes for the busy day only
    assert awake(tiny, "E4") == [0, 0, 0]
    c = tiny.tables["cells"].set_index(["cell", "period"])
    assert c.loc[("N5", 1), "load_mbps"] == approx(90)  # all of A1 on the cheap 5G cell
    assert c.loc[("M4", 1), "load_mbps"] == approx(30)
    assert c.loc[("M4", 1), "power_w"] == approx(460)
    assert c.loc[("N5", 1), "power_w"] == approx(667.5)


# ----------------------------------------------------------------------------- builders

def make(cells, coverage, demand, *, areas=None, sites=None, regions=None, renewables=None,
         periods=2, period_hours=1.0, weight=1, kind="energy", **ran):
    """Small instance from row lists. cells rows: (cell, site, tech, status, cap, active, load,
    sleep, wake, embodied); coverage rows: (cell, area, link); demand rows: (area, period, mbps)."""
    cfg = {"name": "t", "time": {"periods": periods, "period_hours": period_hours, "weight": weight},
           "objective": {"kind": kind}, "ran": ran, "solver": {"mip_gap": 0.0}}
    cells = pd.DataFrame(cells, columns=["cell", "site", "tech", "status", "capacity_mbps",
                                         "active_w", "load_w", "sleep_w", "wake_kwh",
                                         "embodied_kwh_per_year"]).assign(model="")
    regions = pd.DataFrame(regions or [("R", 0.5, 0.6)],
                           columns=["region", "grid_co2_kg_per_kwh", "price_cny_per_kwh"])
    sites = pd.DataFrame(sites or [(s, regions.region[0], 0.0) for s in cells.site.unique()],
                         columns=["site", "region", "overhead_w"]).assign(lat=0.0, lon=0.0)
    areas_df = pd.DataFrame(areas or [(a, regions.region[0], False)
                                      for a in dict.fromkeys(r[1] for r in coverage)],
                            columns=["area", "region", "requires_5g"]).assign(lat=0.0, lon=0.0)
    frames = dict(regions=regions, sites=sites, cells=cells, areas=areas_df,
                  demand=pd.DataFrame(demand, columns=["area", "period", "mbps"]),
                  coverage=pd.DataFrame(coverage, columns=["cell", "area", "link_mbps"]))
    if renewables:
        frames["renewables"] = pd.DataFrame(renewables, columns=["region", "period", "renewable_kw"])
    return optimizer.instance_from_frames(cfg, **frames)


def solve(inst, **kw):
    sol = optimizer.solve(inst, mip_gap=0.0, **kw)
    assert sol.summary["status"] == "optimal", sol.summary
    return sol


# ----------------------------------------------------------------------------- coverage

@pytest.mark.parametrize("need, kwh, c2", [
    # min_coverage 1: C1 awake (100 W) + C2 asleep (20 W) = 120 W, 2 periods x 1 h = 0.24 kWh
    (1, 0.24, [0, 0]),
    # min_coverage 2: both awake 100 + 300 = 400 W -> 0.8 kWh
    (2, 0.80, [1, 1]),
])
def test_min_coverage_without_demand(need, kwh, c2):
    inst = make([("C1", "S", "4g", "existing", 100, 100, 50, 10, 0, 0),
                 ("C2", "S", "4g", "existing", 100, 300, 50, 20, 0, 0)],
                [("C1", "A", 100), ("C2", "A", 100)], [("A", 0, 0.0), ("A", 1, 0.0)],
                min_coverage=need)
    sol = solve(inst)
    assert sol.summary["energy_kwh"] == approx(kwh)
    assert awake(sol, "C1") == [1, 1]  # awake with zero demand: the area must stay covered
    assert awake(sol, "C2") == c2


@pytest.mark.parametrize("mandate, kwh, g5", [
    # no mandate: L4 200 + 100*10/100 = 210, G5 asleep 50 -> 260 W x 2 h = 0.52 kWh
    (False, 0.52, [0, 0]),
    # requires_5g: G5 500 + 10 = 510, L4 asleep 20 -> 530 W x 2 h = 1.06 kWh
    (True, 1.06, [1, 1]),
])
def test_requires_5g(mandate, kwh, g5):
    inst = make([("L4", "S", "4g", "existing", 100, 200, 100, 20, 0, 0),
                 ("G5", "S", "5g", "existing", 100, 500, 100, 50, 0, 0)],
                [("L4", "A", 100), ("G5", "A", 100)], [("A", 0, 10.0), ("A", 1, 10.0)],
                areas=[("A", "R", mandate)])
    sol = solve(inst)
    assert sol.summary["energy_kwh"] == approx(kwh)
    assert awake(sol, "G5") == g5
    assert awake(sol, "L4") == [1 - v for v in g5]


@pytest.mark.parametrize("retire, kwh", [
    # K awake 100 W (load_w 0); U asleep 30 W -> 130 W x 2 h = 0.26 kWh
    (False, 0.26),
    # U retired: no sleep power -> 100 W x 2 h = 0.2 kWh
    (True, 0.20),
])
def test_allow_retire(retire, kwh):
    inst = make([("K", "S", "4g", "existing", 100, 100, 0, 10, 0, 0),
                 ("U", "S", "4g", "existing", 100, 200, 0, 30, 0, 0)],
                [("K", "A", 100), ("U", "A", 100)], [("A", 0, 5.0), ("A", 1, 5.0)],
                allow_retire=retire)
    sol = solve(inst)
    assert sol.summary["energy_kwh"] == approx(kwh)
    assert sol.summary["cells_retired"] == int(retire)
    assert built(sol, "U") == int(not retire)
    assert built(sol, "K") == 1 and awake(sol, "K") == [1, 1]


@pytest.mark.parametrize("max_wakeups, kwh, p_awake", [
    # free: t0 B 200 + 10 + P asleep 30 = 240 W; t1 B + P 500 + 150 = 650 W; P wakes once
    # 0.05 kWh -> 0.24 + 0.65 + 0.05 = 0.94 kWh
    (None, 0.94, [0, 1]),
    # no wake-ups: the cyclic horizon forces constant states; P and B are both needed in t1,
    # so both stay awake: t0 500 + 10 = 510, t1 650 -> 1.16 kWh
    (0, 1.16, [1, 1]),
])
def test_max_wakeups_zero_keeps_states_constant(max_wakeups, kwh, p_awake):
    ran = {} if max_wakeups is None else {"max_wakeups": max_wakeups}
    inst = make([("B", "S", "4g", "existing", 100, 200, 100, 20, 0.05, 0),
                 ("P", "S", "4g", "existing", 100, 300, 100, 30, 0.05, 0)],
                [("B", "A", 100), ("P", "A", 100)], [("A", 0, 10.0), ("A", 1, 150.0)], **ran)
    sol = solve(inst)
    assert sol.summary["energy_kwh"] == approx(kwh)
    assert awake(sol, "P") == p_awake
    assert awake(sol, "B") == [1, 1]


# ----------------------------------------------------------------------------- carbon

def carbon_instance():
    # CG in green region G (0.6 kg/kWh, 0.5 CNY/kWh) with 1 kW renewable in period 1;
    # CB in brown region B (0.8 kg/kWh, 0.7 CNY/kWh), none. load_w = 0, weight 10, 1 h periods.
    return make([("CG", "SG", "4g", "existing", 100, 500, 0, 50, 0, 0),
                 ("CB", "SB", "4g", "existing", 100, 300, 0, 40, 0, 0)],
                [("CG", "A", 100), ("CB", "A", 100)], [("A", 0, 10.0), ("A", 1, 10.0)],
                regions=[("G", 0.6, 0.5), ("B", 0.8, 0.7)],
                sites=[("SG", "G", 0.0), ("SB", "B", 0.0)], areas=[("A", "B", False)],
                renewables=[("G", 1, 1.0)], weight=10)


def test_energy_vs_carbon_objective():
    inst = carbon_instance()
    e = solve(inst, objective="energy")
    # energy: CB awake, CG asleep in both periods: 300 + 50 = 350 W x 2 periods x 10 h = 7 kWh
    assert e.summary["energy_kwh"] == approx(7.0)
    assert awake(e, "CB") == [1, 1] and awake(e, "CG") == [0, 0]
    # grid: G t0 0.05, G t1 0 (0.05 <= 1 kW renewable), B 0.3 + 0.3 -> 0.65 kW x 10 h = 6.5 kWh
    assert e.summary["grid_energy_kwh"] == approx(6.5)
    # carbon: G 0.05 x 10 x 0.6 = 0.3 kg; B 0.6 x 10 x 0.8 = 4.8 kg -> 5.1 kg
    assert e.summary["carbon_t"] == approx(5.1e-3)
    assert e.summary["cost_cny"] == approx(0.05 * 10 * 0.5 + 0.6 * 10 * 0.7)  # 4.45

    c = solve(inst, objective="carbon")
    # carbon: period 1 runs on the renewable-rich region: CG awake 500 W <= 1 kW (grid 0),
    # CB asleep 40 W in B. Period 0 as before.
    assert awake(c, "CG") == [0, 1] and awake(c, "CB") == [1, 0]
    # t0: G 0.05 x 10 x 0.6 = 0.3 kg, B 0.3 x 10 x 0.8 = 2.4 kg; t1: B 0.04 x 10 x 0.8 = 0.32 kg
    assert c.summary["carbon_t"] == approx(3.02e-3)
    assert c.summary["objective"] == approx(3.02e-3)
    # energy: t0 350 W, t1 500 + 40 = 540 W -> 0.89 kW x 10 h = 8.9 kWh (more than 7)
    assert c.summary["energy_kwh"] == approx(8.9)
    # grid: t0 0.35, t1 0.04 -> 3.9 kWh (less than 6.5)
    assert c.summary["grid_energy_kwh"] == approx(3.9)
    # cost: 0.05 x 10 x 0.5 + 0.3 x 10 x 0.7 + 0.04 x 10 x 0.7 = 0.25 + 2.1 + 0.28
    assert c.summary["cost_cny"] == approx(2.63)


# ----------------------------------------------------------------------------- unserved

@pytest.mark.parametrize("penalty, objective, unserved", [
    # serving costs load_w/cap = 1 W per Mbps = 0.001 kWh per Mbps h < penalty 2:
    # serve all 100 Mbps of capacity, 50 unserved: energy 200 + 100 = 300 W x 1 h = 0.3 kWh;
    # penalty 50 x 2 x 1 h x 1 = 100 -> objective 100.3
    (2.0, 0.3 + 100.0, 50.0),
    # penalty 0.0001 < 0.001: serve nothing (the cell stays awake for coverage):
    # energy 200 W -> 0.2 kWh; penalty 150 x 0.0001 = 0.015 -> objective 0.215
    (0.0001, 0.2 + 0.015, 150.0),
])
def test_unserved_penalty(penalty, objective, unserved):
    inst = make([("C", "S", "4g", "existing", 100, 200, 100, 20, 0, 0)],
                [("C", "A", 200)], [("A", 0, 150.0)], periods=1,
                unserved_penalty_kwh_per_mbps_h=penalty)
    sol = solve(inst)
    assert sol.summary["objective"] == approx(objective)
    assert sol.summary["energy_kwh"] == approx(objective - unserved * penalty)
    assert sol.summary["unserved_mbps_h"] == approx(unserved)
    assert sol.tables["cells"].load_mbps.sum() == approx(150.0 - unserved)


def test_unserved_without_penalty_is_rejected():
    # 150 Mbps over a 100 Mbps cell and no penalty: the loader proves it infeasible up front
    with pytest.raises(optimizer.InstanceError):
        make([("C", "S", "4g", "existing", 100, 200, 100, 20, 0, 0)],
             [("C", "A", 200)], [("A", 0, 150.0)], periods=1)
