"""A greedy drop heuristic for one period: better plans where HiGHS finds none in time.

On large one-period models (a whole city, the clusters of a split instance) HiGHS often
returns the start it was given unchanged, or no plan at all, within the time a period gets
(docs/performance.md). From a feasible plan (HiGHS's, or the start it was given: every cell
awake, or the plan of a period with more demand), this heuristic puts cells and whole sites
to sleep while the plan stays feasible:

- each round ranks the moves (a whole site asleep, or one cell) by an estimate of what they
  save: the awake power, the site overhead when the last cell of a site sleeps, the
  embodied energy and sleep power of a candidate no longer used, less the extra load power
  of moving the cell's traffic to the dearest cell;
- a move is kept when coverage, the 5G mandate and the demand still hold; demand is checked
  exactly by a maximum flow (areas -> cells over links, at link and cell capacity);
- after each round the one-period LP with the awake cells fixed prices the plan; the best
  plan priced is returned, so the result is never worse than the start.

The estimate uses energy (W) whatever the objective; only the LP prices plans.
``PeriodModel.solve`` runs it after HiGHS, on HiGHS's plan, and keeps the better of the two."""
from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import maximum_flow


def drop_cells(pm, d: np.ndarray, ren: np.ndarray, start: np.ndarray, *,
               deadline: float | None = None, refresh: int = 50):
    """Improve the feasible one-period plan ``start`` (global column values of ``pm``, a
    PeriodModel) for demand ``d`` (areas, Mbps) and renewables ``ren`` (regions, kW) by
    putting cells to sleep, until no move pays or ``deadline`` (time.perf_counter()).

    Returns (values, objective) of the best plan priced by the one-period LP, or
    (None, None) when the start itself could not be priced."""
    from ..formulation.radio import interchangeable_pairs
    from ..solve.options import SolverOptions
    ix, r, cm = pm.ix, pm.r, pm.cm
    nc, na, ns = len(ix.cell_ids), len(ix.area_ids), len(ix.site_ids)
    acols = r["a"].cols(np.arange(nc))
    free = np.flatnonzero(ix.free)
    built, awake = pm.plan_of(start)
    # cells the model keeps awake (no sleeping) are never dropped
    locked = cm.lb_global[acols] > 0.5
    k = pm.k_w  # kWh per W over one period of the year (period_hours * weight / 1000)
    delta = (ix.active_w - ix.sleep_w) * k
    ell = np.where(ix.cap > 0, ix.load_w / np.maximum(ix.cap, 1e-12), 0.0) * k
    xcost = np.zeros(nc)
    xcost[free] = ix.embodied[free] / max(pm.T, 1) + ix.sleep_w[free] * k
    ovh = ix.overhead_w * k
    ell_alt = float(ell.max()) if nc else 0.0
    p1, p2 = interchangeable_pairs(ix)
    Lc, La, Lm = ix.l_cell, ix.l_area, ix.l_mbps
    lp_opts = SolverOptions(threads=1, mip_gap=0.0)
    fl = ix.f_link
    fcols = r["f"].cols(np.arange(len(fl)))
    # integer capacities (kbps where they fit scipy's 32-bit flows), rounded to the safe side
    scale = min(1000.0, 1e9 / max(d.sum(), ix.cap.max(initial=0.0), Lm.max(initial=0.0), 1.0))
    dem = np.ceil(d * scale).astype(np.int64)
    need = int(dem.sum())
    src, snk = 0, na + nc + 1

    def price(aw):
        # a candidate (or retirable cell) that no longer wakes is not built
        res = pm.price(d, ren, ix.fixed_on | (built & aw), aw, lp_opts)
        if not res.has_solution:
            return None, None, None
        load = np.zeros(nc)
        np.add.at(load, ix.l_cell[fl], res.values[fcols])
        return res.objective, res.values, load

    def feasible(aw) -> bool:
        cov = np.bincount(La, weights=aw[Lc].astype(float), minlength=na)
        if (cov < pm.min_coverage).any():
            return False
        if ix.requires_5g.any():
            c5 = np.bincount(La, weights=(aw & ix.is5g)[Lc].astype(float), minlength=na)
            if (ix.requires_5g & (c5 < 1)).any():
                return False
        on = aw[Lc] & (d[La] > 0)
        rows = np.r_[np.zeros(na, np.int64), 1 + La[on], 1 + na + np.arange(nc)]
        cols = np.r_[1 + np.arange(na), 1 + na + Lc[on], np.full(nc, snk)]
        capv = np.r_[dem, np.floor(Lm[on] * scale), np.floor(ix.cap * scale * aw)]
        G = sp.csr_matrix((capv.astype(np.int32), (rows, cols)), shape=(snk + 1, snk + 1))
        return maximum_flow(G, src, snk).flow_value >= need

    def canon(aw):
        # interchangeable cells are ordered in the model (the first awake before the second)
        while True:
            bad = aw[p2] & ~aw[p1]
            if not bad.any():
                return aw
            aw[p1[bad]], aw[p2[bad]] = True, False

    best_obj, best_vals, load = price(awake)
    if best_obj is None:
        return None, None
    site_of = ix.cell_site
    while deadline is None or time.perf_counter() < deadline:
        site_n = np.bincount(site_of, weights=awake.astype(float), minlength=ns)
        gain = delta + xcost - load * (ell_alt - ell)
        moves = []
        by_site: dict[int, list[int]] = {}
        for c in np.flatnonzero(awake & ~locked):
            s = int(site_of[c])
            moves.append((gain[c] + (ovh[s] if site_n[s] == 1 else 0.0), (c,)))
            by_site.setdefault(s, []).append(int(c))
        for s, cs in by_site.items():
            if len(cs) > 1 and len(cs) == site_n[s]:
                moves.append((ovh[s] + gain[cs].sum(), tuple(cs)))
        moves.sort(key=lambda m: -m[0])
        trial, kept = awake.copy(), 0
        for g, cs in moves:
            if g <= 0:
                break
            if deadline is not None and time.perf_counter() >= deadline:
                break
            cs = list(cs)
            if not trial[cs].all():
                continue
            trial[cs] = False
            if feasible(trial):
                canon(trial)
                kept += 1
                if kept % refresh == 0:  # traffic moved: update the loads
                    obj, vals, ld = price(trial)
                    if obj is None:
                        break
                    load = ld
            else:
                trial[cs] = True
        if kept == 0:
            break
        obj, vals, ld = price(trial)
        if obj is None or obj >= best_obj - 1e-9 * max(1.0, abs(best_obj)):
            break
        awake, load, best_obj, best_vals = trial, ld, obj, vals
    return best_vals, best_obj
