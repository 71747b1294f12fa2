"""Splitting an instance into parts solved independently, and merging them into one plan.

Graph: one node per radio site and per area, an edge where a cell of the site reaches the
area (NetworkX). A site's cells share its overhead, so sites, not cells, are the unit.

Exact parts (``exact = True``): under the ``energy`` objective (or where no region has
renewables, so that grid = load) the connected components of this graph are independent:
the optimum is the union of the components' optima and the sum of their bounds is a bound.
Small components are packed together up to ``max_cells`` cells per part. A data-centre part
is independent of the radio under ``energy``.

Clusters (``exact = False``): a component larger than ``max_cells`` is cut into clusters of
at most ``max_cells`` cells by recursive coordinate bisection (``cut="bisect"``, the
default): ceil(cells / max_cells) pieces, the sites cut at cell-weighted quantiles of the
wider of longitude and latitude, and each area joins the piece of its nearest site. ``cut="louvain"`` uses NetworkX
Louvain communities (seeded) instead. On a generated 10,021-cell city at 1,500 cells per
part, bisection (then by halving) took 1.8 s for 9 clusters holding 12,332 cells in all
(boundary cells count in each cluster), Louvain 9.2 s for 8 clusters holding 13,201, the largest 2,155 cells;
on the 100,244-cell city Louvain took 218 s. Each area belongs to one cluster; a cluster
holds its areas and every cell that reaches one of them, so boundary cells appear in several
clusters. Each cluster is solved twice:

- relaxed: boundary cells and sites carry a share of their costs (no-load, sleep, wake-up,
  embodied energy, site overhead; the shares of a cell sum to 1 over its clusters) and their
  full capacity; every cluster sees its regions' full renewable supply and the whole
  ``max_new_cells`` budget. Any plan of the whole instance restricted to a cluster is
  feasible here and costs at least the cluster's share, and grid = max(load - renewables, 0)
  is superadditive over non-negative loads, so the **sum of the clusters' dual bounds is a
  valid lower bound** of the whole instance, for every objective.
- plan: the same with each boundary cell's *capacity* cut to its share, so the clusters'
  flows can never overload it. The union (a cell is built / awake when any cluster builds /
  wakes it; its traffic is the sum) is feasible for the whole instance; with ``max_wakeups``,
  a boundary cell whose union schedule wakes too often stays awake in every period.

With renewables and a non-energy objective, or a data-centre part under a grid-based
objective, the parts are coupled by the regional balance: the data-centre part is solved first
with the full renewables (its bound counts, by the same superadditivity), and the radio parts'
plans see the renewables its load left. The merged plan is accounted for exactly
(:func:`account`), from plain tables, without building the whole model.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import networkx as nx
import numpy as np
import pandas as pd

from ..instance.model import Instance


#: largest part in radio cells by default: a 1,000-site generated city (2,250 cells) peaked
#: at 4.9 GB solved whole (docs/performance.md); parts of 3,000 cells stay near that
PARTS_CELLS = 3000


@dataclass
class Part:
    """One part. ``instance``: boundary costs shared, full capacities, all renewables (its
    dual bound counts towards the whole bound; with no boundary cell it is exact).
    ``plan``: the same with boundary capacities cut to their shares and a share of
    ``max_new_cells``, or None where it would not differ. ``shares``: cell -> cost share."""
    name: str
    instance: Instance
    plan: Instance | None
    cells: int
    kind: str  # radio | datacentre
    shares: pd.Series | None = None


@dataclass
class Split:
    parts: list[Part]
    exact: bool
    method: str
    reason: str = ""  # why the merged result is not exact
    graph_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def site_area_graph(inst: Instance) -> nx.Graph:
    """Sites and areas as nodes ("s", id) / ("a", id); an edge where a site's cell reaches an area."""
    g = nx.Graph()
    g.add_nodes_from(("s", s) for s in inst.sites.site)
    g.add_nodes_from(("a", a) for a in inst.areas.area)
    site_of = inst.cells.set_index("cell").site
    pairs = pd.DataFrame({"s": site_of.reindex(inst.coverage.cell).to_numpy(),
                          "a": inst.coverage.area.to_numpy()}).drop_duplicates()
    g.add_edges_from(zip(zip(["s"] * len(pairs), pairs.s), zip(["a"] * len(pairs), pairs.a)))
    return g


def _coupled_by_balance(inst: Instance, objective: str) -> bool:
    if objective == "energy" or inst.renewables is None or not len(inst.renewables):
        return False
    return bool((inst.renewables.renewable_kw > 0).any())


def shared_regions(inst: Instance, objective: str, parts: list[Part]) -> set:
    """Regions whose renewables several parts draw on (only grid-based objectives care)."""
    if not _coupled_by_balance(inst, objective):
        return set()
    ren = inst.renewables
    green = set(ren.region[ren.renewable_kw > 0])
    users: dict = {}
    for p in parts:
        regs = set(p.instance.sites.region) if p.kind == "radio" else \
            set(inst.datacentres.region) | set(inst.compute.region)
        for r in regs & green:
            users.setdefault(r, set()).add(p.name)
    return {r for r, u in users.items() if len(u) > 1}


def split(inst: Instance, objective: str, *, max_cells: int = PARTS_CELLS, seed: int = 0,
          cut: str = "bisect") -> Split:
    """Parts of ``inst`` (see the module doc). ``max_cells`` bounds a part's radio cells;
    ``cut`` ("bisect" or "louvain") is how a larger component is cut into clusters."""
    if cut not in ("bisect", "louvain"):
        raise ValueError(f"cut must be bisect or louvain, got {cut!r}")
    t0 = time.perf_counter()
    parts: list[Part] = []
    notes: list[str] = []
    exact = True
    reasons = []
    dc_part = None
    if inst.has_datacentres:
        from ..instance.model import RADIO_FIELDS
        dc_inst = replace(inst, name=f"{inst.name}/datacentres", **dict.fromkeys(RADIO_FIELDS))
        dc_part = Part("datacentres", dc_inst, None, 0, "datacentre")
    if not inst.has_radio:
        return Split([dc_part] if dc_part else [], exact, "datacentres", "; ".join(reasons),
                     time.perf_counter() - t0, notes)
    g = site_area_graph(inst)
    comps = [c for c in nx.connected_components(g)]
    site_of = inst.cells.set_index("cell").site
    n_cells_site = inst.cells.groupby("site").size()
    if inst.ran.max_new_cells is not None:
        exact = False
        reasons.append("max_new_cells is one budget for the whole instance; each part's plan got a share")
    groups: list[list[set]] = []  # per part: list of node sets (whole components or clusters)
    clustered = False
    big, small = [], []
    for c in comps:
        n = sum(int(n_cells_site.get(s, 0)) for k, s in c if k == "s")
        (big if n > max_cells else small).append((n, c))
    # pack small components (largest first) into parts of at most max_cells cells
    small.sort(key=lambda nc: -nc[0])
    bins: list[tuple[int, list]] = []
    for n, c in small:
        for i, (m, lst) in enumerate(bins):
            if m + n <= max_cells:
                bins[i] = (m + n, lst + [c])
                break
        else:
            bins.append((n, [c]))
    for m, lst in bins:
        groups.append([set().union(*lst)])
    for n, c in big:
        clustered = True
        sub = g.subgraph(c)
        k = int(np.ceil(n / max_cells))
        comms = (_communities(sub, n_cells_site, max_cells, seed) if cut == "louvain"
                 else _bisect(inst, c, n_cells_site, max_cells))
        notes.append(f"a component of {n} cells was cut into {len(comms)} clusters (target {k})")
        groups.extend([[cm] for cm in comms])
    if clustered:
        exact = False
        reasons.append("clusters share boundary cells: the plan gives each a share of their capacity")
    # areas owned by each group; cells = every cell reaching an owned area (+ unlinked cells of owned sites)
    cov = inst.coverage
    area_group = {}
    site_group = {}
    for gi, nodesets in enumerate(groups):
        for ns in nodesets:
            for kind, ident in ns:
                (area_group if kind == "a" else site_group)[ident] = gi
    cov_group = cov.area.map(area_group).to_numpy()
    peak = inst.demand.groupby("area").mbps.max()
    w_link = cov.area.map(peak).fillna(0.0).to_numpy(float) + 1e-3
    share = (pd.DataFrame({"cell": cov.cell.to_numpy(), "g": cov_group, "w": w_link})
             .groupby(["cell", "g"]).w.sum())
    share = share / share.groupby(level=0).transform("sum")
    linked = set(cov.cell)
    unlinked = inst.cells[~inst.cells.cell.isin(linked)]
    extra = pd.Series(1.0, index=pd.MultiIndex.from_arrays(
        [unlinked.cell.to_numpy(), unlinked.site.map(site_group).fillna(0).astype(int).to_numpy()],
        names=["cell", "g"]))
    share = pd.concat([share, extra]) if len(extra) else share
    cell_share = share.rename("share").reset_index()
    cell_share["site"] = cell_share.cell.map(site_of)
    site_share = (cell_share.groupby(["site", "g"]).share.sum()
                  / cell_share.site.map(n_cells_site).groupby([cell_share.site, cell_share.g]).first())
    n_new = int((inst.cells.status == "candidate").sum())
    for gi in range(len(groups)):
        cs = cell_share[cell_share.g == gi].set_index("cell").share
        if not len(cs):
            continue
        areas = inst.areas[inst.areas.area.map(area_group) == gi]
        cells = inst.cells[inst.cells.cell.isin(cs.index)].copy()
        sh = cells.cell.map(cs).to_numpy(float)
        for col in ("active_w", "sleep_w", "wake_kwh", "embodied_kwh_per_year"):
            cells[col] = cells[col].to_numpy(float) * sh
        sites = inst.sites[inst.sites.site.isin(cells.site)].copy()
        ss = site_share.xs(gi, level="g") if gi in site_share.index.get_level_values("g") else pd.Series(dtype=float)
        sites["overhead_w"] = sites.overhead_w.to_numpy(float) * sites.site.map(ss).fillna(1.0).to_numpy(float)
        cov_g = cov[(cov_group == gi) & cov.cell.isin(cs.index).to_numpy()]
        dem = inst.demand[inst.demand.area.isin(areas.area)]
        ids = set(cells.cell)
        base = replace(inst, name=f"{inst.name}/part-{gi}", cells=cells, sites=sites, areas=areas,
                       demand=dem, coverage=cov_g, datacentres=None, compute=None, routes=None,
                       links=None, forced_cells=frozenset(inst.forced_cells & ids),
                       forbidden_cells=frozenset(inst.forbidden_cells & ids),
                       forced_dcs=frozenset(), forbidden_dcs=frozenset())
        is_boundary = sh < 1.0 - 1e-12
        if inst.ran.max_new_cells is not None and n_new and len(groups) > 1:
            # the part's share of the budget: its share-weighted candidates (each candidate's
            # shares sum to 1, so the budgets add up to at most max_new_cells), at least its
            # forced candidates; the merge checks the total
            is_cand = (cells.status == "candidate").to_numpy()
            forced_new = int((is_cand & cells.cell.isin(inst.forced_cells).to_numpy()).sum())
            budget = max(int(np.floor(inst.ran.max_new_cells * sh[is_cand].sum() / n_new + 1e-9)), forced_new)
            plan_ran = replace(inst.ran, max_new_cells=budget)
        else:
            plan_ran = inst.ran
        plan_cells = cells.copy()
        plan_cells["capacity_mbps"] = plan_cells.capacity_mbps.to_numpy(float) * np.where(is_boundary, sh, 1.0)
        plan = None
        if is_boundary.any() or plan_ran.max_new_cells != inst.ran.max_new_cells:
            plan = replace(base, cells=plan_cells, ran=plan_ran)
        parts.append(Part(f"part-{gi}", base, plan, len(cells), "radio",
                          pd.Series(sh, index=cells.cell.to_numpy())))
    if dc_part is not None:
        parts.insert(0, dc_part)
    shared = shared_regions(inst, objective, parts)
    if shared:
        exact = False
        first = ("the data-centre part was solved first, the radio parts' plans shared the "
                 "renewables it left") if dc_part is not None else \
            "the radio parts' plans shared each region's renewables by their cells"
        reasons.append(f"{len(shared)} region(s) with renewables hold several parts under "
                       f"{objective}: {first}")
    method = "clusters" if clustered else ("components" if len(parts) > 1 else "single")
    return Split(parts, exact, method, "; ".join(reasons), time.perf_counter() - t0, notes)


def planar_xy(lat: np.ndarray, lon: np.ndarray, coslat: float | None = None) -> np.ndarray:
    """(n, 2) planar coordinates in degrees: longitude scaled by ``coslat`` (default the
    cosine of the points' mean latitude) and latitude; fine for cutting a city or a country
    into compact pieces."""
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    if coslat is None:
        coslat = np.cos(np.radians(np.nanmean(lat))) if len(lat) else 1.0
    return np.c_[lon * coslat, lat]


def _bisect(inst: Instance, nodes: set, n_cells_site: pd.Series, max_cells: int) -> list[set]:
    """Recursive coordinate bisection of a component's sites into ceil(cells / max_cells)
    pieces (cell-weighted quantiles on the wider axis, longitude scaled by cos(latitude));
    each area joins its nearest site's piece."""
    from scipy.spatial import cKDTree
    sites = inst.sites.set_index("site")
    sid = np.array([x for k, x in nodes if k == "s"], dtype=object)
    aid = np.array([x for k, x in nodes if k == "a"], dtype=object)
    lat = sites.lat.reindex(sid).to_numpy(float)
    coslat = np.cos(np.radians(np.nanmean(lat))) if len(lat) else 1.0
    xy = planar_xy(lat, sites.lon.reindex(sid).to_numpy(float), coslat)
    w = n_cells_site.reindex(sid).fillna(0).to_numpy(float)
    label = np.zeros(len(sid), np.int64)
    stack = [(np.arange(len(sid)), max(int(np.ceil(w.sum() / max_cells)), 1))]
    nxt = 0
    while stack:
        idx, k = stack.pop()
        k = max(k, int(np.ceil(w[idx].sum() / max_cells)))  # sites are whole: a piece may overflow
        if k <= 1 or len(idx) < 2:
            label[idx] = nxt
            nxt += 1
            continue
        span = xy[idx].max(axis=0) - xy[idx].min(axis=0)
        ax = int(np.argmax(span))
        order = idx[np.argsort(xy[idx, ax], kind="stable")]
        cum = np.cumsum(w[order])
        # k pieces of about equal weight: k // 2 on one side of the cut, the rest on the
        # other (halving until every piece fits gave 32 pieces of 2,800 cells where 18 of
        # 5,000 were asked for)
        k1 = k // 2
        cut = int(np.searchsorted(cum, cum[-1] * k1 / k)) + 1
        cut = min(max(cut, 1), len(order) - 1)
        stack += [(order[:cut], k1), (order[cut:], k - k1)]
    areas = inst.areas.set_index("area")
    axy = planar_xy(areas.lat.reindex(aid).to_numpy(float), areas.lon.reindex(aid).to_numpy(float),
                    coslat)
    near = cKDTree(xy).query(axy)[1] if len(aid) else np.zeros(0, np.int64)
    out: list[set] = [set() for _ in range(nxt)]
    for s_, l in zip(sid, label):
        out[l].add(("s", s_))
    for a_, j in zip(aid, near):
        out[label[j]].add(("a", a_))
    return [o for o in out if o]


def _communities(sub: nx.Graph, n_cells_site: pd.Series, max_cells: int, seed: int) -> list[set]:
    """Louvain communities of a component, recursively cut until each has <= max_cells cells."""
    from networkx.algorithms.community import louvain_communities
    out = []
    stack = [set(sub.nodes)]
    while stack:
        nodes = stack.pop()
        n = sum(int(n_cells_site.get(s, 0)) for k, s in nodes if k == "s")
        if n <= max_cells or len(nodes) < 4:
            out.append(nodes)
            continue
        res = 1.0
        comms = louvain_communities(sub.subgraph(nodes), seed=seed, resolution=res)
        while len(comms) < 2 and res < 64:
            res *= 2
            comms = louvain_communities(sub.subgraph(nodes), seed=seed, resolution=res)
        if len(comms) < 2:
            out.append(nodes)
            continue
        stack.extend(set(c) for c in comms)
    # pack communities (largest first) into clusters of at most max_cells cells
    sized = sorted(((sum(int(n_cells_site.get(s, 0)) for k, s in c if k == "s"), c) for c in out),
                   key=lambda nc: -nc[0])
    bins: list[list] = []
    for n, c in sized:
        for b in bins:
            if b[0] + n <= max_cells:
                b[0] += n
                b[1] |= c
                break
        else:
            bins.append([n, set(c)])
    return [b[1] for b in bins]
