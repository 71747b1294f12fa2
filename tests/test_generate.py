"""Synthetic city generator and the Milan build script."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from optimizer.instance.generate import (
    generate_city,
    haversine_km,
    hourly_profiles,
    resample_hourly,
)

ROOT = pathlib.Path(__file__).resolve().parents[1]
FILES = ("instance.toml", "regions.csv", "sites.csv", "cells.csv", "areas.csv", "demand.csv",
         "renewables.csv", "README.md")


def _bytes(folder: pathlib.Path) -> dict[str, bytes]:
    return {f: (folder / f).read_bytes() for f in FILES}


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> pathlib.Path:
    return generate_city(tmp_path_factory.mktemp("city") / "c", 60, seed=3)


def test_same_seed_identical_bytes(tmp_path, city):
    again = generate_city(tmp_path / "again", 60, seed=3)
    assert _bytes(again) == _bytes(city)


def test_different_seed_differs(tmp_path, city):
    other = generate_city(tmp_path / "other", 60, seed=4)
    a, b = _bytes(city), _bytes(other)
    assert a["sites.csv"] != b["sites.csv"]
    assert a["demand.csv"] != b["demand.csv"]


@pytest.mark.parametrize("n", [2, 25, 300])
def test_site_count_and_references(tmp_path, n):
    p = generate_city(tmp_path / "c", n, seed=1)
    sites = pd.read_csv(p / "sites.csv")
    cells = pd.read_csv(p / "cells.csv")
    areas = pd.read_csv(p / "areas.csv")
    regions = pd.read_csv(p / "regions.csv")
    assert len(sites) == n and sites.site.is_unique
    assert cells.cell.is_unique and set(cells.site) <= set(sites.site)
    assert set(sites.region) <= set(regions.region) and set(areas.region) <= set(regions.region)
    # every site has an existing 4G cell
    e4 = cells[(cells.tech == "4g") & (cells.status == "existing")]
    assert set(e4.site) == set(sites.site)
    assert set(cells.model) <= {"macro-4g", "macro-5g"}
    assert len(areas) >= 1


def test_areas_within_4g_reach(city):
    sites = pd.read_csv(city / "sites.csv")
    cells = pd.read_csv(city / "cells.csv")
    areas = pd.read_csv(city / "areas.csv")
    s4 = sites[sites.site.isin(cells.loc[cells.tech == "4g", "site"])]
    d = haversine_km(areas.lat.to_numpy()[:, None], areas.lon.to_numpy()[:, None],
                     s4.lat.to_numpy()[None, :], s4.lon.to_numpy()[None, :])
    assert ((d <= 1.5).sum(axis=1) >= 2).all()


def test_requires_5g_only_near_existing_5g(city):
    sites = pd.read_csv(city / "sites.csv").set_index("site")
    cells = pd.read_csv(city / "cells.csv")
    areas = pd.read_csv(city / "areas.csv")
    ex5 = sites.loc[cells.loc[(cells.tech == "5g") & (cells.status == "existing"), "site"]]
    req = areas[areas.requires_5g]
    if len(req):
        d = haversine_km(req.lat.to_numpy()[:, None], req.lon.to_numpy()[:, None],
                         ex5.lat.to_numpy()[None, :], ex5.lon.to_numpy()[None, :])
        assert (d.min(axis=1) <= 0.5 + 1e-6).all()


def test_demand_non_negative_and_complete(city):
    dem = pd.read_csv(city / "demand.csv")
    areas = pd.read_csv(city / "areas.csv")
    assert (dem.mbps >= 0).all()
    assert len(dem) == len(areas) * 24
    assert set(dem.area) == set(areas.area)
    assert sorted(dem.period.unique()) == list(range(24))


def test_busy_hour_within_existing_4g_capacity(city):
    dem = pd.read_csv(city / "demand.csv")
    cells = pd.read_csv(city / "cells.csv")
    cap4 = 150.0 * ((cells.tech == "4g") & (cells.status == "existing")).sum()
    busy = dem.groupby("period").mbps.sum().max()
    assert 0.2 * cap4 <= busy <= 0.65 * cap4


def test_hourly_shape_is_a_mix_of_published_profiles(city):
    dem = pd.read_csv(city / "demand.csv").pivot(index="area", columns="period", values="mbps")
    shape = dem.div(dem.max(axis=1), axis=0).to_numpy()
    prof = hourly_profiles()
    base = prof[["xu17_residential_wed", "xu17_office_wed", "xu17_entertainment_wed"]].to_numpy()
    big = dem.max(axis=1).to_numpy() > 1.0
    # a convex mix of the three profiles, renormalised to peak 1: at every hour at least the
    # smallest of the three and at most 1
    assert (shape[big] >= base.min(axis=1)[None, :] - 1e-3).all()
    assert (shape[big] <= 1 + 1e-9).all()
    # night is quieter than the evening everywhere
    assert (shape[big, 4] < shape[big, 20]).all()


def test_resample_preserves_shape():
    prof = hourly_profiles()["xu17_average"].to_numpy()
    assert np.array_equal(resample_hourly(prof, 24), prof)
    r12 = resample_hourly(prof, 12)
    assert np.allclose(r12, prof.reshape(12, 2).mean(axis=1))
    r48 = resample_hourly(prof, 48)
    assert np.allclose(r48, np.repeat(prof, 2))
    assert np.isclose(resample_hourly(prof, 7).mean(), prof.mean())


def test_other_period_counts(tmp_path):
    p = generate_city(tmp_path / "c6", 20, hours=6, seed=0)
    toml = (p / "instance.toml").read_text()
    assert "periods = 6" in toml and "period_hours = 4.0" in toml
    dem = pd.read_csv(p / "demand.csv")
    assert sorted(dem.period.unique()) == list(range(6))
    ren = pd.read_csv(p / "renewables.csv")
    assert (ren.renewable_kw >= 0).all()


def test_milan_script_builds_window(tmp_path):
    out = tmp_path / "milan"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_milan.py"), "--out", str(out)],
                   check=True, capture_output=True, text=True, timeout=120)
    sites = pd.read_csv(out / "sites.csv")
    cells = pd.read_csv(out / "cells.csv")
    areas = pd.read_csv(out / "areas.csv")
    dem = pd.read_csv(out / "demand.csv")
    assert len(sites) >= 300
    assert set(cells.site) <= set(sites.site)
    assert (dem.mbps >= 0).all() and len(dem) == 24 * len(areas)
    assert "periods = 24" in (out / "instance.toml").read_text()


def test_shipped_milan_matches_script(tmp_path):
    shipped = ROOT / "instances" / "milan"
    if not shipped.exists():
        pytest.skip("instances/milan not built")
    out = tmp_path / "milan"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_milan.py"), "--out", str(out)],
                   check=True, capture_output=True, text=True, timeout=120)
    for f in ("sites.csv", "cells.csv", "areas.csv", "demand.csv", "regions.csv", "instance.toml"):
        assert (out / f).read_bytes() == (shipped / f).read_bytes(), f
