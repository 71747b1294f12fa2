"""Plain result tables from a solution vector (no Pyomo objects touched)."""
from __future__ import annotations

import numpy as np
import pandas as pd


def extract_tables(inst, built, values: np.ndarray, ev: dict) -> dict[str, pd.DataFrame]:
    """The results tables (results/README.md: cells, areas, dcs, assignments, regions and
    the report tables) of the plan ``values`` (global column order), whose accounting
    ``ev`` is what optimizer.formulation.energy.evaluate returned; power in W and kW."""
    T = inst.time.periods
    tables = {}
    R = len(inst.regions)
    tables["regions"] = pd.DataFrame({
        "region": np.repeat(inst.regions.region.to_numpy(), T),
        "period": np.tile(np.arange(T), R),
        "load_kw": ev["load_kw"].reshape(-1), "green_kw": ev["green_kw"].reshape(-1),
        "grid_kw": ev["grid_kw"].reshape(-1)})
    r = built.handles.get("radio")
    if r is not None:
        ix = built.handles["radio_index"]
        nc, na = len(ix.cell_ids), len(ix.area_ids)
        built_ = np.where(ix.fixed_on, 1.0, 0.0)
        free = np.flatnonzero(ix.free)
        built_[free] = values[r["x"].cols(ix.xvar[free])]
        awake = values[r["a"].cols(np.arange(nc * T))]
        f = values[r["f"].cols(np.arange(r["f"].n))]
        f_cell = ix.l_cell[ix.f_link]
        f_area = ix.l_area[ix.f_link]
        load = np.bincount(f_cell * T + ix.f_t, weights=f, minlength=nc * T)
        bc = np.repeat(built_, T)
        c_of = np.repeat(np.arange(nc), T)
        power = (ix.sleep_w[c_of] * (bc - awake) + ix.active_w[c_of] * awake
                 + ix.load_w[c_of] * load / ix.cap[c_of])
        tables["cells"] = pd.DataFrame({
            "cell": np.repeat(ix.cell_ids, T), "period": np.tile(np.arange(T), nc),
            "built": bc.astype(int), "awake": awake.astype(int), "load_mbps": load,
            "power_w": power})
        served = np.bincount(f_area * T + ix.f_t, weights=f, minlength=na * T)
        unserved = np.zeros(na * T)
        if r["u"] is not None:
            unserved[r["at_d"]] = values[r["u"].cols(np.arange(r["u"].n))]
        l_ct = np.repeat(ix.l_cell, T) * T + np.tile(np.arange(T), len(ix.l_cell))
        l_at = np.repeat(ix.l_area, T) * T + np.tile(np.arange(T), len(ix.l_area))
        n_awake = np.bincount(l_at, weights=awake[l_ct], minlength=na * T)
        tables["areas"] = pd.DataFrame({
            "area": np.repeat(ix.area_ids, T), "period": np.tile(np.arange(T), na),
            "demand_mbps": ix.demand.reshape(-1), "served_mbps": served,
            "unserved_mbps": unserved, "awake_cells": n_awake.round().astype(int)})
    d = built.handles.get("datacentre")
    if d is not None:
        tables.update(d["tables"](values))
    tables.update(_report_tables(inst, tables, ev))
    return tables


def _report_tables(inst, tables: dict, ev: dict) -> dict[str, pd.DataFrame]:
    """Hourly totals by subsystem, and per site / data centre / region summaries with their
    coordinates, so a report can be drawn from the results folder alone."""
    T = inst.time.periods
    ph = inst.time.period_hours
    hw = ph * inst.time.weight  # hours per year one period stands for
    sub = ev["by_subsystem_kw"]
    zero = np.zeros(T)
    out = {}
    hourly = pd.DataFrame({
        "period": np.arange(T),
        "ran_kw": sub.get("ran", zero), "dc_kw": sub.get("dc", zero),
        "transport_kw": sub.get("transport", zero),
        "load_kw": ev["load_kw"].sum(axis=0), "renewable_kw": ev["renewable_kw"].sum(axis=0),
        "green_kw": ev["green_kw"].sum(axis=0), "grid_kw": ev["grid_kw"].sum(axis=0),
        "awake_4g": 0, "awake_5g": 0, "demand_mbps": 0.0})
    areas = tables.get("areas")
    if areas is not None and len(areas):  # the traffic the radio part carries, per period
        hourly["demand_mbps"] = areas.groupby("period").demand_mbps.sum().reindex(
            np.arange(T), fill_value=0.0).to_numpy(float)
    cells = tables.get("cells")
    if cells is not None:
        c = cells.merge(inst.cells[["cell", "site", "tech"]], on="cell", how="left")
        aw = c[c.awake > 0].groupby(["tech", "period"]).size()
        for tech in ("4g", "5g"):
            if tech in aw.index.get_level_values(0):
                hourly[f"awake_{tech}"] = aw[tech].reindex(np.arange(T), fill_value=0).to_numpy()
        # per site: built cells, mean hours asleep per built cell, yearly energy
        c = c.sort_values(["cell", "period"])
        a = c.awake.to_numpy().reshape(-1, T)
        wake = np.maximum(a - np.roll(a, 1, axis=1), 0).sum(axis=1)  # cyclic wake-ups per cell
        per_cell = pd.DataFrame({
            "cell": c.cell.to_numpy()[::T], "site": c.site.to_numpy()[::T],
            "tech": c.tech.to_numpy()[::T], "built": c.built.to_numpy()[::T] > 0,
            "asleep_h": (c.built - c.awake).to_numpy().reshape(-1, T).sum(axis=1) * ph,
            "kwh": c.power_w.to_numpy().reshape(-1, T).sum(axis=1) / 1000.0 * hw})
        wk = inst.cells.set_index("cell").wake_kwh.reindex(per_cell.cell).to_numpy(float)
        per_cell["kwh"] += wake * wk * inst.time.weight
        on = c.groupby(["site", "period"]).awake.max().unstack(fill_value=0)
        over = inst.sites.set_index("site").overhead_w
        site_kwh = (on.sum(axis=1) * over.reindex(on.index).to_numpy(float) / 1000.0 * hw)
        b = per_cell[per_cell.built]
        g = b.groupby("site")
        sites = inst.sites[["site", "region", "lat", "lon"]].copy()
        sites["cells"] = sites.site.map(g.size()).fillna(0).astype(int)
        sites["cells_5g"] = sites.site.map(b[b.tech == "5g"].groupby("site").size()).fillna(0).astype(int)
        status = inst.cells.set_index("cell").status.reindex(per_cell.cell).to_numpy()
        new = per_cell[per_cell.built & (status == "candidate")]
        gone = per_cell[~per_cell.built & (status == "existing")]
        sites["cells_new"] = sites.site.map(new.groupby("site").size()).fillna(0).astype(int)
        sites["cells_retired"] = sites.site.map(gone.groupby("site").size()).fillna(0).astype(int)
        sites["hours_asleep"] = sites.site.map(g.asleep_h.mean()).fillna(0.0)
        sites["energy_kwh"] = (sites.site.map(per_cell.groupby("site").kwh.sum()).fillna(0.0)
                               + sites.site.map(site_kwh).fillna(0.0))
        out["sites"] = sites
    out["hourly"] = hourly
    dcs = tables.get("dcs")
    if dcs is not None and inst.datacentres is not None:
        g = dcs.groupby("dc")
        ds = inst.datacentres[["dc", "region", "lat", "lon"]].copy()
        ds["open"] = ds.dc.map(g.open.max()).fillna(0).astype(int)
        ds["it_kw_mean"] = ds.dc.map(g.it_kw.mean()).fillna(0.0)
        ds["it_kw_peak"] = ds.dc.map(g.it_kw.max()).fillna(0.0)
        ds["energy_kwh"] = ds.dc.map(g.facility_kw.sum() * hw).fillna(0.0)
        out["dc_sites"] = ds
    reg = inst.regions[["region", "lat", "lon", "grid_co2_kg_per_kwh"]].copy()
    reg["load_kwh"] = ev["load_kw"].sum(axis=1) * hw
    reg["green_kwh"] = ev["green_kw"].sum(axis=1) * hw
    reg["grid_kwh"] = ev["grid_kw"].sum(axis=1) * hw
    out["region_summary"] = reg
    return out
