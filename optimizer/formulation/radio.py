"""The radio access network: 4G/5G cells built, retired, awake or asleep, and their traffic.

Variables (docs/model.md, "Radio access network"), all integer-indexed:
  x[i]      binary, cell built/kept (only for cells whose existence is a decision)
  a[c*T+t]  binary, cell c awake in period t
  f[k]      Mbps on link l=f_link[k] in period t=f_t[k] (only where the area has demand)
  s[s*T+t]  in [0,1], site overhead on (>= every awake cell of the site)
  v[c*T+t]  in [0,1], wake-up of cell c at the start of t (cyclic)
  u[a*T+t]  Mbps unserved (only with an unserved penalty, or when diagnosing)
Cell power (W) = sleep_w*(x - a) + active_w*a + load_w * sum_a f / capacity (EARTH model,
Auer et al. 2011); site power = overhead_w * s; wake-ups cost wake_kwh each.
"""
from __future__ import annotations

import numpy as np

from .builder import ModelBuilder
from .indices import RadioIndex
from .ledger import Ledger


def add_radio(b: ModelBuilder, inst, ix: RadioIndex, ledger: Ledger, *, diagnose=False) -> dict:
    """Add the radio variables and rows (module docstring) to ``b`` and their power (kW) and
    yearly embodied energy (kWh) to ``ledger``; with ``diagnose``, penalised slacks on
    demand, coverage and the 5G mandate. Returns the variable blocks by name."""
    T = ix.T
    nc = len(ix.cell_ids)
    na = len(ix.area_ids)
    ran = inst.ran
    ph = inst.time.period_hours
    cells = np.arange(nc)
    ct_c = np.repeat(cells, T)  # cell of each (c,t)
    ct_t = np.tile(np.arange(T), nc)

    # ---- x: existence decisions
    nx_ = int(ix.free.sum())
    free_cells = np.flatnonzero(ix.free)
    # a forbidden existing cell is retired: its x is bounded to 0 (forced cells are constants)
    X = b.var("x", nx_, binary=True, lb=0.0, ub=np.where(ix.forbidden[free_cells], 0.0, 1.0))

    # ---- a: awake; forced on when sleeping is off for fixed cells; never for forbidden cells
    a_ub = np.where(((ix.free | ix.fixed_on) & ~ix.forbidden)[ct_c], 1.0, 0.0)
    a_lb = np.zeros(nc * T)
    if not ran.allow_sleep:
        a_lb[ix.fixed_on[ct_c]] = 1.0
        a_ub[ix.fixed_on[ct_c]] = 1.0
    A = b.var("a", nc * T, binary=True, lb=a_lb, ub=a_ub)

    # a <= x (or a == x without sleeping) for cells whose existence is decided
    fc_ct = np.flatnonzero(ix.free[ct_c])
    n = len(fc_ct)
    r = np.arange(n)
    xcol = X.cols(ix.xvar[ct_c[fc_ct]])
    b.rows("awake_if_built", n, np.r_[r, r], np.r_[A.cols(fc_ct), xcol],
           np.r_[np.ones(n), -np.ones(n)], lb=0.0 if not ran.allow_sleep else None, ub=0.0)

    # ---- f: flows on links with demand
    nf = len(ix.f_link)
    F = b.var("f", nf, lb=0.0, ub=ix.f_ub)
    f_cell = ix.l_cell[ix.f_link]
    f_area = ix.l_area[ix.f_link]
    f_ct = f_cell * T + ix.f_t
    # The design's f <= min(link_mbps, demand) * a is enforced by f's column bound together with
    # the capacity row (sum f <= cap * a forces f = 0 while asleep). The per-link variable upper
    # bound rows would tighten the LP but made the root LP of a 24-period instance 30x slower
    # under dual simplex (docs/performance.md), so they are left to HiGHS's cut generation.
    # capacity: sum f <= cap * a for every (c,t) that carries flow
    cap_ct, cap_row = np.unique(f_ct, return_inverse=True)
    n = len(cap_ct)
    b.rows("capacity", n, np.r_[cap_row, np.arange(n)], np.r_[F.cols(np.arange(nf)), A.cols(cap_ct)],
           np.r_[np.ones(nf), -ix.cap[cap_ct // T]], ub=0.0)
    # demand: sum f (+ u) = D
    at_d = np.flatnonzero(ix.demand.reshape(-1) > 0)
    at_row = np.full(na * T, -1)
    at_row[at_d] = np.arange(len(at_d))
    rows_r, cols_r, coef_r = [at_row[f_area * T + ix.f_t]], [F.cols(np.arange(nf))], [np.ones(nf)]
    U = None
    soft = ran.unserved_penalty_kwh_per_mbps_h is not None or diagnose
    if soft and len(at_d):
        U = b.var("u", len(at_d), lb=0.0, ub=ix.demand.reshape(-1)[at_d])
        rows_r.append(np.arange(len(at_d)))
        cols_r.append(U.cols(np.arange(len(at_d))))
        coef_r.append(np.ones(len(at_d)))
    dvals = ix.demand.reshape(-1)[at_d]
    b.rows("demand", len(at_d), np.concatenate(rows_r), np.concatenate(cols_r),
           np.concatenate(coef_r), lb=dvals, ub=dvals)

    # ---- coverage: >= min_coverage awake cells over each area in every period; 5G mandate
    slacks = {}
    l_ct_c = np.repeat(ix.l_cell, T)
    l_ct_a = np.repeat(ix.l_area, T)
    l_ct_t = np.tile(np.arange(T), len(ix.l_cell))
    if ran.min_coverage > 0:
        b_rows, b_cols, b_coef = [l_ct_a * T + l_ct_t], [A.cols(l_ct_c * T + l_ct_t)], [np.ones(len(l_ct_c))]
        if diagnose:
            S = b.var("cov_slack", na * T, lb=0.0, ub=float(ran.min_coverage))
            b_rows.append(np.arange(na * T))
            b_cols.append(S.cols(np.arange(na * T)))
            b_coef.append(np.ones(na * T))
            slacks["coverage"] = S
        b.rows("coverage", na * T, np.concatenate(b_rows), np.concatenate(b_cols),
               np.concatenate(b_coef), lb=float(ran.min_coverage))
    req = np.flatnonzero(ix.requires_5g)
    if len(req):
        pos = np.full(na, -1)
        pos[req] = np.arange(len(req))
        sel = (pos[l_ct_a] >= 0) & ix.is5g[l_ct_c]
        rr = [pos[l_ct_a[sel]] * T + l_ct_t[sel]]
        cc = [A.cols(l_ct_c[sel] * T + l_ct_t[sel])]
        kk = [np.ones(sel.sum())]
        if diagnose:
            S5 = b.var("g5_slack", len(req) * T, lb=0.0, ub=1.0)
            rr.append(np.arange(len(req) * T))
            cc.append(S5.cols(np.arange(len(req) * T)))
            kk.append(np.ones(len(req) * T))
            slacks["5g"] = S5
        b.rows("mandate_5g", len(req) * T, np.concatenate(rr), np.concatenate(cc),
               np.concatenate(kk), lb=1.0)

    # ---- site overhead: s[site,t] >= a[c,t]
    ns = len(ix.site_ids)
    S_on = None
    oh_cells = np.flatnonzero((ix.overhead_w[ix.cell_site] > 0) & (ix.linked | ix.fixed_on))
    if len(oh_cells):
        S_on = b.var("s", ns * T, lb=0.0, ub=1.0)
        cc_ = np.repeat(oh_cells, T)
        tt_ = np.tile(np.arange(T), len(oh_cells))
        n = len(cc_)
        r = np.arange(n)
        b.rows("site_on", n, np.r_[r, r], np.r_[A.cols(cc_ * T + tt_), S_on.cols(ix.cell_site[cc_] * T + tt_)],
               np.r_[np.ones(n), -np.ones(n)], ub=0.0)

    # ---- wake-ups (cyclic): v[c,t] >= a[c,t] - a[c,t-1]
    V = None
    can_sleep = (a_ub[::T] > a_lb[::T]) if T else np.zeros(nc, bool)
    wcells = np.flatnonzero(can_sleep & ((ix.wake_kwh > 0) | (ran.max_wakeups is not None)))
    if len(wcells) and T > 1:
        V = b.var("v", nc * T, lb=0.0, ub=1.0)
        cc_ = np.repeat(wcells, T)
        tt_ = np.tile(np.arange(T), len(wcells))
        prev = (tt_ - 1) % T
        n = len(cc_)
        r = np.arange(n)
        b.rows("wakeup", n, np.r_[r, r, r],
               np.r_[V.cols(cc_ * T + tt_), A.cols(cc_ * T + tt_), A.cols(cc_ * T + prev)],
               np.r_[np.ones(n), -np.ones(n), np.ones(n)], lb=0.0)
        if ran.max_wakeups is not None:
            rw = np.repeat(np.arange(len(wcells)), T)
            b.rows("max_wakeups", len(wcells), rw, V.cols(cc_ * T + tt_), np.ones(n),
                   ub=float(ran.max_wakeups))

    # ---- symmetry: interchangeable cells (same site, status, parameters and links) wake and
    # are built in a fixed order. Valid without a per-cell wake-up limit: for any counts k_t of
    # awake cells, waking the first k_t has the fewest wake-ups (sum of max(0, k_t - k_t-1)).
    if ran.max_wakeups is None:
        first, second = interchangeable_pairs(ix)
        if len(first):
            n = len(first) * T
            r = np.arange(n)
            tt_ = np.tile(np.arange(T), len(first))
            c1, c2 = np.repeat(first, T), np.repeat(second, T)
            b.rows("symmetry_awake", n, np.r_[r, r], np.r_[A.cols(c2 * T + tt_), A.cols(c1 * T + tt_)],
                   np.r_[np.ones(n), -np.ones(n)], ub=0.0)
            both = ix.free[first] & ix.free[second]
            if both.any():
                f1, f2 = first[both], second[both]
                m = len(f1)
                b.rows("symmetry_built", m, np.r_[np.arange(m), np.arange(m)],
                       np.r_[X.cols(ix.xvar[f2]), X.cols(ix.xvar[f1])],
                       np.r_[np.ones(m), -np.ones(m)], ub=0.0)

    # ---- at most max_new_cells candidates built
    cand_free = np.flatnonzero(ix.free & ~ix.existing)
    n_forced_new = int((ix.forced & ~ix.existing).sum())  # forced candidates count as built
    if ran.max_new_cells is not None and len(cand_free):
        b.rows("max_new_cells", 1, np.zeros(len(cand_free)), X.cols(ix.xvar[cand_free]),
               np.ones(len(cand_free)), ub=float(ran.max_new_cells - n_forced_new))

    # ---- power into the regional ledger (kW per region-period)
    rt_ct = ix.cell_region[ct_c] * T + ct_t
    ledger.add_power(A, rt_ct, np.arange(nc * T), (ix.active_w - ix.sleep_w)[ct_c] / 1000.0)
    fixed_ct = ix.fixed_on[ct_c]
    ledger.add_const(rt_ct[fixed_ct], ix.sleep_w[ct_c][fixed_ct] / 1000.0)
    free_ct = np.flatnonzero(ix.free[ct_c])
    ledger.add_power(X, rt_ct[free_ct], ix.xvar[ct_c[free_ct]], ix.sleep_w[ct_c[free_ct]] / 1000.0)
    ledger.add_power(F, ix.cell_region[f_cell] * T + ix.f_t, np.arange(nf),
                     ix.load_w[f_cell] / ix.cap[f_cell] / 1000.0)
    if S_on is not None:
        st_s = np.repeat(np.arange(ns), T)
        st_t = np.tile(np.arange(T), ns)
        site_region = np.zeros(ns, np.int64)
        site_region[ix.cell_site] = ix.cell_region
        ledger.add_power(S_on, site_region[st_s] * T + st_t, np.arange(ns * T),
                         ix.overhead_w[st_s] / 1000.0)
    if V is not None:
        ledger.add_power(V, rt_ct, np.arange(nc * T), ix.wake_kwh[ct_c] / ph)
    cand = np.flatnonzero(ix.free & ~ix.existing)
    ledger.add_yearly(X, ix.cell_region[cand], ix.xvar[cand], ix.embodied[cand])
    forced_new = np.flatnonzero(ix.forced & ~ix.existing & (ix.embodied > 0))
    if len(forced_new):
        # a forced candidate is built like any other: its embodied energy counts, through a
        # column fixed at 1 so that it is booked to the radio part like the free candidates'
        XF = b.var("x_forced", len(forced_new), lb=1.0, ub=1.0)
        ledger.add_yearly(XF, ix.cell_region[forced_new], np.arange(len(forced_new)),
                          ix.embodied[forced_new])
    if U is not None and not diagnose:
        w = inst.time.weight
        ledger.add_penalty(U, ix.area_region[at_d // T], np.arange(len(at_d)),
                           np.full(len(at_d), ran.unserved_penalty_kwh_per_mbps_h * ph * w))
    return dict(x=X, a=A, f=F, s=S_on, v=V, u=U, at_d=at_d, slacks=slacks)


def interchangeable_pairs(ix: RadioIndex) -> tuple[np.ndarray, np.ndarray]:
    """Consecutive pairs (c1, c2) of cells that no plan can tell apart: same site, tech,
    status, power parameters and identical coverage links (area and link_mbps)."""
    import pandas as pd
    if len(ix.l_cell) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    nc = len(ix.cell_ids)
    # an order-free signature of each cell's links: the sum of a mixed 64-bit hash per link
    # (area, link_mbps) and their count; equal signatures are confirmed link by link below
    with np.errstate(over="ignore"):
        h = (ix.l_area.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
             ^ np.round(ix.l_mbps * 1000).astype(np.int64).astype(np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F))
        h ^= h >> np.uint64(29)
        h *= np.uint64(0xBF58476D1CE4E5B9)
    sig = np.zeros(nc, np.uint64)
    with np.errstate(over="ignore"):
        np.add.at(sig, ix.l_cell, h)
    cnt = np.bincount(ix.l_cell, minlength=nc)
    df = pd.DataFrame({"site": ix.cell_site, "g5": ix.is5g, "ex": ix.existing, "free": ix.free,
                       "forbidden": ix.forbidden, "forced": ix.forced,
                       "cap": ix.cap, "act": ix.active_w, "load": ix.load_w, "sl": ix.sleep_w,
                       "wk": ix.wake_kwh, "emb": ix.embodied, "sig": sig.view(np.int64), "n": cnt})
    df = df[cnt > 0]
    dup = df.duplicated(keep=False)
    if not dup.any():
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    df = df[dup]
    order = np.lexsort((ix.l_mbps, ix.l_area, ix.l_cell))
    lc, la, lm = ix.l_cell[order], ix.l_area[order], ix.l_mbps[order]
    starts = np.searchsorted(lc, np.arange(nc + 1))

    def links(c):
        return la[starts[c]:starts[c + 1]], lm[starts[c]:starts[c + 1]]

    first, second = [], []
    for _, grp in df.groupby(list(df.columns), sort=False):
        idx = grp.index.to_numpy()
        a0, m0 = links(idx[0])
        same = [i for i in idx[1:] if np.array_equal(links(i)[0], a0) and np.array_equal(links(i)[1], m0)]
        chain = [idx[0], *same]
        first.extend(chain[:-1])
        second.extend(chain[1:])
    return np.asarray(first, np.int64), np.asarray(second, np.int64)
