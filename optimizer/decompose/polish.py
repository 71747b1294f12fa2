"""Polishing a plan with HiGHS, one period at a time, on the model of docs/model.md.

With the builds of a plan fixed, the periods of the radio model are tied only by wake-up
energy (priced afterwards, and about a millionth of the energy with the shipped
catalogue), so each period can be re-planned alone: a one-period MIP, built and compiled
once (:class:`PeriodModel`) and re-solved with each period's demand and renewables. HiGHS
gets the plan's period as its MIP start and may only change the awake state of the
``free`` cells (the cells the dual ever woke, and those the plan has awake); every other
cell keeps its state. Where that leaves more cells free than HiGHS's branch and bound
improves in the time a period gets, the free cells are cut into compact neighbourhoods
(a coordinate bisection of their sites, rotated by a seeded angle each round) and each is
re-solved as a model of its own, every column outside it fixed at the plan's value
(``CompiledModel.restrict``). A period's new plan is kept only when it is cheaper.
"""
from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pandas as pd

# cells free at once above which a period is polished by neighbourhoods; shipped Milan's
# periods (653 cells, 300-400 of them free) are solved whole (docs/performance.md)
WHOLE_CELLS = 700
# a neighbourhood is solved as a model of its own, the rest of the period constant; on the
# busiest hour of 10,028 cells (3,744 free, 60 s) groups of about 234 cells (this limit)
# and 2 s each did best: 1.2118 GWh/yr from 1.2673, against 1.2134-1.2173 at 3-4 s and
# 1.2397 at 1 s (docs/performance.md)
NEIGHBOURHOOD_CELLS = 340
NEIGHBOURHOOD_SECONDS = 2.0  # HiGHS's limit on one neighbourhood, at least
# With a period's time given, a round's neighbourhoods share it (at least the limit above
# each): on whole-city Milan's busiest hour (1,124 free cells, 30 s) 2 s each found nothing
# in 4 neighbourhoods of 281 cells (236.3 MWh/yr) where 7.5 s each reached 225.2
# (docs/performance.md); rounds, each cut at a new angle, go on while the time lasts
ROUNDS = 8
# HiGHS 1.16 presolve, given a MIP start while most binaries are fixed, has valued the
# start below its true objective (34,273 against 34,386 kWh/yr on a Milan hour), pruned
# with that value, and returned the start as "optimal" under a wrong objective. Switching
# off these presolve rules (bit positions of HiGHS's presolve_rule_off) removed it there
# while keeping presolve's other reductions
PRESOLVE_RULES_OFF = (1 << 6) | (1 << 12) | (1 << 13)


class PeriodModel:
    """One period's model, built and compiled once; every period is a re-solve with other
    bounds: the demand rows and flow bounds, and for grid-based objectives the renewable
    supply in the balance rows. The template carries each area's largest demand over the
    horizon (so every flow column any period needs exists)."""

    def __init__(self, inst, kind: str):
        from ..formulation import build_model
        from ..formulation.energy import renewable_kw
        from ..solve.highs import CompiledModel
        T = inst.time.periods
        apos = pd.Series(np.arange(len(inst.areas)), index=inst.areas.area.to_numpy())
        D = np.zeros((len(inst.areas), T))
        if len(inst.demand):
            np.add.at(D, (apos[inst.demand.area].to_numpy(), inst.demand.period.to_numpy()),
                      inst.demand.mbps.to_numpy(float))
        self.D = D
        self.ren = renewable_kw(inst).reshape(len(inst.regions), T)
        dmax = D.max(axis=1) if T else np.zeros(len(inst.areas))
        keep = dmax > 0
        dem = pd.DataFrame({"area": inst.areas.area.to_numpy()[keep], "period": 0,
                            "mbps": dmax[keep]})
        rmax = self.ren.max(axis=1) if T else np.zeros(len(inst.regions))
        ren = None
        if (rmax > 0).any():
            ren = pd.DataFrame({"region": inst.regions.region.to_numpy()[rmax > 0], "period": 0,
                                "renewable_kw": rmax[rmax > 0]})
        # builds are fixed in every re-solve here: their embodied energy does not matter
        tmpl = replace(inst, time=replace(inst.time, periods=1), demand=dem, renewables=ren,
                       source=None, ran=replace(inst.ran, max_wakeups=None))
        self.built_model = build_model(tmpl, kind)
        self.cm = CompiledModel(self.built_model, rows=("demand", "balance"))
        self.rmax = rmax
        b = self.built_model
        self.ix = b.handles["radio_index"]
        self.r = b.handles["radio"]
        self.energy = b.handles.get("energy") or {}
        self._local_columns()

    def _local_columns(self):
        """Compiled positions (-1 where the compiler dropped a column) of each cell's awake
        column, each flow, site overhead, unserved and grid column, for neighbourhoods."""
        ix, r, cm = self.ix, self.r, self.cm
        inv = np.full(cm.n_global, -1, np.int64)
        inv[cm.colmap] = np.arange(len(cm.colmap))
        self.loc_a = inv[r["a"].cols(np.arange(len(ix.cell_ids)))]
        self.loc_f = inv[r["f"].cols(np.arange(len(ix.f_link)))]
        self.f_cell, self.f_area = ix.l_cell[ix.f_link], ix.l_area[ix.f_link]
        self.loc_s = inv[r["s"].cols(np.arange(len(ix.site_ids)))] if r["s"] is not None else None
        self.loc_u = inv[r["u"].cols(np.arange(len(r["at_d"])))] if r["u"] is not None else None
        g = self.energy.get("grid")
        self.loc_grid = inv[g.cols(np.arange(g.n))] if g is not None else np.zeros(0, np.int64)

    def neighbourhood_columns(self, cells: np.ndarray) -> np.ndarray:
        """Compiled columns a neighbourhood of ``cells`` may change: their awake states and
        sites, every flow into an area they reach (from any cell) and its unserved traffic,
        and the grid columns; everything else keeps the plan's values."""
        ix = self.ix
        inc = np.zeros(len(ix.cell_ids), bool)
        inc[cells] = True
        areas = np.zeros(len(ix.area_ids), bool)
        areas[self.f_area[inc[self.f_cell]]] = True
        parts = [self.loc_a[cells], self.loc_f[areas[self.f_area]], self.loc_grid]
        if self.loc_s is not None:
            parts.append(self.loc_s[np.unique(ix.cell_site[cells])])
        if self.loc_u is not None:
            parts.append(self.loc_u[areas[self.r["at_d"]]])  # one period: at_d is the area
        cols = np.concatenate(parts)
        return np.unique(cols[cols >= 0])

    def bounds(self, t: int, built: np.ndarray, awake: np.ndarray | None = None,
               fixed: np.ndarray | None = None):
        """Compiled (col_lower, col_upper, row_lower, row_upper) for period t with the
        builds ``built`` (cells, bool) fixed; with ``awake`` and ``fixed`` (cells, bool) the
        fixed cells keep their awake state."""
        ix, r, cm = self.ix, self.r, self.cm
        d, ren = self.D[:, t], self.ren[:, t]
        lb, ub = cm.lb_global.copy(), cm.ub_global.copy()
        free = np.flatnonzero(ix.free)
        xc = r["x"].cols(ix.xvar[free])
        lb[xc] = ub[xc] = np.clip(built[free].astype(float), lb[xc], ub[xc])
        ac = r["a"].cols(np.arange(len(ix.cell_ids)))
        ub[ac] = np.minimum(ub[ac], built.astype(float))
        if awake is not None and fixed is not None:
            f = np.flatnonzero(fixed)
            on = np.clip((awake & built)[f].astype(float), lb[ac[f]], ub[ac[f]])
            lb[ac[f]] = ub[ac[f]] = on
        fl = ix.f_link
        fc = r["f"].cols(np.arange(len(fl)))
        ub[fc] = np.minimum(np.minimum(ix.l_mbps[fl], d[ix.l_area[fl]]), ix.cap[ix.l_cell[fl]])
        at_d = r["at_d"]
        if r["u"] is not None:
            ub[r["u"].cols(np.arange(len(at_d)))] = d[at_d]
        rl, ru = cm.row_lower.copy(), cm.row_upper.copy()
        pos = cm.row_index.get("demand")
        if pos is not None:
            ok = pos >= 0
            rl[pos[ok]] = ru[pos[ok]] = d[at_d][ok]
        pos = cm.row_index.get("balance")
        if pos is not None and self.energy.get("grid") is not None:
            g_r = np.flatnonzero(self.energy["grid_rt"])
            ok = pos >= 0
            rl[pos[ok]] += self.rmax[g_r][ok] - ren[g_r][ok]
        return lb[cm.colmap], np.maximum(ub[cm.colmap], lb[cm.colmap]), rl, ru

    def start(self, built: np.ndarray, awake: np.ndarray) -> np.ndarray:
        """Global column values with x and a set to a plan (HiGHS completes the rest)."""
        ix, r, cm = self.ix, self.r, self.cm
        v = np.clip(np.zeros(cm.n_global), cm.lb_global, cm.ub_global)
        free = np.flatnonzero(ix.free)
        v[r["x"].cols(ix.xvar[free])] = built[free]
        ac = r["a"].cols(np.arange(len(ix.cell_ids)))
        v[ac] = np.minimum((awake & built).astype(float), cm.ub_global[ac])
        return v

    def awake_of(self, values: np.ndarray) -> np.ndarray:
        return values[self.r["a"].cols(np.arange(len(self.ix.cell_ids)))] > 0.5

    def price(self, t: int, built: np.ndarray, awake: np.ndarray):
        """The period's LP with builds and awake cells fixed (a SolveResult)."""
        from ..solve.highs import solve_compiled
        from ..solve.options import SolverOptions
        every = np.ones(len(self.ix.cell_ids), bool)
        cl, cu, rl, ru = self.bounds(t, built, awake, every)
        return solve_compiled(self.cm, SolverOptions(mip_gap=0.0, threads=1), col_lower=cl,
                              col_upper=cu, row_lower=rl, row_upper=ru, relax=True)


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
        cut = int(np.searchsorted(k, k[len(k) // 2], side="right"))
        if cut >= len(k):
            cut = int(np.searchsorted(k, k[len(k) // 2], side="left"))
        if cut <= 0:
            out.append(idx)
            continue
        stack += [order[:cut], order[cut:]]
    return out


def cell_xy(inst, ix) -> np.ndarray:
    """(cells, 2) planar coordinates of each cell's site (``parts.planar_xy``)."""
    from .parts import planar_xy
    sites = inst.sites.set_index("site")
    xy = planar_xy(sites.lat.reindex(ix.site_ids), sites.lon.reindex(ix.site_ids))
    return xy[ix.cell_site]


def polish_period(pm: PeriodModel, t: int, built: np.ndarray, awake: np.ndarray,
                  free: np.ndarray, *, xy: np.ndarray | None = None, seconds: float | None,
                  nodes: int | None = None, seed: int = 0, deadline: float | None = None,
                  log: list | None = None):
    """Re-plan period t of a plan (``built``, ``awake`` (cells,) bool) with HiGHS, only the
    ``free`` cells' awake state free; returns (awake, the period's objective, HiGHS
    seconds, finished: HiGHS proved its last problems optimal). ``seconds`` is the
    period's time (a whole-period solve gets all of it, a round's neighbourhoods share it;
    without it each gets NEIGHBOURHOOD_SECONDS), ``nodes`` a limit on each HiGHS solve
    that does not depend on the machine (reproducible runs); ``deadline`` ends the polish
    in any case."""
    from ..solve.highs import solve_compiled
    from ..solve.options import SolverOptions
    base = pm.price(t, built, awake)
    if not base.has_solution:
        return awake, None, base.solve_seconds, True
    best, obj, spent = awake.copy(), base.objective, base.solve_seconds
    free = free & built
    cells = np.flatnonzero(free)
    if not len(cells):
        return best, obj, spent, True
    finished = True
    whole = len(cells) <= WHOLE_CELLS or xy is None
    rng = np.random.default_rng(seed + t)
    rounds = 1 if whole else (3 if seconds is None else ROUNDS)
    if seconds is not None:
        end = time.perf_counter() + seconds
        deadline = end if deadline is None else min(deadline, end)
    vals = None if whole else base.values[pm.cm.colmap]  # the plan's period, compiled order
    for rnd in range(rounds):
        if whole:
            groups = [cells]
        else:
            ang = 0.0 if rnd == 0 else rng.uniform(0.0, np.pi)
            rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
            groups = neighbourhoods(xy @ rot, cells, NEIGHBOURHOOD_CELLS)
        better, proved = False, True
        for i, g in enumerate(groups):
            lim = None if whole or (seconds is None and nodes is not None) else NEIGHBOURHOOD_SECONDS
            if deadline is not None:
                left = deadline - time.perf_counter()
                if left < 0.2:
                    return best, obj, spent, False
                if lim is not None and seconds is not None:
                    lim = max(lim, left / (len(groups) - i))
                lim = left if lim is None else min(lim, left)
            fixed = np.ones(len(best), bool)
            fixed[g] = False
            cl, cu, rl, ru = pm.bounds(t, built, best, fixed)
            native = {"presolve_rule_off": PRESOLVE_RULES_OFF}
            if nodes is not None:
                native["mip_max_nodes"] = int(nodes)
            opts = SolverOptions(threads=1, mip_gap=1e-6, seed=seed, time_limit_s=lim)
            if whole:
                res = solve_compiled(pm.cm, opts, col_lower=cl, col_upper=cu, row_lower=rl,
                                     row_upper=ru, start=pm.start(built, best), native=native)
            else:
                # the neighbourhood alone, the rest of the period constant: HiGHS's set-up
                # on the whole period took longer than the neighbourhood's own search
                keep = pm.neighbourhood_columns(g)
                sub = pm.cm.restrict(keep, vals, cl, cu, rl, ru)
                res = solve_compiled(sub, opts, start=vals[keep], native=native)
            spent += res.solve_seconds
            finished = res.status == "optimal"
            proved &= finished
            if log is not None:
                log.append((t, len(g), res.status, res.objective, res.solve_seconds))
            if res.has_solution and res.objective < obj - 1e-9 * max(1.0, abs(obj)):
                obj, better = res.objective, True
                if whole:
                    best = pm.awake_of(res.values) & built
                else:
                    vals[keep] = res.values
                    on = pm.loc_a[g] >= 0  # cells whose awake column the compiler kept
                    best = best.copy()
                    best[g[on]] = vals[pm.loc_a[g[on]]] > 0.5
                    best &= built
        # another round, cut at another angle, unless this one found nothing and either
        # proved its neighbourhoods optimal or had no period time to share
        if whole or (not better and (proved or seconds is None)):
            break
    return best, obj, spent, finished
