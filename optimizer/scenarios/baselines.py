"""Built-in reference plans, evaluated by the same model and energy accounting as the optimum.

Three baselines (docs/baselines.md):

``status_quo``
    Radio: existing cells built and awake in every period, nothing built or retired.
    Data centres: existing sites open, candidates closed; each region's compute served at the
    nearest open site (by route latency) with capacity left, batch work in the period it arrives.
``threshold_sleep``
    Radio: the status quo network, where a vendor-style rule puts a cell to sleep in a period
    when the traffic it carries in the status quo is below ``[ran] sleep_threshold_pct`` of its
    capacity *and* its areas stay covered (``min_coverage``, the 5G mandate) and its traffic
    fits on the other awake cells that reach the same areas (greedy, lightest cell first,
    within ``max_wakeups``). Data centres as in the status quo.
``nearest_dc``
    Radio as in the status quo. Data centres without siting optimisation: existing sites plus
    every candidate (within ``max_open``, candidates nearest to the most compute first), each
    region's compute at its nearest open site with capacity left, batch not shifted.

Forced cells and sites (scenarios) are built / open in every baseline, forbidden ones never.
Each plan fixes the model's binaries (x, a, o) and the data-centre loads q; a linear programme
then completes the flows, site switches, wake-ups and regional balance. A baseline that
breaks one of the instance's constraints is reported with the reason instead of a number.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..formulation.indices import _chosen

BASELINES = ("status_quo", "threshold_sleep", "nearest_dc")


@dataclass
class BaselinePlan:
    """Column bounds (global order) fixing a reference plan, or the reason there is none."""

    name: str
    lower: np.ndarray | None = None
    upper: np.ndarray | None = None
    note: str = ""
    details: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.lower is not None


def radio_status_quo(inst, ix) -> np.ndarray:
    """Cells built in the status quo: existing (or forced), never forbidden."""
    return (ix.existing | ix.forced) & ~ix.forbidden


def threshold_schedule(inst, ix, built: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """Awake matrix (cells x periods) of the threshold rule, from the status quo's flows.

    ``flow`` holds the status quo's Mbps on each flow variable (ix.f_link, ix.f_t). A cell
    sleeps in period t when its load is below the threshold share of its capacity, every area
    it reaches keeps ``min_coverage`` awake cells (and an awake 5G cell where 5G is
    required), and its traffic can be moved, area by area, onto other awake cells reaching
    the same area within their link rate and spare capacity. Cells are tried lightest first.
    """
    T, nc = ix.T, len(ix.cell_ids)
    awake = np.repeat(built[:, None], T, axis=1)
    ran = inst.ran
    if not ran.allow_sleep or nc == 0:
        return awake
    thr = ran.sleep_threshold_pct / 100.0 * ix.cap
    min_cov = ran.min_coverage
    # links of each area and of each cell
    L = len(ix.l_cell)
    by_area = [[] for _ in range(len(ix.area_ids))]
    for li in range(L):
        by_area[ix.l_area[li]].append(li)
    by_cell = [[] for _ in range(nc)]
    for li in range(L):
        by_cell[ix.l_cell[li]].append(li)
    sleeps = np.zeros(nc, int)  # sleep intervals so far (each costs one wake-up)
    limit = ran.max_wakeups
    for t in range(T):
        sel = ix.f_t == t
        f = np.zeros(L)
        f[ix.f_link[sel]] = flow[sel]
        load = np.bincount(ix.l_cell, weights=f, minlength=nc)
        on = awake[:, t].copy()
        cov = np.bincount(ix.l_area, weights=on[ix.l_cell].astype(float), minlength=len(ix.area_ids))
        cov5 = np.bincount(ix.l_area, weights=(on & ix.is5g)[ix.l_cell].astype(float),
                           minlength=len(ix.area_ids))
        order = np.lexsort((-ix.active_w, load))
        for c in order:
            if not on[c] or load[c] >= thr[c]:
                continue
            new_interval = t == 0 or awake[c, t - 1]
            if limit is not None and new_interval and sleeps[c] + 1 > limit:
                continue
            areas = ix.l_area[by_cell[c]]
            if (cov[areas] - 1 < min_cov).any():
                continue
            if ix.is5g[c] and (ix.requires_5g[areas] & (cov5[areas] - 1 < 1)).any():
                continue
            moves = []  # (link, Mbps) to add
            spare_cell = {}
            ok = True
            for lc in by_cell[c]:
                need = f[lc]
                if need <= 1e-9:
                    continue
                a = ix.l_area[lc]
                others = [lo for lo in by_area[a] if ix.l_cell[lo] != c and on[ix.l_cell[lo]]]
                for lo in sorted(others, key=lambda lo: -(ix.cap[ix.l_cell[lo]] - load[ix.l_cell[lo]])):
                    c2 = ix.l_cell[lo]
                    room = min(ix.cap[c2] - load[c2] - spare_cell.get(c2, 0.0), ix.l_mbps[lo] - f[lo])
                    take = min(room, need)
                    if take > 1e-9:
                        moves.append((lo, take))
                        spare_cell[c2] = spare_cell.get(c2, 0.0) + take
                        need -= take
                    if need <= 1e-9:
                        break
                if need > 1e-6:
                    ok = False
                    break
            if not ok:
                continue
            for lo, take in moves:
                f[lo] += take
                load[ix.l_cell[lo]] += take
            for lc in by_cell[c]:
                f[lc] = 0.0
            load[c] = 0.0
            on[c] = False
            cov[areas] -= 1
            if ix.is5g[c]:
                cov5[areas] -= 1
            if new_interval:
                sleeps[c] += 1
        awake[:, t] = on
    return _canonical(ix, awake) if ran.max_wakeups is None else awake


def _canonical(ix, awake: np.ndarray) -> np.ndarray:
    """Reorder the schedules of interchangeable cells as the model's symmetry rows demand.

    Cells no plan can tell apart (optimizer.formulation.radio.interchangeable_pairs) wake in
    a fixed order when there is no per-cell wake-up limit; waking the first k of a chain in
    each period serves the same traffic with at most as many wake-ups.
    """
    from ..formulation.radio import interchangeable_pairs
    first, second = interchangeable_pairs(ix)
    if len(first) == 0:
        return awake
    nxt = dict(zip(first.tolist(), second.tolist()))
    heads = set(nxt) - set(nxt.values())
    out = awake.copy()
    for h in heads:
        chain = [h]
        while chain[-1] in nxt:
            chain.append(nxt[chain[-1]])
        k = out[chain].sum(axis=0)
        out[chain] = np.arange(len(chain))[:, None] < k[None, :]
    return out


def _routes(inst):
    """Per route of routes.csv: region index, data-centre index and latency (ms)."""
    rpos = {r: i for i, r in enumerate(inst.regions.region)}
    dpos = {d: i for i, d in enumerate(inst.datacentres.dc)}
    routes = inst.routes
    rr = routes.region.map(rpos).to_numpy()
    rd = routes.dc.map(dpos).to_numpy()
    lat = routes.latency_ms.to_numpy(float)
    return rr, rd, lat


def dc_open_status_quo(inst) -> np.ndarray:
    d = inst.datacentres
    forbidden = _chosen(d.dc.to_numpy(), inst.forbidden_dcs)
    forced = _chosen(d.dc.to_numpy(), inst.forced_dcs)
    return ((d.status == "existing").to_numpy() | forced) & ~forbidden


def dc_open_nearest(inst) -> np.ndarray:
    """Existing and forced sites, then candidates ranked by the compute they are nearest to."""
    opened = dc_open_status_quo(inst)
    d = inst.datacentres
    forbidden = _chosen(d.dc.to_numpy(), inst.forbidden_dcs)
    cand = np.flatnonzero(~opened & ~forbidden)
    room = len(cand) if inst.datacentre.max_open is None else max(inst.datacentre.max_open - int(opened.sum()), 0)
    if room == 0 or len(cand) == 0:
        return opened
    rr, rd, lat = _routes(inst)
    comp = inst.compute.groupby("region").it_kw.sum()
    regions = inst.regions.region.to_numpy()
    score = np.zeros(len(d))
    for r_i, r in enumerate(regions):
        mine = np.flatnonzero((rr == r_i) & ~forbidden[rd])
        if len(mine):
            score[rd[mine[np.argmin(lat[mine])]]] += float(comp.get(r, 0.0))
    pick = cand[np.lexsort((-d.max_it_kw.to_numpy(float)[cand], -score[cand]))][:room]
    opened = opened.copy()
    opened[pick] = True
    return opened


def dc_nearest_assignment(inst, handle, opened: np.ndarray) -> tuple[np.ndarray | None, str]:
    """q values serving each region at its nearest open site with capacity, batch unshifted.

    Interactive work first (it has fewer routes), regions with more demand first.
    Returns (q vector in the handle's order, "") or (None, reason).
    """
    T = inst.time.periods
    rr, rd, lat = _routes(inst)
    qr, qk, qt = handle["q_route"], handle["q_class"], handle["q_period"]
    nq = len(qr)
    pos = {(int(a), int(b), int(c)): i for i, (a, b, c) in enumerate(zip(qr, qk, qt))}
    cap = inst.datacentres.max_it_kw.to_numpy(float) * opened
    R = len(inst.regions)
    classes = {"interactive": 0, "batch": 1}
    dem = np.zeros((R, 2, T))
    comp = inst.compute
    if len(comp):
        rpos = {r: i for i, r in enumerate(inst.regions.region)}
        np.add.at(dem, (comp.region.map(rpos).to_numpy(), comp["class"].map(classes).to_numpy(),
                        comp.period.to_numpy()), comp.it_kw.to_numpy(float))
    lim = inst.datacentre.interactive_latency_ms
    q = np.zeros(nq)
    names = inst.regions.region.to_numpy()
    for t in range(T):
        left = cap.copy()
        for k in (0, 1):
            for r in np.argsort(-dem[:, k, t], kind="stable"):
                need = dem[r, k, t]
                if need <= 0:
                    continue
                mine = np.flatnonzero(rr == r)
                if k == 0 and lim is not None:
                    mine = mine[lat[mine] <= lim + 1e-9]
                for ri in mine[np.argsort(lat[mine], kind="stable")]:
                    j = rd[ri]
                    take = min(left[j], need)
                    if take <= 1e-12:
                        continue
                    i = pos.get((int(ri), k, t))
                    if i is None:
                        continue
                    q[i] += take
                    left[j] -= take
                    need -= take
                    if need <= 1e-9:
                        break
                if need > 1e-6:
                    cls = "interactive" if k == 0 else "batch"
                    return None, (f"region {names[r]}: {need:.6g} kW of {cls} compute in period {t} "
                                  "finds no open data centre with capacity left")
    return q, ""


def plan_bounds(built, radio_built=None, radio_awake=None, dc_open=None, dc_q=None):
    """Global column bounds fixing x, a (radio) and o, q (data centres) to a plan."""
    lb, ub, _ = built.builder.bounds()
    lb, ub = lb.copy(), ub.copy()
    r = built.handles.get("radio")
    if r is not None and radio_built is not None:
        ix = built.handles["radio_index"]
        T = ix.T
        free = np.flatnonzero(ix.free)
        xc = r["x"].cols(ix.xvar[free])
        lb[xc] = ub[xc] = radio_built[free].astype(float)
        acols = r["a"].cols(np.arange(len(ix.cell_ids) * T))
        on = (radio_awake & radio_built[:, None]).reshape(-1).astype(float)
        lb[acols] = ub[acols] = on
    d = built.handles.get("datacentre")
    if d is not None and dc_open is not None:
        ov = d["o_var"]
        has = ov >= 0
        oc = d["o"].cols(ov[has])
        lb[oc] = ub[oc] = dc_open[has].astype(float)
        if dc_q is not None:
            qc = d["q"].cols(np.arange(len(dc_q)))
            lb[qc] = ub[qc] = dc_q
    return lb, ub


def baseline_plans(inst, built, status_quo_flow: np.ndarray | None = None) -> dict[str, BaselinePlan]:
    """The reference plans that apply to ``inst``, as column bounds of ``built``'s model.

    ``threshold_sleep`` needs the status quo's flows (``status_quo_flow``, Mbps per flow
    variable); without them it is left out.
    """
    plans: dict[str, BaselinePlan] = {}
    ix = built.handles.get("radio_index")
    d = built.handles.get("datacentre")
    rb = radio_status_quo(inst, ix) if ix is not None else None
    ra = np.repeat(rb[:, None], ix.T, axis=1) if ix is not None else None
    dq, dnote, do = None, "", None
    if d is not None:
        do = dc_open_status_quo(inst)
        dq, dnote = dc_nearest_assignment(inst, d, do)

    def make(name, awake, dc_open, q, note):
        if d is not None and q is None:
            return BaselinePlan(name, note=note)
        lo, hi = plan_bounds(built, rb, awake, dc_open, q)
        return BaselinePlan(name, lo, hi)

    plans["status_quo"] = make("status_quo", ra, do, dq, dnote)
    if ix is not None and status_quo_flow is not None:
        aw = threshold_schedule(inst, ix, rb, status_quo_flow)
        p = make("threshold_sleep", aw, do, dq, dnote)
        p.details["cell_hours_asleep"] = int((rb[:, None] & ~aw).sum())
        plans["threshold_sleep"] = p
    if d is not None:
        dn = dc_open_nearest(inst)
        qn, note = dc_nearest_assignment(inst, d, dn)
        p = make("nearest_dc", ra, dn, qn, note)
        p.details["dcs_open"] = int(dn.sum())
        plans["nearest_dc"] = p
    return plans
