"""Model size estimated from an instance without building it (``netopt info``).

The counts follow the formulation's own variables and rows (radio.py, datacentre.py,
energy.py). Binaries are exact; the symmetry rows between interchangeable cells are not
counted, and rows of cells that reach no area are, so the other counts are within a few per
cent of the built model's (``netopt info --build`` counts exactly).
"""
from __future__ import annotations

import numpy as np


def estimate_size(inst) -> dict:
    """``binaries_estimated``, ``variables_estimated`` and ``constraints_estimated`` of the
    model of ``inst``, counted from its tables without building it."""
    T = inst.time.periods
    binaries = variables = constraints = 0
    if inst.has_radio:
        nc, na = len(inst.cells), len(inst.areas)
        linked = inst.cells.cell.isin(set(inst.coverage.cell))
        cand = inst.cells.status == "candidate"
        free = int((cand & linked).sum()) + (int((~cand).sum()) if inst.ran.allow_retire else 0)
        dem = inst.demand
        n_at = len(dem)  # area-periods with demand
        per_area = inst.coverage.groupby("area").size()
        flows = int(dem.area.map(per_area).fillna(0).sum())
        overhead = int((inst.sites.overhead_w > 0).sum())
        binaries += free + nc * T  # x (built or kept), a (awake)
        variables += free + nc * T + flows + overhead * T + (nc * T if T > 1 else 0)  # + f, s, v
        if inst.ran.unserved_penalty_kwh_per_mbps_h is not None:
            variables += n_at  # unserved
        mandate = int(inst.areas.requires_5g.sum()) * T
        # awake only if built, capacity, demand, coverage, 5G mandate, site on, wake-ups
        constraints += (free * T + nc * T + n_at + na * T + mandate + nc * T
                        + (nc * T if T > 1 else 0))
    if inst.has_datacentres:
        dcs, comp, routes = inst.datacentres, inst.compute, inst.routes
        cand = int((dcs.status == "candidate").sum())
        binaries += cand
        dcc = inst.datacentre
        comp = comp[comp.it_kw > 0]
        inter = comp[comp["class"] == "interactive"]
        batch = comp[comp["class"] == "batch"]
        ok = np.ones(len(routes), bool) if dcc.interactive_latency_ms is None else \
            routes.latency_ms.to_numpy(float) <= dcc.interactive_latency_ms + 1e-9
        routes_of = routes[ok].groupby("region").size()
        q = int(inter.region.map(routes_of).fillna(0).sum())  # interactive: demand periods
        all_routes = routes.groupby("region").size()
        if dcc.batch_shiftable:  # batch may run in any period
            q += int(all_routes.reindex(batch.region.unique()).fillna(0).sum()) * T
            batch_rows = batch.region.nunique()
        else:
            q += int(batch.region.map(all_routes).fillna(0).sum())
            batch_rows = len(batch.groupby(["region", "period"]))
        variables += cand + q
        constraints += (len(dcs) * T + len(inter.groupby(["region", "period"])) + batch_rows
                        + (dcc.max_open is not None))
    if inst.objective != "energy" and inst.renewables is not None:
        # grid power above the renewables, where a region has some in a period (energy.py)
        ren = inst.renewables
        n = len(ren[ren.renewable_kw > 0].groupby(["region", "period"]))
        variables += n
        constraints += n
    return dict(binaries_estimated=binaries, variables_estimated=variables,
                constraints_estimated=constraints)
