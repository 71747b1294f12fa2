import shutil
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


def write_instance(folder: Path, toml: str, **tables: pd.DataFrame | str) -> Path:
    """Write an instance folder: ``tables`` are DataFrames or raw CSV text, by table name."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "instance.toml").write_text(toml, encoding="utf-8")
    for name, t in tables.items():
        path = folder / f"{name}.csv"
        if isinstance(t, str):
            path.write_bytes(t.encode("utf-8"))
        else:
            t.to_csv(path, index=False)
    return folder


SMALL_TOML = """name = "small"
[time]
periods = 2
period_hours = 12
weight = 365
[solver]
mip_gap = 0.0
"""


def small_tables() -> dict[str, str]:
    """Two areas, an existing 4G cell covering both, a candidate 5G cell covering a1."""
    return dict(
        regions="region,grid_co2_kg_per_kwh,price_cny_per_kwh\nr,0.5,0.6\n",
        sites="site,region,lat,lon,overhead_w\ns0,r,31.0,121.0,100\ns1,r,31.001,121.0,0\n",
        cells=("cell,site,tech,status,model,capacity_mbps,active_w,load_w,sleep_w,wake_kwh,"
               "embodied_kwh_per_year\n"
               "c4,s0,4g,existing,,100,300,200,150,0,0\n"
               "c5,s1,5g,candidate,,1000,800,500,10,0,100\n"),
        areas="area,region,lat,lon,requires_5g\na0,r,31,121,false\na1,r,31,121,false\n",
        demand="area,period,mbps\na0,0,10\na1,0,20\na0,1,50\na1,1,40\n",
        coverage="cell,area,link_mbps\nc4,a0,100\nc4,a1,100\nc5,a1,1000\n",
    )


@pytest.fixture
def small(tmp_path) -> Path:
    return write_instance(tmp_path / "small", SMALL_TOML, **small_tables())


@pytest.fixture
def milan_copy(tmp_path) -> Path:
    dst = tmp_path / "milan"
    shutil.copytree(ROOT / "instances" / "milan", dst)
    return dst
