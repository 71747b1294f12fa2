#!/usr/bin/env python3
"""Build the China data-centre planning instance ("East Data, West Computing").

    python scripts/build_china.py --out instances/china [--hours 24] [--scale 0.10]

31 provincial regions of mainland China, the 10 national computing clusters as candidate
sites, six existing metro sites in the east, a fibre backbone between provincial capitals,
contracted wind and solar supply, and compute demand in proportion to provincial GDP.
Needs pvlib for the clear-sky solar shape (`pip install -e .[china]`). Every number and
assumption is written into the instance's README.md; the same arguments give the same files.
"""

from __future__ import annotations

import argparse
import pathlib

import numpy as np
import pandas as pd

from optimizer.instance.propagation import haversine_km

# --- regions: provincial capital (lat, lon), regional grid (MEE 2022 grid division) ------------
# Capital coordinates: city-centre values rounded to 0.01 deg (public gazetteers, e.g. GeoNames).
REGIONS = [
    # region, capital, lat, lon, grid
    ("beijing", "Beijing", 39.90, 116.41, "North"),
    ("tianjin", "Tianjin", 39.13, 117.20, "North"),
    ("hebei", "Shijiazhuang", 38.04, 114.51, "North"),
    ("shanxi", "Taiyuan", 37.87, 112.55, "North"),
    ("shandong", "Jinan", 36.65, 117.12, "North"),
    ("inner_mongolia", "Hohhot", 40.84, 111.75, "North"),
    ("liaoning", "Shenyang", 41.80, 123.43, "Northeast"),
    ("jilin", "Changchun", 43.82, 125.32, "Northeast"),
    ("heilongjiang", "Harbin", 45.80, 126.53, "Northeast"),
    ("shanghai", "Shanghai", 31.23, 121.47, "East"),
    ("jiangsu", "Nanjing", 32.06, 118.80, "East"),
    ("zhejiang", "Hangzhou", 30.27, 120.16, "East"),
    ("anhui", "Hefei", 31.82, 117.23, "East"),
    ("fujian", "Fuzhou", 26.07, 119.30, "East"),
    ("henan", "Zhengzhou", 34.75, 113.63, "Central"),
    ("hubei", "Wuhan", 30.59, 114.31, "Central"),
    ("hunan", "Changsha", 28.23, 112.94, "Central"),
    ("jiangxi", "Nanchang", 28.68, 115.86, "Central"),
    ("shaanxi", "Xi'an", 34.34, 108.94, "Northwest"),
    ("gansu", "Lanzhou", 36.06, 103.83, "Northwest"),
    ("qinghai", "Xining", 36.62, 101.78, "Northwest"),
    ("ningxia", "Yinchuan", 38.49, 106.23, "Northwest"),
    ("xinjiang", "Urumqi", 43.83, 87.62, "Northwest"),
    ("guangdong", "Guangzhou", 23.13, 113.26, "South"),
    ("guangxi", "Nanning", 22.82, 108.32, "South"),
    ("hainan", "Haikou", 20.04, 110.20, "South"),
    ("guizhou", "Guiyang", 26.65, 106.63, "South"),
    ("yunnan", "Kunming", 25.04, 102.71, "South"),
    ("sichuan", "Chengdu", 30.57, 104.07, "Southwest"),
    ("chongqing", "Chongqing", 29.56, 106.55, "Southwest"),
    ("tibet", "Lhasa", 29.65, 91.14, "Southwest"),
]
# Ministry of Ecology and Environment, 2022 grid CO2 emission factors, kg/kWh.
GRID_FACTOR_2022 = {"North": 0.6776, "Northeast": 0.5564, "East": 0.5617, "Central": 0.5395,
                    "Northwest": 0.5857, "South": 0.3869, "Southwest": 0.2268}
NATIONAL_FACTOR_2022 = 0.5366
# Provincial 2022 factors (secondary source, as listed in the project's references).
PROVINCE_FACTOR_2022 = {"hebei": 0.7252, "shanxi": 0.7096, "tianjin": 0.7041,
                        "inner_mongolia": 0.6849, "ningxia": 0.6423, "xinjiang": 0.6231,
                        "beijing": 0.558, "shanghai": 0.5849, "guizhou": 0.4989, "gansu": 0.4772,
                        "guangdong": 0.4403, "qinghai": 0.1567, "sichuan": 0.1404, "yunnan": 0.1073}
# ASSUMPTION (not a citation): representative large-industry electricity price, CNY/kWh, by
# regional grid, with lower values for the resource-rich north-western provinces. Chinese
# 1-10 kV large-industry tariffs (grid-agency purchase prices) lie roughly in 0.35-0.75
# CNY/kWh; these round values only order the regions plausibly. Used by the `cost` objective.
PRICE_BY_GRID = {"North": 0.60, "Northeast": 0.60, "East": 0.68, "Central": 0.65,
                 "Northwest": 0.42, "South": 0.66, "Southwest": 0.52}
PRICE_OVERRIDE = {"inner_mongolia": 0.42, "guizhou": 0.55, "yunnan": 0.48, "qinghai": 0.38,
                  "xinjiang": 0.38}

# --- compute demand proxy: 2022 provincial GDP, 100 million CNY -------------------------------
# Secondary: compiled from the provinces' 2022 statistical communiqués (as first published in
# early 2023; later revisions change them slightly). Used only as shares.
GDP_2022 = {"guangdong": 129118.6, "jiangsu": 122875.6, "shandong": 87435.1, "zhejiang": 77715.4,
            "henan": 61345.1, "sichuan": 56749.8, "hubei": 53734.9, "fujian": 53109.9,
            "hunan": 48670.4, "anhui": 45045.0, "shanghai": 44652.8, "hebei": 42370.4,
            "beijing": 41610.9, "shaanxi": 32772.7, "jiangxi": 32074.7, "chongqing": 29129.0,
            "liaoning": 28975.1, "yunnan": 28954.2, "guangxi": 26300.9, "shanxi": 25642.6,
            "inner_mongolia": 23158.6, "guizhou": 20164.6, "xinjiang": 17741.3,
            "tianjin": 16311.3, "heilongjiang": 15901.0, "jilin": 13070.2, "gansu": 11201.6,
            "hainan": 6818.2, "ningxia": 5069.6, "qinghai": 3610.1, "tibet": 2132.6}

# --- national data-centre load (CAICT 2023) ----------------------------------------------------
DC_TWH_2022 = 76.6       # data-centre electricity 2022
PUE_NATIONAL = 1.49      # average PUE 2022 (large and hyperscale 1.39)
INTERACTIVE_SHARE = 0.6  # ASSUMPTION: 60 % interactive, 40 % batch
# Interactive hourly shape (hour of day, local time, mean 1): weekday mean of the three Milan
# squares' internet activity (Telecom Italia Big Data Challenge 2014, Barlacchi et al., Sci.
# Data 2, 150055, 2015; data/milan/hourly_3squares.csv, Mon-Fri, holidays excluded), each
# square normalised to mean 1, averaged, renormalised. A published daytime-peaked profile of
# user-facing traffic, applied to China Standard Time hours.
INTERACTIVE_SHAPE = [0.629, 0.477, 0.387, 0.345, 0.318, 0.314, 0.345, 0.486, 0.768, 0.985,
                     1.177, 1.329, 1.527, 1.704, 1.709, 1.607, 1.600, 1.533, 1.447, 1.312,
                     1.148, 1.046, 0.964, 0.843]

# --- data centres -------------------------------------------------------------------------------
# The 10 national computing clusters (NDRC et al. 2022), approximate coordinates. PUE targets:
# clusters of the four demand hubs (Beijing-Tianjin-Hebei, Yangtze River Delta, Guangdong-HK-
# Macao, Chengdu-Chongqing) <= 1.25; of the four western hubs (Inner Mongolia, Guizhou, Gansu,
# Ningxia) <= 1.2.
CLUSTERS = [
    # dc, region, lat, lon, hub group
    ("zhangjiakou", "hebei", 40.8, 114.9, "east"),
    ("yangtze_delta", "jiangsu", 31.0, 120.9, "east"),  # Qingpu-Wujiang-Jiashan zone; the point lies in Wujiang (Suzhou, Jiangsu)
    ("wuhu", "anhui", 31.3, 118.4, "east"),
    ("shaoguan", "guangdong", 24.8, 113.6, "east"),
    ("tianfu", "sichuan", 30.5, 104.0, "east"),
    ("chongqing_cluster", "chongqing", 29.7, 106.4, "east"),
    ("horinger", "inner_mongolia", 40.4, 111.8, "west"),
    ("guian", "guizhou", 26.4, 106.3, "west"),
    ("qingyang", "gansu", 35.7, 107.6, "west"),
    ("zhongwei", "ningxia", 37.5, 105.2, "west"),
]
PUE_TARGET = {"east": 1.25, "west": 1.2}
# Existing large sites in the eastern metros (city-centre coordinates).
EXISTING = [
    ("bj_metro", "beijing", 39.90, 116.41),
    ("sh_metro", "shanghai", 31.23, 121.47),
    ("gz_metro", "guangdong", 23.13, 113.26),
    ("sz_metro", "guangdong", 22.54, 114.06),
    ("hz_metro", "zhejiang", 30.27, 120.16),
    ("sz_js_metro", "jiangsu", 31.30, 120.59),  # Suzhou
]
CLUSTER_IT_KW = 200_000.0   # ASSUMPTION: 200 MW IT per candidate cluster site
EXISTING_IT_KW = 60_000.0   # ASSUMPTION: 60 MW IT per existing metro site
FIXED_SHARE = 0.02          # ASSUMPTION: fixed facility power 2 % of IT capacity
PUE_EXISTING = 1.49         # CAICT 2023 national average

# --- backbone -----------------------------------------------------------------------------------
NEIGHBOURS = 3        # each capital links to its 3 nearest capitals
ROUTE_FACTOR = 1.5    # fibre km = great-circle km x 1.5 (same planning assumption as the model default)

# --- renewables ---------------------------------------------------------------------------------
# CAICT 2023: provincial wind and solar output 2022, TWh; national full-load hours.
WIND_TWH = {"inner_mongolia": 101.99, "xinjiang": 55.84, "hebei": 55.16}
SOLAR_TWH = {"qinghai": 18.43, "hebei": 17.64}
WIND_FLH = 2259.0   # h/yr, 2022
SOLAR_FLH = 1218.0  # h/yr, Jan-Nov 2023 (about)
CONTRACT_SHARE = 0.01  # ASSUMPTION: data centres may contract 1 % of a province's published output
SOLAR_DAY = "2022-03-20"  # equinox, representative day
TZ = "Asia/Shanghai"


def build_regions() -> pd.DataFrame:
    rows = []
    for r, capital, lat, lon, grid in REGIONS:
        if r in PROVINCE_FACTOR_2022:
            f, src = PROVINCE_FACTOR_2022[r], "provincial 2022"
        else:
            f, src = GRID_FACTOR_2022[grid], f"{grid} grid 2022"
        price = PRICE_OVERRIDE.get(r, PRICE_BY_GRID[grid])
        rows.append(dict(region=r, grid_co2_kg_per_kwh=f, price_cny_per_kwh=price, lat=lat, lon=lon,
                         _capital=capital, _grid=grid, _factor_source=src))
    return pd.DataFrame(rows)


def build_links(regions: pd.DataFrame) -> pd.DataFrame:
    import networkx as nx
    ids = regions.region.tolist()
    pos = {r: (la, lo) for r, la, lo in zip(regions.region, regions.lat, regions.lon)}
    d = {(a, b): float(haversine_km(*pos[a], *pos[b])) for a in ids for b in ids if a != b}
    edges = set()
    for a in ids:
        near = sorted((b for b in ids if b != a), key=lambda b: (d[a, b], b))[:NEIGHBOURS]
        edges.update(tuple(sorted((a, b))) for b in near)
    g = nx.Graph(list(edges))
    g.add_nodes_from(ids)
    bridges = []
    # join components by their shortest great-circle pair until connected
    while not nx.is_connected(g):
        comps = [sorted(c) for c in nx.connected_components(g)]
        c0 = comps[0]
        best = min(((d[a, b], a, b) for a in c0 for c in comps[1:] for b in c))
        g.add_edge(best[1], best[2])
        bridges.append(f"{best[1]}-{best[2]}")
        edges.add(tuple(sorted(best[1:])))
    rows = [dict(u=a, v=b, km=round(d[a, b] * ROUTE_FACTOR, 1)) for a, b in sorted(edges)]
    out = pd.DataFrame(rows)
    out.attrs["bridges"] = bridges
    return out


def solar_shape(lat: float, lon: float, hours: int) -> np.ndarray:
    """Clear-sky GHI (pvlib, Ineichen) at the equinox, mean per period (China Standard
    Time), scaled so one day's energy per kW of capacity is SOLAR_FLH / 365 kWh whatever
    the number of periods."""
    import pvlib
    times = pd.date_range(SOLAR_DAY, periods=24 * 60, freq="1min", tz=TZ)
    cs = pvlib.location.Location(lat, lon, tz=TZ).get_clearsky(times, model="ineichen")
    ghi = cs["ghi"].to_numpy().reshape(24, 60).mean(axis=1)
    ghi = _to_periods(ghi, hours)
    # each value is a mean power over 24 / hours h: the day's energy is FLH / 365 kWh per kW
    return ghi / ghi.sum() * SOLAR_FLH / 365.0 * (len(ghi) / 24.0)


def _to_periods(hourly: np.ndarray, hours: int) -> np.ndarray:
    """Average 24 hourly values into `hours` equal periods (hours must divide 24)."""
    if 24 % hours:
        raise SystemExit("--hours must divide 24")
    return np.asarray(hourly, float).reshape(hours, 24 // hours).mean(axis=1)


def build_renewables(regions: pd.DataFrame, hours: int):
    rows, info = [], []
    pos = regions.set_index("region")
    ph = 24 / hours
    for r in regions.region:
        wind_kw = solar_kw = 0.0
        prof = np.zeros(hours)
        if r in WIND_TWH:
            wind_kw = CONTRACT_SHARE * WIND_TWH[r] * 1e9 / WIND_FLH
            prof += wind_kw * WIND_FLH / 8760.0
        if r in SOLAR_TWH:
            solar_kw = CONTRACT_SHARE * SOLAR_TWH[r] * 1e9 / SOLAR_FLH
            # per-period average power; the shape gives kWh per hour per kW
            prof += solar_kw * solar_shape(pos.lat[r], pos.lon[r], hours)
        if wind_kw or solar_kw:
            info.append(dict(region=r, wind_mw=wind_kw / 1e3, solar_mw=solar_kw / 1e3,
                             daily_mwh=prof.sum() * ph / 1e3))
            rows += [dict(region=r, period=t, renewable_kw=round(float(v), 1)) for t, v in enumerate(prof)]
    return pd.DataFrame(rows), pd.DataFrame(info)


def build_compute(regions: pd.DataFrame, hours: int, scale: float):
    it_avg_kw = DC_TWH_2022 * 1e9 / PUE_NATIONAL / 8760.0 * scale
    share = pd.Series(GDP_2022)
    share = share / share.sum()
    ishape = _to_periods(INTERACTIVE_SHAPE, hours)
    ishape = ishape / ishape.mean()
    rows = []
    for r in regions.region:
        inter = it_avg_kw * INTERACTIVE_SHARE * share[r]
        batch = it_avg_kw * (1 - INTERACTIVE_SHARE) * share[r]
        for t in range(hours):
            rows.append(dict(region=r, period=t, **{"class": "interactive"}, it_kw=round(inter * ishape[t], 1)))
        for t in range(hours):
            rows.append(dict(region=r, period=t, **{"class": "batch"}, it_kw=round(batch, 1)))
    return pd.DataFrame(rows), it_avg_kw, share


def build_datacentres() -> pd.DataFrame:
    rows = [dict(dc=dc, region=r, lat=la, lon=lo, status="candidate", max_it_kw=CLUSTER_IT_KW,
                 fixed_kw=FIXED_SHARE * CLUSTER_IT_KW, pue=PUE_TARGET[grp])
            for dc, r, la, lo, grp in CLUSTERS]
    rows += [dict(dc=dc, region=r, lat=la, lon=lo, status="existing", max_it_kw=EXISTING_IT_KW,
                  fixed_kw=FIXED_SHARE * EXISTING_IT_KW, pue=PUE_EXISTING)
             for dc, r, la, lo in EXISTING]
    return pd.DataFrame(rows)


def max_interactive_latency(regions, dcs, links) -> pd.Series:
    """Per region: latency (ms) to its nearest data centre on the backbone (0.005 ms/km)."""
    import networkx as nx
    g = nx.Graph()
    for u, v, km in zip(links.u, links.v, links.km):
        g.add_edge(u, v, km=km)
    dist = dict(nx.all_pairs_dijkstra_path_length(g, weight="km"))
    return pd.Series({r: min(dist[r][d] for d in dcs.region) * 0.005 for r in regions.region})


TOML = """name = "china"
description = "Mainland China, 31 provinces: where to run {pct:g} % of the national data-centre IT load among the 10 'East Data, West Computing' clusters and six existing eastern metro sites, one representative equinox day (built by scripts/build_china.py; sources in README.md)"

[time]
periods = {hours}
period_hours = {ph:g}
weight = 365

[objective]
kind = "carbon"

[datacentre]
interactive_latency_ms = 20
batch_shiftable = true

[solver]
mip_gap = 0.001
time_limit_s = 300
"""


def fmt_table(df: pd.DataFrame, floatfmt: str = "{:.4g}") -> str:
    cols = list(df.columns)
    out = ["| " + " | ".join(map(str, cols)) + " |", "|" + "---|" * len(cols)]
    for _, row in df.iterrows():
        cells = [floatfmt.format(v) if isinstance(v, float) else str(v) for v in row]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def write_readme(out: pathlib.Path, args, regions, dcs, links, ren_info, it_avg_kw, share, lat_ms, hours):
    ph = 24 / hours
    reg = regions.assign(gdp_share_pct=[round(100 * share[r], 2) for r in regions.region],
                         nearest_dc_ms=[round(lat_ms[r], 2) for r in regions.region])
    reg_tab = reg[["region", "_capital", "_grid", "grid_co2_kg_per_kwh", "_factor_source",
                   "price_cny_per_kwh", "lat", "lon", "gdp_share_pct", "nearest_dc_ms"]].rename(
        columns={"_capital": "capital", "_grid": "grid", "_factor_source": "factor source"})
    grid_map = "\n".join(f"- {g} ({GRID_FACTOR_2022[g]} kg/kWh): " +
                         ", ".join(r for r, _, _, _, gg in REGIONS if gg == g) for g in GRID_FACTOR_2022)
    ishape = ", ".join(f"{v:.3f}" for v in INTERACTIVE_SHAPE)
    text = f"""# china: "East Data, West Computing" data-centre instance

Built by `python scripts/build_china.py --out {args.out} --hours {hours} --scale {args.scale:g}`
(needs pvlib: `pip install -e .[china]`). Rerunning the script gives the same files. The
instance has only the data-centre part (no radio network): 31 provincial regions of mainland
China, 10 candidate cluster sites and 6 existing metro sites, {len(links)} backbone links,
{hours} periods of {ph:g} h of one representative day (an equinox weekday), weight 365.
Periods are clock hours in China Standard Time (UTC+8). Numbers marked ASSUMPTION are
planning assumptions of this instance, not published figures.

## Regions (regions.csv)

- Grid CO2 factors, kg/kWh: Ministry of Ecology and Environment (MEE), 2022. Where a
  provincial 2022 factor is available (secondary source, 14 provinces: Hebei 0.7252, Shanxi
  0.7096, Tianjin 0.7041, Inner Mongolia 0.6849, Ningxia 0.6423, Xinjiang 0.6231, Beijing
  0.558, Shanghai 0.5849, Guizhou 0.4989, Gansu 0.4772, Guangdong 0.4403, Qinghai 0.1567,
  Sichuan 0.1404, Yunnan 0.1073) it is used; every other province gets the MEE 2022 factor of
  its regional grid. National average 2022 for comparison: {NATIONAL_FACTOR_2022}.
- Province-to-grid mapping (MEE regional grid division; Inner Mongolia is split between the
  North and Northeast grids in reality and is listed under North, but its provincial factor
  is used anyway):
{grid_map}
- Electricity price, CNY/kWh: ASSUMPTION. Representative large-industry (1-10 kV) tariffs,
  which in China lie roughly between 0.35 and 0.75 CNY/kWh; round values by grid: {PRICE_BY_GRID},
  with lower values for resource-rich provinces: {PRICE_OVERRIDE}. They are not citations and
  matter only to the `cost` objective.
- lat/lon: the provincial capital's city centre, rounded to 0.01 deg (public gazetteer values).

{fmt_table(reg_tab)}

`nearest_dc_ms` is the one-way fibre latency (0.005 ms/km) on the backbone from the region to
the nearest data-centre region: every region is within the 20 ms interactive bound.

## Data centres (datacentres.csv)

- Candidates: the 10 national computing clusters of "East Data, West Computing" (NDRC et al.,
  2022), coordinates approximate. Each lies in the region given (the Yangtze River Delta
  ecological demonstration zone spans Qingpu (Shanghai), Wujiang (Jiangsu) and Jiashan
  (Zhejiang); its point 31.0 N 120.9 E lies in Wujiang, so it is in `jiangsu`). PUE at the
  clusters' targets: {PUE_TARGET['east']} for the clusters of the four demand hubs
  (Beijing-Tianjin-Hebei: Zhangjiakou; Yangtze Delta: demonstration zone, Wuhu; Guangdong-HK-
  Macao: Shaoguan; Chengdu-Chongqing: Tianfu, Chongqing) and {PUE_TARGET['west']} for the four
  western hubs (Horinger, Gui'an, Qingyang, Zhongwei).
- Existing: six large sites in the eastern metros (Beijing, Shanghai, Guangzhou, Shenzhen,
  Hangzhou, Suzhou), PUE {PUE_EXISTING}, the national average of 2022 (CAICT 2023; large and
  hyperscale sites averaged 1.39, so this is conservative for large metro sites).
- ASSUMPTION: max_it_kw {CLUSTER_IT_KW/1e3:g} MW of IT per cluster site and {EXISTING_IT_KW/1e3:g} MW per
  existing site; fixed_kw = {100*FIXED_SHARE:g} % of the IT capacity (lighting, security,
  standby cooling, idle UPS losses).

{fmt_table(dcs)}

## Fibre backbone (links.csv)

Each provincial capital is linked to its {NEIGHBOURS} nearest capitals by great-circle
distance (the union of these pairs, undirected); components are joined by their shortest
pair until the graph is connected (links added for that: {", ".join(links.attrs["bridges"]) or "none"}). km = great-circle km x
{ROUTE_FACTOR} (ASSUMPTION, the route factor the model uses by default: fibre routes run longer
than great circles). Latency on the graph is 0.005 ms/km one way (4.9-5 us/km in fibre,
refractive index about 1.47); transport energy 0.01 kWh per kWh of IT per 1000 km (the
model's default, docs/model.md).

## Renewables (renewables.csv)

Contracted wind and solar supply available to data centres, kW per region and period.
- Published 2022 output (CAICT 2023): wind Inner Mongolia 101.99 TWh, Xinjiang 55.84, Hebei
  55.16; solar Qinghai 18.43, Hebei 17.64. National full-load hours: wind {WIND_FLH:g} h (2022),
  solar about {SOLAR_FLH:g} h (Jan-Nov 2023).
- ASSUMPTION: data centres may contract {100*CONTRACT_SHARE:g} % of each listed province's
  output (green power purchase agreements). Capacity = share x output / full-load hours.
  Provinces without a published figure get zero (a conservative assumption: they certainly
  have some wind and solar, but no provincial figure is cited here).
- Wind: flat at its capacity factor {WIND_FLH:g} / 8760 = {WIND_FLH/8760:.4f} (ASSUMPTION: no
  diurnal shape).
- Solar: clear-sky global horizontal irradiance at the provincial capital on {SOLAR_DAY}
  (equinox), pvlib's Ineichen clear-sky model with its Linke-turbidity climatology, averaged per
  clock hour (UTC+8), normalised so one day's energy per kW is {SOLAR_FLH:g} / 365 =
  {SOLAR_FLH/365:.3f} kWh (the national full-load hours spread evenly over the year). Clear sky
  at the equinox fixes only the hourly shape; the daily energy comes from the full-load hours.

{fmt_table(ren_info)}

## Compute demand (compute.csv)

- National IT load: CAICT 2023 gives 76.6 TWh of data-centre electricity in 2022 at an average
  PUE of 1.49, i.e. 76.6e9 / 1.49 / 8760 = {it_avg_kw/args.scale/1e6:.3f} GW of average IT load.
  ASSUMPTION: the instance plans {100*args.scale:g} % of it, {it_avg_kw/1e3:.1f} MW of average IT load
  (the scale at which the clusters' assumed 200 MW sites make a choice).
- Per province in proportion to 2022 GDP (a stated proxy for the size of the digital economy,
  for which consistent provincial figures are not cited here). GDP 2022 in 100 million CNY,
  compiled from the provinces' 2022 statistical communiqués (secondary; only the shares
  matter): {GDP_2022}.
- ASSUMPTION: {100*INTERACTIVE_SHARE:g} % interactive, {100-100*INTERACTIVE_SHARE:g} % batch.
- Interactive hourly shape (mean 1, hours 0-23 local time): the weekday mean of the three
  Milan squares' internet activity (Telecom Italia Big Data Challenge 2014; Barlacchi et al.,
  Scientific Data 2, 150055, 2015; data/milan/hourly_3squares.csv, Mon-Fri without holidays;
  each square normalised to mean 1, then averaged), a published daytime-peaked profile of
  user-facing traffic, applied to Chinese clock hours: {ishape}.
  (With fewer periods the hours are averaged.)
- Batch: flat; with `batch_shiftable` the planner may move it to any hour of the day.

## instance.toml

Objective `carbon`; `interactive_latency_ms` = 20, the east-west latency target of "East
Data, West Computing"; `batch_shiftable` = true; `mip_gap` 0.001, `time_limit_s` 300.
"""
    (out / "README.md").write_text(text, encoding="utf-8")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="instances/china")
    ap.add_argument("--hours", type=int, default=24, help="periods per day (must divide 24)")
    ap.add_argument("--scale", type=float, default=0.10, help="share of the national IT load")
    args = ap.parse_args(argv)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    hours = args.hours
    regions = build_regions()
    links = build_links(regions)
    dcs = build_datacentres()
    ren, ren_info = build_renewables(regions, hours)
    comp, it_avg_kw, share = build_compute(regions, hours, args.scale)
    lat_ms = max_interactive_latency(regions, dcs, links)
    if lat_ms.max() > 20:
        raise SystemExit(f"regions beyond 20 ms of every site: {lat_ms[lat_ms > 20].to_dict()}")
    regions[["region", "grid_co2_kg_per_kwh", "price_cny_per_kwh", "lat", "lon"]].to_csv(
        out / "regions.csv", index=False, lineterminator="\n")
    dcs.to_csv(out / "datacentres.csv", index=False, lineterminator="\n")
    links.to_csv(out / "links.csv", index=False, lineterminator="\n")
    ren.to_csv(out / "renewables.csv", index=False, lineterminator="\n")
    comp.to_csv(out / "compute.csv", index=False, lineterminator="\n")
    (out / "instance.toml").write_text(
        TOML.format(hours=hours, ph=24 / hours, pct=100 * args.scale), encoding="utf-8")
    write_readme(out, args, regions, dcs, links, ren_info, it_avg_kw, share, lat_ms, hours)
    print(f"wrote {out}: {len(regions)} regions, {len(dcs)} data centres, {len(links)} links, "
          f"{it_avg_kw/1e3:.1f} MW average IT load, max nearest-site latency {lat_ms.max():.2f} ms")


if __name__ == "__main__":
    main()
