"""The data-centre subproblem of the Lagrangian dual (optimizer.decompose.dcdual).

- priced at the full price of grid energy, the subproblem is the data-centre model alone:
  its value equals HiGHS's exact optimum of the data-centre part as an instance of its own,
  for every objective, with candidate sites and ``max_open``;
- the joint dual (radio and data centres at the same multipliers) is a true bound: never
  above the joint model's exact optimum (HiGHS at gap 0), for every grid-based objective
  and several variants of a joint instance whose parts share renewables;
- there it is tighter than the sum of the parts' bounds, in which each part may use all of
  the renewables, and the split solve reports it.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import optimizer
import optimizer.decompose.lagrange as L
from optimizer.decompose.dcdual import DatacentreDual
from optimizer.decompose.solve import solve_decomposed
from tests.conftest import ROOT, write_instance

TINY = ROOT / "instances" / "tiny"
KEYS = {"energy": "energy_kwh", "grid_energy": "grid_energy_kwh", "carbon": "carbon_t",
        "cost": "cost_cny"}


def joint_tiny(tmp_path: Path, variant: int = 0) -> Path:
    """instances/tiny plus data centres in R1, whose 2.5 kW of daytime renewables the radio
    cells (R1) and the data centres both want. Variants add a candidate site in R1, cap the
    open sites, stop batch from shifting, and scale the compute."""
    t = {n: (TINY / f"{n}.csv").read_text() for n in
         ("regions", "sites", "cells", "areas", "demand", "coverage")}
    t["regions"] += "R2,0.9,0.6,39.0,117.0\n"
    t["renewables"] = "region,period,renewable_kw\nR1,1,2.5\nR1,2,0.8\n"
    dcs = "dc,region,status,max_it_kw,fixed_kw,pue\nD1,R1,existing,10,0.1,1.5\nD2,R2,existing,10,0.1,1.1\n"
    routes = "region,dc,latency_ms,transport_kwh_per_kwh\nR1,D1,1,0\nR1,D2,20,0.02\n"
    scale = 1.0 + 0.5 * (variant % 3)
    if variant >= 1:
        dcs += "D3,R1,candidate,4,0.3,1.05\n"
        routes += "R1,D3,2,0.001\n"
    toml = (TINY / "instance.toml").read_text()
    if variant >= 2:
        toml += "\n[datacentre]\nmax_open = 2\n" + ("batch_shiftable = false\n" if variant >= 3 else "")
    t["datacentres"] = dcs
    t["routes"] = routes
    t["compute"] = ("region,period,class,it_kw\n"
                    f"R1,0,batch,{2 * scale}\nR1,1,interactive,{0.5 * scale}\nR1,2,interactive,{0.3 * scale}\n")
    return write_instance(tmp_path / f"joint{variant}", toml, **t)


def _dc_only(inst):
    return replace(inst, name=f"{inst.name}/dc", sites=None, cells=None, areas=None,
                   demand=None, coverage=None)


@pytest.mark.parametrize("variant", range(4))
@pytest.mark.parametrize("kind", list(KEYS))
def test_subproblem_at_full_prices_is_the_datacentre_model(tmp_path, variant, kind):
    inst = _dc_only(optimizer.load_instance(joint_tiny(tmp_path, variant)))
    # no renewables: grid energy is all the load, so the full price is the price of every kW
    inst = replace(inst, renewables=None)
    exact = optimizer.solve(inst, objective=kind, mip_gap=0.0, strategy="monolithic").summary
    from optimizer.formulation.energy import region_factor
    hw = inst.time.period_hours * inst.time.weight
    P = np.repeat((hw * region_factor(inst, kind))[:, None], inst.time.periods, axis=1)
    value, load = DatacentreDual(inst, kind).solve(P)
    assert exact["status"] == "optimal"
    assert value == pytest.approx(exact[KEYS[kind]], rel=1e-6)
    assert float((load * P).sum()) == pytest.approx(exact[KEYS[kind]], rel=1e-6)


@pytest.mark.parametrize("variant", range(4))
@pytest.mark.parametrize("kind", ["grid_energy", "carbon", "cost"])
def test_joint_dual_never_above_the_joint_optimum(tmp_path, variant, kind):
    inst = optimizer.load_instance(joint_tiny(tmp_path, variant))
    best = optimizer.solve(inst, objective=kind, mip_gap=0.0, strategy="monolithic").summary
    assert best["status"] == "optimal"
    opt = best[KEYS[kind]]
    d = L.RadioDual(inst, kind)
    assert d.dc is not None and len(d.beta_rt) == 2  # R1's two periods with renewables
    a = L.ascend(d, target=lambda: opt * 1.001, iterations=600)
    assert all(b <= opt * (1 + 1e-7) for _, _, b in a.history)
    assert a.bound <= opt * (1 + 1e-7)
    # useful: within 15 % of the optimum (the integral sleep and build choices' gap)
    assert a.bound >= 0.85 * opt, (a.bound, opt)


@pytest.mark.parametrize("kind", ["grid_energy", "carbon"])
def test_split_solve_reports_the_joint_bound(tmp_path, kind):
    """The split (a radio part, a data-centre part) used to bound each part with all of R1's
    renewables; the joint dual prices them once, and its bound job replaces the radio
    part's: the merged bound is above the parts' sum."""
    inst = optimizer.load_instance(joint_tiny(tmp_path, 1))
    opt = optimizer.solve(inst, objective=kind, mip_gap=0.0, strategy="monolithic").summary[KEYS[kind]]
    dec = solve_decomposed(inst, kind, max_cells=10, mip_gap=0.0, work=2000).summary
    assert "joint/bound" in dec["decomposition"]["statuses"]
    assert dec["bound"] <= opt * (1 + 1e-7)
    # the parts alone: the radio part's dual and the data centres' exact optimum, each with
    # all of R1's renewables
    radio = replace(inst, datacentres=None, compute=None, routes=None, links=None)
    ra = L.ascend(L.RadioDual(radio, kind), target=lambda: opt * 1.001, iterations=600).bound
    dco = optimizer.solve(_dc_only(inst), objective=kind, mip_gap=0.0,
                          strategy="monolithic").summary[KEYS[kind]]
    assert dec["bound"] > (ra + dco) * 1.02, (dec["bound"], ra + dco, opt)
    assert dec[KEYS[kind]] >= opt * (1 - 1e-9)


def test_an_infeasible_datacentre_part_gives_no_bound(tmp_path):
    """Compute beyond every site's capacity: the subproblem says so instead of entering an
    infinite value into the bound (a split solve then names the bound job as failed)."""
    inst = optimizer.load_instance(joint_tiny(tmp_path, 2))
    comp = inst.compute.copy()
    comp["it_kw"] = comp.it_kw * 100  # 200-300 kW against 24 kW of sites
    with pytest.raises(RuntimeError, match="Infeasible"):
        DatacentreDual(replace(inst, compute=comp), "carbon").solve(np.ones((2, 3)))
