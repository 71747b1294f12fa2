"""The instance schema as data: every table, column, unit, range and default.

The loader and the validator read this module; docs/instance-format.md describes the same
schema for people. A column is one of the kinds ``str``, ``float``, ``int``, ``bool`` or
``enum``. Ranges are inclusive unless ``gt`` (strictly greater than) is given.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "str"  # str | float | int | bool | enum
    required: bool = True
    default: object = None
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    choices: tuple[str, ...] = ()
    unit: str = ""
    doc: str = ""


@dataclass(frozen=True)
class Table:
    file: str
    part: str  # core | radio | datacentre
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    required: bool = False
    doc: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _id(name: str, doc: str = "") -> Column:
    return Column(name, "str", doc=doc)


CELL_PARAMS = ("capacity_mbps", "active_w", "load_w", "sleep_w", "wake_kwh",
               "embodied_kwh_per_year", "range_km")

TABLES: dict[str, Table] = {t.file: t for t in [
    Table("regions.csv", "core", ("region",), (
        _id("region"),
        Column("grid_co2_kg_per_kwh", "float", ge=0, unit="kg CO2/kWh"),
        Column("price_cny_per_kwh", "float", ge=0, unit="CNY/kWh"),
        Column("lat", "float", required=False, ge=-90, le=90, unit="deg"),
        Column("lon", "float", required=False, ge=-180, le=180, unit="deg"),
    ), required=True, doc="regions of the energy balance"),
    Table("renewables.csv", "core", ("region", "period"), (
        _id("region"), Column("period", "int", ge=0),
        Column("renewable_kw", "float", ge=0, unit="kW"),
    ), doc="renewable supply available to each region in each period"),
    Table("sites.csv", "radio", ("site",), (
        _id("site"), _id("region"),
        Column("lat", "float", ge=-90, le=90, unit="deg"),
        Column("lon", "float", ge=-180, le=180, unit="deg"),
        Column("overhead_w", "float", required=False, default=0.0, ge=0, unit="W"),
    ), doc="radio sites"),
    Table("cells.csv", "radio", ("cell",), (
        _id("cell"), _id("site"),
        Column("tech", "enum", choices=("4g", "5g")),
        Column("status", "enum", choices=("existing", "candidate")),
        Column("model", "str", required=False, default=""),
        Column("capacity_mbps", "float", required=False, gt=0, unit="Mbps"),
        Column("active_w", "float", required=False, ge=0, unit="W"),
        Column("load_w", "float", required=False, ge=0, unit="W"),
        Column("sleep_w", "float", required=False, ge=0, unit="W"),
        Column("wake_kwh", "float", required=False, ge=0, unit="kWh"),
        Column("embodied_kwh_per_year", "float", required=False, ge=0, unit="kWh/year"),
        Column("range_km", "float", required=False, gt=0, unit="km"),
    ), doc="4G and 5G cells, existing or candidate"),
    Table("areas.csv", "radio", ("area",), (
        _id("area"), _id("region"),
        Column("lat", "float", ge=-90, le=90, unit="deg"),
        Column("lon", "float", ge=-180, le=180, unit="deg"),
        Column("requires_5g", "bool", required=False, default=False),
    ), doc="demand areas"),
    Table("demand.csv", "radio", ("area", "period"), (
        _id("area"), Column("period", "int", ge=0),
        Column("mbps", "float", ge=0, unit="Mbps"),
    ), doc="traffic per area and period (missing rows mean 0)"),
    Table("coverage.csv", "radio", ("cell", "area"), (
        _id("cell"), _id("area"),
        Column("link_mbps", "float", gt=0, unit="Mbps"),
    ), doc="which cell can serve which area, and at what rate"),
    Table("datacentres.csv", "datacentre", ("dc",), (
        _id("dc"), _id("region"),
        Column("lat", "float", required=False, ge=-90, le=90, unit="deg"),
        Column("lon", "float", required=False, ge=-180, le=180, unit="deg"),
        Column("status", "enum", choices=("existing", "candidate")),
        Column("max_it_kw", "float", ge=0, unit="kW"),
        Column("fixed_kw", "float", required=False, default=0.0, ge=0, unit="kW"),
        Column("pue", "float", ge=1.0, unit="-"),
    ), doc="data-centre sites"),
    Table("compute.csv", "datacentre", ("region", "period", "class"), (
        _id("region"), Column("period", "int", ge=0),
        Column("class", "enum", choices=("interactive", "batch")),
        Column("it_kw", "float", ge=0, unit="kW"),
    ), doc="IT load per region, period and workload class"),
    Table("links.csv", "datacentre", ("u", "v"), (
        _id("u"), _id("v"), Column("km", "float", gt=0, unit="km"),
    ), doc="fibre backbone between regions"),
    Table("routes.csv", "datacentre", ("region", "dc"), (
        _id("region"), _id("dc"),
        Column("latency_ms", "float", ge=0, unit="ms"),
        Column("transport_kwh_per_kwh", "float", ge=0, unit="kWh/kWh"),
    ), doc="allowed routes from regions to data centres"),
]}

RADIO_TABLES = ("sites.csv", "cells.csv", "areas.csv", "demand.csv")
DC_TABLES = ("datacentres.csv", "compute.csv")

OBJECTIVES = ("energy", "grid_energy", "carbon", "cost")
#: solvers whose options the planner can translate (optimizer/solve/options.py, NAMES)
SOLVERS = ("highs", "appsi_highs", "scip", "gurobi", "gurobi_direct", "cplex", "cbc", "glpk")


@dataclass(frozen=True)
class Key:
    name: str
    kind: str  # str | float | int | bool
    default: object = None
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    choices: tuple[str, ...] = ()
    doc: str = ""


@dataclass(frozen=True)
class Section:
    name: str
    keys: tuple[Key, ...] = field(default_factory=tuple)


# Defaults of the [datacentre] keys are justified in docs/model.md:
#   fibre_ms_per_km 0.005: light in fibre travels ~200,000 km/s (refractive index ~1.47),
#     i.e. 4.9-5 us per km one way (refractive index about 1.47).
#   transport_kwh_per_kwh_per_1000km 0.01: see docs/model.md (derived from Aslan et al. 2018,
#     0.06 kWh/GB in 2015 halving every two years, and Schien et al. 2015 core 0.052 kWh/GB).
#   route_factor 1.5: fibre routes are longer than great circles (documented assumption).
CONFIG: dict[str, Section] = {s.name: s for s in [
    Section("", (Key("name", "str", None), Key("description", "str", ""))),
    Section("time", (
        Key("periods", "int", None, ge=1),
        Key("period_hours", "float", 1.0, gt=0),
        Key("weight", "float", 1.0, gt=0),
    )),
    Section("objective", (Key("kind", "str", "energy", choices=OBJECTIVES),)),
    Section("ran", (
        Key("min_coverage", "int", 1, ge=0),
        Key("allow_retire", "bool", False),
        Key("max_new_cells", "int", None, ge=0),
        Key("max_wakeups", "int", None, ge=0),
        Key("unserved_penalty_kwh_per_mbps_h", "float", None, ge=0),
        Key("allow_sleep", "bool", True),
        # threshold-rule baseline: a cell may sleep in an hour when it would carry less than
        # this share of its capacity. 10 %: Son et al. (IEEE JSAC 2011) find traffic below
        # 10 % of peak 45 % of the time, the regime vendor sleep features target (docs/baselines.md)
        Key("sleep_threshold_pct", "float", 10.0, ge=0, le=100),
    )),
    Section("datacentre", (
        Key("interactive_latency_ms", "float", None, ge=0),
        Key("batch_shiftable", "bool", True),
        Key("max_open", "int", None, ge=0),
        Key("fibre_ms_per_km", "float", 0.005, ge=0),
        Key("transport_kwh_per_kwh_per_1000km", "float", 0.01, ge=0),
        Key("route_factor", "float", 1.5, ge=1),
    )),
    Section("solver", (
        Key("time_limit_s", "float", None, gt=0),
        Key("mip_gap", "float", 1e-4, ge=0, le=1),
        Key("threads", "int", None, ge=1),
        Key("seed", "int", 0, ge=0),
        Key("solver", "str", "highs", choices=SOLVERS),
    )),
]}
