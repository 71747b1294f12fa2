"""OR-Library capacitated warehouse location files as data-centre siting instances.

See data/orlib-cap/README.md for the format and the mapping: customers -> regions with
interactive demand in one one-hour period, warehouses -> candidate data centres (capacity,
fixed power = fixed cost, PUE 1), allocation cost / demand -> transport kWh per kWh. The
energy objective then equals the published optimum plus the total demand.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InstanceError


def read_cap(path: str | Path) -> dict:
    """Parse an OR-Library ``capNN.txt`` file into numpy arrays."""
    path = Path(path)
    try:
        tok = path.read_text(encoding="utf-8").split()
        m, n = int(tok[0]), int(tok[1])
        vals = np.array([float(x) for x in tok[2:]])
        head = vals[: 2 * m].reshape(m, 2)
        body = vals[2 * m: 2 * m + n * (m + 1)].reshape(n, m + 1)
        if len(vals) != 2 * m + n * (m + 1):
            raise ValueError(f"expected {2 * m + n * (m + 1)} numbers after the header, found {len(vals)}")
    except (OSError, ValueError, IndexError) as e:
        raise InstanceError([f"{path.name}: not an OR-Library capacitated warehouse file: {e}"]) from None
    return dict(capacity=head[:, 0], fixed=head[:, 1], demand=body[:, 0], cost=body[:, 1:])


def orlib_tables(path: str | Path) -> tuple[dict, dict[str, pd.DataFrame]]:
    """(instance.toml dict, tables) of the data-centre instance for one file."""
    d = read_cap(path)
    m, n = len(d["capacity"]), len(d["demand"])
    cust = [f"c{i}" for i in range(n)]
    wh = [f"w{j}" for j in range(m)]
    regions = pd.DataFrame({"region": cust + [f"site-{w}" for w in wh],
                            "grid_co2_kg_per_kwh": 0.0, "price_cny_per_kwh": 0.0})
    dcs = pd.DataFrame({"dc": wh, "region": [f"site-{w}" for w in wh], "status": "candidate",
                        "max_it_kw": d["capacity"], "fixed_kw": d["fixed"], "pue": 1.0})
    pos = d["demand"] > 0
    compute = pd.DataFrame({"region": np.array(cust)[pos], "period": 0, "class": "interactive",
                            "it_kw": d["demand"][pos]})
    ci, wj = np.nonzero(np.broadcast_to(pos[:, None], (n, m)))
    routes = pd.DataFrame({"region": np.array(cust)[ci], "dc": np.array(wh)[wj], "latency_ms": 0.0,
                           "transport_kwh_per_kwh": d["cost"][ci, wj] / d["demand"][ci]})
    name = Path(path).stem
    config = {"name": name, "description": f"OR-Library capacitated warehouse location {name} "
              "(Beasley 1988) as data-centre siting", "time": {"periods": 1, "period_hours": 1.0,
              "weight": 1}, "objective": {"kind": "energy"}, "solver": {"mip_gap": 0.0}}
    return config, {"regions.csv": regions, "datacentres.csv": dcs, "compute.csv": compute,
                    "routes.csv": routes}


def import_orlib(path: str | Path, out: str | Path) -> Path:
    """Write the instance folder for one OR-Library file; returns the folder."""
    from ..solution import write_instance_folder
    config, tables = orlib_tables(path)
    lines = [f'name = "{config["name"]}"', f'description = "{config["description"]}"', "",
             "[time]", "periods = 1", "period_hours = 1.0", "weight = 1", "",
             "[objective]", 'kind = "energy"', "", "[solver]", "mip_gap = 0.0", ""]
    files = {"instance.toml": "\n".join(lines)}
    for name, df in tables.items():
        files[name] = df.to_csv(index=False, float_format="%.10g", lineterminator="\n")
    # an existing folder is replaced only when empty or imported from OR-Library before
    return write_instance_folder(out, "OR-Library capacitated warehouse location", files)
