"""Model size estimated from an instance without building it."""
from __future__ import annotations


def estimate_size(inst) -> dict:
    T = inst.time.periods
    out = {}
    if inst.has_radio:
        nc, na, nl = len(inst.cells), len(inst.areas), len(inst.coverage)
        linked = inst.cells.cell.isin(set(inst.coverage.cell))
        cand = inst.cells.status == "candidate"
        free = int((cand & linked).sum()) + (int((~cand).sum()) if inst.ran.allow_retire else 0)
        dem = inst.demand
        n_at = len(dem)
        per_area = inst.coverage.groupby("area").size()
        flows = int(dem.area.map(per_area).fillna(0).sum())
        binaries = free + nc * T
        out.update(binaries_estimated=binaries,
                   variables_estimated=binaries + flows + 3 * nc * T,
                   constraints_estimated=free * T + 2 * flows + n_at + na * T + 2 * nc * T)
    return out
