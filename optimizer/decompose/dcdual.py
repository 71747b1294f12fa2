"""The data-centre part of the joint model as a subproblem of the Lagrangian dual.

With each regional balance relaxed at a multiplier beta[r,t] (optimizer.decompose.lagrange),
the data centres' share of the dual function is ``min sum_rt P[r,t] * load[r,t]`` over the
data-centre rows of docs/model.md alone (which sites open, where each region's compute
runs), where ``P`` is beta in a region-period with renewables and the full price of grid
energy elsewhere. That is a small MIP (a facility location over the candidate sites): HiGHS
solves it with only the objective changing from one call to the next, and its proven dual
bound (not its incumbent) enters the dual function, so the sum stays a valid bound even when
a solve stops short of optimal.
"""
from __future__ import annotations

import highspy
import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp

# a subproblem solve is one evaluation of the ascent: it must stay short; its dual bound is
# valid whenever it stops (the shipped milan-dc and china solve in milliseconds)
SECONDS_PER_SOLVE = 5.0


class DatacentreDual:
    """The data-centre rows of ``inst`` compiled once for HiGHS; :meth:`solve` prices them."""

    def __init__(self, inst, kind: str):
        from ..formulation import BuiltModel
        from ..formulation.builder import ModelBuilder
        from ..formulation.datacentre import add_datacentre
        from ..formulation.ledger import Ledger
        from ..solve.highs import CompiledModel, _quiet_highs
        R, T = len(inst.regions), inst.time.periods
        self.R, self.T = R, T
        b = ModelBuilder(pyo.ConcreteModel(name=f"{inst.name}/datacentres"))
        ledger = Ledger(R, T)
        add_datacentre(b, inst, ledger)
        b.objective([], [])
        cm = CompiledModel(BuiltModel(b.m, b, ledger, {}, kind))
        n = cm.n_global
        # K[j, rt]: kW in region-period rt per unit of global column j
        rows = [np.zeros(0, np.int64)]
        cols = [np.zeros(0, np.int64)]
        vals = [np.zeros(0)]
        for blk, rt, idx, c in ledger.power:
            rows.append(blk.cols(idx))
            cols.append(rt)
            vals.append(c)
        self.K = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                               shape=(n, R * T))
        self.const_kw = ledger.const_kw.reshape(-1).copy()
        # columns the compiler dropped (in no row) sit at their bound nearest 0
        dropped = np.ones(n, bool)
        dropped[cm.colmap] = False
        self.dropped_value = np.where(dropped, np.clip(0.0, cm.lb_global, cm.ub_global), 0.0)
        self.cm = cm
        self.mip = bool(cm.integer.any())
        h = _quiet_highs(False)
        for k, v in (("output_flag", False), ("mip_rel_gap", 1e-6),
                     ("time_limit", SECONDS_PER_SOLVE)):
            h.setOptionValue(k, v)
        if len(cm.colmap):
            h.passModel(cm.highs_lp())
        self.h = h
        self._last: tuple | None = None

    def solve(self, P: np.ndarray) -> tuple[float, np.ndarray]:
        """(a lower bound on the least priced data-centre load at prices ``P`` (R, T)
        objective units per kW, the load in kW (R, T) of the best assignment found)."""
        p = np.asarray(P, float).reshape(-1)
        if self._last is not None and np.array_equal(self._last[0], p):
            return self._last[1], self._last[2].copy()
        cost = self.K @ p  # per global column
        const = float(self.const_kw @ p) + float(cost @ self.dropped_value)
        x = self.dropped_value.copy()
        value = const
        if len(self.cm.colmap):
            h = self.h
            n = len(self.cm.colmap)
            h.changeColsCost(n, np.arange(n, dtype=np.int32), cost[self.cm.colmap])
            h.run()
            status = h.getModelStatus()
            info = h.getInfo()
            if status == highspy.HighsModelStatus.kOptimal and not self.mip:
                low = float(info.objective_function_value)
            elif self.mip and status != highspy.HighsModelStatus.kInfeasible and \
                    -highspy.kHighsInf < info.mip_dual_bound < highspy.kHighsInf:
                low = float(info.mip_dual_bound)  # proven, whether or not it stopped early
            else:
                raise RuntimeError(f"data-centre subproblem: HiGHS ended {h.modelStatusToString(status)}")
            value += low
            if info.primal_solution_status == int(highspy.SolutionStatus.kSolutionStatusFeasible):
                # a feasible point: its load for the subgradient
                x[self.cm.colmap] = np.asarray(h.getSolution().col_value)
        load = (self.const_kw + self.K.T @ x).reshape(self.R, self.T)
        self._last = (p.copy(), value, load.copy())
        return value, load
