"""The Lagrangian dual of the radio model: a bound computed with numpy, at any size.

Relax, in the joint model of docs/model.md, the rows that tie sites together:

- demand ``sum_c f[c,a,t] + u[a,t] = D[a,t]``            multiplier lam[a,t] (free)
- coverage ``sum_{c reaches a} a[c,t] >= min_coverage``  mu[a,t] >= 0
- 5G mandate ``sum_{5G c reaches a} a[c,t] >= 1``       nu[a,t] >= 0
- per site and area (a valid row the model does not write):
  ``sum_{c of s} f[c,a,t] <= M[s,a,t] * on[s,t]``,
  ``M = min(D[a,t], sum_c min(link_mbps, capacity))``   pi >= 0
- ``max_new_cells``                                      kappa >= 0
- ``max_wakeups`` of each cell                           rho[c] >= 0
- under grid energy, carbon or cost, each regional balance with renewables
  ``grid[r,t] >= load[r,t] - renewable_kw[r,t]``         beta[r,t] in [0, price of grid energy]

What is left separates by site (:class:`RadioDual`). Each awake cell's best use of its links
is a fractional knapsack (values lam - load cost - pi per Mbps, its capacity); each site
chooses which of its cells exist (embodied energy once over the horizon), which are awake in
each period and when its overhead is on; with wake-up costs or limits that choice is a small
dynamic programme over the periods with the cells' states (cyclic, like the model). Any
multipliers give a valid lower bound (weak duality); :func:`ascend` moves them towards the
best one by a scaled subgradient method. Without wake-ups the site subproblem has integral
optima, so the best bound equals the LP relaxation of the model with the per-link rows
``f <= min(link_mbps, D) * a`` and the per-site rows above (tests/test_lagrange.py).

In a joint radio + data-centre instance the data-centre rows are one more subproblem
(:class:`~optimizer.decompose.dcdual.DatacentreDual`, a small MIP for HiGHS) priced like the
radio at the same prices (beta where a region-period has renewables), so the bound is one of
the joint model; under ``energy`` its price never changes and it is solved once.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

from ..formulation.energy import region_factor, renewable_kw
from ..formulation.indices import RadioIndex, radio_index

# Site subproblems are solved exactly by enumerating the sets of cells built; a site with
# more cells whose existence is a decision than this is bounded with the build cost split
# over the periods instead (weaker, still valid). Generated cities and Milan have at most 4.
MAX_FREE_CELLS = 10
WAKE_NEGLIGIBLE = 1e-6  # share of the network's energy below which wake-ups are left out
# the balances' rows are scaled by this share of their renewables: by all of it, their
# multipliers hardly moved (Milan with solar and data centres, 600 iterations, grid
# energy: bound -5.40 GWh/yr at 1, 0.75 at 0.01, 0.62 at 0.001; carbon: -1,874 t at 1,
# 202 t at 0.01, 199 t at 0.003; docs/performance.md)
BETA_SCALE = 0.01


@dataclass
class Multipliers:
    lam: np.ndarray  # (A, T) per Mbps of demand (0 where there is none)
    mu: np.ndarray  # (A, T) per awake cell short of min_coverage
    nu: np.ndarray  # (A5, T) per 5G mandate (areas that require 5G)
    pi: np.ndarray  # (P,) per Mbps over a site's bound (site, area, period)
    kappa: float = 0.0
    rho: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (wake cells,)
    beta: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (balance rows,)

    def copy(self) -> "Multipliers":
        return Multipliers(self.lam.copy(), self.mu.copy(), self.nu.copy(), self.pi.copy(),
                           float(self.kappa), self.rho.copy(), self.beta.copy())

    def vector(self) -> np.ndarray:
        return np.concatenate([self.lam.ravel(), self.mu.ravel(), self.nu.ravel(), self.pi,
                               [self.kappa], self.rho, self.beta])


@dataclass
class SubSolution:
    """The relaxed problem's optimum at some multipliers: the bound and what it chose."""
    value: float  # the dual function: a lower bound on the model's optimum
    built: np.ndarray  # (C,) bool
    awake: np.ndarray  # (C, T) bool
    on: np.ndarray  # (S, T) bool
    flow: np.ndarray  # (F,) Mbps on each flow column while awake, in the dual's working order
    unserved: np.ndarray  # (A, T) Mbps
    wakes: np.ndarray  # (C,) wake-ups per horizon
    g: np.ndarray  # (C, T) awake cell's net cost (awake minus asleep) at these multipliers
    load_kw: np.ndarray  # (R, T) radio load of the relaxed solution
    dc_value: float = 0.0
    dc_load_kw: np.ndarray | None = None


class RadioDual:
    """The radio model of ``inst`` as arrays for its Lagrangian dual (module docstring).

    ``price`` gives each region-period's objective units per kW of load: the energy
    objective's hours per year, or grid energy's price where the region has no renewables
    in that period; where it has some (a grid-based objective), a multiplier beta does.
    """

    def __init__(self, inst, kind: str | None = None, ix: RadioIndex | None = None):
        kind = kind or inst.objective
        self.inst, self.kind = inst, kind
        ix = ix if ix is not None else radio_index(inst)
        self.ix = ix
        T = self.T = ix.T
        C, A, S, R = len(ix.cell_ids), len(ix.area_ids), len(ix.site_ids), len(ix.region_ids)
        self.C, self.A, self.S, self.R = C, A, S, R
        ran = inst.ran
        ph, w = inst.time.period_hours, inst.time.weight
        hw = ph * w
        self.ph, self.hw = ph, hw
        # ---- prices per kW of load (objective units per year)
        fac = region_factor(inst, kind)
        self.full_price = np.repeat((hw * fac)[:, None], T, axis=1)  # (R, T)
        ren = renewable_kw(inst).reshape(R, T)
        self.ren = ren
        self.beta_rt = np.flatnonzero((ren > 0).reshape(-1)) if kind != "energy" \
            else np.zeros(0, np.int64)
        # ---- which cells may exist and sleep (mirrors formulation/radio.py)
        never = ~(ix.free | ix.fixed_on) | ix.forbidden | (ix.free & ~ix.linked)
        self.fixed = ix.fixed_on & ~never
        self.free = ix.free & ~never
        self.sleep_ok = bool(ran.allow_sleep)
        self.cand_free = self.free & ~ix.existing
        forced_new = ix.forced & ~ix.existing
        self.new_limit = None if ran.max_new_cells is None else \
            float(ran.max_new_cells - int(forced_new.sum()))
        yearly = kind in ("energy", "grid_energy")
        self.embodied = np.where(ix.free & ~ix.existing, ix.embodied, 0.0) if yearly \
            else np.zeros(C)
        self.const = float(ix.embodied[forced_new].sum()) if yearly else 0.0
        # wake-ups: cells that can sleep, with wake energy or a limit (T > 1), as the model
        can_sleep = (self.free | self.fixed) & self.sleep_ok
        self.wake_cells = np.flatnonzero(can_sleep & ((ix.wake_kwh > 0) | (ran.max_wakeups is not None))) \
            if T > 1 else np.zeros(0, np.int64)
        self.max_wakeups = ran.max_wakeups
        # Wake-up costs enter the site subproblems through a dynamic programme over the
        # periods. Where they cannot reach a millionth of the network's energy (the shipped
        # catalogue: about 1e-6 kWh per wake-up) and no limit applies, they are left out of
        # the subproblem: the bound stays valid (they are >= 0) and the closed form is
        # about 20x faster per evaluation on Milan.
        most = float((ix.wake_kwh[self.wake_cells] / ph).sum()) * (T // 2)
        scale = float(((ix.active_w + ix.sleep_w)[self.fixed | self.free]).sum()) / 1000.0
        self.wake_dp = len(self.wake_cells) > 0 and (
            ran.max_wakeups is not None or most > WAKE_NEGLIGIBLE * scale * T)
        # site overheads (the model's s: sites with overhead, over its linked or fixed cells)
        self.dc = None
        if inst.has_datacentres:
            from .dcdual import DatacentreDual
            self.dc = DatacentreDual(inst, kind)
        self.cell_site = ix.cell_site
        self.site_region = np.zeros(S, np.int64)
        self.site_region[ix.cell_site] = ix.cell_region
        self.overhead_w = ix.overhead_w.copy()
        # ---- coverage incidence (cells x areas) and the 5G mandate's
        L = len(ix.l_cell)
        self.cov = sp.csr_matrix((np.ones(L), (ix.l_cell, ix.l_area)), shape=(C, A))
        self.min_cov = float(ran.min_coverage)
        self.req5 = np.flatnonzero(ix.requires_5g)
        sel = ix.is5g[ix.l_cell] & ix.requires_5g[ix.l_area]
        pos5 = np.full(A, -1)
        pos5[self.req5] = np.arange(len(self.req5))
        self.cov5 = sp.csr_matrix((np.ones(int(sel.sum())), (ix.l_cell[sel], pos5[ix.l_area[sel]])),
                                  shape=(C, len(self.req5)))
        # ---- demand and flows: one column per (link, period) with demand
        self.D = ix.demand
        # flow columns ordered by (cell, period, area): each knapsack's items are contiguous;
        # fk_ix maps them to the model's flow columns (ix.f_link, ix.f_t)
        fc = ix.l_cell[ix.f_link]
        self.fk_ix = np.lexsort((ix.l_area[ix.f_link], ix.f_t, fc))
        self.fk_link, self.fk_t, self.fk_ub = ix.f_link[self.fk_ix], ix.f_t[self.fk_ix], ix.f_ub[self.fk_ix]
        self.fk_cell = fc[self.fk_ix]
        self.fk_area = ix.l_area[self.fk_link]
        self.fk_seg = self.fk_cell * T + self.fk_t  # knapsack of (cell, period)
        self.seg_cap = np.repeat(ix.cap, T)
        self.fk_at = self.fk_area * T + self.fk_t
        self.pen = None
        if ran.unserved_penalty_kwh_per_mbps_h is not None:
            self.pen = (ran.unserved_penalty_kwh_per_mbps_h * hw
                        * fac[ix.area_region])[:, None] * np.ones((1, T))
        # ---- per-site rows: (site, area) pairs that two or more of the site's cells reach
        # (with one cell the row is that cell's own link bound, already in its knapsack)
        site_area = ix.cell_site[ix.l_cell] * A + ix.l_area
        pairs, inv, cnt = np.unique(site_area, return_inverse=True, return_counts=True)
        cap_l = np.minimum(ix.l_mbps, ix.cap[ix.l_cell])
        link_sum = np.bincount(inv, weights=cap_l, minlength=len(pairs))
        multi = cnt >= 2
        pid = np.full(len(pairs), -1)
        pid[multi] = np.arange(int(multi.sum()))
        self.pair_site = pairs[multi] // A
        self.pair_area = pairs[multi] % A
        npair = len(self.pair_site)
        lpair = pid[inv]  # per link: its pair or -1
        kp = lpair[self.fk_link]
        # one row per (pair, period) where the area has demand
        Dp = self.D[self.pair_area]  # (npair, T)
        pi_pair, pi_t = np.nonzero(Dp > 0)
        rowid = np.full((npair, T), -1)
        rowid[pi_pair, pi_t] = np.arange(len(pi_pair))
        self.fk_pi = np.full(len(kp), -1)
        if npair:
            self.fk_pi = np.where(kp >= 0, rowid[np.maximum(kp, 0), self.fk_t], -1)
        # the knapsack items in their working order: the order of the last evaluation's
        # sort (values move little between evaluations), so that each sort runs on nearly
        # sorted data and every pass over the items reads them in sequence (3x faster at
        # 10,000 cells than gathering through a permutation each time)
        self.w = _Items(self, np.ones(len(self.fk_seg), bool))
        self.pi_site, self.pi_t = self.pair_site[pi_pair], pi_t
        self.pi_M = np.minimum(Dp[pi_pair, pi_t], link_sum[multi][pi_pair])
        self.P = len(pi_pair)
        # ---- sites grouped by their number of cells (vectorised subproblems)
        order = np.argsort(ix.cell_site, kind="stable")
        counts = np.bincount(ix.cell_site, minlength=S)
        starts = np.r_[0, np.cumsum(counts)]
        self.groups = []
        for n in np.unique(counts[counts > 0]):
            sites = np.flatnonzero(counts == n)
            cells = order[starts[sites][:, None] + np.arange(n)[None, :]]  # (G, n)
            self.groups.append(_SiteGroup(sites, cells, self))
        self.cells_by_site = (order, starts)
        self._scale = None

    # ------------------------------------------------------------------ prices
    def prices(self, beta: np.ndarray) -> np.ndarray:
        """(R, T) objective units per kW: the full price, beta where it is a multiplier."""
        P = self.full_price.copy()
        if len(self.beta_rt):
            P.reshape(-1)[self.beta_rt] = beta
        return P

    def cell_costs(self, P: np.ndarray) -> dict:
        """Per cell and period (C, T), objective units per year: asleep (built), awake on
        top of asleep, per Mbps carried, per wake-up; and per site the overhead (S, T)."""
        ix = self.ix
        Pc = P[ix.cell_region]  # (C, T) per kW
        out = dict(sleep=ix.sleep_w[:, None] / 1000.0 * Pc,
                   awake=(ix.active_w - ix.sleep_w)[:, None] / 1000.0 * Pc,
                   per_mbps=(ix.load_w / ix.cap)[:, None] / 1000.0 * Pc,
                   wake=ix.wake_kwh[:, None] / self.ph * Pc,
                   overhead=self.overhead_w[:, None] / 1000.0 * P[self.site_region])
        return out

    # ------------------------------------------------------------------ multipliers
    def start(self) -> Multipliers:
        """First multipliers: each Mbps priced at its cheapest cell's awake cost per Mbps
        at full load (the fixed charge spread over the capacity); nothing else priced."""
        ix = self.ix
        P = self.prices(self.full_price.reshape(-1)[self.beta_rt] if len(self.beta_rt) else np.zeros(0))
        cc = self.cell_costs(P)
        per = (cc["per_mbps"] + (cc["awake"] + cc["sleep"]) / ix.cap[:, None])  # (C, T)
        lam = np.full((self.A, self.T), np.inf)
        np.minimum.at(lam, (self.fk_area, self.fk_t), per[self.fk_cell, self.fk_t])
        lam = np.where(np.isfinite(lam) & (self.D > 0), lam, 0.0)
        beta = self.full_price.reshape(-1)[self.beta_rt].copy()
        m = Multipliers(lam=lam, mu=np.zeros((self.A, self.T)),
                        nu=np.zeros((len(self.req5), self.T)), pi=np.zeros(self.P),
                        kappa=0.0, rho=np.zeros(len(self.wake_cells)), beta=beta)
        if len(self.beta_rt):
            # each balance's multiplier is the full price where the load of the relaxed
            # solution at full prices exceeds the renewables, else 0 (its optimum either
            # side of the row): from the full price everywhere, the scaled steps moved it
            # by 1-20 % in 600 iterations (Milan with solar, data centres: bound -8.5 GWh/yr)
            s = self.evaluate(m)
            load = s.load_kw + (s.dc_load_kw if s.dc_load_kw is not None else 0.0)
            m.beta = np.where((load - self.ren).reshape(-1)[self.beta_rt] > 0, beta, 0.0)
        return m

    # ------------------------------------------------------------------ the dual function
    def evaluate(self, m: Multipliers) -> SubSolution:
        """The dual function at ``m``: solve every site's subproblem, add the constants."""
        ix, T = self.ix, self.T
        P = self.prices(m.beta)
        cc = self.cell_costs(P)
        # knapsack values per flow column and each awake cell's best use of its links
        w = self.w
        v = m.lam.reshape(-1)[w.at] - (w.ld if not len(self.beta_rt) else
                                       cc["per_mbps"].reshape(-1)[w.seg])
        if self.P:
            v[w.has_pi] -= m.pi[w.pi_rows]
        flow, profit = w.knapsack(v, self.seg_cap, self.C * T)
        profit = profit.reshape(self.C, T)
        credit = self.cov @ m.mu
        if len(self.req5):
            credit = credit + self.cov5 @ m.nu
        g = cc["awake"] - credit - profit
        h = cc["overhead"].copy()
        if self.P:
            h -= np.bincount(self.pi_site * T + self.pi_t, weights=m.pi * self.pi_M,
                             minlength=self.S * T).reshape(self.S, T)
        build = self.embodied + np.where(self.cand_free, m.kappa, 0.0)
        wake = None
        if self.wake_dp:
            wake = np.zeros((self.C, T))
            wake[self.wake_cells] = cc["wake"][self.wake_cells] + m.rho[:, None]
        built = np.zeros(self.C, bool)
        awake = np.zeros((self.C, T), bool)
        on = np.zeros((self.S, T), bool)
        total = 0.0
        for grp in self.groups:
            tot, b, a, o = grp.solve(g, cc["sleep"], build, h, wake, self.sleep_ok)
            total += tot
            built[grp.cells] = b
            awake[grp.cells] = a
            on[grp.sites] = o
        value = total + self.const + float((m.lam * self.D).sum())
        value += self.min_cov * float(m.mu.sum()) + float(m.nu.sum())
        unserved = np.zeros((self.A, T))
        if self.pen is not None:
            cheaper = (self.pen < m.lam) & (self.D > 0)
            unserved[cheaper] = self.D[cheaper]
            value += float(((self.pen - m.lam) * unserved).sum())
        if self.new_limit is not None:
            value -= m.kappa * self.new_limit
        wakes = np.zeros(self.C)
        if len(self.wake_cells):
            a = awake[self.wake_cells]
            wakes[self.wake_cells] = np.maximum(a.astype(np.int8) - np.roll(a, 1, axis=1), 0).sum(axis=1)
            if self.max_wakeups is not None:
                value -= float(m.rho.sum()) * self.max_wakeups
        f = flow * awake.reshape(-1)[w.seg]  # in the working order (SubSolution.flow)
        # the relaxed solution's radio load (kW) per region-period, for beta's subgradient
        load = self._load_kw(built, awake, on, f, wakes_t=None)
        if len(self.beta_rt):
            value -= float((m.beta * self.ren.reshape(-1)[self.beta_rt]).sum())
        dc_value, dc_load = 0.0, None
        if self.dc is not None:
            dc_value, dc_load = self.dc.solve(P)
            value += dc_value
        return SubSolution(value=value, built=built, awake=awake, on=on, flow=f,
                           unserved=unserved, wakes=wakes, g=g, load_kw=load,
                           dc_value=dc_value, dc_load_kw=dc_load)

    def dc_upper(self) -> float:
        """What the data centres can add to a radio plan's objective at most: their best
        load priced at the full price of grid energy (0 without data centres); for targets."""
        if self.dc is None:
            return 0.0
        _, load = self.dc.solve(self.full_price)
        return float((load * self.full_price).sum())

    def _load_kw(self, built, awake, on, f, wakes_t=None) -> np.ndarray:
        ix, T = self.ix, self.T
        kw = (ix.sleep_w[:, None] * built[:, None] + (ix.active_w - ix.sleep_w)[:, None] * awake) / 1000.0
        kw += np.bincount(self.w.seg, weights=f * self.w.ld_kw, minlength=self.C * T
                          ).reshape(self.C, T)
        if len(self.wake_cells) and T > 1:
            a = awake.astype(np.int8)
            wk = np.maximum(a - np.roll(a, 1, axis=1), 0)
            kw += wk * (ix.wake_kwh / self.ph)[:, None]
        R = self.R
        load = np.stack([np.bincount(ix.cell_region, weights=kw[:, t], minlength=R)
                         + np.bincount(self.site_region, weights=on[:, t] * self.overhead_w / 1000.0,
                                       minlength=R) for t in range(T)], axis=1)
        return load

    def subgradient(self, m: Multipliers, s: SubSolution) -> Multipliers:
        """The violation of each relaxed row by ``s`` (its subgradient at ``m``)."""
        T = self.T
        served = np.bincount(self.w.at, weights=s.flow, minlength=self.A * T).reshape(self.A, T)
        g_lam = np.where(self.D > 0, self.D - served - s.unserved, 0.0)
        aw = s.awake.astype(float)
        g_mu = (self.min_cov - self.cov.T @ aw) if self.min_cov > 0 else np.zeros((self.A, T))
        g_nu = 1.0 - self.cov5.T @ aw if len(self.req5) else np.zeros((0, T))
        g_pi = np.zeros(self.P)
        if self.P:
            w = self.w
            g_pi = np.bincount(w.pi_rows, weights=s.flow[w.has_pi], minlength=self.P).astype(float)
            g_pi -= self.pi_M * s.on[self.pi_site, self.pi_t]
        g_kappa = 0.0
        if self.new_limit is not None:
            g_kappa = float(s.built[self.cand_free].sum()) - self.new_limit
        g_rho = np.zeros(len(self.wake_cells))
        if self.max_wakeups is not None and len(self.wake_cells):
            g_rho = s.wakes[self.wake_cells] - self.max_wakeups
        g_beta = np.zeros(len(self.beta_rt))
        if len(self.beta_rt):
            load = s.load_kw + (s.dc_load_kw if s.dc_load_kw is not None else 0.0)
            g_beta = (load - self.ren).reshape(-1)[self.beta_rt]
        return Multipliers(g_lam, g_mu, g_nu, g_pi, g_kappa, g_rho, g_beta)

    def scales(self) -> Multipliers:
        """Each relaxed row's scale (its right-hand side, at least 1): the subgradient
        method works on rows divided by it (unscaled, the demand rows' steps stalled)."""
        if self._scale is None:
            one = lambda x: np.maximum(x, 1.0)  # noqa: E731
            self._scale = Multipliers(
                lam=one(self.D), mu=np.ones((self.A, self.T)) * max(self.min_cov, 1.0),
                nu=np.ones((len(self.req5), self.T)), pi=one(self.pi_M),
                kappa=max(self.new_limit or 1.0, 1.0),
                rho=np.full(len(self.wake_cells), max(float(self.max_wakeups or 1), 1.0)),
                beta=BETA_SCALE * one(self.ren.reshape(-1)[self.beta_rt]))
        return self._scale

    def project(self, m: Multipliers) -> Multipliers:
        m.lam = np.where(self.D > 0, m.lam, 0.0)
        m.mu = np.maximum(m.mu, 0.0) if self.min_cov > 0 else np.zeros_like(m.mu)
        m.nu = np.maximum(m.nu, 0.0)
        m.pi = np.maximum(m.pi, 0.0)
        m.kappa = max(m.kappa, 0.0) if self.new_limit is not None else 0.0
        m.rho = np.maximum(m.rho, 0.0) if self.max_wakeups is not None else np.zeros_like(m.rho)
        if len(self.beta_rt):
            m.beta = np.clip(m.beta, 0.0, self.full_price.reshape(-1)[self.beta_rt])
        return m


def knapsack(v: np.ndarray, ub: np.ndarray, seg: np.ndarray, cap: np.ndarray, nseg: int,
             perm: np.ndarray | None = None, presorted: bool = False):
    """Fractional knapsacks, one per segment: ``max sum v*f`` subject to ``0 <= f <= ub``
    and ``sum f <= cap[segment]`` (``cap`` per segment). Items are taken in decreasing
    value while they are worth something and the capacity lasts. Each segment's items must
    be contiguous in ``seg`` (read through ``perm`` when given). The sort is a stable one
    on one float key, so an order that is nearly right (the last call's) is fast.

    Returns (f, each segment's best value, the order o of the items sorted: item o[i] is
    the i-th; with ``presorted`` f is given in that sorted order, else in the items'
    own). Where a segment's capacity binds, its value is the knapsack's LP dual
    ``cap * tau + sum max(v - tau, 0) * ub`` at the value tau of its first item not taken
    whole: the primal value when the items are in order, and never below the best value
    otherwise, so a bound built on it is valid whatever the rounding of the sort key."""
    n = len(v)
    if perm is None or len(perm) != n:
        perm = np.arange(n)
    if n == 0:
        return np.zeros(0), np.zeros(nseg), perm
    vp = v[perm]
    lo, hi = float(vp.min()), float(vp.max())
    key = seg[perm] + 0.999 * (hi - vp) / max(hi - lo, 1e-300)
    o = np.argsort(key, kind="stable")
    perm, vp = perm[o], vp[o]
    s = seg[perm]
    fo = np.where(vp > 0, ub[perm], 0.0)
    cum = np.cumsum(fo)
    first = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    lens = np.diff(np.r_[first, n])
    before = cum - fo - np.repeat((cum - fo)[first], lens)
    taken = np.minimum(np.maximum(cap[s] - before, 0.0), fo)
    val = np.zeros(nseg)
    val[s[first]] = np.add.reduceat(vp * taken, first)
    # segments whose capacity binds: the LP dual at their first item not taken whole
    short = taken < fo * (1 - 1e-12)
    if short.any():
        idx = np.flatnonzero(short)
        sid = s[idx]
        lead = np.r_[True, sid[1:] != sid[:-1]]
        tau = np.zeros(nseg)
        bind = np.zeros(nseg, bool)
        tau[sid[lead]] = vp[idx[lead]]
        bind[sid[lead]] = True
        b = bind[s]
        excess = np.where(b, np.maximum(vp - tau[s], 0.0) * ub[perm], 0.0)
        dual = np.zeros(nseg)
        dual[s[first]] = np.add.reduceat(excess, first)
        val = np.where(bind, cap * tau + dual, val)
    if presorted:
        return taken, val, perm
    f = np.empty(n)
    f[perm] = taken
    return f, val, perm


class _Items:
    """The knapsack items (flow columns) kept physically in their last sorted order."""

    def __init__(self, d: RadioDual, sel: np.ndarray):
        ix = d.ix
        self.pos = np.flatnonzero(sel)  # the dual's flow column of each item
        p = self.pos
        self.at, self.seg, self.ub = d.fk_at[p], d.fk_seg[p], d.fk_ub[p]
        self.ld_kw = (ix.load_w / ix.cap)[d.fk_cell[p]] / 1000.0  # kW per Mbps
        # per Mbps at the full price (used while no beta varies the price)
        self.ld = self.ld_kw * d.full_price[ix.cell_region[d.fk_cell[p]], d.fk_t[p]]
        self.pi = d.fk_pi[p]
        self._index_pi()

    def _index_pi(self):
        self.has_pi = np.flatnonzero(self.pi >= 0)
        self.pi_rows = self.pi[self.has_pi]

    def knapsack(self, v: np.ndarray, cap: np.ndarray, nseg: int):
        """:func:`knapsack` on the items in working order (``v`` given in it); the items
        are then reordered as sorted (item i becomes the o[i]-th of before), for the next
        call. Returns (f, segment values), f in the new working order."""
        f, val, o = knapsack(v, self.ub, self.seg, cap, nseg, None, presorted=True)
        moved = np.flatnonzero(o != np.arange(len(o)))
        if len(moved):
            src = o[moved]
            for name in ("pos", "at", "seg", "ub", "ld_kw", "ld", "pi"):
                arr = getattr(self, name)
                arr[moved] = arr[src]
            if len(self.has_pi):
                self._index_pi()
        return f, val

    def canonical(self, x: np.ndarray) -> np.ndarray:
        """``x`` (in working order) in the dual's flow column order."""
        out = np.empty_like(x)
        out[self.pos] = x
        return out


CHUNK = 4_000_000  # array elements per chunk of sites in the enumeration (memory)


class _SiteGroup:
    """Sites with the same number of cells n, solved together: every set of cells built
    (2^n of them; the fixed cells in, the never-built ones out) is priced in closed form,
    or, with wake-up costs, by a cyclic dynamic programme over the periods."""

    def __init__(self, sites: np.ndarray, cells: np.ndarray, d: RadioDual):
        self.sites, self.cells = sites, cells
        G, n = cells.shape
        self.n = n
        self.fixed, self.free = d.fixed[cells], d.free[cells]
        self.enum = n <= MAX_FREE_CELLS
        if self.enum:
            bits = ((np.arange(2 ** n)[:, None] >> np.arange(n)[None, :]) & 1).astype(bool)
            self.bits = bits  # (M, n)
            ok = (bits[None, :, :] | ~self.fixed[:, None, :]).all(axis=2)
            ok &= (~bits[None, :, :] | (self.fixed | self.free)[:, None, :]).all(axis=2)
            self.valid = ok  # (G, M)

    def solve(self, g, sleep, build, h, wake, sleep_ok):
        """(total, built (G, n), awake (G, n, T), on (G, T)) at these costs."""
        cells, sites = self.cells, self.sites
        G, n = cells.shape
        T = g.shape[1]
        gc, sl, hs = g[cells], sleep[cells], h[sites]
        W = build[cells] + sl.sum(axis=2)  # (G, n): built, asleep in every period
        if not self.enum:
            return self._split(gc, sl, build[cells], hs, sleep_ok)
        built = np.zeros((G, n), bool)
        awake = np.zeros((G, n, T), bool)
        on = np.zeros((G, T), bool)
        total = 0.0
        M = len(self.bits)
        step = max(1, CHUNK // max(M * n * T, 1))
        bf = self.bits.astype(float)
        for lo in range(0, G, step):
            sl_ = slice(lo, min(lo + step, G))
            gi, hi = gc[sl_], hs[sl_]
            base = W[sl_] @ bf.T  # (g, M)
            if wake is not None and sleep_ok:
                per, aw = _wake_dp(self.bits, gi, hi, wake[cells[sl_]])
            else:
                per, aw = _closed_form(self.bits, gi, hi, sleep_ok)
            cost = np.where(self.valid[sl_], base + per, np.inf)
            best = np.argmin(cost, axis=1)
            r = np.arange(len(best))
            total += float(cost[r, best].sum())
            built[sl_] = self.bits[best]
            awake[sl_] = aw(best) if callable(aw) else aw[r, best]
            on[sl_] = awake[sl_].any(axis=1)
        return total, built, awake, on

    def _split(self, gc, sl, bc, hs, sleep_ok):
        """Sites with more than MAX_FREE_CELLS cells: each period chooses its cells apart and
        pays 1/T of their builds (a relaxation of choosing once), wake-ups left out."""
        G, n, T = gc.shape
        fixed = self.fixed[:, :, None]
        free = self.free[:, :, None]
        share = bc[:, :, None] / T + sl  # (G, n, T) built in that period's copy
        off = (share * fixed).sum(axis=1)  # site off: fixed cells asleep
        if sleep_ok:
            gain = np.where(fixed, np.minimum(gc, 0.0), np.where(free, np.minimum(gc + share, 0.0), 0.0))
            oncost = hs + gain.sum(axis=1)
            per = off + np.minimum(oncost, 0.0)
            on = oncost < 0
            aw = on[:, None, :] & (((gc < 0) & fixed) | ((gc + share < 0) & free))
        else:
            gain = np.where(fixed, gc, np.where(free, np.minimum(gc + share, 0.0), 0.0))
            must = self.fixed.any(axis=1)[:, None]
            oncost = hs + gain.sum(axis=1)
            per = off + np.where(must, oncost, np.minimum(oncost, 0.0))
            on = must | (oncost < 0)
            aw = on[:, None, :] & (fixed | ((gc + share < 0) & free))
        built = self.fixed | aw.any(axis=2)
        return float(per.sum()), built, aw, aw.any(axis=1)


def _closed_form(bits, g, h, sleep_ok):
    """Each set of cells built (bits (M, n)) priced period by period without wake-ups:
    the site is on where its overhead h plus its willing cells (g < 0) pay; a site that is
    on has at least one cell awake. Returns (cost (G, M), awake(best) -> (G, n, T))."""
    bf = bits.astype(float)
    if sleep_ok:
        s1 = np.einsum("mn,gnt->gmt", bf, np.minimum(g, 0.0))
        pos = np.where(bits[None, :, :, None], np.maximum(g, 0.0)[:, None, :, :], np.inf)
        least = pos.min(axis=2)  # (G, M, T), inf for the empty set
        oncost = h[:, None, :] + s1 + np.where(np.isfinite(least), least, 0.0)
    else:  # every built cell awake in every period
        oncost = h[:, None, :] + np.einsum("mn,gnt->gmt", bf, g)
    oncost[:, 0, :] = np.inf  # the empty set is never on
    per = np.minimum(oncost, 0.0) if sleep_ok else np.where(np.isfinite(oncost), oncost, 0.0)
    ontime = oncost < 0 if sleep_ok else np.isfinite(oncost)

    def awake(best):
        r = np.arange(len(best))
        b = bits[best][:, :, None]  # (G, n, 1)
        o = ontime[r, best][:, None, :]  # (G, 1, T)
        if not sleep_ok:
            return b & o
        neg = (g < 0) & b
        one = np.zeros_like(neg)
        arg = np.argmin(np.where(b, g, np.inf), axis=1)  # (G, T)
        np.put_along_axis(one, arg[:, None, :], True, axis=1)
        return np.where(neg.any(axis=1, keepdims=True), neg, one & b) & o
    return per.sum(axis=2), awake


def _wake_dp(bits, g, h, wake):
    """Each set of cells built priced by a cyclic dynamic programme over the periods whose
    state is the set of awake cells: stage cost h + sum g over the awake cells (0 with none
    awake), and wake[c, t] for each cell that wakes at the start of t (from t-1; period 0
    follows the last). Returns (cost (G, M), awake (G, M, n, T))."""
    G, n, T = g.shape
    M = len(bits)
    cost = np.full((G, M), np.inf)
    awake = np.zeros((G, M, n, T), bool)
    for mi in range(M):
        cs = np.flatnonzero(bits[mi])
        k = len(cs)
        if k == 0:
            cost[:, mi] = 0.0
            continue
        K = 2 ** k
        sb = ((np.arange(K)[:, None] >> np.arange(k)[None, :]) & 1).astype(float)  # (K, k)
        gk, wk = g[:, cs, :], wake[:, cs, :]  # (G, k, T)
        stage = h[:, None, :] + np.einsum("sk,gkt->gst", sb, gk)  # (G, K, T)
        stage[:, 0, :] = 0.0
        # wake cost of going from state p to state s entering t: sum over cells off in p, on in s
        up = (sb[None, :, :] > sb[:, None, :]).astype(float)  # (K p, K s, k)
        V = np.full((G, K, K), np.inf)  # (site, first state, current state)
        V[:, np.arange(K), np.arange(K)] = stage[:, :, 0]
        hist = [V]
        for t in range(1, T):
            tr = np.einsum("psk,gk->gps", up, wk[:, :, t])  # (G, K, K)
            V = (V[:, :, :, None] + tr[:, None, :, :]).min(axis=2) + stage[:, None, :, t]
            hist.append(V)
        tr0 = np.einsum("psk,gk->gps", up, wk[:, :, 0])
        close = V + tr0.transpose(0, 2, 1)  # (G, first s0, last p) + waking from p into s0
        flat = close.reshape(G, -1)
        j = np.argmin(flat, axis=1)
        cost[:, mi] = flat[np.arange(G), j]
        s0, s = j // K, j % K
        states = np.zeros((G, T), np.int64)
        states[:, T - 1] = s
        for t in range(T - 1, 0, -1):
            tr = np.einsum("psk,gk->gps", up, wk[:, :, t])
            prev = hist[t - 1][np.arange(G), s0, :] + tr[np.arange(G), :, states[:, t]]
            states[:, t - 1] = np.argmin(prev, axis=1)
        aw = sb[states].astype(bool)  # (G, T, k)
        awake[:, mi][:, cs, :] = np.transpose(aw, (0, 2, 1))
    return cost, awake


@dataclass
class Ascent:
    """What a dual ascent returns: the best bound, its multipliers and solution, and the
    record of the run (iterations, seconds, steps)."""
    bound: float
    best: Multipliers
    solution: SubSolution
    iterations: int = 0
    seconds: float = 0.0
    history: list = field(default_factory=list)  # (iteration, seconds, bound)
    recent: list = field(default_factory=list)  # awake (C, T) of the last solutions


# Dual ascent settings, measured on shipped Milan (3,000 iterations, the first plan's
# objective as the target; docs/performance.md): a first step factor of 2 halved after 50
# iterations without a better bound, with each direction deflected by half the last one
# (Camerini, Fratta and Maffioli), reached 1.02148 GWh/yr after 1,000 iterations and
# 1.02190 after 2,000, against 1.01973 and 1.02148 for factor 1, 100 iterations and no
# deflection; a target level halved on stalls instead reached the same end, slower.
THETA = 2.0
PATIENCE = 50
DEFLECTION = 0.5


def ascend(d: RadioDual, m: Multipliers | None = None, *, target, iterations: int | None = None,
           deadline: float | None = None, theta: float = THETA, patience: int = PATIENCE,
           keep: int = 20, on_step=None, state: Ascent | None = None,
           ceiling=None) -> Ascent:
    """Scaled, deflected Polyak subgradient ascent on the dual of ``d`` from ``m`` (or
    ``d.start()``), or continuing ``state``.

    Each relaxed row is divided by its scale (:meth:`RadioDual.scales`); the direction is
    the subgradient plus DEFLECTION times the last direction; the step is theta * (target()
    - L) / ||direction||^2, theta halved after ``patience`` steps without a better bound.
    ``target()`` is the best known plan's objective (an upper bound). Stops after
    ``iterations`` evaluations or at ``deadline`` (time.perf_counter()), whichever comes
    first. ``on_step(ascent, m, s)`` is called after each evaluation. Returns the best
    bound found with its multipliers; ``recent`` keeps the last ``keep`` subproblem
    solutions' awake cells. ``ceiling()``, when given, is a feasible plan's objective: a
    dual value above it (or not a number) is rounding at multipliers grown too large, not a
    bound, so it is dropped and the ascent goes back to its best multipliers with half the
    step."""
    t0 = time.perf_counter()
    if state is None:
        m = (m or d.start()).copy()
        stall, prev = 0, None
    else:
        m, stall, theta, prev = state._m, state._stall, state._theta, state._prev
    sc = d.scales()
    out = state
    it = 0
    while True:
        if iterations is not None and it >= iterations:
            break
        if deadline is not None and time.perf_counter() >= deadline:
            break
        s = d.evaluate(m)
        it += 1
        if out is not None and ceiling is not None:
            top = ceiling()
            if not s.value <= top + 1e-9 * max(1.0, abs(top)):
                m, prev, theta, stall = out.best.copy(), None, theta / 2, 0
                continue
        if out is None:
            out = Ascent(bound=s.value, best=m.copy(), solution=s)
        total = (state.iterations if state is not None else 0) + it
        if s.value > out.bound + 1e-12 * max(1.0, abs(out.bound)):
            out.bound, out.best, out.solution = s.value, m.copy(), s
            stall = 0
        else:
            stall += 1
            if stall >= patience:
                theta, stall = theta / 2, 0
        out.recent.append(s.awake)
        if len(out.recent) > keep:
            out.recent.pop(0)
        out.history.append((total, time.perf_counter() - t0 + (state.seconds if state else 0.0), out.bound))
        if on_step is not None:
            on_step(out, m, s)
        gr = d.subgradient(m, s)
        dirn = [gr.lam / sc.lam, gr.mu / sc.mu, gr.nu / sc.nu, gr.pi / sc.pi,
                np.array([gr.kappa / sc.kappa]), gr.rho / sc.rho, gr.beta / sc.beta]
        if prev is not None and DEFLECTION:
            dirn = [g + DEFLECTION * p for g, p in zip(dirn, prev)]
        prev = dirn
        norm = sum(float(np.dot(v.ravel(), v.ravel())) for v in dirn)
        if norm <= 0:  # the relaxed solution is feasible and complementary: optimal
            break
        ub = target()
        step = theta * max(ub - s.value, 1e-9 * max(1.0, abs(ub))) / norm
        m.lam = m.lam + step * dirn[0] / sc.lam
        m.mu = m.mu + step * dirn[1] / sc.mu
        m.nu = m.nu + step * dirn[2] / sc.nu
        m.pi = m.pi + step * dirn[3] / sc.pi
        m.kappa = m.kappa + step * float(dirn[4][0]) / sc.kappa
        m.rho = m.rho + step * dirn[5] / sc.rho
        m.beta = m.beta + step * dirn[6] / sc.beta
        d.project(m)
    if out is None:  # no iteration at all (a deadline already past)
        s = d.evaluate(m)
        out = Ascent(bound=s.value, best=m.copy(), solution=s, recent=[s.awake])
        it = 1
    out.iterations = (state.iterations if state is not None else 0) + it
    out.seconds = (state.seconds if state is not None else 0.0) + time.perf_counter() - t0
    out._m, out._stall, out._theta, out._prev = m, stall, theta, prev
    return out
