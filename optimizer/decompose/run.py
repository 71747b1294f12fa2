"""Running independent tasks in this process or on a Dask cluster: ``run_tasks``.

A :class:`Task` is a module-level function and its arguments. Only plain data crosses to a
worker: paths (instance folders, scenario files), pandas DataFrames, dicts, frozen
dataclasses of plain data (an :class:`~optimizer.instance.model.Instance` is one), never a
Pyomo model; each task builds and solves its own model where it runs and returns plain data.

``run_tasks(tasks)`` runs them one after the other here; ``workers=N`` starts a
``distributed.LocalCluster`` of N single-threaded worker processes on the loopback interface
for the run; ``scheduler="tcp://host:port"`` uses an existing Dask cluster (started with
``dask scheduler`` and ``dask worker ADDRESS``, docs/distributed.md) and leaves it running.

Failures never stop the other tasks. A task that raises, or whose worker process dies
(killed, out of memory, a crash in a native library), is run again up to ``retries`` times;
a task that fails for good comes back with ``ok=False`` and a one-line ``error`` naming it.

Threads: tasks that solve should pass ``threads=1`` to HiGHS through their own arguments
when several run at once (the caller decides; nothing here changes a task's arguments).
Worker processes are daemonic: a task cannot start a process pool of its own.

Memory: each result carries ``peak_mb``, the peak resident memory of the process while the
task ran (on a worker with one thread the peak is reset before each task, so it is the
task's own; in this process it is the process's peak so far). ``RunResults.workers`` maps
each worker to the peak of its process over the run.
"""
from __future__ import annotations

import logging
import os
import time
import traceback
import uuid
import warnings
from collections import deque
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["Task", "TaskResult", "RunResults", "RunError", "run_tasks"]

#: seconds to wait for an existing scheduler to answer
CONNECT_TIMEOUT_S = 10.0
#: seconds between looks at the cluster (free threads, workers back after a restart)
POLL_S = 0.25


@dataclass(frozen=True)
class Task:
    """``fn(*args, **kwargs)`` under ``name`` (unique within a run). ``fn`` must be a
    module-level function importable on the workers; arguments and result plain data.
    ``at_start``, if given, is called here as each attempt starts and its tuple replaces
    ``args`` (arguments that depend on when the task runs: the time left)."""
    name: str
    fn: Callable[..., Any]
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    at_start: Callable[[], tuple] | None = field(default=None, compare=False, repr=False)

    def start_args(self) -> tuple:
        return self.args if self.at_start is None else self.at_start()


@dataclass
class TaskResult:
    """What became of one task. ``attempts`` counts runs (1 when it succeeded at once);
    ``worker`` is the Dask worker address of the last attempt ("local" in this process);
    ``seconds`` the wall time of the last attempt; ``peak_mb`` its peak resident memory
    (MiB, None when unknown: its worker died)."""
    name: str
    ok: bool
    value: Any = None
    error: str | None = None
    attempts: int = 0
    worker: str | None = None
    seconds: float = 0.0
    peak_mb: float | None = None
    traceback: str | None = field(default=None, repr=False)


class RunResults(dict):
    """``{task name: TaskResult}`` in the order the tasks were given, and about the run:
    ``workers`` ({worker: peak resident MiB of its process}), ``where`` (in-process, local
    cluster or the scheduler's address) and ``seconds`` (wall)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.workers: dict[str, float] = {}
        self.where: str = "in-process"
        self.seconds: float = 0.0

    @property
    def failed(self) -> list[TaskResult]:
        return [r for r in self.values() if not r.ok]


class RunError(RuntimeError):
    """The run could not start (say, the scheduler does not answer)."""


# ----------------------------------------------------------------------------- in the worker

_PEAK_KB = 0  # this process's peak resident memory before the last reset of VmHWM


def _status_kb(key: str = "VmHWM") -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


def _reset_peak() -> None:
    """Keep the process's peak so far, then reset VmHWM to the current resident size."""
    global _PEAK_KB
    _PEAK_KB = max(_PEAK_KB, _status_kb())
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
    except OSError:
        pass


def _worker_peak_mb() -> float:
    """Peak resident MiB of this process since it started (``client.run``)."""
    return max(_PEAK_KB, _status_kb()) / 1024.0


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _attempt(fn, args, kwargs, where: str | None = None, reset: bool = False) -> dict:
    """Run ``fn`` once and describe the outcome; an exception is returned, not raised."""
    if where is None:
        from distributed import get_worker
        where = get_worker().address
    if reset:
        _reset_peak()
    out: dict = {"worker": where, "pid": os.getpid()}
    t0 = time.perf_counter()
    try:
        out["value"] = fn(*args, **kwargs)
        out["ok"] = True
    except Exception as e:  # noqa: BLE001 - reported in the task's result
        out.update(ok=False, error=_one_line(f"{type(e).__name__}: {e}" if str(e) else type(e).__name__),
                   traceback=traceback.format_exc())
    out["seconds"] = time.perf_counter() - t0
    out["peak_mb"] = _status_kb() / 1024.0
    return out


# ----------------------------------------------------------------------------- the runner

def run_tasks(tasks: list[Task], *, workers: int | None = None, scheduler: str | None = None,
              retries: int = 2, progress: Callable[[str, str], None] | None = None,
              threads_per_worker: int = 1, verbose: bool = False,
              memory_limit: str | float | None = "auto",
              on_result: Callable[[TaskResult], None] | None = None) -> RunResults:
    """Run independent ``tasks`` and return ``{name: TaskResult}`` in the order given.

    ``workers`` None or 1 without ``scheduler``: one after the other in this process.
    ``workers=N``: on a LocalCluster of N processes of ``threads_per_worker`` threads on
    127.0.0.1, closed afterwards (``memory_limit`` per worker, "auto" = RAM / N; a worker
    past 95 % of it is restarted). ``scheduler="tcp://host:port"``: on that cluster, left
    running; its workers must import the tasks' functions and see the same file paths.

    A task that raises or whose worker dies is run again, up to ``retries`` more times
    (on a LocalCluster the scheduler gives up on a task at its first worker death and it is
    resubmitted here; an existing scheduler applies its own ``allowed-failures`` within each
    attempt, and ``attempts`` counts those runs too). ``progress(name, "ok" | "failed")`` and
    ``on_result(TaskResult)`` are called as each task finishes for good. Dask's log lines
    are silenced unless ``verbose``. Raises :class:`RunError` when no cluster can be used.
    """
    names = [t.name for t in tasks]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"task names must be unique; repeated: {', '.join(map(str, dup))}")
    if retries < 0:
        raise ValueError(f"retries must be >= 0, got {retries}")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    t0 = time.perf_counter()

    def finish(res: TaskResult) -> None:
        done[res.name] = res
        if progress is not None:
            progress(res.name, "ok" if res.ok else "failed")
        if on_result is not None:
            on_result(res)

    done: dict[str, TaskResult] = {}
    if not tasks:
        where, peaks = "nothing to run", {}
    elif scheduler is None and (workers or 1) == 1:
        where, peaks = "in-process", _run_here(tasks, retries, finish)
    else:  # no more local workers than tasks
        where, peaks = _run_dask(tasks, min(workers or 1, len(tasks)), scheduler, retries,
                                 threads_per_worker, verbose, memory_limit, finish)
    out = RunResults((t.name, done[t.name]) for t in tasks)
    out.where, out.workers, out.seconds = where, peaks, time.perf_counter() - t0
    return out


def _result(name: str, attempts: int, o: dict) -> TaskResult:
    err = o.get("error")
    return TaskResult(name=name, ok=bool(o.get("ok")), value=o.get("value"),
                      error=f"task {name!r}: {err}" if err is not None else None,
                      attempts=attempts, worker=o.get("worker"), seconds=o.get("seconds", 0.0),
                      peak_mb=o.get("peak_mb"), traceback=o.get("traceback"))


def _run_here(tasks, retries, finish) -> dict[str, float]:
    for t in tasks:
        for attempt in range(1, retries + 2):
            o = _attempt(t.fn, t.start_args(), t.kwargs, where="local")
            if o["ok"]:
                break
        if not o["ok"] and attempt > 1:
            o["error"] += f"; {attempt} attempts failed"
        finish(_result(t.name, attempt, o))
    return {"local": _worker_peak_mb()}


@contextmanager
def _quiet(verbose: bool):
    """Dask's loggers in this process at CRITICAL for the run (unless ``verbose``)."""
    if verbose:
        yield
        return
    manager = logging.Logger.manager
    names = ["distributed"] + [n for n in list(manager.loggerDict)
                               if n.startswith("distributed.")
                               and isinstance(manager.loggerDict[n], logging.Logger)
                               and manager.loggerDict[n].level != logging.NOTSET]
    saved = {n: logging.getLogger(n).level for n in names}
    for n in names:
        logging.getLogger(n).setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for n, level in saved.items():
            logging.getLogger(n).setLevel(level)


def _open_client(stack: ExitStack, workers: int, scheduler: str | None, threads: int,
                 verbose: bool, memory_limit):
    import dask
    from distributed import Client, LocalCluster
    if scheduler is not None:
        try:
            return stack.enter_context(Client(scheduler, set_as_default=False,
                                              timeout=CONNECT_TIMEOUT_S))
        except Exception as e:  # noqa: BLE001 - one line for the caller
            raise RunError(f"cannot use the Dask scheduler at {scheduler}: "
                           f"{_one_line(f'{type(e).__name__}: {e}')}") from None
    # allowed-failures 0: a worker death fails the attempt at once and run_tasks resubmits
    # it, so one budget (retries) covers exceptions and deaths alike
    with dask.config.set({"distributed.scheduler.allowed-failures": 0,
                          "distributed.scheduler.worker-saturation": 1.0}):
        cluster = stack.enter_context(LocalCluster(
            n_workers=workers, threads_per_worker=threads, processes=True, host="127.0.0.1",
            dashboard_address=None, memory_limit=memory_limit,
            # no dashboard; the scheduler's small HTTP server (metrics, info) on a free
            # loopback port rather than 8787, which another cluster may hold
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            silence_logs=False if verbose else logging.CRITICAL))
    return stack.enter_context(Client(cluster, set_as_default=False))


def _run_dask(tasks, workers, scheduler, retries, threads, verbose, memory_limit,
              finish) -> tuple[str, dict[str, float]]:
    import distributed  # noqa: F401 - its loggers exist before they are quietened
    from distributed import KilledWorker, wait

    with ExitStack() as stack:
        stack.enter_context(_quiet(verbose))
        client = _open_client(stack, workers, scheduler, threads, verbose, memory_limit)
        external = scheduler is not None
        where = scheduler if external else f"local cluster of {workers} workers"

        def nthreads() -> dict:
            try:
                return client.nthreads()
            except Exception:  # noqa: BLE001 - the next look will tell
                return {}

        # per-task peaks need the worker to run one task at a time
        reset = all(n == 1 for n in nthreads().values()) if external else threads == 1
        tag = uuid.uuid4().hex[:8]
        pending = deque(tasks)
        attempts = {t.name: 0 for t in tasks}
        running: dict = {}
        peaks: dict[str, float] = {}

        def submit(t: Task) -> None:
            attempts[t.name] += 1
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*[Ll]arge graph")
                fut = client.submit(_attempt, t.fn, t.start_args(), t.kwargs, reset=reset,
                                    key=f"{t.name}-{tag}-{attempts[t.name]}", pure=False)
            running[fut] = t

        def outcome(fut, t: Task) -> dict:
            try:
                o = fut.result()
            except KilledWorker as e:
                last = getattr(e.last_worker, "address", None)
                attempts[t.name] += e.allowed_failures  # the scheduler's own re-runs
                return {"ok": False, "worker": last, "died": True,
                        "error": f"its worker process died (last on {last})"}
            except Exception as e:  # noqa: BLE001 - lost comm, cancelled, unpicklable result
                return {"ok": False, "error": _one_line(f"{type(e).__name__}: {e}")}
            if external:
                attempts[t.name] += _suspicious(client, fut.key)
            return o

        while pending or running:
            free = max(1, sum(nthreads().values())) - len(running)
            # no more tasks in flight than threads: a task never waits on a worker that
            # another task might kill, and a restarted worker gets the next one
            while pending and free > 0:
                submit(pending.popleft())
                free -= 1
            try:
                with client.as_current():  # wait() asks for the current client
                    finished = wait(list(running), timeout=POLL_S,
                                    return_when="FIRST_COMPLETED").done
            except TimeoutError:
                continue
            for fut in finished:
                t = running.pop(fut)
                o = outcome(fut, t)
                fut.release()
                if o.get("worker") and o.get("peak_mb") is not None:
                    peaks[o["worker"]] = max(peaks.get(o["worker"], 0.0), o["peak_mb"])
                if o["ok"] or attempts[t.name] > retries:
                    if not o["ok"] and attempts[t.name] > 1:
                        o["error"] += f"; {attempts[t.name]} attempts failed"
                    finish(_result(t.name, attempts[t.name], o))
                else:
                    pending.appendleft(t)
        try:
            for w, mb in client.run(_worker_peak_mb).items():
                peaks[w] = max(peaks.get(w, 0.0), mb)
        except Exception:  # noqa: BLE001 - peaks from the tasks remain
            pass
        return where, peaks


def _suspicious(client, key) -> int:
    """How often an existing scheduler re-ran ``key`` after its worker died."""
    def count(dask_scheduler, key=key):
        ts = dask_scheduler.tasks.get(key)
        return int(getattr(ts, "suspicious", 0) or 0)
    try:
        return client.run_on_scheduler(count)
    except Exception:  # noqa: BLE001 - unknown: count the attempt once
        return 0
