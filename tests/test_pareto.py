"""Pareto fronts by epsilon-constraint: hand-derived fronts, monotonicity, files and CLI."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import optimizer
from optimizer.scenarios.pareto import pareto
from tests.conftest import ROOT, write_instance

NETOPT = [str(Path(sys.executable).with_name("netopt"))]

TOML = """name = "shift"
[time]
periods = 1
period_hours = 1.0
weight = 1
[solver]
mip_gap = 0.0
"""
# Region A's 40 kW of batch work runs at dA (PUE 1.2, grid 0.8 kg/kWh) or dB (PUE 1.5, grid
# 0.1 kg/kWh, 50 kW of renewables). With z kW at dB:
#   energy = 1.2 (40 - z) + 1.5 z = 48 + 0.3 z  kWh
#   carbon = 0.8 * 1.2 (40 - z) + 0.1 * max(0, 1.5 z - 50)  kg
#          = 38.4 - 0.96 z  while 1.5 z <= 50 (z <= 33.3, carbon >= 6.4 kg)
# so energy and carbon trade off: least energy 48 kWh at 38.4 kg; least carbon 1 kg
# (z = 40: 10 kWh from the grid) at 60 kWh.
TABLES = dict(
    regions="region,grid_co2_kg_per_kwh,price_cny_per_kwh\nA,0.8,1.0\nB,0.1,1.0\n",
    renewables="region,period,renewable_kw\nB,0,50\n",
    datacentres="dc,region,status,max_it_kw,fixed_kw,pue\ndA,A,existing,100,0,1.2\ndB,B,existing,100,0,1.5\n",
    compute="region,period,class,it_kw\nA,0,batch,40\n",
    routes="region,dc,latency_ms,transport_kwh_per_kwh\nA,dA,1,0\nA,dB,30,0\n",
)


@pytest.fixture
def shift(tmp_path):
    return write_instance(tmp_path / "shift", TOML, **TABLES)


def test_energy_carbon_front_by_hand(shift):
    f = pareto(optimizer.load_instance(shift), "energy", "carbon", 5)
    p = f.points
    assert list(p.status) == ["optimal"] * 5 and not p.dominated.any()
    # anchors (see above): (60 kWh, 0.001 t) and (48 kWh, 0.0384 t)
    assert (p.x.iloc[0], p.y.iloc[0]) == pytest.approx((60.0, 0.001))
    assert (p.x.iloc[-1], p.y.iloc[-1]) == pytest.approx((48.0, 0.0384))
    # interior eps evenly between 1 and 38.4 kg (10.35, 19.7, 29.05 kg >= 6.4 kg):
    # z = (38.4 - eps) / 0.96 and energy = 48 + 0.3 z
    eps_kg = np.linspace(1.0, 38.4, 5)[1:-1]
    assert p.y.iloc[1:-1].to_numpy() * 1000 == pytest.approx(eps_kg)
    assert p.x.iloc[1:-1].to_numpy() == pytest.approx(48 + 0.3 * (38.4 - eps_kg) / 0.96)
    # every point reports all four criteria, consistent with its x and y
    assert (p.energy_kwh == p.x).all() and (p.carbon_t == p.y).all()


def test_anchors_equal_single_objective_optima(shift):
    inst = optimizer.load_instance(shift)
    f = pareto(inst, "carbon", "cost", 4).points
    # least carbon and least cost from the ordinary solve path
    assert f.x.min() == pytest.approx(optimizer.solve(inst, objective="carbon").summary["carbon_t"])
    assert f.y.min() == pytest.approx(optimizer.solve(inst, objective="cost").summary["cost_cny"])


def _monotone(p: pd.DataFrame):
    q = p[~p.dominated].sort_values("y")
    assert (np.diff(q.y.to_numpy()) > 0).all()
    assert (np.diff(q.x.to_numpy()) < 0).all()  # looser y, strictly better x


@pytest.mark.parametrize("x,y", [("energy", "carbon"), ("carbon", "energy"), ("energy", "cost")])
def test_points_monotone(shift, x, y):
    p = pareto(optimizer.load_instance(shift), x, y, 6).points
    assert len(p) >= 2
    _monotone(p)


def test_energy_against_new_5g_cells_on_tiny():
    # instances/tiny/README.md: without the 5G candidate the best plan is 9241.8 kWh/yr
    # (plan B), with it 8884.8 kWh/yr (plan A).
    p = pareto(optimizer.load_instance(ROOT / "instances" / "tiny"), "energy", "new_5g_cells", 4).points
    assert list(zip(p.y, p.x)) == [(0.0, pytest.approx(9241.8)), (1.0, pytest.approx(8884.8))]
    _monotone(p)


def test_no_trade_off_gives_one_point():
    # tiny: the least-energy plan is also the least-carbon plan (energy and carbon differ
    # only by the day's renewables, which every plan uses in full)
    f = pareto(optimizer.load_instance(ROOT / "instances" / "tiny"), "energy", "carbon", 5)
    assert len(f.points) == 1 and f.notes
    assert f.points.x.iloc[0] == pytest.approx(8884.8)


def test_cli_writes_points_and_plot(shift, tmp_path):
    out = tmp_path / "front"
    r = subprocess.run([*NETOPT, "pareto", str(shift), "--x", "energy",
                        "--y", "carbon", "--points", "3", "--out", str(out)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    meta = json.loads((out / "pareto.json").read_text())
    assert meta["x"] == "energy" and meta["y"] == "carbon" and meta["points"] == 3
    df = pd.read_csv(out / "pareto.csv")
    assert len(df) == 3 and df.x.min() == pytest.approx(48.0)
    assert (out / "pareto.png").stat().st_size > 5000
    assert "<svg" in (out / "pareto.svg").read_text()[:500]


def test_cli_rejects_unknown_criterion(shift):
    r = subprocess.run([*NETOPT, "pareto", str(shift), "--y", "water"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "--y must be one of" in r.stderr and "Traceback" not in r.stderr


SITING_TOML = """name = "siting"
[time]
periods = 4
period_hours = 6
weight = 365
[datacentre]
interactive_latency_ms = 6
[solver]
mip_gap = 0.0
"""
SITING = dict(
    regions=("region,grid_co2_kg_per_kwh,price_cny_per_kwh,lat,lon\nA,0.8,0.7,30,120\n"
             "B,0.5,0.5,31,115\nC,0.1,0.3,35,105\n"),
    renewables="region,period,renewable_kw\nC,0,500\nC,1,800\nC,2,800\nC,3,300\nB,1,100\n",
    datacentres=("dc,region,lat,lon,status,max_it_kw,fixed_kw,pue\ndA,A,30,120,existing,600,50,1.6\n"
                 "dB,B,31,115,candidate,800,40,1.3\ndC,C,35,105,candidate,1000,40,1.15\n"),
    links="u,v,km\nA,B,500\nB,C,1000\n",
    compute="region,period,class,it_kw\n" + "".join(
        f"{r},{t},{c},{kw * f}\n" for r, f in (("A", 1.0), ("B", 0.5), ("C", 1 / 6))
        for t, (i, b) in enumerate(((180, 60), (300, 100), (360, 120), (240, 80)))
        for c, kw in (("interactive", i), ("batch", b))),
)


@pytest.mark.parametrize("y", ["carbon", "grid_energy"])
def test_no_trade_off_is_one_point_despite_float_noise(tmp_path, y):
    # the least-energy siting is also the least-carbon and least-grid one; the two anchors
    # then differ only in the last bits of their criteria and are one point
    inst = optimizer.load_instance(write_instance(tmp_path / "s", SITING_TOML, **SITING))
    f = pareto(inst, "energy", y, 5)
    assert f.notes and len(f.points) == 1, f.points
