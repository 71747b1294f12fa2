"""Checks of the equipment power-model catalogue (models/catalogue.toml)."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

CATALOGUE = Path(__file__).resolve().parents[1] / "models" / "catalogue.toml"

NUMERIC_KEYS = [
    "capacity_mbps", "active_w", "load_w", "sleep_w", "wake_kwh", "embodied_kwh_per_year",
    "range_km", "band_ghz", "bandwidth_mhz", "tx_power_dbm", "antenna_gain_dbi", "height_m",
    "noise_figure_db", "max_spectral_efficiency_bps_hz",
]
REQUIRED = ["macro-4g", "macro-5g", "small-4g", "small-5g"]


@pytest.fixture(scope="module")
def models() -> dict[str, dict]:
    with CATALOGUE.open("rb") as f:
        return tomllib.load(f)["models"]


def full_load_w_per_mbps(entry: dict) -> float:
    return (entry["active_w"] + entry["load_w"]) / entry["capacity_mbps"]


def test_required_entries_present(models):
    assert set(REQUIRED) <= set(models)


@pytest.mark.parametrize("name", REQUIRED)
def test_entry_has_all_keys_and_positive_numbers(models, name):
    e = models[name]
    assert e["tech"] in ("4g", "5g")
    assert e["tech"] == name.split("-")[1]
    assert isinstance(e["description"], str) and e["description"]
    for k in NUMERIC_KEYS:
        assert k in e, f"{name} lacks {k}"
        assert isinstance(e[k], (int, float)) and not isinstance(e[k], bool), f"{name}.{k}"
        assert e[k] > 0, f"{name}.{k} must be positive"
    assert e["sleep_w"] < e["active_w"]


@pytest.mark.parametrize("name", REQUIRED)
def test_every_numeric_key_has_a_source(models, name):
    sources = models[name].get("sources", {})
    for k in NUMERIC_KEYS:
        assert isinstance(sources.get(k), str) and sources[k].strip(), f"{name}: no source for {k}"


def test_every_number_has_a_comment_in_the_file():
    # each numeric assignment in a [models.x] table has a comment on its line or the line above
    lines = CATALOGUE.read_text(encoding="utf-8").splitlines()
    in_sources = False
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith("["):
            in_sources = s.endswith(".sources]")
            continue
        if in_sources or "=" not in s or s.startswith("#"):
            continue
        key = s.split("=", 1)[0].strip()
        if key in NUMERIC_KEYS:
            assert "#" in line or lines[i - 1].strip().startswith("#"), f"line {i + 1}: {s}"


def test_5g_macro_draws_more_but_is_more_efficient_per_mbps(models):
    m4, m5 = models["macro-4g"], models["macro-5g"]
    assert m5["active_w"] > m4["active_w"]
    assert 2.0 <= (m5["active_w"] + m5["load_w"]) / (m4["active_w"] + m4["load_w"]) <= 4.0
    assert full_load_w_per_mbps(m5) < full_load_w_per_mbps(m4)
    assert m5["capacity_mbps"] > m4["capacity_mbps"]


def test_reach_and_sleep_coherent_with_references(models):
    # 4G (1.8 GHz) reaches roughly twice as far as 3.5 GHz 5G
    assert models["macro-4g"]["range_km"] == pytest.approx(2 * models["macro-5g"]["range_km"], rel=0.3)
    assert models["small-4g"]["range_km"] > models["small-5g"]["range_km"]
    # 5G AAU deep dormancy about 5 W
    assert models["macro-5g"]["sleep_w"] <= 10.0
    # small cells draw far less than macro cells
    for t in ("4g", "5g"):
        assert models[f"small-{t}"]["active_w"] < models[f"macro-{t}"]["active_w"]
        assert models[f"small-{t}"]["range_km"] < models[f"macro-{t}"]["range_km"]
