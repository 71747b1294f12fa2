"""Neighbourhood search for one period: better plans for large one-period models.

On a one-period model of a few thousand cells HiGHS keeps the plan it is given for the
time a period gets (docs/performance.md, whole-city Milan), while a model of a few hundred
cells, the size of shipped Milan, it improves in seconds. So the large model is improved a
piece at a time: the cells of a compact group of sites (about ``NEIGHBOURHOOD_CELLS``) are
set free, every other cell keeps its state in the current plan, and HiGHS re-solves the
period from that plan for a few seconds. A better plan is kept, and the next group is
freed. The groups come from a coordinate bisection of the sites; each round rotates the
axes by a seeded angle, so that a new round's groups straddle the old borders.

Every plan kept is a plan of the whole period (flows, coverage and demand of every area
are re-solved each time), so the result is feasible whenever the start is, and never
worse.
"""
from __future__ import annotations

import time

import numpy as np

# cells set free at a time, and HiGHS's seconds on each neighbourhood. Whole-city Milan,
# hour 12 (2,736 cells), from the greedy plan (199,319 kWh/yr) on one thread: groups of
# about 340 cells at 4 s reached 190,503 after 20 s and 188,792 after 25 s; groups of about
# 170 cells at 2 s 193,618 and 191,285 (docs/performance.md)
NEIGHBOURHOOD_CELLS = 340
NEIGHBOURHOOD_SECONDS = 4.0
# HiGHS 1.16 presolve, given a MIP start while most binaries are fixed, has valued the
# start below its true objective (34,273 against 34,386 kWh/yr on a Milan hour), pruned
# with that value, and returned the start as "optimal" under a wrong objective. Switching
# off these presolve rules (bit positions of HiGHS's presolve_rule_off) removed it there
# while keeping presolve's other reductions
PRESOLVE_RULES_OFF = (1 << 6) | (1 << 12) | (1 << 13)


def cell_xy(inst, ix) -> np.ndarray:
    """(cells, 2) planar coordinates of each cell's site (``parts.planar_xy``)."""
    from .parts import planar_xy
    sites = inst.sites.set_index("site")
    xy = planar_xy(sites.lat.reindex(ix.site_ids), sites.lon.reindex(ix.site_ids))
    return xy[ix.cell_site]


def neighbourhoods(xy: np.ndarray, cells: np.ndarray, size: int) -> list[np.ndarray]:
    """``cells`` cut by recursive coordinate bisection (on the wider axis, at the median)
    into groups of at most ``size`` cells; cells of one site stay together."""
    out, stack = [], [np.asarray(cells)]
    while stack:
        idx = stack.pop()
        if len(idx) <= size:
            if len(idx):
                out.append(idx)
            continue
        span = xy[idx].max(axis=0) - xy[idx].min(axis=0)
        key = xy[idx, int(np.argmax(span))]
        srt = np.argsort(key, kind="stable")
        order, k = idx[srt], key[srt]
        # the median, moved past cells at the same place (one site's cells stay together)
        cut = int(np.searchsorted(k, k[len(k) // 2], side="right"))
        if cut >= len(k):
            cut = int(np.searchsorted(k, k[len(k) // 2], side="left"))
        if cut <= 0:  # every cell at one place
            out.append(idx)
            continue
        stack += [order[:cut], order[cut:]]
    return out


def improve(pm, d: np.ndarray, ren: np.ndarray, values: np.ndarray, objective: float, *,
            xy: np.ndarray, deadline: float, built: np.ndarray | None = None, seed: int = 0,
            size: int = NEIGHBOURHOOD_CELLS, seconds: float = NEIGHBOURHOOD_SECONDS):
    """Improve the feasible one-period plan ``values`` (global columns of ``pm``, a
    PeriodModel; objective ``objective``) for demand ``d`` (areas, Mbps) and renewables
    ``ren`` (regions, kW) until ``deadline`` (time.perf_counter()) or until a whole round
    of neighbourhoods finds nothing better. With ``built`` (cells, bool) the builds stay
    fixed. Returns (values, objective, neighbourhoods solved)."""
    from ..solve.highs import solve_compiled
    from ..solve.options import SolverOptions
    ix, r, cm = pm.ix, pm.r, pm.cm
    nc = len(ix.cell_ids)
    acols = r["a"].cols(np.arange(nc))
    free = np.flatnonzero(ix.free)
    xcols = r["x"].cols(ix.xvar[free])
    cl, cu, rl, ru = pm.bounds(d, ren, built)
    # only cells that can change: not forced awake or asleep by the bounds
    movable = np.flatnonzero(cm.ub_global[acols] > cm.lb_global[acols])
    if built is not None:
        movable = movable[built[movable]]
    integer = cm.colmap[np.flatnonzero(cm.integer)]
    rng = np.random.default_rng(seed)
    solved, stale, rnd = 0, 0, 0
    tol = 1e-9 * max(1.0, abs(objective))
    while len(movable) and time.perf_counter() < deadline - 0.5:
        ang = 0.0 if rnd == 0 else rng.uniform(0.0, np.pi)
        rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
        groups = neighbourhoods(xy @ rot, movable, size)
        better = False
        for g in groups:
            left = deadline - time.perf_counter()
            if left < 0.5:
                break
            lo, hi = cm.lb_global.copy(), cm.ub_global.copy()
            fixed = np.ones(nc, bool)
            fixed[g] = False
            on = (values[acols] > 0.5).astype(float)
            fa = acols[fixed]
            lo[fa] = hi[fa] = np.clip(on[fixed], cm.lb_global[fa], cm.ub_global[fa])
            if built is None:  # a cell outside keeps its build too
                out = fixed[free]
                xv = np.clip(np.round(values[xcols[out]]), cm.lb_global[xcols[out]],
                             cm.ub_global[xcols[out]])
                lo[xcols[out]] = hi[xcols[out]] = xv
            L = np.maximum(lo[cm.colmap], cl)
            U = np.minimum(hi[cm.colmap], cu)
            start = values.copy()
            start[integer] = np.round(start[integer])
            res = solve_compiled(cm, SolverOptions(threads=1, mip_gap=1e-6, seed=seed,
                                                   time_limit_s=min(seconds, left)),
                                 col_lower=L, col_upper=np.maximum(U, L), row_lower=rl,
                                 row_upper=ru, start=start,
                                 native={"presolve_rule_off": PRESOLVE_RULES_OFF})
            solved += 1
            if res.has_solution and res.objective < objective - tol:
                values, objective, better = res.values, res.objective, True
        rnd += 1
        stale = 0 if better else stale + 1
        if stale >= 2:  # two rounds found nothing: a local optimum for these neighbourhoods
            break
    return values, objective, solved
