"""Solving an Instance: build, hand off, solve, explain, evaluate the baseline, extract.

``solve(instance, **options)`` is the library entry point; it never raises for an
infeasible or unsolved instance: the returned :class:`Solution` says what happened.
"""
from __future__ import annotations

import time
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from ..formulation import BuiltModel, build_model
from ..formulation.energy import evaluate
from ..solution import Solution
from .diagnose import diagnose_infeasible
from .extract import extract_tables
from .highs import CompiledModel, _gap, highs_version, solve_compiled, solve_compiled_by
from .options import SolverOptions, option_problems, options_for
from .pyomo_solvers import solve_with_pyomo
from .result import SolveResult

__all__ = ["solve", "SolverOptions", "SolveResult", "options_for", "run_solver"]


def package_version() -> str:
    try:
        return version("netopt")
    except PackageNotFoundError:
        return "0+unknown"


def run_solver(built: BuiltModel, opts: SolverOptions, *, warm_start: bool = False,
               plan=None, instance=None, prepared=None,
               deadline: float | None = None,
               search: bool = True) -> tuple[SolveResult, CompiledModel | None, dict]:
    """Hand a built model to the chosen solver. HiGHS goes through compiled arrays.

    With ``warm_start`` and the ``instance``, the reference plans of
    optimizer.scenarios.baselines (status quo, threshold sleep rule, nearest data centre) are
    evaluated first: binaries and data-centre loads fixed, an LP completes them. With a
    period ``plan`` (optimizer.decompose.periods) its builds and wake schedule are completed
    by an LP too. The best of these seeds HiGHS as its MIP start, so a time limit always
    leaves a plan at least as good as every baseline; the plan's bound is kept when it beats
    HiGHS's. ``prepared`` is what :func:`prepare` already returned for this model;
    ``deadline`` (time.perf_counter() value) ends the joint search instead of the time limit.
    Without ``search`` the best start is the answer, with the plan's bound (no joint MIP).
    Returns (result, compiled model, {baseline name: (SolveResult or None, note)}).
    """
    if opts.solver != "highs":
        return solve_with_pyomo(built, opts), None, {}
    t_start = time.perf_counter()
    cm, handoff, baselines = prepared or prepare(built, opts, warm_start=warm_start,
                                                 instance=instance)
    starts = [r for r, _ in baselines.values() if r is not None and r.has_solution]
    radio = built.handles.get("radio") is not None
    quiet = replace(opts, verbose=False, time_limit_s=None)
    extra = 0.0
    if plan is not None and radio and plan.complete:
        lo, hi = plan_bounds(built, cm, plan)
        pres = solve_compiled(cm, quiet, col_lower=lo, col_upper=hi)
        extra += pres.solve_seconds
        if pres.has_solution:
            starts.append(pres)
    best = min(starts, key=lambda r: r.objective) if starts else None
    pbound = plan.bound if plan is not None else None
    within = (best is not None and pbound is not None
              and _gap(best.objective, pbound) <= (opts.mip_gap or 0))
    if within or (best is not None and not search):
        # the plan is proven within the requested gap (no joint MIP search needed), or the
        # search is skipped: the best plan completed by an LP is the answer
        gap = _gap(best.objective, pbound) if pbound is not None else None
        res = SolveResult(status="optimal" if within else "feasible", objective=best.objective,
                          bound=pbound, mip_gap=gap, values=best.values, solver="highs",
                          solver_version=highs_version(), options=best.options,
                          message="period plan within the requested gap of the period bound"
                          if within else "period plan; no joint search at this size",
                          log=best.log)
    else:
        until = deadline
        if opts.time_limit_s is not None and deadline is None:
            spent = time.perf_counter() - t_start + (plan.seconds if plan is not None else 0.0)
            until = time.perf_counter() + max(opts.time_limit_s - spent, 1.0)
        start = best.values if best is not None else None
        if deadline is not None and best is not None and deadline - time.perf_counter() < 1.0:
            # the limit is spent: the joint search could not even load the model
            res = SolveResult(status="time_limit_no_solution", solver="highs",
                              solver_version=highs_version(), options=best.options,
                              message="Time limit reached before the joint search", log=best.log)
        elif until is not None:
            # HiGHS can overrun its limit on large models: enforced from outside
            res = solve_compiled_by(cm, opts, until, start=start)
        else:
            res = solve_compiled(cm, opts, start=start)
        if best is not None and (not res.has_solution or res.objective > best.objective
                                 + 1e-9 * max(1.0, abs(best.objective))):
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
    return res, cm, baselines


def prepare(built: BuiltModel, opts: SolverOptions, *, warm_start: bool = False,
            instance=None) -> tuple[CompiledModel, float, dict]:
    """The compiled model, its hand-off seconds and, with ``warm_start`` and the
    ``instance``, the reference plans evaluated on it (see :func:`run_solver`)."""
    t0 = time.perf_counter()
    cm = CompiledModel(built)
    handoff = time.perf_counter() - t0
    baselines: dict = {}
    if warm_start and instance is not None:
        # the reference plans are LPs (binaries fixed): they run to the end, whatever the
        # limit, so that a plan at least as good as every baseline always exists
        baselines = _solve_baselines(instance, built, cm, replace(opts, verbose=False,
                                                                  time_limit_s=None))
    return cm, handoff, baselines


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


from ..decompose.parts import PARTS_CELLS  # noqa: E402  "auto" splits above it (docs/decomposition.md)

# An instance above PARTS_CELLS is still solved whole when it fits in memory and has the time:
# on a 10,028-cell city the whole pipeline gave 8.3 % in 900 s (90 ms per cell) where parts of
# 3,000 cells gave 11.8 %, but 39.5 % in 240 s (24 ms per cell) where parts gave 21.6 %
# (docs/performance.md); 60 ms per cell lies between the two measurements.
WHOLE_CELLS = 12_000  # 10,028 cells whole: 1.7 GB main + 1.0 GB per polish worker
WHOLE_SECONDS_PER_CELL = 0.06


def whole_pays(cells: int, time_limit_s: float | None) -> bool:
    """Whether an instance of ``cells`` radio cells is better solved whole than in parts
    within ``time_limit_s`` (None: no clock, so time is not what limits it)."""
    return cells <= WHOLE_CELLS and (time_limit_s is None
                                     or time_limit_s >= WHOLE_SECONDS_PER_CELL * cells)


def plan_values(built: BuiltModel, values: np.ndarray) -> np.ndarray:
    """A solver's column values as the plan they describe: integers rounded, and each site's
    overhead ``s`` and each wake-up ``v`` at the least value the awake schedule implies
    (``s`` = max of the site's awake cells, ``v`` = max(0, a[t] - a[t-1]), cyclic).

    Those two are continuous and only bounded from below; where they cost nothing (a
    region-period whose renewables cover its load, under grid energy, carbon or cost) a
    solver may leave them at 1, and the reported energy, which counts them, would include
    overheads of sleeping sites and wake-ups that never happen. Lowering them keeps every
    row satisfied and never raises the objective (their coefficients are >= 0)."""
    _, _, integer = built.builder.bounds()
    v = values.copy()
    v[integer] = np.round(v[integer])
    r = built.handles.get("radio")
    if r:
        ix = built.handles["radio_index"]
        T = ix.T
        a = v[r["a"].cols(np.arange(r["a"].n))].reshape(-1, T)
        if r["s"] is not None:
            on = np.zeros((len(ix.site_ids), T))
            oh = np.flatnonzero((ix.overhead_w[ix.cell_site] > 0) & (ix.linked | ix.fixed_on))
            np.maximum.at(on, ix.cell_site[oh], a[oh])
            v[r["s"].cols(np.arange(r["s"].n))] = on.reshape(-1)
        if r["v"] is not None:
            wake = np.maximum(a - np.roll(a, 1, axis=1), 0.0)
            v[r["v"].cols(np.arange(r["v"].n))] = wake.reshape(-1)
    return v


def _solve_pipeline(instance, kind, opts, *, workers, work, baseline, explain, say, t_wall,
                    guide=None):
    """Instances with a radio part: optimizer.solve.pipeline (``guide``: see its
    solve_radio), then the Solution."""
    from ..formulation import _check_locks
    from .finish import joint_search, radio_solution
    _check_locks(instance)
    from .pipeline import JOINT_BINARIES, solve_radio
    binaries = len(instance.cells) * (instance.time.periods + 1)
    small = binaries <= JOINT_BINARIES
    plan, bound, asc, d, pl, clock, details = solve_radio(
        instance, kind, opts, workers=workers, work=work, progress=say, baseline=baseline,
        small=small, guide=guide)
    log = ""
    if small and (plan is None or bound is None or plan.objective - bound
                                       > (opts.mip_gap or 0.0) * max(abs(plan.objective), 1e-9)):
        # small enough for HiGHS's own branch and bound to finish what the pipeline left
        say("joint search")
        t = time.perf_counter()
        deadline = None if opts.time_limit_s is None or work is not None else \
            t_wall + opts.time_limit_s
        # with a work limit: no clock and one thread, so the search is the same every time
        o = opts if work is None else replace(opts, time_limit_s=None, threads=1)
        jp, jb, res = joint_search(instance, kind, o.merged(threads=opts.threads), pl, plan,
                                   deadline=deadline)
        clock.highs_extra += res.solve_seconds
        clock.phases["joint_search"] = time.perf_counter() - t
        log = res.log
        if res.status == "infeasible" and plan is None:
            return _infeasible(instance, kind, opts, explain, say, t_wall, res)
        if jp is not None and jp.objective is not None and (
                plan is None or plan.objective is None or jp.objective < plan.objective):
            plan = jp
        if jb is not None and np.isfinite(jb):
            bound = jb if bound is None else max(bound, jb)
    if plan is None or plan.objective is None:
        # no plan: the instance may be infeasible; HiGHS on the whole model says
        res, _, _ = run_solver(build_model(instance, kind), opts)
        if res.status == "infeasible":
            return _infeasible(instance, kind, opts, explain, say, t_wall, res)
    sq = pl.price(pl.status_quo()) if baseline else None
    return radio_solution(instance, kind, opts, pl, plan, bound, clock, details,
                          baseline=baseline, sq=sq, t_wall=t_wall, solver_log=log)


def _infeasible(instance, kind, opts, explain, say, t_wall, res) -> Solution:
    diagnosis = []
    if explain:
        say("diagnose")
        diagnosis = diagnose_infeasible(instance, opts)
    summary = {"instance": instance.name, "status": "infeasible", "objective_kind": kind,
               "objective": None, "bound": None, "mip_gap": None}
    summary.update({k: None for k in (
        "energy_kwh", "grid_energy_kwh", "carbon_t", "cost_cny", "ran_energy_kwh",
        "dc_energy_kwh", "transport_energy_kwh", "renewable_share", "cells_built",
        "cells_retired", "dcs_open", "baseline_energy_kwh", "savings_pct")})
    summary.update({"solve_seconds": round(res.solve_seconds, 4), "build_seconds": 0.0,
                    "wall_seconds": round(time.perf_counter() - t_wall, 4), "solver": "highs",
                    "solver_version": highs_version(), "package_version": package_version(),
                    "solver_message": res.message, "solver_options": res.options,
                    "seed": opts.seed, "diagnosis": diagnosis, "baselines": {},
                    "strategy": "pipeline", "warnings": list(instance.warnings)})
    summary["input_sha256"] = input_hash(instance)
    return Solution(summary=summary, tables={}, log=res.log, diagnosis=diagnosis)


def _solve_baselines(instance, built: BuiltModel, cm: CompiledModel, opts: SolverOptions) -> dict:
    """Evaluate the reference plans (optimizer.scenarios.baselines) on the compiled model."""
    from ..scenarios.baselines import baseline_plans

    def run(p):
        if not p.ok:
            return None, p.note
        lo = np.maximum(p.lower, cm.lb_global)[cm.colmap]
        hi = np.minimum(p.upper, cm.ub_global)[cm.colmap]
        if (lo > hi + 1e-9).any():
            return None, "the plan breaks a bound the instance fixes (a forced or forbidden cell or site)"
        res = solve_compiled(cm, opts, col_lower=lo, col_upper=np.maximum(hi, lo))
        if not res.has_solution:
            return None, f"the plan is {res.status}: it breaks one of the instance's constraints"
        return res, ""

    out = {}
    plans = baseline_plans(instance, built)
    out["status_quo"] = run(plans["status_quo"])
    r = built.handles.get("radio")
    sq = out["status_quo"][0]
    if r is not None:
        if sq is not None:
            flow = sq.values[r["f"].cols(np.arange(r["f"].n))]
            plans = baseline_plans(instance, built, flow)
            out["threshold_sleep"] = run(plans["threshold_sleep"])
        else:
            out["threshold_sleep"] = (None, "needs the status quo's traffic, which has no feasible plan")
    if "nearest_dc" in plans:
        out["nearest_dc"] = run(plans["nearest_dc"])
    return out


def solve(instance, *, objective: str | None = None, time_limit_s: float | None = None,
          mip_gap: float | None = None, threads: int | None = None, seed: int | None = None,
          solver: str | None = None, verbose: bool = False, baseline: bool = True,
          explain: bool = True, strategy: str = "auto", workers: int | None = None,
          scheduler: str | None = None, max_part_cells: int = PARTS_CELLS,
          work: int | None = None, progress=None) -> Solution:
    """Find the plan of least energy (or grid energy, carbon, cost) for ``instance``.

    Options override the instance's ``[solver]`` table: ``time_limit_s`` (s), ``mip_gap``
    (relative, 0.01 = 1 %), ``threads``, ``seed``, ``solver`` ("highs" or any Pyomo solver
    name). ``objective`` overrides ``[objective] kind``. ``work`` limits the solve by work
    units (dual iterations and HiGHS branch-and-bound nodes) instead of seconds: the same
    instance and options then give the same plan on any machine, whatever its load.
    ``baseline`` also evaluates the status quo (existing cells always awake, nothing built
    or retired) and the threshold sleep rule; ``explain`` re-solves an infeasible instance
    with penalised slacks to name the areas and periods that cannot be served.

    ``strategy``: "auto" (default) runs the pipeline of optimizer.solve.pipeline (a
    Lagrangian bound, a plan guided by it, HiGHS's polish) on instances with a radio part,
    gives small joint radio + data-centre models (``JOINT_BINARIES``) to HiGHS whole, solves
    larger ones as a radio part and a data-centre part merged, and splits instances of more
    than ``max_part_cells`` cells (unless :func:`whole_pays`: up to 12,000 cells given at
    least 60 ms per cell, or no clock) into parts solved on Dask
    (``workers`` local processes, or the cluster at ``scheduler``); "monolithic" hands the
    whole model to the solver at once; "parts" always splits. ``workers`` processes share
    the pipeline's HiGHS polish. Inside a daemonic process (a Pool's or a Dask worker),
    which may not start processes, ``workers`` counts as 1.

    ``progress(update)`` is called with an :class:`~optimizer.solve.pipeline.Update` (its
    stage, elapsed seconds, and the plan, bound and gap so far) as the solve goes.

    Returns a :class:`~optimizer.solution.Solution`; yearly figures in kWh, t CO2 and CNY.
    """
    sol = _solve(instance, objective=objective, time_limit_s=time_limit_s, mip_gap=mip_gap,
                 threads=threads, seed=seed, solver=solver, verbose=verbose, baseline=baseline,
                 explain=explain, strategy=strategy, workers=workers, scheduler=scheduler,
                 max_part_cells=max_part_cells, work=work, progress=progress)
    # the horizon's shape, for whoever reads the results folder alone (the report)
    sol.summary.setdefault("periods", instance.time.periods)
    sol.summary.setdefault("period_hours", instance.time.period_hours)
    return sol


def _solve(instance, *, objective, time_limit_s, mip_gap, threads, seed, solver, verbose,
           baseline, explain, strategy, workers, scheduler, max_part_cells, work,
           progress) -> Solution:
    """:func:`solve` itself."""
    from .pipeline import Update
    raw = progress or (lambda u: None)
    t_start = time.perf_counter()

    def say(u):
        raw(u if isinstance(u, Update) else Update(str(u), time.perf_counter() - t_start))
    kind = objective or instance.objective
    from ..instance.schema import OBJECTIVES
    if kind not in OBJECTIVES:
        raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}, got {kind!r}")
    if strategy not in ("auto", "monolithic", "parts"):
        raise ValueError(f"strategy must be auto, monolithic or parts, got {strategy!r}")
    bad = option_problems(time_limit_s=time_limit_s, mip_gap=mip_gap, threads=threads, seed=seed)
    if work is not None and (isinstance(work, bool) or not isinstance(work, int) or work < 1):
        bad.append(f"work must be a whole number of units, at least 1, got {work!r}")
    from .options import solver_problem
    if solver_problem(solver or instance.solver.solver):
        bad.append(solver_problem(solver or instance.solver.solver))
    if bad:
        raise ValueError("; ".join(bad))
    import multiprocessing as mp
    if (workers or 1) > 1 and scheduler is None and mp.current_process().daemon:
        # a daemonic process (a multiprocessing Pool's or a Dask worker) may not start the
        # worker processes: everything runs here
        workers = 1
    from .pipeline import JOINT_BINARIES
    joint_small = instance.has_radio and \
        len(instance.cells) * (instance.time.periods + 1) <= JOINT_BINARIES
    limit = time_limit_s if time_limit_s is not None else instance.solver.time_limit_s
    split = instance.has_radio and len(instance.cells) > max_part_cells and not \
        whole_pays(len(instance.cells), None if work is not None else limit)
    if strategy == "parts" or (strategy == "auto" and instance.has_radio and (
            split or (instance.has_datacentres and not joint_small))):
        # a data-centre part beside a large radio part: solved apart (HiGHS) and merged with
        # the radio part's plan; exact where their regional balances do not interact, a valid
        # bound otherwise (optimizer.decompose.parts). Small joint models go to HiGHS whole.
        from ..decompose.solve import solve_decomposed
        return solve_decomposed(instance, kind, max_cells=max_part_cells if (
                                    strategy == "parts" or split) else 10**9,
                                time_limit_s=time_limit_s if time_limit_s is not None else instance.solver.time_limit_s,
                                mip_gap=mip_gap, seed=seed, workers=workers, scheduler=scheduler,
                                threads=threads, solver=solver, baseline=baseline, progress=say,
                                work=work)
    opts = options_for(instance, time_limit_s=time_limit_s, mip_gap=mip_gap, threads=threads,
                       seed=seed, solver=solver).merged(verbose=verbose)
    t_wall = time.perf_counter()
    if strategy == "auto" and opts.solver == "highs" and instance.has_radio \
            and not instance.has_datacentres:
        return _solve_pipeline(instance, kind, opts, workers=workers or 1, work=work,
                               baseline=baseline, explain=explain, say=say, t_wall=t_wall)
    say("build")
    built = build_model(instance, kind)
    say("solve")
    res, cm, bres = run_solver(built, opts, warm_start=baseline, instance=instance)
    base_seconds = sum(r.solve_seconds for r, _ in (bres or {}).values() if r is not None)
    summary = {
        "instance": instance.name, "status": res.status, "objective_kind": kind,
        "objective": res.objective, "bound": res.bound, "mip_gap": res.mip_gap,
    }
    diagnosis: list[str] = []
    tables = {}
    t_extract = time.perf_counter()
    if res.has_solution:
        values = plan_values(built, res.values)
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
    summary.update(_baseline_summary(instance, built, bres, summary, baseline, opts))
    summary.update({
        "solve_seconds": round(res.solve_seconds, 4),
        "build_seconds": round(built.build_seconds, 4),
        "handoff_seconds": round(res.handoff_seconds, 4),
        "extract_seconds": round(extract_seconds, 4),
        "baseline_seconds": round(base_seconds, 4),
        "strategy": "monolithic",
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
    summary["input_sha256"] = input_hash(instance)
    return Solution(summary=summary, tables=tables, log=res.log, diagnosis=diagnosis)


_FLAT = {"status_quo": ("baseline_energy_kwh", "savings_pct"),
         "threshold_sleep": ("threshold_energy_kwh", "threshold_savings_pct"),
         "nearest_dc": ("nearest_dc_energy_kwh", "nearest_dc_savings_pct")}


def _baseline_summary(instance, built, bres, summary, asked: bool, opts) -> dict:
    """Baseline KPIs: nested under ``baselines`` and flat (energy and savings per baseline)."""
    from ..scenarios.baselines import BASELINES
    out: dict = {}
    nested: dict = {}
    e = summary.get("energy_kwh")
    for name in BASELINES:
        kwh_key, pct_key = _FLAT[name]
        out[kwh_key] = out[pct_key] = None
        if bres is None or name not in bres:
            continue
        res, note = bres[name]
        if res is None:
            nested[name] = {"status": "not_feasible", "note": note}
            continue
        ev = evaluate(instance, built.ledger, plan_values(built, res.values))
        entry = {k: ev[k] for k in ("energy_kwh", "grid_energy_kwh", "carbon_t", "cost_cny",
                                    "renewable_share")}
        subs = ev["by_subsystem_kwh"]
        entry.update(ran_energy_kwh=subs.get("ran", 0.0), dc_energy_kwh=subs.get("dc", 0.0),
                     transport_energy_kwh=subs.get("transport", 0.0), objective=res.objective,
                     status="ok", note=note)
        if e is not None and entry["energy_kwh"] > 0:
            entry["savings_pct"] = 100.0 * (entry["energy_kwh"] - e) / entry["energy_kwh"]
        nested[name] = entry
        out[kwh_key] = entry["energy_kwh"]
        out[pct_key] = entry.get("savings_pct")
    sq = nested.get("status_quo")
    if sq is not None and sq["status"] != "ok":
        out["baseline_note"] = f"status quo: {sq['note']}"
    elif bres is None or not bres:
        if not asked:
            out["baseline_note"] = "baselines not evaluated (--no-baseline)"
        elif opts.solver != "highs":
            out["baseline_note"] = f"baseline evaluation needs the highs solver (used {opts.solver})"
    out["baselines"] = nested
    return out


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


def input_hash(instance) -> str:
    """SHA-256 of what the plan is made from: the validated instance (its settings and every
    table), not its files or name, so that a folder and a scenario that changes nothing in it
    hash alike, in any process."""
    import dataclasses
    import hashlib

    import pandas as pd
    h = hashlib.sha256()
    for f in dataclasses.fields(instance):
        if f.name in ("source", "warnings", "name", "description"):
            continue  # what the plan is made from, not what it is called
        v = getattr(instance, f.name)
        h.update(f.name.encode())
        if isinstance(v, pd.DataFrame):
            text = v.to_csv(index=False)
        elif isinstance(v, (set, frozenset)):
            text = repr(sorted(v))  # a set's order changes from one process to the next
        else:
            text = repr(v)
        h.update(text.encode())
    return h.hexdigest()


