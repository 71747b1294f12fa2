"""Data-centre part of an instance: references and checks."""
from __future__ import annotations

from .errors import Problems
from .model import DatacentreConfig


def check_datacentre(parsed: dict, dcc: DatacentreConfig, T: int, region_ids: set,
                     p: Problems) -> dict:
    from .load import _periods, _refs
    dcs, comp = parsed["datacentres.csv"], parsed["compute.csv"]
    _refs(p, dcs, "datacentres.csv", "region", region_ids, "regions.csv", dcs.dc)
    _refs(p, comp, "compute.csv", "region", region_ids, "regions.csv")
    _periods(p, comp, "compute.csv", T, comp.region + "," + comp.period.astype(str))
    out = dict(datacentres=dcs, compute=comp)
    if "links.csv" in parsed:
        links = parsed["links.csv"]
        _refs(p, links, "links.csv", "u", region_ids, "regions.csv")
        _refs(p, links, "links.csv", "v", region_ids, "regions.csv")
        out["links"] = links
    if "routes.csv" in parsed:
        routes = parsed["routes.csv"]
        _refs(p, routes, "routes.csv", "region", region_ids, "regions.csv")
        _refs(p, routes, "routes.csv", "dc", set(dcs.dc), "datacentres.csv")
        out["routes"] = routes
    return out
