"""Solving a base instance and scenarios side by side: ``compare`` and comparison.csv.

Every run is a task of optimizer.decompose.run: on a local Dask cluster of worker processes,
on an existing Dask cluster (``scheduler``) or, with one worker, in this process. The task
reads its instance from the file paths (no Pyomo object crosses processes), solves it with
``optimizer.solve``, writes its results folder ``OUT/<slug>/`` and returns its row. A run that
fails (invalid scenario, infeasible, solver error, an exception, a worker that died on every
attempt) is recorded in its row and never stops the others.
"""
from __future__ import annotations

import json
import math
import numbers
import os
import shutil
import time
from pathlib import Path

import pandas as pd

from .scenario import ScenarioError, is_scenario_file, read_scenario, slugify

LEAD = ("scenario", "source", "status", "message", "results")
OK = ("optimal", "feasible")
KEY_COLUMNS = ("energy_kwh", "carbon_t", "cost_cny", "savings_pct")


def _plain(v):
    """A summary value as a plain Python scalar (numpy scalars unwrapped)."""
    import numpy as np
    return v.item() if isinstance(v, np.generic) else v


def _scalar(v) -> bool:
    return v is None or isinstance(v, (bool, str, numbers.Real))


def _numeric(v) -> bool:
    return (isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v))


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _as_given(text: str, job: dict) -> str:
    """``text`` with the absolute paths a task was given written as the caller gave them."""
    for path, given in sorted(job.get("as_given", {}).items(), key=lambda kv: -len(kv[0])):
        text = text.replace(path, given)
    return text


def _for_task(job: dict) -> dict:
    """The job with absolute paths (a worker may run in another folder), and how each was
    given, for the messages."""
    task = dict(job, as_given={})
    for key in ("source", "base", "out"):
        if task.get(key):
            task[key] = os.path.abspath(job[key])
            task["as_given"][task[key]] = job[key]
    return task


def _run_one(job: dict) -> dict:
    """Load, solve and write one run (a task: on a Dask worker, or here). Returns a plain
    row dict."""
    t0 = time.perf_counter()
    row = {"status": "error", "message": "", "results": "", "summary": {}}
    try:
        from ..instance import InstanceError
        from .scenario import load_any
        try:
            inst = load_any(job["source"], job.get("base"))
        except InstanceError as e:
            first = e.problems[0] if e.problems else "invalid"
            more = f" (+{len(e.problems) - 1} more)" if len(e.problems) > 1 else ""
            row.update(status="invalid", message=_one_line(first + more))
            return row
        from ..solve import solve
        opts = job["options"]
        sol = solve(inst, objective=opts.get("objective"), time_limit_s=opts.get("time_limit_s"),
                    mip_gap=opts.get("mip_gap"), threads=opts.get("threads"),
                    seed=opts.get("seed"), work=opts.get("work"))
        s = sol.summary
        if not (s["status"] == "error" and not sol.ok):
            sol.write(Path(job["out"]) / job["slug"], tuple(opts.get("formats") or ("csv",)),
                      instance=inst)
            row["results"] = job["slug"]
        row["status"] = s["status"]
        row["summary"] = {k: _plain(v) for k, v in s.items() if _scalar(_plain(v))}
        if s["status"] == "infeasible":
            why = "; ".join(sol.diagnosis[:3]) if sol.diagnosis else "no plan meets every constraint"
            more = f" (+{len(sol.diagnosis) - 3} more)" if len(sol.diagnosis) > 3 else ""
            row["message"] = _one_line(f"infeasible: {why}{more}")
        elif s["status"] == "time_limit_no_solution":
            row["message"] = "no plan found within the time limit"
        elif s["status"] not in OK:
            row["message"] = _one_line(f"{s['status']}: {s.get('solver_message') or ''}")
        elif s["status"] == "feasible" and s.get("mip_gap") is not None:
            row["message"] = f"stopped at a gap of {s['mip_gap'] * 100:.3g} %"
    except Exception as e:  # noqa: BLE001 - a run's failure is recorded in its row
        row.update(status="error", message=_one_line(f"{type(e).__name__}: {e}"))
    finally:
        row["message"] = _as_given(row["message"], job)
        row["seconds"] = round(time.perf_counter() - t0, 3)
    return row


def _jobs(base, scenarios, out: Path, options: dict) -> tuple[list[dict], list[dict]]:
    """(jobs to run, rows known before running: scenario files that cannot be read)."""
    jobs, rows = [], []
    used: set[str] = set()

    def unique(slug: str) -> str:
        s, i = slug, 2
        while s in used:
            s, i = f"{slug}-{i}", i + 1
        used.add(s)
        return s

    entries = [("base", Path(base), None)]
    for path in scenarios:
        path = Path(path)
        name, problem = path.stem, None
        if is_scenario_file(path):
            try:
                name = read_scenario(path).name
            except ScenarioError as e:
                problem = e.problems
        entries.append((name, path, problem))
    for i, (name, path, problem) in enumerate(entries):
        slug = unique(slugify(name) if i else "base")
        job = dict(index=i, scenario=name, source=str(path), slug=slug, out=str(out),
                   base=str(base) if i else None, options=options)
        if problem is not None:
            more = f" (+{len(problem) - 1} more)" if len(problem) > 1 else ""
            rows.append({**job, "status": "invalid", "message": _one_line(problem[0] + more),
                         "results": "", "summary": {}, "seconds": 0.0})
        else:
            jobs.append(job)
    return jobs, rows


def compare(base, scenarios, out, *, objective: str | None = None,
            time_limit_s: float | None = None, mip_gap: float | None = None,
            threads: int | None = None, seed: int | None = None,
            formats: tuple[str, ...] = ("csv",), workers: int | None = None,
            scheduler: str | None = None, progress=None, work: int | None = None) -> pd.DataFrame:
    """Solve ``base`` (an instance folder or scenario file) and each scenario file, in
    parallel processes, and write ``out/comparison.csv`` and ``out/comparison.json``.

    A scenario file without a ``base`` of its own is applied to ``base``. Each run's results
    folder is ``out/<slug>/`` (the base's is ``out/base/``). ``workers`` processes of a local
    Dask cluster (default min(2, runs); 1 solves here, one run after the other), or the
    workers of the Dask cluster at ``scheduler`` ("tcp://host:port"; they must see the same
    files), each solve with ``threads`` (default 1 when several workers run). A run whose
    worker process dies is run again, up to twice (docs/distributed.md).
    ``work`` limits each run by work units instead of seconds (optimizer.solve.solve): the
    runs then differ by their inputs alone, not by the machine's load.
    ``progress(row, done, total)`` is called as each run finishes. Returns the comparison
    table, one row per run in the order given, the base first. A script that calls this
    must guard its entry point with ``if __name__ == "__main__":`` (spawned processes).
    Raises optimizer.decompose.run.RunError when the scheduler cannot be used.
    """
    out = Path(out)
    from ..solution import check_out, put_folder, tmp_folder
    check_out(out, "comparison.csv")
    # the runs are written into a folder beside ``out``, renamed into place when all are
    # done: a re-run replaces the older comparison whole (no run folder of it stays behind)
    tmp = tmp_folder(out)
    try:
        table = _compare(base, scenarios, tmp, objective=objective, time_limit_s=time_limit_s,
                         mip_gap=mip_gap, threads=threads, seed=seed, formats=formats,
                         workers=workers, scheduler=scheduler, progress=progress, work=work)
        put_folder(tmp, out, "comparison.csv")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return table


def _compare(base, scenarios, out: Path, *, objective, time_limit_s, mip_gap, threads, seed,
             formats, workers, scheduler, progress, work=None) -> pd.DataFrame:
    """:func:`compare` into the folder ``out``."""
    n = 1 + len(scenarios)
    workers = max(1, min(workers or min(2, n), n))
    if threads is None and (workers > 1 or scheduler):
        threads = 1
    options = dict(objective=objective, time_limit_s=time_limit_s, mip_gap=mip_gap,
                   threads=threads, seed=seed, formats=list(formats), work=work)
    jobs, rows = _jobs(base, scenarios, out, options)
    done = 0
    for r in rows:
        done += 1
        if progress:
            progress(r, done, n)
    if jobs:
        from ..decompose.run import Task, run_tasks
        by_slug = {job["slug"]: job for job in jobs}

        def finished(res) -> None:
            nonlocal done
            if res.ok:
                row = {**by_slug[res.name], **res.value}
            else:  # the task itself failed: its worker died on every attempt
                row = {**by_slug[res.name], "status": "error", "results": "", "summary": {},
                       "seconds": round(res.seconds, 3),
                       "message": _one_line(f"the run failed: {res.error}")}
            rows.append(row)
            done += 1
            if progress:
                progress(row, done, n)

        run_tasks([Task(job["slug"], _run_one, (_for_task(job),)) for job in jobs],
                  workers=min(workers, len(jobs)), scheduler=scheduler, on_result=finished)
    rows.sort(key=lambda r: r["index"])
    table = comparison_table(rows)
    write_comparison(table, out, options)
    return table


#: the KPIs whose difference from the first row means something (not seeds or seconds)
DIFF_KEYS = ("objective", "bound", "energy_kwh", "grid_energy_kwh", "carbon_t", "cost_cny",
             "renewable_share", "savings_pct", "ran_energy_kwh", "dc_energy_kwh",
             "transport_energy_kwh", "cells_built", "cells_retired", "dcs_open")


def comparison_table(rows: list[dict]) -> pd.DataFrame:
    """One row per run: LEAD columns, every scalar KPI of the summaries (SUMMARY_KEYS order
    first, then any other in order of appearance), and for every KPI of DIFF_KEYS
    ``<kpi>_vs_first`` (value minus the first row's) and ``<kpi>_vs_first_pct`` (that in per
    cent of the first row's); empty when either is missing.

    The objective's difference carries its uncertainty: each run's plan lies between its
    bound and its objective, so the true difference of the optima lies in
    [bound - first's objective, objective - first's bound] (``objective_vs_first_low`` and
    ``_high``); ``difference_resolved`` is False when that interval holds zero (the runs'
    limits do not tell the two apart). Runs under different objectives are not compared."""
    from ..solution import SUMMARY_KEYS
    keys: list[str] = [k for k in SUMMARY_KEYS if k not in LEAD]
    for r in rows:
        for k in r["summary"]:
            if k not in keys and k not in LEAD:
                keys.append(k)
    data = []
    for r in rows:
        d = {"scenario": r["scenario"], "source": r["source"], "status": r["status"],
             "message": r.get("message", ""), "results": r.get("results", "")}
        for k in keys:
            d[k] = r["summary"].get(k)
        data.append(d)
    numeric = [k for k in DIFF_KEYS if k in keys
               and any(_numeric(d[k]) for d in data)
               and all(d[k] is None or _numeric(d[k]) for d in data)]
    first = data[0] if data else {}
    for d in data:
        for k in numeric:
            a, b = d.get(k), first.get(k)
            ok = _numeric(a) and _numeric(b)
            d[f"{k}_vs_first"] = a - b if ok else None
            d[f"{k}_vs_first_pct"] = 100.0 * (a - b) / abs(b) if ok and b != 0 else None
        same = (d.get("objective_kind") == first.get("objective_kind")
                and d.get("status") in OK and first.get("status") in OK)
        lo = hi = None
        if d is not first and same and all(_numeric(x) for x in (d.get("objective"),
                                                                first.get("objective"))):
            obj, fobj = d["objective"], first["objective"]
            bnd = d.get("bound") if _numeric(d.get("bound")) else None
            fbnd = first.get("bound") if _numeric(first.get("bound")) else None
            lo = (bnd - fobj) if bnd is not None else None
            hi = (obj - fbnd) if fbnd is not None else None
        d["objective_vs_first_low"], d["objective_vs_first_high"] = lo, hi
        if d is first or not same:
            d["difference_resolved"] = None
        elif lo is None or hi is None:
            d["difference_resolved"] = False  # without a bound nothing is proven
        else:
            scale = max(abs(first["objective"]), 1.0)
            d["difference_resolved"] = bool(lo > 1e-9 * scale or hi < -1e-9 * scale)
    cols = list(LEAD) + keys + [f"{k}_vs_first{p}" for k in numeric for p in ("", "_pct")] \
        + ["objective_vs_first_low", "objective_vs_first_high", "difference_resolved"]
    return pd.DataFrame(data, columns=cols)


def write_comparison(table: pd.DataFrame, out: Path, options: dict | None = None) -> None:
    """``out/comparison.csv`` and ``out/comparison.json`` (``out`` is the folder that
    :func:`compare` renames into place whole)."""
    (out / "comparison.csv").write_text(table.to_csv(index=False, float_format="%.10g"),
                                        encoding="utf-8")
    rows = [{k: (None if isinstance(v, float) and not math.isfinite(v) else v)
             for k, v in rec.items()} for rec in table.astype(object).where(table.notna(), None)
            .to_dict(orient="records")]
    doc = {"order": list(table.scenario), "columns": list(table.columns), "rows": rows,
           "options": {k: v for k, v in (options or {}).items()}}
    (out / "comparison.json").write_text(json.dumps(doc, indent=1, default=str) + "\n",
                                         encoding="utf-8")


def failed(table: pd.DataFrame) -> pd.DataFrame:
    """The rows whose run found no plan (or could not run)."""
    return table[~table.status.isin(OK)]
