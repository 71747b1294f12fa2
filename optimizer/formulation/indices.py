"""Sparse index sets of the radio model, computed once with numpy from an Instance."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..instance import Instance


@dataclass
class RadioIndex:
    T: int
    cell_ids: np.ndarray
    area_ids: np.ndarray
    site_ids: np.ndarray
    region_ids: np.ndarray
    cell_site: np.ndarray  # site index per cell
    cell_region: np.ndarray  # region index per cell (its site's)
    area_region: np.ndarray
    cap: np.ndarray  # Mbps
    active_w: np.ndarray
    load_w: np.ndarray
    sleep_w: np.ndarray
    wake_kwh: np.ndarray
    embodied: np.ndarray  # kWh/year
    is5g: np.ndarray
    existing: np.ndarray
    free: np.ndarray  # x[c] is a decision
    fixed_on: np.ndarray  # x[c] == 1 is given
    forbidden: np.ndarray  # a scenario forbids the cell: x[c] == 0 (a column bound where free)
    forced: np.ndarray  # a scenario forces the cell: x[c] == 1 (fixed_on)
    xvar: np.ndarray  # index into the x variable, -1 where x is a constant
    linked: np.ndarray  # cell reaches some area
    demand: np.ndarray  # (A, T) Mbps
    requires_5g: np.ndarray
    overhead_w: np.ndarray  # per site
    # links
    l_cell: np.ndarray
    l_area: np.ndarray
    l_mbps: np.ndarray
    # flow variables: one per (link, period) with positive demand
    f_link: np.ndarray
    f_t: np.ndarray
    f_ub: np.ndarray


def radio_index(inst: Instance) -> RadioIndex:
    T = inst.time.periods
    cells, areas, sites = inst.cells, inst.areas, inst.sites
    region_ids = inst.regions.region.to_numpy()
    rpos = pd.Series(np.arange(len(region_ids)), index=region_ids)
    site_ids = sites.site.to_numpy()
    spos = pd.Series(np.arange(len(site_ids)), index=site_ids)
    cell_ids = cells.cell.to_numpy()
    cpos = pd.Series(np.arange(len(cell_ids)), index=cell_ids)
    area_ids = areas.area.to_numpy()
    apos = pd.Series(np.arange(len(area_ids)), index=area_ids)
    cell_site = spos[cells.site].to_numpy()
    site_region = rpos[sites.region].to_numpy()
    existing = (cells.status == "existing").to_numpy()
    forbidden = _chosen(cell_ids, inst.forbidden_cells)
    forced = _chosen(cell_ids, inst.forced_cells)
    cov = inst.coverage
    l_cell = cpos[cov.cell].to_numpy()
    l_area = apos[cov.area].to_numpy()
    l_mbps = cov.link_mbps.to_numpy(float)
    if (forbidden & ~existing).any():
        # a forbidden candidate is never built: without links it is left out like any candidate
        # that reaches no area (an existing one keeps its links for the status quo)
        keep = ~(forbidden & ~existing)[l_cell]
        l_cell, l_area, l_mbps = l_cell[keep], l_area[keep], l_mbps[keep]
    D = np.zeros((len(area_ids), T))
    if len(inst.demand):
        np.add.at(D, (apos[inst.demand.area].to_numpy(), inst.demand.period.to_numpy()),
                  inst.demand.mbps.to_numpy(float))
    linked = np.zeros(len(cell_ids), bool)
    linked[l_cell] = True
    # forced cells are built (a constant); a forbidden existing cell keeps its x, bounded to 0
    free = (((~existing & linked) | (existing & (inst.ran.allow_retire | forbidden)))
            & ~forced)
    fixed_on = (existing | forced) & ~free
    xvar = np.full(len(cell_ids), -1)
    xvar[free] = np.arange(free.sum())
    cap = cells.capacity_mbps.to_numpy(float)
    # flows: (link, t) with demand > 0; bound min(link_mbps, demand, capacity)
    dl = D[l_area]  # (L, T)
    li, ti = np.nonzero(dl > 0)
    f_ub = np.minimum(np.minimum(l_mbps[li], dl[li, ti]), cap[l_cell[li]])
    return RadioIndex(
        T=T, cell_ids=cell_ids, area_ids=area_ids, site_ids=site_ids, region_ids=region_ids,
        cell_site=cell_site, cell_region=site_region[cell_site],
        area_region=rpos[areas.region].to_numpy(), cap=cap,
        active_w=cells.active_w.to_numpy(float), load_w=cells.load_w.to_numpy(float),
        sleep_w=cells.sleep_w.to_numpy(float), wake_kwh=cells.wake_kwh.to_numpy(float),
        embodied=cells.embodied_kwh_per_year.to_numpy(float),
        is5g=(cells.tech == "5g").to_numpy(), existing=existing, free=free, fixed_on=fixed_on,
        forbidden=forbidden, forced=forced,
        xvar=xvar, linked=linked, demand=D, requires_5g=areas.requires_5g.to_numpy(bool),
        overhead_w=sites.overhead_w.to_numpy(float), l_cell=l_cell, l_area=l_area,
        l_mbps=l_mbps, f_link=li, f_t=ti, f_ub=f_ub)


def _chosen(ids: np.ndarray, chosen) -> np.ndarray:
    """Mask of ``ids`` that are in the set ``chosen`` (forced or forbidden ids)."""
    if not chosen:
        return np.zeros(len(ids), bool)
    return np.isin(ids, np.asarray(sorted(chosen), dtype=object))
