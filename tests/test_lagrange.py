"""The Lagrangian dual of the radio model (optimizer.decompose.lagrange).

- every bound is a true bound: never above the optimum of the brute-force oracle
  (tests/test_bruteforce.py) for every objective and option, wake-up dynamic programme on
  or off;
- the pieces are exact: the site subproblems against enumeration of every schedule, the
  fractional knapsacks against the sorted greedy;
- the dual equals the LP relaxation with per-link and per-site rows (the relaxation is
  integral without builds and wake-ups): the dual function at the LP's own row duals is
  the LP's optimum, the LP written here from docs/model.md and solved by scipy.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

import optimizer
import optimizer.decompose.lagrange as L
import test_bruteforce as bf


def _case(seed: int, T: int = 2, wake_scale: float = 1.0) -> dict:
    old = bf.T
    bf.T = T
    try:
        case = bf.random_case(seed)
        case["cells"] = [c[:8] + (c[8] * wake_scale,) + c[9:] for c in case["cells"]]
        return case, bf.oracle(case)
    finally:
        bf.T = old


@pytest.mark.parametrize("seed", range(60))
def test_bound_never_above_the_optimum(seed):
    case, best = _case(seed)
    try:
        inst = bf.to_instance(case)
    except optimizer.InstanceError:
        return
    d = L.RadioDual(inst)
    a = L.ascend(d, target=lambda: (best if best is not None else 1e6) + 1.0, iterations=300)
    if best is not None:
        assert a.bound <= best + 1e-7 * max(1.0, abs(best)), (a.bound, best, case["ran"])
        # and it is a useful bound: every history entry is one too
        assert all(b <= best + 1e-7 * max(1.0, abs(best)) for _, _, b in a.history)


def test_a_value_above_a_plan_is_not_taken_as_the_bound(monkeypatch):
    # rounding at multipliers grown too large can make the dual function's value any
    # number; one above a feasible plan's objective (the ceiling) is dropped and the ascent
    # goes on from its best multipliers. The 5th evaluation is made to return 1e30.
    for seed in range(60):
        case, best = _case(seed)
        try:
            inst = bf.to_instance(case)
        except optimizer.InstanceError:
            continue
        if best is not None:
            break
    d = L.RadioDual(inst)
    real, calls = d.evaluate, [0]

    def evaluate(m):
        calls[0] += 1
        s = real(m)
        if calls[0] == 5:
            s.value = 1e30
        return s
    monkeypatch.setattr(d, "evaluate", evaluate)
    a = L.ascend(d, target=lambda: best + 1.0, iterations=60, ceiling=lambda: best)
    assert calls[0] > 5 and a.iterations == calls[0]  # it went on after the drop
    assert a.bound <= best + 1e-7 * max(1.0, abs(best))
    # without the ceiling it would have been taken
    calls[0] = 0
    assert L.ascend(d, target=lambda: best + 1.0, iterations=10).bound == 1e30


@pytest.mark.parametrize("seed", range(25))
def test_bound_with_wake_ups_in_the_subproblem(seed, monkeypatch):
    """Three periods, wake-up energy 50x the random draw, the dynamic programme forced on:
    still never above the optimum, and at least the bound without it."""
    case, best = _case(seed, T=3, wake_scale=50.0)
    try:
        inst = bf.to_instance(case)
    except optimizer.InstanceError:
        return
    if best is None:
        return
    monkeypatch.setattr(L, "WAKE_NEGLIGIBLE", 0.0)
    d = L.RadioDual(inst)
    m = d.start()
    a = L.ascend(d, m, target=lambda: best + 1.0, iterations=300)
    assert a.bound <= best + 1e-7 * max(1.0, abs(best))
    if d.wake_dp:
        monkeypatch.setattr(L, "WAKE_NEGLIGIBLE", float("inf"))
        if inst.ran.max_wakeups is None:
            d0 = L.RadioDual(inst)
            assert not d0.wake_dp
            # at the same multipliers the subproblem with wake-ups costs at least as much
            assert d.evaluate(a.best).value >= d0.evaluate(a.best).value - 1e-9


def test_site_subproblems_match_enumeration():
    rng = np.random.default_rng(0)
    for _ in range(150):
        n, T, G = int(rng.integers(1, 4)), int(rng.integers(2, 5)), 3
        g = rng.normal(0, 1, (G, n, T))
        h = rng.normal(0.5, 1, (G, T))
        w = rng.uniform(0, 1, (G, n, T))
        bits = ((np.arange(2 ** n)[:, None] >> np.arange(n)[None, :]) & 1).astype(bool)
        cost, aw = L._wake_dp(bits, g, h, w)
        cf, _ = L._closed_form(bits, g, h, True)
        for gi in range(G):
            for mi, b in enumerate(bits):
                cs = np.flatnonzero(b)
                best = best0 = 0.0 if len(cs) == 0 else np.inf
                for sched in itertools.product((0, 1), repeat=len(cs) * T):
                    a = np.array(sched).reshape(len(cs), T)
                    stage = sum(h[gi, t] + (g[gi, cs, t] * a[:, t]).sum()
                                for t in range(T) if a[:, t].any())
                    wake = (w[gi, cs, :] * np.maximum(a - np.roll(a, 1, axis=1), 0)).sum()
                    best, best0 = min(best, stage + wake), min(best0, stage)
                assert cost[gi, mi] == pytest.approx(best, abs=1e-9)
                assert cf[gi, mi] == pytest.approx(best0, abs=1e-9)
                if len(cs):  # the schedule returned achieves the cost
                    a = aw[gi, mi][cs].astype(int)
                    stage = sum(h[gi, t] + (g[gi, cs, t] * a[:, t]).sum()
                                for t in range(T) if a[:, t].any())
                    wake = (w[gi, cs, :] * np.maximum(a - np.roll(a, 1, axis=1), 0)).sum()
                    assert stage + wake == pytest.approx(best, abs=1e-9)


def test_knapsack_matches_the_sorted_greedy():
    rng = np.random.default_rng(1)
    for trial in range(20):
        nseg = 40
        seg = np.sort(rng.integers(0, nseg, 300))
        v = rng.normal(0, 1, 300)
        ub = rng.uniform(0, 2, 300)
        cap = rng.uniform(0, 5, nseg)
        perm = None
        for _ in range(2):  # from scratch, then from the order it returned
            f, val, perm = L.knapsack(v, ub, seg, cap, nseg, perm)
            for s in range(nseg):
                idx = np.flatnonzero(seg == s)
                left, best = cap[s], 0.0
                for k in idx[np.argsort(-v[idx])]:
                    if v[k] <= 0:
                        break
                    take = min(ub[k], left)
                    best, left = best + take * v[k], left - take
                assert val[s] == pytest.approx(best, abs=1e-9)
                assert (v[idx] * f[idx]).sum() == pytest.approx(best, abs=1e-9)
                assert f[idx].sum() <= cap[s] + 1e-9
            v = v + rng.normal(0, 0.05, 300)


# ------------------------------------------------------------------ the strengthened LP

def strengthened_lp(inst, kind):
    """The LP relaxation of docs/model.md for an instance without candidates, retirement or
    wake-ups, with the per-link rows f <= min(link, D) a, the per-site rows
    sum_{c of s} f[c,a,t] <= min(D, sum_c min(link, cap)) on[s,t] (pairs that two or more
    of the site's cells reach) and on[s,t] <= sum_{c of s} a[c,t]. Returns (optimum, row
    blocks with their marginals)."""
    T = inst.time.periods
    hw = inst.time.period_hours * inst.time.weight
    reg = list(inst.regions.region)
    fac = {"energy": np.ones(len(reg)), "grid_energy": np.ones(len(reg)),
           "carbon": inst.regions.grid_co2_kg_per_kwh.to_numpy() / 1000.0,
           "cost": inst.regions.price_cny_per_kwh.to_numpy()}[kind]
    cells = inst.cells.reset_index(drop=True)
    sites = list(inst.sites.site)
    site_reg = {s: reg.index(r) for s, r in zip(inst.sites.site, inst.sites.region)}
    overhead = dict(zip(inst.sites.site, inst.sites.overhead_w))
    areas = list(inst.areas.area)
    a_reg = [reg.index(r) for r in inst.areas.region]
    D = np.zeros((len(areas), T))
    for a, t, m in inst.demand[["area", "period", "mbps"]].itertuples(index=False):
        D[areas.index(a), t] += m
    ren = np.zeros((len(reg), T))
    if inst.renewables is not None:
        for r, t, kw in inst.renewables[["region", "period", "renewable_kw"]].itertuples(index=False):
            ren[reg.index(r), t] += kw
    cname = list(cells.cell)
    links = [(cname.index(c), areas.index(a), m) for c, a, m in
             inst.coverage[["cell", "area", "link_mbps"]].itertuples(index=False)]
    C, S, A = len(cells), len(sites), len(areas)
    csite = [sites.index(s) for s in cells.site]
    creg = [site_reg[s] for s in cells.site]
    grid_rt = [(r, t) for r in range(len(reg)) for t in range(T) if kind != "energy" and ren[r, t] > 0]
    pen = inst.ran.unserved_penalty_kwh_per_mbps_h
    # columns: a[c,t], on[s,t], f[l,t] (demand > 0), u[a,t], grid[r,t]
    cols = {}

    def col(key):
        cols.setdefault(key, len(cols))
        return cols[key]
    for c in range(C):
        for t in range(T):
            col(("a", c, t))
    for s in range(S):
        for t in range(T):
            col(("on", s, t))
    for k, (c, a, m) in enumerate(links):
        for t in range(T):
            if D[a, t] > 0:
                col(("f", k, t))
    if pen is not None:
        for a in range(A):
            for t in range(T):
                if D[a, t] > 0:
                    col(("u", a, t))
    for r, t in grid_rt:
        col(("g", r, t))
    n = len(cols)
    price = np.array([[hw * fac[r] for t in range(T)] for r in range(len(reg))])
    cost = np.zeros(n)
    load = {}  # (r, t) -> {col: kW per unit}
    const = np.zeros((len(reg), T))

    def add_load(r, t, j, kw):
        load.setdefault((r, t), {})
        load[(r, t)][j] = load[(r, t)].get(j, 0.0) + kw
    for c in range(C):
        for t in range(T):
            const[creg[c], t] += cells.sleep_w[c] / 1000.0
            add_load(creg[c], t, cols[("a", c, t)], (cells.active_w[c] - cells.sleep_w[c]) / 1000.0)
    for s in range(S):
        for t in range(T):
            add_load(site_reg[sites[s]], t, cols[("on", s, t)], overhead[sites[s]] / 1000.0)
    for k, (c, a, m) in enumerate(links):
        for t in range(T):
            if ("f", k, t) in cols:
                add_load(creg[c], t, cols[("f", k, t)], cells.load_w[c] / cells.capacity_mbps[c] / 1000.0)
    offset = 0.0
    for (r, t), terms in load.items():
        if (r, t) in grid_rt:
            continue
        for j, kw in terms.items():
            cost[j] += kw * price[r, t]
    for r in range(len(reg)):
        for t in range(T):
            if (r, t) not in grid_rt:
                offset += const[r, t] * price[r, t]
    for (r, t) in grid_rt:
        cost[cols[("g", r, t)]] = price[r, t]
    if pen is not None:
        for a in range(A):
            for t in range(T):
                if ("u", a, t) in cols:
                    cost[cols[("u", a, t)]] = pen * hw * fac[a_reg[a]]
    rows = {}  # name -> list of (coef dict, lo, hi)

    def row(name, coefs, lo=-np.inf, hi=np.inf):
        rows.setdefault(name, []).append((coefs, lo, hi))
    for a in range(A):
        for t in range(T):
            if D[a, t] > 0:
                cf = {cols[("f", k, t)]: 1.0 for k, (c, aa, m) in enumerate(links) if aa == a}
                if pen is not None:
                    cf[cols[("u", a, t)]] = 1.0
                row("demand", cf, D[a, t], D[a, t])
            if inst.ran.min_coverage > 0:
                row("coverage", {cols[("a", c, t)]: 1.0 for c, aa, m in links if aa == a},
                    inst.ran.min_coverage)
            if bool(inst.areas.requires_5g.iloc[a]):
                row("g5", {cols[("a", c, t)]: 1.0 for c, aa, m in links
                           if aa == a and cells.tech[c] == "5g"}, 1.0)
    pairs = {}
    for k, (c, a, m) in enumerate(links):
        pairs.setdefault((csite[c], a), []).append(k)
    for (s, a), ks in pairs.items():
        if len(ks) < 2:
            continue
        for t in range(T):
            if D[a, t] > 0:
                M = min(D[a, t], sum(min(links[k][2], cells.capacity_mbps[links[k][0]]) for k in ks))
                cf = {cols[("f", k, t)]: 1.0 for k in ks}
                cf[cols[("on", s, t)]] = -M
                row("site", cf, hi=0.0)
    for (r, t) in grid_rt:
        cf = {j: kw for j, kw in load.get((r, t), {}).items()}
        cf[cols[("g", r, t)]] = -1.0
        row("balance", cf, hi=ren[r, t] - const[r, t])
    # kept in the subproblems: capacity, per-link, awake <= on <= sum awake
    for c in range(C):
        for t in range(T):
            cf = {cols[("f", k, t)]: 1.0 for k, (cc, a, m) in enumerate(links)
                  if cc == c and ("f", k, t) in cols}
            cf[cols[("a", c, t)]] = -float(cells.capacity_mbps[c])
            row("keep", cf, hi=0.0)
            row("keep", {cols[("a", c, t)]: 1.0, cols[("on", csite[c], t)]: -1.0}, hi=0.0)
    for k, (c, a, m) in enumerate(links):
        for t in range(T):
            if ("f", k, t) in cols:
                row("keep", {cols[("f", k, t)]: 1.0, cols[("a", c, t)]: -min(m, D[a, t])}, hi=0.0)
    for s in range(S):
        for t in range(T):
            cf = {cols[("a", c, t)]: -1.0 for c in range(C) if csite[c] == s}
            cf[cols[("on", s, t)]] = 1.0
            row("keep", cf, hi=0.0)
    A_eq, b_eq, A_ub, b_ub, where = [], [], [], [], []
    for name, lst in rows.items():
        for cf, lo, hi in lst:
            vec = np.zeros(n)
            for j, v in cf.items():
                vec[j] += v
            if lo == hi:
                where.append((name, "eq", len(A_eq)))
                A_eq.append(vec)
                b_eq.append(lo)
            elif np.isfinite(lo):
                where.append((name, "ge", len(A_ub)))
                A_ub.append(-vec)
                b_ub.append(-lo)
            else:
                where.append((name, "le", len(A_ub)))
                A_ub.append(vec)
                b_ub.append(hi)
    bounds = [(0.0, 1.0) if k[0] in ("a", "on") else (0.0, None) for k in cols]
    for k, j in cols.items():
        if k[0] == "f":
            c, a, m = links[k[1]]
            bounds[j] = (0.0, min(m, D[a, k[2]], cells.capacity_mbps[c]))
        if k[0] == "u":
            bounds[j] = (0.0, D[k[1], k[2]])
    res = linprog(cost, A_ub=np.array(A_ub) if A_ub else None, b_ub=b_ub or None,
                  A_eq=np.array(A_eq) if A_eq else None, b_eq=b_eq or None, bounds=bounds,
                  method="highs")
    if res.status != 0:
        return None, None
    duals = {}
    for name, kind_, i in where:
        mg = res.eqlin.marginals[i] if kind_ == "eq" else res.ineqlin.marginals[i]
        duals.setdefault(name, []).append(mg if kind_ == "eq" else -mg)
    return res.fun + offset, duals


@pytest.mark.parametrize("seed", range(40))
def test_dual_equals_the_strengthened_lp(seed):
    """Cases without candidates, retirement or wake-ups: the dual function at the LP's row
    duals equals the LP optimum (so the best dual bound is that LP), and no multipliers
    give more."""
    case, _ = _case(seed)
    case["cells"] = [c[:3] + ("existing",) + c[4:8] + (0.0, 0.0) for c in case["cells"]]
    case["ran"] = {k: v for k, v in case["ran"].items()
                   if k in ("min_coverage", "unserved_penalty_kwh_per_mbps_h")}
    try:
        inst = bf.to_instance(case)
    except optimizer.InstanceError:
        return
    d = L.RadioDual(inst)
    kind = inst.objective
    lp, duals = strengthened_lp(inst, kind)
    if lp is None:
        return
    m = d.start()
    # the LP's duals in the dual's layout
    T = d.T
    dem = iter(duals.get("demand", []))
    for a in range(d.A):
        for t in range(T):
            if d.D[a, t] > 0:
                m.lam[a, t] = next(dem)
    cov = iter(duals.get("coverage", []))
    if d.min_cov > 0:
        for a in range(d.A):
            for t in range(T):
                m.mu[a, t] = next(cov)
    g5 = iter(duals.get("g5", []))
    for i in range(len(d.req5)):
        for t in range(T):
            m.nu[i, t] = next(g5)
    # per-site rows: the LP lists them by (site, area) pair, then period
    m.pi[:] = 0.0
    if d.P:
        m.pi[_site_rows_in_lp_order(inst, d)] = duals.get("site", [])
    if len(d.beta_rt):
        m.beta[:] = duals.get("balance", [])
    d.project(m)
    val = d.evaluate(m).value
    assert val == pytest.approx(lp, rel=1e-6, abs=1e-6)
    # and the ascent never passes it
    a = L.ascend(d, target=lambda: lp * 1.05 + 1.0, iterations=200)
    assert a.bound <= lp + 1e-6 * max(1.0, abs(lp))


def _site_rows_in_lp_order(inst, d) -> np.ndarray:
    """The dual's per-site row for each per-site row of strengthened_lp, in its order:
    (site, area) pairs as they first appear in coverage.csv, then periods."""
    sites = list(inst.sites.site)
    areas = list(inst.areas.area)
    cell_site = dict(zip(inst.cells.cell, inst.cells.site))
    seen = []
    for c, a in inst.coverage[["cell", "area"]].itertuples(index=False):
        key = (sites.index(cell_site[c]), areas.index(a))
        if key not in seen:
            seen.append(key)
    rows = {}
    pp, tt = np.nonzero(d.D[d.pair_area] > 0)  # the dual's rows, in their order
    for i, (p, t) in enumerate(zip(pp, tt)):
        rows[(int(d.pair_site[p]), int(d.pair_area[p]), int(t))] = i
    return np.array([rows[(s, a, t)] for (s, a) in seen for t in range(d.T)
                     if (s, a, t) in rows], np.int64)
