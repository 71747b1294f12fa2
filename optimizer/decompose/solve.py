"""Solving a split instance part by part (in this process or on Dask) and merging the plans.

The merged result is one :class:`~optimizer.solution.Solution` with the same summary keys and
tables as a monolithic solve; ``summary["decomposition"]`` says how it was split. The merged
plan is accounted for from plain tables (:func:`account`), never by building the whole model.
"""
from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pandas as pd

from ..instance.model import Instance
from ..solution import Solution
from .parts import PARTS_CELLS, Split, shared_regions, split

PEAKS: dict = {}  # worker address -> peak MB of its process over the last Dask run
KINDS = {"energy": "energy_kwh", "grid_energy": "grid_energy_kwh", "carbon": "carbon_t",
         "cost": "cost_cny"}


def solve_part(instance: Instance, objective: str, options: dict) -> Solution:
    """Solve one part (a module-level function: it runs on Dask workers from plain data)."""
    from ..solve import solve
    return solve(instance, objective=objective, **options)


def _part_summary(status: str, seconds: float, bound=None) -> dict:
    return {"status": status, "bound": bound, "objective": None,
            "solve_seconds": round(seconds, 4), "build_seconds": 0.0,
            "solver": "highs", "wall_seconds": round(seconds, 4)}


def plan_part(instance: Instance, objective: str, options: dict, guide=None) -> Solution:
    """A part's plan alone, for a plan version (its bound comes from the bound version):
    the pipeline (optimizer.solve.pipeline) on the part, its status-quo baseline only
    where the split is exact; ``guide``, the ascent on its bound version, starts its plans
    (optimizer.solve.pipeline.solve_radio)."""
    from ..solve import _solve_pipeline, options_for
    if guide is None or (options.get("solver") or instance.solver.solver) != "highs" \
            or not instance.has_radio or instance.has_datacentres:
        return solve_part(instance, objective, options)
    opts = options_for(instance, time_limit_s=options.get("time_limit_s"),
                       mip_gap=options.get("mip_gap"), threads=options.get("threads"),
                       seed=options.get("seed"), solver=options.get("solver"))
    return _solve_pipeline(instance, objective, opts, workers=1, work=options.get("work"),
                           baseline=options.get("baseline", True), explain=False,
                           say=lambda u: None, t_wall=time.perf_counter(), guide=guide)


#: of a part job's time (:func:`guided_part`), the share of the ascent on its bound version:
#: 10,028 cells in parts of 5,000, 180 s: 12.5 % at 0.5, 12.6 % at 0.35 (docs/performance.md)
PART_BOUND_SHARE = 0.5


def guided_part(versions: tuple, objective: str, options: dict) -> Solution:
    """A part with a bound version and a plan version, in one job: the dual ascent on the
    bound version (shared costs, full capacities) for PART_BOUND_SHARE of the time gives
    the part's bound, and its multipliers and subproblems start the plan version's
    pipeline, which gets the rest (with no ascent of its own: the two versions have the
    same cells and rows). The plan's Solution, its summary's ``part_bound`` the bound (None
    and ``part_bound_error`` if the ascent failed: the plan is then made unguided)."""
    from ..solve.pipeline import dual_ascent
    bound_inst, plan_inst = versions
    t0 = time.perf_counter()
    tl, work = options.get("time_limit_s"), options.get("work")
    asc, err = None, None
    try:
        asc = dual_ascent(bound_inst, objective,
                          work=None if work is None else max(int(PART_BOUND_SHARE * work), 1),
                          seconds=None if tl is None else PART_BOUND_SHARE * tl)
    except Exception as e:  # noqa: BLE001 - the plan goes on; the bound is reported lost
        err = f"{type(e).__name__}: {e}"
    rest = dict(options)
    if work is not None:
        rest["work"] = max(work - int(PART_BOUND_SHARE * work), 1)
    if tl is not None:
        rest["time_limit_s"] = max(tl - (time.perf_counter() - t0), 1.0)
    sol = plan_part(plan_inst, objective, rest, guide=asc)
    sol.summary["part_bound"] = None if asc is None else float(asc.bound)
    sol.summary["part_bound_seconds"] = round(time.perf_counter() - t0, 4)
    if err is not None:
        sol.summary["part_bound_error"] = err
    return sol


PARTS_SHARE = 0.95  # of the time left after the split: 100,244 cells, 1,800 s, with guided parts: 0.9 ended at 1,571 s (docs/performance.md)


def bound_part(instance: Instance, objective: str, options: dict) -> Solution:
    """A part's bound alone: the Lagrangian dual of its radio model
    (optimizer.decompose.lagrange), no plan, no tables."""
    import time as _t

    from ..solve.pipeline import dual_ascent
    t0 = _t.perf_counter()
    tl, work = options.get("time_limit_s"), options.get("work")
    asc = dual_ascent(instance, objective, seconds=tl, work=work)
    bound = None if asc is None else float(asc.bound)
    return Solution(summary=_part_summary("feasible" if bound is not None else "error",
                                          _t.perf_counter() - t0, bound))


def account(inst: Instance, cells: pd.DataFrame | None, dc_load: np.ndarray | None = None,
            dc_sub: dict | None = None, unserved: pd.DataFrame | None = None) -> dict:
    """Yearly energy accounting of a plan given as tables (docs/model.md), no model built.

    ``cells``: cell, period, built, awake, load_mbps for every cell and period (radio part);
    ``dc_load``: (regions, periods) kW of the data-centre part (facility + transport), with its
    per-period split ``dc_sub`` {"dc": kW[T], "transport": kW[T]}. Returns what
    optimizer.formulation.energy.evaluate returns, plus ``power_w`` per cells row.
    """
    from ..formulation.energy import renewable_kw
    T = inst.time.periods
    R = len(inst.regions)
    hw = inst.time.period_hours * inst.time.weight
    rpos = pd.Series(np.arange(R), index=inst.regions.region.to_numpy())
    load = np.zeros((R, T))
    sub_t = {"ran": np.zeros(T), "dc": np.zeros(T), "transport": np.zeros(T)}
    embodied = 0.0
    out = {}
    if cells is not None and inst.has_radio:
        c = cells.sort_values(["cell", "period"]).reset_index(drop=True)
        p = inst.cells.set_index("cell").reindex(c.cell.to_numpy()[::T])
        n = len(p)
        built = c.built.to_numpy(float).reshape(n, T)
        awake = c.awake.to_numpy(float).reshape(n, T)
        ld = c.load_mbps.to_numpy(float).reshape(n, T)
        pw = (p.sleep_w.to_numpy(float)[:, None] * (built - awake)
              + p.active_w.to_numpy(float)[:, None] * awake
              + p.load_w.to_numpy(float)[:, None] * ld / p.capacity_mbps.to_numpy(float)[:, None])
        wakes = np.maximum(awake - np.roll(awake, 1, axis=1), 0) if T > 1 else np.zeros_like(awake)
        ph = inst.time.period_hours
        cell_kw = pw / 1000.0 + wakes * p.wake_kwh.to_numpy(float)[:, None] / ph
        site = p.site.to_numpy()
        sites = inst.sites.set_index("site")
        creg = rpos[sites.region.reindex(site).to_numpy()].to_numpy()
        np.add.at(load, creg, cell_kw)
        on = pd.DataFrame(awake).groupby(site).max()
        s_reg = rpos[sites.region.reindex(on.index).to_numpy()].to_numpy()
        over = sites.overhead_w.reindex(on.index).to_numpy(float)[:, None] * on.to_numpy() / 1000.0
        np.add.at(load, s_reg, over)
        sub_t["ran"] = cell_kw.sum(axis=0) + over.sum(axis=0)
        new = (p.status == "candidate").to_numpy()
        embodied = float((p.embodied_kwh_per_year.to_numpy(float) * built[:, 0] * new).sum())
        out["power_w"] = pw.reshape(-1)
        out["cells_sorted"] = c
    if dc_load is not None:
        load += dc_load
        sub_t["dc"] = dc_sub.get("dc", np.zeros(T))
        sub_t["transport"] = dc_sub.get("transport", np.zeros(T))
    ren = renewable_kw(inst).reshape(R, T)
    green = np.minimum(load, ren)
    grid = load - green
    rreg = np.repeat(np.arange(R), T)
    co2 = inst.regions.grid_co2_kg_per_kwh.to_numpy(float)[rreg]
    price = inst.regions.price_cny_per_kwh.to_numpy(float)[rreg]
    by_sub = {k: float(v.sum() * hw) for k, v in sub_t.items()}
    by_sub["ran"] += embodied
    out.update(
        load_kw=load, green_kw=green, grid_kw=grid, renewable_kw=ren,
        energy_kwh=float(load.sum() * hw + embodied),
        grid_energy_kwh=float(grid.sum() * hw + embodied),
        carbon_t=float((grid.reshape(-1) * hw * co2).sum() / 1000.0),
        cost_cny=float((grid.reshape(-1) * hw * price).sum()),
        embodied_kwh=embodied, by_subsystem_kwh=by_sub, by_subsystem_kw=sub_t,
        renewable_share=float(green.sum() / load.sum()) if load.sum() > 0 else 0.0)
    return out


def solve_decomposed(inst: Instance, objective: str | None = None, *, max_cells: int = PARTS_CELLS,
                     time_limit_s: float | None = None, mip_gap: float | None = None,
                     seed: int | None = None, workers: int | None = None,
                     scheduler: str | None = None, seconds_per_1000_cells: float | None = None,
                     threads: int | None = None, solver: str | None = None,
                     baseline: bool = True, progress=None, cut: str = "bisect",
                     work: int | None = None) -> Solution:
    """Split ``inst`` (optimizer.decompose.parts), solve the parts, merge one plan.

    ``cut`` ("bisect" or "louvain") is how a component above ``max_cells`` is cut.
    ``time_limit_s`` is for the whole run: the parts share it in proportion to their cells.
    ``seconds_per_1000_cells`` instead gives each part solve a limit of its own (the same
    work whatever the number of workers: the benchmark's speed-up measure).
    ``work`` instead shares a work limit (optimizer.solve.solve) among the parts by their
    cells: a run that does not depend on the machine.
    ``workers`` / ``scheduler`` run the parts on Dask (optimizer.decompose.run); otherwise
    they run one after another in this process. Returns a Solution whose summary has a valid
    ``bound`` (or ``None`` with ``bound_note``) and ``decomposition`` details.
    """
    from ..solve import package_version
    from ..solve.highs import highs_version
    say = progress or (lambda msg: None)
    kind = objective or inst.objective
    t_wall = time.perf_counter()
    PEAKS.clear()
    say("split")
    sp: Split = split(inst, kind, max_cells=max_cells, seed=seed or 0, cut=cut)
    W = max(workers or 1, 1)
    if W > 1 or scheduler:
        threads = 1  # one HiGHS thread per worker
    common = dict(solver=solver, baseline=baseline)
    dc = [p for p in sp.parts if p.kind == "datacentre"]
    radio = [p for p in sp.parts if p.kind == "radio"]
    budget = None
    if time_limit_s is not None:
        # the parts get PARTS_SHARE of the time left after the split; the rest covers their
        # overruns (model builds, flow LPs) and the merge (100,244 cells: docs/performance.md)
        budget = max(PARTS_SHARE * (time_limit_s - (time.perf_counter() - t_wall)), 1.0)
    # a part solve's share of the budget is its share of the cells to solve (small parts
    # count as 50 cells: their fixed costs of building and starting dominate)
    shared = shared_regions(inst, kind, sp.parts)
    joint = _joint_part(inst, dc, radio, shared)
    cells_work = sum(max(p.cells, 50) * (2 if (p.plan is not None or (
        p.kind == "radio" and set(p.instance.sites.region) & shared)) else 1)
        for p in radio)
    if dc and budget is not None:
        dc_time, budget = max(0.1 * budget, 1.0), max(0.9 * budget, 1.0)
    else:
        dc_time = None

    # one radio part solve (a data-centre part beside the whole radio part) runs here with
    # every worker for its polish; several share the workers on Dask
    single = len(radio) == 1 and radio[0].plan is None and scheduler is None

    clock = None

    def opts(cells, role="whole", name=None):
        if role == "part":  # a bound and a plan in one job
            cells *= 2
        if seconds_per_1000_cells is not None:
            tl = max(seconds_per_1000_cells * cells / 1000.0, 2.0)
        else:
            tl = None if clock is None else clock.start(name, max(cells, 50))
        extra = dict(common)
        if role in ("plan", "part"):  # the bound comes from the part's other version
            extra.update(baseline=baseline and sp.exact)
        pw = None
        if work is not None:  # the work shared like time: in proportion to the cells
            pw = max(int(work * max(cells, 50) / max(cells_work, 1)), 1)
        opt = dict(time_limit_s=None if pw is not None else tl, mip_gap=mip_gap, seed=seed,
                   threads=threads, explain=False, workers=W if single else 1,
                   max_part_cells=10**9, strategy="auto", work=pw, **extra)
        if role == "bound":
            opt = dict(time_limit_s=opt["time_limit_s"], work=pw)
        return opt

    bound_sols: dict[str, Solution] = {}
    plan_sols: dict[str, Solution] = {}
    failures: dict[str, str] = {}
    if dc:
        say("data centres")
        d = solve_part(dc[0].instance, kind, dict(time_limit_s=dc_time, mip_gap=mip_gap, seed=seed,
                                                  explain=False, strategy="monolithic", **common))
        bound_sols["datacentres"] = plan_sols["datacentres"] = d
    # every part with shared costs and full capacities (its bound is valid; where it has no
    # boundary cell it is also the part's plan), and the plan versions with shared capacities
    # regions whose renewables several parts share: the plans split what the data centres
    # left, in proportion to each part's cells there (the bound versions keep it all)
    plans = {p.name: p.plan for p in radio}
    if shared:
        from ..formulation.energy import renewable_kw
        R, T = len(inst.regions), inst.time.periods
        left = renewable_kw(inst).reshape(R, T)
        if "datacentres" in plan_sols and plan_sols["datacentres"].ok:
            left = np.maximum(left - plan_sols["datacentres"].tables["regions"].load_kw
                              .to_numpy(float).reshape(R, T), 0.0)
        for p in radio:
            if set(p.instance.sites.region) & shared:
                base = p.plan if p.plan is not None else p.instance
                plans[p.name] = replace(base, renewables=_renewables_share(inst, p, left, shared))
    # a part with a plan version: one job, the ascent on its shared-cost version (the
    # bound) guiding the plan version (guided_part); a part without one is solved whole,
    # bound and plan at once. The part joined to the data centres for the bound (its bound
    # job stands for both) makes its plan alone.
    jobs = []
    for p in radio:
        if plans[p.name] is None:
            jobs.append((p.name, "whole", p.instance, p.cells))
        elif joint and p.name == joint[0]:
            jobs.append((p.name, "plan", plans[p.name], p.cells))
        else:
            jobs.append((p.name, "part", (p.instance, plans[p.name]), p.cells))
    if joint:
        jobs.append(("joint", "bound", joint[1], joint[2]))
    jobs.sort(key=lambda j: -j[3])  # largest first: better packing on the workers
    say(f"{len(jobs)} part solves")
    if budget is not None:  # jobs run here one after another count as one worker
        clock = PartsClock(budget, 1 if single else W, cells_work)
    for (name, role, _, _), (sol, err) in zip(jobs, _run(jobs, kind, opts, 1 if single else W,
                                                         scheduler, say, clock)):
        if err is not None:
            failures[f"{name}/{role}"] = err
        elif role == "bound":
            bound_sols[name] = sol
        elif role == "whole":
            bound_sols[name] = plan_sols[name] = sol
        elif role == "part":
            plan_sols[name] = sol
            b = sol.summary.get("part_bound")
            obj = sol.summary.get("objective")
            if b is None:
                failures[f"{name}/bound"] = sol.summary.get("part_bound_error", "no bound")
            elif obj is not None and not b <= obj + 1e-6 * max(1.0, abs(obj)):
                # the plan version's plan is a plan of the bound version too: a bound above
                # it is a numerical failure of the ascent, not a bound
                failures[f"{name}/bound"] = f"its bound {b:.6g} is above its own plan {obj:.6g}"
            else:
                bound_sols[name] = Solution(summary=_part_summary(
                    "feasible", float(sol.summary.get("part_bound_seconds") or 0.0), b))
        else:
            plan_sols[name] = sol
    plan_failed = any(not k.endswith("/bound") for k in failures)
    if radio and not plan_failed and all(p.name in plan_sols and plan_sols[p.name].ok
                                         for p in radio):
        over = _overloaded(inst, [plan_sols[p.name] for p in radio])
        if over:  # cannot happen: shared capacities sum to the capacity
            failures["merge"] = f"{len(over)} boundary cells overloaded by the union of the parts"
    sol = _merge(inst, kind, sp, radio, bound_sols, plan_sols, failures, t_wall,
                 package_version(), highs_version(), joined=joint[0] if joint else None)
    sol.summary["seed"] = seed or 0
    sol.summary.setdefault("periods", inst.time.periods)
    sol.summary.setdefault("period_hours", inst.time.period_hours)
    return sol


def _joint_part(inst: Instance, dc: list, radio: list, shared: set):
    """Where the data centres and radio parts share renewables, the sum of the parts'
    bounds lets each use all of them. The largest radio part that shares them, joined to
    the data centres, has a dual that prices both at the same multipliers
    (optimizer.decompose.dcdual); its bound job stands for that part's and the data
    centres' bounds. (its name, that instance, its cells), or None."""
    if not dc or not shared:
        return None
    dc_regions = set(inst.datacentres.region) | set(inst.compute.region)
    users = [p for p in radio if set(p.instance.sites.region) & shared & dc_regions]
    if not users:
        return None
    p = max(users, key=lambda q: q.cells)
    from ..instance.model import DATACENTRE_FIELDS
    both = replace(p.instance, name=f"{p.instance.name}+datacentres",
                   **{f: getattr(inst, f) for f in DATACENTRE_FIELDS})
    return p.name, both, p.cells


def _renewables_share(inst: Instance, part, left: np.ndarray, shared: set) -> pd.DataFrame:
    """Renewables for a part's plan: its cells' share of ``left`` in shared regions (boundary
    cells by their cost shares, so the parts' shares add up to one), the whole supply elsewhere."""
    site_reg = inst.sites.set_index("site").region
    tot = inst.cells.site.map(site_reg).value_counts()
    cells = part.instance.cells
    mine = pd.Series(part.shares.reindex(cells.cell).to_numpy(float)).groupby(
        cells.site.map(site_reg).to_numpy()).sum()
    regions = inst.regions.region
    share = np.where(regions.isin(shared), (mine / tot).reindex(regions).fillna(0.0), 1.0)
    T, R = inst.time.periods, len(regions)
    from ..formulation.energy import renewable_kw
    full = renewable_kw(inst).reshape(R, T)
    vals = np.where(regions.isin(shared).to_numpy()[:, None], left * share[:, None], full)
    df = pd.DataFrame({"region": np.repeat(regions.to_numpy(), T), "period": np.tile(np.arange(T), R),
                       "renewable_kw": vals.reshape(-1)})
    return df[df.renewable_kw > 0].reset_index(drop=True)


def _overloaded(inst, sols) -> set:
    """Cells whose summed load over the parts exceeds their capacity in some period."""
    loads = pd.concat([s.tables["cells"][["cell", "period", "load_mbps"]] for s in sols])
    tot = loads.groupby(["cell", "period"]).load_mbps.sum().groupby(level=0).max()
    cap = inst.cells.set_index("cell").capacity_mbps.reindex(tot.index)
    return set(tot.index[(tot > cap * (1 + 1e-7) + 1e-6).to_numpy()])


ROLES = {"bound": bound_part, "plan": plan_part, "whole": solve_part, "part": guided_part}


class PartsClock:
    """The parts' time, handed out as each job starts: the worker-seconds left until the
    parts' end, less what the running jobs still hold, shared by the jobs not yet started
    in proportion to their work (cells). A job that ends early leaves its time to the jobs
    after it (with limits fixed in advance, 100,244 cells used 1,575 s of 1,800)."""

    def __init__(self, seconds: float, workers: int, work: float):
        self.end = time.perf_counter() + seconds
        self.workers = workers
        self.left = float(work)  # work of the jobs not yet started
        self.started: set = set()
        self.running: dict = {}  # job -> when its limit runs out

    def start(self, name, work: float) -> float:
        now = time.perf_counter()
        self.running.pop(name, None)  # a retry hands its old time back
        if name not in self.started:
            self.started.add(name)
            self.left -= work
        held = sum(max(e - now, 0.0) for e in self.running.values())
        free = max(self.workers * (self.end - now) - held, 0.0)
        tl = max(min(free * work / max(self.left + work, work), self.end - now), 1.0)
        self.running[name] = now + tl
        return tl

    def done(self, name) -> None:
        self.running.pop(name, None)


def _run(jobs, kind, opts, workers, scheduler, progress, clock=None):
    """Run the part solves: on Dask when asked, else here (each job's options made as it
    starts, for ``clock``). Returns [(Solution, error)]."""
    if (workers and workers > 1) or scheduler:
        from .run import Task, run_tasks

        def at_start(n, r, i, c):
            return lambda: (i, kind, opts(c, r, f"{n}/{r}"))

        def finished(name, status):
            if clock is not None:
                clock.done(name)
            progress(f"{name}: {status}")

        tasks = [Task(f"{n}/{r}", ROLES[r], at_start=at_start(n, r, i, c)) for n, r, i, c in jobs]
        # a scheduler that cannot be used raises RunError (one line, for the caller)
        res = run_tasks(tasks, workers=workers, scheduler=scheduler, progress=finished)
        out = []
        for t in tasks:
            tr = res[t.name]
            if tr.ok and tr.value is not None:
                tr.value.summary["worker_peak_mb"] = getattr(tr, "peak_mb", None)
                tr.value.summary["worker"] = tr.worker
            out.append((tr.value, None) if tr.ok else (None, tr.error or "failed"))
        PEAKS.update(getattr(res, "workers", {}) or {})
        return out
    out = []
    for n, r, i, c in jobs:
        progress(f"{n}/{r}")
        try:
            out.append((ROLES[r](i, kind, opts(c, r, f"{n}/{r}")), None))
        except Exception as e:  # noqa: BLE001 - a failed part is reported by name
            out.append((None, f"{type(e).__name__}: {e}"))
        if clock is not None:
            clock.done(f"{n}/{r}")
    return out


def _merge(inst, kind, sp, radio, bound_sols, plan_sols, failures, t_wall, pkg, hv,
           joined: str | None = None) -> Solution:
    from ..solve.extract import _report_tables
    T = inst.time.periods
    summary: dict = {"instance": inst.name, "objective_kind": kind}
    statuses = {f"{k}/bound": v.status for k, v in bound_sols.items()}
    statuses.update({f"{k}/plan": v.status for k, v in plan_sols.items()})
    sols = [plan_sols.get(p.name) for p in radio]
    missing = [p.name for p, s in zip(radio, sols) if s is None or not s.ok]
    dcs = plan_sols.get("datacentres")
    dc_ok = dcs is None or dcs.ok
    tables: dict = {}
    extra: dict = {}
    # a part whose bound solve alone failed still has its plan: only the bound is lost
    plan_failures = {k: v for k, v in failures.items() if not k.endswith("/bound")}
    if missing or not dc_ok or plan_failures:
        why = "; ".join([f"{k}: {v}" for k, v in plan_failures.items()]
                        + [f"{n}: {plan_sols[n].status if n in plan_sols else 'not solved'}"
                           for n in missing if not any(k.startswith(n + "/") for k in failures)]
                        + ([] if dc_ok else [f"datacentres: {dcs.status}"]))
        status = "infeasible" if any(v == "infeasible" for v in statuses.values()) else "error"
        summary.update(status=status, objective=None, bound=None, mip_gap=None,
                       solver_message=f"parts without a plan: {why}")
        for k in KINDS.values():
            summary[k] = None
        # the parts that found a plan keep it: their cells and areas are written, the rest
        # of the instance is not (there is no whole plan to account for)
        done = [p.name for p, sol in zip(radio, sols) if sol is not None and sol.ok]
        if done:
            tables["cells"] = pd.concat([plan_sols[n].tables["cells"] for n in done],
                                        ignore_index=True)
            tables["areas"] = pd.concat([plan_sols[n].tables["areas"] for n in done],
                                        ignore_index=True)
        if dcs is not None and dcs.ok:
            tables["dcs"], tables["assignments"] = dcs.tables["dcs"], dcs.tables["assignments"]
        extra["parts_with_a_plan"] = done + (["datacentres"] if dcs is not None and dcs.ok else [])
        return Solution(summary=_finish(summary, inst, sp, statuses, failures, t_wall, pkg, hv,
                                        [*bound_sols.values(), *plan_sols.values()], extra),
                        tables=tables, log=_logs(bound_sols, plan_sols))
    cells = None
    if radio:
        cells = pd.concat([s.tables["cells"][["cell", "period", "built", "awake", "load_mbps"]]
                           for s in sols])
        cells = cells.groupby(["cell", "period"], as_index=False).agg(
            built=("built", "max"), awake=("awake", "max"), load_mbps=("load_mbps", "sum"))
        if inst.ran.max_wakeups is not None:
            cells = _cap_wakeups(cells, T, inst.ran.max_wakeups)
    dc_load = dc_sub = None
    if dcs is not None:
        dc_load = dcs.tables["regions"].load_kw.to_numpy(float).reshape(len(inst.regions), T)
        h = dcs.tables["hourly"]
        dc_sub = {"dc": h.dc_kw.to_numpy(float), "transport": h.transport_kw.to_numpy(float)}
        tables["dcs"] = dcs.tables["dcs"]
        tables["assignments"] = dcs.tables["assignments"]
    ev = account(inst, cells, dc_load, dc_sub)
    if cells is not None:
        c = ev["cells_sorted"]
        tables["cells"] = pd.DataFrame({"cell": c.cell, "period": c.period, "built": c.built.astype(int),
                                        "awake": c.awake.astype(int), "load_mbps": c.load_mbps,
                                        "power_w": ev["power_w"]})
        tables["areas"] = _areas(inst, c, sols)
    R = len(inst.regions)
    tables["regions"] = pd.DataFrame({
        "region": np.repeat(inst.regions.region.to_numpy(), T), "period": np.tile(np.arange(T), R),
        "load_kw": ev["load_kw"].reshape(-1), "green_kw": ev["green_kw"].reshape(-1),
        "grid_kw": ev["grid_kw"].reshape(-1)})
    tables.update(_report_tables(inst, tables, ev))
    obj = ev[KINDS[kind]]
    pen = inst.ran.unserved_penalty_kwh_per_mbps_h if radio else None
    if pen and tables["areas"].unserved_mbps.sum() > 0:
        # the objective's penalty on unserved traffic (formulation/radio.py), priced as a kWh
        # of grid energy in the area's region (formulation/energy.py)
        from ..formulation.energy import region_factor
        a = tables["areas"]
        hw = inst.time.period_hours * inst.time.weight
        rpos = pd.Series(np.arange(len(inst.regions)), index=inst.regions.region.to_numpy())
        reg = rpos[inst.areas.set_index("area").region.reindex(a.area).to_numpy()].to_numpy()
        obj += float((a.unserved_mbps.to_numpy(float) * pen * hw
                      * region_factor(inst, kind)[reg]).sum())
        extra["unserved_mbps_h"] = float(a.unserved_mbps.sum() * hw)
    # bound: the sum of the parts' bounds (each from the shared-cost, full-capacity version)
    # (with a joint job: the joined radio part and the data centres are its one bound)
    bounds, nob = [], []
    names = [p.name for p in radio] + (["datacentres"] if dcs is not None else [])
    if joined is not None:
        names = [n for n in names if n not in (joined, "datacentres")] + ["joint"]
    for name in names:
        b = bound_sols[name].summary.get("bound") if name in bound_sols else None
        if b is not None:
            bounds.append(b)
        else:
            why = failures.get(f"{name}/bound")
            nob.append(f"{name} (its bound solve failed: {why})" if why else name)
    bound = float(sum(bounds)) if not nob else None
    gap = max(obj - bound, 0.0) / max(abs(obj), 1e-10) if bound is not None else None
    all_opt = all(s.summary["status"] == "optimal" for s in [*bound_sols.values(), *plan_sols.values()])
    status = "optimal" if (sp.exact and all_opt) else "feasible"
    summary.update(status=status, objective=obj, bound=bound, mip_gap=gap)
    if bound is None:
        summary["bound_note"] = f"no bound from: {', '.join(nob)}"
    for k in ("energy_kwh", "grid_energy_kwh", "carbon_t", "cost_cny", "renewable_share"):
        summary[k] = ev[k]
    subs = ev["by_subsystem_kwh"]
    summary.update(ran_energy_kwh=subs["ran"] if inst.has_radio else 0.0, dc_energy_kwh=subs["dc"],
                   transport_energy_kwh=subs["transport"], embodied_kwh=ev["embodied_kwh"])
    if cells is not None:
        first = tables["cells"][tables["cells"].period == 0].set_index("cell").built
        st = inst.cells.set_index("cell").status.reindex(first.index)
        summary["cells_built"] = int(((first > 0) & (st == "candidate")).sum())
        summary["cells_retired"] = int(((first == 0) & (st == "existing")).sum())
    else:
        summary["cells_built"] = summary["cells_retired"] = 0
    summary["dcs_open"] = int(dcs.summary.get("dcs_open") or 0) if dcs is not None else 0
    # baselines: additive over the parts of an exact split
    def total(vals):
        return float(sum(vals)) if vals and all(v is not None for v in vals) else None

    r_sq = total([s.summary.get("baseline_energy_kwh") for s in sols]) if radio else 0.0
    r_thr = total([s.summary.get("threshold_energy_kwh") for s in sols]) if radio else None
    d_sq = dcs.summary.get("baseline_energy_kwh") if dcs is not None else 0.0
    d_near = dcs.summary.get("nearest_dc_energy_kwh") if dcs is not None else None
    combos = {"baseline_energy_kwh": (r_sq, d_sq), "threshold_energy_kwh": (r_thr, d_sq),
              "nearest_dc_energy_kwh": (r_sq, d_near)}
    pcts = {"baseline_energy_kwh": "savings_pct", "threshold_energy_kwh": "threshold_savings_pct",
            "nearest_dc_energy_kwh": "nearest_dc_savings_pct"}
    names = {"baseline_energy_kwh": "status_quo", "threshold_energy_kwh": "threshold_sleep",
             "nearest_dc_energy_kwh": "nearest_dc"}
    nested = {}
    for key, (r_v, d_v) in combos.items():
        tot = r_v + d_v if (sp.exact and r_v is not None and d_v is not None) else None
        summary[key] = tot
        summary[pcts[key]] = 100.0 * (tot - ev["energy_kwh"]) / tot if tot else None
        if tot is not None and (key != "threshold_energy_kwh" or radio) and (
                key != "nearest_dc_energy_kwh" or dcs is not None):
            # energy adds up over the parts of an exact split; grid energy, carbon and cost
            # need each region's whole load (parts may share a region's renewables)
            nested[names[key]] = {"energy_kwh": tot, "grid_energy_kwh": None, "carbon_t": None,
                                  "cost_cny": None, "savings_pct": summary[pcts[key]],
                                  "status": "ok", "note": "summed over the parts (energy only)"}
    summary["baselines"] = nested
    if not sp.exact:
        summary["baseline_note"] = ("baselines are not evaluated for a split that is not exact "
                                    f"({sp.reason})")
    n = len(bound_sols) + sum(1 for k in plan_sols if plan_sols[k] is not bound_sols.get(k))
    summary["solver_message"] = f"{n} part solves merged ({sp.method})"
    summary.update(extra)
    if radio and inst.ran.max_new_cells is not None and summary["cells_built"] > inst.ran.max_new_cells:
        summary.update(status="error", solver_message=(
            f"the parts built {summary['cells_built']} new cells, more than max_new_cells "
            f"= {inst.ran.max_new_cells} (their forced candidates)"))
    # the parts' own objectives (boundary cells at their cost shares) against the merged
    # plan: the difference is what the seams cost, where a boundary cell is awake in only
    # some of its parts and the union pays all of it
    seams = {"parts_plan_sum": total([s.summary.get("objective") for s in sols]) if radio else None}
    return Solution(summary=_finish(summary, inst, sp, statuses, failures, t_wall, pkg, hv,
                                    [*bound_sols.values(), *plan_sols.values()], seams),
                    tables=tables, log=_logs(bound_sols, plan_sols))


def _logs(bound_sols: dict, plan_sols: dict) -> str:
    """The part solves' solver logs, each under a header naming it."""
    out = []
    for role, sols in (("bound", bound_sols), ("plan", plan_sols)):
        for name, sol in sols.items():
            if sol is not None and (role == "bound" or sol is not bound_sols.get(name)):
                out.append(f"# ---- {name}/{role} ({sol.status})\n{sol.log or ''}")
    return "\n".join(out)


def _finish(summary, inst, sp, statuses, failures, t_wall, pkg, hv, sols, extra):
    uniq = list({id(s): s for s in sols if s is not None}.values())
    solve_s = sum(float(s.summary.get("solve_seconds") or 0) for s in uniq)
    build_s = sum(float(s.summary.get("build_seconds") or 0) for s in uniq)
    summary.update({
        "solve_seconds": round(solve_s, 4), "build_seconds": round(build_s, 4),
        "wall_seconds": round(time.perf_counter() - t_wall, 4),
        "solver": next((s.summary.get("solver") for s in uniq if s.summary.get("solver")), "highs"),
        "solver_version": next((s.summary.get("solver_version") for s in uniq
                                if s.summary.get("solver_version")), hv),
        "package_version": pkg,
        "strategy": "parts",
        "decomposition": {"method": sp.method, "parts": len(sp.parts), "exact": sp.exact,
                          "reason": sp.reason, "split_seconds": round(sp.graph_seconds, 4),
                          "notes": sp.notes, "statuses": statuses, "failures": failures,
                          "part_cells": {p.name: p.cells for p in sp.parts},
                          "task_peak_mb": max([float(s.summary.get("worker_peak_mb") or 0.0)
                                               for s in uniq] or [0.0]),
                          "worker_peak_mb": dict(PEAKS), **extra},
        "warnings": list(inst.warnings),
    })
    for k in ("cells_built", "cells_retired", "dcs_open", "ran_energy_kwh", "dc_energy_kwh",
              "transport_energy_kwh", "renewable_share", "baseline_energy_kwh", "savings_pct",
              "periods_seconds", "periods_bound", "periods_objective", "periods_statuses"):
        summary.setdefault(k, None)
    # the keys of a monolithic summary, from the part solves (docs/decomposition.md)
    for k in ("handoff_seconds", "extract_seconds", "baseline_seconds", "periods_solver_seconds"):
        summary.setdefault(k, round(sum(float(s.summary.get(k) or 0) for s in uniq), 4))
    summary.setdefault("solver_options", next((s.summary.get("solver_options") for s in uniq
                                               if s.summary.get("solver_options")), {}))
    summary.setdefault("diagnosis", [])
    summary.setdefault("baselines", {})
    from ..solve import input_hash
    summary.setdefault("input_sha256", input_hash(inst))
    return summary


def _cap_wakeups(cells: pd.DataFrame, T: int, limit: int) -> pd.DataFrame:
    """A cell whose union schedule wakes more than ``limit`` times stays awake while built."""
    c = cells.sort_values(["cell", "period"]).reset_index(drop=True)
    a = c.awake.to_numpy().reshape(-1, T).copy()  # pandas' arrays may be read-only
    b = c.built.to_numpy().reshape(-1, T)
    wakes = np.maximum(a - np.roll(a, 1, axis=1), 0).sum(axis=1)
    over = wakes > limit
    a[over] = b[over]
    c["awake"] = a.reshape(-1)
    return c


def _areas(inst, c, plan_sols) -> pd.DataFrame:
    areas = pd.concat([s.tables["areas"] for s in plan_sols]).drop_duplicates(["area", "period"])
    awake = c[c.awake > 0][["cell", "period"]]
    n = (inst.coverage[["cell", "area"]].merge(awake, on="cell").groupby(["area", "period"]).size()
         .rename("n"))
    areas = areas.drop(columns="awake_cells").merge(n.reset_index(), on=["area", "period"], how="left")
    areas["awake_cells"] = areas.n.fillna(0).astype(int)
    order = pd.Series(np.arange(len(inst.areas)), index=inst.areas.area)
    areas = areas.assign(_o=areas.area.map(order)).sort_values(["_o", "period"]).drop(columns=["_o", "n"])
    return areas.reset_index(drop=True)[["area", "period", "demand_mbps", "served_mbps",
                                         "unserved_mbps", "awake_cells"]]
