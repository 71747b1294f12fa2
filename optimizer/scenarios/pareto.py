"""Pareto fronts of two criteria by the epsilon-constraint method.

Criteria: the four objectives (``energy``, ``grid_energy``, ``carbon``, ``cost``, all per
year) and ``new_5g_cells`` (5G candidate cells built). ``pareto(instance, x, y, points)``:

1. the two anchors, each lexicographic so that it is itself Pareto-optimal: least ``y``
   (then least ``x`` at that ``y``), and least ``x`` (then least ``y`` at that ``x``);
2. between them, ``points - 2`` solves of least ``x`` subject to ``y <= eps`` with eps evenly
   spaced from the first anchor's ``y`` to the second's (integers for ``new_5g_cells``).

The model is built and compiled once; each point changes only the cost vector and the bound
of one extra row. Points are solved from the tightest eps to the loosest, each seeded with
the previous plan (feasible for every looser eps). A point that a time limit leaves with a
gap can be dominated by another; it is kept and flagged ``dominated``.
"""
from __future__ import annotations

import copy
import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..solution import put_folder, tmp_folder

CRITERIA = ("energy", "grid_energy", "carbon", "cost", "new_5g_cells")
LABELS = {"energy": "energy (kWh/yr)", "grid_energy": "grid energy (kWh/yr)",
          "carbon": "carbon (t CO2/yr)", "cost": "cost (CNY/yr)",
          "new_5g_cells": "new 5G cells"}
SUMMARY = {"energy": "energy_kwh", "grid_energy": "grid_energy_kwh", "carbon": "carbon_t",
           "cost": "cost_cny", "new_5g_cells": "new_5g_cells"}
COLUMNS = ["point", "status", "mip_gap", "x", "y", "eps", "energy_kwh", "grid_energy_kwh",
           "carbon_t", "cost_cny", "new_5g_cells", "solve_seconds", "dominated"]


@dataclass
class ParetoFront:
    """The points (a DataFrame with :data:`COLUMNS`) and what they trade off."""

    instance: str
    x: str
    y: str
    points: pd.DataFrame
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def meta(self) -> dict:
        return {"instance": self.instance, "x": self.x, "y": self.y, "x_label": LABELS[self.x],
                "y_label": LABELS[self.y], "points": int(len(self.points)),
                "method": "epsilon-constraint (least x subject to y <= eps), lexicographic anchors",
                "seconds": round(self.seconds, 3), "notes": self.notes}

    def write(self, out: str | Path) -> Path:
        """Write pareto.csv, pareto.json and the plot (pareto.svg, pareto.png) atomically."""
        out = Path(out)
        tmp = tmp_folder(out)
        try:
            self.points.to_csv(tmp / "pareto.csv", index=False, float_format="%.10g")
            (tmp / "pareto.json").write_text(json.dumps(self.meta(), indent=2) + "\n",
                                             encoding="utf-8")
            plot(self, tmp / "pareto.svg")
            plot(self, tmp / "pareto.png")
            put_folder(tmp, out, "pareto.json")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return out


#: points whose criteria agree to this relative tolerance are one point (the lexicographic
#: stages hold a criterion at its optimum with a slack of 1e-7 of it)
SAME = 1e-6


def _repeats(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """True for each point that repeats an earlier one (both criteria within SAME)."""
    out = np.zeros(len(X), bool)
    for i in range(len(X)):
        if np.isnan(X[i]):
            continue
        for j in range(i):
            if not out[j] and not np.isnan(X[j]) and \
                    abs(X[i] - X[j]) <= SAME * max(abs(X[j]), 1e-9) + 1e-12 and \
                    abs(Y[i] - Y[j]) <= SAME * max(abs(Y[j]), 1e-9) + 1e-12:
                out[i] = True
                break
    return out


def plot(front: ParetoFront, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    df = front.points.sort_values("y")
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    good = df[~df.dominated & df.status.isin(["optimal", "feasible"])]
    ax.plot(good.x, good.y, "-o", color="#1f6f8b", label="Pareto points")
    bad = df[df.dominated]
    if len(bad):
        ax.plot(bad.x, bad.y, "x", color="#b03a2e", label="dominated (time limit)")
    ax.set_xlabel(LABELS[front.x])
    ax.set_ylabel(LABELS[front.y])
    ax.set_title(f"{front.instance}: {front.x} against {front.y}")
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _criterion(built, inst, kind: str):
    """Dense global cost vector and constant of a criterion."""
    from ..formulation.energy import criterion_terms
    c = np.zeros(len(built.builder.columns))
    if kind == "new_5g_cells":
        r = built.handles.get("radio")
        if r is None:
            raise ValueError("new_5g_cells needs a radio part")
        ix = built.handles["radio_index"]
        cand = np.flatnonzero(ix.free & ~ix.existing & ix.is5g)
        np.add.at(c, r["x"].cols(ix.xvar[cand]), 1.0)
        forced = getattr(ix, "forced", np.zeros(len(ix.cell_ids), bool))
        return c, float((forced & ~ix.existing & ix.is5g & ~ix.free).sum())
    cols, coef, const = criterion_terms(inst, built.ledger, built.handles["energy"], kind)
    np.add.at(c, cols, coef)
    return c, const


def _variant(cm, cost: np.ndarray, offset: float, row: np.ndarray, row_ub: float):
    """The compiled model with another cost vector and one extra row ``row . v <= row_ub``."""
    v = copy.copy(cm)
    v.col_cost = cost[cm.colmap]
    v.offset = offset
    r = sp.csr_matrix(row[cm.colmap].reshape(1, -1))
    v.A = sp.vstack([cm.A, r]).tocsc()
    v.A.sort_indices()
    v.n_rows = cm.n_rows + 1
    v.row_lower = np.r_[cm.row_lower, -np.inf]
    v.row_upper = np.r_[cm.row_upper, row_ub]
    return v


def pareto(instance, x: str = "energy", y: str = "carbon", points: int = 5, *,
           time_limit_s: float | None = None, mip_gap: float | None = None,
           threads: int | None = None, seed: int | None = None, progress=None,
           work: int | None = None) -> ParetoFront:
    """Trace ``points`` points of the front of criteria ``x`` and ``y`` (see module doc).

    ``time_limit_s`` applies to each solve (a front takes up to ``points + 2`` solves);
    ``work`` instead limits each to that many branch-and-bound nodes on one thread, which
    gives the same front on any machine.
    Returns a :class:`ParetoFront`; its points carry all four yearly KPIs and the number of
    new 5G cells, whatever the two criteria.
    """
    from ..formulation import build_model
    from ..formulation.energy import evaluate
    from ..solve import plan_values, options_for
    from ..solve.highs import CompiledModel, solve_compiled

    for k in (x, y):
        if k not in CRITERIA:
            raise ValueError(f"unknown criterion {k!r}; choose from {', '.join(CRITERIA)}")
    if x == y:
        raise ValueError("x and y must be different criteria")
    if points < 2:
        raise ValueError("a front needs at least 2 points")
    say = progress or (lambda msg: None)
    t0 = time.perf_counter()
    grid_kinds = [k for k in (x, y) if k in ("grid_energy", "carbon", "cost")]
    built = build_model(instance, grid_kinds[0] if grid_kinds else "energy")
    cm = CompiledModel(built)
    opts = options_for(instance, time_limit_s=time_limit_s, mip_gap=mip_gap, threads=threads,
                       seed=seed).merged(verbose=False)
    native = None
    if work is not None:  # nodes, one thread, no clock: reproducible
        from dataclasses import replace as _replace
        opts = _replace(opts, time_limit_s=None, threads=1)
        native = {"mip_max_nodes": int(work)}
    cx, kx = _criterion(built, instance, x)
    cy, ky = _criterion(built, instance, y)
    integer_y = y == "new_5g_cells"
    rows: list[dict] = []
    notes: list[str] = []

    def run(cost, const, row, row_ub, start):
        return solve_compiled(_variant(cm, cost, const, row, row_ub), opts, start=start,
                              native=native)

    c5, k5 = _criterion(built, instance, "new_5g_cells") if instance.has_radio else (None, 0.0)

    def record(res, eps, seconds):
        row = {"point": len(rows), "status": res.status, "mip_gap": res.mip_gap, "eps": eps,
               "solve_seconds": round(seconds, 4)}
        if res.has_solution:
            v = plan_values(built, res.values)
            ev = evaluate(instance, built.ledger, v)
            row.update({k: ev[k] for k in ("energy_kwh", "grid_energy_kwh", "carbon_t", "cost_cny")})
            row["new_5g_cells"] = float(c5 @ v + k5) if c5 is not None else 0.0
            row["x"], row["y"] = row[SUMMARY[x]], row[SUMMARY[y]]
        rows.append(row)

    def tol(kind, v):
        """Slack that holds a criterion at its optimum in a lexicographic second stage."""
        return 0.5 if kind == "new_5g_cells" else max(abs(v) * 1e-7, 1e-9)

    # anchor 1: least y, then least x with y held
    say("anchor: least " + y)
    t = time.perf_counter()
    r1 = run(cy, ky, cy, np.inf, None)
    if not r1.has_solution:
        raise RuntimeError(f"least {y}: the solver returned {r1.status}")
    y_min = r1.objective
    r1b = run(cx, kx, cy, y_min - ky + tol(y, y_min), r1.values)
    a1 = r1b if r1b.has_solution else r1
    record(a1, y_min, time.perf_counter() - t)
    # anchor 2: least x, then least y with x held
    say("anchor: least " + x)
    t = time.perf_counter()
    r2 = run(cx, kx, cy, np.inf, a1.values)
    if not r2.has_solution:
        raise RuntimeError(f"least {x}: the solver returned {r2.status}")
    x_min = r2.objective
    r2b = run(cy, ky, cx, x_min - kx + tol(x, x_min), r2.values)
    a2 = r2b if r2b.has_solution else r2
    a2_seconds = time.perf_counter() - t
    y_max = float(cy @ a2.values + ky) if a2.has_solution else y_min
    interior = max(points - 2, 0)
    if y_max - y_min <= tol(y, y_min):
        notes.append(f"no trade-off: the least-{x} plan is also a least-{y} plan")
        eps_list = []
    elif integer_y:
        inner = np.arange(int(round(y_min)) + 1, int(round(y_max)))  # integers strictly between
        pick = np.linspace(0, len(inner) - 1, min(interior, len(inner))).round().astype(int)
        eps_list = [float(e) for e in inner[np.unique(pick)]] if len(inner) and interior else []
    else:
        eps_list = list(np.linspace(y_min, y_max, interior + 2)[1:-1])
    prev = a1.values
    pts = []
    for i, eps in enumerate(eps_list):
        say(f"point {i + 1}/{len(eps_list)}: {y} <= {eps:.6g}")
        t = time.perf_counter()
        res = run(cx, kx, cy, eps - ky + (1e-9 if not integer_y else 0.0), prev)
        pts.append((res, eps, time.perf_counter() - t))
        if res.has_solution:
            prev = res.values
    for res, eps, sec in pts:
        record(res, eps, sec)
    if eps_list or not notes:  # with no trade-off the second anchor is the first again
        record(a2, y_max, a2_seconds)
    df = pd.DataFrame(rows)
    if "x" in df:  # one row per distinct plan value (a lexicographic anchor may repeat a point)
        df = df[~_repeats(df.x.to_numpy(float), df.y.to_numpy(float))].reset_index(drop=True)
    for c in COLUMNS:
        if c not in df:
            df[c] = np.nan
    df["dominated"] = False
    ok = df.status.isin(["optimal", "feasible"]) & df.x.notna()
    X, Y = df.x.to_numpy(float), df.y.to_numpy(float)
    for i in np.flatnonzero(ok):
        others = ok.to_numpy() & (np.arange(len(df)) != i)
        dom = others & (X <= X[i] * (1 + 1e-7) + 1e-9) & (Y <= Y[i] * (1 + 1e-7) + 1e-9) & \
            ((X < X[i] * (1 - 1e-7) - 1e-9) | (Y < Y[i] * (1 - 1e-7) - 1e-9))
        df.loc[i, "dominated"] = bool(dom.any())
    df = df.sort_values(["y", "x"], kind="stable").reset_index(drop=True)
    df["point"] = np.arange(len(df))
    return ParetoFront(instance.name, x, y, df[COLUMNS], time.perf_counter() - t0, notes)
