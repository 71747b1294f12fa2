"""Canonical solver options and their names in each solver."""
from __future__ import annotations

import math

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class SolverOptions:
    """Options every solver understands. ``None`` leaves the solver's default.

    time_limit_s: wall-clock limit in seconds; mip_gap: relative MIP gap (0.01 = 1 %);
    threads: solver threads; seed: random seed; verbose: echo the solver log.
    """

    solver: str = "highs"
    time_limit_s: float | None = None
    mip_gap: float | None = 1e-4
    threads: int | None = None
    seed: int | None = 0
    verbose: bool = False
    log_file: str | None = None

    def merged(self, **overrides) -> "SolverOptions":
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


#: canonical option -> (test, what it must be); None always passes (the default stays)
_RULES = {
    "time_limit_s": (lambda v: math.isfinite(v) and v > 0, "a positive number of seconds"),
    "mip_gap": (lambda v: math.isfinite(v) and 0 <= v <= 1, "between 0 and 1 (0.01 = 1 %)"),
    "threads": (lambda v: v >= 1, "at least 1"),
    "seed": (lambda v: v >= 0, "0 or more"),
}


def option_problems(**options) -> list[str]:
    """One line per canonical option (time_limit_s, mip_gap, threads, seed) out of range."""
    out = []
    for k, v in options.items():
        if v is None or k not in _RULES:
            continue
        ok, what = _RULES[k]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not ok(v):
            out.append(f"{k} must be {what}, got {v!r}")
    return out


def options_for(inst, **overrides) -> SolverOptions:
    """The instance's ``[solver]`` options, with any non-None override applied."""
    s = inst.solver
    base = SolverOptions(solver=s.solver, time_limit_s=s.time_limit_s, mip_gap=s.mip_gap,
                         threads=s.threads, seed=s.seed)
    return base.merged(**overrides)


# canonical name -> solver's own name, per solver (None: not supported, silently unused)
NAMES = {
    "highs": {"time_limit_s": "time_limit", "mip_gap": "mip_rel_gap", "threads": "threads",
              "seed": "random_seed"},
    "appsi_highs": {"time_limit_s": "time_limit", "mip_gap": "mip_rel_gap",
                    "threads": "threads", "seed": "random_seed"},
    "scip": {"time_limit_s": "limits/time", "mip_gap": "limits/gap",
             "threads": "parallel/maxnthreads", "seed": "randomization/randomseedshift"},
    "gurobi": {"time_limit_s": "TimeLimit", "mip_gap": "MIPGap", "threads": "Threads",
               "seed": "Seed"},
    "gurobi_direct": {"time_limit_s": "TimeLimit", "mip_gap": "MIPGap", "threads": "Threads",
                      "seed": "Seed"},
    "cplex": {"time_limit_s": "timelimit", "mip_gap": "mip_tolerances_mipgap",
              "threads": "threads", "seed": "randomseed"},
    "cbc": {"time_limit_s": "sec", "mip_gap": "ratio", "threads": "threads",
            "seed": "randomSeed"},
    "glpk": {"time_limit_s": "tmlim", "mip_gap": "mipgap"},
}


def translate(opts: SolverOptions, solver: str) -> dict:
    """Solver-specific option dict; raises ValueError for an unknown solver."""
    names = NAMES.get(solver)
    if names is None:
        raise ValueError(f"solver {solver!r}: no option translation (known: {', '.join(NAMES)})")
    out = {}
    for canon, native in names.items():
        v = getattr(opts, canon)
        if v is not None:
            out[native] = v
    return out


def solver_problem(name: str | None) -> str | None:
    """Why the solver ``name`` cannot run here, in one line, or None when it can: checked
    before anything is built, so that a missing solver costs no model build."""
    from ..instance.schema import SOLVERS
    if name is None or name == "highs":
        return None  # highspy is a dependency of the project
    if name not in SOLVERS:
        return f"solver must be one of {', '.join(SOLVERS)}, got {name!r}"
    import pyomo.environ as pyo
    try:
        ok = bool(pyo.SolverFactory(name).available(exception_flag=False))
    except Exception:  # noqa: BLE001 - a broken plugin is as good as none
        ok = False
    if not ok:
        return (f"solver {name!r} is not available on this machine (install it and its "
                f"Pyomo interface, or use highs)")
    return None
