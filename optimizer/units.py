"""Numbers for people: yearly energy, carbon and cost in the unit that reads best.

The files (CSV, JSON) keep the base units (kWh, t CO2, CNY); what a person reads (the
terminal, the report, the Pareto table) goes through these: three significant digits,
thousands separators, and the unit always named (``6.73 GWh/yr``, ``1.08 kt CO2/yr``).
"""
from __future__ import annotations

import math

#: (factor, unit) from the largest down; a value takes the first whose factor it reaches
ENERGY = ((1e9, "TWh"), (1e6, "GWh"), (1e3, "MWh"), (1.0, "kWh"))  # from kWh
CARBON = ((1e6, "Mt CO2"), (1e3, "kt CO2"), (1.0, "t CO2"))  # from t
COST = ((1e9, "bn CNY"), (1e6, "M CNY"), (1e3, "k CNY"), (1.0, "CNY"))  # from CNY

#: the scale of each objective kind and summary key, in base units
SCALES = {"energy": ENERGY, "grid_energy": ENERGY, "carbon": CARBON, "cost": COST,
          "energy_kwh": ENERGY, "grid_energy_kwh": ENERGY, "carbon_t": CARBON,
          "cost_cny": COST}


def number(x: float, digits: int = 3) -> str:
    """``x`` to ``digits`` significant digits, thousands separated, no exponent:
    6,729,482 -> 6,730,000; 0.01234 -> 0.0123; 0 -> 0."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    places = digits - 1 - math.floor(math.log10(abs(x)))
    r = round(x, places)
    if r != 0 and math.floor(math.log10(abs(r))) != math.floor(math.log10(abs(x))):
        places -= 1  # 999.6 rounds up to 1,000: one digit fewer after the point
        r = round(x, places)
    return f"{r:,.{max(places, 0)}f}"


def unit_for(x: float, scale, digits: int = 3) -> tuple[float, str]:
    """(factor, unit) of ``scale`` that shows ``x`` below 1,000 (the base unit below 1)."""
    for factor, unit in scale:
        if abs(x) >= factor * (1 - 0.5 * 10 ** -digits):  # 999.6 MWh reads 1.00 GWh
            return factor, unit
    return scale[-1]


def scaled(x: float, scale, digits: int = 3, per: str = "/yr") -> str:
    """``x`` (in the scale's base unit) in the unit that keeps it below 1,000:
    ``scaled(6.73e6, ENERGY)`` -> ``6.73 GWh/yr``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    factor, unit = unit_for(x, scale, digits)
    return f"{number(x / factor, digits)} {unit}{per}"


def split(kind: str, x: float, digits: int = 3, per: str = "/yr") -> tuple[str, str]:
    """``quantity`` as (number, unit), for a page that sets the unit apart."""
    scale = SCALES.get(kind)
    if scale is None or x is None or (isinstance(x, float) and math.isnan(x)):
        return number(x, digits), ""
    factor, unit = unit_for(x, scale, digits)
    return number(x / factor, digits), unit + per


def quantity(kind: str, x: float, digits: int = 3, per: str = "/yr") -> str:
    """A yearly figure of an objective kind or summary key (energy, carbon_t, ...)."""
    scale = SCALES.get(kind)
    if scale is None:
        return number(x, digits)
    return scaled(x, scale, digits, per)


def percent(x: float, digits: int = 3) -> str:
    """A share in per cent (``x`` already in per cent): 1.87 %, 0.0412 %, 63.1 %."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if abs(x) < 5e-5:  # below any share a person reads (float noise of a zero gap)
        return "0 %"
    return f"{number(x, digits)} %"
