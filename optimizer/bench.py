"""Benchmark: where the time and memory of a solve go, per instance size.

``run_bench(sizes, out)`` generates (or reuses) a seeded synthetic city per size, then runs
each instance in a fresh Python process, so that peak memory is that of one size alone, and
times every stage of ``netopt solve``: loading the folder, building the Pyomo model, the
hand-off to HiGHS (standard-form compilation), the status-quo LP used as the MIP start, the
HiGHS MIP solve, extraction of the result tables and writing the results folder.

It writes ``out/bench.json`` and ``out/bench.md`` and returns the rows. Figures are described
in docs/performance.md.
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MILAN = ROOT / "instances" / "milan"

SECONDS = ("load_seconds", "build_seconds", "handoff_seconds", "baseline_seconds",
           "solve_seconds", "extract_seconds", "write_seconds", "wall_seconds")
KEYS = ("instance", "sites", "cells", "areas", "links", "periods", "columns", "rows", "nonzeros",
        "binaries", "status", "objective", "bound", "gap", "import_seconds", *SECONDS,
        "other_seconds", "non_solver_seconds", "non_solver_share", "peak_mb", "error")


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
    import resource
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / (1024.0 * 1024.0) if sys.platform == "darwin" else kb / 1024.0


def measure(instance: str | Path, results: str | Path, *, mip_gap: float = 0.01,
            time_limit_s: float = 600, threads: int | None = None, workers: int = 2) -> dict:
    """Load, solve and write one instance in this process; return the row of figures.

    Meant to run in a fresh process (see :func:`run_bench`) so that ``peak_mb`` is this
    instance's alone.
    """
    t_all = time.perf_counter()
    import importlib

    # imports (scipy for propagation, Pyomo, highspy) are timed apart: about 1-2 s, once per
    # process, paid by the command line but not part of any stage
    pkg = __package__ or "optimizer"
    for mod in ("instance", "instance.propagation", "solve", "formulation"):
        importlib.import_module(f"{pkg}.{mod}")
    import highspy  # noqa: F401
    import pyomo.environ  # noqa: F401
    from .instance import load_instance
    S = importlib.import_module(f"{pkg}.solve")  # the module (the package exports a function)
    import_seconds = time.perf_counter() - t_all

    t0 = time.perf_counter()
    inst = load_instance(instance)
    load_seconds = time.perf_counter() - t0

    sizes: dict = {}
    run_solver = S.run_solver

    def counting_run_solver(built, opts, **kw):  # record the compiled model's size
        res, cm, bres = run_solver(built, opts, **kw)
        if cm is not None:
            sizes.update(columns=int(len(cm.colmap)), rows=int(cm.n_rows),
                         nonzeros=int(cm.A.nnz), binaries=int(cm.integer.sum()))
        return res, cm, bres

    S.run_solver = counting_run_solver
    try:
        sol = S.solve(inst, mip_gap=mip_gap, time_limit_s=time_limit_s, threads=threads,
                      workers=workers)
    finally:
        S.run_solver = run_solver
    s = sol.summary

    t0 = time.perf_counter()
    sol.write(Path(results))
    write_seconds = time.perf_counter() - t0

    info = inst.summary()
    row = {k: None for k in KEYS}
    row.update(
        instance=inst.name, sites=info.get("sites"), cells=info.get("cells"),
        areas=info.get("areas"), links=info.get("coverage_links"), periods=info.get("periods"),
        **sizes, status=s["status"], objective=s["objective"], bound=s["bound"],
        gap=s["mip_gap"], import_seconds=import_seconds, load_seconds=load_seconds,
        **{k: float(s[k]) for k in ("build_seconds", "handoff_seconds", "baseline_seconds",
                                    "solve_seconds", "extract_seconds")},
        write_seconds=write_seconds,
    )
    # end to end (load + solve() + write); the imports before it are not counted
    wall = load_seconds + float(s["wall_seconds"]) + write_seconds
    row["wall_seconds"] = wall
    # solver time: the joint solve, the status-quo LP and the period solves (decompose/periods)
    solver = row["solve_seconds"] + row["baseline_seconds"] + float(s.get("periods_solver_seconds") or 0.0)
    named = sum(row[k] for k in SECONDS if k != "wall_seconds")
    row["other_seconds"] = max(wall - named, 0.0)
    row["non_solver_seconds"] = wall - solver
    row["non_solver_share"] = (wall - solver) / wall if wall > 0 else None
    row["process_seconds"] = time.perf_counter() - t_all
    row["peak_mb"] = _peak_mb()
    return row


def _run_child(instance: Path, results: Path, row_file: Path, *, mip_gap, time_limit_s,
               threads, workers=2) -> dict:
    args = json.dumps({"instance": str(instance), "results": str(results),
                       "row_file": str(row_file), "mip_gap": mip_gap,
                       "time_limit_s": time_limit_s, "threads": threads,
                       "workers": workers})
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    row_file.unlink(missing_ok=True)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "optimizer.bench", args], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode == 0 and row_file.exists():
        row = json.loads(row_file.read_text(encoding="utf-8"))
    else:
        row = {k: None for k in KEYS}
        row["instance"] = instance.name
        row["status"] = "error"
        tail = (proc.stderr or "").strip().splitlines()[-3:]
        row["error"] = f"exit {proc.returncode}: " + " | ".join(tail)
    row["process_seconds"] = seconds
    return row


def run_bench(sizes, out, *, mip_gap: float = 0.01, time_limit_s: float = 600,
              threads: int | None = None, milan: bool = False, seed: int = 0,
              workers: int = 2, instances: list | tuple = ()) -> list[dict]:
    """Time and measure a solve of a generated city of each size (and Milan if ``milan``, and
    every folder in ``instances``).

    Each instance runs in a fresh process. Writes ``out/bench.json`` and ``out/bench.md``
    and returns one dict per instance (keys in :data:`KEYS`; seconds are wall-clock, memory
    is the child's peak resident set in MB).
    """
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
    for folder in instances:  # any instance folders, e.g. instances/milan-dc, instances/china
        jobs.append((Path(folder).name, Path(folder).resolve()))

    rows: list[dict] = []
    for label, folder in jobs:
        _say(f"{label}: solving (gap {mip_gap:g}, time limit {time_limit_s:g} s)")
        row = _run_child(folder, out / "results" / label, out / f".row-{label}.json",
                         mip_gap=mip_gap, time_limit_s=time_limit_s, threads=threads,
                         workers=workers)
        row["label"] = label
        rows.append(row)
        if row.get("error"):
            _say(f"{label}: FAILED {row['error']}")
        else:
            _say(f"{label}: {row['status']} gap {_fmt_pct(row['gap'])}  "
                 f"wall {row['wall_seconds']:.1f} s  HiGHS {row['solve_seconds']:.1f} s  "
                 f"status-quo LP {row['baseline_seconds']:.1f} s  "
                 f"non-solver {_fmt_pct(row['non_solver_share'])}  peak {row['peak_mb']:.0f} MB")
        _write(out, rows, mip_gap=mip_gap, time_limit_s=time_limit_s, threads=threads, seed=seed)
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
            "netopt": v("netopt"), "cpus": os.cpu_count(), "machine": platform.machine(), **opts}


def _fmt_pct(x) -> str:
    return "-" if x is None else f"{100 * x:.2f} %" if x < 1e6 else "inf"


def _fmt(x, nd=2) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.{nd}f}"
    return str(x)


def markdown_table(rows: list[dict]) -> str:
    head = ("instance", "sites", "cells", "areas", "links", "columns", "rows", "binaries",
            "status", "objective", "gap", "load s", "build s", "hand-off s", "status-quo LP s",
            "HiGHS s", "extract s", "write s", "wall s", "non-solver share", "peak MB")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        obj = r.get("objective")
        cells = [r.get("label") or r.get("instance"), *(_fmt(r.get(k)) for k in (
            "sites", "cells", "areas", "links", "columns", "rows", "binaries", "status")),
            "-" if obj is None else f"{obj:.6g}", _fmt_pct(r.get("gap")),
            *(_fmt(r.get(k)) for k in ("load_seconds", "build_seconds", "handoff_seconds",
                                        "baseline_seconds", "solve_seconds", "extract_seconds",
                                        "write_seconds", "wall_seconds")),
            _fmt_pct(r.get("non_solver_share")),
            "-" if r.get("peak_mb") is None else f"{r['peak_mb']:.0f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _write(out: Path, rows: list[dict], **opts) -> None:
    (out / "bench.json").write_text(json.dumps({"meta": _meta(**opts), "rows": rows}, indent=1)
                                    + "\n", encoding="utf-8")
    (out / "bench.md").write_text(
        "# netopt bench\n\n"
        f"gap {opts['mip_gap']:g}, time limit {opts['time_limit_s']:g} s, threads "
        f"{opts['threads'] if opts['threads'] is not None else 'default'}; "
        "wall = load + build + hand-off + status-quo LP + HiGHS + extract + write (+ small "
        "glue; Python imports, 1-2 s per process, are not counted); non-solver share = (wall - HiGHS - status-quo LP - period solves) / wall.\n\n"
        + markdown_table(rows), encoding="utf-8")


if __name__ == "__main__":  # the child process of run_bench
    a = json.loads(sys.argv[1])
    r = measure(a["instance"], a["results"], mip_gap=a["mip_gap"],
                time_limit_s=a["time_limit_s"], threads=a["threads"],
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
