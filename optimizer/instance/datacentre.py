"""Data-centre part of an instance: references, the route table, and checks before solving.

Routes (region -> data centre) come from, in order of precedence:
1. ``routes.csv``: it lists every allowed route with its latency and transport energy;
2. ``links.csv``: the fibre backbone between regions as a NetworkX graph; the shortest path
   in km from the region to the data centre's region gives the distance;
3. neither: great-circle km between the region's and the data centre's coordinates times
   ``[datacentre] route_factor`` (fibre routes are longer than great circles).
From km: latency_ms = km * fibre_ms_per_km; transport_kwh_per_kwh = km / 1000 *
transport_kwh_per_kwh_per_1000km (docs/model.md justifies both defaults). A region's own data
centre is 0 km away on the graph (the backbone is between regions).
"""
from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from .errors import Problems
from .model import DatacentreConfig
from .propagation import haversine_km


def fibre_graph(links: pd.DataFrame) -> nx.Graph:
    """Undirected backbone graph, edge attribute ``km`` (the shorter of parallel links)."""
    g = nx.Graph()
    for u, v, km in zip(links.u, links.v, links.km):
        if g.has_edge(u, v) and g[u][v]["km"] <= km:
            continue
        g.add_edge(u, v, km=float(km))
    return g


def route_table(regions: pd.DataFrame, dcs: pd.DataFrame, links: pd.DataFrame | None,
                dcc: DatacentreConfig) -> pd.DataFrame:
    """Every (region, dc) route with km, latency_ms and transport_kwh_per_kwh."""
    R, D = len(regions), len(dcs)
    reg = np.repeat(regions.region.to_numpy(), D)
    dc = np.tile(dcs.dc.to_numpy(), R)
    dreg = np.tile(dcs.region.to_numpy(), R)
    if links is not None:
        g = fibre_graph(links)
        g.add_nodes_from(regions.region)
        dist = dict(nx.all_pairs_dijkstra_path_length(g, weight="km"))
        km = np.array([dist[a].get(b, np.inf) for a, b in zip(reg, dreg)], float)
        source = "links.csv shortest path"
    else:
        rlat = regions.set_index("region").lat
        rlon = regions.set_index("region").lon
        km = haversine_km(rlat[reg].to_numpy(float), rlon[reg].to_numpy(float),
                           np.tile(dcs.lat.to_numpy(float), R), np.tile(dcs.lon.to_numpy(float), R))
        km = km * dcc.route_factor
        source = f"great circle x {dcc.route_factor:g}"
    out = pd.DataFrame({"region": reg, "dc": dc, "km": km})
    out = out[np.isfinite(out.km)].reset_index(drop=True)
    out["latency_ms"] = out.km * dcc.fibre_ms_per_km
    out["transport_kwh_per_kwh"] = out.km / 1000.0 * dcc.transport_kwh_per_kwh_per_1000km
    out.attrs["source"] = source
    return out


def check_datacentre(parsed: dict, dcc: DatacentreConfig, T: int, region_ids: set,
                     p: Problems) -> dict:
    from .load import _periods, _refs
    dcs, comp = parsed["datacentres.csv"], parsed["compute.csv"]
    regions = parsed["regions.csv"]
    _refs(p, dcs, "datacentres.csv", "region", region_ids, "regions.csv", dcs.dc)
    _refs(p, comp, "compute.csv", "region", region_ids, "regions.csv")
    _periods(p, comp, "compute.csv", T, comp.region + "," + comp.period.astype(str))
    out = dict(datacentres=dcs, compute=comp)
    existing = int((dcs.status == "existing").sum())
    if dcc.max_open is not None and existing > dcc.max_open:
        # existing sites stay open and count towards the limit (DESIGN.md)
        p.add(f"instance.toml: [datacentre] max_open = {dcc.max_open} is below the {existing} "
              f"existing data centres of datacentres.csv, which stay open")
    links = parsed.get("links.csv")
    if links is not None:
        _refs(p, links, "links.csv", "u", region_ids, "regions.csv")
        _refs(p, links, "links.csv", "v", region_ids, "regions.csv")
        loop = links.u == links.v
        if loop.any():
            p.add_rows("links.csv", np.flatnonzero(loop), "a link from a region to itself",
                       links.u[loop] + "," + links.v[loop])
        # the backbone is undirected: v-u after u-v is the same link given twice
        pair = pd.Series([tuple(sorted(uv)) for uv in zip(links.u, links.v)], index=links.index)
        again = pair.duplicated() & ~loop
        if again.any():
            p.add_rows("links.csv", np.flatnonzero(again), "the same link as an earlier row "
                       "(links are undirected)", links.u[again] + "," + links.v[again])
        out["links"] = links
    if "routes.csv" in parsed:
        routes = parsed["routes.csv"]
        _refs(p, routes, "routes.csv", "region", region_ids, "regions.csv")
        _refs(p, routes, "routes.csv", "dc", set(dcs.dc), "datacentres.csv")
        routes = routes.copy()
        routes.attrs["source"] = "routes.csv"
    else:
        routes = None
        if links is None:
            for file, df, key in (("regions.csv", regions, "region"), ("datacentres.csv", dcs, "dc")):
                miss = df.lat.isna() | df.lon.isna()
                if miss.any():
                    p.add_rows(file, np.flatnonzero(miss), "lat and lon are needed for "
                               "great-circle routes (no routes.csv or links.csv)", df[key][miss])
    if p:
        return out
    if routes is None:
        routes = route_table(regions, dcs, links, dcc)
    out["routes"] = routes
    _check_reach(routes, dcs, comp, dcc, T, p)
    return out


def _check_reach(routes, dcs, comp, dcc: DatacentreConfig, T: int, p: Problems) -> None:
    """Interactive demand that no data centre reaches within the latency bound; demand above
    total capacity; batch work with no route at all."""
    inter = comp[(comp["class"] == "interactive") & (comp.it_kw > 0)]
    lim = dcc.interactive_latency_ms
    for region in sorted(inter.region.unique()):
        r = routes[routes.region == region]
        if r.empty:
            p.add(f"compute.csv: region {region}: interactive demand but no route to any data centre")
        elif lim is not None and (r.latency_ms > lim + 1e-9).all():
            best = r.loc[r.latency_ms.idxmin()]
            p.add(f"compute.csv: region {region}: interactive demand but no data centre within "
                  f"{lim:g} ms (nearest: {best.dc} at {best.latency_ms:.3g} ms)")
    batch = comp[(comp["class"] == "batch") & (comp.it_kw > 0)]
    for region in sorted(set(batch.region) - set(routes.region)):
        p.add(f"compute.csv: region {region}: batch demand but no route to any data centre")
    cap = float(dcs.max_it_kw.sum())
    per = comp.groupby("period").it_kw.sum()
    if dcc.batch_shiftable:
        peak_inter = inter.groupby("period").it_kw.sum()
        if len(peak_inter) and peak_inter.max() > cap + 1e-9:
            t = int(peak_inter.idxmax())
            p.add(f"compute.csv: period {t}: interactive demand {peak_inter.max():g} kW exceeds the "
                  f"{cap:g} kW of all data centres together")
        T_total = comp.it_kw.sum()
        if T_total > cap * T + 1e-9:
            p.add(f"compute.csv: total demand {T_total:g} kWh-per-period exceeds what all data "
                  f"centres together can serve over the horizon")
    elif len(per) and per.max() > cap + 1e-9:
        t = int(per.idxmax())
        p.add(f"compute.csv: period {t}: demand {per.max():g} kW exceeds the {cap:g} kW of all "
              f"data centres together")
