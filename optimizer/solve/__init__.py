"""Solving an Instance: build, hand off, solve, explain, evaluate the baseline, extract.

``solve(instance, **options)`` is the library entry point; it never raises for an
infeasible or unsolved instance: the returned :class:`Solution` says what happened.
"""
from __future__ import annotations

import time
from importlib.metadata import PackageNotFoundError, version

import numpy as np

from ..formulation import BuiltModel, build_model
from ..formulation.energy import evaluate
from ..solution import Solution
from .diagnose import diagnose_infeasible
from .extract import extract_tables
from .highs import CompiledModel, _gap, highs_version, solve_compiled
from .options import SolverOptions, options_for
from .pyomo_solvers import solve_with_pyomo
from .result import SolveResult

__all__ = ["solve", "SolverOptions", "SolveResult", "options_for", "run_solver"]


def package_version() -> str:
    try:
        return version("netopt")
    except PackageNotFoundError:
        return "0+unknown"


def run_solver(built: BuiltModel, opts: SolverOptions, *, warm_start: bool = False,
               plan=None) -> tuple[SolveResult, CompiledModel | None, SolveResult | None]:
    """Hand a built model to the chosen solver. HiGHS goes through compiled arrays.

    With ``warm_start`` the status quo is solved first (binaries fixed: an LP). With a
    period ``plan`` (optimizer.decompose.periods) its builds and wake schedule are completed
    by an LP too. The better of the two seeds HiGHS as its MIP start, so a time limit always
    leaves a plan at least that good; the plan's bound is kept when it beats HiGHS's.
    Returns (result, compiled model, status-quo result).
    """
    if opts.solver != "highs":
        return solve_with_pyomo(built, opts), None, None
    t_start = time.perf_counter()
    t0 = time.perf_counter()
    cm = CompiledModel(built)
    handoff = time.perf_counter() - t0
    base = None
    starts = []
    radio = built.handles.get("radio") is not None
    quiet = opts.merged(verbose=False)
    if warm_start and radio:
        lo, hi = status_quo_bounds(built, cm)
        base = solve_compiled(cm, quiet, col_lower=lo, col_upper=hi)
        if base.has_solution:
            starts.append(base)
    extra = 0.0
    if plan is not None and radio and plan.complete:
        lo, hi = plan_bounds(built, cm, plan)
        pres = solve_compiled(cm, quiet, col_lower=lo, col_upper=hi)
        extra += pres.solve_seconds
        if pres.has_solution:
            starts.append(pres)
    best = min(starts, key=lambda r: r.objective) if starts else None
    pbound = plan.bound if plan is not None else None
    if best is not None and pbound is not None and _gap(best.objective, pbound) <= (opts.mip_gap or 0):
        # the plan is proven within the requested gap: no joint MIP search needed
        res = SolveResult(status="optimal", objective=best.objective, bound=pbound,
                          mip_gap=_gap(best.objective, pbound), values=best.values,
                          solver="highs", solver_version=highs_version(), options=best.options,
                          message="period plan within the requested gap of the period bound",
                          log=best.log)
    else:
        remaining = opts
        if opts.time_limit_s is not None:
            spent = time.perf_counter() - t_start + (plan.seconds if plan is not None else 0.0)
            remaining = opts.merged(time_limit_s=max(opts.time_limit_s - spent, 1.0))
        res = solve_compiled(cm, remaining, start=best.values if best is not None else None)
        if best is not None and (not res.has_solution or res.objective > best.objective):
            # HiGHS stopped before it took up the start (say, a time limit inside presolve):
            # the start is itself a feasible plan of this model, completed by an LP
            bound = res.bound
            res.status, res.values, res.objective = "feasible", best.values, best.objective
            res.bound = bound if bound is not None and np.isfinite(bound) else None
            res.mip_gap = _gap(res.objective, res.bound) if res.bound is not None else None
            res.message += "; the MIP start is the best plan found"
        if pbound is not None and res.has_solution and (res.bound is None or pbound > res.bound):
            res.bound = pbound
            res.mip_gap = _gap(res.objective, pbound)
            if res.status == "feasible" and res.mip_gap <= (opts.mip_gap or 0):
                res.status = "optimal"
    res.solve_seconds += extra
    res.handoff_seconds = handoff
    return res, cm, base


def plan_bounds(built: BuiltModel, cm: CompiledModel, plan):
    """Column bounds fixing x and a to a period plan's builds and wake schedule."""
    lb, ub = cm.lb_global.copy(), cm.ub_global.copy()
    r = built.handles["radio"]
    ix = built.handles["radio_index"]
    free = np.flatnonzero(ix.free)
    xc = r["x"].cols(ix.xvar[free])
    lb[xc] = ub[xc] = plan.built[free].astype(float)
    acols = r["a"].cols(np.arange(len(ix.cell_ids) * ix.T))
    on = plan.awake.reshape(-1).astype(float)
    lb[acols] = np.maximum(lb[acols], np.minimum(on, ub[acols]))
    ub[acols] = np.minimum(ub[acols], np.maximum(on, lb[acols]))
    return lb[cm.colmap], ub[cm.colmap]


PERIODS_SHARE = 0.5


def _use_periods(instance, built, opts, strategy: str) -> bool:
    from ..decompose.periods import applies
    if strategy not in ("auto", "monolithic", "periods"):
        raise ValueError(f"strategy must be auto, monolithic or periods, got {strategy!r}")
    if strategy == "monolithic" or opts.solver != "highs" or not applies(instance):
        return False
    if opts.time_limit_s is not None and strategy == "auto" and \
            PERIODS_SHARE * opts.time_limit_s / instance.time.periods < 1.0:
        return False  # too little time for one-second period solves: one joint search
    return strategy == "periods" or int(built.builder.bounds()[2].sum()) > 2000


def _round_integers(built: BuiltModel, values: np.ndarray) -> np.ndarray:
    _, _, integer = built.builder.bounds()
    v = values.copy()
    v[integer] = np.round(v[integer])
    return v


def status_quo_bounds(built: BuiltModel, cm: CompiledModel):
    """Column bounds of the status quo: existing cells built and awake, no candidates."""
    lb, ub = cm.lb_global.copy(), cm.ub_global.copy()
    r = built.handles.get("radio")
    if r is None:
        return None
    ix = built.handles["radio_index"]
    T = ix.T
    X, A = r["x"], r["a"]
    free = np.flatnonzero(ix.free)
    ex = ix.existing[free]
    xc = X.cols(ix.xvar[free])
    lb[xc[ex]] = 1.0
    ub[xc[ex]] = 1.0
    ub[xc[~ex]] = 0.0
    ct_c = np.repeat(np.arange(len(ix.cell_ids)), T)
    acols = A.cols(np.arange(len(ct_c)))
    on = ix.existing[ct_c]
    lb[acols[on]] = 1.0
    ub[acols[on]] = 1.0
    ub[acols[~on]] = 0.0
    return lb[cm.colmap], ub[cm.colmap]


def solve(instance, *, objective: str | None = None, time_limit_s: float | None = None,
          mip_gap: float | None = None, threads: int | None = None, seed: int | None = None,
          solver: str | None = None, verbose: bool = False, baseline: bool = True,
          explain: bool = True, strategy: str = "auto", workers: int | None = None,
          progress=None) -> Solution:
    """Find the plan of least energy (or grid energy, carbon, cost) for ``instance``.

    Options override the instance's ``[solver]`` table: ``time_limit_s`` (s), ``mip_gap``
    (relative, 0.01 = 1 %), ``threads``, ``seed``, ``solver`` ("highs" or any Pyomo solver
    name). ``objective`` overrides ``[objective] kind``. ``baseline`` also evaluates the
    status quo (existing cells always awake, nothing built or retired); ``explain`` re-solves
    an infeasible instance with penalised slacks to name the areas and periods that cannot be
    served. ``strategy``: "monolithic" hands the joint model to the solver at once;
    "periods" first solves each period alone (optimizer.decompose.periods) for a valid bound
    and a strong MIP start, in ``workers`` processes; "auto" (default) uses periods where
    they apply and the model has more than 2,000 binaries. ``progress(stage)`` is called
    with each stage name.

    Returns a :class:`~optimizer.solution.Solution`; yearly figures in kWh, t CO2 and CNY.
    """
    say = progress or (lambda stage: None)
    kind = objective or instance.objective
    opts = options_for(instance, time_limit_s=time_limit_s, mip_gap=mip_gap, threads=threads,
                       seed=seed, solver=solver).merged(verbose=verbose)
    t_wall = time.perf_counter()
    say("build")
    built = build_model(instance, kind)
    plan = None
    if _use_periods(instance, built, opts, strategy):
        from ..decompose.periods import solve_periods
        say("periods")
        T = instance.time.periods
        w = workers or 1
        per = None
        if opts.time_limit_s is not None:
            # the periods get half of the limit; the joint search seeded with their plan
            # gets the rest (Milan, 600 s: 4.1 % gap at 50 %, 4.7 % at 80 %; docs/performance.md)
            per = max(PERIODS_SHARE * opts.time_limit_s * w / T, 1.0)
        plan = solve_periods(instance, kind, mip_gap=(opts.mip_gap or 0) / 2, time_limit_s=per,
                             threads=1 if w > 1 else opts.threads, seed=opts.seed, workers=w)
    say("solve")
    if plan is not None and "infeasible" in plan.statuses:
        # a relaxation of the joint model is infeasible, hence the joint model too
        res, cm, bres = SolveResult(status="infeasible", solver="highs",
                                    solver_version=highs_version(),
                                    message=f"period {plan.statuses.index('infeasible')} alone is infeasible"), None, None
    else:
        res, cm, bres = run_solver(built, opts, warm_start=baseline, plan=plan)
    base_seconds = bres.solve_seconds if bres is not None else 0.0
    summary = {
        "instance": instance.name, "status": res.status, "objective_kind": kind,
        "objective": res.objective, "bound": res.bound, "mip_gap": res.mip_gap,
    }
    diagnosis: list[str] = []
    tables = {}
    t_extract = time.perf_counter()
    if res.has_solution:
        values = _round_integers(built, res.values)
        ev = evaluate(instance, built.ledger, values)
        tables = extract_tables(instance, built, values, ev)
        summary.update(_kpis(instance, built, ev, values))
    else:
        summary.update({k: None for k in (
            "energy_kwh", "grid_energy_kwh", "carbon_t", "cost_cny", "ran_energy_kwh",
            "dc_energy_kwh", "transport_energy_kwh", "renewable_share", "cells_built",
            "cells_retired", "dcs_open")})
        if res.status == "infeasible" and explain:
            say("diagnose")
            diagnosis = diagnose_infeasible(instance, opts)
    extract_seconds = time.perf_counter() - t_extract
    base_kwh, base_note = None, None
    if bres is not None:
        if bres.has_solution:
            base_kwh = evaluate(instance, built.ledger, _round_integers(built, bres.values))["energy_kwh"]
        else:
            base_note = f"status quo is {bres.status}: the existing cells alone cannot meet the instance's constraints"
    elif baseline and not instance.has_radio:
        base_note = "no radio part"
    elif baseline:
        base_note = f"baseline evaluation needs the highs solver (used {opts.solver})"
    summary["baseline_energy_kwh"] = base_kwh
    e = summary.get("energy_kwh")
    summary["savings_pct"] = (100.0 * (base_kwh - e) / base_kwh
                              if base_kwh and e is not None else None)
    if base_note:
        summary["baseline_note"] = base_note
    summary.update({
        "solve_seconds": round(res.solve_seconds, 4),
        "build_seconds": round(built.build_seconds, 4),
        "handoff_seconds": round(res.handoff_seconds, 4),
        "extract_seconds": round(extract_seconds, 4),
        "baseline_seconds": round(base_seconds, 4),
        "periods_seconds": round(plan.seconds, 4) if plan is not None else None,
        "periods_bound": plan.bound if plan is not None else None,
        "periods_objective": plan.objective if plan is not None else None,
        "periods_statuses": ({k: plan.statuses.count(k) for k in sorted(set(plan.statuses))}
                             if plan is not None else None),
        "periods_solver_seconds": round(plan.solver_wall_seconds, 4) if plan is not None else 0.0,
        "strategy": "periods" if plan is not None else "monolithic",
        "wall_seconds": round(time.perf_counter() - t_wall, 4),
        "solver": res.solver,
        "solver_version": res.solver_version or (highs_version() if res.solver == "highs" else ""),
        "package_version": package_version(),
        "solver_message": res.message,
        "solver_options": res.options,
        "seed": opts.seed,
        "diagnosis": diagnosis,
        "warnings": list(instance.warnings),
    })
    if instance.source is not None:
        summary["input_sha256"] = _hash_folder(instance.source)
    return Solution(summary=summary, tables=tables, log=res.log, diagnosis=diagnosis)


def _kpis(instance, built, ev, values) -> dict:
    out = {k: ev[k] for k in ("energy_kwh", "grid_energy_kwh", "carbon_t", "cost_cny",
                              "renewable_share")}
    subs = ev["by_subsystem_kwh"]
    out["ran_energy_kwh"] = subs.get("ran", 0.0) if instance.has_radio else 0.0
    out["dc_energy_kwh"] = subs.get("dc", 0.0)
    out["transport_energy_kwh"] = subs.get("transport", 0.0)
    r = built.handles.get("radio")
    if r is not None:
        ix = built.handles["radio_index"]
        built_ = np.where(ix.fixed_on, 1.0, 0.0)
        free = np.flatnonzero(ix.free)
        built_[free] = values[r["x"].cols(ix.xvar[free])]
        out["cells_built"] = int(((built_ > 0.5) & ~ix.existing).sum())
        out["cells_retired"] = int(((built_ < 0.5) & ix.existing).sum())
        if r["u"] is not None:
            hw = instance.time.period_hours * instance.time.weight
            out["unserved_mbps_h"] = float(values[r["u"].cols(np.arange(r["u"].n))].sum() * hw)
    else:
        out["cells_built"] = out["cells_retired"] = 0
    d = built.handles.get("datacentre")
    out["dcs_open"] = int(d["open_count"](values)) if d else 0
    out["embodied_kwh"] = ev["embodied_kwh"]
    return out


def _hash_folder(folder) -> str:
    import hashlib
    from pathlib import Path
    h = hashlib.sha256()
    for p in sorted(Path(folder).glob("*")):
        if p.is_file() and (p.suffix in (".csv", ".toml")):
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()
