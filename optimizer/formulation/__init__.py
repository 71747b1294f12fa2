"""The Pyomo model, one module per subsystem.

``build_model`` runs the subsystems in ``SUBSYSTEMS`` order; each adds its own variables and
rows to the model and records its power in the shared :class:`Ledger`, which the energy
module turns into the regional balance and the objective. Adding a subsystem means adding a
module and one entry to ``SUBSYSTEMS``.
"""
from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field

import pyomo.environ as pyo

from .builder import ModelBuilder
from .energy import add_objective
from .indices import radio_index
from .ledger import Ledger
from .radio import add_radio


def _radio(b, inst, ledger, handles, diagnose):
    if inst.has_radio:
        ledger.current = "ran"
        ix = radio_index(inst)
        handles["radio_index"] = ix
        handles["radio"] = add_radio(b, inst, ix, ledger, diagnose=diagnose)


def _datacentre(b, inst, ledger, handles, diagnose):
    if inst.has_datacentres:
        ledger.current = "dc"
        from .datacentre import add_datacentre
        handles["datacentre"] = add_datacentre(b, inst, ledger)


SUBSYSTEMS = [_radio, _datacentre]


@dataclass
class BuiltModel:
    model: pyo.ConcreteModel
    builder: ModelBuilder
    ledger: Ledger
    handles: dict = field(default_factory=dict)
    objective_kind: str = "energy"
    build_seconds: float = 0.0
    diagnose: bool = False


def build_model(inst, objective: str | None = None, *, diagnose: bool = False) -> BuiltModel:
    """Build the Pyomo model of ``inst``.

    ``diagnose=True`` adds penalised slacks on demand, coverage and the 5G mandate and
    minimises their sum instead: a solve then names what cannot be served.
    """
    t0 = time.perf_counter()
    kind = objective or inst.objective
    _check_locks(inst)
    gc_was = gc.isenabled()
    gc.disable()  # about half of a Pyomo build is garbage collection (docs/performance.md)
    try:
        m = pyo.ConcreteModel(name=inst.name)
        b = ModelBuilder(m)
        ledger = Ledger(len(inst.regions), inst.time.periods)
        handles: dict = {}
        for sub in SUBSYSTEMS:
            sub(b, inst, ledger, handles, diagnose)
        if diagnose:
            _slack_objective(b, handles)
        else:
            handles["energy"] = add_objective(b, inst, ledger, kind)
    finally:
        if gc_was:
            gc.enable()
    return BuiltModel(m, b, ledger, handles, kind, time.perf_counter() - t0, diagnose)


def _check_locks(inst) -> None:
    """Forced and forbidden ids (scenarios) must name cells and sites of the instance."""
    from ..instance.locks import check_locks, has_locks
    if has_locks(inst):
        problems = check_locks(inst, reach=False)
        if problems:
            from ..instance import InstanceError
            raise InstanceError(problems)


def _slack_objective(b: ModelBuilder, handles: dict) -> None:
    import numpy as np
    cols, coef = [], []
    r = handles.get("radio")
    if r:
        if r["u"] is not None:
            ix = handles["radio_index"]
            d = ix.demand.reshape(-1)[r["at_d"]]
            cols.append(r["u"].cols(np.arange(r["u"].n)))
            coef.append(1.0 / np.maximum(d, 1e-9))  # share of the demand unserved
        for blk in r["slacks"].values():
            cols.append(blk.cols(np.arange(blk.n)))
            coef.append(np.ones(blk.n))
    b.objective(np.concatenate(cols) if cols else [], np.concatenate(coef) if coef else [])
