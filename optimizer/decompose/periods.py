"""Period decomposition of the radio model: a valid bound and a strong first plan.

Without wake-up limits the periods of the radio model are tied together only by the build
decisions x[c] (and by wake-up energy, which is non-negative). Giving every period its own
copy x_t[c], charging it 1/T of the embodied energy, and dropping wake-up costs is a
relaxation that splits into T small one-period MIPs. Hence:

- bound: the sum of the periods' dual bounds is a valid lower bound on the joint optimum
  (for every objective: the balance, grid and renewable terms are per period);
- plan: building every cell that some period built (the union of the x_t) and waking the
  cells each period woke is feasible for the joint model (a_t <= x_t <= union); an LP then
  completes flows, site overheads and wake-ups, and the plan seeds HiGHS as its MIP start.

On the 24-hour instances shipped here the periods' bound is far stronger than the root LP
bound of the joint model, and the plan far better than what HiGHS finds on its own
(docs/performance.md). Periods run in parallel processes; only plain data crosses them.
"""
from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

import multiprocessing as mp
import numpy as np

from ..instance.model import Instance, TimeConfig


@dataclass
class PeriodPlan:
    built: np.ndarray  # (cells,) bool: union of the periods' builds (existing kept cells too)
    awake: np.ndarray  # (cells, T) bool
    bound: float | None  # valid lower bound on the joint objective, or None
    statuses: list[str]
    seconds: float  # wall
    solver_seconds: float  # solver time summed over periods
    workers: int = 1
    objective: float | None = None  # sum of the periods' own objectives (x_t per period)

    @property
    def solver_wall_seconds(self) -> float:
        """Wall seconds of the period phase spent in the solver (the rest: building models,
        starting processes), assuming the workers were busy in parallel."""
        return min(self.seconds, self.solver_seconds / max(self.workers, 1))

    @property
    def complete(self) -> bool:
        return all(s in ("optimal", "feasible") for s in self.statuses)


def applies(inst: Instance) -> bool:
    """True when the decomposition is exact as a relaxation: radio only, no wake-up limit."""
    return (inst.has_radio and not inst.has_datacentres and inst.time.periods > 1
            and inst.ran.max_wakeups is None)


def period_instance(inst: Instance, t: int) -> Instance:
    """Period ``t`` alone as a one-period instance carrying 1/T of the embodied energy."""
    T = inst.time.periods
    cells = inst.cells.copy()
    cells["embodied_kwh_per_year"] = cells["embodied_kwh_per_year"] / T
    d = inst.demand[inst.demand.period == t].assign(period=0).reset_index(drop=True)
    ren = inst.renewables
    if ren is not None:
        ren = ren[ren.period == t].assign(period=0).reset_index(drop=True)
    return replace(inst, time=replace(inst.time, periods=1), cells=cells, demand=d,
                   renewables=ren, source=None)


def _solve_one(args):
    inst, t, kind, opts = args
    from ..solve import solve
    sol = solve(period_instance(inst, t), objective=kind, explain=False, **opts)
    s = sol.summary
    out = dict(t=t, status=s["status"], bound=s["bound"], objective=s["objective"],
               seconds=s.get("solve_seconds", 0.0) + s.get("baseline_seconds", 0.0))
    if sol.ok:
        c = sol.tables["cells"]
        out["built"] = c.built.to_numpy(bool)
        out["awake"] = c.awake.to_numpy(bool)
    return out


def solve_periods(inst: Instance, kind: str, *, mip_gap: float, time_limit_s: float | None,
                  threads: int | None = 1, seed: int | None = 0, workers: int = 1) -> PeriodPlan:
    """Solve each period on its own (``workers`` processes); see the module docstring."""
    t0 = time.perf_counter()
    T = inst.time.periods
    opts = dict(mip_gap=mip_gap, time_limit_s=time_limit_s, threads=threads, seed=seed)
    jobs = [(inst, t, kind, opts) for t in range(T)]
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as ex:
            results = list(ex.map(_solve_one, jobs))
    else:
        results = [_solve_one(j) for j in jobs]
    nc = len(inst.cells)
    awake = np.zeros((nc, T), bool)
    built = np.zeros(nc, bool)
    bounds = []
    for r in results:
        if "built" in r:
            built |= r["built"]
            awake[:, r["t"]] = r["awake"]
        bounds.append(r["bound"])
    bound = float(sum(bounds)) if all(b is not None and np.isfinite(b) for b in bounds) else None
    return PeriodPlan(built=built, awake=awake, bound=bound,
                      statuses=[r["status"] for r in results],
                      seconds=time.perf_counter() - t0,
                      solver_seconds=float(sum(r["seconds"] for r in results)),
                      workers=workers,
                      objective=float(sum(r["objective"] for r in results))
                      if all(r["objective"] is not None for r in results) else None)
