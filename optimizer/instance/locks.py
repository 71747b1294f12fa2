"""Forced and forbidden cells and data centres (set by scenarios): checks before solving.

A forced cell is built (x = 1), a forbidden one never built nor awake (x = 0; an existing one is
retired); a forced data centre is open (o = 1), a forbidden one closed and given no load.
``with_locks`` returns a copy of an instance with such ids after checking them; the same checks
run again when a model is built from an instance whose fields were set another way.
"""
from __future__ import annotations

from .errors import InstanceError, Problems
from .model import Instance

FIELDS = ("forced_cells", "forbidden_cells", "forced_dcs", "forbidden_dcs")


def check_locks(inst: Instance, *, reach: bool = True) -> list[str]:
    """Problems with the instance's forced and forbidden ids, one line each (empty if none).

    Unknown ids and ids both forced and forbidden; with ``reach``, also what the choice makes
    impossible before any solve: areas no allowed cell reaches (or without the 5G they
    require, or whose demand the allowed cells cannot carry), more forced candidates than
    ``max_new_cells`` or forced sites than ``max_open``, compute no allowed data centre serves.
    """
    p = Problems()
    for kind, forced, forbidden, part, ids in (
            ("cell", inst.forced_cells, inst.forbidden_cells, "radio",
             inst.cells.cell if inst.has_radio else None),
            ("data centre", inst.forced_dcs, inst.forbidden_dcs, "data-centre",
             inst.datacentres.dc if inst.has_datacentres else None)):
        field = "cells" if kind == "cell" else "dcs"
        for what, chosen in (("forced", forced), ("forbidden", forbidden)):
            if not chosen:
                continue
            if ids is None:
                p.add(f"{what} {field}: the instance has no {part} part")
                continue
            unknown = sorted(set(chosen) - set(ids))
            if unknown:
                p.add(f"{what} {field}: {_names(unknown)} {'is' if len(unknown) == 1 else 'are'} "
                      f"not {'a ' + kind if len(unknown) == 1 else kind + 's'} of the instance")
        both = sorted(set(forced) & set(forbidden))
        if both:
            p.add(f"{kind} {_names(both)} {'is' if len(both) == 1 else 'are'} both forced and forbidden")
    if p or not reach:
        return p.lines
    if inst.has_radio and (inst.forced_cells or inst.forbidden_cells):
        _check_radio(inst, p)
    if inst.has_datacentres and (inst.forced_dcs or inst.forbidden_dcs):
        _check_datacentre(inst, p)
    return p.lines


def with_locks(inst: Instance, *, forced_cells=(), forbidden_cells=(), forced_dcs=(),
               forbidden_dcs=()) -> Instance:
    """A copy of ``inst`` with these ids forced or forbidden (added to those it has), checked.

    Raises :class:`InstanceError` with one line per problem.
    """
    out = inst.with_options(
        forced_cells=frozenset(inst.forced_cells) | frozenset(forced_cells),
        forbidden_cells=frozenset(inst.forbidden_cells) | frozenset(forbidden_cells),
        forced_dcs=frozenset(inst.forced_dcs) | frozenset(forced_dcs),
        forbidden_dcs=frozenset(inst.forbidden_dcs) | frozenset(forbidden_dcs))
    problems = check_locks(out)
    if problems:
        raise InstanceError(problems)
    return out


def has_locks(inst: Instance) -> bool:
    return any(getattr(inst, f) for f in FIELDS)


def _names(ids, limit: int = 5) -> str:
    ids = list(ids)
    shown = ", ".join(repr(i) for i in ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def _check_radio(inst: Instance, p: Problems) -> None:
    from .topology import check_coverage
    cells = inst.cells
    ran = inst.ran
    new_forced = cells.status.eq("candidate") & cells.cell.isin(inst.forced_cells)
    if ran.max_new_cells is not None and new_forced.sum() > ran.max_new_cells:
        p.add(f"forced cells: {int(new_forced.sum())} candidate cells are forced but "
              f"[ran] max_new_cells = {ran.max_new_cells}")
    if inst.forbidden_cells:
        allowed = cells[~cells.cell.isin(inst.forbidden_cells)]
        cov = inst.coverage[inst.coverage.cell.isin(allowed.cell)]
        q = Problems()
        check_coverage(allowed, inst.areas, inst.demand, cov, ran, q)
        for line in q.lines:
            p.add(f"with the forbidden cells left out: {line}")


def _check_datacentre(inst: Instance, p: Problems) -> None:
    from .datacentre import _check_reach
    dcs = inst.datacentres
    dcc = inst.datacentre
    forbidden = dcs.dc.isin(inst.forbidden_dcs)
    if dcc.max_open is not None:
        must = ((dcs.status == "existing") | dcs.dc.isin(inst.forced_dcs)) & ~forbidden
        if must.sum() > dcc.max_open:
            p.add(f"forced dcs: {int(must.sum())} data centres are existing or forced open but "
                  f"[datacentre] max_open = {dcc.max_open}")
    if forbidden.any():
        allowed = dcs[~forbidden]
        routes = inst.routes[inst.routes.dc.isin(allowed.dc)]
        q = Problems()
        _check_reach(routes, allowed, inst.compute, dcc, inst.time.periods, q)
        for line in q.lines:
            p.add(f"with the forbidden data centres closed: {line}")
