"""Read results, comparison and Pareto folders into plain dicts and pandas tables.

This module reads files only: it uses no Pyomo, model or solver code. Files a folder lacks (an
older results folder, a run without a data-centre part) come back as ``None``; the report
leaves the figure out and says why.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

OK_STATUSES = ("optimal", "feasible")

# Baselines a summary.json may hold, in the order the report lists them, with their flat keys
# (energy, savings) for results folders written before the ``baselines`` dict existed.
BASELINES = {
    "status_quo": ("status quo (every existing cell always awake)", "baseline_energy_kwh",
                   "savings_pct"),
    "threshold_sleep": ("threshold sleep rule", "threshold_energy_kwh", "threshold_savings_pct"),
    "nearest_dc": ("nearest data centre", "nearest_dc_energy_kwh", "nearest_dc_savings_pct"),
}

# Optional per-hour and per-site tables of a results folder and the columns the report uses.
TABLES = {
    "hourly": ("period", "ran_kw", "dc_kw", "transport_kw", "load_kw", "renewable_kw",
               "green_kw", "grid_kw", "awake_4g", "awake_5g"),
    "sites": ("site", "region", "lat", "lon", "cells", "cells_5g", "hours_asleep", "energy_kwh"),
    "dc_sites": ("dc", "region", "lat", "lon", "open", "it_kw_mean", "it_kw_peak", "energy_kwh"),
    "region_summary": ("region", "lat", "lon", "grid_co2_kg_per_kwh", "load_kwh", "green_kwh",
                       "grid_kwh"),
    "assignments": ("region", "dc", "class", "period", "it_kw"),
}

PARETO_COLUMNS = ("point", "status", "mip_gap", "x", "y", "energy_kwh", "grid_energy_kwh",
                  "carbon_t", "cost_cny", "new_5g_cells")


class ReportError(Exception):
    """A folder the report cannot read; ``str(e)`` is one line naming the file."""


@dataclass
class Results:
    """One results folder. Tables the folder lacks, or holds with headers only, are ``None``;
    ``missing`` names the files that were absent or unreadable, by table name."""

    folder: Path
    summary: dict
    hourly: pd.DataFrame | None = None
    sites: pd.DataFrame | None = None
    dc_sites: pd.DataFrame | None = None
    region_summary: pd.DataFrame | None = None
    assignments: pd.DataFrame | None = None
    missing: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.summary.get("instance") or self.folder.name)

    @property
    def ok(self) -> bool:
        return self.summary.get("status") in OK_STATUSES

    def baselines(self) -> list[dict]:
        """The baselines present, each with key, label, status, note, energy_kwh,
        grid_energy_kwh, carbon_t, cost_cny (``None`` where unknown) and the plan's savings
        against it in percent per KPI (``savings``: kpi -> pct or ``None``)."""
        s = self.summary
        nested = s.get("baselines") if isinstance(s.get("baselines"), dict) else {}
        out = []
        for key, (label, e_key, pct_key) in BASELINES.items():
            b = nested.get(key)
            if isinstance(b, dict):
                row = {k: _num(b.get(k)) for k in ("energy_kwh", "grid_energy_kwh", "carbon_t",
                                                    "cost_cny")}
                row["status"] = str(b.get("status") or "ok")
                row["note"] = str(b.get("note") or "")
            elif _num(s.get(e_key)) is not None:
                row = {"energy_kwh": _num(s.get(e_key)), "grid_energy_kwh": None,
                       "carbon_t": None, "cost_cny": None, "status": "ok", "note": ""}
            else:
                continue
            if key == "status_quo":  # what "today" means depends on the parts present
                radio = _num(s.get("ran_energy_kwh")) not in (None, 0.0) or \
                    _num(s.get("cells_built")) not in (None, 0.0)
                dcs = _num(s.get("dc_energy_kwh")) not in (None, 0.0)
                label = ("status quo (every existing cell always awake; existing data centres)"
                         if radio and dcs else label if radio or not dcs
                         else "status quo (the existing data centres only)")
            row.update(key=key, label=label)
            savings = {}
            for kpi in ("energy_kwh", "grid_energy_kwh", "carbon_t", "cost_cny"):
                savings[kpi] = _savings(row[kpi], _num(s.get(kpi))) if row["status"] == "ok" else None
            flat = _num(s.get(pct_key))
            if flat is not None and row["status"] == "ok":
                savings["energy_kwh"] = flat
            row["savings"] = savings
            out.append(row)
        return out


@dataclass
class Pareto:
    """A Pareto folder: ``meta`` from pareto.json, ``points`` from pareto.csv."""

    folder: Path
    meta: dict
    points: pd.DataFrame


@dataclass
class Comparison:
    """A comparison folder: the table of comparison.csv and each scenario's results folder
    (``None`` for runs that failed or have no folder). The first row is the base."""

    folder: Path
    table: pd.DataFrame
    results: dict[str, Results | None]
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def base_name(self) -> str:
        return str(self.table["scenario"].iloc[0])

    def base(self) -> tuple[str, Results] | None:
        """The base scenario's results, or the first scenario with results if the base has
        none; ``None`` if no scenario has any."""
        for name in self.table["scenario"].astype(str):
            r = self.results.get(name)
            if r is not None:
                return name, r
        return None

    def ok_rows(self) -> pd.DataFrame:
        """Rows of runs that found a plan (status optimal or feasible)."""
        return self.table[self.table["status"].astype(str).isin(OK_STATUSES)]


@dataclass
class ReportData:
    """What the report draws. ``kind`` is results, comparison or pareto."""

    kind: str
    path: Path
    results: Results | None = None
    comparison: Comparison | None = None
    pareto: Pareto | None = None


def _num(v) -> float | None:
    """A finite float, or ``None`` (for missing, null, NaN, text)."""
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _savings(baseline: float | None, plan: float | None) -> float | None:
    if baseline is None or plan is None or baseline == 0:
        return None
    return (baseline - plan) / baseline * 100.0


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ReportError(f"{path}: cannot read: {e}") from None
    except json.JSONDecodeError as e:
        raise ReportError(f"{path}: not valid JSON (line {e.lineno}: {e.msg})") from None
    if not isinstance(data, dict):
        raise ReportError(f"{path}: expected a JSON object")
    return data


def _read_csv(path: Path, required: tuple[str, ...] = ()) -> pd.DataFrame:
    try:
        df = pd.read_csv(path)
    except FileNotFoundError:
        raise ReportError(f"{path}: no such file") from None
    except pd.errors.EmptyDataError:
        raise ReportError(f"{path}: empty file (no header)") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ReportError(f"{path}: cannot read: {first}") from None
    lacking = [c for c in required if c not in df.columns]
    if lacking:
        raise ReportError(f"{path}: missing column(s) {', '.join(lacking)}")
    return df


def read_results(folder: str | Path) -> Results:
    """Read a results folder. summary.json is required; the other tables are optional."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReportError(f"{folder}: no such folder")
    summary = _read_json(folder / "summary.json")
    res = Results(folder=folder, summary=summary)
    for name, cols in TABLES.items():
        path = folder / f"{name}.csv"
        if not path.exists():
            res.missing[name] = f"{path.name} is not in this results folder"
            continue
        try:
            df = _read_csv(path, cols)
        except ReportError as e:
            res.missing[name] = str(e).replace(str(folder) + "/", "")
            continue
        if df.empty:
            res.missing[name] = f"{path.name} has no rows"
            continue
        setattr(res, name, df)
    return res


def read_pareto(folder: str | Path) -> Pareto:
    """Read a Pareto folder (pareto.json and pareto.csv)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReportError(f"{folder}: no such folder")
    meta = _read_json(folder / "pareto.json")
    points = _read_csv(folder / "pareto.csv", ("point", "status", "x", "y"))
    for c in PARETO_COLUMNS:
        if c not in points.columns:
            points[c] = None
    return Pareto(folder=folder, meta=meta, points=points)


def read_comparison(folder: str | Path) -> Comparison:
    """Read a comparison folder: comparison.csv and each scenario's results subfolder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReportError(f"{folder}: no such folder")
    table = _read_csv(folder / "comparison.csv", ("scenario", "status", "results"))
    if table.empty:
        raise ReportError(f"{folder / 'comparison.csv'}: no scenarios (header only)")
    table = _unique_names(table)
    results: dict[str, Results | None] = {}
    problems: dict[str, str] = {}
    for _, row in table.iterrows():
        name = str(row["scenario"])
        sub = row.get("results")
        results[name] = None
        if not isinstance(sub, str) or not sub.strip():
            problems[name] = "no results folder"
            continue
        path = Path(sub)
        path = path if path.is_absolute() else folder / path
        if not (path / "summary.json").exists():
            problems[name] = f"{sub}: no summary.json"
            continue
        try:
            results[name] = read_results(path)
        except ReportError as e:
            problems[name] = str(e)
    return Comparison(folder=folder, table=table, results=results, problems=problems)


def _unique_names(table: pd.DataFrame) -> pd.DataFrame:
    """The table with every scenario name told apart: a name that several runs share gets
    its run's results folder (or row number) in brackets, so each run keeps its own results."""
    names = table["scenario"].astype(str)
    dup = names.duplicated(keep=False)
    if not dup.any():
        return table
    table = table.copy()
    used = set(names[~dup])
    new = []
    for i, (name, d, sub) in enumerate(zip(names, dup, table["results"])):
        label = name
        if d:
            tag = Path(sub).name if isinstance(sub, str) and sub.strip() else f"row {i + 1}"
            label = f"{name} [{tag}]"
            k = 2
            while label in used:
                label, k = f"{name} [{tag}-{k}]", k + 1
        used.add(label)
        new.append(label)
    table["scenario"] = new
    return table


def is_pareto(folder: Path) -> bool:
    return (folder / "pareto.csv").is_file() and (folder / "pareto.json").is_file()


def load(path: str | Path, pareto: str | Path | None = None) -> ReportData:
    """Read whatever ``path`` is (results, comparison or Pareto folder) and the Pareto folder
    ``pareto`` (or ``path/pareto`` when it is one)."""
    path = Path(path)
    if not path.exists():
        raise ReportError(f"{path}: no such folder")
    if not path.is_dir():
        raise ReportError(f"{path}: not a folder (give a results, comparison or Pareto folder)")
    if (path / "summary.json").is_file():
        data = ReportData("results", path, results=read_results(path))
    elif (path / "comparison.csv").is_file():
        data = ReportData("comparison", path, comparison=read_comparison(path))
    elif is_pareto(path):
        data = ReportData("pareto", path, pareto=read_pareto(path))
    else:
        raise ReportError(f"{path}: not a results, comparison or Pareto folder "
                          "(no summary.json, comparison.csv or pareto.csv + pareto.json)")
    if pareto is not None:
        data.pareto = read_pareto(pareto)
    elif data.pareto is None and is_pareto(path / "pareto"):
        data.pareto = read_pareto(path / "pareto")
    return data


def decisions(base: Results, other: Results) -> dict | None:
    """What ``other`` decides differently from ``base``, from their cells.csv and dcs.csv:
    cells built that the base does not build (``built``), cells the base builds that it does
    not (``dropped``), cells built in both whose awake schedule differs (``rescheduled``:
    cell -> change of awake periods), data centres opened and closed. None when a folder
    lacks cells.csv and dcs.csv."""
    def table(res: Results, name: str, cols: tuple[str, ...]) -> pd.DataFrame | None:
        path = res.folder / f"{name}.csv"
        if not path.exists():
            return None
        try:
            df = _read_csv(path, cols)
        except ReportError:
            return None
        return df if not df.empty else None

    out: dict = {"built": [], "dropped": [], "rescheduled": {}, "opened": [], "closed": []}
    found = False
    a, b = table(base, "cells", ("cell", "period", "built", "awake")), \
        table(other, "cells", ("cell", "period", "built", "awake"))
    if a is not None and b is not None:
        found = True
        ga = a.groupby("cell").agg(built=("built", "max"), awake=("awake", "sum"))
        gb = b.groupby("cell").agg(built=("built", "max"), awake=("awake", "sum"))
        both = ga.add_suffix("_a").join(gb.add_suffix("_b"), how="outer").fillna(0)
        out["built"] = sorted(both.index[(both.built_b > 0) & (both.built_a <= 0)])
        out["dropped"] = sorted(both.index[(both.built_a > 0) & (both.built_b <= 0)])
        kept = both[(both.built_a > 0) & (both.built_b > 0)]
        sa = a.pivot_table(index="cell", columns="period", values="awake", aggfunc="max")
        sb = b.pivot_table(index="cell", columns="period", values="awake", aggfunc="max")
        common = kept.index.intersection(sa.index).intersection(sb.index)
        diff = (sa.loc[common] != sb.loc[common].reindex(columns=sa.columns)).any(axis=1)
        for c in sorted(common[diff.to_numpy()]):
            out["rescheduled"][c] = int(kept.awake_b[c] - kept.awake_a[c])
    da, db = table(base, "dcs", ("dc", "open")), table(other, "dcs", ("dc", "open"))
    if da is not None and db is not None:
        found = True
        oa = da.groupby("dc").open.max()
        ob = db.groupby("dc").open.max()
        both = pd.concat([oa, ob], axis=1, keys=["a", "b"]).fillna(0)
        out["opened"] = sorted(both.index[(both.b > 0) & (both.a <= 0)])
        out["closed"] = sorted(both.index[(both.a > 0) & (both.b <= 0)])
    return out if found else None
