"""Reading instance folders (or DataFrames) into a validated :class:`Instance`.

Real files are accepted as they come: UTF-8 with or without BOM, CRLF line ends, any column
order, spaces around names and values, extra columns (ignored with a warning). Every problem
found is collected and raised together as one :class:`InstanceError`, one line each.
"""
from __future__ import annotations

import csv
import io
import math
import numbers
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from . import schema
from .catalogue import load_catalogue
from .errors import InstanceError, Problems, has_control
from .model import DatacentreConfig, Instance, RanConfig, SolverConfig, TimeConfig

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


# ----------------------------------------------------------------------------- reading

def read_table(path: Path) -> pd.DataFrame:
    """Read one CSV as strings, header and values stripped, BOM and CRLF tolerated.

    Blank lines are skipped; ``attrs["lines"]`` keeps each data row's line number in the
    file, so that messages name the line an editor shows. Unnamed columns (an empty header,
    as spreadsheet exports leave after a trailing comma) that hold no value are dropped."""
    text = path.read_bytes().decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows, lines = [], []
    try:
        for r in reader:
            if any(cell.strip() for cell in r):
                rows.append(r)
                lines.append(reader.line_num)
    except csv.Error as e:
        raise csv.Error(f"line {reader.line_num}: {e} (an unclosed quote?)") from None
    for r, end in zip(rows, lines):
        if any("\n" in c or "\r" in c for c in r):
            raise csv.Error(f"line {end}: a quoted value runs over several lines "
                            "(an unclosed quote?)")
    if not rows:
        return pd.DataFrame()
    header = [h.strip() for h in rows[0]]
    width = len(header)
    body = [[c.strip() for c in (r + [""] * (width - len(r)))[:width]] for r in rows[1:]]
    bad = [i for i, r in enumerate(rows[1:]) if len(r) > width and any(c.strip() for c in r[width:])]
    keep = [j for j, h in enumerate(header) if h or any(row[j] for row in body)]
    df = pd.DataFrame([[row[j] for j in keep] for row in body],
                      columns=[header[j] for j in keep], dtype=object)
    df.attrs["overlong_rows"] = bad
    df.attrs["lines"] = lines[1:]
    return df


def read_folder(folder: str | Path) -> tuple[dict, dict[str, pd.DataFrame], list[str]]:
    """Return (instance.toml as dict, {file name: raw string table}, warnings) of an
    instance folder.

    A CSV file whose name is not a known table but differs from one only in case or by a
    slip of a letter or two (``renewable.csv``) is an error: read as it stands, the table
    would be silently missing. Other CSV files are ignored with a warning."""
    import difflib
    folder = Path(folder)
    if not folder.is_dir():
        raise InstanceError([f"{folder}: not an instance folder (no such directory)"])
    toml_path = folder / "instance.toml"
    if toml_path.exists() and not toml_path.is_file():
        raise InstanceError([f"{folder.name}/instance.toml: is a folder, not a file"])
    if not toml_path.is_file():
        raise InstanceError([f"{folder.name}/instance.toml: missing (every instance needs one)"])
    try:
        config = tomllib.loads(toml_path.read_bytes().decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InstanceError([f"instance.toml: not valid TOML: {e}"]) from None
    except OSError as e:
        raise InstanceError([f"instance.toml: cannot be read: {e.strerror}"]) from None
    tables = {}
    problems, warnings = [], []
    for name in schema.TABLES:
        p = folder / name
        if p.exists() and not p.is_file():
            problems.append(f"{name}: is a folder, not a file")
        elif p.is_file():
            try:
                tables[name] = read_table(p)
            except (UnicodeDecodeError, csv.Error) as e:
                problems.append(f"{name}: cannot be read as UTF-8 CSV: {e}")
            except OSError as e:
                problems.append(f"{name}: cannot be read: {e.strerror}")
    try:
        others = sorted(f.name for f in folder.iterdir()
                        if f.suffix.lower() == ".csv" and f.name not in schema.TABLES)
    except OSError:
        others = []
    for name in others:
        near = [t for t in schema.TABLES if t.lower() == name.lower()] or \
            difflib.get_close_matches(name.lower(), list(schema.TABLES), n=1, cutoff=0.85)
        if near:
            problems.append(f"{name}: not a table of the format; did you mean {near[0]}?")
        else:
            warnings.append(f"{name}: not a table of the format (ignored)")
    if problems:
        raise InstanceError(problems)
    return config, tables, warnings


def load_instance(path: str | Path, catalogue: dict | None = None) -> Instance:
    """Read and validate an instance folder (instance.toml + CSV tables of docs/instance-format.md).

    Raises :class:`InstanceError` listing every problem found, one line each.
    """
    config, tables, warnings = read_folder(path)
    inst = build_instance(config, tables, catalogue=catalogue, source=Path(path))
    if warnings:
        inst = replace(inst, warnings=tuple(warnings) + inst.warnings)
    return inst


# ----------------------------------------------------------------------------- config

#: The largest magnitude a number may have. Far beyond any real value in the format's units
#: (W, kWh, Mbps, km, CNY); larger ones only overflow the model's coefficients (HiGHS treats
#: 1e20 as infinite) and end in a solver error instead of a clear line.
MAX_MAGNITUDE = 1e12


def _check_value(where: str, key: schema.Key | schema.Column, value, p: Problems):
    kind = key.kind
    if kind == "bool":
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        p.add(f"{where}: must be true or false, got {value!r}")
        return None
    if kind in ("int",):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            p.add(f"{where}: must be a whole number, got {value!r}")
            return None
        value = int(value)
    elif kind == "float":
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
                or math.isnan(value):
            p.add(f"{where}: must be a number, got {value!r}")
            return None
        value = float(value)
        if not math.isfinite(value):
            p.add(f"{where}: must be finite, got {value!r}")
            return None
    elif kind == "str":
        if not isinstance(value, str):
            p.add(f"{where}: must be a string, got {value!r}")
            return None
        if key.choices and value not in key.choices:
            p.add(f"{where}: must be one of {', '.join(key.choices)}, got {value!r}")
            return None
        return value
    if abs(value) > MAX_MAGNITUDE:
        p.add(f"{where}: {value:g} is beyond any real value (at most {MAX_MAGNITUDE:g} in size)")
        return None
    if key.ge is not None and value < key.ge:
        p.add(f"{where}: must be >= {key.ge}, got {value!r}")
    if key.gt is not None and value <= key.gt:
        p.add(f"{where}: must be > {key.gt}, got {value!r}")
    if key.le is not None and value > key.le:
        p.add(f"{where}: must be <= {key.le}, got {value!r}")
    return value


def _check_name(name, p: Problems) -> None:
    """The instance name names the default results folder: it must be one plain folder name."""
    if not isinstance(name, str):
        return
    if not name.strip() or name.strip() in (".", "..") or any(c in name for c in "/\\") or \
            has_control(name):
        p.add(f"instance.toml: name: must be a plain folder name (not blank, '.' or '..', no "
              f"'/', '\\' or control characters), got {name!r}")
        p.fatal = True


def parse_config(config: dict, p: Problems) -> dict[str, dict]:
    """Check instance.toml against the schema; return {section: {key: value}} with defaults."""
    out: dict[str, dict] = {}
    for sec_name, section in schema.CONFIG.items():
        raw = config if sec_name == "" else config.get(sec_name, {})
        if sec_name and not isinstance(raw, dict):
            p.add(f"instance.toml: [{sec_name}] must be a table")
            p.fatal = True
            raw = {}
        known = {k.name: k for k in section.keys}
        vals = {}
        for key in section.keys:
            where = f"instance.toml: {('[' + sec_name + '] ') if sec_name else ''}{key.name}"
            if key.name in raw:
                vals[key.name] = _check_value(where, key, raw[key.name], p)
                if vals[key.name] is None:  # unreadable: the checks that need it cannot run
                    p.fatal = True
            else:
                vals[key.name] = key.default
        for k in raw:
            if sec_name == "" and k in schema.CONFIG:
                continue
            if k not in known:
                sec = f"[{sec_name}] " if sec_name else ""
                if sec_name == "" and isinstance(raw[k], dict):
                    p.add(f"instance.toml: [{k}]: unknown section (known: "
                          f"{', '.join('[' + n + ']' for n in schema.CONFIG if n)})")
                else:
                    p.add(f"instance.toml: {sec}{k}: unknown option (known: {', '.join(known)})")
        out[sec_name] = vals
    if "name" not in config:
        p.add("instance.toml: name: missing (every instance needs a name)")
        p.fatal = True
    _check_name(out[""]["name"], p)
    time = config.get("time")
    if not isinstance(time, dict) or "periods" not in time:
        p.add("instance.toml: [time] periods: missing")
        p.fatal = True
    return out


# ----------------------------------------------------------------------------- tables

def _missing(v) -> bool:
    """None, NaN, NaT or pd.NA (nullable DataFrame columns) in one cell."""
    try:
        return v is None or bool(pd.isna(v))
    except (TypeError, ValueError):  # pd.isna of a list-like value
        return False


def _parse_column(df: pd.DataFrame, spec: schema.Table, col: schema.Column, p: Problems,
                  ids) -> pd.Series:
    file = spec.file
    s = df[col.name]
    present = s.map(lambda v: not (_missing(v) or (isinstance(v, str) and v.strip() == "")))
    if col.kind in ("float", "int"):
        num = pd.to_numeric(s.where(present), errors="coerce").astype(float)
        bad = present & num.isna()
        if bad.any():
            p.add_rows(file, np.flatnonzero(bad), f"{s[bad].iloc[0]!r} is not a number"
                       if bad.sum() == 1 else "not a number", ids[bad], col.name)
        inf = np.isinf(num)
        if inf.any():
            p.add_rows(file, np.flatnonzero(inf), "must be finite", ids[inf], col.name)
        big = ~inf & (num.abs() > MAX_MAGNITUDE)
        if big.any():
            p.add_rows(file, np.flatnonzero(big), f"beyond any real value (at most "
                       f"{MAX_MAGNITUDE:g} in size)", ids[big], col.name)
            num = num.where(~big)
        if col.kind == "int":
            frac = num.notna() & ~inf & (num != np.round(num))
            if frac.any():
                p.add_rows(file, np.flatnonzero(frac), "must be a whole number", ids[frac], col.name)
        checks = []
        if col.ge is not None:
            checks.append((num < col.ge, f"must be >= {col.ge:g}"))
        if col.gt is not None:
            checks.append((num <= col.gt, f"must be > {col.gt:g}"))
        if col.le is not None:
            checks.append((num > col.le, f"must be <= {col.le:g}"))
        for mask, msg in checks:
            mask = mask & num.notna()
            if mask.any():
                vals = num[mask]
                p.add_rows(file, np.flatnonzero(mask), f"{msg}, got {vals.iloc[0]:g}"
                           if mask.sum() == 1 else msg, ids[mask], col.name)
        missing = ~present
        if col.required and missing.any():
            p.add_rows(file, np.flatnonzero(missing), "missing value", ids[missing], col.name)
        if col.default is not None:
            num = num.fillna(float(col.default))
        return num
    if col.kind == "bool":
        low = s.map(lambda v: "" if _missing(v) else str(v).strip().lower()
                    if not isinstance(v, (bool, np.bool_)) else str(bool(v)).lower())
        # numbers from a DataFrame: 1.0 and 0.0 as written in a CSV file
        low = low.replace({"1.0": "1", "0.0": "0"})
        bad = ~low.isin(_TRUE | _FALSE) & present
        if bad.any():
            p.add_rows(file, np.flatnonzero(bad), "must be true or false", ids[bad], col.name)
        return low.isin(_TRUE)
    strs = s.map(lambda v: "" if _missing(v) else str(v).strip())
    if col.kind == "enum":
        low = strs.str.lower()
        bad = ~low.isin(col.choices) & (present | col.required)
        if bad.any():
            p.add_rows(file, np.flatnonzero(bad),
                       f"must be one of {'|'.join(col.choices)}", ids[bad], col.name)
        return low
    if col.required:
        missing = ~present
        if missing.any():
            p.add_rows(file, np.flatnonzero(missing), "missing value", ids[missing], col.name)
    return strs.fillna(col.default if col.default is not None else "")


def parse_table(raw: pd.DataFrame, spec: schema.Table, p: Problems) -> pd.DataFrame | None:
    """Typed table from a raw one: columns checked, values parsed, ranges and keys checked."""
    file = spec.file
    if raw.attrs.get("lines") is not None and len(raw.attrs["lines"]) == len(raw):
        p.file_lines[file] = list(raw.attrs["lines"])
    raw = raw.copy()
    raw.columns = [str(c).strip() for c in raw.columns]
    unnamed = [j for j, c in enumerate(raw.columns) if not c]
    if unnamed:
        p.warn(f"{file}: ignoring {len(unnamed)} column(s) without a name (position "
               f"{', '.join(str(j + 1) for j in unnamed)})")
        raw = raw.iloc[:, [j for j in range(raw.shape[1]) if j not in unnamed]]
    dup_cols = raw.columns[raw.columns.duplicated()].unique().tolist()
    if dup_cols:
        p.add(f"{file}: header: column {', '.join(dup_cols)} appears more than once")
        return None
    import difflib
    extra = [c for c in raw.columns if c not in spec.names]
    absent = [n for n in spec.names if n not in raw.columns]
    slips = {}
    for c in extra:  # a slip of a known column's name would leave that column at its default
        near = difflib.get_close_matches(c.lower(), absent, n=1, cutoff=0.75)
        if near:
            slips[c] = near[0]
            p.add(f"{file}: header: unknown column {c}; did you mean {near[0]}?")
    missing = [c.name for c in spec.columns if c.required and c.name not in raw.columns
               and c.name not in slips.values()]
    if missing:
        odd = [c for c in extra if c not in slips]
        p.add(f"{file}: header: missing column {', '.join(missing)} "
              f"(expected {', '.join(c.name for c in spec.columns if c.required)}"
              + (f"; not known: {', '.join(odd)})" if odd else ")"))
        return None
    if slips:
        return None
    if extra:
        p.warn(f"{file}: ignoring unknown column {', '.join(extra)} "
               f"(known: {', '.join(spec.names)})")
    lines = p.file_lines.get(file)
    for r in raw.attrs.get("overlong_rows", []):
        p.add(f"{file}: row {lines[r] if lines else r + 2}: more values than header columns")
    raw = raw.reset_index(drop=True)
    first = spec.key[0]
    def text(col):
        return raw[col].map(lambda v: "" if _missing(v) else str(v).strip())
    ids = text(first) if first in raw.columns else pd.Series([""] * len(raw))
    if len(spec.key) > 1 and spec.key[1] in raw.columns:
        ids = ids + "," + text(spec.key[1])
    out = {}
    for col in spec.columns:
        if col.name in raw.columns:
            out[col.name] = _parse_column(raw, spec, col, p, ids)
        else:
            # an optional column left out: its documented default in every row
            if col.kind == "bool":
                out[col.name] = pd.Series([bool(col.default)] * len(raw), dtype=bool)
            elif col.kind in ("float", "int"):
                out[col.name] = pd.Series([np.nan if col.default is None else float(col.default)]
                                          * len(raw), dtype=float)
            else:
                out[col.name] = pd.Series([col.default if col.default is not None else ""]
                                          * len(raw), dtype=object)
    df = pd.DataFrame(out)
    key = list(spec.key)
    dup = df.duplicated(key, keep="first")
    if dup.any():
        p.add_rows(file, np.flatnonzero(dup), f"duplicate {'/'.join(key)}", ids[dup])
    for col in spec.columns:
        if col.kind == "int" and df[col.name].notna().all():
            df[col.name] = df[col.name].astype(np.int64)
    return df


def _refs(p: Problems, df: pd.DataFrame, file: str, column: str, known, target: str, ids=None):
    bad = ~df[column].isin(known) & (df[column] != "")  # an empty one is reported missing
    if bad.any():
        p.add_rows(file, np.flatnonzero(bad), f"{column} {df[column][bad].iloc[0]!r} is not in "
                   f"{target}" if bad.sum() == 1 else f"{column} not in {target}",
                   (ids if ids is not None else df[column])[bad], column)


def _periods(p: Problems, df: pd.DataFrame, file: str, T: int, ids):
    bad = (df["period"] < 0) | (df["period"] >= T)
    if bad.any():
        p.add_rows(file, np.flatnonzero(bad), f"period outside the horizon 0..{T - 1}",
                   ids[bad], "period")


# ----------------------------------------------------------------------------- building

def build_instance(config: dict, tables: dict[str, pd.DataFrame], *, catalogue: dict | None = None,
                   source: Path | None = None) -> Instance:
    """Validate a config dict and raw tables ({file name: DataFrame}) into an Instance."""
    p = Problems()
    cfg = parse_config(config, p)
    before = len(p.lines)
    unknown_tables = [t for t in tables if t not in schema.TABLES]
    for t in unknown_tables:
        p.add(f"{t}: unknown table (known: {', '.join(schema.TABLES)})")
    radio_present = [t for t in schema.RADIO_TABLES if t in tables]
    dc_present = [t for t in schema.DC_TABLES if t in tables]
    if "regions.csv" not in tables:
        p.add("regions.csv: missing (every instance needs its regions)")
    if radio_present and len(radio_present) < len(schema.RADIO_TABLES):
        for t in schema.RADIO_TABLES:
            if t not in tables:
                p.add(f"{t}: missing (the radio part needs {', '.join(schema.RADIO_TABLES)})")
    if dc_present and len(dc_present) < len(schema.DC_TABLES):
        for t in schema.DC_TABLES:
            if t not in tables:
                p.add(f"{t}: missing (the data-centre part needs {', '.join(schema.DC_TABLES)})")
    if not radio_present and not dc_present:
        p.add("instance: neither a radio part (sites, cells, areas, demand) nor a data-centre "
              "part (datacentres, compute) is present")
    if "coverage.csv" in tables and not radio_present:
        p.add("coverage.csv: given without a radio part")
    if len(p.lines) > before:  # a table missing: nothing across tables can be checked
        p.fatal = True
    parsed = {}
    for name, raw in tables.items():
        if name in schema.TABLES:
            df = parse_table(raw if isinstance(raw, pd.DataFrame) else pd.DataFrame(raw),
                             schema.TABLES[name], p)
            if df is not None:
                parsed[name] = df
    if p.fatal or any(t not in parsed for t in tables if t in schema.TABLES):
        # a table or a setting could not be read: the checks across tables need them all.
        # Problems with single values (ranges, missing ones) go on to those checks, so that
        # everything found is reported together.
        p.raise_if_any()
    if "demand.csv" in parsed and parsed["demand.csv"].empty:
        p.warn("demand.csv: no rows: every area's traffic is zero, so the plan only keeps "
               "the coverage")
    T = cfg["time"]["periods"]
    regions = parsed["regions.csv"]
    rids = set(regions.region)
    if "renewables.csv" in parsed:
        rn = parsed["renewables.csv"]
        _refs(p, rn, "renewables.csv", "region", rids, "regions.csv")
        _periods(p, rn, "renewables.csv", T, rn.region)

    ran = RanConfig(**cfg["ran"])
    dcc = DatacentreConfig(**cfg["datacentre"])
    kw = {}
    coverage_source = "file"
    warnings = list(p.warnings)
    if radio_present:
        from .radio import resolve_radio
        kw, coverage_source = resolve_radio(parsed, ran, T, rids, p,
                                            catalogue if catalogue is not None else load_catalogue())
    if dc_present:
        from .datacentre import check_datacentre
        kw.update(check_datacentre(parsed, dcc, T, rids, p))
    p.raise_if_any()
    warnings += [w for w in p.warnings if w not in warnings]
    return Instance(
        name=cfg[""]["name"], description=cfg[""]["description"] or "",
        time=TimeConfig(**cfg["time"]), objective=cfg["objective"]["kind"], ran=ran,
        datacentre=dcc, solver=SolverConfig(**cfg["solver"]), regions=regions,
        renewables=parsed.get("renewables.csv"), coverage_source=coverage_source,
        source=source, warnings=tuple(warnings), **kw)


def instance_from_frames(config: dict, **frames: pd.DataFrame) -> Instance:
    """Build an Instance without files: ``config`` is instance.toml as a dict, frames are
    named after the tables without ``.csv`` (``regions=..., cells=..., demand=...``).

    The same validation runs as for folders; row numbers in messages count as in a CSV file
    (header = row 1).
    """
    tables = {f"{k}.csv": v for k, v in frames.items() if v is not None}
    return build_instance(config, tables)
