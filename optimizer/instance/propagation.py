"""Coverage links from geometry, used when an instance has no ``coverage.csv``.

For every cell and every area within the cell's ``range_km`` (great-circle distance from the
cell's site to the area's centre) the link rate is

1. path loss PL (dB) from 3GPP TR 38.901 v17, Table 7.4.1-1: UMa for macro cells, UMi-Street
   Canyon for small cells (model name starting with ``small-`` or antenna height <= 12 m);
   NLOS is used for every link (PL_NLOS = max(PL_LOS, PL'_NLOS), as the table defines it), UE
   height 1.5 m, 2D distance clipped below at 10 m;
2. received power  P_rx = tx_power_dbm + antenna_gain_dbi - PL  (dBm);
3. noise  N = -174 dBm/Hz + 10 log10(bandwidth in Hz) + noise_figure_db;
4. SINR = P_rx - N - INTERFERENCE_MARGIN_DB (a fixed 3 dB margin for other-cell interference,
   an assumption of this planner, not a 3GPP figure);
5. spectral efficiency from the attenuated, truncated Shannon bound of 3GPP TR 36.942 Annex A.2:
   SE = alpha * log2(1 + SINR) for SINR >= SINR_min = -10 dB, 0 below, capped at the entry's
   ``max_spectral_efficiency_bps_hz``; alpha = 0.6 for LTE (TR 36.942 Table A.2-1) and 0.75 for
   NR (assumption: NR's leaner reference-signal overhead);
6. link_mbps = min(capacity_mbps, SE * bandwidth_mhz).

Only pairs with distance <= range_km and link_mbps > 0 are kept. Candidate pairs are found with a
k-d tree, so the cost grows with the number of links, not with cells x areas.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

#: Mean Earth radius (km) for great-circle distances.
EARTH_RADIUS_KM = 6371.0
#: Speed of light (m/s), TR 38.901 Table 7.4.1-1 note 1 (breakpoint distance).
SPEED_OF_LIGHT = 3.0e8
#: UE antenna height (m): the 1.5 m reference height of TR 38.901 Table 7.4.1-1.
UE_HEIGHT_M = 1.5
#: Smallest 2D distance (m) at which the TR 38.901 formulas hold.
MIN_DISTANCE_M = 10.0
#: Thermal noise density (dBm/Hz) at 290 K.
THERMAL_NOISE_DBM_HZ = -174.0
#: Fixed allowance for other-cell interference (dB) subtracted from SNR to give SINR (assumption).
INTERFERENCE_MARGIN_DB = 3.0
#: Lowest SINR at which a link carries traffic: TR 36.942 Table A.2-1, SINR_MIN = -10 dB.
SINR_MIN_DB = -10.0
#: Shannon attenuation factor per technology: LTE 0.6 (TR 36.942 Table A.2-1); NR 0.75 (assumption).
ALPHA = {"4g": 0.6, "5g": 0.75}
#: Antenna height (m) at or below which a cell counts as a small cell (UMi-Street Canyon).
SMALL_CELL_MAX_HEIGHT_M = 12.0

_RADIO_KEYS = ("band_ghz", "bandwidth_mhz", "tx_power_dbm", "antenna_gain_dbi", "height_m",
               "noise_figure_db", "max_spectral_efficiency_bps_hz")
COLUMNS = ["cell", "area", "link_mbps", "distance_km"]


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance (km) on a sphere of radius 6371.0 km; arguments in degrees, broadcast."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    h = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def path_loss_db(d2d_km, freq_ghz, h_bs, h_ut: float = UE_HEIGHT_M, scenario: str = "uma",
                 los: bool = False) -> np.ndarray:
    """Path loss (dB) of 3GPP TR 38.901 v17 Table 7.4.1-1, vectorised over its arguments.

    ``scenario`` is ``"uma"`` (Urban Macro) or ``"umi"`` (Urban Micro - Street Canyon).
    With d3D = sqrt(d2D^2 + (h_BS - h_UT)^2) in m, fc in GHz, effective heights
    h' = h - h_E with h_E = 1 m, and breakpoint d'_BP = 4 h'_BS h'_UT fc[Hz] / c:

    UMa LOS:  PL1 = 28.0 + 22 log10(d3D) + 20 log10(fc)                      (10 m <= d2D <= d'_BP)
              PL2 = 28.0 + 40 log10(d3D) + 20 log10(fc)
                    - 9 log10(d'_BP^2 + (h_BS - h_UT)^2)                       (d'_BP <= d2D <= 5 km)
    UMa NLOS: PL = max(PL_LOS, PL'),  PL' = 13.54 + 39.08 log10(d3D) + 20 log10(fc) - 0.6 (h_UT - 1.5)
    UMi LOS:  PL1 = 32.4 + 21 log10(d3D) + 20 log10(fc)
              PL2 = 32.4 + 40 log10(d3D) + 20 log10(fc) - 9.5 log10(d'_BP^2 + (h_BS - h_UT)^2)
    UMi NLOS: PL = max(PL_LOS, PL'),  PL' = 35.3 log10(d3D) + 22.4 + 21.3 log10(fc) - 0.3 (h_UT - 1.5)

    d2D is clipped below at 10 m (the table's lower validity bound); beyond 5 km the formulas are
    extrapolated. The default is NLOS (``los=False``); shadow fading is not included (the
    planner works with median losses).
    """
    if scenario not in ("uma", "umi"):
        raise ValueError(f"scenario must be 'uma' or 'umi', not {scenario!r}")
    d2d = np.maximum(np.asarray(d2d_km, dtype=float) * 1000.0, MIN_DISTANCE_M)
    fc = np.asarray(freq_ghz, dtype=float)
    h_bs = np.asarray(h_bs, dtype=float)
    h_ut = np.asarray(h_ut, dtype=float)
    dh = h_bs - h_ut
    d3d = np.sqrt(d2d ** 2 + dh ** 2)
    h_e = 1.0
    d_bp = 4.0 * (h_bs - h_e) * (h_ut - h_e) * fc * 1e9 / SPEED_OF_LIGHT
    lf = np.log10(fc)
    if scenario == "uma":
        pl1 = 28.0 + 22.0 * np.log10(d3d) + 20.0 * lf
        pl2 = 28.0 + 40.0 * np.log10(d3d) + 20.0 * lf - 9.0 * np.log10(d_bp ** 2 + dh ** 2)
    else:
        pl1 = 32.4 + 21.0 * np.log10(d3d) + 20.0 * lf
        pl2 = 32.4 + 40.0 * np.log10(d3d) + 20.0 * lf - 9.5 * np.log10(d_bp ** 2 + dh ** 2)
    pl_los = np.where(d2d <= d_bp, pl1, pl2)
    if los:
        return pl_los
    if scenario == "uma":
        pl_n = 13.54 + 39.08 * np.log10(d3d) + 20.0 * lf - 0.6 * (h_ut - 1.5)
    else:
        pl_n = 35.3 * np.log10(d3d) + 22.4 + 21.3 * lf - 0.3 * (h_ut - 1.5)
    return np.maximum(pl_los, pl_n)


def spectral_efficiency(sinr_db, alpha, cap, sinr_min_db: float = SINR_MIN_DB) -> np.ndarray:
    """Attenuated, truncated Shannon bound of 3GPP TR 36.942 Annex A.2 (bps/Hz).

    SE = 0 for SINR < SINR_min; alpha * log2(1 + 10^(SINR/10)) above, at most ``cap``
    (the Thr_MAX of the annex). Vectorised over its arguments.
    """
    sinr_db = np.asarray(sinr_db, dtype=float)
    se = np.asarray(alpha, dtype=float) * np.log2(1.0 + 10.0 ** (sinr_db / 10.0))
    se = np.minimum(se, np.asarray(cap, dtype=float))
    return np.where(sinr_db >= sinr_min_db, se, 0.0)


def _unit_xyz(lat_deg, lon_deg) -> np.ndarray:
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _radio_params(cells: pd.DataFrame, params: dict[str, dict]) -> pd.DataFrame:
    """Per-cell radio parameters: the cell's own model entry, else the tech's macro default."""
    models = cells["model"] if "model" in cells else pd.Series("", index=cells.index)
    models = models.fillna("").astype(str).str.strip()
    techs = cells["tech"].astype(str).str.strip().str.lower()
    chosen = models.where(models.isin(list(params)), "macro-" + techs)
    missing = sorted(set(chosen) - set(params))
    if missing:
        raise ValueError("no radio parameters for model(s) " + ", ".join(missing)
                         + ": give coverage.csv or add them to the catalogue")
    table = {}
    for name in set(chosen):
        entry = params[name]
        lacking = [k for k in _RADIO_KEYS if k not in entry]
        if lacking:
            raise ValueError(f"catalogue entry {name!r} lacks {', '.join(lacking)}")
        table[name] = ([float(entry[k]) for k in _RADIO_KEYS]
                       + [float(entry.get("shannon_alpha", ALPHA.get(str(entry.get("tech", "")), np.nan))),
                          float(entry.get("capacity_mbps", np.nan)), float(entry.get("range_km", np.nan)),
                          name.startswith("small-")])
    rows = [table[name] for name in chosen]
    out = pd.DataFrame(rows, columns=list(_RADIO_KEYS) + ["alpha", "cap_default", "range_default", "small"],
                       index=cells.index)
    alpha_by_tech = techs.map(ALPHA)
    out["alpha"] = out["alpha"].fillna(alpha_by_tech)
    return out


def links_from_geometry(cells: pd.DataFrame, sites: pd.DataFrame, areas: pd.DataFrame,
                        params: dict[str, dict]) -> pd.DataFrame:
    """Coverage links ``cell, area, link_mbps, distance_km`` derived from geometry.

    ``cells``: cell, site, tech, model, capacity_mbps, range_km; ``sites``: site, lat, lon;
    ``areas``: area, lat, lon; ``params``: model name -> catalogue entry. A cell whose model is
    empty or unknown takes its radio parameters from ``macro-<tech>`` but keeps its own
    ``range_km`` and ``capacity_mbps`` (the entry's when the cell's are missing).

    Pairs within range are found with a cKDTree over unit vectors on the sphere: the chord
    length 2 sin(d / 2R) is monotone in the great-circle distance d, so a ball query of that
    chord radius returns exactly the pairs within range_km, with no projection distortion and
    no dateline seam; distances of the candidates are then computed with the haversine formula.
    The path-loss, SINR and rate models are described in the module docstring.
    """
    empty = pd.DataFrame({"cell": pd.Series(dtype=object), "area": pd.Series(dtype=object),
                          "link_mbps": pd.Series(dtype=float), "distance_km": pd.Series(dtype=float)})
    if len(cells) == 0 or len(areas) == 0:
        return empty
    cells = cells.reset_index(drop=True)
    areas = areas.reset_index(drop=True)
    site_pos = sites.drop_duplicates("site").set_index("site")[["lat", "lon"]]
    unknown = ~cells["site"].isin(site_pos.index)
    if unknown.any():
        raise ValueError("cells at unknown sites: " + ", ".join(map(str, cells.loc[unknown, "cell"][:5])))
    clat = cells["site"].map(site_pos["lat"]).to_numpy(float)
    clon = cells["site"].map(site_pos["lon"]).to_numpy(float)
    alat = areas["lat"].to_numpy(float)
    alon = areas["lon"].to_numpy(float)

    radio = _radio_params(cells, params)
    rng = pd.to_numeric(cells["range_km"], errors="coerce") if "range_km" in cells else radio["range_default"]
    rng = rng.fillna(radio["range_default"]).to_numpy(float)
    cap = pd.to_numeric(cells["capacity_mbps"], errors="coerce") if "capacity_mbps" in cells \
        else radio["cap_default"]
    cap = cap.fillna(radio["cap_default"]).to_numpy(float)

    # candidate pairs: ball query on the unit sphere with the chord radius of range_km
    ok = np.isfinite(rng) & (rng > 0)
    chord = np.where(ok, 2.0 * np.sin(np.minimum(rng, math.pi * EARTH_RADIUS_KM) / (2 * EARTH_RADIUS_KM)), 0.0)
    chord = chord * (1 + 1e-9) + 1e-12  # keep boundary pairs; the exact test follows
    tree = cKDTree(_unit_xyz(alat, alon))
    hits = tree.query_ball_point(_unit_xyz(clat, clon), r=chord, return_sorted=True)
    counts = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
    if counts.sum() == 0:
        return empty
    ci = np.repeat(np.arange(len(cells)), counts)
    ai = np.fromiter((a for h in hits for a in h), dtype=np.int64, count=int(counts.sum()))

    dist = haversine_km(clat[ci], clon[ci], alat[ai], alon[ai])
    keep = ok[ci] & (dist <= rng[ci])
    ci, ai, dist = ci[keep], ai[keep], dist[keep]

    r = {k: radio[k].to_numpy(float)[ci] for k in _RADIO_KEYS}
    small = (radio["small"].to_numpy(bool) | (radio["height_m"].to_numpy(float) <= SMALL_CELL_MAX_HEIGHT_M))[ci]
    pl = np.empty(len(ci))
    for scen, mask in (("umi", small), ("uma", ~small)):
        if mask.any():
            pl[mask] = path_loss_db(dist[mask], r["band_ghz"][mask], r["height_m"][mask], UE_HEIGHT_M, scen)
    rx_dbm = r["tx_power_dbm"] + r["antenna_gain_dbi"] - pl
    noise_dbm = THERMAL_NOISE_DBM_HZ + 10.0 * np.log10(r["bandwidth_mhz"] * 1e6) + r["noise_figure_db"]
    sinr = rx_dbm - noise_dbm - INTERFERENCE_MARGIN_DB
    se = spectral_efficiency(sinr, radio["alpha"].to_numpy(float)[ci], r["max_spectral_efficiency_bps_hz"])
    link = np.minimum(cap[ci], se * r["bandwidth_mhz"])
    keep = link > 0
    out = pd.DataFrame({"cell": cells["cell"].to_numpy()[ci[keep]], "area": areas["area"].to_numpy()[ai[keep]],
                        "link_mbps": link[keep], "distance_km": dist[keep]})
    return out.reset_index(drop=True)
