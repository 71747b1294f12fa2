"""Built-in baselines: hand-derived plans, and the optimum never worse than any of them."""
import pytest

import optimizer
from optimizer.instance.generate import generate_city
from tests.conftest import ROOT, write_instance

RADIO_TOML = """name = "sleep2"
[time]
periods = 3
period_hours = 1.0
weight = 1
[ran]
{ran}
[solver]
mip_gap = 0.0
"""
# One area A, two existing 4G cells on one site (no overhead) that both reach it.
# B: 100 W awake, 1 W per Mbps (load_w 100 over 100 Mbps), 10 W asleep.
# C: 200 W awake, 0.5 W per Mbps (load_w 50 over 100 Mbps), 20 W asleep. Wake-ups 10 Wh.
# Demand 50, 5, 108 Mbps in hours 0, 1, 2.
RADIO = dict(
    regions="region,grid_co2_kg_per_kwh,price_cny_per_kwh\nr,0.5,1.0\n",
    sites="site,region,lat,lon,overhead_w\ns,r,31.0,121.0,0\n",
    cells=("cell,site,tech,status,model,capacity_mbps,active_w,load_w,sleep_w,wake_kwh,"
           "embodied_kwh_per_year\n"
           "B,s,4g,existing,,100,100,100,10,0.01,0\n"
           "C,s,4g,existing,,100,200,50,20,0.01,0\n"),
    areas="area,region,lat,lon,requires_5g\nA,r,31,121,false\n",
    demand="area,period,mbps\nA,0,50\nA,1,5\nA,2,108\n",
    coverage="cell,area,link_mbps\nB,A,100\nC,A,100\n",
)


def radio(tmp_path, ran=""):
    return optimizer.load_instance(write_instance(tmp_path / "r", RADIO_TOML.format(ran=ran), **RADIO))


def test_threshold_rule_by_hand(tmp_path):
    s = optimizer.solve(radio(tmp_path)).summary
    b = s["baselines"]
    # Status quo: both awake. C is the cheaper carrier per Mbps, so it takes the traffic up to
    # its 100 Mbps: hour 0: B 100 + C 200 + 25 = 325 W; hour 1: 100 + 200 + 2.5 = 302.5 W;
    # hour 2: C full 250 W + B 100 + 8 = 108 W -> 358 W. Total 985.5 Wh.
    assert b["status_quo"]["energy_kwh"] == pytest.approx(0.9855)
    # Threshold rule (10 % = 10 Mbps): B carries 0 in hours 0 and 1 and sleeps (C still covers
    # A). C carries 5 Mbps in hour 1 but is then A's only awake cell: stays. In hour 2 B carries
    # 8 < 10 Mbps, but C has no room for them: B stays awake. B: asleep, asleep, awake -> one
    # wake-up (10 Wh). Hours: 10 + 200 + 25 = 235; 10 + 200 + 2.5 = 212.5; 358 -> 815.5 Wh.
    assert b["threshold_sleep"]["energy_kwh"] == pytest.approx(0.8155)
    assert s["threshold_energy_kwh"] == pytest.approx(0.8155)
    # Optimum: B alone in hours 0 and 1 (100 + 50 + C asleep 20 = 170 W; 100 + 5 + 20 = 125 W),
    # both in hour 2 (358 W), C's one wake-up 10 Wh -> 663 Wh. The rule sleeps the idle cell,
    # the optimum the power-hungry one.
    assert s["energy_kwh"] == pytest.approx(0.663)
    assert s["threshold_savings_pct"] == pytest.approx(100 * (0.8155 - 0.663) / 0.8155)
    assert s["savings_pct"] == pytest.approx(100 * (0.9855 - 0.663) / 0.9855)
    assert s["nearest_dc_energy_kwh"] is None and "nearest_dc" not in b


@pytest.mark.parametrize("ran", ["max_wakeups = 0", "allow_sleep = false",
                                 "sleep_threshold_pct = 0"])
def test_threshold_rule_respects_limits(tmp_path, ran):
    # No wake-up allowed, no sleeping, or a 0 % threshold: nothing may sleep, so the rule keeps
    # the status quo (985.5 Wh, as above).
    b = optimizer.solve(radio(tmp_path, ran)).summary["baselines"]
    assert b["threshold_sleep"]["energy_kwh"] == pytest.approx(0.9855)
    assert b["status_quo"]["energy_kwh"] == pytest.approx(0.9855)


DC_TOML = """name = "dc3"
[time]
periods = 1
period_hours = 1.0
weight = 1
[datacentre]
interactive_latency_ms = 10
[solver]
mip_gap = 0.0
"""
# Region R1 has 15 kW of interactive work. D1 (R1, existing): 10 kW, fixed 1 kW, PUE 1.5, 1 ms.
# D2 (R2, existing): 100 kW, fixed 2 kW, PUE 1.2, 5 ms, transport 0.01 kWh per kWh.
# D3 (R2, candidate): 100 kW, fixed 5 kW, PUE 1.1, 6 ms, transport 0.01.
DC = dict(
    regions="region,grid_co2_kg_per_kwh,price_cny_per_kwh\nR1,0.5,1.0\nR2,0.5,1.0\n",
    datacentres=("dc,region,status,max_it_kw,fixed_kw,pue\n"
                 "D1,R1,existing,10,1,1.5\nD2,R2,existing,100,2,1.2\nD3,R2,candidate,100,5,1.1\n"),
    compute="region,period,class,it_kw\nR1,0,interactive,15\n",
    routes=("region,dc,latency_ms,transport_kwh_per_kwh\n"
            "R1,D1,1,0\nR1,D2,5,0.01\nR1,D3,6,0.01\n"),
)


def dc(tmp_path, **changes):
    return optimizer.load_instance(write_instance(tmp_path / "d", DC_TOML, **{**DC, **changes}))


def test_nearest_data_centre_by_hand(tmp_path):
    s = optimizer.solve(dc(tmp_path)).summary
    b = s["baselines"]
    # Status quo: D1 takes 10 kW (full), D2 the other 5: D1 1 + 15 = 16 kW, D2 2 + 6 = 8 kW,
    # transport 0.05 kW -> 24.05 kWh.
    assert b["status_quo"]["energy_kwh"] == pytest.approx(24.05)
    assert b["status_quo"]["transport_energy_kwh"] == pytest.approx(0.05)
    # Nearest site without siting optimisation: D3 opens too (+5 kW fixed) but stays idle,
    # the nearer sites having room -> 29.05 kWh.
    assert b["nearest_dc"]["energy_kwh"] == pytest.approx(29.05)
    # Optimum: all 15 kW at D2 (1.2 + 0.01 per kW beats D1's 1.5; D1 is open anyway):
    # 1 + 2 + 18 + 0.15 = 21.15 kWh.
    assert s["energy_kwh"] == pytest.approx(21.15)
    assert "threshold_sleep" not in b


def test_status_quo_without_capacity_is_reported(tmp_path):
    # D2 cut to 3 kW: the existing sites hold 13 of the 15 kW, so the status quo has no plan;
    # the nearest-site baseline opens D3 for the last 2 kW: D1 16 + D2 (2 + 3.6) + D3 (5 + 2.2)
    # + transport 0.05 = 28.85 kWh.
    inst = dc(tmp_path, datacentres=("dc,region,status,max_it_kw,fixed_kw,pue\n"
                                     "D1,R1,existing,10,1,1.5\nD2,R2,existing,3,2,1.2\n"
                                     "D3,R2,candidate,100,5,1.1\n"))
    s = optimizer.solve(inst).summary
    sq = s["baselines"]["status_quo"]
    assert sq["status"] == "not_feasible"
    assert "R1" in sq["note"] and "2 kW of interactive" in sq["note"]
    assert s["baseline_energy_kwh"] is None and s["savings_pct"] is None
    assert "status quo" in s["baseline_note"]
    assert s["baselines"]["nearest_dc"]["energy_kwh"] == pytest.approx(28.85)


KEY = {"energy": "energy_kwh", "grid_energy": "grid_energy_kwh", "carbon": "carbon_t",
       "cost": "cost_cny"}


def _check_not_worse(summary, kind):
    key = KEY[kind]
    seen = 0
    for name, b in summary["baselines"].items():
        if b["status"] != "ok":
            continue
        seen += 1
        assert summary[key] <= b[key] * (1 + 1e-7) + 1e-9, (name, summary[key], b[key])
    assert seen >= 1


@pytest.mark.parametrize("kind", sorted(KEY))
def test_optimum_never_worse_than_a_baseline(tmp_path, kind):
    for inst in (optimizer.load_instance(ROOT / "instances" / "tiny"), radio(tmp_path),
                 dc(tmp_path)):
        s = optimizer.solve(inst, objective=kind).summary
        assert s["status"] == "optimal"
        _check_not_worse(s, kind)


def test_never_worse_even_when_stopped_early(tmp_path):
    # A 40-site city with a 2 s limit: HiGHS stops long before it proves anything, and what
    # it returns must still be at least as good as every baseline (they seed the search).
    inst = optimizer.load_instance(generate_city(tmp_path / "c", 40, seed=5))
    s = optimizer.solve(inst, time_limit_s=2, strategy="monolithic").summary
    assert s["status"] in ("optimal", "feasible")
    _check_not_worse(s, "energy")
    assert set(s["baselines"]) == {"status_quo", "threshold_sleep"}
    b = s["baselines"]
    assert b["threshold_sleep"]["energy_kwh"] < b["status_quo"]["energy_kwh"]
