"""Plans of the radio model guided by the Lagrangian dual, priced exactly.

A plan is which cells exist (``built``) and which are awake in each period (``awake``); with
them fixed, the rest of the model (flows, unserved demand, site overheads, wake-ups, the
regional balance) is a linear programme that splits by period (:meth:`Planner.price`, one
HiGHS LP per period). That price is the model's objective for the plan
(tests/test_primal.py compares it with the Pyomo model with the same binaries fixed).

From the subproblem solutions of the dual ascent, :meth:`Planner.from_dual` builds a plan in
four steps, each keeping what the one before achieved:

1. **start**: the cells awake in at least half of the recent subproblem solutions;
2. **repair** (an LP per period): every cell that may exist may carry traffic, a sleeping
   one at its awake cost (and its site's overhead, and its build, where those are not paid
   yet) spread over its capacity per Mbps; the cells that carry traffic are woken, so the
   demand can be served;
3. **cover**: areas short of ``min_coverage`` (or of a 5G cell where one is required) get
   the cheapest cell for the areas it fixes;
4. **drop**: whole sites, then single cells, are put to sleep, the most expensive first,
   while coverage holds and their traffic moves to other awake cells: a short augmenting
   path search from the area that lost it (no maximum flow per move); candidates then
   built in few periods are given up where that pays (``unbuild``).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import highspy
import numpy as np
import scipy.sparse as sp

from .lagrange import RadioDual

EPS = 1e-9
# nodes an augmenting path search may visit before a move is given up (keeps a move cheap;
# a move refused this way is refused, never made infeasible)
SEARCH_NODES = 50


@dataclass
class Plan:
    built: np.ndarray  # (C,) bool
    awake: np.ndarray  # (C, T) bool (within built)
    objective: float | None = None  # priced: the model's objective for the plan
    flow: np.ndarray | None = None  # (F,) Mbps per flow column, the dual's order
    unserved: np.ndarray | None = None  # (A, T) Mbps
    source: str = ""
    seconds: dict = field(default_factory=dict)
    note: str = ""  # why the plan is not feasible, when it is not

    def copy(self) -> "Plan":
        return Plan(self.built.copy(), self.awake.copy(), self.objective,
                    None if self.flow is None else self.flow.copy(),
                    None if self.unserved is None else self.unserved.copy(), self.source,
                    dict(self.seconds))


class Planner:
    """Plans for the radio model held by ``d`` (a :class:`RadioDual`)."""

    def __init__(self, d: RadioDual):
        self.d = d
        ix = d.ix
        self.ix = ix
        T, C, A = d.T, d.C, d.A
        self.T, self.C, self.A = T, C, A
        L = len(ix.l_cell)
        self.L = L
        self.l_cell, self.l_area = ix.l_cell, ix.l_area
        # each link's bound per period: min(link rate, demand, capacity); 0 without demand
        self.ub = np.where(d.D[ix.l_area] > 0,
                           np.minimum(np.minimum(ix.l_mbps, ix.cap[ix.l_cell])[:, None], d.D[ix.l_area]),
                           0.0)  # (L, T)
        # flow column (dual's order) of each (link, period) with demand
        self.fk_of = np.full((L, T), -1, np.int64)
        self.fk_of[d.fk_link, d.fk_t] = np.arange(len(d.fk_link))
        # links by cell and by area (CSR)
        oc = np.argsort(ix.l_cell, kind="stable")
        self.cell_ptr = np.r_[0, np.cumsum(np.bincount(ix.l_cell, minlength=C))]
        self.cell_links = oc
        oa = np.argsort(ix.l_area, kind="stable")
        self.area_ptr = np.r_[0, np.cumsum(np.bincount(ix.l_area, minlength=A))]
        self.area_links = oa
        self.allowed = d.fixed | d.free
        self.is5 = ix.is5g
        self.req5 = np.zeros(A, bool)
        self.req5[d.req5] = True
        self.cap = ix.cap
        order, starts = d.cells_by_site
        self.site_cells = [order[starts[s]:starts[s + 1]] for s in range(d.S)]
        self.lp_seconds = 0.0
        # plain lists for the local search
        self.lc, self.la = ix.l_cell.tolist(), ix.l_area.tolist()
        self.cell_link_list = [oc[self.cell_ptr[c]:self.cell_ptr[c + 1]].tolist() for c in range(C)]
        self.area_link_list = [oa[self.area_ptr[a]:self.area_ptr[a + 1]].tolist() for a in range(A)]
        self.cell_areas = [ix.l_area[ls].tolist() for ls in self.cell_link_list]
        self.area_cell_list = [ix.l_cell[ls].tolist() for ls in self.area_link_list]
        self.site_of = ix.cell_site.tolist()
        self.site_cell_list = [c.tolist() for c in self.site_cells]
        self.is5_list = ix.is5g.tolist()
        self.req5_list = self.req5.tolist()

    # ------------------------------------------------------------------ costs
    def costs(self, P: np.ndarray) -> dict:
        """Linear costs at prices P (R, T) per kW: per cell and period (C, T) asleep, awake
        on top, per Mbps, per wake-up; per site (S, T) its overhead; per cell its build."""
        cc = self.d.cell_costs(P)
        cc["build"] = self.d.embodied.copy()
        return cc

    # ------------------------------------------------------------------ pricing
    def price(self, plan: Plan, *, lp_threads: int = 1) -> Plan:
        """The model's objective for ``plan`` (binaries fixed): each period's flows,
        unserved demand and grid by an LP; None where a period cannot be served."""
        d, ix, T = self.d, self.ix, self.T
        built = plan.built & self.allowed
        awake = plan.awake & built[:, None]
        if not d.sleep_ok:
            awake = np.repeat(built[:, None], T, axis=1)
        built, awake = self.canonical(built, awake)
        plan.built, plan.awake = built, awake
        plan.note = self.violation(built, awake)
        if plan.note:
            plan.objective, plan.flow, plan.unserved = None, None, None
            return plan
        t0 = time.perf_counter()
        P = d.full_price
        cc = self.costs(P)
        R = d.R
        const_kw = self._const_kw(built, awake)  # (R, T)
        flow = np.zeros(len(d.fk_link))
        unserved = np.zeros((self.A, T))
        total = float((cc["build"] * built).sum()) + d.const
        use_grid = np.zeros((R, T), bool)
        if len(d.beta_rt):
            use_grid.reshape(-1)[d.beta_rt] = True
        # the constant load where no grid row applies, at its full price
        total += float((const_kw * P * ~use_grid).sum())
        ld_kw = (ix.load_w / ix.cap) / 1000.0
        for t in range(T):
            res = self._period_lp(t, awake[:, t], const_kw[:, t], use_grid[:, t], ld_kw, P[:, t])
            if res is None:
                plan.objective = None
                plan.flow, plan.unserved = None, None
                self.lp_seconds += time.perf_counter() - t0
                return plan
            obj, fl, un = res
            total += obj
            flow[fl[0]] = fl[1]
            unserved[:, t] = un
        plan.objective, plan.flow, plan.unserved = total, flow, unserved
        self.lp_seconds += time.perf_counter() - t0
        return plan

    def violation(self, built, awake) -> str:
        """The first of the model's rows (other than demand) the plan breaks, or ''."""
        d = self.d
        aw = awake.astype(float)
        if d.min_cov > 0:
            n = d.cov.T @ aw
            if (n < d.min_cov - 1e-9).any():
                a, t = np.argwhere(n < d.min_cov - 1e-9)[0]
                return f"area {d.ix.area_ids[a]} has fewer than {d.min_cov:g} awake cells in period {t}"
        if len(d.req5):
            n5 = d.cov5.T @ aw
            if (n5 < 1 - 1e-9).any():
                a, t = np.argwhere(n5 < 1 - 1e-9)[0]
                return f"area {d.ix.area_ids[d.req5[a]]} has no awake 5G cell in period {t}"
        if d.new_limit is not None and int((built & d.cand_free).sum()) > d.new_limit + 1e-9:
            return "more new cells than max_new_cells"
        if d.max_wakeups is not None and self.T > 1 and len(d.wake_cells):
            a = awake[d.wake_cells].astype(np.int8)
            if (np.maximum(a - np.roll(a, 1, axis=1), 0).sum(axis=1) > d.max_wakeups).any():
                return "a cell wakes more often than max_wakeups"
        if (built & ~self.allowed).any():
            return "a cell is built that may not be"
        return ""

    def canonical(self, built, awake):
        """The plan with interchangeable cells (formulation.radio.interchangeable_pairs)
        built and woken in the model's fixed order: the first k of each chain, k the count
        the plan has. Same cost, and it meets the model's symmetry rows (none with a
        wake-up limit)."""
        if self.d.max_wakeups is not None:
            return built, awake
        if not hasattr(self, "_chains"):
            from ..formulation.radio import interchangeable_pairs
            first, second = interchangeable_pairs(self.ix)
            nxt = dict(zip(first.tolist(), second.tolist()))
            heads = set(nxt) - set(nxt.values())
            self._chains = []
            for h in heads:
                chain = [h]
                while chain[-1] in nxt:
                    chain.append(nxt[chain[-1]])
                self._chains.append(np.array(chain))
        if not self._chains:
            return built, awake
        built, awake = built.copy(), awake.copy()
        for chain in self._chains:
            rank = np.arange(len(chain))
            built[chain] = rank < built[chain].sum()
            awake[chain] = rank[:, None] < awake[chain].sum(axis=0)[None, :]
        return built, awake

    def _const_kw(self, built, awake) -> np.ndarray:
        """kW per region and period of a plan that do not depend on its flows: cells asleep
        or awake, site overheads, wake-ups."""
        d, ix, T = self.d, self.ix, self.T
        kw = (ix.sleep_w[:, None] * built[:, None] + (ix.active_w - ix.sleep_w)[:, None] * awake) / 1000.0
        if len(d.wake_cells) and T > 1:
            a = awake.astype(np.int8)
            wk = np.maximum(a - np.roll(a, 1, axis=1), 0)
            kw = kw + wk * (ix.wake_kwh / d.ph)[:, None] * np.isin(np.arange(self.C), d.wake_cells)[:, None]
        on = np.zeros((d.S, T), bool)
        np.logical_or.at(on, ix.cell_site, awake)
        oh = d.overhead_w * self._oh_site
        out = np.zeros((d.R, T))
        for t in range(T):
            out[:, t] = (np.bincount(ix.cell_region, weights=kw[:, t], minlength=d.R)
                         + np.bincount(d.site_region, weights=on[:, t] * oh / 1000.0, minlength=d.R))
        return out

    @property
    def _oh_site(self) -> np.ndarray:
        """1 for sites whose overhead the model counts (a linked or fixed cell), else 0."""
        if not hasattr(self, "_ohs"):
            ix = self.ix
            cells = (ix.overhead_w[ix.cell_site] > 0) & (ix.linked | ix.fixed_on)
            s = np.zeros(self.d.S)
            s[ix.cell_site[cells]] = 1.0
            self._ohs = s
        return self._ohs

    def _period_lp(self, t, awake_t, const_t, grid_t, ld_kw, P_t):
        """One period's LP with the awake cells fixed: (objective without the constant
        load priced directly, (flow columns, Mbps), unserved (A,)) or None (infeasible)."""
        d, ix = self.d, self.ix
        ub = self.ub[:, t]
        links = np.flatnonzero(awake_t[ix.l_cell] & (ub > 0))
        areas = np.flatnonzero(d.D[:, t] > 0)
        R = d.R
        pos_a = np.full(self.A, -1)
        pos_a[areas] = np.arange(len(areas))
        nf = len(links)
        pen = d.pen is not None
        nu = len(areas) if pen else 0
        g_regions = np.flatnonzero(grid_t)
        ng = len(g_regions)
        cells = ix.l_cell[links]
        creg = ix.cell_region[cells]
        # costs: flows at the region's price unless the region has a grid row
        cf = np.where(grid_t[creg], 0.0, ld_kw[cells] * P_t[creg])
        cost = np.r_[cf, d.pen[areas, t] if pen else np.zeros(0), P_t[g_regions]]
        lo = np.zeros(nf + nu + ng)
        hi = np.r_[ub[links], d.D[areas, t] if pen else np.zeros(0), np.full(ng, np.inf)]
        # rows: demand (areas with demand), capacity (awake cells with links), balance
        ucell, rows, cols, vals = _flow_rows(ix, links, pos_a, len(areas), pen)
        nd, nc = len(areas), len(ucell)
        rlo = np.r_[d.D[areas, t], np.full(nc, -np.inf)]
        rhi = np.r_[d.D[areas, t], ix.cap[ucell]]
        if ng:
            gpos = np.full(R, -1)
            gpos[g_regions] = np.arange(ng)
            sel = np.flatnonzero(grid_t[creg])
            rows += [nd + nc + gpos[creg[sel]], nd + nc + np.arange(ng)]
            cols += [sel, nf + nu + np.arange(ng)]
            vals += [ld_kw[cells[sel]], -np.ones(ng)]
            rlo = np.r_[rlo, np.full(ng, -np.inf)]
            rhi = np.r_[rhi, self.d.ren[g_regions, t] - const_t[g_regions]]
        nrow = nd + nc + ng
        if nd and np.bincount(pos_a[ix.l_area[links]], minlength=nd).min() == 0 and not pen:
            return None  # an area with demand and no awake cell reaching it
        A = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(nrow, nf + nu + ng))
        x, obj = lp(cost, lo, hi, A, rlo, rhi)
        if x is None:
            return None
        # a grid row's constant (const - ren, when positive) is inside the grid column
        fk = self.fk_of[links, t]
        un = np.zeros(self.A)
        if pen:
            un[areas] = x[nf:nf + nu]
        return obj, (fk, x[:nf]), un

    # ------------------------------------------------------------------ building plans
    def status_quo(self) -> Plan:
        d = self.d
        built = d.fixed | (d.ix.existing & d.free & ~d.ix.forbidden)
        return Plan(built, np.repeat(built[:, None], self.T, axis=1), source="status quo")

    def from_dual(self, recent: list, P: np.ndarray, *, share: float = 0.5,
                  deadline: float | None = None, swaps: bool = True, promising=None) -> Plan:
        """A plan from recent subproblem solutions ``recent`` (awake matrices) at prices
        ``P`` (R, T): the cells awake in at least ``share`` of them, then cover, repair,
        local search and unbuild (module docstring); priced."""
        t0 = time.perf_counter()
        freq = np.mean(recent, axis=0) if recent else np.zeros((self.C, self.T))
        awake = (freq >= share) & self.allowed[:, None]
        built = self.d.fixed | awake.any(axis=1)
        plan = Plan(built, awake, source="dual")
        plan = self.improve(plan, P, deadline=deadline, swaps=swaps, promising=promising)
        plan.seconds["heuristic"] = time.perf_counter() - t0
        return plan

    def improve(self, plan: Plan, P: np.ndarray, *, deadline=None, repair: bool = True,
                swaps: bool = True, promising=None) -> Plan:
        """cover, repair, local search (drop, swaps), unbuild, the limits; then price.
        ``promising`` (C, T) bool: the cells a swap may wake in each period."""
        cc = self.costs(P)
        built, awake = plan.built.copy(), plan.awake.copy()
        built, awake = self.cover(built, awake, cc)
        flows = None
        if repair:
            built, awake, flows = self.repair(built, awake, cc)
            if built is None:
                return Plan(plan.built, plan.awake, None, source=plan.source)
        else:
            p0 = self.price(Plan(built, awake))
            if p0.objective is None:
                return p0
            flows = self._link_flows(p0.flow)
        searches = [PeriodSearch(self, t, awake[:, t], built, flows[:, t], cc) for t in range(self.T)]
        if self.d.sleep_ok:
            # every period's drop, even past the deadline: without it the plan keeps the
            # union's overbuild (100,244 cells in parts of 3,000, 30 min: 60 % gap when cut)
            for ps in searches:
                ps.drop_all()
            for ps in searches:
                if not swaps or (deadline is not None and time.perf_counter() > deadline):
                    break
                prom = None if promising is None else promising[:, ps.t]
                while ps.swap_pass(prom, deadline):
                    pass
                built |= ps.built
        awake = np.stack([ps.awake() for ps in searches], axis=1)
        if self.d.sleep_ok:
            built = self.d.fixed | (built & awake.any(axis=1))
        built, awake = self.unbuild(built, awake, searches, cc, deadline=deadline)
        built, awake = self.limits(built, awake, searches, cc)
        if built is None:
            return Plan(plan.built, plan.awake, None, source=plan.source)
        return self.price(Plan(built, awake, source=plan.source))

    def _link_flows(self, flow: np.ndarray) -> np.ndarray:
        """(L, T) Mbps per link from flow columns (dual's order)."""
        out = np.zeros((self.L, self.T))
        out[self.d.fk_link, self.d.fk_t] = flow
        return out

    def repair(self, built, awake, cc, rounds: int = 8):
        """Wake the cells an LP needs when every cell that may exist may carry traffic, a
        sleeping one at its awake cost (plus its site's overhead if the site is off, plus
        1/T of its build if it is not built) per Mbps of capacity. The LP spreads traffic
        thinly over many sleeping cells, so each round wakes only those it loads most (at
        least half as much as the most loaded, by share of capacity) and solves again with
        them awake (only costs change: HiGHS starts from the last basis); after ``rounds``
        every cell still used is woken."""
        d, ix, T = self.d, self.ix, self.T
        flows = np.zeros((self.L, T))
        may = self.allowed & (built | d.free)
        for t in range(T):
            aw = awake[:, t].copy()
            flp = _FlowLP(self, t, may)
            for r in range(rounds + 1):
                on = np.zeros(d.S, bool)
                np.logical_or.at(on, ix.cell_site, aw)
                extra = np.where(aw, 0.0, cc["awake"][:, t]
                                 + np.where(on[ix.cell_site], 0.0, cc["overhead"][ix.cell_site, t])
                                 + np.where(built | aw, 0.0, cc["build"] / T))
                f = flp.solve(cc["per_mbps"][:, t] + extra / ix.cap)
                if f is None:
                    return None, None, None
                use = np.bincount(ix.l_cell, weights=f, minlength=self.C) / ix.cap
                new = (use > EPS) & ~aw
                if not new.any():
                    break
                if r < rounds:
                    new &= use >= 0.5 * use[new].max()
                aw |= new
            flows[:, t] = f
            awake[:, t] = aw
        built = built | awake.any(axis=1)
        return built, awake & built[:, None], flows

    def cover(self, built, awake, cc):
        """Wake, period by period, the cheapest cell per area it brings up to
        ``min_coverage`` (and to a 5G cell where required) until every area is covered."""
        d, ix, T = self.d, self.ix, self.T
        m = d.min_cov
        covT = d.cov.T.tocsr()
        for t in range(T):
            aw = awake[:, t].copy()
            while True:
                n = covT @ aw.astype(float)
                short = np.maximum(m - n, 0.0)
                need5 = np.zeros(self.A)
                if len(d.req5):
                    n5 = (d.cov5.T @ aw.astype(float))
                    need5[d.req5] = (n5 < 1).astype(float)
                if short.sum() == 0 and need5.sum() == 0:
                    break
                gain = d.cov @ (short > 0).astype(float) + (d.cov @ need5) * self.is5
                on = np.zeros(d.S, bool)
                np.logical_or.at(on, ix.cell_site, aw)
                cost = (cc["awake"][:, t] + np.where(on[ix.cell_site], 0.0, cc["overhead"][ix.cell_site, t])
                        + np.where(built, 0.0, cc["build"] / T))
                ok = self.allowed & ~aw & (gain > 0) & (built | d.free)
                if not ok.any():
                    return built, awake  # cannot be covered: pricing will say so
                score = np.where(ok, cost / np.maximum(gain, EPS), np.inf)
                c = int(np.argmin(score))
                aw[c] = True
                built = built.copy()
                built[c] = True
            awake[:, t] = aw
        return built, awake

    # ------------------------------------------------------------------ local search
    def unbuild(self, built, awake, searches, cc, deadline=None):
        """Give up built cells whose existence is a decision where their build and sleep
        costs exceed what keeping them saves: each is put to sleep in every period it is
        awake (traffic moved by the period's search); kept when that fails anywhere."""
        d = self.d
        cand = np.flatnonzero(built & d.free)
        if not len(cand):
            return built, awake
        keep = cc["build"][cand] + cc["sleep"][cand].sum(axis=1)
        order = cand[np.lexsort((-keep, awake[cand].sum(axis=1)))]
        for c in order.tolist():
            if deadline is not None and time.perf_counter() > deadline:
                break
            gain = cc["build"][c] + cc["sleep"][c].sum()
            ok, logs = self._sleep_everywhere(c, awake, searches)
            for t, log, moved in logs:
                gain += cc["awake"][c, t] - moved
            if ok and d.sleep_ok and gain > EPS:
                built = built.copy()
                built[c] = False
                awake[c] = False
            else:
                for t, log, _ in logs:
                    searches[t]._rollback(log)
        return built, awake

    def _sleep_everywhere(self, c, awake, searches):
        """Put cell c to sleep in every period it is awake; (all done, [(t, log, traffic
        cost change)])."""
        logs = []
        for t in np.flatnonzero(awake[c]).tolist():
            log = []
            if not searches[t].sleep_for_good(c, log):
                return False, logs
            logs.append((t, log, searches[t].moved))
        return True, logs

    def limits(self, built, awake, searches, cc):
        """Enforce ``max_new_cells`` (give up the candidates awake in fewest periods) and
        ``max_wakeups`` (stay awake through the shortest sleeps). None when it cannot."""
        d, T = self.d, self.T
        if d.new_limit is not None:
            cand = np.flatnonzero(built & d.cand_free)
            over = len(cand) - int(d.new_limit)
            for c in cand[np.argsort(awake[cand].sum(axis=1))].tolist():
                if over <= 0:
                    break
                ok, logs = self._sleep_everywhere(c, awake, searches)
                if not ok:
                    for t, log, _ in logs:
                        searches[t]._rollback(log)
                    continue
                built = built.copy()
                built[c] = False
                awake[c] = False
                over -= 1
            if over > 0:
                return None, None
        if d.max_wakeups is not None and T > 1 and d.sleep_ok:
            W = d.max_wakeups
            for c in np.flatnonzero(built):
                a = awake[c].copy()
                while int(np.maximum(a.astype(int) - np.roll(a.astype(int), 1), 0).sum()) > W:
                    runs = _sleep_runs(a)  # fill the shortest cyclic run of sleep
                    if not runs:
                        break
                    start, length = min(runs, key=lambda r: r[1])
                    for k in range(length):
                        a[(start + k) % T] = True
                awake[c] = a
        return built, awake


def _sleep_runs(a: np.ndarray) -> list[tuple[int, int]]:
    """(start, length) of each cyclic run of sleep between awake periods."""
    T = len(a)
    if a.all() or not a.any():
        return []
    runs = []
    t0 = int(np.flatnonzero(a)[0])
    t = t0
    for k in range(1, T + 1):
        t = (t0 + k) % T
        if not a[t] and a[(t - 1) % T]:
            start, length = t, 0
            while not a[(start + length) % T]:
                length += 1
            runs.append((start, length))
    return runs


class PeriodSearch:
    """One period's plan under local search: awake cells, flows, loads and coverage
    counts (plain Python lists: the moves are many and small), kept consistent by every
    move. Traffic moves by augmenting paths in the period's residual network: from the
    area that lost it, through links with room to awake cells, and back through links
    that carry flow to other areas, until a cell with spare capacity is found."""

    def __init__(self, pl: Planner, t, aw, built, f, cc):
        d = pl.d
        self.pl, self.t, self.d = pl, t, d
        self.aw = aw.tolist()
        self.f = f.tolist()
        self.ub = pl.ub[:, t].tolist()
        self.built = built.copy()
        self.load = np.bincount(pl.l_cell, weights=f, minlength=pl.C).tolist()
        self.n = np.rint(d.cov.T @ aw.astype(float)).astype(np.int64).tolist()
        n5 = np.zeros(pl.A, np.int64)
        if len(d.req5):
            n5[d.req5] = np.rint(d.cov5.T @ aw.astype(float)).astype(np.int64)
        self.n5 = n5.tolist()
        self.per = cc["per_mbps"][:, t].tolist()
        self.awk = cc["awake"][:, t].tolist()
        self.oh = cc["overhead"][:, t].tolist()
        self.bld = (cc["build"] / pl.T).tolist()
        self.cap = pl.cap.tolist()
        self.m = int(d.min_cov)
        on = np.zeros(d.S, np.int64)
        np.add.at(on, d.ix.cell_site, aw.astype(np.int64))
        self.site_on = on.tolist()
        self.moved = 0.0

    # ---- state out
    def awake(self) -> np.ndarray:
        return np.array(self.aw, bool)

    def flows(self) -> np.ndarray:
        return np.array(self.f)

    def saving(self, cells):
        s = self.pl.site_of[cells[0]]
        return sum(self.awk[c] for c in cells) + (self.oh[s] if self.site_on[s] == len(cells) else 0.0)

    def covered_without(self, cells) -> bool:
        """Coverage (and the 5G mandate) still hold with ``cells`` asleep."""
        pl = self.pl
        cnt: dict = {}
        for c in cells:
            for a in pl.cell_areas[c]:
                cnt[a] = cnt.get(a, 0) + 1
        n, m = self.n, self.m
        for a, k in cnt.items():
            if n[a] - k < m:
                return False
        five = [c for c in cells if pl.is5_list[c]]
        if five:
            c5: dict = {}
            for c in five:
                for a in pl.cell_areas[c]:
                    if pl.req5_list[a]:
                        c5[a] = c5.get(a, 0) + 1
            for a, k in c5.items():
                if self.n5[a] - k < 1:
                    return False
        return True

    def try_sleep(self, cells, margin=0.0, force=False):
        """Put ``cells`` (one site's) to sleep if coverage holds, their traffic moves and
        the period gets cheaper by more than ``margin`` (or at all, with ``force``)."""
        pl = self.pl
        cells = [c for c in cells if self.aw[c]]
        if not cells or not self.covered_without(cells):
            return False
        undo = []
        delta = self._move_off(cells, undo)
        if delta is None:
            return False
        self.moved = delta
        if not force and delta - (self.saving(cells) - margin) >= -EPS:
            self._undo(undo)
            return False
        s = pl.site_of[cells[0]]
        for c in cells:
            self.aw[c] = False
            for a in pl.cell_areas[c]:
                self.n[a] -= 1
                if pl.is5_list[c]:
                    self.n5[a] -= 1
        self.site_on[s] -= len(cells)
        return True

    def wake(self, c):
        pl = self.pl
        self.aw[c] = True
        self.built[c] = True
        self.site_on[pl.site_of[c]] += 1
        for a in pl.cell_areas[c]:
            self.n[a] += 1
            if pl.is5_list[c]:
                self.n5[a] += 1

    def _move_off(self, cells, undo):
        """Move all traffic of ``cells`` to other awake cells; the traffic's cost change,
        or None (undone) when some of it cannot move."""
        pl = self.pl
        f, load, per = self.f, self.load, self.per
        blocked = set(cells)
        delta = 0.0
        for c in cells:
            for l in pl.cell_link_list[c]:
                x = f[l]
                if x <= EPS:
                    continue
                undo.append((l, x))
                f[l] = 0.0
                load[c] -= x
                delta -= per[c] * x
                dd = self._push(pl.la[l], x, blocked, undo)
                if dd is None:
                    self._undo(undo)
                    return None
                delta += dd
        return delta

    def _undo(self, undo):
        lc = self.pl.lc
        f, load = self.f, self.load
        for l, x in reversed(undo):
            f[l] += x
            load[lc[l]] += x
        undo.clear()

    def _push(self, a0, amount, blocked, undo):
        pl = self.pl
        f, ub, load, cap, aw, per = self.f, self.ub, self.load, self.cap, self.aw, self.per
        lc, la, al, cl = pl.lc, pl.la, pl.area_link_list, pl.cell_link_list
        cost = 0.0
        while amount > EPS:
            prev_area = {a0: -1}
            prev_cell = {}
            queue = [a0]
            found = -1
            head = 0
            while head < len(queue) and found < 0 and len(prev_cell) < SEARCH_NODES:
                a = queue[head]
                head += 1
                for l in al[a]:
                    c = lc[l]
                    if not aw[c] or c in prev_cell or c in blocked or ub[l] - f[l] <= EPS:
                        continue
                    prev_cell[c] = l
                    if cap[c] - load[c] > EPS:
                        found = c
                        break
                    for l2 in cl[c]:
                        if f[l2] > EPS:
                            a2 = la[l2]
                            if a2 not in prev_area:
                                prev_area[a2] = l2
                                queue.append(a2)
            if found < 0:
                return None
            path = []
            c = found
            delta = min(amount, cap[found] - load[found])
            while True:
                l = prev_cell[c]
                path.append((l, 1.0))
                r = ub[l] - f[l]
                if r < delta:
                    delta = r
                l2 = prev_area[la[l]]
                if l2 < 0:
                    break
                path.append((l2, -1.0))
                if f[l2] < delta:
                    delta = f[l2]
                c = lc[l2]
            for l, sgn in path:
                f[l] += sgn * delta
                undo.append((l, -sgn * delta))
                cost += sgn * delta * per[lc[l]]
            load[found] += delta
            amount -= delta
        return cost

    # ---- searches
    def moves(self, only=None):
        """Sleep moves, most expensive first: whole sites (with overhead or several awake
        cells), then single cells; limited to the cells in ``only`` when given."""
        pl = self.pl
        aw = self.aw
        cells = [c for c in (range(pl.C) if only is None else only) if aw[c]]
        out = []
        seen = set()
        for c in cells:
            s = pl.site_of[c]
            if s in seen:
                continue
            seen.add(s)
            a = [x for x in pl.site_cell_list[s] if aw[x]]
            if len(a) > 1 or (len(a) == 1 and self.oh[s] > 0):
                out.append((self.oh[s] + sum(self.awk[x] for x in a), a))
        for c in cells:
            out.append((self.awk[c], [c]))
        out.sort(key=lambda x: -x[0])
        return [mv for _, mv in out]

    def drop_all(self, only=None):
        changed = False
        for mv in self.moves(only):
            changed |= self.try_sleep(mv)
        return changed

    def swap_pass(self, promising=None, deadline=None) -> bool:
        """For each sleeping cell (``promising`` ones), wake it and put to sleep what it
        makes redundant around it; keep the change when the period gets cheaper."""
        pl, d = self.pl, self.d
        ok = pl.allowed & ~np.array(self.aw, bool) & (self.built | d.free)
        if promising is not None:
            ok &= promising
        cand = np.flatnonzero(ok)
        awk = np.array(self.awk)
        improved = False
        for c in cand[np.argsort(awk[cand])].tolist():
            if deadline is not None and time.perf_counter() > deadline:
                break
            if self.aw[c]:
                continue
            s = pl.site_of[c]
            cost = self.awk[c] + (self.oh[s] if self.site_on[s] == 0 else 0.0) + \
                (0.0 if self.built[c] else self.bld[c])
            near = {x for a in pl.cell_areas[c] for x in pl.area_cell_list[a] if self.aw[x]}
            if not near:
                continue
            sites = {pl.site_of[x] for x in near}
            if sum(self.awk[x] for x in near) + sum(self.oh[x] for x in sites) <= cost + EPS:
                continue
            # a transaction: wake c, drop around it, keep only a net gain
            log = []
            was_built = bool(self.built[c])
            self.wake(c)
            gained = 0.0
            for mv in self.moves(near):
                sv = self.saving(mv)
                if self._sleep_logged(mv, log):
                    gained += sv - self.moved
            if gained > cost + EPS:
                improved = True
            else:
                self._rollback(log)
                self._unwake(c, was_built)
        return improved

    def _sleep_logged(self, mv, log, force=False) -> bool:
        """try_sleep with its changes recorded for a rollback."""
        cells = [x for x in mv if self.aw[x]]
        if not cells or not self.covered_without(cells):
            return False
        undo = []
        delta = self._move_off(cells, undo)
        if delta is None:
            return False
        if not force and delta - self.saving(cells) >= -EPS:
            self._undo(undo)
            return False
        self.moved = delta
        pl = self.pl
        for c in cells:
            self.aw[c] = False
            for a in pl.cell_areas[c]:
                self.n[a] -= 1
                if pl.is5_list[c]:
                    self.n5[a] -= 1
        self.site_on[pl.site_of[cells[0]]] -= len(cells)
        log.append((cells, undo))
        return True

    def _rollback(self, log):
        """Undo the sleeps recorded in ``log`` (latest first)."""
        pl = self.pl
        for cells, undo in reversed(log):
            self._undo(undo)
            for x in cells:
                self.aw[x] = True
                for a in pl.cell_areas[x]:
                    self.n[a] += 1
                    if pl.is5_list[x]:
                        self.n5[a] += 1
            self.site_on[pl.site_of[cells[0]]] += len(cells)
        log.clear()

    def _unwake(self, c, was_built):
        pl = self.pl
        self.aw[c] = False
        for a in pl.cell_areas[c]:
            self.n[a] -= 1
            if pl.is5_list[c]:
                self.n5[a] -= 1
        self.site_on[pl.site_of[c]] -= 1
        self.built[c] = was_built

    def sleep_for_good(self, c, log) -> bool:
        """Put cell c to sleep whatever the traffic costs (recorded in ``log``)."""
        if not self.aw[c]:
            return True
        before = len(log)
        ok = self._sleep_logged([c], log, force=True)
        return ok and len(log) > before


HIGHS_SECONDS = [0.0]  # seconds this process spent in HiGHS's LPs (the pipeline's accounting)


def _flow_rows(ix, links, pos_a, nd: int, pen: bool):
    """The rows one period's flow LPs share, as (cells with links, rows, cols, vals):
    demand (row ``pos_a`` of each link's area; with a penalty, one unserved column per area
    after the flows) and capacity (row ``nd + k`` for the k-th cell)."""
    nf = len(links)
    ucell, cell_row = np.unique(ix.l_cell[links], return_inverse=True)
    rows = [pos_a[ix.l_area[links]], nd + cell_row]
    cols = [np.arange(nf), np.arange(nf)]
    vals = [np.ones(nf), np.ones(nf)]
    if pen:
        rows.append(np.arange(nd))
        cols.append(nf + np.arange(nd))
        vals.append(np.ones(nd))
    return ucell, rows, cols, vals


class _FlowLP:
    """Least-cost flows of one period over the links of cells ``may``, within link and cell
    capacities, unserved demand at its penalty; solved again and again with new costs per
    Mbps (each from the last basis)."""

    def __init__(self, pl: Planner, t: int, may: np.ndarray):
        d, ix = pl.d, pl.ix
        self.pl = pl
        ub = pl.ub[:, t]
        links = np.flatnonzero(may[ix.l_cell] & (ub > 0))
        areas = np.flatnonzero(d.D[:, t] > 0)
        pos_a = np.full(pl.A, -1)
        pos_a[areas] = np.arange(len(areas))
        nf = len(links)
        pen = d.pen is not None
        nu = len(areas) if pen else 0
        cells = ix.l_cell[links]
        ucell, rows, cols, vals = _flow_rows(ix, links, pos_a, len(areas), pen)
        nd, nc = len(areas), len(ucell)
        self.links, self.cells, self.nf = links, cells, nf
        self.feasible = True
        if nd and not pen and np.bincount(pos_a[ix.l_area[links]], minlength=nd).min() == 0:
            self.feasible = False  # an area with demand that no cell may serve
            return
        A = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(nd + nc, nf + nu))
        cost = np.r_[np.zeros(nf), d.pen[areas, t] if pen else np.zeros(0)]
        hi = np.r_[ub[links], d.D[areas, t] if pen else np.zeros(0)]
        self.empty = nf + nu == 0
        if not self.empty:
            self.h = _highs_lp(cost, np.zeros(nf + nu), hi, A,
                               np.r_[d.D[areas, t], np.full(nc, -np.inf)],
                               np.r_[d.D[areas, t], ix.cap[ucell]])
        self.idx = np.arange(nf, dtype=np.int32)

    def solve(self, per_mbps: np.ndarray):
        """(L,) Mbps per link at costs ``per_mbps`` (C,), or None (demand cannot be met)."""
        if not self.feasible:
            return None
        out = np.zeros(self.pl.L)
        if self.empty:
            return out
        t0 = time.perf_counter()
        try:
            if self.nf:
                self.h.changeColsCost(self.nf, self.idx, per_mbps[self.cells].astype(float))
            self.h.run()
            if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return None
            x = np.asarray(self.h.getSolution().col_value)
        finally:
            HIGHS_SECONDS[0] += time.perf_counter() - t0
        out[self.links] = x[:self.nf]
        return out



def lp(cost, lo, hi, A, rlo, rhi):
    """Solve ``min cost.x, lo <= x <= hi, rlo <= A x <= rhi`` with HiGHS (A in CSC).
    Returns (x, objective) or (None, None) when infeasible."""
    t0 = time.perf_counter()
    try:
        return _lp(cost, lo, hi, A, rlo, rhi)
    finally:
        HIGHS_SECONDS[0] += time.perf_counter() - t0


def _highs_lp(cost, lo, hi, A, rlo, rhi):
    """A Highs object holding ``min cost.x, lo <= x <= hi, rlo <= A x <= rhi`` (A in CSC)."""
    from ..solve.highs import _quiet_highs
    h = _quiet_highs(False)
    h.setOptionValue("output_flag", False)
    inf = highspy.kHighsInf
    m = highspy.HighsLp()
    m.num_col_, m.num_row_ = A.shape[1], A.shape[0]
    m.col_cost_ = np.asarray(cost, float)
    m.col_lower_ = np.asarray(lo, float)
    m.col_upper_ = np.where(np.isinf(hi), inf, hi)
    m.row_lower_ = np.where(np.isinf(rlo), -inf, rlo)
    m.row_upper_ = np.where(np.isinf(rhi), inf, rhi)
    m.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    m.a_matrix_.start_ = A.indptr.astype(np.int32)
    m.a_matrix_.index_ = A.indices.astype(np.int32)
    m.a_matrix_.value_ = A.data.astype(float)
    m.a_matrix_.num_col_, m.a_matrix_.num_row_ = m.num_col_, m.num_row_
    h.passModel(m)
    return h


def _lp(cost, lo, hi, A, rlo, rhi):
    if A.shape[1] == 0:
        ok = bool(np.all(np.asarray(rlo) <= 1e-9) and np.all(np.asarray(rhi) >= -1e-9))
        return (np.zeros(0), 0.0) if ok else (None, None)
    h = _highs_lp(cost, lo, hi, A, rlo, rhi)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None, None
    return np.asarray(h.getSolution().col_value), float(h.getInfo().objective_function_value)
