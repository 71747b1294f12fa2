"""NetworkX topologies built from an instance, and the structural checks run before solving."""
from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from .errors import Problems
from .model import RanConfig


def coverage_graph(cells: pd.DataFrame, areas: pd.DataFrame, coverage: pd.DataFrame) -> nx.Graph:
    """Bipartite graph: nodes ``("cell", id)`` and ``("area", id)``, edges carry link_mbps."""
    g = nx.Graph()
    g.add_nodes_from((("cell", c), {"kind": "cell"}) for c in cells.cell)
    g.add_nodes_from((("area", a), {"kind": "area"}) for a in areas.area)
    g.add_edges_from((("cell", c), ("area", a), {"link_mbps": float(m)})
                     for c, a, m in zip(coverage.cell, coverage.area, coverage.link_mbps))
    return g


def check_coverage(cells, areas, demand, coverage, ran: RanConfig, p: Problems) -> None:
    """Checks on the coverage graph that prove an instance infeasible before any solve.

    - an area that no cell reaches (or fewer than ``min_coverage`` cells);
    - an area that requires 5G with no 5G cell in reach;
    - an area whose demand in some period exceeds what all cells in reach could carry at
      full capacity (sum of min(link_mbps, capacity_mbps)), unless unserved demand is allowed.
    Isolated cells only warn.
    """
    g = coverage_graph(cells, areas, coverage)
    cov = coverage.merge(cells[["cell", "tech", "capacity_mbps"]], on="cell", how="left")
    need = ran.min_coverage
    counts = pd.Series([g.degree(("area", a)) for a in areas.area], index=areas.index)
    bad = counts < max(need, 1 if len(demand) else 0)
    none = bad & (counts == 0)
    if none.any():
        p.add_rows("areas.csv", np.flatnonzero(none), "no cell reaches this area", areas.area[none])
    few = bad & (counts > 0)
    if few.any() and need > 0:
        p.add_rows("areas.csv", np.flatnonzero(few),
                   f"fewer cells reach this area than [ran] min_coverage = {need}", areas.area[few])
    n5 = cov[cov.tech == "5g"].groupby("area").size()
    no5 = areas.requires_5g & (areas.area.map(n5).fillna(0) == 0)
    if no5.any():
        p.add_rows("areas.csv", np.flatnonzero(no5), "requires_5g but no 5G cell reaches it",
                   areas.area[no5], "requires_5g")
    if ran.unserved_penalty_kwh_per_mbps_h is None and len(demand):
        cov["reach"] = np.minimum(cov.link_mbps, cov.capacity_mbps)
        reach = cov.groupby("area").reach.sum()
        d = demand.assign(reach=demand.area.map(reach).fillna(0.0))
        over = d[d.mbps > d.reach + 1e-9]
        for (area,), grp in list(over.groupby(["area"]))[:10]:
            row = grp.loc[grp.mbps.idxmax()]
            p.add(f"demand.csv: area {area}: {row.mbps:g} Mbps in period {int(row.period)} exceeds "
                  f"the {row.reach:g} Mbps that all cells in reach carry at full capacity"
                  + (f" (and {len(grp) - 1} more periods)" if len(grp) > 1 else ""))
        n_over = over.area.nunique()
        if n_over > 10:
            p.add(f"demand.csv: {n_over - 10} more areas with demand above reachable capacity")
    iso = pd.Series([g.degree(("cell", c)) == 0 for c in cells.cell], index=cells.index)
    if iso.any():
        names = ", ".join(cells.cell[iso].head(5))
        more = f" and {iso.sum() - 5} more" if iso.sum() > 5 else ""
        p.warn(f"cells.csv: {iso.sum()} cells reach no area and will never be built or woken: "
               f"{names}{more}")
