"""Regional energy balance and the four objectives (docs/model.md, "Regional balance").

load[r,t] (kW) is the sum of the subsystems' ledger terms. The balance
``green <= renewable, grid >= load - green`` is written in its reduced, equivalent form
``grid[r,t] >= load[r,t] - renewable_kw[r,t], grid >= 0`` (at any optimum green =
min(load, renewable)): one variable and one row per region-period that has renewable supply;
where a region has none in a period, grid = load and the load terms enter the objective
directly. For the ``energy`` objective no grid variable is needed at all.
"""
from __future__ import annotations

import numpy as np

from .builder import ModelBuilder
from .ledger import Ledger

OBJECTIVE_UNITS = {"energy": "kWh/year", "grid_energy": "kWh/year", "carbon": "t CO2/year",
                   "cost": "CNY/year"}


def renewable_kw(inst) -> np.ndarray:
    R, T = len(inst.regions), inst.time.periods
    out = np.zeros((R, T))
    if inst.renewables is not None and len(inst.renewables):
        pos = {r: i for i, r in enumerate(inst.regions.region)}
        rn = inst.renewables
        np.add.at(out, (rn.region.map(pos).to_numpy(), rn.period.to_numpy()),
                  rn.renewable_kw.to_numpy(float))
    return out


def region_factor(inst, kind: str) -> np.ndarray:
    """Objective units per kWh of grid energy, per region."""
    R = len(inst.regions)
    if kind == "carbon":
        return inst.regions.grid_co2_kg_per_kwh.to_numpy(float) / 1000.0  # t per kWh
    if kind == "cost":
        return inst.regions.price_cny_per_kwh.to_numpy(float)
    return np.ones(R)


def add_objective(b: ModelBuilder, inst, ledger: Ledger, kind: str) -> dict:
    """Add the regional balance (grid kW above the renewables where a region has some) and
    the objective ``kind`` (energy, grid_energy in kWh/yr; carbon in t/yr; cost in CNY/yr)
    over everything in ``ledger``; returns the grid variables' handle."""
    T = inst.time.periods
    R = len(inst.regions)
    ren = renewable_kw(inst).reshape(-1)
    power = ledger.power or [(None, np.zeros(0, int), np.zeros(0, int), np.zeros(0))]
    cols = np.concatenate([blk.cols(idx) if blk is not None else idx for blk, rt, idx, c in power])
    rts = np.concatenate([rt for blk, rt, idx, c in power])
    coefs = np.concatenate([c for blk, rt, idx, c in power])
    const = ledger.const_kw.reshape(-1)
    G = None
    # grid variables only where renewables can make grid differ from load (never for energy)
    grid_rt = np.zeros(R * T, bool) if kind == "energy" else ren > 0
    if grid_rt.any():
        g_rt = np.flatnonzero(grid_rt)
        G = b.var("grid", len(g_rt), lb=0.0)
        pos = np.full(R * T, -1)
        pos[g_rt] = np.arange(len(g_rt))
        sel = grid_rt[rts]
        n = len(g_rt)
        # grid - sum(terms) >= const - renewable
        b.rows("balance", n, np.r_[np.arange(n), pos[rts[sel]]],
               np.r_[G.cols(np.arange(n)), cols[sel]], np.r_[np.ones(n), -coefs[sel]],
               lb=const[g_rt] - ren[g_rt])
    handle = dict(grid=G, grid_rt=grid_rt)
    b.objective(*criterion_terms(inst, ledger, handle, kind))
    return handle


def criterion_terms(inst, ledger: Ledger, handle: dict, kind: str):
    """(columns, coefficients, constant) of a yearly criterion over the model's columns.

    ``kind`` is an objective (energy, grid_energy, carbon, cost); ``handle`` is what
    :func:`add_objective` returned. A grid-based criterion needs the grid variables, which
    exist when the model was built for a grid-based objective; energy never uses them.
    """
    T = inst.time.periods
    R = len(inst.regions)
    hw = inst.time.period_hours * inst.time.weight
    fac = region_factor(inst, kind)
    rt_region = np.repeat(np.arange(R), T)
    ren = renewable_kw(inst).reshape(-1)
    G, grid_rt = handle["grid"], handle["grid_rt"]
    if kind != "energy" and (ren > 0).any() and not grid_rt.any():
        raise ValueError(f"criterion {kind!r} needs a model built for a grid-based objective")
    use = grid_rt if kind != "energy" else np.zeros(R * T, bool)
    power = ledger.power or [(None, np.zeros(0, int), np.zeros(0, int), np.zeros(0))]
    cols = np.concatenate([blk.cols(idx) if blk is not None else idx for blk, rt, idx, c in power])
    rts = np.concatenate([rt for blk, rt, idx, c in power])
    coefs = np.concatenate([c for blk, rt, idx, c in power])
    const = ledger.const_kw.reshape(-1)
    direct = ~use[rts]
    obj_cols = [cols[direct]]
    obj_coef = [coefs[direct] * hw * fac[rt_region[rts[direct]]]]
    obj_const = float((const[~use] * hw * fac[rt_region[~use]]).sum())
    if use.any():
        g_rt = np.flatnonzero(grid_rt)
        obj_cols.append(G.cols(np.arange(len(g_rt))))
        obj_coef.append(hw * fac[rt_region[g_rt]])
    if kind in ("energy", "grid_energy"):
        for blk, reg, idx, kwh in ledger.yearly:
            obj_cols.append(blk.cols(idx))
            obj_coef.append(kwh)
        obj_const += ledger.yearly_const
    for blk, reg, idx, kwh in ledger.penalty:
        obj_cols.append(blk.cols(idx))
        obj_coef.append(kwh * fac[reg])
    return np.concatenate(obj_cols), np.concatenate(obj_coef), obj_const


def evaluate(inst, ledger: Ledger, values: np.ndarray) -> dict:
    """Yearly energy accounting of a solution vector (global column order), no solver needed.

    Returns load/green/grid per (region, period) in kW and the four yearly totals.
    """
    T = inst.time.periods
    R = len(inst.regions)
    load = ledger.const_kw.reshape(-1).copy()
    for blk, rt, idx, c in ledger.power:
        np.add.at(load, rt, c * values[blk.cols(idx)])
    load = np.maximum(load, 0.0)
    ren = renewable_kw(inst).reshape(-1)
    green = np.minimum(load, ren)
    grid = load - green
    hw = inst.time.period_hours * inst.time.weight
    embodied = ledger.yearly_const + sum(float((kwh * values[blk.cols(idx)]).sum())
                                         for blk, reg, idx, kwh in ledger.yearly)
    by_sub: dict[str, float] = {}
    by_sub_t: dict[str, np.ndarray] = {}  # kW per period, summed over regions
    for (blk, rt, idx, c), tag in zip(ledger.power, ledger.tags):
        kw = c * values[blk.cols(idx)]
        by_sub[tag] = by_sub.get(tag, 0.0) + float(kw.sum()) * hw
        by_sub_t[tag] = by_sub_t.get(tag, np.zeros(T)) + np.bincount(rt % T, weights=kw, minlength=T)
    for tag, rt, kw in ledger.const_entries:
        by_sub[tag] = by_sub.get(tag, 0.0) + float(kw.sum()) * hw
        by_sub_t[tag] = by_sub_t.get(tag, np.zeros(T)) + np.bincount(rt % T, weights=kw, minlength=T)
    for (blk, reg, idx, kwh), tag in zip(ledger.yearly, ledger.yearly_tags):
        by_sub[tag] = by_sub.get(tag, 0.0) + float((kwh * values[blk.cols(idx)]).sum())
    rreg = np.repeat(np.arange(R), T)
    co2 = inst.regions.grid_co2_kg_per_kwh.to_numpy(float)[rreg]
    price = inst.regions.price_cny_per_kwh.to_numpy(float)[rreg]
    return dict(
        load_kw=load.reshape(R, T), green_kw=green.reshape(R, T), grid_kw=grid.reshape(R, T),
        energy_kwh=float(load.sum() * hw + embodied),
        grid_energy_kwh=float(grid.sum() * hw + embodied),
        carbon_t=float((grid * hw * co2).sum() / 1000.0),
        cost_cny=float((grid * hw * price).sum()),
        embodied_kwh=float(embodied),
        by_subsystem_kwh=by_sub,
        by_subsystem_kw=by_sub_t,
        renewable_kw=ren.reshape(R, T),
        renewable_share=float(green.sum() / load.sum()) if load.sum() > 0 else 0.0,
    )
