"""The small typed result of one solver call."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

STATUSES = ("optimal", "feasible", "infeasible", "time_limit_no_solution", "error")


@dataclass
class SolveResult:
    status: str  # one of STATUSES
    objective: float | None = None
    bound: float | None = None
    mip_gap: float | None = None
    values: np.ndarray | None = None  # global column order; None without a solution
    solve_seconds: float = 0.0  # inside the solver
    handoff_seconds: float = 0.0  # compiling the Pyomo model and loading it into the solver
    solver: str = "highs"
    solver_version: str = ""
    message: str = ""
    log: str = ""
    options: dict = field(default_factory=dict)

    @property
    def has_solution(self) -> bool:
        return self.values is not None and self.status in ("optimal", "feasible")
