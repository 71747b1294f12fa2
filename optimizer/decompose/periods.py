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
import pandas as pd

from ..instance.model import Instance

# share of a period's time limit left to the greedy heuristic after HiGHS (greedy.py).
# Whole-city Milan, 600 s, 2 workers (about 20 s per period), plan / bound / gap: without the
# heuristic 4.922 / 3.693 GWh/yr / 25.0 %; with 0.15, 4.597 / 3.398 / 26.1 %; with 0.05,
# 4.638 / 3.488 / 24.8 %. At this size HiGHS's roots need nearly all of a period's time
DROP_SHARE = 0.05
# one-period models of at least this many cells have their plans improved by the greedy
# heuristic. Measured at 20 s, 1 thread, from every cell awake, with the greedy plan as
# HiGHS's start: on shipped Milan (653 cells) HiGHS's own plans are as good (hour 3: 34,393
# against 34,386); on whole-city Milan (2,736 cells) hour 12 ends at 199,359 against
# 227,387, where HiGHS keeps its start
DROP_MIN_CELLS = 800
# ... and a period limit of at least this many seconds (or none): with the few seconds a
# period group of a split instance gets (docs/decomposition.md), the heuristic's first LP
# and round take the time HiGHS's root needs. On the 996-cell city's single part (about
# 2.5 s per group) the bound fell to 1.08 GWh/yr with it, against 1.56-1.74 without
DROP_MIN_SECONDS = 10.0
# one-period models of at least this many cells are refined by the neighbourhood search
# (lns.py) instead of a HiGHS re-solve of the whole period, which on whole-city Milan
# (2,736 cells) kept every period's plan as it was (docs/performance.md)
LNS_MIN_CELLS = 1500


@dataclass
class PeriodPlan:
    built: np.ndarray  # (cells,) bool: union of the periods' builds (existing kept cells too)
    awake: np.ndarray  # (cells, T) bool
    bound: float | None  # valid lower bound on the joint objective, or None
    statuses: list[str]
    seconds: float  # wall
    solver_seconds: float  # solver time summed over periods
    workers: int = 1
    # sum of the periods' own objectives (x_t per period); with groups, each group's plan at
    # its peak demand counts for every period of the group, so it overstates the plan
    objective: float | None = None
    groups: int = 0  # period solves (groups of periods of similar demand)

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


class PeriodModel:
    """One period's model, built and compiled once; every period (or group of periods) is a
    re-solve with other bounds: the demand rows and flow bounds, and for grid-based
    objectives the renewable supply in the balance rows. The template carries each area's
    largest demand over the horizon (so every flow column any period needs exists) and
    1/T of the embodied energy; a period whose area has less demand gets tighter bounds."""

    def __init__(self, inst: Instance, kind: str):
        from ..formulation import build_model
        from ..formulation.energy import renewable_kw
        from ..solve.highs import CompiledModel
        T = inst.time.periods
        apos = pd.Series(np.arange(len(inst.areas)), index=inst.areas.area.to_numpy())
        D = np.zeros((len(inst.areas), T))
        if len(inst.demand):
            np.add.at(D, (apos[inst.demand.area].to_numpy(), inst.demand.period.to_numpy()),
                      inst.demand.mbps.to_numpy(float))
        self.D = D  # (areas, T) Mbps
        self.ren = renewable_kw(inst).reshape(len(inst.regions), T)  # (regions, T) kW
        cells = inst.cells.copy()
        cells["embodied_kwh_per_year"] = cells["embodied_kwh_per_year"] / T
        dmax = D.max(axis=1) if T else np.zeros(len(inst.areas))
        keep = dmax > 0
        dem = pd.DataFrame({"area": inst.areas.area.to_numpy()[keep], "period": 0, "mbps": dmax[keep]})
        rmax = self.ren.max(axis=1) if T else np.zeros(len(inst.regions))
        ren = None
        if (rmax > 0).any():
            ren = pd.DataFrame({"region": inst.regions.region.to_numpy()[rmax > 0], "period": 0,
                                "renewable_kw": rmax[rmax > 0]})
        tmpl = replace(inst, time=replace(inst.time, periods=1), cells=cells, demand=dem,
                       renewables=ren, source=None)
        self.built = build_model(tmpl, kind)
        self.cm = CompiledModel(self.built, rows=("demand", "balance"))
        self.rmax = rmax
        self.T = T
        self.k_w = inst.time.period_hours * inst.time.weight / 1000.0  # kWh/yr per W
        self.min_coverage = inst.ran.min_coverage
        b = self.built
        self.ix = b.handles["radio_index"]
        self.r = b.handles["radio"]
        self.energy = b.handles.get("energy") or {}
        self.rate = self._demand_rate()

    def _demand_rate(self) -> np.ndarray:
        """(areas,) the least objective units per Mbps that serving an area's demand costs
        in one period: the cheapest flow column into it (or its unserved slack), from the
        compiled costs. Any plan for more demand, with its flows cut back, serves less at
        least this much cheaper, so a bound at less demand plus this rate times the extra is
        a bound at more (``group_bound``). Under a grid-based objective a region with
        renewables has flow costs 0 here (they enter the balance row), so no credit."""
        ix, r, cm = self.ix, self.r, self.cm
        local = np.full(cm.n_global, -1)
        local[cm.colmap] = np.arange(len(cm.colmap))
        rate = np.full(len(ix.area_ids), np.inf)

        def cheapest(block, n, areas):  # a column the compiler dropped costs 0
            loc = local[block.cols(np.arange(n))]
            np.minimum.at(rate, areas, np.maximum(np.where(loc >= 0, cm.col_cost[loc], 0.0), 0.0))

        cheapest(r["f"], len(ix.f_link), ix.l_area[ix.f_link])
        if r["u"] is not None:
            cheapest(r["u"], len(r["at_d"]), r["at_d"])  # one period: at_d are areas
        return np.where(np.isfinite(rate), rate, 0.0)

    def group_bound(self, bound: float, lo_d: np.ndarray, periods) -> float:
        """A valid bound on the sum of ``periods``' optima from ``bound``, a bound on one
        period's optimum at demand ``lo_d`` (each area's least over the periods; renewables
        at their most): every period's plan, with its flows cut back to ``lo_d``, is a plan
        there that costs at least ``rate`` per Mbps less (flows only leave capacity, demand
        and coverage rows satisfied; every flow cost is non-negative)."""
        extra = (self.D[:, periods] - lo_d[:, None]).sum(axis=1)
        return len(periods) * bound + float(self.rate @ extra)

    def bounds(self, d: np.ndarray, ren: np.ndarray, built: np.ndarray | None = None,
               awake: np.ndarray | None = None):
        """Compiled (col_lower, col_upper, row_lower, row_upper) for demand ``d`` (areas,
        Mbps) and renewables ``ren`` (regions, kW); with ``built`` (cells, bool) the builds
        are fixed too, and with ``awake`` (cells, bool) the awake cells."""
        ix, r, cm = self.ix, self.r, self.cm
        lb, ub = cm.lb_global.copy(), cm.ub_global.copy()
        if built is not None:
            free = np.flatnonzero(ix.free)
            xc = r["x"].cols(ix.xvar[free])
            lb[xc] = ub[xc] = built[free].astype(float)
        if awake is not None:
            ac = r["a"].cols(np.arange(len(ix.cell_ids)))
            on = (awake & built).astype(float)
            lb[ac] = np.minimum(on, ub[ac])
            ub[ac] = np.maximum(on, lb[ac])
        fl = ix.f_link
        fc = r["f"].cols(np.arange(len(fl)))
        ub[fc] = np.minimum(np.minimum(ix.l_mbps[fl], d[ix.l_area[fl]]), ix.cap[ix.l_cell[fl]])
        at_d = r["at_d"]  # one period: the areas with demand in the template
        if r["u"] is not None:
            ub[r["u"].cols(np.arange(len(at_d)))] = d[at_d]
        rl, ru = cm.row_lower.copy(), cm.row_upper.copy()
        pos = cm.row_index.get("demand")
        if pos is not None:
            ok = pos >= 0
            rl[pos[ok]] = ru[pos[ok]] = d[at_d][ok]
        pos = cm.row_index.get("balance")
        if pos is not None and self.energy.get("grid") is not None:
            g_r = np.flatnonzero(self.energy["grid_rt"])  # regions (one period) with a grid row
            ok = pos >= 0
            rl[pos[ok]] += self.rmax[g_r][ok] - ren[g_r][ok]
        return lb[cm.colmap], ub[cm.colmap], rl, ru

    def price(self, d: np.ndarray, ren: np.ndarray, built: np.ndarray, awake: np.ndarray,
              opts=None):
        """The one-period LP with the builds ``built`` and awake cells ``awake`` (cells,
        bool) fixed, for demand ``d`` and renewables ``ren``: the cost of that plan, its
        flows and site overheads completed (a SolveResult; no solution: the plan cannot
        serve the period). ``opts``: SolverOptions (default exact, solver's threads)."""
        from ..solve.highs import solve_compiled
        from ..solve.options import SolverOptions
        cl, cu, rl, ru = self.bounds(d, ren, built, awake)
        return solve_compiled(self.cm, opts or SolverOptions(mip_gap=0.0), col_lower=cl,
                              col_upper=cu, row_lower=rl, row_upper=ru, relax=True)

    def wake_for(self, values: np.ndarray, areas: np.ndarray) -> np.ndarray:
        """``values`` with every cell reaching one of ``areas`` (bool) built and awake: a
        start for a period whose demand grew there."""
        ix, r = self.ix, self.r
        v = values.copy()
        cells = np.unique(ix.l_cell[areas[ix.l_area]])
        ac = r["a"].cols(cells)
        v[ac] = np.maximum(v[ac], self.cm.ub_global[ac])
        fc = cells[ix.free[cells]]
        xc = r["x"].cols(ix.xvar[fc])
        v[xc] = np.maximum(v[xc], self.cm.ub_global[xc])
        return v

    def solve(self, d, ren, opts, start=None, improve: bool = False):
        """Solve one period's problem; returns (SolveResult, built (cells,), awake (cells,)).
        With ``improve``, HiGHS gets 1 - DROP_SHARE of the time limit, and the greedy drop
        heuristic (``greedy.drop_cells``) then improves its plan (or, when HiGHS found none,
        the feasible ``start``) in the rest; the better plan is returned, with HiGHS's bound,
        and the heuristic's time is counted in solve_seconds."""
        from ..solve.highs import _gap, solve_compiled
        t0 = time.perf_counter()
        limit = opts.time_limit_s
        if improve and limit is not None:
            opts = opts.merged(time_limit_s=max((1.0 - DROP_SHARE) * limit, 0.5))
        cl, cu, rl, ru = self.bounds(d, ren)
        res = solve_compiled(self.cm, opts, col_lower=cl, col_upper=cu, row_lower=rl,
                             row_upper=ru, start=start)
        if improve and res.status != "infeasible" and (res.has_solution or start is not None):
            from .greedy import drop_cells
            vals, obj = drop_cells(self, d, ren, res.values if res.has_solution else start,
                                   deadline=None if limit is None else t0 + limit)
            if vals is not None and (not res.has_solution or
                                     obj < res.objective - 1e-9 * max(1.0, abs(obj))):
                res.values, res.objective = vals, obj
                if res.status == "time_limit_no_solution":
                    res.status = "feasible"
                if res.bound is not None:
                    res.mip_gap = _gap(obj, res.bound)
            res.solve_seconds = time.perf_counter() - t0
        if res.has_solution:
            return (res, *self.plan_of(res.values))
        nc = len(self.ix.cell_ids)
        return res, np.zeros(nc, bool), np.zeros(nc, bool)

    def plan_of(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(built, awake) per cell (bool) of a one-period plan given as global column values;
        an unbuilt cell is not awake."""
        ix, r = self.ix, self.r
        built = ix.fixed_on.copy()
        free = np.flatnonzero(ix.free)
        built[free] = values[r["x"].cols(ix.xvar[free])] > 0.5
        awake = values[r["a"].cols(np.arange(len(ix.cell_ids)))] > 0.5
        return built, awake & built


def group_periods(inst: Instance, groups: int | None) -> list[list[int]]:
    """The periods in ``groups`` groups (None or >= T: one per period) of similar demand:
    sorted by total demand and cut into runs of (nearly) equal length."""
    T = inst.time.periods
    if groups is None or groups >= T:
        return [[t] for t in range(T)]
    tot = inst.demand.groupby("period").mbps.sum().reindex(range(T), fill_value=0.0).to_numpy()
    order = np.argsort(tot, kind="stable")
    return [sorted(int(t) for t in chunk) for chunk in np.array_split(order, max(groups, 1))]


def _solve_groups(args, pm: PeriodModel | None = None):
    """Solve some groups of periods on one PeriodModel (a module-level function for worker
    processes: only plain data crosses). ``need``: "both", "bound" or "plan"."""
    inst, kind, groups, opts, need = args
    from ..solve.options import SolverOptions
    pm = pm or PeriodModel(inst, kind)
    o = SolverOptions(**opts)
    improve = (len(pm.ix.cell_ids) >= DROP_MIN_CELLS
               and (o.time_limit_s is None or o.time_limit_s >= DROP_MIN_SECONDS))
    out = []
    # groups in decreasing demand: the plan of one is feasible for the next (less demand),
    # so it seeds it; the first starts from every cell built and awake (feasible whenever
    # the period is)
    start = np.where(np.isfinite(pm.cm.ub_global), pm.cm.ub_global, 0.0)
    prev_d = None
    for g in sorted(groups, key=lambda g: -pm.D[:, g].sum()):
        k = len(g)
        # a group's bound: each area's least demand and each region's most renewables over
        # the group (a period's optimum only grows with demand and shrinks with renewables);
        # its plan: the most demand, whose awake cells can carry every period of the group
        lo_d, hi_d = pm.D[:, g].min(axis=1), pm.D[:, g].max(axis=1)
        hi_r, mean_r = pm.ren[:, g].max(axis=1), pm.ren[:, g].mean(axis=1)
        rec = dict(periods=g, status="optimal", bound=None, objective=None, seconds=0.0,
                   built=None, awake=None)
        if need in ("both", "plan") or k == 1:
            if prev_d is not None and (hi_d > prev_d).any():
                start = pm.wake_for(start, hi_d > prev_d)
            res, built, awake = pm.solve(hi_d, hi_r if k == 1 else mean_r, o, start=start,
                                         improve=improve)
            prev_d = hi_d
            if k > 1 and not res.has_solution:
                # the group's peaks together may not fit where each period does: plan each
                # period of the group alone (an awake set per period)
                built, awake, secs, ok = np.zeros_like(built), [], res.solve_seconds, True
                for t in g:
                    rt, bt, at = pm.solve(pm.D[:, t], pm.ren[:, t], o, start=start)
                    secs += rt.solve_seconds
                    ok &= rt.has_solution
                    built |= bt
                    awake.append(at)
                    if rt.status == "infeasible":  # a single period is: the joint model is too
                        res = rt
                res.status = res.status if res.status == "infeasible" else \
                    ("feasible" if ok else "time_limit_no_solution")
                res.solve_seconds = secs
                awake = np.stack(awake, axis=1)
            rec.update(status=res.status, seconds=res.solve_seconds, built=built, awake=awake,
                       objective=None if res.objective is None else k * res.objective)
            if k == 1:
                rec["bound"] = res.bound
            if res.has_solution:
                start = res.values
        if need in ("both", "bound") and k > 1:
            lres = pm.solve(lo_d, hi_r, o, start=start if need == "both" else None)[0]
            rec["bound"] = lres.bound
            rec["seconds"] += lres.solve_seconds
            if need == "bound":
                rec["status"] = lres.status
        if rec["bound"] is not None:
            rec["bound"] = pm.group_bound(rec["bound"], lo_d, g) if np.isfinite(rec["bound"]) \
                else None
        out.append(rec)
    return out


def _collect(results: list[dict], built: np.ndarray, T: int):
    """(built, awake (cells, T), per-period statuses) from group records; ``built`` starts
    the union."""
    awake = np.zeros((len(built), T), bool)
    statuses: list[str] = []
    for r in results:
        statuses += [r["status"]] * len(r["periods"])
        if r["built"] is None or r["status"] not in ("optimal", "feasible"):
            continue
        built = built | r["built"]
        aw = r["awake"]
        for i, t in enumerate(r["periods"]):
            awake[:, t] = aw[:, i] if aw.ndim == 2 else aw
    return built, awake, statuses


def _map(fn, jobs: list, workers: int) -> list:
    """``fn`` over ``jobs``: in ``workers`` spawned processes, or here when there is one."""
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as ex:
            return list(ex.map(fn, jobs))
    return [fn(j) for j in jobs]


def solve_periods(inst: Instance, kind: str, *, mip_gap: float, time_limit_s: float | None,
                  threads: int | None = 1, seed: int | None = 0, workers: int = 1,
                  groups: int | None = None, need: str = "both") -> PeriodPlan:
    """Solve each period (or each of ``groups`` groups of periods) on its own, in ``workers``
    processes; see the module docstring. ``time_limit_s`` is per period solve. ``need``:
    "bound" skips a group's plan solve, "plan" its bound solve (single periods give both)."""
    t0 = time.perf_counter()
    T = inst.time.periods
    gs = group_periods(inst, groups)
    opts = dict(mip_gap=mip_gap, time_limit_s=time_limit_s, threads=threads, seed=seed)
    W = max(min(workers, len(gs)), 1)
    # neighbouring groups (in demand order) go to the same worker: each seeds the next
    chunks = [list(c) for c in np.array_split(np.arange(len(gs)), W)]
    jobs = [(inst, kind, [gs[i] for i in c], opts, need) for c in chunks if len(c)]
    outs = _map(_solve_groups, jobs, W)
    results = [r for o in outs for r in o]
    built, awake, statuses = _collect(results, np.zeros(len(inst.cells), bool), T)
    bounds = [r["bound"] for r in results]
    bound = float(sum(bounds)) if all(b is not None and np.isfinite(b) for b in bounds) else None
    return PeriodPlan(built=built, awake=awake, bound=bound, statuses=statuses,
                      seconds=time.perf_counter() - t0,
                      solver_seconds=float(sum(r["seconds"] for r in results)),
                      workers=W,
                      objective=float(sum(r["objective"] for r in results))
                      if all(r["objective"] is not None for r in results) else None,
                      groups=len(gs))


def _refine(args):
    """Re-plan some periods with the builds fixed to ``built`` (a module-level function for
    worker processes), each from its own plan (``awake``, within ``built``), all of them by
    ``deadline`` (time.time(); None: no limit). Returns ([(period, objective or None,
    awake (cells,))], the cells whose existence is not a decision); a period that found no
    plan in its time keeps its own."""
    inst, kind, periods, awake, built, opts, deadline = args
    from ..solve.highs import solve_compiled
    from ..solve.options import SolverOptions
    from .lns import cell_xy, improve as lns_improve
    pm = PeriodModel(inst, kind)
    xy = None
    ix, r, cm = pm.ix, pm.r, pm.cm
    nc = len(ix.cell_ids)
    free = np.flatnonzero(ix.free)
    acols = r["a"].cols(np.arange(nc))
    out = []
    for i, t in enumerate(periods):
        o = SolverOptions(**opts)
        if deadline is not None:
            # the time left shared by the periods left (the model's build came out of it)
            lim = (deadline - time.time()) / (len(periods) - i)
            if o.time_limit_s is not None:
                lim = min(lim, o.time_limit_s)
            if lim < 0.5:
                out.append((t, None, awake[:, i]))
                continue
            o = o.merged(time_limit_s=lim)
        if nc >= LNS_MIN_CELLS:
            # too large for HiGHS to improve a plan in this time: its own plan, priced by the
            # LP, improved a neighbourhood at a time (lns.py)
            t_end = np.inf if o.time_limit_s is None else time.perf_counter() + o.time_limit_s
            d, ren = pm.D[:, t], pm.ren[:, t]
            res = pm.price(d, ren, built, awake[:, i] & built,
                           SolverOptions(threads=o.threads, mip_gap=0.0))
            if res.has_solution:
                xy = cell_xy(inst, ix) if xy is None else xy
                res.values, res.objective, _ = lns_improve(
                    pm, d, ren, res.values, res.objective, xy=xy, deadline=t_end, built=built,
                    seed=o.seed or 0)
        else:
            cl, cu, rl, ru = pm.bounds(pm.D[:, t], pm.ren[:, t], built)
            start = np.clip(np.zeros(cm.n_global), cm.lb_global, cm.ub_global)
            start[r["x"].cols(ix.xvar[free])] = built[free]
            start[acols] = np.minimum(awake[:, i] & built, cm.ub_global[acols])
            res = solve_compiled(cm, o, col_lower=cl, col_upper=cu, row_lower=rl, row_upper=ru,
                                 start=start)
        if res.has_solution:
            out.append((t, res.objective, res.values[acols] > 0.5))
        else:  # HiGHS stopped before it took up the start
            out.append((t, None, awake[:, i]))
    return out, ix.fixed_on


def refine_periods(inst: Instance, kind: str, plan: PeriodPlan, *, time_limit_s: float | None,
                   mip_gap: float = 0.0, threads: int | None = 1, seed: int | None = 0,
                   workers: int = 1) -> PeriodPlan:
    """A better joint plan from a complete period ``plan``: every period is solved again
    with the builds fixed to the plan's (the union of the periods' builds), starting from
    its own plan, in ``workers`` processes, all within T/workers times ``time_limit_s``
    (seconds per period; the workers' model builds come out of it). Fixed builds tie the
    periods together exactly (wake-up energy aside, which the plan LP adds), so the sum of
    these objectives prices the joint plan (``objective``; None when a period kept its plan
    for lack of time). Builds that no period then wakes are dropped. The bound is
    ``plan``'s."""
    t0 = time.perf_counter()
    T = inst.time.periods
    built = plan.built.copy()
    W = max(min(workers, T), 1)
    opts = dict(mip_gap=mip_gap, time_limit_s=time_limit_s, threads=threads, seed=seed)
    chunks = [list(c) for c in np.array_split(np.arange(T), W) if len(c)]
    deadline = None if time_limit_s is None else time.time() + max(map(len, chunks)) * time_limit_s
    jobs = [(inst, kind, c, plan.awake[:, c] & built[:, None], built, opts, deadline)
            for c in chunks]
    outs = _map(_refine, jobs, W)
    awake = plan.awake & built[:, None]
    objs = []
    for t, obj, aw in (x for o, _ in outs for x in o):
        awake[:, t] = aw
        objs.append(obj)
    built = built & (awake.any(axis=1) | outs[0][1])
    return replace(plan, built=built, awake=awake & built[:, None],
                   objective=None if None in objs else float(sum(objs)),
                   seconds=plan.seconds + time.perf_counter() - t0)


def plan_by_periods(inst: Instance, kind: str, *, mip_gap: float, time_limit_s: float | None,
                    threads: int | None = 1, seed: int | None = 0, groups: int | None = None):
    """A plan of ``inst`` without its joint model: the periods (or groups) planned on one
    PeriodModel, every cell some period built kept built, and each period's flows completed
    by an LP with its builds and awake cells fixed. Wake-ups follow from the awake cells, so
    the plan is complete; its memory is that of a one-period model.

    Returns (status, cells table [cell, period, built, awake, load_mbps], areas table [area,
    period, demand_mbps, served_mbps, unserved_mbps, awake_cells], PeriodPlan)."""
    from ..solve.options import SolverOptions
    t0 = time.perf_counter()
    pm = PeriodModel(inst, kind)
    gs = group_periods(inst, groups)
    opts = dict(mip_gap=mip_gap, time_limit_s=time_limit_s, threads=threads, seed=seed)
    results = _solve_groups((inst, kind, gs, opts, "plan"), pm)
    T = inst.time.periods
    ix, r = pm.ix, pm.r
    nc, na = len(ix.cell_ids), len(ix.area_ids)
    built, awake, statuses = _collect(results, ix.fixed_on.copy(), T)
    plan = PeriodPlan(built=built, awake=awake, bound=None, statuses=statuses,
                      seconds=0.0, solver_seconds=float(sum(x["seconds"] for x in results)),
                      groups=len(gs))
    if "infeasible" in statuses:
        return "infeasible", None, None, plan
    if not plan.complete:
        return "time_limit_no_solution", None, None, plan
    fl = ix.f_link
    fc = r["f"].cols(np.arange(len(fl)))
    load = np.zeros((nc, T))
    served = np.zeros((na, T))
    lp = SolverOptions(mip_gap=0.0, threads=threads, seed=seed)
    for t in range(T):
        res = pm.price(pm.D[:, t], pm.ren[:, t], built, awake[:, t], lp)
        plan.solver_seconds += res.solve_seconds
        if not res.has_solution:
            return "error", None, None, plan
        f = res.values[fc]
        np.add.at(load[:, t], ix.l_cell[fl], f)
        np.add.at(served[:, t], ix.l_area[fl], f)
    plan.seconds = time.perf_counter() - t0
    ids = ix.cell_ids
    cells = pd.DataFrame({"cell": np.repeat(ids, T), "period": np.tile(np.arange(T), nc),
                          "built": np.repeat(built, T).astype(int),
                          "awake": (awake & built[:, None]).reshape(-1).astype(int),
                          "load_mbps": load.reshape(-1)})
    served = np.minimum(served, pm.D)
    cov_n = np.zeros((na, T), np.int64)
    aw = (awake & built[:, None])
    np.add.at(cov_n, ix.l_area, aw[ix.l_cell].astype(np.int64))
    areas = pd.DataFrame({"area": np.repeat(ix.area_ids, T), "period": np.tile(np.arange(T), na),
                          "demand_mbps": pm.D.reshape(-1), "served_mbps": served.reshape(-1),
                          "unserved_mbps": np.maximum(pm.D - served, 0.0).reshape(-1),
                          "awake_cells": cov_n.reshape(-1)})
    return "feasible", cells, areas, plan
