"""The equipment power-model catalogue (models/*.toml)."""
from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path

from .errors import InstanceError

#: Where the catalogue lives: ``$NETOPT_MODELS`` or the project's ``models/`` folder.
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "models"


def catalogue_dir() -> Path:
    return Path(os.environ.get("NETOPT_MODELS", DEFAULT_DIR))


@lru_cache(maxsize=8)
def _load(folder: str) -> dict[str, dict]:
    out: dict[str, dict] = {}
    path = Path(folder)
    if not path.is_dir():
        return out
    for f in sorted(path.glob("*.toml")):
        try:
            data = tomllib.loads(f.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise InstanceError([f"{f.name}: not valid TOML: {e}"]) from None
        for name, entry in data.get("models", {}).items():
            out[name] = {k: v for k, v in entry.items() if k != "sources"}
    return out


def load_catalogue(folder: str | Path | None = None) -> dict[str, dict]:
    """Return ``{model name: parameters}`` from every TOML file of the catalogue folder.

    Parameters are in the units of docs/instance-format.md: W, kWh, kWh/year, Mbps, km, GHz, MHz, dBm.
    """
    return dict(_load(str(folder or catalogue_dir())))
