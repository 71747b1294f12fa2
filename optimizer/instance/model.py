"""The typed, validated, immutable planning instance."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class TimeConfig:
    periods: int
    period_hours: float = 1.0  # h per period
    weight: float = 1.0  # horizons per year


@dataclass(frozen=True)
class RanConfig:
    min_coverage: int = 1  # awake cells covering each area in every period
    allow_retire: bool = False
    max_new_cells: int | None = None
    max_wakeups: int | None = None  # per cell per horizon
    unserved_penalty_kwh_per_mbps_h: float | None = None  # soft demand when given
    allow_sleep: bool = True  # false: every built cell is awake in every period
    sleep_threshold_pct: float = 10.0  # threshold-rule baseline (schema.py gives the source)


@dataclass(frozen=True)
class DatacentreConfig:
    interactive_latency_ms: float | None = None
    batch_shiftable: bool = True
    max_open: int | None = None
    fibre_ms_per_km: float = 0.005
    transport_kwh_per_kwh_per_1000km: float = 0.01
    route_factor: float = 1.5


@dataclass(frozen=True)
class SolverConfig:
    time_limit_s: float | None = None
    mip_gap: float = 1e-4
    threads: int | None = None
    seed: int = 0
    solver: str = "highs"


TABLE_NAMES = ("regions", "renewables", "sites", "cells", "areas", "demand", "coverage",
               "datacentres", "compute", "links", "routes")


# each subsystem's fields: a part of a split instance keeps one subsystem's, and joining a
# radio part to the data centres copies theirs (optimizer.decompose)
RADIO_FIELDS = ("sites", "cells", "areas", "demand", "coverage")
DATACENTRE_FIELDS = ("datacentre", "datacentres", "compute", "links", "routes", "forced_dcs",
                     "forbidden_dcs")


@dataclass(frozen=True, repr=False)
class Instance:
    """A planning instance: configuration and typed tables, validated once when built.

    Tables are pandas DataFrames with the columns of docs/instance-format.md in fixed units (W, kW, kWh,
    Mbps, km, ms); treat them as read-only. ``cells`` carries every power parameter resolved
    from the catalogue and per-row overrides; ``coverage`` is given or derived from geometry
    (``coverage_source`` says which). Parts that are absent are ``None``.
    """

    name: str
    time: TimeConfig
    objective: str = "energy"
    description: str = ""
    ran: RanConfig = field(default_factory=RanConfig)
    datacentre: DatacentreConfig = field(default_factory=DatacentreConfig)
    solver: SolverConfig = field(default_factory=SolverConfig)
    regions: pd.DataFrame | None = None
    renewables: pd.DataFrame | None = None
    sites: pd.DataFrame | None = None
    cells: pd.DataFrame | None = None
    areas: pd.DataFrame | None = None
    demand: pd.DataFrame | None = None
    coverage: pd.DataFrame | None = None
    datacentres: pd.DataFrame | None = None
    compute: pd.DataFrame | None = None
    links: pd.DataFrame | None = None
    routes: pd.DataFrame | None = None
    coverage_source: str = "file"
    source: Path | None = None
    warnings: tuple[str, ...] = ()
    # ids a scenario forces (built / open) or forbids (never built, never awake / closed)
    forced_cells: frozenset[str] = frozenset()
    forbidden_cells: frozenset[str] = frozenset()
    forced_dcs: frozenset[str] = frozenset()
    forbidden_dcs: frozenset[str] = frozenset()

    def __repr__(self) -> str:
        sizes = [f"{name}: {len(df):,}" for name in TABLE_NAMES
                 if (df := getattr(self, name)) is not None]
        return (f"Instance({self.name!r}, {self.time.periods} periods of "
                f"{self.time.period_hours:g} h, objective={self.objective!r}, "
                + ", ".join(sizes) + ")")

    @property
    def has_radio(self) -> bool:
        return self.cells is not None

    @property
    def has_datacentres(self) -> bool:
        return self.datacentres is not None

    @property
    def periods(self) -> range:
        """The period indices 0 .. T-1 of the horizon."""
        return range(self.time.periods)

    def with_options(self, **changes) -> "Instance":
        """A copy with top-level fields replaced (e.g. ``objective="carbon"``).

        Raises ValueError for an objective the planner does not know. A copy with any other
        field changed no longer stands for its folder (``source`` is None): its input hash
        is then taken from the instance itself."""
        from .schema import OBJECTIVES
        if "objective" in changes and changes["objective"] not in OBJECTIVES:
            raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}, "
                             f"got {changes['objective']!r}")
        for name in ("ran", "solver"):
            if isinstance(changes.get(name), dict):
                changes[name] = _settings(name, getattr(self, name), changes[name])
            elif name in changes and not isinstance(changes[name], type(getattr(self, name))):
                raise TypeError(f"{name}: give a dict of [{name}] settings "
                                f"({name}={{'max_wakeups': 2}}), got {changes[name]!r}")
        for name in ("time", "datacentre"):
            if isinstance(changes.get(name), dict):
                raise TypeError(f"{name}: the tables (periods, routes) were derived from "
                                f"[{name}] when the instance was loaded; change it in "
                                f"instance.toml (or a scenario) and load the instance again")
        if set(changes) - {"objective", "source"}:
            changes.setdefault("source", None)
        return replace(self, **changes)

    def summary(self) -> dict:
        """Counts that describe the instance (for ``netopt validate`` and ``info``)."""
        out = {"name": self.name, "periods": self.time.periods,
               "period_hours": self.time.period_hours, "weight": self.time.weight,
               "objective": self.objective, "regions": len(self.regions)}
        if self.has_radio:
            c = self.cells
            out.update(sites=len(self.sites), cells=len(c),
                       cells_4g=int((c.tech == "4g").sum()), cells_5g=int((c.tech == "5g").sum()),
                       existing_cells=int((c.status == "existing").sum()),
                       candidate_cells=int((c.status == "candidate").sum()),
                       areas=len(self.areas), coverage_links=len(self.coverage),
                       coverage_source=self.coverage_source,
                       peak_demand_mbps=float(self.demand.groupby("period").mbps.sum().max()
                                              if len(self.demand) else 0.0))
        if self.has_datacentres:
            out.update(datacentres=len(self.datacentres),
                       compute_it_kw_peak=float(self.compute.groupby("period").it_kw.sum().max()
                                                if len(self.compute) else 0.0))
        return out


def _settings(section: str, current, values: dict):
    """``current`` (a RanConfig or SolverConfig) with ``values`` applied, each checked as
    instance.toml's [section] is; ValueError naming every bad one."""
    from .errors import InstanceError, Problems
    from .load import _check_value
    from .schema import CONFIG
    known = {k.name: k for k in CONFIG[section].keys}
    p = Problems()
    out = {}
    for k, v in values.items():
        if k not in known:
            p.add(f"{section}: {k}: unknown option (known: {', '.join(known)})")
        elif v is None and known[k].default is None:
            out[k] = None  # an optional limit lifted
        else:
            checked = _check_value(f"{section}: {k}", known[k], v, p)
            if checked is not None:
                out[k] = checked
    if p.lines:
        raise ValueError("; ".join(p.lines))
    return replace(current, **out)
