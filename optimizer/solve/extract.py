"""Plain result tables from a solution vector (no Pyomo objects touched)."""
from __future__ import annotations

import numpy as np
import pandas as pd


def extract_tables(inst, built, values: np.ndarray, ev: dict) -> dict[str, pd.DataFrame]:
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
    return tables
