"""Data centres: which sites open and where each region's compute runs, in which period.

Variables (docs/model.md, "Data centres"), integer-indexed:
  o[i]  binary, candidate data centre i open (existing sites are open: a constant)
  q[k]  kW of IT load on route-class-period k = (region r, dc j, class, t); interactive only
        on routes within ``interactive_latency_ms``, batch on any listed route
Rows: capacity sum q(j,t) <= max_it_kw[j] * o[j]; interactive demand met each period; batch
met over the horizon when ``batch_shiftable`` (else each period); at most ``max_open`` open.
Power (kW): facility fixed_kw[j]*o[j] + pue[j]*IT load in j's region; transport
transport_kwh_per_kwh[r,j] * q in the source region r.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .builder import ModelBuilder
from .ledger import Ledger


def add_datacentre(b: ModelBuilder, inst, ledger: Ledger) -> dict:
    """Add the data-centre variables and rows (module docstring) to ``b``, their power
    (kW) to ``ledger``; returns the handles (variable blocks) for reading the plan back."""
    T = inst.time.periods
    dcc = inst.datacentre
    dcs, comp, routes = inst.datacentres, inst.compute, inst.routes
    rpos = pd.Series(np.arange(len(inst.regions)), index=inst.regions.region.to_numpy())
    dpos = pd.Series(np.arange(len(dcs)), index=dcs.dc.to_numpy())
    nd = len(dcs)
    # scenarios: a forbidden site is closed (existing ones too) and gets no load; a forced
    # candidate is open (o >= 1)
    forbidden = dcs.dc.isin(inst.forbidden_dcs).to_numpy()
    forced = dcs.dc.isin(inst.forced_dcs).to_numpy()
    existing = (dcs.status == "existing").to_numpy() & ~forbidden
    cand = np.flatnonzero(~existing & ~forbidden)
    ovar = np.full(nd, -1)
    ovar[cand] = np.arange(len(cand))
    O = b.var("o", len(cand), binary=True, lb=forced[cand].astype(float), ub=1.0)
    cap = dcs.max_it_kw.to_numpy(float)
    pue = dcs.pue.to_numpy(float)
    fixed = dcs.fixed_kw.to_numpy(float)
    dreg = rpos[dcs.region].to_numpy()

    # demand per (region, class, period)
    classes = ("interactive", "batch")
    R = len(inst.regions)
    dem = np.zeros((R, 2, T))
    if len(comp):
        np.add.at(dem, (rpos[comp.region].to_numpy(), comp["class"].map({c: i for i, c in enumerate(classes)}).to_numpy(),
                        comp.period.to_numpy()), comp.it_kw.to_numpy(float))
    rr = rpos[routes.region].to_numpy()
    rd = dpos[routes.dc].to_numpy()
    lat = routes.latency_ms.to_numpy(float)
    tk = routes.transport_kwh_per_kwh.to_numpy(float)
    allowed_i = np.ones(len(routes), bool) if dcc.interactive_latency_ms is None else \
        lat <= dcc.interactive_latency_ms + 1e-9
    # route-class pairs that carry demand somewhere in the horizon
    rc_route, rc_class = [], []
    for k in (0, 1):
        ok = ((allowed_i if k == 0 else np.ones(len(routes), bool)) & (dem[rr, k, :].sum(axis=1) > 0)
              & ~forbidden[rd])
        idx = np.flatnonzero(ok)
        rc_route.append(idx)
        rc_class.append(np.full(len(idx), k))
    rc_route, rc_class = np.concatenate(rc_route), np.concatenate(rc_class)
    # q over (route-class, period): batch in every period (it may shift), interactive where
    # the region has interactive demand in that period
    qr = np.repeat(rc_route, T)
    qk = np.repeat(rc_class, T)
    qt = np.tile(np.arange(T), len(rc_route))
    need = (qk == 1) & dcc.batch_shiftable | (dem[rr[qr], qk, qt] > 0)
    qr, qk, qt = qr[need], qk[need], qt[need]
    nq = len(qr)
    Q = b.var("q", nq, lb=0.0, ub=cap[rd[qr]])
    qj = rd[qr]
    qreg = rr[qr]

    # capacity: sum q(j,t) - cap_j * o_j <= 0 (existing: <= cap_j)
    jt, jt_row = np.unique(qj * T + qt, return_inverse=True)
    n = len(jt)
    jj = jt // T
    is_c = ovar[jj] >= 0
    rows = [jt_row, np.flatnonzero(is_c)]
    cols = [Q.cols(np.arange(nq)), O.cols(ovar[jj[is_c]])]
    coef = [np.ones(nq), -cap[jj[is_c]]]
    b.rows("dc_capacity", n, np.concatenate(rows), np.concatenate(cols), np.concatenate(coef),
           ub=np.where(is_c, 0.0, cap[jj]))
    # interactive demand per (region, t)
    sel = np.flatnonzero(qk == 0)
    rt, rt_row = np.unique(qreg[sel] * T + qt[sel], return_inverse=True)
    b.rows("dc_interactive", len(rt), rt_row, Q.cols(sel), np.ones(len(sel)),
           lb=dem[rt // T, 0, rt % T], ub=dem[rt // T, 0, rt % T])
    # batch: over the horizon, or per period
    sel = np.flatnonzero(qk == 1)
    if dcc.batch_shiftable:
        rg, rg_row = np.unique(qreg[sel], return_inverse=True)
        tot = dem[rg, 1, :].sum(axis=1)
        b.rows("dc_batch", len(rg), rg_row, Q.cols(sel), np.ones(len(sel)), lb=tot, ub=tot)
    else:
        rt, rt_row = np.unique(qreg[sel] * T + qt[sel], return_inverse=True)
        b.rows("dc_batch", len(rt), rt_row, Q.cols(sel), np.ones(len(sel)),
               lb=dem[rt // T, 1, rt % T], ub=dem[rt // T, 1, rt % T])
    if dcc.max_open is not None:
        room = dcc.max_open - int(existing.sum())
        b.rows("dc_max_open", 1, np.zeros(len(cand)), O.cols(np.arange(len(cand))),
               np.ones(len(cand)), ub=float(room))

    # power: facility in the data centre's region, transport in the source region
    ledger.current = "dc"
    ledger.add_power(Q, dreg[qj] * T + qt, np.arange(nq), pue[qj])
    ex = np.flatnonzero(existing)
    ledger.add_const(np.repeat(dreg[ex] * T, T) + np.tile(np.arange(T), len(ex)),
                     np.repeat(fixed[ex], T))
    ledger.add_power(O, np.repeat(dreg[cand] * T, T) + np.tile(np.arange(T), len(cand)),
                     np.repeat(np.arange(len(cand)), T), np.repeat(fixed[cand], T))
    ledger.current = "transport"
    ledger.add_power(Q, qreg * T + qt, np.arange(nq), tk[qr])
    ledger.current = "dc"

    def open_flags(values):
        flags = existing.astype(float)
        flags[cand] = values[O.cols(np.arange(len(cand)))]
        return flags

    def tables(values):
        q = values[Q.cols(np.arange(nq))]
        flags = open_flags(values)
        it = np.bincount(qj * T + qt, weights=q, minlength=nd * T)
        dj = np.repeat(np.arange(nd), T)
        dcs_t = pd.DataFrame({"dc": np.repeat(dcs.dc.to_numpy(), T), "period": np.tile(np.arange(T), nd),
                              "open": flags[dj].round().astype(int), "it_kw": it,
                              "facility_kw": fixed[dj] * flags[dj] + pue[dj] * it})
        keep = q > 1e-9
        asg = pd.DataFrame({"region": inst.regions.region.to_numpy()[qreg[keep]],
                            "dc": dcs.dc.to_numpy()[qj[keep]],
                            "class": np.array(classes)[qk[keep]], "period": qt[keep],
                            "it_kw": q[keep], "latency_ms": lat[qr[keep]],
                            "transport_kw": tk[qr[keep]] * q[keep]})
        return {"dcs": dcs_t, "assignments": asg}

    return dict(o=O, q=Q, open_count=lambda v: int(open_flags(v).round().sum()), tables=tables,
                # index arrays of q (route, class 0 interactive / 1 batch, period) and of o
                q_route=qr, q_class=qk, q_period=qt, o_var=ovar)
