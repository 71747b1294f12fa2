"""A thin layer over Pyomo that declares variables and rows from numpy index arrays.

Variables are integer-indexed Pyomo ``Var`` components (index 0..n-1), registered in one
global column list. Rows are given as triplets (row, global column, coefficient) and become
one indexed ``Constraint`` per family whose bodies are ``LinearExpression`` objects built from
pre-fetched variables: the fast way to build Pyomo models measured in docs/performance.md.
"""
from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

INF = float("inf")


class VarBlock:
    """One Pyomo Var family: its component, global column offset and size."""

    def __init__(self, name: str, comp, offset: int, n: int, integer: bool):
        self.name, self.comp, self.offset, self.n, self.integer = name, comp, offset, n, integer

    def cols(self, idx) -> np.ndarray:
        return self.offset + np.asarray(idx, np.int64)


class ModelBuilder:
    def __init__(self, model: pyo.ConcreteModel):
        self.m = model
        self.blocks: dict[str, VarBlock] = {}
        self.columns: list = []  # global list of VarData in column order
        self._lb: list = []
        self._ub: list = []
        self._int: list = []

    # ------------------------------------------------------------------ variables
    def var(self, name: str, n: int, *, binary: bool = False, lb=0.0, ub=None) -> VarBlock:
        """Declare ``n`` variables; ``lb``/``ub`` are scalars or arrays (None/inf = unbounded)."""
        domain = pyo.Binary if binary else pyo.Reals
        comp = pyo.Var(range(n), domain=domain, dense=True)
        self.m.add_component(name, comp)
        vars_ = list(comp.values())
        lb_arr = np.broadcast_to(np.asarray(-INF if lb is None else lb, float), (n,))
        ub_arr = np.broadcast_to(np.asarray(INF if ub is None else ub, float), (n,))
        for v, lo, hi in zip(vars_, lb_arr.tolist(), ub_arr.tolist()):
            v.setlb(None if lo == -INF else lo)
            v.setub(None if hi == INF else hi)
        block = VarBlock(name, comp, len(self.columns), n, binary)
        self._lb.append(lb_arr.copy())
        self._ub.append(ub_arr.copy())
        self._int.append(np.full(n, binary))
        self.columns.extend(vars_)
        self.blocks[name] = block
        return block

    def bounds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(lower, upper, is_integer) of every column, in global column order."""
        if not self._lb:
            return np.zeros(0), np.zeros(0), np.zeros(0, bool)
        return np.concatenate(self._lb), np.concatenate(self._ub), np.concatenate(self._int)

    # ------------------------------------------------------------------ rows
    def rows(self, name: str, n: int, row, col, coef, lb=None, ub=None):
        """Declare ``n`` rows ``lb <= sum coef * column <= ub`` from triplets.

        ``lb``/``ub`` are scalars or arrays of length n; None means unbounded on that side;
        where both are equal the row is an equality.
        """
        if n == 0:
            return None
        row = np.asarray(row, np.int64)
        col = np.asarray(col, np.int64)
        coef = np.asarray(coef, float)
        order = np.argsort(row, kind="stable")
        col, coef = col[order].tolist(), coef[order].tolist()
        starts = np.searchsorted(row[order], np.arange(n + 1)).tolist()
        lbs = [None] * n if lb is None else np.broadcast_to(np.asarray(lb, float), (n,)).tolist()
        ubs = [None] * n if ub is None else np.broadcast_to(np.asarray(ub, float), (n,)).tolist()
        cols = self.columns

        def rule(m, i):
            s, e = starts[i], starts[i + 1]
            body = LinearExpression(constant=0, linear_coefs=coef[s:e],
                                    linear_vars=[cols[j] for j in col[s:e]])
            lo, hi = lbs[i], ubs[i]
            if lo is not None and lo == hi:
                return body == lo
            return (lo, body, hi)

        comp = pyo.Constraint(range(n), rule=rule)
        self.m.add_component(name, comp)
        return comp

    def objective(self, col, coef, constant: float = 0.0):
        col = np.asarray(col, np.int64)
        coef = np.asarray(coef, float)
        dense = np.zeros(len(self.columns))
        np.add.at(dense, col, coef)
        nz = np.flatnonzero(dense)
        cols = self.columns
        body = LinearExpression(constant=float(constant), linear_coefs=dense[nz].tolist(),
                                linear_vars=[cols[j] for j in nz.tolist()])
        self.m.obj = pyo.Objective(expr=body, sense=pyo.minimize)
        return self.m.obj
