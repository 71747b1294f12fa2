"""Scenario files: a base instance and the changes to it, as one TOML file (docs/scenarios.md).

A scenario names its base (an instance folder, or another scenario file whose changes come
first) and changes it: demand and compute scaled, instance.toml keys set, tables replaced by
other CSV files, cells and data centres forced or forbidden. The changes are applied to the raw
tables and configuration that an instance folder is read into, and the result goes through the
same validation as any instance folder (``optimizer.instance.build_instance``).

Every problem is one line naming the scenario file and the key; all are reported together as
a :class:`ScenarioError` (an :class:`~optimizer.instance.InstanceError`).
"""
from __future__ import annotations

import copy
import csv
import fnmatch
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..instance import schema
from ..instance.errors import InstanceError, Problems
from ..instance.load import _check_value, build_instance, read_folder, read_table
from ..instance.locks import check_locks
from ..instance.model import Instance

TOP_KEYS = ("name", "description", "base", "sleep", "scale", "set", "tables", "force", "forbid")
SCALE_KEYS = ("demand", "compute", "demand_by_region", "compute_by_region", "compute_by_class")
LOCK_KEYS = ("cells", "dcs")
CLASSES = ("interactive", "batch")


class ScenarioError(InstanceError):
    """A scenario that cannot be applied: ``problems`` holds one line per problem, each
    beginning with the scenario file."""


@dataclass(frozen=True)
class Scenario:
    """A parsed scenario file (before it is applied to its base)."""

    name: str
    path: Path | None = None
    description: str = ""
    base: Path | None = None  # resolved against the file's folder; None: the caller's base
    sleep: bool | None = None
    scale: dict = field(default_factory=dict)  # key of SCALE_KEYS -> float or {name: float}
    set: dict = field(default_factory=dict)  # instance.toml tables and keys
    tables: dict = field(default_factory=dict)  # table file (regions.csv) -> Path
    force: dict = field(default_factory=dict)  # cells / dcs -> tuple of ids or patterns
    forbid: dict = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return slugify(self.name)


def slugify(name: str) -> str:
    """A folder name from a scenario name: ``"traffic +30 %"`` -> ``"traffic-plus-30-pct"``."""
    s = name.replace("+", " plus ").replace("%", " pct ").lower()
    s = re.sub(r"[^a-z0-9._]+", "-", s).strip("-.")
    return s or "scenario"


def is_scenario_file(path: str | Path) -> bool:
    """True for a ``.toml`` file other than an instance folder's own instance.toml."""
    path = Path(path)
    return path.suffix.lower() == ".toml" and path.name != "instance.toml" and not path.is_dir()


# ----------------------------------------------------------------------------- reading

def read_scenario(path: str | Path) -> Scenario:
    """Parse and check a scenario file on its own (its base is not read).

    Raises :class:`ScenarioError` naming the file and the key of every problem found.
    """
    path = Path(path)
    where = str(path)
    if not path.is_file():
        raise ScenarioError([f"{where}: no such scenario file"])
    try:
        raw = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ScenarioError([f"{where}: not valid TOML: {e}"]) from None
    p = Problems()
    for k in raw:
        if k not in TOP_KEYS:
            p.add(f"{where}: {k}: unknown key (known: {', '.join(TOP_KEYS)})")
    name = raw.get("name", path.stem)
    if not isinstance(name, str) or not name.strip():
        p.add(f"{where}: name: must be a non-empty string, got {name!r}")
        name = path.stem
    description = raw.get("description", "")
    if not isinstance(description, str):
        p.add(f"{where}: description: must be a string, got {description!r}")
        description = ""
    base = raw.get("base")
    if base is not None:
        if not isinstance(base, str) or not base.strip():
            p.add(f"{where}: base: must be a path (a string), got {base!r}")
            base = None
        else:
            base = path.parent / base
    sleep = raw.get("sleep")
    if sleep is not None and not isinstance(sleep, bool):
        p.add(f"{where}: sleep: must be true or false, got {sleep!r}")
        sleep = None
    scale = _read_scale(where, raw.get("scale", {}), p)
    set_ = _read_set(where, raw.get("set", {}), p)
    if sleep is not None:
        ran = set_.setdefault("ran", {})
        if "allow_sleep" in ran and ran["allow_sleep"] != sleep:
            p.add(f"{where}: sleep: contradicts [set.ran] allow_sleep")
        ran["allow_sleep"] = sleep
    tables = _read_tables(where, path.parent, raw.get("tables", {}), p)
    force = _read_locks(where, "force", raw.get("force", {}), p)
    forbid = _read_locks(where, "forbid", raw.get("forbid", {}), p)
    if p:
        raise ScenarioError(p.lines)
    return Scenario(name=name.strip(), path=path, description=description.strip(), base=base,
                    sleep=sleep, scale=scale, set=set_, tables=tables, force=force, forbid=forbid)


def _table(where: str, key: str, value, p: Problems) -> dict | None:
    if not isinstance(value, dict):
        p.add(f"{where}: {key}: must be a table, got {value!r}")
        return None
    return value


def _factor(where: str, key: str, value, p: Problems) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        p.add(f"{where}: {key}: must be a number, got {value!r}")
        return None
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        p.add(f"{where}: {key}: must be a finite number, got {value!r}")
        return None
    if value < 0:
        p.add(f"{where}: {key}: must be >= 0, got {value:g}")
        return None
    return value


def _read_scale(where: str, raw, p: Problems) -> dict:
    raw = _table(where, "[scale]", raw, p)
    out: dict = {}
    if raw is None:
        return out
    for k, v in raw.items():
        key = f"[scale] {k}"
        if k not in SCALE_KEYS:
            p.add(f"{where}: {key}: unknown key (known: {', '.join(SCALE_KEYS)})")
        elif k.endswith("_by_region") or k.endswith("_by_class"):
            t = _table(where, key, v, p)
            if t is None:
                continue
            factors = {}
            for name, f in t.items():
                f = _factor(where, f"{key} {name}", f, p)
                if f is not None:
                    factors[name] = f
            if k == "compute_by_class":
                for name in factors:
                    if name not in CLASSES:
                        p.add(f"{where}: {key} {name}: unknown class (known: {', '.join(CLASSES)})")
            out[k] = factors
        else:
            f = _factor(where, key, v, p)
            if f is not None:
                out[k] = f
    return out


def _read_set(where: str, raw, p: Problems) -> dict:
    raw = _table(where, "[set]", raw, p)
    out: dict = {}
    if raw is None:
        return out
    sections = [s for s in schema.CONFIG if s]
    top = {k.name: k for k in schema.CONFIG[""].keys}
    for sec, values in raw.items():
        if sec in top:
            if sec == "name":
                p.add(f"{where}: [set] name: cannot be set (the instance is named after its base "
                      f"and the scenario's own name)")
                continue
            q = Problems()
            checked = _check_value(f"{where}: [set] {sec}", top[sec], values, q)
            p.lines.extend(q.lines)
            if not q:
                out[sec] = checked
            continue
        if sec not in schema.CONFIG:
            p.add(f"{where}: [set] {sec}: unknown instance.toml table "
                  f"(known: {', '.join(sections)}, description)")
            continue
        t = _table(where, f"[set.{sec}]", values, p)
        if t is None:
            continue
        known = {k.name: k for k in schema.CONFIG[sec].keys}
        for k, v in t.items():
            key = f"[set.{sec}] {k}"
            if k not in known:
                p.add(f"{where}: {key}: unknown instance.toml key (known: {', '.join(known)})")
                continue
            q = Problems()
            checked = _check_value(f"{where}: {key}", known[k], v, q)
            p.lines.extend(q.lines)
            if not q:
                out.setdefault(sec, {})[k] = checked
    return out


def _read_tables(where: str, folder: Path, raw, p: Problems) -> dict:
    raw = _table(where, "[tables]", raw, p)
    out: dict = {}
    if raw is None:
        return out
    names = [t.removesuffix(".csv") for t in schema.TABLES]
    for k, v in raw.items():
        key = f"[tables] {k}"
        file = k if k.endswith(".csv") else f"{k}.csv"
        if file not in schema.TABLES:
            p.add(f"{where}: {key}: unknown table (known: {', '.join(names)})")
            continue
        if not isinstance(v, str) or not v.strip():
            p.add(f"{where}: {key}: must be a CSV file path (a string), got {v!r}")
            continue
        target = folder / v
        if not target.is_file():
            p.add(f"{where}: {key}: {v}: no such file")
            continue
        out[file] = target
    return out


def _read_locks(where: str, section: str, raw, p: Problems) -> dict:
    raw = _table(where, f"[{section}]", raw, p)
    out: dict = {}
    if raw is None:
        return out
    for k, v in raw.items():
        key = f"[{section}] {k}"
        if k not in LOCK_KEYS:
            p.add(f"{where}: {key}: unknown key (known: {', '.join(LOCK_KEYS)})")
            continue
        if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
            p.add(f"{where}: {key}: must be a list of ids or patterns (strings), got {v!r}")
            continue
        out[k] = tuple(x.strip() for x in v)
    return out


# ----------------------------------------------------------------------------- applying

@dataclass
class _Raw:
    """An instance as read (configuration dict and raw string tables), with what a chain of
    scenarios adds: the ids to force and forbid, and the files the tables came from."""

    config: dict
    tables: dict
    label: str  # what messages call the base
    locks: list = field(default_factory=list)  # (file, section, key, patterns)
    table_files: dict = field(default_factory=dict)  # table -> file name shown in messages
    scenario_files: tuple = ()


def load_scenario(path: str | Path, base: str | Path | None = None) -> tuple[Scenario, Instance]:
    """Read a scenario file, apply it to its base and validate the result.

    ``base`` (an instance folder or scenario file) is used when the file names no ``base``
    of its own. Returns the parsed :class:`Scenario` and the validated :class:`Instance`,
    named ``<base name>+<scenario slug>``. Raises :class:`ScenarioError` (one line per
    problem, each naming the scenario file and key).
    """
    sc = read_scenario(path)
    raw = _resolve(sc, base, ())
    where = str(sc.path)
    try:
        inst = build_instance(raw.config, raw.tables)
    except InstanceError as e:
        raise ScenarioError([f"{where}: {_rename(line, raw.table_files)}"
                             for line in e.problems]) from None
    inst = _apply_locks(inst, raw, where)
    return sc, inst


def load_any(path: str | Path, base: str | Path | None = None) -> Instance:
    """An instance folder, its instance.toml, or a scenario file (applied to ``base`` when it
    names none), validated."""
    path = Path(path)
    if is_scenario_file(path):
        return load_scenario(path, base)[1]
    from ..instance import load_instance
    return load_instance(path.parent if path.name == "instance.toml" else path)


def _rename(line: str, files: dict) -> str:
    for table, shown in files.items():
        if line.startswith(f"{table}:"):
            return f"{shown} (as {table}){line[len(table):]}"
    return line


def _read_base(where: str, base: Path, seen: tuple) -> _Raw:
    if is_scenario_file(base):
        return _resolve(read_scenario(base), None, seen)
    folder = base.parent if base.name == "instance.toml" else base
    if not folder.is_dir():
        raise ScenarioError([f"{where}: base: {base} is not an instance folder (no such directory)"])
    try:
        config, tables, _ = read_folder(folder)  # stray files of the base: its own load warns
    except InstanceError as e:
        raise ScenarioError([f"{where}: base {folder}: {line}" for line in e.problems]) from None
    return _Raw(config=config, tables=tables, label=str(folder))


def _resolve(sc: Scenario, base, seen: tuple) -> _Raw:
    where = str(sc.path)
    key = sc.path.resolve() if sc.path is not None else None
    if key in seen:
        raise ScenarioError([f"{where}: base: scenarios name each other as base in a cycle"])
    chosen = sc.base if sc.base is not None else (Path(base) if base is not None else None)
    if chosen is None:
        raise ScenarioError([f"{where}: base: missing (give base = \"<instance folder>\" in the "
                             f"file, or a base instance to apply it to)"])
    raw = _read_base(where, chosen, seen + (key,))
    return _apply(sc, raw)


def _apply(sc: Scenario, raw: _Raw) -> _Raw:
    where = str(sc.path)
    p = Problems()
    config = copy.deepcopy(raw.config)
    tables = dict(raw.tables)
    table_files = dict(raw.table_files)
    for table, file in sc.tables.items():
        try:
            tables[table] = read_table(file)
        except (UnicodeDecodeError, csv.Error) as e:
            p.add(f"{where}: [tables] {table.removesuffix('.csv')}: {file.name}: cannot be read "
                  f"as UTF-8 CSV: {e}")
            continue
        except OSError as e:
            p.add(f"{where}: [tables] {table.removesuffix('.csv')}: {file.name}: cannot be read: "
                  f"{e.strerror}")
            continue
        table_files[table] = str(file)
    _scale(where, sc.scale, tables, p)
    for sec, values in sc.set.items():
        if isinstance(values, dict):
            target = config.setdefault(sec, {})
            if isinstance(target, dict):
                target.update(values)
            else:
                config[sec] = dict(values)
        else:
            config[sec] = values
    if isinstance(config.get("name"), str):
        config["name"] = f"{config['name']}+{sc.slug}"
    if sc.description:
        config["description"] = sc.description
    if p:
        raise ScenarioError(p.lines)
    locks = list(raw.locks)
    for section, entries in (("force", sc.force), ("forbid", sc.forbid)):
        for k, patterns in entries.items():
            locks.append((where, section, k, patterns))
    return _Raw(config=config, tables=tables, label=raw.label, locks=locks,
                table_files=table_files, scenario_files=raw.scenario_files + (where,))


def _column(df: pd.DataFrame | None, name: str) -> pd.Series | None:
    if df is None or name not in [str(c).strip() for c in df.columns]:
        return None
    cols = {str(c).strip(): c for c in df.columns}
    return df[cols[name]].astype(str).str.strip()


def _scaled(df: pd.DataFrame, column: str, factor: pd.Series) -> pd.DataFrame:
    """``df`` with ``column`` multiplied by ``factor`` where it holds a number (anything else
    is left for the table's validation to report)."""
    cols = {str(c).strip(): c for c in df.columns}
    col = cols[column]
    num = pd.to_numeric(df[col].astype(str).str.strip(), errors="coerce")
    out = df.copy()
    ok = num.notna()
    out[col] = out[col].astype(object)
    out.loc[ok, col] = (num[ok] * factor[ok]).map(repr)
    return out


def _scale(where: str, scale: dict, tables: dict, p: Problems) -> None:
    if not scale:
        return
    regions = _column(tables.get("regions.csv"), "region")
    known_regions = set(regions) if regions is not None else set()

    def region_factors(key: str) -> dict:
        factors = scale.get(key, {})
        for name in factors:
            if name not in known_regions:
                near = [r for r in known_regions if r.lower() == name.lower()]
                hint = f"; did you mean {near[0]!r}?" if near else \
                    f" (known: {', '.join(sorted(known_regions)[:10])}" \
                    f"{', ...' if len(known_regions) > 10 else ''})"
                p.add(f"{where}: [scale] {key} {name}: unknown region{hint}")
        return factors

    if "demand" in scale or "demand_by_region" in scale:
        dem, areas = tables.get("demand.csv"), tables.get("areas.csv")
        by_region = region_factors("demand_by_region")
        if dem is None or _column(dem, "mbps") is None or _column(dem, "area") is None:
            p.add(f"{where}: [scale] demand: the base instance has no demand table to scale")
        elif by_region and (_column(areas, "area") is None or _column(areas, "region") is None):
            p.add(f"{where}: [scale] demand_by_region: the base instance has no areas table")
        else:
            f = pd.Series(scale.get("demand", 1.0), index=dem.index, dtype=float)
            if by_region:
                area_region = dict(zip(_column(areas, "area"), _column(areas, "region")))
                f *= _column(dem, "area").map(area_region).map(by_region).fillna(1.0).astype(float)
            tables["demand.csv"] = _scaled(dem, "mbps", f)
    if any(k in scale for k in ("compute", "compute_by_region", "compute_by_class")):
        comp = tables.get("compute.csv")
        by_region = region_factors("compute_by_region")
        if comp is None or any(_column(comp, c) is None for c in ("it_kw", "region", "class")):
            p.add(f"{where}: [scale] compute: the base instance has no compute table to scale")
        else:
            f = pd.Series(scale.get("compute", 1.0), index=comp.index, dtype=float)
            if by_region:
                f *= _column(comp, "region").map(by_region).fillna(1.0).astype(float)
            by_class = scale.get("compute_by_class", {})
            if by_class:
                f *= _column(comp, "class").str.lower().map(by_class).fillna(1.0).astype(float)
            tables["compute.csv"] = _scaled(comp, "it_kw", f)


def _apply_locks(inst: Instance, raw: _Raw, where: str) -> Instance:
    if not raw.locks:
        return inst
    p = Problems()
    chosen = {("force", "cells"): set(), ("forbid", "cells"): set(),
              ("force", "dcs"): set(), ("forbid", "dcs"): set()}
    ids = {"cells": list(inst.cells.cell) if inst.has_radio else None,
           "dcs": list(inst.datacentres.dc) if inst.has_datacentres else None}
    what = {"cells": "cell", "dcs": "data centre"}
    for file, section, key, patterns in raw.locks:
        known = ids[key]
        if known is None:
            part = "radio" if key == "cells" else "data-centre"
            p.add(f"{file}: [{section}] {key}: the instance has no {part} part")
            continue
        have = set(known)
        for pat in patterns:
            if any(ch in pat for ch in "*?["):
                hit = fnmatch.filter(known, pat)
                if not hit:
                    p.add(f"{file}: [{section}] {key}: pattern {pat!r} matches no {what[key]}")
                chosen[(section, key)].update(hit)
            elif pat in have:
                chosen[(section, key)].add(pat)
            else:
                p.add(f"{file}: [{section}] {key}: {pat!r} is not a {what[key]} of the instance")
    for key in ("cells", "dcs"):
        both = sorted(chosen[("force", key)] & chosen[("forbid", key)])
        if both:
            shown = ", ".join(repr(b) for b in both[:5]) + (f" and {len(both) - 5} more"
                                                          if len(both) > 5 else "")
            p.add(f"{where}: [force] {key} and [forbid] {key}: {shown} both forced and forbidden")
    if p:
        raise ScenarioError(p.lines)
    inst = inst.with_options(
        forced_cells=frozenset(chosen[("force", "cells")]),
        forbidden_cells=frozenset(chosen[("forbid", "cells")]),
        forced_dcs=frozenset(chosen[("force", "dcs")]),
        forbidden_dcs=frozenset(chosen[("forbid", "dcs")]))
    problems = check_locks(inst)
    if problems:
        raise ScenarioError([f"{where}: [force]/[forbid]: {line}" for line in problems])
    return inst
