"""The plan as GeoJSON (RFC 7946): its sites, cells and data centres as points, for QGIS,
geopandas or a web map. Coordinates are [longitude, latitude] in WGS 84; yearly energy in
kWh, hours per horizon as in the results tables."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

FILE = "plan.geojson"


def _point(lon, lat) -> dict | None:
    if lon is None or lat is None or not (math.isfinite(lon) and math.isfinite(lat)):
        return None
    return {"type": "Point", "coordinates": [round(float(lon), 6), round(float(lat), 6)]}


def _plain(v):
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if not math.isfinite(v) else round(float(v), 6)
    return v


def cell_status(existing: bool, built: bool) -> str:
    """kept, retired (existing cells), new or not built (candidates)."""
    if existing:
        return "kept" if built else "retired"
    return "new" if built else "not built"


def features(solution, instance) -> dict:
    """The FeatureCollection of a solution's plan on ``instance`` (the one it was solved
    from): one feature per site, cell and data centre, ``kind`` telling which."""
    t = solution.tables
    hours = instance.time.period_hours
    weight = instance.time.weight
    out = []
    if instance.has_radio and "cells" in t and len(t["cells"]):
        sites = instance.sites.set_index("site")
        plan = t["cells"]
        per = plan.groupby("cell").agg(built=("built", "max"), awake=("awake", "sum"),
                                       power_w=("power_w", "sum"))
        site_rows = t.get("sites")
        if site_rows is not None and len(site_rows):
            for r in site_rows.itertuples(index=False):
                props = {"kind": "site", **{k: _plain(getattr(r, k)) for k in site_rows.columns
                                            if k not in ("lat", "lon")}}
                props["in_plan"] = bool(r.cells > 0)
                out.append({"type": "Feature", "geometry": _point(r.lon, r.lat),
                            "properties": props})
        for c in instance.cells.itertuples(index=False):
            p = per.loc[c.cell] if c.cell in per.index else None
            built = bool(p is not None and p.built > 0.5)
            s = sites.loc[c.site]
            out.append({"type": "Feature", "geometry": _point(s.lon, s.lat), "properties": {
                "kind": "cell", "cell": c.cell, "site": c.site, "technology": c.tech,
                "status": cell_status(c.status == "existing", built), "built": built,
                "hours_awake": _plain(float(p.awake) * hours if p is not None else 0.0),
                "energy_kwh": _plain(float(p.power_w) * hours / 1000.0 * weight
                                     if p is not None else 0.0)}})
    dcs = t.get("dc_sites")
    if dcs is not None and len(dcs):
        for r in dcs.itertuples(index=False):
            props = {"kind": "datacentre", **{k: _plain(getattr(r, k)) for k in dcs.columns
                                              if k not in ("lat", "lon")}}
            out.append({"type": "Feature", "geometry": _point(r.lon, r.lat), "properties": props})
    return {"type": "FeatureCollection", "name": str(solution.summary.get("instance") or "plan"),
            "features": out}


def write(solution, instance, folder: Path) -> Path:
    """``folder/plan.geojson``; returns its path."""
    path = Path(folder) / FILE
    path.write_text(json.dumps(features(solution, instance), separators=(",", ":")) + "\n",
                    encoding="utf-8")
    return path

