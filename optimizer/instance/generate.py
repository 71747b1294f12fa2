"""Seeded synthetic city instances (radio part) for tests, benchmarks and demos.

``generate_city(out_dir, sites=500, hours=24, seed=0)`` writes an instance folder in the
format of docs/ (instance.toml, regions.csv, sites.csv, cells.csv, areas.csv, demand.csv,
renewables.csv and a README.md stating every assumption and its source). The same arguments
give byte-identical files; everything is vectorised with numpy so 10,000 sites take seconds.

Geometry. Sites are drawn from a 2-D Gaussian mixture (a city centre, 2-4 sub-centres and a
wide suburban component) whose scale grows with sqrt(sites), with a minimum separation of
200 m, so the density decays away from the centre: inter-site distance about 250-300 m in
the core and above 1 km in the outskirts (3GPP TR 38.913 urban scenarios use 200-500 m for
5G and 500-1732 m for macro layers). Areas are the centres of 300 m grid squares drawn from
the same population density, about two per site, and only squares within 4G reach
(``REACH_4G_KM``) of at least two sites are kept, so coverage overlaps.

Cells. Every site has an existing ``macro-4g`` cell, denser sites 2-3 of them (sectors as
separate cells); most sites also get a candidate ``macro-5g`` cell, and sites in the core
have some existing 5G. Cell parameters come from the catalogue (models/) through the
``model`` column.

Demand. Peak Mbps per area is lognormal around the area's fair share of the existing 4G
capacity of its three nearest sites, scaled so the busy hour uses ``utilisation`` (default
0.5) of the existing 4G capacity and capped at 90 % of that fair share, so the existing 4G
layer alone can always serve it (the status quo is feasible). Each area's 24-hour shape is a
mix of the published Xu'17 residential, office and entertainment profiles
(optimizer/data/hourly_fraction_of_peak.csv), more office and entertainment near the centre.
"""

from __future__ import annotations

import math
import pathlib
from importlib import resources

import numpy as np
import pandas as pd

__all__ = ["generate_city", "hourly_profiles", "resample_hourly", "haversine_km"]

from .catalogue import load_catalogue
from .propagation import haversine_km  # re-exported: one great-circle formula

#: catalogue figures the generator relies on, read from models/catalogue.toml: Mbps and km
_CAT = load_catalogue()
CAPACITY_4G_MBPS = float(_CAT["macro-4g"]["capacity_mbps"])
REACH_4G_KM = float(_CAT["macro-4g"]["range_km"])
REACH_5G_KM = float(_CAT["macro-5g"]["range_km"])
#: radius within which an existing 5G cell is taken to serve a 5G-mandated area (conservative)
MANDATE_5G_KM = 0.5
AREA_SPACING_KM = 0.3
MIN_SITE_SEPARATION_KM = 0.2
KM_PER_DEG_LAT = 111.32

#: city centre: a generic eastern-China latitude (coordinates only matter for geometry)
CENTRE_LAT, CENTRE_LON = 31.23, 121.47

#: regions a synthetic city is split into (by angle around the centre). Grid emission
#: factors: China Ministry of Ecology and Environment, 2022 regional grid factors (kg CO2/kWh).
#: Prices: approximate general industrial and commercial flat-period tariffs, CNY/kWh (assumption).
REGION_TABLE = [
    ("east", 0.5617, 0.75, "East China grid (MEE 2022)"),
    ("south", 0.3869, 0.70, "South China grid (MEE 2022)"),
    ("north", 0.6776, 0.68, "North China grid (MEE 2022)"),
    ("southwest", 0.2268, 0.60, "Southwest China grid (MEE 2022)"),
]

#: rooftop PV assumed per site (kWp) and the national solar capacity factor
#: (about 1,218 full-load hours a year, CAICT 2023: 1218 / 8760)
PV_KWP_PER_SITE = 0.5
SOLAR_CAPACITY_FACTOR = 1218.0 / 8760.0

PROFILE_COLUMNS = ("xu17_residential_wed", "xu17_office_wed", "xu17_entertainment_wed")


def hourly_profiles() -> pd.DataFrame:
    """The published 24-hour profiles (fraction of peak), indexed by hour 0..23."""
    ref = resources.files("optimizer").joinpath("data", "hourly_fraction_of_peak.csv")
    with ref.open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, comment="#").set_index("hour")


def resample_hourly(shape24: np.ndarray, periods: int) -> np.ndarray:
    """Resample hourly means (last axis of length 24) to ``periods`` equal periods of a day.

    The 24 values are read as hourly means (piecewise constant), and each period gets the
    mean over its window, so 24 periods reproduce the input exactly and 12 average pairs.
    """
    shape24 = np.asarray(shape24, dtype=float)
    if periods == 24:
        return shape24.copy()
    if periods < 1:
        raise ValueError("periods must be >= 1")
    # exact window means on a common grid of 24 * periods sub-steps
    fine = np.repeat(shape24, periods, axis=-1)
    return fine.reshape(*shape24.shape[:-1], periods, 24).mean(axis=-1)


def _solar_shape24() -> np.ndarray:
    """Hourly mean of a clear-sky half-sine day (06-18 h), scaled to the national capacity factor."""
    h = np.arange(24, dtype=float)
    lo = np.clip(h, 6, 18)
    hi = np.clip(h + 1, 6, 18)
    mean_sin = (12 / math.pi) * (np.cos(math.pi * (lo - 6) / 12) - np.cos(math.pi * (hi - 6) / 12))
    return mean_sin * SOLAR_CAPACITY_FACTOR / mean_sin.mean()


def _xy_to_latlon(x_km, y_km):
    lat = CENTRE_LAT + y_km / KM_PER_DEG_LAT
    lon = CENTRE_LON + x_km / (KM_PER_DEG_LAT * math.cos(math.radians(CENTRE_LAT)))
    return lat, lon


def _mixture(rng: np.random.Generator, scale_km: float):
    """Components (weights, centres, sigmas) of the city's density."""
    n_sub = int(rng.integers(2, 5))
    ang = rng.uniform(0, 2 * math.pi, n_sub)
    dist = rng.uniform(1.2, 2.2, n_sub) * scale_km
    centres = np.vstack([[0.0, 0.0], np.c_[dist * np.cos(ang), dist * np.sin(ang)], [[0.0, 0.0]]])
    sub_w = rng.dirichlet(np.full(n_sub, 3.0)) * 0.35
    weights = np.concatenate([[0.45], sub_w, [0.20]])
    sigmas = np.concatenate([[scale_km], rng.uniform(0.4, 0.6, n_sub) * scale_km, [2.5 * scale_km]])
    return weights, centres, sigmas


def _sample(rng, n, weights, centres, sigmas):
    comp = rng.choice(len(weights), size=n, p=weights)
    return centres[comp] + rng.standard_normal((n, 2)) * sigmas[comp, None]


def _place_sites(rng, n, mix) -> np.ndarray:
    """n points from the mixture with a minimum separation (grid-hash rejection)."""
    sep = MIN_SITE_SEPARATION_KM
    accepted: list[tuple[float, float]] = []
    buckets: dict[tuple[int, int], list[int]] = {}
    while len(accepted) < n:
        cand = _sample(rng, 2 * (n - len(accepted)) + 16, *mix)
        keys = np.floor(cand / sep).astype(np.int64)
        for (x, y), (kx, ky) in zip(cand.tolist(), keys.tolist()):
            if clear_of(buckets, accepted, x, y, (kx, ky), lambda j: sep):
                buckets.setdefault((kx, ky), []).append(len(accepted))
                accepted.append((x, y))
                if len(accepted) == n:
                    break
    return np.asarray(accepted)


def clear_of(buckets: dict, points: list, x: float, y: float, key: tuple[int, int],
             radius_of) -> bool:
    """True when no point in the 3x3 grid buckets around ``key`` lies closer to (x, y) than
    ``radius_of(j)`` (the bucket side must be at least the largest radius)."""
    kx, ky = key
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            for j in buckets.get((kx + dx, ky + dy), ()):
                px, py = points[j]
                r = radius_of(j)
                if (px - x) ** 2 + (py - y) ** 2 < r * r:
                    return False
    return True


def _place_areas(rng, target, mix, site_xy, tree) -> np.ndarray:
    """Centres of distinct 300 m grid squares drawn from the density, each within 4G reach of
    at least two sites; about ``target`` of them (fewer only if the density is exhausted)."""
    chosen: dict[tuple[int, int], None] = {}
    for _ in range(30):
        need = target - len(chosen)
        if need <= 0:
            break
        pts = _sample(rng, 3 * need + 16, *mix)
        keys = np.floor(pts / AREA_SPACING_KM).astype(np.int64)
        centres = (keys + 0.5) * AREA_SPACING_KM
        counts = tree.query_ball_point(centres, REACH_4G_KM, return_length=True)
        for key, ok in zip(map(tuple, keys.tolist()), (counts >= 2).tolist()):
            if ok and key not in chosen:
                chosen[key] = None
                if len(chosen) == target:
                    break
    keys = np.array(sorted(chosen, key=lambda k: (k[1], k[0])), dtype=np.int64).reshape(-1, 2)
    return (keys + 0.5) * AREA_SPACING_KM


def generate_city(
    out_dir,
    sites: int,
    hours: int = 24,
    seed: int = 0,
    *,
    name: str | None = None,
    utilisation: float = 0.5,
) -> pathlib.Path:
    """Write a seeded synthetic city instance (radio part) into ``out_dir`` and return its path.

    Parameters
    ----------
    out_dir : path of the instance folder, written whole through a temporary folder beside it;
        an existing folder is replaced only when empty or an instance this generator wrote
        (otherwise :class:`optimizer.solution.OutputError`)
    sites : number of sites (exactly this many are written)
    hours : periods of the day; ``period_hours = 24 / hours`` so the horizon is one day
    seed : random seed; the same arguments give byte-identical files
    name : instance name (default ``city-<sites>-s<seed>``)
    utilisation : busy-hour demand as a fraction of the existing 4G capacity (default 0.5)
    """
    from scipy.spatial import cKDTree

    if sites < 2:
        raise ValueError("sites must be >= 2")
    if hours < 1:
        raise ValueError("hours must be >= 1")
    out = pathlib.Path(out_dir)
    from ..solution import check_instance_out
    check_instance_out(out, GENERATED)  # before the work: the folder may not be written
    name = name or f"city-{sites}-s{seed}"
    rng = np.random.default_rng(seed)

    # --- geometry -------------------------------------------------------------------------
    scale_km = 0.1 * math.sqrt(sites) + 0.3
    mix = _mixture(rng, scale_km)
    site_xy = _place_sites(rng, sites, mix)
    # sort sites by distance from the centre so ids read from the core outwards
    r_site = np.hypot(site_xy[:, 0], site_xy[:, 1])
    order = np.lexsort((site_xy[:, 0], r_site))
    site_xy, r_site = site_xy[order], r_site[order]
    tree = cKDTree(site_xy)
    area_xy = _place_areas(rng, 2 * sites, mix, site_xy, tree)
    n_area = len(area_xy)
    r_area = np.hypot(area_xy[:, 0], area_xy[:, 1])

    # --- regions (angular sectors around the centre) --------------------------------------
    n_reg = 1 if sites < 50 else 2 if sites < 500 else 3 if sites < 2000 else 4
    theta0 = rng.uniform(0, 2 * math.pi)

    def region_of(xy):
        ang = (np.arctan2(xy[:, 1], xy[:, 0]) - theta0) % (2 * math.pi)
        return np.minimum((ang / (2 * math.pi) * n_reg).astype(int), n_reg - 1)

    site_reg = region_of(site_xy)
    # an area belongs to the region of its nearest site
    _, nearest = tree.query(area_xy, k=1)
    area_reg = site_reg[nearest]

    # --- cells ----------------------------------------------------------------------------
    # local density: sites within 600 m; denser sites carry 2-3 4G sectors
    dens = tree.query_ball_point(site_xy, 0.6, return_length=True)
    u = rng.random(sites)
    n4g = 1 + (dens >= 4) * (u < 0.5) + (dens >= 6) * (u < 0.25)
    core = r_site <= np.quantile(r_site, 0.1)
    existing_5g = core & (rng.random(sites) < 0.5)
    candidate_5g = ~existing_5g & (rng.random(sites) < 0.8)
    overhead = np.round(rng.uniform(400, 900, sites) / 10) * 10

    site_ids = np.array([f"s{i}" for i in range(sites)], dtype=object)
    reg_names = np.array([REGION_TABLE[k][0] for k in range(n_reg)], dtype=object)
    rows_site = np.repeat(np.arange(sites), n4g)
    sector = np.concatenate([np.arange(k) for k in n4g]) if sites else np.array([], int)
    cell4 = pd.DataFrame(
        {
            "cell": [f"s{s}-4g{k}" for s, k in zip(rows_site.tolist(), sector.tolist())],
            "site": site_ids[rows_site],
            "tech": "4g",
            "status": "existing",
            "model": "macro-4g",
        }
    )
    i5 = np.flatnonzero(existing_5g | candidate_5g)
    cell5 = pd.DataFrame(
        {
            "cell": [f"s{s}-5g" for s in i5.tolist()],
            "site": site_ids[i5],
            "tech": "5g",
            "status": np.where(existing_5g[i5], "existing", "candidate"),
            "model": "macro-5g",
        }
    )
    cells = pd.concat([cell4, cell5], ignore_index=True)
    cells["_o"] = cells["site"].str[1:].astype(int)
    cells = cells.sort_values(["_o", "cell"], kind="stable").drop(columns="_o")

    # --- demand ---------------------------------------------------------------------------
    cap_site = n4g * CAPACITY_4G_MBPS
    k = min(3, sites)
    dist, nbr = tree.query(area_xy, k=k)
    nbr = nbr.reshape(n_area, k)
    dist = dist.reshape(n_area, k)
    # per-site rate to each area from the propagation model the planner itself uses
    # (one macro-4g cell's link_mbps times the site's 4G cells), so that the fair share below
    # is routable: area a takes at most min(site rate, site capacity / its users) from each of
    # its nearest sites, which never overloads a site -> the status quo is always feasible
    from .propagation import links_from_geometry
    slat0, slon0 = _xy_to_latlon(site_xy[:, 0], site_xy[:, 1])
    alat0, alon0 = _xy_to_latlon(area_xy[:, 0], area_xy[:, 1])
    probe = pd.DataFrame({"cell": np.arange(sites), "site": np.arange(sites), "tech": "4g",
                          "model": "macro-4g", "capacity_mbps": CAPACITY_4G_MBPS,
                          "range_km": REACH_4G_KM})
    lk = links_from_geometry(probe, pd.DataFrame({"site": np.arange(sites), "lat": slat0, "lon": slon0}),
                             pd.DataFrame({"area": np.arange(n_area), "lat": alat0, "lon": alon0}), _CAT)
    rate = np.zeros((n_area, k))
    if len(lk):
        key = pd.Series(lk.link_mbps.to_numpy(), index=pd.MultiIndex.from_arrays(
            [lk.area.to_numpy(int), lk.cell.to_numpy(int)]))
        idx = pd.MultiIndex.from_arrays([np.repeat(np.arange(n_area), k), nbr.ravel()])
        rate = key.reindex(idx).fillna(0.0).to_numpy().reshape(n_area, k) * n4g[nbr]
    valid = (dist <= REACH_4G_KM) & (rate > 0)
    users = np.bincount(nbr[valid], minlength=sites)  # areas that count on each site
    share = np.where(valid, np.minimum(rate, cap_site[nbr] / np.maximum(users[nbr], 1)), 0.0).sum(axis=1)

    prof = hourly_profiles()
    base = np.stack([prof[c].to_numpy() for c in PROFILE_COLUMNS])  # 3 x 24
    centrality = np.exp(-((r_area / scale_km) ** 2))
    alpha = np.c_[4 - 2.5 * centrality, 1 + 3 * centrality, 1 + 2 * centrality]
    g = rng.gamma(alpha)
    mixw = g / g.sum(axis=1, keepdims=True)
    shape24 = mixw @ base
    shape24 /= shape24.max(axis=1, keepdims=True)
    shape = resample_hourly(shape24, hours)
    shape /= shape.max(axis=1, keepdims=True)

    m = np.clip(rng.lognormal(-0.18, 0.6, n_area), 0.15, 3.0)
    cap_total = float(cap_site.sum())
    cap_frac = 0.9
    peak_rel = share * m
    s = 1.0
    for _ in range(30):  # scale to the target busy-hour utilisation, respecting the cap
        peak = np.minimum(s * peak_rel, cap_frac * share)
        busy = (peak[:, None] * shape).sum(axis=0).max()
        if busy <= 0:
            break
        ratio = utilisation * cap_total / busy
        if abs(ratio - 1) < 1e-6 or np.all(peak >= cap_frac * share - 1e-12):
            break
        s *= ratio
    peak = np.minimum(s * peak_rel, cap_frac * share)
    demand_mat = np.round(peak[:, None] * shape, 3)
    busy_total = float(demand_mat.sum(axis=0).max())

    # 5G mandate: a few central areas within MANDATE_5G_KM of an existing 5G site
    req5 = np.zeros(n_area, dtype=bool)
    if existing_5g.any():
        t5 = cKDTree(site_xy[existing_5g])
        d5, _ = t5.query(area_xy, k=1)
        central = r_area <= np.quantile(r_area, 0.1)
        req5 = (d5 <= MANDATE_5G_KM) & central & (rng.random(n_area) < 0.5)

    # --- write ----------------------------------------------------------------------------
    slat, slon = _xy_to_latlon(site_xy[:, 0], site_xy[:, 1])
    alat, alon = _xy_to_latlon(area_xy[:, 0], area_xy[:, 1])
    area_ids = np.array([f"a{i}" for i in range(n_area)], dtype=object)
    sites_df = pd.DataFrame(
        {"site": site_ids, "region": reg_names[site_reg], "lat": np.round(slat, 6),
         "lon": np.round(slon, 6), "overhead_w": overhead}
    )
    areas_df = pd.DataFrame(
        {"area": area_ids, "region": reg_names[area_reg], "lat": np.round(alat, 6),
         "lon": np.round(alon, 6), "requires_5g": np.where(req5, "true", "false")}
    )
    demand_df = pd.DataFrame(
        {"area": np.repeat(area_ids, hours), "period": np.tile(np.arange(hours), n_area),
         "mbps": demand_mat.ravel()}
    )
    reg_rows = []
    for r in range(n_reg):
        sel = site_reg == r
        rname, co2, price, _ = REGION_TABLE[r]
        lat_r = float(np.round(slat[sel].mean(), 6)) if sel.any() else CENTRE_LAT
        lon_r = float(np.round(slon[sel].mean(), 6)) if sel.any() else CENTRE_LON
        reg_rows.append((rname, co2, price, lat_r, lon_r))
    regions_df = pd.DataFrame(reg_rows, columns=["region", "grid_co2_kg_per_kwh", "price_cny_per_kwh", "lat", "lon"])
    solar = resample_hourly(_solar_shape24(), hours)
    n_sites_reg = np.bincount(site_reg, minlength=n_reg)
    ren_df = pd.DataFrame(
        {"region": np.repeat(reg_names, hours), "period": np.tile(np.arange(hours), n_reg),
         "renewable_kw": np.round(np.outer(n_sites_reg * PV_KWP_PER_SITE, solar).ravel(), 3)}
    )

    period_hours = 24.0 / hours
    toml = (
        f'name = "{name}"\n'
        f'description = "synthetic city, {sites} sites, {n_area} areas, {hours} periods, seed {seed} '
        f'{GENERATED}"\n\n'
        f"[time]\nperiods = {hours}\nperiod_hours = {period_hours!r}\nweight = 365\n\n"
        f'[objective]\nkind = "energy"\n\n'
        f"[ran]\nmin_coverage = 1\nallow_retire = false\n\n"
        f"[solver]\nmip_gap = 0.01\ntime_limit_s = 600\n"
    )
    stats = {
        "sites": sites, "areas": n_area, "cells": len(cells),
        "cells_4g": int(n4g.sum()), "existing_5g": int(existing_5g.sum()),
        "candidate_5g": int(candidate_5g.sum()), "requires_5g": int(req5.sum()),
        "cap_total": cap_total, "busy_total": busy_total, "regions": n_reg,
        "scale_km": scale_km, "hours": hours, "seed": seed,
    }
    from ..solution import write_instance_folder
    files = {"instance.toml": toml}
    for fname, df in (
        ("regions.csv", regions_df), ("sites.csv", sites_df), ("cells.csv", cells),
        ("areas.csv", areas_df), ("demand.csv", demand_df), ("renewables.csv", ren_df),
    ):
        files[fname] = df.to_csv(index=False, lineterminator="\n")
    files["README.md"] = _readme(name, stats)
    return write_instance_folder(out, GENERATED, files)


GENERATED = "(netopt generate_city)"  # the end of every generated instance's description


def _readme(name: str, st: dict) -> str:
    util = 100 * st["busy_total"] / st["cap_total"] if st["cap_total"] else 0.0
    regions = "\n".join(
        f"| {r} | {co2} | {price} | {src} |" for r, co2, price, src in REGION_TABLE[: st["regions"]]
    )
    return f"""# {name}: synthetic city instance

Written by `optimizer.instance.generate.generate_city` (seed {st['seed']}); rerunning it with
the same arguments gives byte-identical files. Radio part only; no coverage.csv, so links come
from geometry and the catalogue's radio model.

| item | value |
|---|---|
| sites | {st['sites']} |
| cells | {st['cells']} ({st['cells_4g']} existing 4G, {st['existing_5g']} existing 5G, {st['candidate_5g']} candidate 5G) |
| areas | {st['areas']} ({st['requires_5g']} with requires_5g) |
| periods | {st['hours']} per day, weight 365 |
| busy-hour demand | {st['busy_total']:.0f} Mbps = {util:.1f} % of existing 4G capacity ({st['cap_total']:.0f} Mbps) |

## Geometry
Sites: a 2-D Gaussian mixture (city centre sigma {st['scale_km']:.2f} km with 45 % of sites,
2-4 sub-centres with 35 %, a suburban component 2.5x wider with 20 %) with at least
{MIN_SITE_SEPARATION_KM * 1000:.0f} m between sites, so inter-site distances run from about
250-300 m in the core to over 1 km outside (urban scenarios of 3GPP TR 38.913 use 200-500 m
for 5G and 500-1732 m for macro layers). Areas: centres of {AREA_SPACING_KM * 1000:.0f} m
grid squares drawn from the same density (about two per site), each within
{REACH_4G_KM} km (macro-4g reach in the catalogue) of at least two sites.

## Cells
Every site has an existing `macro-4g` cell; sites with at least 3 (5) other sites within
600 m get a second (third) 4G sector with probability 0.5 (0.25), each sector a separate cell.
The 10 % of sites nearest the centre have an existing `macro-5g` cell with probability 0.5;
80 % of the other sites have a candidate `macro-5g` cell. Cell parameters come from the
catalogue through the `model` column.

## Demand
Peak Mbps of an area = lognormal factor (sigma 0.6) x the area's fair share of the existing 4G
capacity of its three nearest sites within reach ({CAPACITY_4G_MBPS:.0f} Mbps per macro-4g
cell, each site's capacity split evenly among the areas that count on it), scaled so that
the busy hour uses about half of the existing 4G capacity, and capped at 90 % of the fair
share, so the existing 4G layer alone can serve every area in every hour (the status quo is
feasible). Hourly shape: a random mix (Dirichlet, more office and entertainment near the
centre) of the Xu'17 Wednesday residential, office and entertainment profiles (Xu et al.,
IEEE/ACM Transactions on Networking 2017, as collected in the public repository
tmc-calc/mob-traffic-ds), each normalised to its peak; for other than 24 periods the hourly
means are averaged over each period and each area's shape is scaled back to a peak of 1, so
coarser periods carry more of the day at the busy-hour level. requires_5g is set on about half of the central 10 % of
areas that lie within {MANDATE_5G_KM} km of an existing 5G site.

## Sites, regions and renewables
Site overhead (rectifiers, air conditioning, transport equipment) is drawn uniformly in
400-900 W. This brackets the non-radio share of a site: GSMA reports about 28,665 kWh per
site per year (3.3 kW average), of which the radio units of the EARTH model (Auer et al.,
IEEE Wireless Communications 18(5), 2011: 780 W no-load to 1,344 W full-load per macro)
take 1-2.5 kW; the EARTH P0 already includes the radio's own cooling and supply losses, so a
conservative value is used here (an assumption).

Regions are angular sectors around the centre; each takes a Chinese regional grid's factor:

| region | grid kg CO2/kWh | price CNY/kWh | factor source |
|---|---|---|---|
{regions}

Grid factors: Ministry of Ecology and Environment of China, 2022 regional grid emission
factors. Prices are approximate general industrial and commercial flat-period tariffs
(an assumption for comparing scenarios, not a tariff quote).
renewables.csv: rooftop PV of {PV_KWP_PER_SITE} kWp per site, a clear-sky half-sine day
(06-18 h) scaled to China's average solar capacity factor of {SOLAR_CAPACITY_FACTOR:.3f}
(about 1,218 full-load hours a year, CAICT 2023).
"""
