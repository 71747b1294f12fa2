"""Explaining infeasibility: re-solve with penalised slacks and name what cannot be served."""
from __future__ import annotations

import numpy as np

from ..formulation import build_model
from .options import SolverOptions


def _ranges(periods) -> str:
    periods = sorted(int(p) for p in periods)
    out, start, prev = [], periods[0], periods[0]
    for p in periods[1:] + [None]:
        if p is not None and p == prev + 1:
            prev = p
            continue
        out.append(f"{start}" if start == prev else f"{start}-{prev}")
        if p is not None:
            start = prev = p
    return ",".join(out)


def _in_periods(periods) -> str:
    """"in period 3" or "in periods 0-2,5"."""
    periods = list(periods)
    return f"in period{'s' if len(set(periods)) > 1 else ''} {_ranges(periods)}"


def diagnose_infeasible(inst, opts: SolverOptions, limit: int = 20) -> list[str]:
    """Lines naming the areas and periods that cannot be served, covered or given 5G.

    The slack model minimises the share of each area's demand left unserved plus missing
    coverage and missing 5G, so every line names something no plan can avoid (though which
    of several competing areas is reported may be one choice among equals).
    """
    from . import run_solver
    built = build_model(inst, diagnose=True)
    res, _, _ = run_solver(built, opts.merged(verbose=False))
    if not res.has_solution:
        return [f"the slack model could not be solved ({res.status}); no diagnosis"]
    v = res.values
    out = []
    r = built.handles.get("radio")
    if r is not None:
        ix = built.handles["radio_index"]
        T = ix.T
        if r["u"] is not None:
            u = v[r["u"].cols(np.arange(r["u"].n))]
            at = r["at_d"]
            hit = u > 1e-6
            areas = at[hit] // T
            for a in np.unique(areas)[:limit]:
                sel = areas == a
                out.append(f"area {ix.area_ids[a]}: demand cannot be served "
                           f"{_in_periods(at[hit][sel] % T)} (up to {u[hit][sel].max():.4g} Mbps short)")
        for name, what in (("coverage", "fewer awake cells than min_coverage"),
                           ("5g", "no 5G cell can be awake")):
            blk = r["slacks"].get(name)
            if blk is None:
                continue
            s = v[blk.cols(np.arange(blk.n))]
            hit = np.flatnonzero(s > 1e-6)
            base = ix.area_ids if name == "coverage" else ix.area_ids[np.flatnonzero(ix.requires_5g)]
            for a in np.unique(hit // T)[:limit]:
                ps = hit[hit // T == a] % T
                out.append(f"area {base[a]}: {what} {_in_periods(ps)}")
    if not out:
        out.append("no area is short of capacity or coverage; a limit such as max_new_cells or "
                   "max_wakeups makes the instance infeasible")
    return out
