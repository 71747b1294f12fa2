#!/usr/bin/env python3
"""Build the Milan planning instance (radio part) from the Telecom Italia Big Data Challenge grid.

    python scripts/build_milan.py --out instances/milan            # shipped: central window, >= 300 sites
    python scripts/build_milan.py --out milan-all --sites all  # whole grid, about 1,500 sites

Inputs are data/milan/squares.csv and data/milan/hourly_3squares.csv (see data/milan/README.md).
Every rule and assumption is written into the instance's README.md; the same arguments give
byte-identical files.
"""

from __future__ import annotations

import argparse
import math
import pathlib
import sys

import numpy as np
import pandas as pd
from scipy.ndimage import uniform_filter
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_flow

from optimizer.instance.generate import clear_of
from scipy.spatial import cKDTree

ROOT = pathlib.Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "milan"

GRID = 100  # squares per side
BLOCK = 2  # squares per area side: 2 x 2 squares of ~235 m -> ~470 m areas
CENTRE_SQUARE = 5161  # the busiest square (Duomo)
SHAPE_SQUARES = {"centre": 5161, "office": 4159, "evening": 4556}

# demand scaling (see README): people present x data SIMs per person x GB per SIM per day
PEOPLE_PRESENT = 2.0e6
DATA_SIMS_PER_PERSON = 0.97
OPERATOR_SHARE = 0.242
GB_PER_SIM_DAY = 0.78
# cell figures, the values of models/catalogue.toml (macro-4g, macro-5g capacity_mbps)
CAP_4G_MBPS = 150.0
CAP_5G_MBPS = 1500.0
# radii for the status-quo feasibility check: the catalogue's range_km (macro-4g 1.0 km,
# macro-5g 0.5 km)
CHECK_4G_KM = 1.0
CHECK_5G_KM = 0.5
MANDATE_5G_KM = 0.5
MANDATE_CENTRE_KM = 1.5
# site placement: minimum separation r = clip(R0 * (ref / density) ** 0.3, R_MIN, R_MAX) km
R0, R_MIN, R_MAX = 0.34, 0.28, 0.75
OVERHEAD_W = 600.0
SECTOR_LOAD = 1.0  # busy-hour load per 4G cell above which a site gets another sector
N_EXISTING_5G = 8  # existing 5G at the busiest sites (plus any still overloaded)
# Italy: grid factor and price
GRID_CO2 = 0.27
PRICE_EUR = 0.25
CNY_PER_EUR = 7.66
HOLIDAYS = {"2013-11-01", "2013-12-25", "2013-12-26", "2014-01-01", "2014-01-06"}
KM_PER_DEG = 111.32


def _xy(lat, lon, lat0, lon0):
    return np.c_[(np.asarray(lon) - lon0) * KM_PER_DEG * math.cos(math.radians(lat0)),
                 (np.asarray(lat) - lat0) * KM_PER_DEG]


def weekday_profiles(hourly: pd.DataFrame) -> pd.DataFrame:
    """Average weekday (Mon-Fri, public holidays excluded) 24-h profile of each square, / peak."""
    ts = pd.to_datetime(hourly["local_hour"], format="%Y-%m-%d %H:%M")
    keep = (ts.dt.day_of_week < 5) & ~ts.dt.strftime("%Y-%m-%d").isin(HOLIDAYS)
    h = hourly[keep].assign(hour=ts[keep].dt.hour)
    prof = h.groupby(["square_id", "hour"])["internet_activity"].mean().unstack("hour")
    return prof.div(prof.max(axis=1), axis=0)


def place_sites(sq: pd.DataFrame, xy: np.ndarray, seed: int):
    """Seeded activity-weighted placement with a density-dependent minimum separation."""
    rng = np.random.default_rng(seed)
    act = sq["internet_activity_2mo"].to_numpy().reshape(GRID, GRID)
    dens = uniform_filter(act, size=5, mode="nearest").ravel()
    ref = np.quantile(dens, 0.9)
    r = np.clip(R0 * (ref / dens) ** 0.3, R_MIN, R_MAX)
    # weighted random order (Efraimidis-Spirakis keys): busy squares tend to come first
    key = np.log(rng.random(len(dens))) / (dens / dens.max())
    order = np.argsort(-key, kind="stable")
    jitter = rng.uniform(-0.1, 0.1, (len(dens), 2))  # within the 235 m square
    accepted: list[int] = []
    pos: list[tuple[float, float]] = []
    cell = R_MAX
    buckets: dict[tuple[int, int], list[int]] = {}
    for i in order.tolist():
        x, y = xy[i] + jitter[i]
        kx, ky = int(math.floor(x / cell)), int(math.floor(y / cell))
        ri = r[i]
        if clear_of(buckets, pos, x, y, (kx, ky), lambda j: min(ri, r[accepted[j]])):
            buckets.setdefault((kx, ky), []).append(len(pos))
            pos.append((x, y))
            accepted.append(i)
    return np.asarray(pos), np.asarray(accepted)


def status_quo_feasible(cap, cell_xy, cell_r, area_xy, demand) -> tuple[bool, float]:
    """Max-flow check: can existing cells serve every area in every period within radius cell_r?"""
    n_c, n_a = len(cap), len(area_xy)
    tree = cKDTree(area_xy)
    src, snk = n_c + n_a, n_c + n_a + 1
    rows, cols = [], []
    for c in range(n_c):
        for a in tree.query_ball_point(cell_xy[c], cell_r[c]):
            rows.append(c)
            cols.append(n_c + a)
    big = int(cap.sum() * 1000) + 1
    worst = 1.0
    for t in range(demand.shape[1]):
        d = np.round(demand[:, t] * 1000).astype(np.int64)
        r = np.r_[np.full(n_c, src), rows, np.arange(n_c, n_c + n_a)]
        c = np.r_[np.arange(n_c), cols, np.full(n_a, snk)]
        v = np.r_[np.round(cap * 1000).astype(np.int64), np.full(len(rows), big), d]
        g = csr_matrix((v.astype(np.int32) if v.max() < 2**31 else v, (r, c)), shape=(n_c + n_a + 2,) * 2)
        flow = maximum_flow(g, src, snk).flow_value
        worst = min(worst, flow / max(d.sum(), 1))
    return worst >= 1 - 1e-6, worst


def build(out: pathlib.Path, sites_arg: str, seed: int) -> dict:
    sq = pd.read_csv(DATA / "squares.csv", comment="#").sort_values("square_id").reset_index(drop=True)
    hourly = pd.read_csv(DATA / "hourly_3squares.csv", comment="#")
    assert len(sq) == GRID * GRID
    prof = weekday_profiles(hourly)
    c_row = sq.loc[sq.square_id == CENTRE_SQUARE].iloc[0]
    lat0, lon0 = float(c_row.lat), float(c_row.lon)
    sq_xy = _xy(sq.lat, sq.lon, lat0, lon0)

    # --- areas: 2 x 2 blocks of squares ---------------------------------------------------
    row = (sq.square_id.to_numpy() - 1) // GRID
    col = (sq.square_id.to_numpy() - 1) % GRID
    blk = (row // BLOCK) * (GRID // BLOCK) + col // BLOCK
    areas = (
        sq.assign(block=blk, brow=row // BLOCK, bcol=col // BLOCK)
        .groupby("block")
        .agg(lat=("lat", "mean"), lon=("lon", "mean"), act=("internet_activity_2mo", "sum"),
             brow=("brow", "first"), bcol=("bcol", "first"))
        .reset_index()
    )
    a_xy = _xy(areas.lat, areas.lon, lat0, lon0)
    d_centre = np.hypot(a_xy[:, 0], a_xy[:, 1])
    w_c = np.exp(-((d_centre / 1.5) ** 2))
    W = np.c_[w_c, 0.4 * (1 - w_c), 0.6 * (1 - w_c)]
    P = np.stack([prof.loc[SHAPE_SQUARES[k]].to_numpy() for k in ("centre", "office", "evening")])
    shape = W @ P
    shape /= shape.max(axis=1, keepdims=True)
    daily_total_gb = PEOPLE_PRESENT * DATA_SIMS_PER_PERSON * OPERATOR_SHARE * GB_PER_SIM_DAY
    daily_gb = daily_total_gb * areas.act.to_numpy() / areas.act.sum()
    hourly_gb = daily_gb[:, None] * shape / shape.sum(axis=1, keepdims=True)
    demand = hourly_gb * 8000.0 / 3600.0  # GB per hour -> Mbps

    # --- sites and cells ------------------------------------------------------------------
    s_xy, s_sq = place_sites(sq, sq_xy, seed)
    n_s = len(s_xy)
    stree = cKDTree(s_xy)
    _, a_near = stree.query(a_xy, k=1)
    busy_h = int(np.argmax(demand.sum(axis=0)))
    # demand of the areas nearest to each site (Voronoi) at the busy hour
    vor = np.bincount(a_near, weights=demand.max(axis=1), minlength=n_s)
    n4g = np.clip(np.ceil(vor / (SECTOR_LOAD * CAP_4G_MBPS)), 1, 3).astype(int)
    # existing 5G at the busiest sites and wherever 3 sectors cannot carry the local busy hour
    s_centre = np.hypot(s_xy[:, 0], s_xy[:, 1])
    ex5 = vor > SECTOR_LOAD * n4g * CAP_4G_MBPS
    ex5[np.argsort(-vor, kind="stable")[:N_EXISTING_5G]] = True
    rng = np.random.default_rng(seed + 1)
    cand5 = ~ex5 & (rng.random(n_s) < 0.85)

    # --- window ---------------------------------------------------------------------------
    c_brow = int(areas.loc[np.argmin(d_centre), "brow"])
    c_bcol = int(areas.loc[np.argmin(d_centre), "bcol"])
    nb = GRID // BLOCK
    if sites_arg == "all":
        in_a = np.ones(len(areas), dtype=bool)
        half = nb
    else:
        want = int(sites_arg)
        for half in range(2, nb + 1):
            in_a = (np.abs(areas.brow - c_brow) <= half) & (np.abs(areas.bcol - c_bcol) <= half)
            in_a = in_a.to_numpy()
            lo, hi = a_xy[in_a].min(axis=0) - 0.235, a_xy[in_a].max(axis=0) + 0.235
            in_s = np.all((s_xy >= lo) & (s_xy <= hi), axis=1)
            if in_s.sum() >= want:
                break
    lo, hi = a_xy[in_a].min(axis=0) - 0.235, a_xy[in_a].max(axis=0) + 0.235
    in_s = np.all((s_xy >= lo) & (s_xy <= hi), axis=1)
    keep_s = np.flatnonzero(in_s)
    # order kept sites from the centre outwards
    keep_s = keep_s[np.lexsort((s_xy[keep_s, 0], s_centre[keep_s]))]
    keep_a = np.flatnonzero(in_a)

    # status-quo check (existing 4G + existing 5G within conservative radii)
    cell_site = np.r_[np.repeat(keep_s, n4g[keep_s]), keep_s[ex5[keep_s]]]
    cap = np.r_[np.full(n4g[keep_s].sum(), CAP_4G_MBPS), np.full(ex5[keep_s].sum(), CAP_5G_MBPS)]
    rad = np.r_[np.full(n4g[keep_s].sum(), CHECK_4G_KM), np.full(ex5[keep_s].sum(), CHECK_5G_KM)]
    feasible, worst = status_quo_feasible(cap, s_xy[cell_site], rad, a_xy[keep_a], demand[keep_a])
    if not feasible:
        raise SystemExit(f"status quo infeasible within the check radii: {worst:.4%} of demand served")

    # 5G mandate: very-centre areas within 0.5 km of an existing 5G site
    ex5_xy = s_xy[keep_s[ex5[keep_s]]]
    req5 = np.zeros(len(keep_a), dtype=bool)
    if len(ex5_xy):
        d5, _ = cKDTree(ex5_xy).query(a_xy[keep_a], k=1)
        req5 = (d5 <= MANDATE_5G_KM) & (d_centre[keep_a] <= MANDATE_CENTRE_KM)

    # --- write ----------------------------------------------------------------------------
    out.mkdir(parents=True, exist_ok=True)
    sid = {int(s): f"s{i}" for i, s in enumerate(keep_s.tolist())}
    s_lat = lat0 + s_xy[keep_s, 1] / KM_PER_DEG
    s_lon = lon0 + s_xy[keep_s, 0] / (KM_PER_DEG * math.cos(math.radians(lat0)))
    sites_df = pd.DataFrame({"site": [sid[s] for s in keep_s.tolist()], "region": "milan",
                             "lat": np.round(s_lat, 6), "lon": np.round(s_lon, 6),
                             "overhead_w": OVERHEAD_W})
    crow = []
    for s in keep_s.tolist():
        for k in range(n4g[s]):
            crow.append((f"{sid[s]}-4g{k}", sid[s], "4g", "existing", "macro-4g"))
        if ex5[s] or cand5[s]:
            crow.append((f"{sid[s]}-5g", sid[s], "5g", "existing" if ex5[s] else "candidate", "macro-5g"))
    cells_df = pd.DataFrame(crow, columns=["cell", "site", "tech", "status", "model"])
    aid = [f"a{int(b)}" for b in areas.block.to_numpy()[keep_a]]
    areas_df = pd.DataFrame({"area": aid, "region": "milan",
                             "lat": np.round(areas.lat.to_numpy()[keep_a], 6),
                             "lon": np.round(areas.lon.to_numpy()[keep_a], 6),
                             "requires_5g": np.where(req5, "true", "false")})
    dm = np.round(demand[keep_a], 3)
    demand_df = pd.DataFrame({"area": np.repeat(aid, 24), "period": np.tile(np.arange(24), len(aid)),
                              "mbps": dm.ravel()})
    price_cny = round(PRICE_EUR * CNY_PER_EUR, 3)
    regions_df = pd.DataFrame([("milan", GRID_CO2, price_cny, round(lat0, 6), round(lon0, 6))],
                              columns=["region", "grid_co2_kg_per_kwh", "price_cny_per_kwh", "lat", "lon"])
    name = "milan" if sites_arg != "all" else "milan-all"
    toml = (f'name = "{name}"\n'
            f'description = "Milan (Telecom Italia Big Data Challenge 2014 grid): {len(keep_s)} sites, '
            f'{len(keep_a)} areas of ~470 m, 24 hours of an average weekday"\n\n'
            "[time]\nperiods = 24\nperiod_hours = 1.0\nweight = 365\n\n"
            '[objective]\nkind = "energy"\n\n'
            "[ran]\nmin_coverage = 1\nallow_retire = false\n\n"
            "[solver]\nmip_gap = 0.01\ntime_limit_s = 300\n")
    _write(out / "instance.toml", toml)
    for fname, df in (("regions.csv", regions_df), ("sites.csv", sites_df), ("cells.csv", cells_df),
                      ("areas.csv", areas_df), ("demand.csv", demand_df)):
        _write(out / fname, df.to_csv(index=False, lineterminator="\n"))
    cap4 = float(n4g[keep_s].sum() * CAP_4G_MBPS)
    busy = float(dm.sum(axis=0).max())
    stats = dict(
        name=name, sites=len(keep_s), areas=len(keep_a), cells=len(cells_df),
        cells_4g=int(n4g[keep_s].sum()), ex5=int(ex5[keep_s].sum()),
        cand5=int((cand5 & ~ex5)[keep_s].sum()), req5=int(req5.sum()), cap4=cap4, busy=busy,
        util=busy / cap4, busy_hour=int(np.argmax(dm.sum(axis=0))), window_km=float((hi - lo).max()),
        daily_total_gb=daily_total_gb, city_busy=float(demand.sum(axis=0).max()), city_busy_hour=busy_h,
        city_sites=n_s, city_cap4=float(n4g.sum() * CAP_4G_MBPS), worst=worst, seed=seed,
        price_cny=price_cny, prof=prof,
    )
    _write(out / "README.md", _readme(stats, sites_arg))
    return stats


def _write(path: pathlib.Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def _readme(st: dict, sites_arg: str) -> str:
    prof = st["prof"]
    ptab = "\n".join(
        f"| {h} | " + " | ".join(f"{prof.loc[s, h]:.3f}" for s in (5161, 4159, 4556)) + " |"
        for h in range(24)
    )
    window = ("the whole 100 x 100 grid" if sites_arg == "all" else
              f"a square window of {st['window_km']:.1f} km around the busiest square (Duomo), the "
              f"smallest that holds at least {sites_arg} sites")
    return f"""# {st['name']}: Milan planning instance (radio part)

Built by `python scripts/build_milan.py --out instances/milan` (seed {st['seed']}, `--sites {sites_arg}`) from the Telecom
Italia Big Data Challenge 2014 Milan grid (data/milan/, Open Database License; Barlacchi et
al., "A multi-source dataset of urban life in the city of Milan and the Province of
Trentino", Scientific Data 2, 150055, 2015). Rerunning the script gives the same files.
Traffic is real in its spatial distribution and hourly shapes; the sites and cells are a
documented synthetic network (operators do not publish site lists), and the scaling to Mbps
is an assumption stated below.

| item | value |
|---|---|
| extent | {window} |
| sites | {st['sites']} |
| cells | {st['cells']} ({st['cells_4g']} existing 4G, {st['ex5']} existing 5G, {st['cand5']} candidate 5G) |
| areas | {st['areas']} ({st['req5']} with requires_5g) |
| periods | 24 hours of an average weekday, weight 365 |
| busy hour | hour {st['busy_hour']}: {st['busy']:.0f} Mbps = {100 * st['util']:.1f} % of existing 4G capacity ({st['cap4']:.0f} Mbps) |

## Areas
The grid's 10,000 squares of about 235 m are aggregated into 2 x 2 blocks (about 470 m,
2,500 areas over the whole grid); an area's id is `a<block>` with block = (row // 2) * 50 +
col // 2 over the 0-based grid row and column of square_id - 1, its position the mean of its
squares' centroids, its weight the sum of their two-month internet activity.

## Demand (Mbps)
Daily volume. The grid (about 23.5 x 23.5 km: Milan and its inner ring) is taken to hold
{PEOPLE_PRESENT / 1e6:.1f} million people on a weekday (assumption: Milan's about 1.37 million
residents, ISTAT, plus inner-ring residents and incoming commuters), with {DATA_SIMS_PER_PERSON}
data SIMs per person (AGCOM Osservatorio sulle comunicazioni 2023: about 57.2 million human
SIMs producing data traffic for about 59 million residents) and {GB_PER_SIM_DAY} GB per SIM per
day (AGCOM, average daily mobile data per SIM in 2023). The network modelled is one
operator's with a market share of {OPERATOR_SHARE} (TIM, the operator whose customers' activity the
data set records: 24.2 % of human SIMs at the end of September 2023, AGCOM), so the grid moves
{DATA_SIMS_PER_PERSON} x {PEOPLE_PRESENT / 1e6:.1f} M x {OPERATOR_SHARE} x {GB_PER_SIM_DAY} GB =
{st['daily_total_gb'] / 1e6:.3f} million GB a day. Each area gets the share of that volume equal
to its share of the grid's two-month internet activity.

Hourly shape. Each of the three squares with hourly data gets its average weekday profile
(Monday-Friday, the public holidays 1 Nov, 25-26 Dec, 1 and 6 Jan excluded; mean per hour,
divided by its peak): 5161 (the Duomo, busiest square: daytime, near zero at night),
4159 (a busy daytime, office-like square) and 4556 (evening peak at 22:00, residential).
An area's shape is the blend w * 5161 + 0.4 (1 - w) * 4159 + 0.6 (1 - w) * 4556 with
w = exp(-(d / 1.5 km)^2), d the distance from the Duomo, renormalised to peak 1: the centre
behaves like the Duomo square, the rest of the city like a mix of office and residential
squares. The area's daily volume is spread over the hours in proportion to its shape, and
GB per hour is converted to Mbps (x 8000 / 3600).

Whole grid: the busy hour (hour {st['city_busy_hour']}) carries {st['city_busy'] / 1000:.0f} Gbps,
{100 * st['city_busy'] / st['city_cap4']:.0f} % of the whole grid's existing 4G capacity
({st['city_sites']} sites, {st['city_cap4'] / 1000:.0f} Gbps).

| hour | 5161 (Duomo) | 4159 (office) | 4556 (evening) |
|---|---|---|---|
{ptab}

## Sites and cells
Site placement (the same on the whole grid for every `--sites`, so the shipped window is a
cut of the whole-city network): squares are visited in a seeded random order weighted by
activity (Efraimidis-Spirakis keys), and a site is placed in a square (jittered by up to
100 m) unless another site lies within the minimum separation r = clip({R0} km x
(d90 / d)^0.3, {R_MIN}, {R_MAX}) km, with d the square's activity smoothed over 5 x 5 squares
and d90 its 90th percentile. Inter-site distances thus run from about {R_MIN * 1000:.0f} m in the
busiest districts to about {R_MAX:.1f} km at the edges (3GPP TR 38.913 urban macro scenarios:
500-1732 m; 5G 200-500 m), about 1,500 sites over the whole grid.

Cells: each site has 1-3 existing `macro-4g` cells (sectors modelled as separate cells), as
many as needed to keep the busy-hour demand of the areas nearest to the site (its Voronoi
areas, each at its own peak) within {100 * SECTOR_LOAD:.0f} % of its 4G capacity ({CAP_4G_MBPS:.0f} Mbps per
cell, as in models/catalogue.toml), at most 3. The {N_EXISTING_5G} sites with the largest such
demand (in the busiest districts), and any site whose demand exceeds its 3 sectors, have an
existing `macro-5g` cell; 85 % of the other sites have a candidate `macro-5g`
cell (seeded). The window keeps the sites inside it, numbered from the centre outwards.
Site overhead: {OVERHEAD_W:.0f} W (rectifiers, air conditioning and transport; GSMA reports about
28,665 kWh per site per year, 3.3 kW average, of which the EARTH-model radio units take
1-2.5 kW; an assumption within that bracket).

Status quo check: with existing 4G cells serving areas within {CHECK_4G_KM} km and existing 5G
cells within {CHECK_5G_KM} km (the catalogue's range_km), a maximum
flow serves {100 * st['worst']:.1f} % of the demand in every hour, so keeping all existing cells awake
is feasible.

5G mandate: requires_5g = true for areas within {MANDATE_CENTRE_KM} km of the Duomo that lie within
{MANDATE_5G_KM} km of an existing 5G site (mandated only where it is already servable).

## Region
One region `milan`: grid emission factor {GRID_CO2} kg CO2/kWh (ISPRA, "Fattori di emissione
per la produzione ed il consumo di energia elettrica in Italia", 2022 electricity consumption,
about 0.26-0.28; rounded); price {PRICE_EUR} EUR/kWh (assumption: a typical Italian non-household
price in 2023) at {CNY_PER_EUR} CNY/EUR (approximate 2023 average ECB reference rate) =
{st['price_cny']} CNY/kWh. No renewables.csv: the instance has no on-site renewables.
"""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, type=pathlib.Path, help="instance folder to write")
    ap.add_argument("--sites", default="300", help="minimum number of sites in the central window, or 'all'")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    if a.sites != "all" and (not a.sites.isdigit() or int(a.sites) < 1):
        ap.error("--sites must be a positive integer or 'all'")
    st = build(a.out, a.sites, a.seed)
    print(f"{a.out}: {st['sites']} sites, {st['cells']} cells, {st['areas']} areas, "
          f"busy hour {100 * st['util']:.1f} % of existing 4G capacity")
    return 0


if __name__ == "__main__":
    sys.exit(main())
