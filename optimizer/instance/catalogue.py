"""The equipment power-model catalogue (models/*.toml)."""
from __future__ import annotations

import math
import os
import tomllib
from functools import lru_cache
from pathlib import Path

from .errors import InstanceError

#: Where the catalogue lives: ``$NETOPT_MODELS`` or the project's ``models/`` folder.
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "models"


def catalogue_dir() -> Path:
    return Path(os.environ.get("NETOPT_MODELS", DEFAULT_DIR))


#: catalogue keys that must be > 0; every other number must be finite, and these >= 0
POSITIVE = ("capacity_mbps", "band_ghz", "bandwidth_mhz", "height_m",
            "max_spectral_efficiency_bps_hz", "range_km")
NON_NEGATIVE = ("active_w", "load_w", "sleep_w", "wake_kwh", "embodied_kwh_per_year")
TEXT = ("tech", "description")


def _check_entry(where: str, entry, problems: list[str]) -> dict:
    if not isinstance(entry, dict):
        problems.append(f"{where}: must be a table of parameters, got {entry!r}")
        return {}
    out = {}
    for k, v in entry.items():
        if k == "sources":
            continue
        if k in TEXT:
            if not isinstance(v, str):
                problems.append(f"{where} {k}: must be a string, got {v!r}")
            elif k == "tech" and v not in ("4g", "5g"):
                problems.append(f"{where} tech: must be 4g or 5g, got {v!r}")
            else:
                out[k] = v
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            problems.append(f"{where} {k}: must be a finite number, got {v!r}")
        elif k in POSITIVE and v <= 0:
            problems.append(f"{where} {k}: must be > 0, got {v!r}")
        elif k in NON_NEGATIVE and v < 0:
            problems.append(f"{where} {k}: must be >= 0, got {v!r}")
        else:
            out[k] = float(v)
    return out


@lru_cache(maxsize=8)
def _load(folder: str) -> dict[str, dict]:
    out: dict[str, dict] = {}
    path = Path(folder)
    if not path.is_dir():
        return out
    problems: list[str] = []
    for f in sorted(path.glob("*.toml")):
        shown = f"{path.name}/{f.name}"
        try:
            data = tomllib.loads(f.read_bytes().decode("utf-8-sig"))
        except tomllib.TOMLDecodeError as e:
            raise InstanceError([f"{shown}: not valid TOML: {e}"]) from None
        except UnicodeDecodeError as e:
            raise InstanceError([f"{shown}: not UTF-8: {e}"]) from None
        except OSError as e:
            raise InstanceError([f"{shown}: cannot be read: {e.strerror}"]) from None
        models = data.get("models", {})
        if not isinstance(models, dict):
            problems.append(f"{shown}: models: must be a table of [models.<name>] tables")
            continue
        for name, entry in models.items():
            out[name] = _check_entry(f"{shown}: [models.{name}]", entry, problems)
    if problems:
        raise InstanceError(problems)
    return out


def load_catalogue(folder: str | Path | None = None) -> dict[str, dict]:
    """Return ``{model name: parameters}`` from every TOML file of the catalogue folder.

    Parameters are in the units of docs/instance-format.md: W, kWh, kWh/year, Mbps, km, GHz, MHz, dBm.
    """
    return dict(_load(str(folder or catalogue_dir())))
