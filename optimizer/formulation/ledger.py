"""Power and energy terms that subsystems hand to the energy balance and the objective.

Each subsystem records its contributions as numpy arrays instead of Pyomo expressions:
``(var component, region-period index, variable index, coefficient kW)``. The energy module
then builds one row per region-period and the objective from vectorised sums, so no Python
loop runs over (cell, period) pairs twice.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Ledger:
    n_regions: int
    periods: int
    #: constant kW per (region, period), shape (R, T)
    const_kw: np.ndarray = None
    #: power terms (component, rt index, var index, kW per unit of the variable)
    power: list = field(default_factory=list)
    #: yearly energy terms (component, region index, var index, kWh/year per unit): embodied
    yearly: list = field(default_factory=list)
    #: yearly constant kWh/year (embodied energy of fixed equipment)
    yearly_const: float = 0.0
    #: objective-only penalty terms (component, region index, var index, kWh-equivalent/year)
    penalty: list = field(default_factory=list)
    #: the subsystem now recording (each power/yearly entry remembers it)
    current: str = "ran"
    tags: list = field(default_factory=list)
    const_entries: list = field(default_factory=list)
    yearly_tags: list = field(default_factory=list)

    def __post_init__(self):
        if self.const_kw is None:
            self.const_kw = np.zeros((self.n_regions, self.periods))

    def add_power(self, comp, rt, idx, coef):
        rt, idx, coef = np.asarray(rt, np.int64), np.asarray(idx, np.int64), np.asarray(coef, float)
        keep = coef != 0
        if keep.any():
            self.power.append((comp, rt[keep], idx[keep], coef[keep]))
            self.tags.append(self.current)

    def add_const(self, rt, kw):
        rt, kw = np.asarray(rt, np.int64), np.asarray(kw, float)
        np.add.at(self.const_kw.reshape(-1), rt, kw)
        self.const_entries.append((self.current, rt, kw))

    def add_yearly(self, comp, region, idx, kwh):
        kwh = np.asarray(kwh, float)
        keep = kwh != 0
        if keep.any():
            self.yearly.append((comp, np.asarray(region, np.int64)[keep],
                                np.asarray(idx, np.int64)[keep], kwh[keep]))
            self.yearly_tags.append(self.current)

    def add_penalty(self, comp, region, idx, kwh):
        self.penalty.append((comp, np.asarray(region, np.int64), np.asarray(idx, np.int64),
                             np.asarray(kwh, float)))
