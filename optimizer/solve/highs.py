"""HiGHS through highspy: compile the Pyomo model to standard form and load the matrices.

This is the fast one-shot path measured in docs/performance.md: Pyomo's
``LinearStandardFormCompiler`` turns the model into sparse arrays, which go to HiGHS in one
``passModel`` call. Columns keep the builder's global order, so solution values map back
without any per-variable Pyomo call.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import tempfile
import time

import highspy
import numpy as np
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from ..stopping import held
from .options import SolverOptions, translate
from .result import SolveResult

INF = highspy.kHighsInf
_scheduler_threads = [None]  # thread count the process's HiGHS scheduler was started with


class CompiledModel:
    """The model as HiGHS arrays, reusable for re-solves with changed column bounds."""

    def __init__(self, built, rows: tuple[str, ...] = ()):
        """``rows`` names row families whose compiled positions are kept in ``row_index``
        (name -> array over the family's rows, -1 where the compiler dropped a row), so that
        re-solves can change their bounds."""
        b = built.builder
        repn = LinearStandardFormCompiler().write(built.model, mixed_form=True,
                                                  column_order=b.columns, set_sense=None)
        pos = {id(v): j for j, v in enumerate(b.columns)}
        self.colmap = np.fromiter((pos[id(v)] for v in repn.columns), np.int64,
                                  len(repn.columns))
        lb, ub, integer = b.bounds()
        self.n_global = len(b.columns)
        self.lb_global, self.ub_global = lb, ub
        self.col_lower = lb[self.colmap].copy()
        self.col_upper = ub[self.colmap].copy()
        self.integer = integer[self.colmap]
        c = repn.c.tocsr()
        self.col_cost = np.asarray(c[0].toarray()).ravel() if c.shape[0] else np.zeros(len(self.colmap))
        self.offset = float(repn.c_offset[0]) if len(repn.c_offset) else 0.0
        sense = np.fromiter((r.bound_type for r in repn.rows), np.int64, len(repn.rows))
        rhs = np.asarray(repn.rhs, float)
        self.row_lower = np.where(sense >= 0, np.where(sense == 0, rhs, -INF), rhs)
        self.row_upper = np.where(sense <= 0, np.where(sense == 0, rhs, INF), rhs)
        self.row_index: dict[str, np.ndarray] = {}
        for name in rows:
            comp = built.model.component(name)
            if comp is None:
                continue
            pos = {id(r.constraint): i for i, r in enumerate(repn.rows)
                   if r.constraint.parent_component() is comp}
            self.row_index[name] = np.fromiter((pos.get(id(comp[i]), -1) for i in range(len(comp))),
                                               np.int64, len(comp))
        A = repn.A.tocsc()
        A.sort_indices()
        self.A = A
        self.n_rows = A.shape[0]

    def highs_lp(self, col_lower=None, col_upper=None, row_lower=None,
                 row_upper=None) -> highspy.HighsLp:
        lp = highspy.HighsLp()
        lp.num_col_ = len(self.colmap)
        lp.num_row_ = self.n_rows
        lp.col_cost_ = self.col_cost
        lp.offset_ = self.offset
        lp.col_lower_ = np.where(np.isinf(self.col_lower if col_lower is None else col_lower), -INF,
                                 self.col_lower if col_lower is None else col_lower)
        lp.col_upper_ = np.where(np.isinf(self.col_upper if col_upper is None else col_upper), INF,
                                 self.col_upper if col_upper is None else col_upper)
        lp.row_lower_ = self.row_lower if row_lower is None else row_lower
        lp.row_upper_ = self.row_upper if row_upper is None else row_upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = self.A.indptr.astype(np.int32)
        lp.a_matrix_.index_ = self.A.indices.astype(np.int32)
        lp.a_matrix_.value_ = self.A.data
        lp.a_matrix_.num_col_ = lp.num_col_
        lp.a_matrix_.num_row_ = lp.num_row_
        if self.integer.any():
            lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                               for i in self.integer]
        return lp

    def restrict(self, keep: np.ndarray, values: np.ndarray, col_lower: np.ndarray,
                 col_upper: np.ndarray, row_lower: np.ndarray,
                 row_upper: np.ndarray) -> "CompiledModel":
        """The model with every column but ``keep`` (compiled order) fixed at ``values``
        (compiled order, a plan feasible under the given bounds): only the rows that touch a
        kept column, their bounds less the fixed columns' activity, and the fixed columns'
        cost in the offset. Its "global" order is ``keep``'s, so its solution maps back as
        ``values[keep] = solution``; any solution of it, so mapped, is feasible for the whole
        model, with the same objective."""
        keep = np.asarray(keep, np.int64)
        sub = object.__new__(CompiledModel)
        Ak = self.A[:, keep]
        rows = np.unique(Ak.indices)
        fixed = values.copy()
        fixed[keep] = 0.0
        act = (self.A @ fixed)[rows]
        n = len(keep)
        sub.colmap = np.arange(n)
        sub.n_global = n
        sub.col_lower, sub.col_upper = col_lower[keep].copy(), col_upper[keep].copy()
        sub.lb_global, sub.ub_global = sub.col_lower, sub.col_upper
        sub.integer = self.integer[keep]
        sub.col_cost = self.col_cost[keep]
        sub.offset = self.offset + float(self.col_cost @ fixed)
        sub.row_lower = row_lower[rows] - act
        sub.row_upper = row_upper[rows] - act
        sub.row_index = {}
        A = Ak.tocsr()[rows].tocsc()
        A.sort_indices()
        sub.A, sub.n_rows = A, len(rows)
        return sub

    def global_values(self, local: np.ndarray) -> np.ndarray:
        """Solution in global column order; columns the compiler dropped take 0 within bounds."""
        vals = np.clip(np.zeros(self.n_global), self.lb_global, self.ub_global)
        vals[self.colmap] = local
        return vals


def highs_version() -> str:
    from importlib.metadata import version
    return version("highspy")


def solve_compiled(cm: CompiledModel, opts: SolverOptions, *, col_lower=None, col_upper=None,
                   relax: bool = False, start: np.ndarray | None = None,
                   row_lower=None, row_upper=None, native: dict | None = None) -> SolveResult:
    """Solve compiled arrays with HiGHS; map every termination to a SolveResult status.

    ``col_lower``/``col_upper``/``row_lower``/``row_upper`` (compiled order) replace the
    model's bounds for this solve; ``start`` (global column order) seeds a MIP; ``native``
    holds HiGHS options by HiGHS's own names, set after the canonical ones."""
    kw = dict(col_lower=col_lower, col_upper=col_upper, relax=relax, start=start,
              row_lower=row_lower, row_upper=row_upper, native=native)
    if opts.log_file is not None:
        return _solve_logged(cm, opts, opts.log_file, **kw)
    # HiGHS's log goes to a temporary file of this solve's own (read into the result)
    fd, log_file = tempfile.mkstemp(prefix="highs-", suffix=".log")
    os.close(fd)  # HiGHS opens the file itself; an open descriptor per solve would leak
    try:
        return _solve_logged(cm, opts, log_file, **kw)
    finally:
        _unlink(log_file)


def _solve_logged(cm: CompiledModel, opts: SolverOptions, log_file: str, *, col_lower,
                  col_upper, relax: bool, start, row_lower, row_upper,
                  native: dict | None = None) -> SolveResult:
    """:func:`solve_compiled` with HiGHS's log written to ``log_file``."""
    h = _quiet_highs(opts.verbose)
    given = dict(native or {})  # by HiGHS's own names, set after the canonical options
    native = translate(opts, "highs")
    h.setOptionValue("log_file", log_file)
    h.setOptionValue("output_flag", True)
    h.setOptionValue("log_to_console", bool(opts.verbose))
    for k, v in native.items():
        h.setOptionValue(k, float(v) if k in ("time_limit", "mip_rel_gap") else int(v))
    for k, v in given.items():
        h.setOptionValue(k, v)
    native.update(given)
    if opts.mip_gap == 0:  # exact: HiGHS would otherwise still stop at its absolute gap 1e-6
        h.setOptionValue("mip_abs_gap", 0.0)
    if opts.threads is not None and opts.threads != _scheduler_threads[0]:
        # HiGHS keeps one global thread scheduler per process and refuses to run with a
        # different thread count until it is reset
        highspy.Highs.resetGlobalScheduler(True)
        _scheduler_threads[0] = opts.threads
    elif opts.threads is None and _scheduler_threads[0] is not None:
        highspy.Highs.resetGlobalScheduler(True)
        _scheduler_threads[0] = None
    lp = cm.highs_lp(col_lower, col_upper, row_lower, row_upper)
    if relax:
        lp.integrality_ = []
    h.passModel(lp)
    is_mip = bool(cm.integer.any()) and not relax
    if start is not None and is_mip:
        # a known feasible plan (global column order) as the MIP start: its integer columns
        # only; HiGHS completes the rest by an LP. (HiGHS 1.16 given the full vector of a
        # feasible plan has returned that vector as "optimal" with another plan's objective.)
        idx = np.flatnonzero(cm.integer).astype(np.int32)
        h.setSolution(len(idx), idx, np.asarray(start, float)[cm.colmap][idx])
    t0 = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - t0
    ms = h.getModelStatus()
    info = h.getInfo()
    S = highspy.HighsModelStatus
    has_sol = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    if ms == S.kOptimal:
        status = "optimal"
    elif ms in (S.kTimeLimit, S.kIterationLimit, S.kSolutionLimit, S.kInterrupt,
                S.kHighsInterrupt, S.kObjectiveBound, S.kObjectiveTarget, S.kMemoryLimit):
        status = "feasible" if has_sol else "time_limit_no_solution"
    elif ms in (S.kInfeasible, S.kUnboundedOrInfeasible):
        status = "infeasible"
    elif ms == S.kModelEmpty:
        status = "optimal"
    else:
        status = "error"
    res = SolveResult(status=status, solve_seconds=seconds, solver="highs",
                      solver_version=highs_version(), message=h.modelStatusToString(ms),
                      options=native)
    if status in ("optimal", "feasible") and (has_sol or ms == S.kModelEmpty):
        sol = h.getSolution()
        local = np.asarray(sol.col_value, float) if len(cm.colmap) else np.zeros(0)
        res.values = cm.global_values(local)
        res.objective = float(info.objective_function_value)
        own = float(cm.col_cost @ local + cm.offset) if len(local) else cm.offset
        if abs(own - res.objective) > 1e-6 * max(1.0, abs(own)):
            # the reported objective does not belong to the returned plan: trust neither
            if start is not None and is_mip:  # once more without the start, in the time left
                left = None if opts.time_limit_s is None else max(opts.time_limit_s - seconds, 1.0)
                again = solve_compiled(cm, opts.merged(time_limit_s=left), col_lower=col_lower,
                                       col_upper=col_upper, relax=relax, start=None,
                                       row_lower=row_lower, row_upper=row_upper, native=given)
                again.solve_seconds += seconds
                return again
            res.status, res.values, res.objective = "error", None, None
            res.message = (f"HiGHS returned a plan whose objective ({own:.10g}) differs from "
                           f"the one it reported ({info.objective_function_value:.10g})")
            return res
        if is_mip:
            res.bound = float(info.mip_dual_bound)
            res.mip_gap = _gap(res.objective, res.bound)
        else:
            res.bound, res.mip_gap = res.objective, 0.0
    elif status == "time_limit_no_solution" and is_mip and np.isfinite(info.mip_dual_bound):
        res.bound = float(info.mip_dual_bound)
    opt_file = log_file + ".options"
    h.setOptionValue("output_flag", False)  # no "Writing the option values" on the console
    h.writeOptions(opt_file)  # HiGHS's own report of the options it ran with
    try:
        with open(log_file, encoding="utf-8", errors="replace") as f:
            res.log = f.read()
        with open(opt_file, encoding="utf-8", errors="replace") as f:
            res.log += "\n# HiGHS options in force\n" + "".join(
                line for line in f if line.strip() and not line.startswith("#")
                and not line.startswith("["))
        os.unlink(opt_file)
    except OSError:
        pass
    return res


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


GRACE_S = 3.0  # seconds past the deadline before a solve that overran it is stopped
GRACE_SHARE = 0.02  # and this share of its limit
# Models of at least this many columns are solved in a process of their own: HiGHS overran a
# 30 s limit by 340 s in its MIP set-up on a 763,511-column model, and a 5 s limit by 3 s on
# Milan (182,304 columns). Starting that process costs up to 3 s, more than whole solves of
# the small models below this size take (docs/performance.md).
OUTSIDE_COLUMNS = 20_000


def _solve_in_child(conn, cm: CompiledModel, opts: SolverOptions, kw: dict,
                    parent: int | None = None) -> None:
    """Worker of :func:`solve_compiled_by`: one solve, its result (or error) sent back. It
    ends itself as soon as its ``parent`` process is gone (killed without the chance to stop
    it), instead of solving on to its time limit."""
    if parent is not None:
        import threading

        def watch():
            while os.getppid() == parent:
                time.sleep(0.5)
            os._exit(1)
        threading.Thread(target=watch, daemon=True).start()  # HiGHS releases the GIL
    try:
        out = solve_compiled(cm, opts, **kw)
    except Exception as exc:  # sent back and raised in the parent
        out = exc
    try:
        conn.send(out)
    finally:
        conn.close()


def solve_compiled_by(cm: CompiledModel, opts: SolverOptions, deadline: float, *,
                      min_columns: int = OUTSIDE_COLUMNS, **kw) -> SolveResult:
    """:func:`solve_compiled` with its time limit enforced from outside.

    HiGHS does not check its time limit everywhere: on the joint model of whole-city Milan
    (763,511 columns) it spent 340 s of a 30 s limit in its MIP set-up (the objective's
    clique partition) before the first node (docs/performance.md). The solve therefore runs
    in a spawned process, with the time left until ``deadline`` (time.perf_counter()) as its
    limit; if no result has come back a short grace after the deadline, the process is
    killed and the result is ``time_limit_no_solution``, so the caller falls back on the
    plans it already has. Models of fewer than ``min_columns`` columns, and solves inside a
    daemonic process (a Dask worker), which may not start children, run here with the limit
    alone."""
    left = max(deadline - time.perf_counter(), 1.0)
    opts = opts.merged(time_limit_s=left)
    if len(cm.colmap) < min_columns or mp.current_process().daemon:
        return solve_compiled(cm, opts, **kw)
    ctx = mp.get_context("spawn")
    recv, send = ctx.Pipe(duplex=False)
    log_file = None
    if opts.log_file is None:  # made and removed here: a killed child cannot remove its own
        fd, log_file = tempfile.mkstemp(prefix="highs-", suffix=".log")
        os.close(fd)
        opts = opts.merged(log_file=log_file)
    proc = ctx.Process(target=_solve_in_child, args=(send, cm, opts, kw, os.getpid()),
                       daemon=True)
    t0 = time.perf_counter()
    out = None
    try:
        with held():  # a SIGTERM now waits until the child has its arguments
            proc.start()
        send.close()
        # the grace covers the process start and sending the plan back
        if recv.poll(max(deadline - time.perf_counter(), 0.0) + GRACE_S + GRACE_SHARE * left):
            out = recv.recv()
    except EOFError:  # the process ended without an answer
        out = EOFError()
    finally:
        recv.close()
        if proc.is_alive():
            proc.kill()
        if proc.pid is not None:
            proc.join()
        if log_file is not None:
            _unlink(log_file)
            _unlink(log_file + ".options")
    if isinstance(out, SolveResult):
        return out
    if isinstance(out, EOFError):
        return SolveResult(status="error", solve_seconds=time.perf_counter() - t0,
                           solver="highs", solver_version=highs_version(),
                           message=f"the solver process ended with exit code {proc.exitcode}")
    if isinstance(out, Exception):  # raised by the solve itself: as if it had run here
        raise out
    return SolveResult(status="time_limit_no_solution", solve_seconds=time.perf_counter() - t0,
                       solver="highs", solver_version=highs_version(),
                       options=translate(opts, "highs"),
                       message="HiGHS overran its time limit and was stopped")


def _quiet_highs(verbose: bool) -> highspy.Highs:
    """A Highs object; its start-up banner goes to stdout only when verbose."""
    if verbose:
        return highspy.Highs()
    import contextlib
    import io
    import sys
    try:  # the process's own stdout: sys.stdout may be a notebook's or a test's stand-in
        fd = sys.__stdout__.fileno()
        saved = os.dup(fd)
    except (OSError, ValueError, AttributeError):
        with contextlib.redirect_stdout(io.StringIO()):
            return highspy.Highs()
    try:
        sys.__stdout__.flush()
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), fd)
            h = highspy.Highs()
    finally:
        os.dup2(saved, fd)
        os.close(saved)
    return h


def _gap(obj: float, bound: float) -> float:
    """Relative gap as HiGHS defines it: |obj - bound| / max(|obj|, tiny)."""
    if not np.isfinite(bound):
        return float("inf")
    return abs(obj - bound) / max(abs(obj), 1e-9) if obj != bound else 0.0
