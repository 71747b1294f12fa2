"""A radio plan of the pipeline as a Solution: its tables, KPIs and baselines.

The plan is accounted for from plain tables (optimizer.decompose.solve.account, the same
accounting a split instance uses), never by building the joint model; the baselines (the
status quo and the threshold sleep rule, docs/baselines.md) are plans priced the same way.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..decompose.primal import Plan, Planner

KINDS = {"energy": "energy_kwh", "grid_energy": "grid_energy_kwh", "carbon": "carbon_t",
         "cost": "cost_cny"}


def plan_tables(inst, pl: Planner, plan: Plan, dc=None) -> tuple[dict, dict]:
    """(tables, accounting) of a priced plan; ``dc`` is a data-centre part's Solution to
    add (independent of the radio part)."""
    from ..decompose.solve import account
    from .extract import _report_tables
    d, T = pl.d, pl.T
    ix = d.ix
    nc, na = d.C, d.A
    load = np.bincount(d.fk_seg, weights=plan.flow, minlength=nc * T)
    cells = pd.DataFrame({"cell": np.repeat(ix.cell_ids, T), "period": np.tile(np.arange(T), nc),
                          "built": np.repeat(plan.built, T).astype(int),
                          "awake": plan.awake.reshape(-1).astype(int), "load_mbps": load})
    dc_load = dc_sub = None
    tables: dict = {}
    if dc is not None:
        dc_load = dc.tables["regions"].load_kw.to_numpy(float).reshape(len(inst.regions), T)
        h = dc.tables["hourly"]
        dc_sub = {"dc": h.dc_kw.to_numpy(float), "transport": h.transport_kw.to_numpy(float)}
        tables["dcs"], tables["assignments"] = dc.tables["dcs"], dc.tables["assignments"]
    ev = account(inst, cells, dc_load, dc_sub)
    c = ev["cells_sorted"]
    tables["cells"] = pd.DataFrame({"cell": c.cell, "period": c.period,
                                    "built": c.built.astype(int), "awake": c.awake.astype(int),
                                    "load_mbps": c.load_mbps, "power_w": ev["power_w"]})
    served = np.bincount(d.fk_at, weights=plan.flow, minlength=na * T)
    unserved = plan.unserved.reshape(-1) if plan.unserved is not None else np.zeros(na * T)
    aw = plan.awake.astype(float)
    n_awake = (d.cov.T @ aw).reshape(-1)
    tables["areas"] = pd.DataFrame({
        "area": np.repeat(ix.area_ids, T), "period": np.tile(np.arange(T), na),
        "demand_mbps": d.D.reshape(-1), "served_mbps": served, "unserved_mbps": unserved,
        "awake_cells": np.rint(n_awake).astype(int)})
    R = len(inst.regions)
    tables["regions"] = pd.DataFrame({
        "region": np.repeat(inst.regions.region.to_numpy(), T), "period": np.tile(np.arange(T), R),
        "load_kw": ev["load_kw"].reshape(-1), "green_kw": ev["green_kw"].reshape(-1),
        "grid_kw": ev["grid_kw"].reshape(-1)})
    tables.update(_report_tables(inst, tables, ev))
    return tables, ev


def kpis(inst, kind, pl: Planner, plan: Plan, ev: dict) -> dict:
    d = pl.d
    ix = d.ix
    out = {k: ev[k] for k in ("energy_kwh", "grid_energy_kwh", "carbon_t", "cost_cny",
                              "renewable_share")}
    subs = ev["by_subsystem_kwh"]
    out.update(ran_energy_kwh=subs["ran"], dc_energy_kwh=subs["dc"],
               transport_energy_kwh=subs["transport"], embodied_kwh=ev["embodied_kwh"])
    out["cells_built"] = int((plan.built & ~ix.existing).sum())
    out["cells_retired"] = int((~plan.built & ix.existing).sum())
    if d.pen is not None:
        hw = inst.time.period_hours * inst.time.weight
        out["unserved_mbps_h"] = float(plan.unserved.sum() * hw) if plan.unserved is not None else 0.0
    return out


def baselines(inst, kind, pl: Planner, plan_energy: float | None, sq: Plan | None, dc=None,
              dc_baselines: dict | None = None) -> dict:
    """The status quo and threshold-rule plans priced like the plan (docs/baselines.md);
    the flat keys of summary.json and the nested ``baselines`` entry."""
    from ..scenarios.baselines import threshold_schedule
    d = pl.d
    out: dict = {"baseline_energy_kwh": None, "savings_pct": None, "threshold_energy_kwh": None,
                 "threshold_savings_pct": None, "nearest_dc_energy_kwh": None,
                 "nearest_dc_savings_pct": None}
    nested: dict = {}

    def entry(p: Plan, note=""):
        _, ev = plan_tables(inst, pl, p, dc)
        e = {k: ev[k] for k in ("energy_kwh", "grid_energy_kwh", "carbon_t", "cost_cny",
                                "renewable_share")}
        subs = ev["by_subsystem_kwh"]
        e.update(ran_energy_kwh=subs["ran"], dc_energy_kwh=subs["dc"],
                 transport_energy_kwh=subs["transport"], objective=p.objective, status="ok",
                 note=note)
        # its power in each period (all regions), for the report's hourly chart
        e["load_kw_by_period"] = [round(float(x), 4) for x in
                                  np.asarray(ev["load_kw"]).reshape(len(inst.regions), -1).sum(axis=0)]
        if plan_energy is not None and e["energy_kwh"] > 0:
            e["savings_pct"] = 100.0 * (e["energy_kwh"] - plan_energy) / e["energy_kwh"]
        return e

    if sq is None or sq.objective is None:
        nested["status_quo"] = {"status": "not_feasible",
                                "note": "the plan breaks one of the instance's constraints"}
        nested["threshold_sleep"] = {"status": "not_feasible",
                                     "note": "needs the status quo's traffic, which has no feasible plan"}
        out["baseline_note"] = "status quo: the plan breaks one of the instance's constraints"
    else:
        e = entry(sq)
        nested["status_quo"] = e
        out["baseline_energy_kwh"], out["savings_pct"] = e["energy_kwh"], e.get("savings_pct")
        flow_ix = np.zeros(len(d.fk_ix))
        flow_ix[d.fk_ix] = sq.flow
        aw = threshold_schedule(inst, d.ix, sq.built, flow_ix)
        thr = pl.price(Plan(sq.built.copy(), aw, source="threshold"))
        if thr.objective is None:
            nested["threshold_sleep"] = {"status": "not_feasible",
                                         "note": "the plan breaks one of the instance's constraints"}
        else:
            e = entry(thr)
            nested["threshold_sleep"] = e
            out["threshold_energy_kwh"], out["threshold_savings_pct"] = \
                e["energy_kwh"], e.get("savings_pct")
    out["baselines"] = nested
    return out


def joint_search(inst, kind, opts, pl: Planner, plan: Plan | None, *, deadline=None):
    """HiGHS's branch and bound on the whole model, started from ``plan``; returns
    (plan or None, HiGHS's bound or None, SolveResult). For models small enough that it
    wins (pipeline.JOINT_BINARIES)."""
    import time

    from ..formulation import build_model
    from .highs import CompiledModel, solve_compiled
    built = build_model(inst, kind)
    cm = CompiledModel(built)
    r = built.handles["radio"]
    ix = built.handles["radio_index"]
    start = None
    if plan is not None:
        start = np.clip(np.zeros(cm.n_global), cm.lb_global, cm.ub_global)
        free = np.flatnonzero(ix.free)
        start[r["x"].cols(ix.xvar[free])] = plan.built[free]
        start[r["a"].cols(np.arange(len(ix.cell_ids) * ix.T))] = plan.awake.reshape(-1)
    o = opts
    if deadline is not None:
        o = opts.merged(time_limit_s=max(deadline - time.perf_counter(), 1.0))
    res = solve_compiled(cm, o, start=start)
    if not res.has_solution:
        return None, res.bound, res
    v = res.values
    b = ix.fixed_on.copy()
    free = np.flatnonzero(ix.free)
    b[free] = v[r["x"].cols(ix.xvar[free])] > 0.5
    a = (v[r["a"].cols(np.arange(len(ix.cell_ids) * ix.T))] > 0.5).reshape(-1, ix.T)
    out = pl.price(Plan(b, a & b[:, None], source="joint search"))
    return out, res.bound, res


def radio_solution(inst, kind, opts, pl: Planner, plan: Plan | None, bound, clock, details,
                   *, baseline: bool, sq: Plan | None, t_wall: float, solver_log: str = "",
                   joint=None) -> "Solution":
    """The Solution of a pipeline run: status from the plan and the bound, tables, KPIs,
    baselines, timings (``clock``) and the run's details."""
    import time

    from ..solution import Solution
    from . import input_hash, package_version
    from .highs import highs_version
    summary = {"instance": inst.name, "objective_kind": kind}
    tables: dict = {}
    if plan is None or plan.objective is None:
        summary.update(status="time_limit_no_solution" if opts.time_limit_s is not None
                       else "error", objective=None, bound=bound, mip_gap=None,
                       solver_message="no plan found")
        for k in ("energy_kwh", "grid_energy_kwh", "carbon_t", "cost_cny", "ran_energy_kwh",
                  "dc_energy_kwh", "transport_energy_kwh", "renewable_share", "cells_built",
                  "cells_retired", "dcs_open"):
            summary[k] = None
        energy = None
    else:
        gap = None if bound is None else max(plan.objective - bound, 0.0) / max(abs(plan.objective), 1e-9)
        status = "optimal" if gap is not None and gap <= (opts.mip_gap or 0.0) + 1e-12 else "feasible"
        summary.update(status=status, objective=plan.objective, bound=bound, mip_gap=gap)
        t = time.perf_counter()
        tables, ev = plan_tables(inst, pl, plan)
        summary.update(kpis(inst, kind, pl, plan, ev))
        summary["dcs_open"] = 0
        clock.phases["tables"] = time.perf_counter() - t
        energy = ev["energy_kwh"]
        summary["solver_message"] = f"plan from {plan.source}"
    t = time.perf_counter()
    if baseline:
        summary.update(baselines(inst, kind, pl, energy, sq))
    else:
        summary.update({k: None for k in ("baseline_energy_kwh", "savings_pct",
                                          "threshold_energy_kwh", "threshold_savings_pct",
                                          "nearest_dc_energy_kwh", "nearest_dc_savings_pct")})
        summary["baselines"] = {}
        summary["baseline_note"] = "baselines not evaluated (--no-baseline)"
    baseline_s = time.perf_counter() - t
    clock.phases["baselines"] = baseline_s
    timing = clock.record()
    summary.update({
        "solve_seconds": round(timing["highs_seconds"] + timing["dual_seconds"], 4),
        "build_seconds": round(clock.phases.get("prepare", 0.0), 4),
        "handoff_seconds": 0.0, "extract_seconds": round(clock.phases.get("tables", 0.0), 4),
        "baseline_seconds": round(baseline_s, 4),
        "strategy": "pipeline", "wall_seconds": round(time.perf_counter() - t_wall, 4),
        "solver": "highs", "solver_version": highs_version(), "package_version": package_version(),
        "solver_options": {"time_limit": opts.time_limit_s, "mip_rel_gap": opts.mip_gap,
                           "random_seed": opts.seed, "work_limit": details.get("work")},
        "seed": opts.seed or 0, "diagnosis": [], "warnings": list(inst.warnings),
        "timing": timing, "dual_bound": details.get("bound_dual"),
        "dual_iterations": details.get("dual_iterations"), "work_limit": details.get("work"),
    })
    summary["input_sha256"] = input_hash(inst)
    return Solution(summary=summary, tables=tables, log=solver_log)
