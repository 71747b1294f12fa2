"""The ``netopt`` command."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Optional

import typer

class _App(typer.Typer):
    """The command, its help written with readable value names (SECONDS, N, PATH) and no
    value name after a flag."""

    def __call__(self, *args, **kwargs):
        from typer.main import get_command
        cmd = get_command(self)
        _readable(cmd)
        return cmd(*args, **kwargs)


def _readable(cmd) -> None:
    names = {"<float>": "NUMBER", "<int>": "N", "<int range>": "N", "<float range>": "NUMBER",
             "<str>": "TEXT", "<path>": "PATH", "<list[Path]>": "PATH"}
    from typer.core import TyperOption
    help_option = cmd.get_help_option

    def quiet_help(ctx):  # --help is a flag too
        o = help_option(ctx)
        if o is not None:
            o.metavar = ""
        return o
    cmd.get_help_option = quiet_help
    for p in cmd.params:
        if not isinstance(p, TyperOption):
            continue  # arguments keep their names
        if getattr(p, "is_flag", False):
            p.metavar = ""
        elif p.metavar is None and hasattr(p, "display_type"):
            try:
                shown = p.display_type(None)
            except Exception:  # noqa: BLE001 - a type this table does not know keeps its own
                continue
            if shown in names:
                p.metavar = names[shown]
    for sub in getattr(cmd, "commands", {}).values():
        _readable(sub)


app = _App(add_completion=False, no_args_is_help=True,
                  help="Energy planner for mobile networks and data centres (Pyomo + HiGHS).")


#: -q/--quiet: no progress, no warnings, no report on standard output (errors still show)
STATE = {"quiet": False}


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        import highspy  # noqa: F401
        import pyomo.version
        try:
            own = version("netopt")
        except PackageNotFoundError:
            own = "unknown"
        from .solve.highs import highs_version
        typer.echo(f"netopt {own} (HiGHS {highs_version()}, Pyomo {pyomo.version.version}, "
                   f"Python {sys.version.split()[0]})")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="print the version of netopt, HiGHS and Pyomo"),
          quiet: bool = typer.Option(False, "--quiet", "-q",
                                     help="print nothing but errors (and what --json asks for)")) -> None:
    """Energy planner for mobile networks and data centres (Pyomo + HiGHS)."""
    from .stopping import install
    install()  # SIGTERM ends a run like Ctrl-C: solver processes stopped, nothing half-written
    if quiet:
        import os
        STATE["quiet"] = True
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - for the run


def _json_out(data: dict) -> None:
    """Print ``data`` as JSON to the real standard output (also under --quiet)."""
    print(json.dumps(data, indent=2), file=sys.__stdout__, flush=True)


def _fail(msg: str, code: int = 2):
    typer.echo(f"netopt: {msg}", err=True)
    raise typer.Exit(code)


def _load(path: Path):
    from .instance import InstanceError
    from .scenarios.scenario import load_any
    try:
        inst = load_any(path)  # an instance folder, or a scenario file applied to its base
    except InstanceError as e:
        for line in e.problems:
            typer.echo(f"{path}: {line}" if not line.startswith(str(path)) else line, err=True)
        _fail(f"{path}: {len(e.problems)} problem(s); nothing was solved")
    for w in inst.warnings if not STATE["quiet"] else ():
        typer.echo(f"warning: {path}: {w}", err=True)
    return inst


def _check_objective_and_formats(objective: str | None, fmt: str) -> tuple[str, ...]:
    """Check --objective and --format (one clear line on a bad value); the formats asked."""
    from .instance.schema import OBJECTIVES
    if objective is not None and objective not in OBJECTIVES:
        _fail(f"--objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    formats = tuple(f.strip() for f in fmt.split(",") if f.strip())
    if not formats:
        _fail("--format: no format given (csv, or csv,parquet,geojson)")
    bad = [f for f in formats if f not in ("csv", "parquet", "geojson")]
    if bad:
        _fail(f"--format: unknown format {', '.join(bad)} (csv, parquet, geojson)")
    if "parquet" in formats:
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            _fail("--format parquet needs pyarrow (pip install 'netopt[parquet]')")
    return formats


def _check_out(out: Path, marker: str) -> None:
    """Refuse at once an output path the run could not replace (one line, exit 2)."""
    from .solution import OutputError, check_out
    try:
        check_out(out, marker)
    except OutputError as e:
        _fail(str(e))


def _write(write, out: Path):
    """Run ``write()``; a folder it may not replace or cannot write is one line, exit 2."""
    from .solution import OutputError
    try:
        return write()
    except OutputError as e:
        _fail(str(e))
    except OSError as e:
        _fail(f"{out}: cannot write the results: {e.strerror}")


def _check_options(time_limit=None, mip_gap=None, threads=None, seed=None) -> None:
    """Solver flags in range, or one line naming the flag (exit 2)."""
    from .solve.options import option_problems
    for flag, key, v in (("--time-limit", "time_limit_s", time_limit),
                         ("--mip-gap", "mip_gap", mip_gap), ("--threads", "threads", threads),
                         ("--seed", "seed", seed)):
        for line in option_problems(**{key: v}):
            _fail(f"{flag}{line[len(key):]}")


def _progress(verbose: bool, kind: str | None = None):
    """Progress of a solve: on a terminal a live line (rich) with the stage, elapsed time
    and the plan, bound and gap as they improve; elsewhere a plain line per stage and at
    most one every 10 s within one. Returns (callback, stop)."""
    from .solve.pipeline import Update
    if STATE["quiet"]:
        return (lambda u: None), (lambda: None)
    if sys.stderr.isatty() and not verbose:
        from rich.console import Console
        console = Console(stderr=True)
        status = console.status("netopt: starting")
        status.start()

        def show(u):
            status.update(f"netopt: {_line(u, kind)}")
        return show, status.stop
    last = {"stage": None, "t": 0.0}

    def plain(u):
        stage = u.stage if isinstance(u, Update) else str(u)
        now = time.perf_counter()
        if stage != last["stage"] or now - last["t"] >= 10.0:
            last.update(stage=stage, t=now)
            typer.echo(f"netopt: {_line(u, kind)}", err=True)
    return plain, (lambda: None)


def _timing(s: dict, total: float) -> str:
    """Where a run's seconds went, in parts that add up to ``total`` (loading and writing
    included): the solve's stages from summary.json, then the rest of the run."""
    tm = s.get("timing")
    if tm:  # the pipeline: the dual ascent, HiGHS here, the rest of the solve
        parts = [("dual ascent", tm["dual_seconds"]), ("HiGHS", tm["highs_main_seconds"]),
                 ("heuristics and waiting on workers" if tm.get("highs_worker_seconds")
                  else "heuristics and tables", tm["other_seconds"])]
    else:
        parts = [("build", s.get("build_seconds", 0.0) + s.get("handoff_seconds", 0.0)),
                 ("HiGHS", s.get("solve_seconds", 0.0)),
                 ("baselines", s.get("baseline_seconds", 0.0)),
                 ("tables", s.get("extract_seconds", 0.0)),
                 ("other", s.get("other_seconds", 0.0))]
    solve = float(s.get("wall_seconds") or sum(v for _, v in parts))
    parts.append(("start-up, loading and writing", max(total - solve, 0.0)))
    return f"{total:.1f} s: " + "; ".join(f"{k} {v:.1f} s" for k, v in parts if v >= 0.05)


def _line(u, kind: str | None = None) -> str:
    """One progress line: stage, elapsed, plan, bound and gap (what is known so far)."""
    from .solve.pipeline import Update
    if not isinstance(u, Update):
        return str(u)
    from .units import percent, quantity
    out = f"{u.stage:<8} {u.elapsed_s:7.1f} s"
    kind = kind or "objective"  # "objective": a plain number (no unit known)
    if u.objective is not None:
        out += f"  plan {quantity(kind, u.objective, 4)}"
    if u.bound is not None:
        out += f"  bound {quantity(kind, u.bound, 4)}"
    if u.gap is not None:
        out += f"  gap {percent(100 * u.gap)}"
    return out


@app.command()
def validate(instance: Path = typer.Argument(..., help="instance folder or scenario file")):
    """Check an instance folder (or a scenario file) and print a short summary of it."""
    inst = _load(instance)
    typer.echo(f"{instance}: valid")
    for k, v in inst.summary().items():
        typer.echo(f"  {k}: {v}")


@app.command()
def info(instance: Path = typer.Argument(..., help="instance folder"),
         build: bool = typer.Option(False, "--build", help="build the model and count exactly")):
    """Sizes of an instance and of its model (variables, binaries, constraints)."""
    inst = _load(instance)
    from .formulation.size import estimate_size
    sizes = {**inst.summary(), **estimate_size(inst)}
    if build:
        from .formulation import build_model
        bm = build_model(inst)
        import pyomo.environ as pyo
        sizes["built_variables"] = len(bm.builder.columns)
        sizes["built_binaries"] = int(bm.builder.bounds()[2].sum())
        sizes["built_constraints"] = sum(len(c) for c in bm.model.component_objects(pyo.Constraint))
        sizes["build_seconds"] = round(bm.build_seconds, 3)
    for k, v in sizes.items():
        typer.echo(f"{k}: {v}")


@app.command()
def solve(instance: Path = typer.Argument(..., help="instance folder or scenario file"),
          out: Optional[Path] = typer.Option(None, "--out", help="results folder (default results/<name>)"),
          objective: Optional[str] = typer.Option(None, "--objective",
                                                  help="energy | grid_energy | carbon | cost"),
          time_limit: Optional[float] = typer.Option(None, "--time-limit", help="seconds"),
          mip_gap: Optional[float] = typer.Option(None, "--mip-gap", help="relative, 0.01 = 1 %"),
          threads: Optional[int] = typer.Option(None, "--threads", help="HiGHS threads (default: instance.toml, else HiGHS's own choice)"),
          seed: Optional[int] = typer.Option(None, "--seed", help="random seed of HiGHS and the heuristics (default: instance.toml, else 0)"),
          solver: Optional[str] = typer.Option(None, "--solver", help="highs (default) or any Pyomo solver"),
          verbose: bool = typer.Option(False, "--verbose", "-v", help="show the solver log"),
          fmt: str = typer.Option("csv", "--format", help="csv, and parquet or geojson (plan.geojson: sites, cells, data centres): csv,geojson"),
          no_baseline: bool = typer.Option(False, "--no-baseline", help="skip the baselines (status quo, threshold rule, nearest data centre)"),
          work: Optional[int] = typer.Option(None, "--work", min=1, help="work units (dual iterations and HiGHS nodes) instead of seconds: the same plan on any machine"),
          strategy: str = typer.Option("auto", "--strategy", help="auto | monolithic | parts"),
          workers: int = typer.Option(1, "--workers", min=1, help="processes for HiGHS's polish, or Dask workers for parts"),
          scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address for parts (tcp://host:port)"),
          max_part_cells: int = typer.Option(3000, "--max-part-cells", min=1, help="largest part when splitting (cells)"),
          json_out: bool = typer.Option(False, "--json", help="print summary.json to standard output instead of the report")):
    """Solve an instance and write its results folder."""
    t_run = time.perf_counter()
    if strategy not in ("auto", "monolithic", "parts"):
        _fail(f"--strategy must be auto, monolithic or parts, got {strategy!r}")
    _check_options(time_limit, mip_gap, threads, seed)
    if strategy == "monolithic" and workers > 1:
        _fail("--workers needs --strategy auto or parts (a monolithic solve is one process)")
    if strategy == "monolithic" and work is not None:
        _fail("--work needs --strategy auto or parts (a monolithic solve is limited in seconds)")
    if work is not None and time_limit is not None:
        _fail("--work and --time-limit exclude each other (a run is limited by one of them)")
    if scheduler is not None and strategy == "monolithic":
        _fail("--scheduler needs --strategy parts or auto (only parts run on a Dask cluster)")
    if scheduler is not None and workers > 1:
        _fail("--workers and --scheduler exclude each other (the cluster has its own workers)")
    formats = _check_objective_and_formats(objective, fmt)
    from .solve.options import solver_problem
    if solver_problem(solver):
        _fail(f"--{solver_problem(solver)}")
    inst = _load(instance)
    if solver is None and solver_problem(inst.solver.solver):
        _fail(f"{instance}: instance.toml [solver] {solver_problem(inst.solver.solver)}")
    out = out or Path("results") / inst.name
    _check_out(out, "summary.json")
    from .solve import solve as run
    from .decompose.run import RunError
    say, stop = _progress(verbose, objective or inst.objective)
    try:
        sol = run(inst, objective=objective, time_limit_s=time_limit, mip_gap=mip_gap,
                  threads=threads, seed=seed, solver=solver, verbose=verbose, progress=say,
                  baseline=not no_baseline, strategy=strategy, workers=workers,
                  scheduler=scheduler, max_part_cells=max_part_cells, work=work)
    except RunError as e:  # the Dask scheduler cannot be used
        stop()
        _fail(f"{instance}: {e}")
    finally:
        stop()
    failed_parts = (sol.summary.get("decomposition") or {}).get("failures") or {}
    if sol.status == "error" and not sol.ok:
        if sol.tables:  # parts that finished keep their plans (decomposition)
            _write(lambda: sol.write(out, formats, instance=inst), out)
            _fail(f"{instance}: solver error: {sol.summary.get('solver_message')}; the parts "
                  f"with a plan are written to {out}", 1)
        _fail(f"{instance}: solver error: {sol.summary.get('solver_message')}", 1)
    _write(lambda: sol.write(out, formats, instance=inst), out)
    s = sol.summary
    if json_out:
        _json_out(json.loads((out / "summary.json").read_text(encoding="utf-8")))
    if sol.ok and not json_out:
        from .units import percent, quantity
        kind = s["objective_kind"]
        gap = s["mip_gap"]
        bound = f"  bound {quantity(kind, s['bound'])}" if s.get("bound") is not None else ""
        typer.echo(f"{inst.name}: {s['status']}  {kind.replace('_', ' ')} "
                   f"{quantity(kind, s['objective'])}{bound}  gap "
                   f"{percent(100 * gap) if gap is not None else 'unknown'}")
        typer.echo(f"  energy {quantity('energy', s['energy_kwh'])}  grid "
                   f"{quantity('energy', s['grid_energy_kwh'])}  carbon "
                   f"{quantity('carbon', s['carbon_t'])}  cost {quantity('cost', s['cost_cny'])}")
        if s.get("savings_pct") is not None:
            typer.echo(f"  status quo {quantity('energy', s['baseline_energy_kwh'])}: the plan "
                       f"saves {percent(s['savings_pct'])}")
        elif s.get("baseline_note", "").startswith("status quo: "):
            typer.echo(f"  status quo unavailable, so no savings against it: "
                       f"{s['baseline_note'][len('status quo: '):]}")
        elif s.get("baseline_note"):
            typer.echo(f"  {s['baseline_note']}")  # it says which baseline it is about
        for key, label in (("threshold", "threshold sleep rule"), ("nearest_dc", "nearest data centre")):
            if s.get(f"{key}_savings_pct") is not None:
                typer.echo(f"  {label} {quantity('energy', s[f'{key}_energy_kwh'])}: the plan "
                           f"saves {percent(s[f'{key}_savings_pct'])}")
        typer.echo(f"  cells built {s['cells_built']}  retired {s['cells_retired']}")
        typer.echo(f"  time {_timing(s, time.perf_counter() - t_run)}")
        typer.echo(f"  results: {out}")
    if sol.ok:
        if failed_parts:  # a plan, but a part solve failed for good (its bound is lost)
            _fail(f"{instance}: part solves failed: "
                  + "; ".join(f"{k}: {v}" for k, v in failed_parts.items()), 1)
        return
    if s["status"] == "infeasible":
        why = "; ".join(sol.diagnosis[:3]) if sol.diagnosis else "no plan meets every constraint"
        more = f" (+{len(sol.diagnosis) - 3} more in {out}/summary.json)" if len(sol.diagnosis) > 3 else ""
        _fail(f"{instance}: infeasible: {why}{more}", 1)
    if s["status"] == "time_limit_no_solution":
        _fail(f"{instance}: no plan found within the time limit "
              f"({s.get('solver_options', {}).get('time_limit')} s); raise --time-limit", 1)
    _fail(f"{instance}: {s['status']}: {s.get('solver_message')}", 1)


@app.command()
def pareto(instance: Path = typer.Argument(..., help="instance folder"),
           x: str = typer.Option("energy", "--x", help="criterion minimised: energy | grid_energy | carbon | cost | new_5g_cells"),
           y: str = typer.Option("carbon", "--y", help="criterion bounded by epsilon (same choices)"),
           points: int = typer.Option(5, "--points", min=2, help="points on the front"),
           out: Optional[Path] = typer.Option(None, "--out", help="folder (default results/<name>-pareto-<x>-<y>)"),
           time_limit: Optional[float] = typer.Option(None, "--time-limit", help="seconds per solve"),
           mip_gap: Optional[float] = typer.Option(None, "--mip-gap", help="relative, per solve"),
           threads: Optional[int] = typer.Option(None, "--threads", help="HiGHS threads per solve"),
           seed: Optional[int] = typer.Option(None, "--seed", help="HiGHS random seed"),
           work: Optional[int] = typer.Option(None, "--work", min=1, help="branch-and-bound nodes per solve instead of seconds (one thread; the same front on any machine)")):
    """Trace the Pareto front of two criteria (epsilon-constraint) and plot it."""
    from .scenarios.pareto import CRITERIA
    from .scenarios.pareto import pareto as trace
    for flag, k in (("--x", x), ("--y", y)):
        if k not in CRITERIA:
            _fail(f"{flag} must be one of {', '.join(CRITERIA)}, got {k!r}")
    if x == y:
        _fail("--x and --y must be different criteria")
    _check_options(time_limit, mip_gap, threads, seed)
    if out is not None:
        _check_out(out, "pareto.json")
    inst = _load(instance)
    if "new_5g_cells" in (x, y) and not inst.has_radio:
        _fail(f"{instance}: new_5g_cells needs a radio part")
    say, stop = _progress(False)
    try:
        front = trace(inst, x, y, points, time_limit_s=time_limit, mip_gap=mip_gap,
                      threads=threads, seed=seed, progress=say, work=work)
    except RuntimeError as e:
        _fail(f"{instance}: {e}", 1)
    finally:
        stop()
    out = out or Path("results") / f"{inst.name}-pareto-{x}-{y}"
    _write(lambda: front.write(out), out)
    for note in front.notes:
        typer.echo(f"note: {note}")
    typer.echo(f"{inst.name}: {len(front.points)} points, {front.seconds:.1f} s")
    from .units import quantity

    def show(kind, v):
        return f"{v:,.0f} new 5G cells" if kind == "new_5g_cells" else quantity(kind, v)
    for r in front.points.itertuples():
        flag = "  (dominated: time limit)" if r.dominated else ""
        typer.echo(f"  {x.replace('_', ' ')} {show(x, r.x)}  {y.replace('_', ' ')} "
                   f"{show(y, r.y)}  [{r.status}]{flag}")
    typer.echo(f"  results: {out}")


@app.command()
def compare(base: Path = typer.Argument(..., help="instance folder (or scenario file): the first row"),
            scenarios: list[Path] = typer.Argument(..., help="scenario files (docs/scenarios.md)"),
            out: Path = typer.Option(..., "--out", help="folder: a results folder per run, comparison.csv"),
            objective: Optional[str] = typer.Option(None, "--objective",
                                                    help="energy | grid_energy | carbon | cost"),
            time_limit: Optional[float] = typer.Option(None, "--time-limit", help="seconds per run"),
            mip_gap: Optional[float] = typer.Option(None, "--mip-gap", help="relative, 0.01 = 1 %"),
            threads: Optional[int] = typer.Option(None, "--threads",
                                                  help="per run (default 1 with several workers)"),
            seed: Optional[int] = typer.Option(None, "--seed", help="random seed of every run"),
            work: Optional[int] = typer.Option(None, "--work", min=1, help="work units per run instead of seconds: reruns give the same numbers"),
            fmt: str = typer.Option("csv", "--format", help="csv, and parquet or geojson (plan.geojson: sites, cells, data centres): csv,geojson"),
            workers: Optional[int] = typer.Option(None, "--workers", min=1,
                                                  help="runs solved at once on a local Dask cluster "
                                                       "(default min(2, runs); 1: in this process)"),
            scheduler: Optional[str] = typer.Option(None, "--scheduler",
                                                    help="run on the Dask cluster at this address, "
                                                         "tcp://host:port (docs/distributed.md)")):
    """Solve a base instance and scenarios side by side; write and print their comparison."""
    formats = _check_objective_and_formats(objective, fmt)
    _check_options(time_limit, mip_gap, threads, seed)
    if not base.exists():
        _fail(f"{base}: no such instance folder or scenario file")
    _check_out(out, "comparison.csv")
    from .scenarios.comparison import compare as run_compare
    from .scenarios.comparison import failed
    from .decompose.run import RunError
    if scheduler is not None and workers is not None:
        _fail("--workers and --scheduler exclude each other (the cluster has its own workers)")
    n = 1 + len(scenarios)
    w = max(1, min(workers or min(2, n), n))
    typer.echo(f"netopt: compare: {n} runs, " + (f"on the Dask cluster at {scheduler}"
                                                 if scheduler else f"{w} at a time"), err=True)
    tick, stop = _compare_progress(n)
    try:
        table = run_compare(base, scenarios, out, objective=objective, time_limit_s=time_limit,
                            mip_gap=mip_gap, threads=threads, seed=seed, formats=formats,
                            workers=w, scheduler=scheduler, progress=tick, work=work)
    except RunError as e:
        stop()
        _fail(f"compare: {e}")
    finally:
        stop()
    _print_comparison(table)
    typer.echo(f"comparison: {out / 'comparison.csv'}")
    bad_rows = failed(table)
    for r in bad_rows.itertuples():
        msg = str(r.message or "")
        msg = msg[len(r.source) + 2:] if msg.startswith(f"{r.source}: ") else msg
        msg = msg[len(r.status) + 2:] if msg.startswith(f"{r.status}: ") else msg
        typer.echo(f"netopt: {r.source}: {r.status}: {msg}", err=True)
    if len(bad_rows):
        raise typer.Exit(1)


def _compare_progress(total: int):
    """A rich progress bar on a terminal, one plain line per finished run otherwise."""
    def line(row, done, n):
        secs = row.get("seconds") or 0.0
        return f"[{done}/{n}] {row['scenario']}: {row['status']} ({secs:.1f} s)"
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, \
            TextColumn, TimeElapsedColumn
        bar = Progress(SpinnerColumn(), TextColumn("netopt: compare"), BarColumn(),
                       MofNCompleteColumn(), TimeElapsedColumn(), console=Console(stderr=True))
        task = bar.add_task("compare", total=total)
        bar.start()

        def tick(row, done, n):
            bar.console.print(line(row, done, n))
            bar.update(task, completed=done)
        return tick, bar.stop
    return (lambda row, done, n: typer.echo(f"netopt: compare: {line(row, done, n)}", err=True)), \
        (lambda: None)


def _print_comparison(table) -> None:
    """The comparison as a rich table on stdout: each run's plan, gap and savings, and its
    objective against the first row's with the interval the bounds allow; a difference
    whose interval holds zero is marked as not resolved at this limit."""
    from rich.console import Console
    from rich.table import Table

    from .units import percent, quantity

    def has(v):
        return v is not None and v == v

    t = Table(title="comparison (per year; differences against the first row)")
    for label in ("scenario", "status", "objective", "gap", "difference", "bounds allow",
                  "saves vs status quo"):
        t.add_column(label, justify="left" if label in ("scenario", "status") else "right",
                     no_wrap=label != "bounds allow")
    unresolved = False
    for i, r in table.iterrows():
        kind = r.get("objective_kind") if has(r.get("objective_kind")) else "objective"
        obj = quantity(kind, r["objective"]) if has(r.get("objective")) else "-"
        gap = percent(100 * r["mip_gap"]) if has(r.get("mip_gap")) else "-"
        diff = allow = "-"
        if i and has(r.get("objective_vs_first")):
            d = r["objective_vs_first"]
            pct = r.get("objective_vs_first_pct")
            diff = (("+" if d > 0 else "") + quantity(kind, d)
                    + (f" ({'+' if pct > 0 else ''}{percent(pct)})" if has(pct) else ""))
            lo, hi = r.get("objective_vs_first_low"), r.get("objective_vs_first_high")
            if has(lo) and has(hi):
                allow = f"{quantity(kind, lo, per='')} .. {quantity(kind, hi, per='')}"
            if r.get("difference_resolved") is False or r.get("difference_resolved") == 0:
                allow += " (not resolved)"
                unresolved = True
        saves = percent(r["savings_pct"]) if has(r.get("savings_pct")) else "-"
        t.add_row(str(r["scenario"]), str(r["status"]), obj, gap, diff, allow, saves)
    Console(width=None if sys.stdout.isatty() else 200).print(t)
    if unresolved:
        typer.echo("not resolved: the bounds allow a difference of either sign; a longer "
                   "--time-limit (or more --work) narrows them")


@app.command()
def generate(out: Path = typer.Argument(..., help="folder to write"),
             sites: int = typer.Option(..., "--sites", min=2, help="radio sites (about 2.25 cells each)"),
             hours: int = typer.Option(24, "--hours", min=1, help="periods of one hour in the horizon"),
             seed: int = typer.Option(0, "--seed", min=0, help="random seed: the same seed gives the same city"),
             name: Optional[str] = typer.Option(None, "--name", help="instance name (default: the folder's name)")):
    """Write a seeded synthetic city instance."""
    from .instance.generate import generate_city
    from .solution import OutputError
    try:
        path = generate_city(out, sites=sites, hours=hours, seed=seed, name=name)
    except (OutputError, ValueError) as e:
        _fail(str(e))
    except OSError as e:
        _fail(f"{out}: cannot write the instance: {e.strerror}")
    typer.echo(f"wrote {path}")


@app.command("import-orlib")
def import_orlib_cmd(file: Path = typer.Argument(..., help="OR-Library capNN.txt file"),
                     out: Path = typer.Argument(..., help="instance folder to write")):
    """Turn an OR-Library capacitated warehouse file into a data-centre siting instance."""
    from .instance import InstanceError
    from .instance.orlib import import_orlib
    from .solution import OutputError
    try:
        path = import_orlib(file, out)
    except InstanceError as e:
        _fail(e.problems[0])
    except OutputError as e:
        _fail(str(e))
    except OSError as e:
        _fail(f"{out}: cannot write the instance: {e.strerror}")
    typer.echo(f"wrote {path}")


@app.command()
def bench(sizes: str = typer.Option("100,300,1000", "--sizes", help="generated cities to solve, by number of sites (about 2.25 cells each)"),
          out: Path = typer.Option(Path("results/bench"), "--out", help="folder for bench.json, bench.md and the results"),
          mip_gap: float = typer.Option(0.01, "--mip-gap", help="relative gap at which a solve stops early (0.01 = 1 %)"),
          time_limit: float = typer.Option(600, "--time-limit", help="seconds per instance"),
          work: Optional[int] = typer.Option(None, "--work", min=1, help="work units per instance instead of seconds (the same result on any machine)"),
          milan: bool = typer.Option(False, "--milan", help="also solve instances/milan"),
          workers: int = typer.Option(2, "--workers", min=1, help="processes per solve"),
          instance: list[Path] = typer.Option([], "--instance", help="also bench this instance folder (repeatable)"),
          orlib: bool = typer.Option(False, "--orlib", help="only the OR-Library published optima, seconds each"),
          scale: Optional[str] = typer.Option(None, "--scale", help="only the scaling benchmark: cell counts, e.g. 1000,10000,100000"),
          part_seconds: float = typer.Option(20.0, "--part-seconds", help="scaling: solver seconds per 1000 cells of a part"),
          part_cells: int = typer.Option(1500, "--part-cells", help="scaling: largest part (cells)"),
          scale_workers: str = typer.Option("1,2", "--scale-workers", help="scaling: worker counts"),
          scale_time_limit: Optional[float] = typer.Option(None, "--scale-time-limit", help="scaling: seconds for the whole solve, shared by the parts (instead of --part-seconds)")):
    """Solve instances of several sizes and report each one's gap and where its time went."""
    from .bench import run_bench, run_orlib_bench

    def counts(flag: str, text: str, least: int) -> list[int]:
        try:
            out = [int(c) for c in text.split(",") if c.strip()]
        except ValueError:
            _fail(f"{flag} must be whole numbers separated by commas, got {text!r}")
        if not out or min(out) < least:
            _fail(f"{flag} must list numbers of at least {least}, got {text!r}")
        return out
    _check_options(time_limit, mip_gap)
    if scale:
        from .bench_scale import run_scale_bench
        run_scale_bench(counts("--scale", scale, 2), out, seconds_per_1000_cells=part_seconds,
                        max_part_cells=part_cells,
                        workers=tuple(counts("--scale-workers", scale_workers, 1)),
                        time_limit_s=scale_time_limit)
        typer.echo(f"wrote {out / 'scale.md'} and {out / 'scale.json'}")
        return
    if orlib:
        run_orlib_bench(out)
        typer.echo(f"wrote {out / 'orlib.md'} and {out / 'orlib.json'}")
        return
    from .bench import HEAD, table_rows
    if not sizes.strip() and not (instance or milan):
        _fail("--sizes must list numbers of sites, or name --instance or --milan to bench")
    rows = run_bench(counts("--sizes", sizes, 2) if sizes.strip() else [], out, instances=instance,
                     mip_gap=mip_gap, time_limit_s=time_limit, work=work, milan=milan,
                     workers=workers)
    from rich.console import Console
    from rich.table import Table
    t = Table(*HEAD, title="netopt bench")
    for r in table_rows(rows):
        t.add_row(*r)
    Console(width=None if sys.stdout.isatty() else 200).print(t)
    typer.echo(f"wrote {out / 'bench.json'} and {out / 'bench.md'}")
    if any(r.get("error") for r in rows):
        raise typer.Exit(1)


@app.command()
def report(path: Path = typer.Argument(..., help="results, comparison or Pareto folder"),
           out: Optional[Path] = typer.Option(None, "--out", help="HTML file (default PATH/report.html)"),
           pareto: Optional[Path] = typer.Option(None, "--pareto", help="also draw this Pareto folder"),
           title: Optional[str] = typer.Option(None, "--title", help="page title")):
    """Write one self-contained HTML report (inline figures, no external files) of a folder."""
    from .report import ReportError, write_report
    try:
        written = write_report(path, out, pareto=pareto, title=title)
    except ReportError as e:
        _fail(str(e))
    typer.echo(f"wrote {written}")


def main():  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
