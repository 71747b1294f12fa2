"""Known-answer and property tests of the geometry-based coverage links."""
from __future__ import annotations

import math
import time
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optimizer.instance.propagation import (
    EARTH_RADIUS_KM,
    haversine_km,
    links_from_geometry,
    path_loss_db,
    spectral_efficiency,
)

CATALOGUE = Path(__file__).resolve().parents[1] / "models" / "catalogue.toml"


@pytest.fixture(scope="module")
def params() -> dict[str, dict]:
    with CATALOGUE.open("rb") as f:
        return {k: {kk: vv for kk, vv in v.items() if kk != "sources"}
                for k, v in tomllib.load(f)["models"].items()}


# ---------------------------------------------------------------- path loss, known answers

def test_uma_los_before_breakpoint():
    # d2D = 100 m, fc = 3.5 GHz, h_BS = 25 m, h_UT = 1.5 m
    # d'BP = 4 * 24 * 0.5 * 3.5e9 / 3e8 = 560 m > 100 m -> PL1
    # d3D = sqrt(100^2 + 23.5^2) = 102.7241 m
    # PL1 = 28 + 22 log10(102.7241) + 20 log10(3.5) = 28 + 44.2568 + 10.8814 = 83.1382 dB
    assert path_loss_db(0.1, 3.5, 25.0, los=True) == pytest.approx(83.1382, abs=1e-3)


def test_uma_los_after_breakpoint():
    # d2D = 1000 m > d'BP = 560 m -> PL2; d3D = sqrt(1000^2 + 23.5^2) = 1000.2761 m
    # PL2 = 28 + 40 log10(1000.2761) + 20 log10(3.5) - 9 log10(560^2 + 23.5^2)
    #     = 28 + 120.0048 + 10.8814 - 49.4743 = 109.4119 dB
    assert path_loss_db(1.0, 3.5, 25.0, los=True) == pytest.approx(109.4119, abs=1e-3)


def test_uma_nlos_is_max_of_los_and_nlos_prime():
    # PL'_NLOS = 13.54 + 39.08 log10(1000.2761) + 20 log10(3.5) = 141.6660 dB > PL_LOS 109.41
    assert path_loss_db(1.0, 3.5, 25.0) == pytest.approx(141.6660, abs=1e-3)
    d = np.linspace(0.01, 5.0, 200)
    assert np.all(path_loss_db(d, 3.5, 25.0) >= path_loss_db(d, 3.5, 25.0, los=True) - 1e-12)


def test_umi_nlos_known_answer():
    # UMi-Street Canyon, d2D = 100 m, fc = 3.5 GHz, h_BS = 10 m: d'BP = 4*9*0.5*3.5e9/3e8 = 210 m
    # d3D = sqrt(100^2 + 8.5^2) = 100.3606 m
    # LOS PL1 = 32.4 + 21 log10(100.3606) + 20 log10(3.5) = 85.3142 dB
    # NLOS'   = 35.3 log10(100.3606) + 22.4 + 21.3 log10(3.5) = 104.6438 dB -> max = 104.6438
    assert path_loss_db(0.1, 3.5, 10.0, scenario="umi", los=True) == pytest.approx(85.3142, abs=1e-3)
    assert path_loss_db(0.1, 3.5, 10.0, scenario="umi") == pytest.approx(104.6438, abs=1e-3)


def test_min_distance_clip_and_bad_scenario():
    # below 10 m the formula is evaluated at 10 m
    assert path_loss_db(0.001, 3.5, 25.0) == pytest.approx(path_loss_db(0.010, 3.5, 25.0))
    with pytest.raises(ValueError):
        path_loss_db(0.1, 3.5, 25.0, scenario="rma")


def test_path_loss_increases_with_distance_and_frequency():
    d = np.linspace(0.0, 5.0, 500)
    for scen, h in (("uma", 25.0), ("umi", 10.0)):
        pl = path_loss_db(d, 3.5, h, scenario=scen)
        assert np.all(np.diff(pl) >= -1e-9)
        assert np.all(path_loss_db(d, 3.5, h, scenario=scen) > path_loss_db(d, 1.8, h, scenario=scen))


# ---------------------------------------------------------------- spectral efficiency

def test_spectral_efficiency_known_answers():
    # 0.6 * log2(1 + 10) = 0.6 * 3.45943 = 2.07566 bps/Hz at SINR 10 dB
    assert spectral_efficiency(10.0, 0.6, 4.4) == pytest.approx(2.07566, abs=1e-5)
    # SINR 30 dB: 0.6 * log2(1001) = 5.98 > cap 4.4 -> 4.4
    assert spectral_efficiency(30.0, 0.6, 4.4) == pytest.approx(4.4)
    # at SINR_min = -10 dB the link still counts: 0.6 * log2(1.1) = 0.082502
    assert spectral_efficiency(-10.0, 0.6, 4.4) == pytest.approx(0.082502, abs=1e-6)
    # below SINR_min: zero
    assert spectral_efficiency(-10.01, 0.6, 4.4) == 0.0
    se = spectral_efficiency(np.linspace(-20, 40, 121), 0.75, 7.4)
    assert np.all(np.diff(se) >= 0) and se.max() == pytest.approx(7.4)


# ---------------------------------------------------------------- links

def _one_site(lat=31.0, lon=121.0):
    return pd.DataFrame({"site": ["s"], "lat": [lat], "lon": [lon]})


def _areas_east(distances_km, lat=31.0, lon=121.0):
    dlon = np.degrees(np.asarray(distances_km) / (EARTH_RADIUS_KM * math.cos(math.radians(lat))))
    return pd.DataFrame({"area": [f"a{i}" for i in range(len(dlon))], "lat": lat, "lon": lon + dlon})


def _cell(model, params, **over):
    tech = model.split("-")[1] if model else over.pop("tech")
    row = dict(cell="c", site="s", tech=tech, model=model,
               capacity_mbps=params.get(model, {}).get("capacity_mbps", 100.0),
               range_km=params.get(model, {}).get("range_km", 1.0))
    row.update(over)
    return pd.DataFrame([row])


@pytest.mark.parametrize("model", ["macro-4g", "macro-5g", "small-4g", "small-5g"])
def test_link_non_increasing_with_distance_and_range_cutoff(params, model):
    rng_km = params[model]["range_km"]
    areas = _areas_east(np.linspace(0.0, 2 * rng_km, 81))
    out = links_from_geometry(_cell(model, params), _one_site(), areas, params)
    assert list(out.columns) == ["cell", "area", "link_mbps", "distance_km"]
    assert len(out) > 0
    assert out.distance_km.max() <= rng_km + 1e-9
    # exactly the areas within range get a link (SINR stays above -10 dB inside the range)
    d = haversine_km(31.0, 121.0, areas.lat.to_numpy(), areas.lon.to_numpy())
    assert set(out.area) == set(areas.area[d <= rng_km])
    o = out.sort_values("distance_km")
    assert np.all(np.diff(o.link_mbps.to_numpy()) <= 1e-9)
    assert (o.link_mbps > 0).all()
    assert (o.link_mbps <= params[model]["capacity_mbps"] + 1e-9).all()


def test_link_known_answer(params):
    # macro-4g at 0.8 km: UMa NLOS at 1.8 GHz, h_BS 25 m
    d = 0.8
    areas = _areas_east([d])
    out = links_from_geometry(_cell("macro-4g", params), _one_site(), areas, params)
    dist = float(out.distance_km.iloc[0])
    assert dist == pytest.approx(d, rel=1e-6)
    d3 = math.hypot(dist * 1000, 23.5)
    pl = max(13.54 + 39.08 * math.log10(d3) + 20 * math.log10(1.8),
             28 + 40 * math.log10(d3) + 20 * math.log10(1.8)
             - 9 * math.log10((4 * 24 * 0.5 * 1.8e9 / 3e8) ** 2 + 23.5 ** 2))
    # noise = -174 + 10 log10(20e6) + 9 = -91.99 dBm; SINR = 46 + 15 - PL - noise - 3
    sinr = 46 + 15 - pl - (-174 + 10 * math.log10(20e6) + 9) - 3
    se = min(0.6 * math.log2(1 + 10 ** (sinr / 10)), 4.4)
    assert float(out.link_mbps.iloc[0]) == pytest.approx(min(150.0, se * 20.0), rel=1e-9)


def test_unknown_or_empty_model_uses_tech_default_with_own_range_and_capacity(params):
    areas = _areas_east([0.1, 0.5, 1.5, 2.5])
    own = _cell("", params, tech="5g", capacity_mbps=300.0, range_km=2.0)
    out = links_from_geometry(own, _one_site(), areas, params)
    ref = links_from_geometry(_cell("macro-5g", params, range_km=2.0, capacity_mbps=300.0),
                              _one_site(), areas, params)
    pd.testing.assert_frame_equal(out, ref)
    assert out.distance_km.max() <= 2.0 and len(out) == 3
    assert out.link_mbps.max() <= 300.0
    odd = _cell("", params, tech="4g")
    odd["model"] = "no-such-model"
    assert len(links_from_geometry(odd, _one_site(), areas, params)) > 0


def test_no_default_entry_is_a_clear_error():
    cells = pd.DataFrame([dict(cell="c", site="s", tech="5g", model="", capacity_mbps=1.0, range_km=1.0)])
    with pytest.raises(ValueError, match="macro-5g"):
        links_from_geometry(cells, _one_site(), _areas_east([0.1]), {})


def test_empty_inputs(params):
    cells = _cell("macro-4g", params)
    out = links_from_geometry(cells.iloc[:0], _one_site(), _areas_east([0.1]), params)
    assert list(out.columns) == ["cell", "area", "link_mbps", "distance_km"] and out.empty
    far = _areas_east([50.0])
    assert links_from_geometry(cells, _one_site(), far, params).empty


def _random_instance(n_cells, n_areas, params, seed, span_deg=0.3):
    rng = np.random.default_rng(seed)
    n_sites = max(1, n_cells // 3)
    sites = pd.DataFrame({"site": [f"s{i}" for i in range(n_sites)],
                          "lat": 30.0 + rng.random(n_sites) * span_deg,
                          "lon": 120.0 + rng.random(n_sites) * span_deg})
    models = rng.choice(sorted(params), n_cells)
    cells = pd.DataFrame({"cell": [f"c{i}" for i in range(n_cells)],
                          "site": rng.choice(sites.site.to_numpy(), n_cells),
                          "tech": [m.split("-")[1] for m in models], "model": models,
                          "capacity_mbps": [params[m]["capacity_mbps"] for m in models],
                          "range_km": [params[m]["range_km"] for m in models]})
    areas = pd.DataFrame({"area": [f"a{i}" for i in range(n_areas)],
                          "lat": 30.0 + rng.random(n_areas) * span_deg,
                          "lon": 120.0 + rng.random(n_areas) * span_deg})
    return cells, sites, areas


def _brute_force_pairs(cells, sites, areas):
    pos = sites.set_index("site")
    clat = cells.site.map(pos.lat).to_numpy()[:, None]
    clon = cells.site.map(pos.lon).to_numpy()[:, None]
    d = haversine_km(clat, clon, areas.lat.to_numpy()[None, :], areas.lon.to_numpy()[None, :])
    ci, ai = np.nonzero(d <= cells.range_km.to_numpy()[:, None])
    return {(cells.cell.iloc[i], areas.area.iloc[j]): d[i, j] for i, j in zip(ci, ai)}


def test_matches_dense_brute_force_on_small_input(params):
    cells, sites, areas = _random_instance(60, 300, params, seed=1, span_deg=0.05)
    out = links_from_geometry(cells, sites, areas, params)
    brute = _brute_force_pairs(cells, sites, areas)
    got = {(c, a): d for c, a, d in zip(out.cell, out.area, out.distance_km)}
    assert len(brute) > 100
    assert set(got) == set(brute)  # every pair in range has a positive rate with this catalogue
    for k, d in brute.items():
        assert got[k] == pytest.approx(d, rel=1e-12, abs=1e-12)


def test_haversine_known_answer():
    # one degree of latitude = 6371 * pi / 180 = 111.19493 km
    assert haversine_km(30.0, 120.0, 31.0, 120.0) == pytest.approx(111.19493, abs=1e-4)


def test_large_input_is_sparse_and_fast(params):
    # 2000 cells x 4000 areas over ~30 km: a dense 8e6 matrix is avoided; check a subset by brute force
    cells, sites, areas = _random_instance(2000, 4000, params, seed=2, span_deg=0.3)
    t0 = time.perf_counter()
    out = links_from_geometry(cells, sites, areas, params)
    elapsed = time.perf_counter() - t0
    assert elapsed < 10.0
    assert len(out) > 0 and out.link_mbps.gt(0).all()
    sub = cells.sample(50, random_state=0)
    brute = _brute_force_pairs(sub, sites, areas)
    got = out[out.cell.isin(sub.cell)]
    assert set(zip(got.cell, got.area)) == set(brute)
    for c, a, d in zip(got.cell, got.area, got.distance_km):
        assert d == pytest.approx(brute[(c, a)], rel=1e-12, abs=1e-12)
