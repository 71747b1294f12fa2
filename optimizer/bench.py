"""Benchmark: the gap each instance size reaches in a limit, and where the time goes.

``run_bench(sizes, out)`` generates (or reuses) a seeded synthetic city per size, then runs
each instance in a fresh Python process (so that peak memory is that one's alone) with a
time limit, or a work limit (``work``: the same run on any machine), and records its plan,
bound and gap and how the wall time splits: the dual ascent, HiGHS in the main process
(LPs pricing and repairing plans, a joint search), HiGHS in the worker processes (the
polish; summed over them, so it may exceed the wall time), and everything else in the main
process (local search, tables, baselines). It writes ``out/bench.json`` (every figure and
the versions) and ``out/bench.md`` and returns the rows. docs/performance.md keeps them.
"""
from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MILAN = ROOT / "instances" / "milan"

KEYS = ("label", "instance", "sites", "cells", "areas", "links", "periods", "workers",
        "time_limit_s", "work", "status", "objective_kind", "objective", "bound", "gap",
        "savings_pct",
        "dual_iterations", "load_seconds", "wall_seconds", "dual_seconds", "highs_seconds",
        "highs_main_seconds", "highs_worker_seconds", "other_seconds", "write_seconds",
        "peak_mb", "worker_peak_mb", "error")


def _say(msg: str) -> None:
    print(f"netopt bench: {msg}", file=sys.stderr, flush=True)


def _peak_mb() -> float:
    """Peak resident memory of this process image in MB (VmHWM; ru_maxrss as a fallback)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / (1024.0 * 1024.0) if sys.platform == "darwin" else kb / 1024.0


def measure(instance: str | Path, results: str | Path, *, mip_gap: float = 0.01,
            time_limit_s: float | None = 600, work: int | None = None,
            workers: int = 2) -> dict:
    """Load, solve and write one instance in this process; return its row (KEYS).

    Meant to run in a fresh process (see :func:`run_bench`) so that ``peak_mb`` is this
    instance's alone; ``worker_peak_mb`` is the largest finished child's (the polish)."""
    from . import load_instance, solve
    t0 = time.perf_counter()
    inst = load_instance(instance)
    load_seconds = time.perf_counter() - t0
    sol = solve(inst, mip_gap=mip_gap, time_limit_s=None if work else time_limit_s,
                work=work, workers=workers)
    s = sol.summary
    t0 = time.perf_counter()
    sol.write(Path(results))
    write_seconds = time.perf_counter() - t0
    info = inst.summary()
    tm = s.get("timing") or {}
    row = {k: None for k in KEYS}
    row.update(
        instance=inst.name, sites=info.get("sites"), cells=info.get("cells"),
        areas=info.get("areas"), links=info.get("coverage_links"), periods=info.get("periods"),
        workers=workers, time_limit_s=None if work else time_limit_s, work=work,
        status=s["status"], objective_kind=s.get("objective_kind"), objective=s["objective"],
        bound=s["bound"], gap=s["mip_gap"],
        savings_pct=s.get("savings_pct"), dual_iterations=s.get("dual_iterations"),
        load_seconds=load_seconds, wall_seconds=s.get("wall_seconds"),
        dual_seconds=tm.get("dual_seconds"), highs_seconds=tm.get("highs_seconds"),
        highs_main_seconds=tm.get("highs_main_seconds"),
        highs_worker_seconds=tm.get("highs_worker_seconds"),
        other_seconds=tm.get("other_seconds"), write_seconds=write_seconds,
        peak_mb=_peak_mb(),
        worker_peak_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0 or None)
    if s.get("strategy") == "parts":
        d = s.get("decomposition") or {}
        row["worker_peak_mb"] = max((d.get("worker_peak_mb") or {}).values(), default=None)
    return row


def _run_child(instance: Path, results: Path, row_file: Path, **opts) -> dict:
    args = json.dumps({"instance": str(instance), "results": str(results),
                       "row_file": str(row_file), **opts})
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    row_file.unlink(missing_ok=True)
    proc = subprocess.run([sys.executable, "-m", "optimizer.bench", args], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if proc.returncode == 0 and row_file.exists():
        return json.loads(row_file.read_text(encoding="utf-8"))
    row = {k: None for k in KEYS}
    row["instance"] = instance.name
    row["status"] = "error"
    tail = (proc.stderr or "").strip().splitlines()[-3:]
    row["error"] = f"exit {proc.returncode}: " + " | ".join(tail)
    return row


def run_bench(sizes, out, *, mip_gap: float = 0.01, time_limit_s: float | None = 600,
              work: int | None = None, milan: bool = False, seed: int = 0,
              workers: int = 2, instances: list | tuple = (), on_row=None) -> list[dict]:
    """Solve a generated city of each size in ``sizes`` (sites; about 2.25 cells each), and
    Milan if ``milan``, and every folder in ``instances``, each in a fresh process, with
    ``time_limit_s`` or (given) ``work``. Writes ``out/bench.json`` and ``out/bench.md``;
    ``on_row(row)`` is called as each finishes. Returns the rows (keys in :data:`KEYS`)."""
    from .instance.generate import generate_city

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    jobs: list[tuple[str, Path]] = []
    for n in sizes:
        n = int(n)
        folder = out / f"city-{n}"
        if (folder / "instance.toml").exists():
            _say(f"reusing {folder.name}")
        else:
            _say(f"generating {folder.name} ({n} sites, 24 hours, seed {seed})")
            generate_city(folder, sites=n, hours=24, seed=seed)
        jobs.append((f"city-{n}", folder))
    if milan:
        jobs.append(("milan", MILAN))
    for folder in instances:  # any instance folders, e.g. instances/milan-dc
        jobs.append((Path(folder).name, Path(folder).resolve()))
    rows: list[dict] = []
    limit = f"work {work}" if work else f"time limit {time_limit_s:g} s"
    for label, folder in jobs:
        _say(f"{label}: solving ({limit}, {workers} workers)")
        row = _run_child(folder, out / "results" / label, out / f".row-{label}.json",
                         mip_gap=mip_gap, time_limit_s=time_limit_s, work=work, workers=workers)
        row["label"] = label
        rows.append(row)
        if row.get("error"):
            _say(f"{label}: FAILED {row['error']}")
        if on_row is not None:
            on_row(row)
        _write(out, rows, mip_gap=mip_gap, time_limit_s=time_limit_s, work=work, seed=seed,
               workers=workers)
        (out / f".row-{label}.json").unlink(missing_ok=True)
    return rows


def _meta(**opts) -> dict:
    from importlib.metadata import PackageNotFoundError, version

    def v(p):
        try:
            return version(p)
        except PackageNotFoundError:
            return None
    return {"python": platform.python_version(), "pyomo": v("pyomo"), "highspy": v("highspy"),
            "numpy": v("numpy"), "netopt": v("netopt"), "cpus": os.cpu_count(),
            "machine": platform.machine(), **opts}


HEAD = ("instance", "cells", "limit", "status", "plan", "bound", "gap", "wall s", "dual s",
        "HiGHS s (main + workers)", "other s", "peak MB (main / worker)")


def table_rows(rows: list[dict]) -> list[list[str]]:
    """The bench's rows as strings, one list per instance, in the order of HEAD."""
    def num(x, nd=1):
        return "-" if x is None else f"{x:,.{nd}f}"

    from .units import quantity

    def sig(x, kind):  # four digits: a bench compares close numbers
        return "-" if x is None else quantity(kind or "energy", x, 4)
    out = []
    for r in rows:
        limit = f"work {r['work']:,}" if r.get("work") else (
            f"{r['time_limit_s']:g} s" if r.get("time_limit_s") else "none")
        out.append([
            str(r.get("label") or r.get("instance")), num(r.get("cells"), 0), limit,
            str(r.get("status")), sig(r.get("objective"), r.get("objective_kind")),
            sig(r.get("bound"), r.get("objective_kind")),
            "-" if r.get("gap") is None else f"{100 * r['gap']:.2f} %",
            num(r.get("wall_seconds")), num(r.get("dual_seconds")),
            f"{num(r.get('highs_main_seconds'))} + {num(r.get('highs_worker_seconds'))}",
            num(r.get("other_seconds")),
            f"{num(r.get('peak_mb'), 0)} / {num(r.get('worker_peak_mb'), 0)}"])
    return out


def markdown_table(rows: list[dict]) -> str:
    lines = ["| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)]
    lines += ["| " + " | ".join(r) + " |" for r in table_rows(rows)]
    return "\n".join(lines) + "\n"


def _write(out: Path, rows: list[dict], **opts) -> None:
    (out / "bench.json").write_text(json.dumps({"meta": _meta(**opts), "rows": rows}, indent=1)
                                    + "\n", encoding="utf-8")
    (out / "bench.md").write_text(
        "# netopt bench\n\n"
        "wall: the solve from the loaded instance to its Solution; dual: the dual ascent; "
        "HiGHS: in the main process (LPs pricing and repairing plans, a joint search) + in "
        "the worker processes (the polish, summed over them); other: the rest of the main "
        "process (local search, tables, baselines).\n\n" + markdown_table(rows),
        encoding="utf-8")


if __name__ == "__main__":  # the child process of run_bench
    a = json.loads(sys.argv[1])
    r = measure(a["instance"], a["results"], mip_gap=a["mip_gap"],
                time_limit_s=a["time_limit_s"], work=a.get("work"),
                workers=a.get("workers", 2))
    Path(a["row_file"]).write_text(json.dumps(r), encoding="utf-8")


def run_orlib_bench(out, data_dir: Path | None = None) -> list[dict]:
    """Solve every OR-Library file of ``data/orlib-cap`` through the normal instance path and
    compare with its published optimum (data/orlib-cap/README.md); seconds per instance."""
    import tempfile

    from . import load_instance, solve
    from .instance.orlib import import_orlib, read_cap
    data_dir = Path(data_dir or ROOT / "data" / "orlib-cap")
    optima = json.loads((data_dir / "optima.json").read_text())
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(optima):
            t0 = time.perf_counter()
            inst = load_instance(import_orlib(data_dir / f"{name}.txt", Path(tmp) / name))
            sol = solve(inst, mip_gap=0.0)
            seconds = time.perf_counter() - t0
            expected = optima[name] + float(read_cap(data_dir / f"{name}.txt")["demand"].sum())
            got = sol.summary["energy_kwh"]
            rows.append(dict(instance=name, status=sol.status, energy_kwh=got, expected_kwh=expected,
                             rel_error=abs(got - expected) / expected if got is not None else None,
                             dcs_open=sol.summary["dcs_open"], seconds=round(seconds, 3)))
            _say(f"{name}: {sol.status} {got} (published + demand {expected}) in {seconds:.2f} s")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "orlib.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    lines = ["| instance | status | energy kWh | published + demand | rel. error | open | seconds |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['instance']} | {r['status']} | {r['energy_kwh']:.3f} | {r['expected_kwh']:.3f} | "
              f"{r['rel_error']:.1e} | {r['dcs_open']} | {r['seconds']:.2f} |" for r in rows]
    (out / "orlib.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return rows
