"""The result of a solve as plain tables, and the atomic results folder (results/README.md)."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

SUMMARY_KEYS = (
    "instance", "status", "objective_kind", "objective", "bound", "mip_gap", "energy_kwh",
    "grid_energy_kwh", "carbon_t", "cost_cny", "ran_energy_kwh", "dc_energy_kwh",
    "transport_energy_kwh", "renewable_share", "cells_built", "cells_retired", "dcs_open",
    "baseline_energy_kwh", "savings_pct", "solve_seconds", "build_seconds", "solver",
    "solver_version", "package_version",
)

TABLE_COLUMNS = {
    "cells": ["cell", "period", "built", "awake", "load_mbps", "power_w"],
    "areas": ["area", "period", "demand_mbps", "served_mbps", "unserved_mbps", "awake_cells"],
    "dcs": ["dc", "period", "open", "it_kw", "facility_kw"],
    "assignments": ["region", "dc", "class", "period", "it_kw", "latency_ms", "transport_kw"],
    "regions": ["region", "period", "load_kw", "green_kw", "grid_kw"],
    "hourly": ["period", "ran_kw", "dc_kw", "transport_kw", "load_kw", "renewable_kw",
               "green_kw", "grid_kw", "awake_4g", "awake_5g", "demand_mbps"],
    "sites": ["site", "region", "lat", "lon", "cells", "cells_5g", "cells_new", "cells_retired",
              "hours_asleep", "energy_kwh"],
    "dc_sites": ["dc", "region", "lat", "lon", "open", "it_kw_mean", "it_kw_peak", "energy_kwh"],
    "region_summary": ["region", "lat", "lon", "grid_co2_kg_per_kwh", "load_kwh", "green_kwh",
                       "grid_kwh"],
}


#: the stages of a solve whose seconds summary.json names; other_seconds is the rest
STAGE_KEYS = ("build_seconds", "handoff_seconds", "solve_seconds", "extract_seconds",
              "baseline_seconds")


@dataclass(repr=False)
class Solution:
    """A solved (or failed) plan. ``summary`` holds the KPIs of results/README.md (all per year);
    ``tables`` the plan per cell, area, data centre, assignment and region and period."""

    summary: dict
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    log: str = ""
    diagnosis: list[str] = field(default_factory=list)

    def __post_init__(self):
        # the named stages and "other" add up to the wall time of the solve
        s = self.summary
        if isinstance(s.get("wall_seconds"), (int, float)) and "other_seconds" not in s:
            named = sum(float(s.get(k) or 0.0) for k in STAGE_KEYS)
            s["other_seconds"] = round(max(s["wall_seconds"] - named, 0.0), 4)

    def __repr__(self) -> str:
        s = self.summary
        obj, gap = s.get("objective"), s.get("mip_gap")
        from .units import percent, quantity
        kind = s.get("objective_kind") or "objective"
        parts = [f"status={self.status!r}"]
        if obj is not None:
            parts.append(f"{kind}={quantity(kind, obj)}")
        if gap is not None:
            parts.append(f"gap={percent(100 * gap)}")
        if self.tables:
            parts.append("tables={" + ", ".join(f"{k}: {len(v):,} rows"
                                                 for k, v in self.tables.items()) + "}")
        name = s.get("instance") or s.get("name")
        return f"Solution({name!r}, " + ", ".join(parts) + ")" if name else \
            "Solution(" + ", ".join(parts) + ")"

    @property
    def status(self) -> str:
        """optimal, feasible (a plan, stopped at a limit), infeasible,
        time_limit_no_solution or error."""
        return self.summary["status"]

    @property
    def ok(self) -> bool:
        """True when there is a plan (optimal or feasible)."""
        return self.status in ("optimal", "feasible")

    def write(self, out: str | Path, formats: tuple[str, ...] = ("csv",), *,
              instance=None) -> Path:
        """Write the results folder atomically: a temporary sibling folder, then a rename.

        ``formats`` may add ``"parquet"`` (needs pyarrow) and ``"geojson"`` (the plan's
        sites, cells and data centres as plan.geojson; needs the ``instance`` solved).
        Returns the folder.
        """
        if "geojson" in formats and instance is None:
            raise ValueError("the geojson format needs the instance: "
                             "solution.write(out, formats, instance=inst)")
        t0 = time.perf_counter()
        out = Path(out)
        tmp = tmp_folder(out)
        try:
            for name, cols in TABLE_COLUMNS.items():
                df = self.tables.get(name)
                if df is None:
                    df = pd.DataFrame(columns=cols)
                df.to_csv(tmp / f"{name}.csv", index=False, float_format="%.6g")
                if "parquet" in formats:
                    df.to_parquet(tmp / f"{name}.parquet", index=False)
            if "geojson" in formats:
                from .geojson import write as write_geojson
                write_geojson(self, instance, tmp)
            (tmp / "solver.log").write_text(self.log or "", encoding="utf-8")
            summary = dict(self.summary)
            summary["write_seconds"] = round(time.perf_counter() - t0, 4)
            (tmp / "summary.json").write_text(json.dumps(_jsonable(summary), indent=2) + "\n",
                                              encoding="utf-8")
            put_folder(tmp, out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self.summary["write_seconds"] = summary["write_seconds"]
        return out


def tmp_folder(out: Path) -> Path:
    """A new empty folder beside ``out`` (parents created), to be renamed to ``out`` when
    complete; its mode is what ``mkdir`` would give (``mkdtemp`` makes it private)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    os.chmod(tmp, 0o777 & ~umask())
    return tmp


def umask() -> int:
    """The process's umask (reading it means setting it: it is set back at once)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


class OutputError(Exception):
    """An output path the planner will not replace (one line)."""


def check_out(out: Path, marker: str) -> None:
    """Raise :class:`OutputError` unless ``out`` is free to be (re)written: absent, an empty
    folder, or a folder this planner wrote (``marker`` inside, e.g. summary.json). Anything
    else (a file, a folder of the user's own) is never replaced."""
    out = Path(out)
    parent = next((p for p in out.absolute().parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise OutputError(f"{out}: cannot be created: {parent} is not a folder")
    if parent is not None and not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{out}: cannot be created: {parent} is not writable")
    if out.is_symlink() and not out.exists():
        raise OutputError(f"{out}: a broken link; not replaced")
    if not out.exists():
        return
    if not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder; not replaced")
    try:
        empty = not any(out.iterdir())
    except OSError as e:
        raise OutputError(f"{out}: cannot be read: {e.strerror}") from None
    if not empty and not (out / marker).is_file():
        raise OutputError(f"{out}: exists and is not an output folder of netopt (no {marker}); "
                          f"not replaced: choose another --out or empty it")


def check_instance_out(out: Path, mark: str) -> None:
    """Raise :class:`OutputError` unless an instance may be written to ``out`` whole: absent,
    empty, or an instance folder whose instance.toml holds ``mark`` (one the same writer
    made, replaced as a whole so that no file of it stays behind)."""
    out = Path(out)
    check_out(out, "instance.toml")
    toml = out / "instance.toml"
    if toml.is_file() and mark not in toml.read_text(encoding="utf-8", errors="replace"):
        raise OutputError(f"{out}: holds an instance this command did not write; not "
                          f"replaced: choose another folder")


def write_instance_folder(out: Path, mark: str, files: dict[str, str]) -> Path:
    """Write an instance folder whole ({file name: text}) through a folder beside ``out``,
    replacing only what :func:`check_instance_out` allows. Returns ``out``."""
    out = Path(out)
    tmp = tmp_folder(out)
    try:
        for name, text in files.items():
            with open(tmp / name, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
        check_instance_out(out, mark)  # what the folder holds now, just before the rename
        put_folder(tmp, out, marker="instance.toml")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def put_folder(tmp: Path, out: Path, marker: str = "summary.json") -> None:
    """Move the finished folder ``tmp`` to ``out`` by renames, replacing an old ``out`` only
    where :func:`check_out` allows it: a folder that exists under ``out`` is always
    complete."""
    check_out(out, marker)
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out)


def _jsonable(obj):
    import math

    import numpy as np
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        f = float(obj)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj
