"""Any solver that Pyomo's SolverFactory knows (scip, gurobi, cbc, glpk, appsi_highs, ...)."""
from __future__ import annotations

import time

import numpy as np
import pyomo.environ as pyo
from pyomo.opt import TerminationCondition as TC

from .options import NAMES, SolverOptions, translate
from .result import SolveResult


def solve_with_pyomo(built, opts: SolverOptions) -> SolveResult:
    name = opts.solver
    if name not in NAMES:  # before SolverFactory, which logs at length about unknown names
        return SolveResult(status="error", solver=name, message=f"solver {name!r} is not "
                           f"supported (known: {', '.join(NAMES)})")
    try:
        solver = pyo.SolverFactory(name)
        available = solver.available(exception_flag=False)
    except Exception as e:  # pyomo raises assorted errors for unknown plug-ins
        return SolveResult(status="error", solver=name, message=f"solver {name!r}: {e}")
    if not available:
        return SolveResult(status="error", solver=name,
                           message=f"solver {name!r} is not installed or not licensed")
    native = translate(opts, name)
    t0 = time.perf_counter()
    kwargs = dict(tee=opts.verbose, load_solutions=False)
    if name == "appsi_highs":
        for k, v in native.items():
            solver.highs_options[k] = v
        if opts.time_limit_s:
            solver.config.time_limit = opts.time_limit_s
        res = solver.solve(built.model, **kwargs)
    else:
        res = solver.solve(built.model, options=native, **kwargs)
    seconds = time.perf_counter() - t0
    tc = res.solver.termination_condition
    try:
        version = ".".join(map(str, solver.version() or ()))
    except Exception:
        version = ""
    out = SolveResult(status="error", solve_seconds=seconds, solver=name, solver_version=version,
                      message=str(tc), options=native)
    n_sol = len(getattr(res, "solution", []) or [])
    if tc == TC.optimal:
        out.status = "optimal"
    elif tc in (TC.maxTimeLimit, TC.maxIterations, TC.maxEvaluations, TC.userInterrupt):
        out.status = "feasible" if n_sol else "time_limit_no_solution"
    elif tc in (TC.infeasible, TC.infeasibleOrUnbounded):
        out.status = "infeasible"
    if out.status in ("optimal", "feasible"):
        built.model.solutions.load_from(res)
        out.values = np.array([v.value if v.value is not None else 0.0
                               for v in built.builder.columns], float)
        out.objective = float(pyo.value(built.model.obj))
        lb = getattr(res.problem, "lower_bound", None)
        try:
            lb = float(lb)
        except (TypeError, ValueError):
            lb = None
        out.bound = lb if lb is not None and np.isfinite(lb) else None
        if out.bound is not None:
            out.mip_gap = abs(out.objective - out.bound) / max(abs(out.objective), 1e-9)
    return out
