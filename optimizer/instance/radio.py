"""Radio part of an instance: references, catalogue resolution, coverage links, checks."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import Problems
from .model import RanConfig
from .schema import CELL_PARAMS

REQUIRED_PARAMS = ("capacity_mbps", "active_w", "load_w", "sleep_w")
DEFAULT_ZERO = ("wake_kwh", "embodied_kwh_per_year")


def _resolve_cells(cells: pd.DataFrame, catalogue: dict, p: Problems) -> pd.DataFrame:
    """Fill each cell's power parameters from its catalogue entry; per-row values win."""
    cells = cells.copy()
    unknown = cells.model.ne("") & ~cells.model.isin(list(catalogue))
    if unknown.any():
        p.add_rows("cells.csv", np.flatnonzero(unknown),
                   f"model not in the catalogue (known: {', '.join(sorted(catalogue)) or 'none'})",
                   cells.cell[unknown], "model")
    for param in CELL_PARAMS:
        from_cat = cells.model.map(lambda m: catalogue.get(m, {}).get(param, np.nan)).astype(float)
        cells[param] = cells[param].astype(float).fillna(from_cat)
    for param in DEFAULT_ZERO:
        cells[param] = cells[param].fillna(0.0)
    for param in REQUIRED_PARAMS:
        miss = cells[param].isna() & ~unknown
        if miss.any():
            p.add_rows("cells.csv", np.flatnonzero(miss),
                       "no value and no catalogue model to take it from", cells.cell[miss], param)
    mism = cells.model.isin(list(catalogue)) & (
        cells.model.map(lambda m: catalogue.get(m, {}).get("tech", "")) != cells.tech)
    if mism.any():
        p.add_rows("cells.csv", np.flatnonzero(mism), "tech differs from the model's tech",
                   cells.cell[mism], "tech")
    return cells


def resolve_radio(parsed: dict, ran: RanConfig, T: int, region_ids: set, p: Problems,
                  catalogue: dict) -> tuple[dict, str]:
    sites, cells = parsed["sites.csv"], parsed["cells.csv"]
    areas, demand = parsed["areas.csv"], parsed["demand.csv"]
    from .load import _periods, _refs
    _refs(p, sites, "sites.csv", "region", region_ids, "regions.csv", sites.site)
    _refs(p, areas, "areas.csv", "region", region_ids, "regions.csv", areas.area)
    _refs(p, cells, "cells.csv", "site", set(sites.site), "sites.csv", cells.cell)
    _refs(p, demand, "demand.csv", "area", set(areas.area), "areas.csv")
    _periods(p, demand, "demand.csv", T, demand.area + "," + demand.period.astype(str))
    cells = _resolve_cells(cells, catalogue, p)
    low = cells.sleep_w > cells.active_w
    if low.any():
        p.add_rows("cells.csv", np.flatnonzero(low), "sleep_w is above active_w",
                   cells.cell[low], "sleep_w")
    if "coverage.csv" in parsed:
        cov = parsed["coverage.csv"]
        _refs(p, cov, "coverage.csv", "cell", set(cells.cell), "cells.csv")
        _refs(p, cov, "coverage.csv", "area", set(areas.area), "areas.csv")
        source = "file"
    else:
        miss = cells.range_km.isna()
        if miss.any():
            p.add_rows("cells.csv", np.flatnonzero(miss),
                       "no range_km (needed to derive coverage without coverage.csv)",
                       cells.cell[miss], "range_km")
        cov = None
        source = "geometry"
    if p:
        return {}, source
    if cov is None:
        from .propagation import links_from_geometry
        geo = links_from_geometry(cells, sites, areas, catalogue)
        cov = geo[["cell", "area", "link_mbps"]].reset_index(drop=True)
    demand = demand[demand.mbps > 0].reset_index(drop=True)
    from .topology import check_coverage
    check_coverage(cells, areas, demand, cov, ran, p)
    return dict(sites=sites, cells=cells, areas=areas, demand=demand, coverage=cov), source
