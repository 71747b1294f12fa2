"""The solve pipeline for instances with a radio part: a bound, a plan, a polish.

1. **Bound** (optimizer.decompose.lagrange): the Lagrangian dual of the radio model, by
   subgradient ascent; every iterate is a valid lower bound and its subproblem solutions
   say which cells are worth waking.
2. **Plan** (optimizer.decompose.primal): the cells the recent subproblems wake, made
   feasible (cover, repair) and improved by local search (drop, swaps, unbuild); a quick
   version early gives the ascent a target, the full one follows it.
3. **Polish** (optimizer.decompose.polish): HiGHS re-plans each period with the plan's
   builds fixed, from the plan, only the cells the dual ever woke set free; in ``workers``
   processes.
4. **Joint search** where HiGHS's own branch and bound wins: models small enough
   (``JOINT_BINARIES``) get the whole MIP, started from the plan, to the requested gap.

The reported bound is the best valid one (the dual's, or HiGHS's on the joint model) and the
gap is the plan's against it. A time limit is shared by the phases (``SHARES``); a work
limit (``work``: dual iterations plus HiGHS branch-and-bound nodes) instead makes the run
independent of the machine and its load, so it gives the same plan every time.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from ..decompose.lagrange import RadioDual, ascend
from ..decompose.primal import Plan, Planner

# Shares of a time limit (after the preparation), measured on shipped Milan with 600 s and
# 60 s (docs/performance.md): the dual's bound rises steeply for its first few thousand
# iterations and slowly after; the heuristic plan takes a few seconds to a minute; HiGHS's
# polish of the periods gains for as long as it gets.
BOUND_SHARE = 0.2  # dual ascent before the plan
PLAN_SHARE = 0.15  # the heuristic plan with its swaps
QUICK_ITERATIONS = 200  # iterations before the first quick plan (the ascent's first target)
# with a work limit: its share for dual iterations; the rest are HiGHS nodes in the polish
WORK_DUAL_SHARE = 0.4
# models with at most this many binaries get HiGHS's joint branch and bound after the plan
# (tests' instances, tiny); shipped Milan (15,936) is far past where it stalls
JOINT_BINARIES = 2000
# an ascent without a plan (a split instance's part) aims at most this far above its best
# bound, or at the status quo if that is closer: the status quo is far above (a 3,498-cell
# part of the 100,244-cell city, 300 iterations: bound 4.35 GWh/yr aiming at the status quo,
# 11.7; 4.44 at 10 % above, 4.44 at 5 %, 4.41 at 30 %, 4.43 aiming at a plan of 5.1;
# docs/performance.md)
TARGET_MARGIN = 0.1
# seconds kept for the final pricing, tables and baselines, per 1,000 cells
FINISH_SECONDS_PER_1000_CELLS = 1.5


@dataclass
class Update:
    """What a running solve reports: its stage, elapsed seconds, the best plan's objective,
    the best bound, and the gap between them (None until known)."""
    stage: str
    elapsed_s: float = 0.0
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None

    def __str__(self) -> str:
        parts = [self.stage]
        if self.objective is not None:
            parts.append(f"plan {self.objective:.6g}")
        if self.bound is not None:
            parts.append(f"bound {self.bound:.6g}")
        if self.gap is not None:
            parts.append(f"gap {100 * self.gap:.2f} %")
        return "  ".join(parts)


@dataclass
class Clock:
    """Where the time of a solve goes: seconds of the dual ascent, inside HiGHS in this
    process (LPs that price and repair plans, a joint search, a polish run here), inside
    HiGHS in the worker processes (the polish, a helper's LPs), the rest of the wall time
    here (the heuristics' local search, tables, baselines), and a helper process's time
    outside HiGHS (its local search, while the ascent runs here)."""
    t0: float = field(default_factory=time.perf_counter)
    dual: float = 0.0
    highs_workers: float = 0.0
    phases: dict = field(default_factory=dict)
    highs_base: float = field(default_factory=lambda: _lp_seconds())
    highs_extra: float = 0.0  # HiGHS here outside lp(): joint search, in-process polish
    workers_other: float = 0.0  # a helper process's time outside HiGHS (its local search)

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    @property
    def highs_main(self) -> float:
        return _lp_seconds() - self.highs_base + self.highs_extra

    def record(self) -> dict:
        wall = self.elapsed()
        main = self.highs_main
        return {"wall_seconds": round(wall, 4), "dual_seconds": round(self.dual, 4),
                "highs_seconds": round(main + self.highs_workers, 4),
                "highs_main_seconds": round(main, 4),
                "highs_worker_seconds": round(self.highs_workers, 4),
                "other_seconds": round(max(wall - self.dual - main, 0.0), 4),
                "worker_other_seconds": round(self.workers_other, 4),
                "phases": {k: round(v, 4) for k, v in self.phases.items()}}


def _lp_seconds() -> float:
    from ..decompose.primal import HIGHS_SECONDS
    return HIGHS_SECONDS[0]


class Budget:
    """A time limit (``seconds`` from the clock's start) or a work limit (``work`` units:
    dual iterations and HiGHS nodes), or neither (run each phase to its end)."""

    def __init__(self, clock: Clock, seconds: float | None, work: int | None):
        self.clock, self.seconds, self.work = clock, seconds, work

    @property
    def timed(self) -> bool:
        return self.seconds is not None and self.work is None

    def deadline(self, share_end: float) -> float | None:
        """perf_counter() at which the phase ending at ``share_end`` of the time left after
        preparation must stop (None without a time limit)."""
        if not self.timed:
            return None
        return self.clock.t0 + self.start + share_end * (self.seconds - self.start - self.reserve)

    def end(self) -> float | None:
        if not self.timed:
            return None
        return self.clock.t0 + self.seconds - self.reserve

    start = 0.0  # seconds of preparation before the shares start
    reserve = 0.0  # seconds kept for the finish


def solve_radio(inst, kind: str, opts, *, workers: int = 1, work: int | None = None,
                progress=None, baseline: bool = True, small: bool = False, guide=None):
    """Plan ``inst`` (radio part) with the pipeline of this module. ``small``: a model for
    HiGHS's joint branch and bound, which follows: only the quick bound and plan here.
    ``guide``: an :class:`Ascent` on a relaxation of ``inst`` with the same cells and rows
    (a split instance's part with its full capacities, :func:`dual_ascent`): its bound
    holds here too, and the plans start from its subproblems at once, with no ascent here.
    Returns (plan, bound, ascent, dual, planner, clock, details) for
    :func:`optimizer.solve.finish.radio_solution`."""
    clock = Clock()
    budget = Budget(clock, opts.time_limit_s, work)
    say = progress or (lambda u: None)
    gap_goal = opts.mip_gap or 0.0
    seed = opts.seed or 0
    details: dict = {"work": work}

    # ---- preparation: the dual's arrays, the planner, today's network as the first plan
    say(Update("prepare", clock.elapsed()))
    d = RadioDual(inst, kind)
    pl = Planner(d)
    best = pl.price(pl.status_quo())
    best.source = "status quo"
    if best.objective is None:
        best = None
    details["status_quo_plan"] = None if best is None else best.objective
    budget.start = clock.elapsed()
    budget.reserve = FINISH_SECONDS_PER_1000_CELLS * d.C / 1000.0 + 1.0

    bound = [-np.inf]

    def target():
        b = box[0] if box else best
        return b.objective if b is not None else max(abs(bound[0]), 1.0) * 2.0

    def ceiling():  # the best plan's objective, above any bound (lagrange.ascend)
        b = box[0] if box else best
        return b.objective if b is not None and b.objective is not None else np.inf

    box: list = []

    def report(stage):
        b = bound[0] if np.isfinite(bound[0]) else None
        cur = box[0] if box else best
        obj = cur.objective if cur is not None else None
        gap = None
        if obj is not None and b is not None:
            gap = max(obj - b, 0.0) / max(abs(obj), 1e-9)
        say(Update(stage, clock.elapsed(), obj, b, gap))

    def done() -> bool:
        if best is None or not np.isfinite(bound[0]):
            return False
        return (best.objective - bound[0]) / max(abs(best.objective), 1e-9) <= gap_goal

    # ---- 1. bound: dual ascent, with a quick plan early as its target
    total_iters = None if work is None else max(int(WORK_DUAL_SHARE * work), 1)
    last = [time.perf_counter()]

    def on_step(a, m, s):
        bound[0] = max(bound[0], a.bound)
        if time.perf_counter() - last[0] > 1.0:
            last[0] = time.perf_counter()
            report("bound")

    b_share = BOUND_SHARE if guide is None else 0.0  # the guide's ascent was the bound phase
    if guide is None:
        t = time.perf_counter()
        first = QUICK_ITERATIONS if total_iters is None else min(QUICK_ITERATIONS, total_iters)
        asc = ascend(d, target=target, iterations=first,
                     deadline=budget.deadline(BOUND_SHARE / 2), on_step=on_step,
                     ceiling=ceiling)
        clock.dual += time.perf_counter() - t
    else:
        asc = guide
    bound[0] = max(bound[0], asc.bound)
    overlap = (guide is None and budget.timed and workers > 1 and not small
               and not mp.current_process().daemon)
    if overlap:
        # ---- 1-2. the ascent goes on here while a helper process makes the plans: a quick
        # one (its objective becomes the ascent's target), then one with swaps from the
        # subproblems of that moment
        box = [best]
        asc = _bound_and_plan_together(inst, kind, d, asc, box, budget, clock, on_step,
                                       report, ceiling)
        best = box[0]
        bound[0] = max(bound[0], asc.bound)
        details["dual_iterations"] = asc.iterations
    else:
        t = time.perf_counter()
        quick = pl.from_dual(asc.recent, d.prices(asc.best.beta), swaps=False,
                             deadline=budget.deadline(b_share + PLAN_SHARE))
        clock.phases["quick_plan"] = time.perf_counter() - t
        best = _better(best, quick)
        report("bound")
        if small:
            details["dual_iterations"] = asc.iterations
            details["bound_dual"] = bound[0] if np.isfinite(bound[0]) else None
            details["plan_source"] = best.source if best is not None else None
            return best, details["bound_dual"], asc, d, pl, clock, details
        if not done() and guide is None:
            t = time.perf_counter()
            rest = None if total_iters is None else max(total_iters - asc.iterations, 0)
            stall = None if (budget.timed or total_iters is not None) else 1e-6
            asc = _ascend_more(d, asc, target, rest, budget.deadline(BOUND_SHARE), on_step, stall,
                               ceiling)
            clock.dual += time.perf_counter() - t
            bound[0] = max(bound[0], asc.bound)
        clock.phases["bound"] = clock.dual
        details["dual_iterations"] = asc.iterations
        report("plan")

        # ---- 2. plan: from the subproblems' cells, with swaps among the cells they woke
        # (not when the quick plan used up the plan phase: a second would only overrun)
        plan_end = budget.deadline(b_share + PLAN_SHARE)
        if not done() and (plan_end is None or time.perf_counter() < plan_end):
            t = time.perf_counter()
            ever = np.any(asc.recent, axis=0)
            plan = pl.from_dual(asc.recent, d.prices(asc.best.beta), swaps=True, promising=ever,
                                deadline=plan_end)
            clock.phases["plan"] = time.perf_counter() - t
            best = _better(best, plan)
    report("polish")

    # ---- 3. polish: HiGHS per period, builds fixed, the dual's cells free
    if best is not None and not done() and inst.ran.allow_sleep:
        t = time.perf_counter()
        ever = np.any(asc.recent, axis=0) | asc.solution.awake
        nodes = None
        if work is not None:
            nodes = max(int((1 - WORK_DUAL_SHARE) * work / max(d.T, 1)), 1)
        polished, highs_s, inline = polish_plan(inst, kind, pl, best, ever, workers=workers,
                                                deadline=budget.end(), nodes=nodes, seed=seed)
        if inline:
            clock.highs_extra += highs_s
        else:
            clock.highs_workers += highs_s
        clock.phases["polish"] = time.perf_counter() - t
        best = _better(best, polished)
        report("polish")
    details["bound_dual"] = bound[0] if np.isfinite(bound[0]) else None
    details["plan_source"] = best.source if best is not None else None
    return best, (bound[0] if np.isfinite(bound[0]) else None), asc, d, pl, clock, details


_PL = {}  # the helper process's planner, built once


def _plan_init(inst, kind, parent):
    _watch(parent)
    d = RadioDual(inst, kind)
    _PL["pl"] = Planner(d)


def _plan_job(args):
    """A plan in the helper process (``Planner.from_dual``); returns its arrays."""
    recent, beta, swaps, promising, wall_deadline = args
    pl = _PL["pl"]
    deadline = None if wall_deadline is None else \
        time.perf_counter() + (wall_deadline - time.time())
    t0 = time.perf_counter()
    lp0 = _lp_seconds()
    p = pl.from_dual(recent, pl.d.prices(beta), swaps=swaps, promising=promising,
                     deadline=deadline)
    return (p.built, p.awake, p.objective, p.flow, p.unserved, time.perf_counter() - t0,
            _lp_seconds() - lp0)


def _bound_and_plan_together(inst, kind, d, asc, box, budget, clock, on_step, report,
                             ceiling):
    """The ascent here, the plans in a helper process (see solve_radio); until the plan
    with swaps is back or the plan phase's deadline. ``box[0]``: the best plan so far."""
    from concurrent.futures import ProcessPoolExecutor as Pool

    from ..stopping import held
    end = budget.deadline(BOUND_SHARE + PLAN_SHARE)
    wall_end = time.time() + (end - time.perf_counter())
    ex = Pool(max_workers=1, mp_context=mp.get_context("spawn"), initializer=_plan_init,
              initargs=(inst, kind, os.getpid()))
    ok = False
    try:
        with held():
            fut = ex.submit(_plan_job, (asc.recent, asc.best.beta, False, None, wall_end))
        stage = "quick"
        while True:
            t = time.perf_counter()
            asc = ascend(d, target=lambda: box[0].objective if box[0] is not None else
                         max(abs(asc.bound), 1.0) * 2.0, iterations=20, deadline=end,
                         on_step=on_step, state=asc, ceiling=ceiling)
            clock.dual += time.perf_counter() - t
            if fut.done():
                built, awake, obj, flow, unserved, secs, lp_s = fut.result()
                clock.phases[f"{stage}_plan"] = secs
                clock.highs_workers += lp_s
                clock.workers_other += secs - lp_s
                box[0] = _better(box[0], Plan(built, awake, obj, flow, unserved,
                                              source="dual" if stage == "full" else "quick plan"))
                report("bound")
                if stage == "full":
                    break
                ever = np.any(asc.recent, axis=0)
                with held():
                    fut = ex.submit(_plan_job, (asc.recent, asc.best.beta, True, ever, wall_end))
                stage = "full"
            if time.perf_counter() >= end:
                # past the deadline: the helper stops its local search by itself; wait for it
                try:
                    built, awake, obj, flow, unserved, secs, lp_s = fut.result(
                        timeout=max(0.1 * (budget.seconds or 0.0), 5.0))
                    clock.phases[f"{stage}_plan"] = secs
                    clock.highs_workers += lp_s
                    clock.workers_other += secs - lp_s
                    box[0] = _better(box[0], Plan(built, awake, obj, flow, unserved, source="dual"))
                except Exception:  # noqa: BLE001 - no plan in time: the best so far stands
                    pass
                break
        ok = True
    finally:
        ex.shutdown(wait=ok, cancel_futures=True)
    clock.phases["bound"] = clock.dual
    return asc


def _watch(parent):
    """End this (helper) process as soon as ``parent`` is gone."""
    if parent is None:
        return
    import threading

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)
    threading.Thread(target=watch, daemon=True).start()


def _ascend_more(d, asc, target, iterations, deadline, on_step, stall, ceiling=None):
    """Continue the ascent ``asc``: for ``iterations`` more, until ``deadline``, or (no
    limit) until ``stall`` relative gain over the last 500 iterations."""
    if stall is None:
        return ascend(d, target=target, iterations=iterations, deadline=deadline,
                      on_step=on_step, state=asc, ceiling=ceiling)
    while True:
        before = asc.bound
        asc = ascend(d, target=target, iterations=500, on_step=on_step, state=asc,
                     ceiling=ceiling)
        if asc.bound - before <= stall * max(abs(asc.bound), 1.0):
            return asc


def aim(upper: float, bound: float) -> float:
    """An ascent's target (an estimate of the optimum) where no plan guides it (used by
    :func:`dual_ascent`): ``upper``, a plan's objective, but at most TARGET_MARGIN above
    the best ``bound`` so far."""
    if np.isfinite(bound) and bound > 0:
        return min(upper, (1.0 + TARGET_MARGIN) * bound)
    return upper


def _better(a: Plan | None, b: Plan | None) -> Plan | None:
    if b is None or b.objective is None:
        return a
    if a is None or a.objective is None or b.objective < a.objective - 1e-9 * max(1.0, abs(a.objective)):
        return b
    return a


# ---------------------------------------------------------------------------- the polish

_PM = {}  # the worker process's period model, built once


def _polish_init(inst, kind, parent: int | None = None):
    """A polish process: its period model, built once; with ``parent``, it ends itself as
    soon as that process is gone (killed without the chance to stop it), instead of
    polishing on to its deadline."""
    _watch(parent)
    from ..decompose.polish import PeriodModel, cell_xy
    pm = PeriodModel(inst, kind)
    _PM["pm"], _PM["xy"] = pm, cell_xy(inst, pm.ix)


def _polish_job(args):
    from ..decompose.polish import polish_period
    t, built, awake, free, seconds, nodes, seed, wall_deadline = args
    pm = _PM["pm"]
    # the deadline crosses processes as wall-clock time
    deadline = None if wall_deadline is None else \
        time.perf_counter() + (wall_deadline - time.time())
    aw, obj, spent, finished = polish_period(pm, t, built, awake, free, xy=_PM["xy"],
                                             seconds=seconds, nodes=nodes, seed=seed,
                                             deadline=deadline)
    return t, aw, obj, spent, finished


# a period re-solve gets at least this (its HiGHS set-up would be most of less), the busiest
# periods first while time lasts; giving up instead once every share was below it ended a
# 3,498-cell part's plan job 10 s early (docs/performance.md, "One job per cluster")
POLISH_MIN_SECONDS = 1.0


def polish_plan(inst, kind, pl: Planner, plan: Plan, free: np.ndarray, *, workers: int,
                deadline: float | None, nodes: int | None, seed: int):
    """Polish every period of ``plan`` (optimizer.decompose.polish) in ``workers``
    processes, busiest periods first. With a ``deadline`` each period's re-solve gets the
    time left shared among the periods not done yet (so time a quick period leaves goes to
    the others), and periods HiGHS did not finish are polished again while time remains.
    Returns (the plan, priced; HiGHS seconds summed over the processes; whether they ran
    in this process)."""
    from concurrent.futures import FIRST_COMPLETED, wait
    T = pl.T
    built = plan.built
    awake = plan.awake.copy()
    W = max(1, min(workers, T))
    wall = None if deadline is None else time.time() + (deadline - time.perf_counter())
    spent = 0.0
    todo = [int(t) for t in np.argsort(-pl.d.D.sum(axis=0), kind="stable")]
    rnd = 0
    inline = W == 1 or mp.current_process().daemon
    ex = None if inline else ProcessPoolExecutor(
        max_workers=W, mp_context=mp.get_context("spawn"), initializer=_polish_init,
        initargs=(inst, kind, os.getpid()))
    if inline:
        _polish_init(inst, kind)
    ok = False
    try:
        while todo:
            again = []
            running = {}

            def job(t):
                secs = None
                if wall is not None:
                    # the time left shared by the periods to do, at least POLISH_MIN_SECONDS
                    # each: the busiest first, while it lasts
                    left = wall - time.time()
                    if left < POLISH_MIN_SECONDS:
                        return None
                    secs = max(left * W / (len(todo) + len(running) + 1), POLISH_MIN_SECONDS)
                return (t, built, awake[:, t], free[:, t] | awake[:, t], secs, nodes,
                        seed + rnd, wall)
            while todo or running:
                while todo and len(running) < (1 if inline else W):
                    t = todo.pop(0)
                    j = job(t)
                    if j is None:
                        todo.clear()
                        break
                    if inline:
                        running[t] = _polish_job(j)
                    else:
                        from ..stopping import held
                        with held():  # a SIGTERM waits until a starting worker has its arguments
                            running[ex.submit(_polish_job, j)] = t
                if not running:
                    break
                if inline:
                    results = list(running.values())
                    running.clear()
                else:
                    done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                    results = [f.result() for f in done]
                    for f in done:
                        running.pop(f)
                for t, aw, obj, s, finished in results:
                    awake[:, t] = aw
                    spent += s
                    if not finished:
                        again.append(t)
            rnd += 1
            todo = again if wall is not None else []
        ok = True
    finally:
        if ex is not None:
            # stopped (SIGTERM, Ctrl-C, an error): leave at once; the workers end by
            # themselves when this process is gone (_polish_init's watch)
            ex.shutdown(wait=ok, cancel_futures=True)
    built = pl.d.fixed | (built & awake.any(axis=1))
    out = pl.price(Plan(built, awake, source="polish"))
    return out, spent, inline


def dual_ascent(inst, kind: str, *, seconds: float | None = None, work: int | None = None):
    """The Lagrangian dual alone on ``inst`` (a bound version of a split instance's part,
    or a radio part joined to the data centres, whose dual then has their subproblem too):
    the status quo (or a quick plan) gives the ascent its target; it runs ``seconds``,
    ``work`` iterations, or (neither) until it stalls. Returns the :class:`Ascent` (its
    ``bound`` a lower bound on ``inst``'s optimum), None when the dual cannot be formed (no
    radio part)."""
    if not inst.has_radio:
        return None
    t0 = time.perf_counter()
    d = RadioDual(inst, kind)
    pl = Planner(d)
    best = [pl.price(pl.status_quo())]
    top = [None]

    extra = d.dc_upper()  # a joint instance's data centres, on top of the radio plan

    def target():
        b = best[0].objective if best[0] is not None else None
        return aim(b + extra if b is not None else max(abs(top[0] or 1.0), 1.0) * 2.0,
                   top[0] if top[0] is not None else -np.inf)

    def on_step(a, m, s):
        top[0] = a.bound
    iters = None if work is None else max(int(work), 1)
    deadline = None if seconds is None or work is not None else t0 + seconds
    def ceiling():  # a plan's objective, above any bound
        return best[0].objective + extra if best[0].objective is not None else np.inf
    first = QUICK_ITERATIONS if iters is None else min(QUICK_ITERATIONS, iters)
    asc = ascend(d, target=target, iterations=first, deadline=deadline, on_step=on_step,
                 ceiling=ceiling)
    # the status quo is target enough: a quick plan's better one gained less than the
    # ascent's time it took (3,280 cells, 46 s: 6.06 GWh/yr with it, 6.20 without;
    # docs/performance.md); only without a status quo (infeasible as it is) one is made
    if best[0].objective is None and (deadline is None or time.perf_counter() < deadline):
        quick = pl.from_dual(asc.recent, d.prices(asc.best.beta), swaps=False, deadline=deadline)
        best[0] = _better(None, quick) or best[0]
    rest = None if iters is None else max(iters - asc.iterations, 0)
    stall = None if (deadline is not None or iters is not None) else 1e-6
    return _ascend_more(d, asc, target, rest, deadline, on_step, stall, ceiling)
