"""Build instances/milan-dc: the Milan radio instance joined to a small data-centre part.

Rerun: python scripts/build_milan_dc.py [--milan instances/milan] [--out instances/milan-dc]

The radio tables are copied from instances/milan unchanged. Added (all stated assumptions,
sized for a joint benchmark rather than measured):
- a second region `alps` (Alpine hydro valley, ~250 km of fibre from Milan) with the same
  grid factor as Milan and 3 MW of run-of-river hydro available every hour to data centres
  (flat: run-of-river output hardly varies within a day);
- data centres: `mil-exist` (existing metro site, PUE 1.5, near the European average of
  older sites), `mil-new` (candidate metro site, PUE 1.25) and `alps-new` (candidate, PUE 1.15,
  free cooling), each 4 MW of IT; fixed power 2 % of IT capacity when open;
- compute: Milan's interactive load 1.5 MW at its busy hour, shaped by the instance's own
  hourly traffic (interactive work follows users), and 1.0 MW of batch work flat over the day;
- latency bound 5 ms: links.csv gives the fibre distance directly (250 km
  -> 1.25 ms at 0.005 ms/km), so both sites are allowed for interactive work.
"""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def build(milan: Path, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    for name in ("sites.csv", "cells.csv", "areas.csv", "demand.csv"):
        shutil.copyfile(milan / name, out / name)
    regions = pd.read_csv(milan / "regions.csv")
    alps = dict(region="alps", grid_co2_kg_per_kwh=float(regions.grid_co2_kg_per_kwh[0]),
                price_cny_per_kwh=float(regions.price_cny_per_kwh[0]), lat=46.17, lon=9.87)
    pd.concat([regions, pd.DataFrame([alps])]).to_csv(out / "regions.csv", index=False)
    demand = pd.read_csv(milan / "demand.csv").groupby("period").mbps.sum()
    shape = demand / demand.max()
    T = len(shape)
    pd.DataFrame({"region": "alps", "period": range(T), "renewable_kw": 3000.0}).to_csv(
        out / "renewables.csv", index=False)
    pd.DataFrame([
        dict(dc="mil-exist", region="milan", lat=45.48, lon=9.20, status="existing",
             max_it_kw=4000, fixed_kw=80, pue=1.5),
        dict(dc="mil-new", region="milan", lat=45.50, lon=9.12, status="candidate",
             max_it_kw=4000, fixed_kw=80, pue=1.25),
        dict(dc="alps-new", region="alps", lat=46.17, lon=9.87, status="candidate",
             max_it_kw=4000, fixed_kw=80, pue=1.15),
    ]).to_csv(out / "datacentres.csv", index=False)
    rows = [dict(region="milan", period=t, **{"class": "interactive"}, it_kw=round(1500 * shape[t], 3))
            for t in range(T)]
    rows += [dict(region="milan", period=t, **{"class": "batch"}, it_kw=1000.0) for t in range(T)]
    pd.DataFrame(rows)[["region", "period", "class", "it_kw"]].to_csv(out / "compute.csv", index=False)
    pd.DataFrame([dict(u="milan", v="alps", km=250.0)]).to_csv(out / "links.csv", index=False)
    toml = (milan / "instance.toml").read_text(encoding="utf-8")
    toml = toml.replace('name = "milan"', 'name = "milan-dc"').replace(
        'description = "', 'description = "Milan radio network joined to three data-centre sites; ')
    toml = toml.replace('kind = "energy"', 'kind = "grid_energy"')
    toml += "\n[datacentre]\ninteractive_latency_ms = 5\nbatch_shiftable = true\nmax_open = 2\n"
    (out / "instance.toml").write_text(toml, encoding="utf-8")
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--milan", type=Path, default=ROOT / "instances" / "milan")
    ap.add_argument("--out", type=Path, default=ROOT / "instances" / "milan-dc")
    a = ap.parse_args()
    print(f"wrote {build(a.milan, a.out)}")
