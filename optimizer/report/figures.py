"""Matplotlib figures of a report, each rendered to an inline SVG string.

Every function takes plain pandas tables and returns an SVG string, or ``None`` when there is
nothing to draw (the page then says so in one line instead of drawing an empty figure).
Figures are built on ``matplotlib.figure.Figure`` with the Agg canvas, never through pyplot's
global state, so this works without a display and inside other programs.
"""
from __future__ import annotations

import io
import math
import re
import sys

import matplotlib

if "matplotlib.pyplot" not in sys.modules:  # do not switch the backend of a running pyplot
    matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from matplotlib.patheffects import withStroke  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

RC = {
    "svg.fonttype": "path",          # glyphs as paths: no font needed to read the figure
    "svg.hashsalt": "netopt-report",  # stable ids, so the same input gives the same SVG
    "font.size": 10.5,
    "axes.titlesize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "legend.frameon": False,
}

COLOURS = {
    "radio": "#4c72b0",
    "dc": "#dd8452",
    "transport": "#8172b3",
    "renewable": "#2ca02c",
    "4g": "#4c72b0",
    "5g": "#c44e52",
    "base": "#7f8c8d",
    "scenario": "#4c72b0",
    "worse": "#c44e52",
}

UNITS = {
    "energy": "kWh/yr", "energy_kwh": "kWh/yr",
    "grid_energy": "kWh/yr", "grid_energy_kwh": "kWh/yr",
    "carbon": "t CO2/yr", "carbon_t": "t CO2/yr",
    "cost": "CNY/yr", "cost_cny": "CNY/yr",
    "new_5g_cells": "cells", "cells": "cells",
}


def _figure(w: float, h: float) -> Figure:
    fig = Figure(figsize=(w, h), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def to_svg(fig: Figure, fid: str, label: str, titles: dict[str, list[str]] | None = None) -> str:
    """The figure as an inline ``<svg>`` element: no XML prolog, no metadata, no fixed size
    (it scales with its container through its viewBox) and ids prefixed with ``fid`` so that
    several figures can share one page. ``titles``: for a scatter whose gid is the key, one
    hover text (an SVG ``<title>``) per point, in the points' order."""
    buf = io.StringIO()
    with matplotlib.rc_context(RC):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None,
                                                 "Type": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    head_end = text.index(">")
    head = text[:head_end]
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    head += f' class="plot" role="img" aria-label="{_attr(label)}" data-figure-svg="{fid}"'
    text = head + text[head_end:]
    text = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{fid}-{m.group(1)}"', text)
    text = re.sub(r'(href=")#([^"]+)"', lambda m: f'{m.group(1)}#{fid}-{m.group(2)}"', text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{fid}-{m.group(1)})", text)
    for gid, names in (titles or {}).items():
        text = _titled(text, f'<g id="{fid}-{gid}">', names)
    return text.strip()


def _titled(text: str, start: str, names: list[str]) -> str:
    """Give each marker of the group that opens with ``start`` a ``<title>``, in
    order; a group whose markers do not match ``names`` one to one is left as it is."""
    i = text.find(start)
    if i < 0:
        return text
    line = text.rfind("\n", 0, i) + 1
    indent = text[line:i]
    end = text.find("\n" + indent + "</g>", i)
    if end < 0:
        return text
    group = text[i:end]
    defs = [(m.start(), m.end()) for m in re.finditer(r"<defs>.*?</defs>", group, flags=re.S)]
    # one marker per point: a <use> of a shared shape, or a <path> of its own (sizes vary)
    marks = [m for m in re.finditer(r"<(use|path) [^>]*?/>", group, flags=re.S)
             if not any(a <= m.start() < b for a, b in defs)]
    if len(marks) != len(names):
        return text
    out, pos = [], 0
    for m, name in zip(marks, names):
        out.append(group[pos:m.end() - 2] + f"><title>{_attr(name)}</title></{m.group(1)}>")
        pos = m.end()
    out.append(group[pos:])
    return text[:i] + "".join(out) + text[end:]


def _attr(s: str) -> str:
    return (s.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            .replace(">", "&gt;"))


def _col(df: pd.DataFrame, name: str) -> np.ndarray:
    if name not in df.columns:
        return np.zeros(len(df))
    return pd.to_numeric(df[name], errors="coerce").fillna(0.0).to_numpy(float)


POWER = ((1e6, "GW"), (1e3, "MW"), (1.0, "kW"))  # from kW


def period_label(period_hours: float | None) -> str:
    """The x label of a chart over the periods, in the instance's own period length."""
    if period_hours is None or abs(period_hours - 1.0) < 1e-9:
        return "hour of the planning horizon"
    return f"period of the planning horizon ({period_hours:g} h each)"


def hourly_power(hourly: pd.DataFrame | None, period_hours: float | None = None,
                 status_quo: list | None = None) -> str | None:
    """Stacked bars of power by subsystem per period, against the renewable supply and (when
    known) the status quo's power."""
    if hourly is None or hourly.empty:
        return None
    with matplotlib.rc_context(RC):
        h = hourly.sort_values("period")
        t = h["period"].to_numpy()
        parts = [("radio", "radio access", _col(h, "ran_kw")),
                 ("dc", "data centres", _col(h, "dc_kw")),
                 ("transport", "transport", _col(h, "transport_kw"))]
        parts = [p for p in parts if np.abs(p[2]).sum() > 0]
        renew = _col(h, "renewable_kw")
        if not parts and renew.sum() <= 0:
            return None
        from ..units import unit_for
        sq = np.asarray(status_quo, float) if status_quo is not None and \
            len(status_quo) == len(t) else None
        top = max([float(np.abs(v).max()) for _, _, v in parts] + [float(renew.max())]
                  + [float(sum(v for _, _, v in parts).max()) if parts else 0.0]
                  + ([float(sq.max())] if sq is not None else []))
        factor, unit = unit_for(top, POWER)
        parts = [(k, label, v / factor) for k, label, v in parts]
        renew = renew / factor
        fig = _figure(5.2, 3.3)
        ax = fig.add_subplot()
        bottom = np.zeros(len(t))
        for key, label, v in parts:
            ax.bar(t, v, bottom=bottom, width=0.8, color=COLOURS[key], label=label, linewidth=0)
            bottom += v
        if renew.sum() > 0:
            ax.step(np.r_[t, t[-1] + 1] - 0.5, np.r_[renew, renew[-1]], where="post",
                    color=COLOURS["renewable"], linewidth=2, label="renewable supply")
        if sq is not None:
            ax.step(np.r_[t, t[-1] + 1] - 0.5, np.r_[sq, sq[-1]] / factor, where="post",
                    color="#222222", linewidth=1.4, linestyle="--", label="status quo")
        ax.set_xlabel(period_label(period_hours))
        ax.set_ylabel(f"power ({unit})")
        ax.set_xlim(t.min() - 0.6, t.max() + 0.6)
        if len(t) <= 30:
            ax.set_xticks(t if len(t) <= 12 else t[::2])
        ax.set_ylim(bottom=0)
        handles, labels = ax.get_legend_handles_labels()
        order = sorted(range(len(labels)), key=lambda i: labels[i] in ("renewable supply",
                                                                      "status quo"))
        ax.legend([handles[i] for i in order], [labels[i] for i in order], loc="lower left",
                  bbox_to_anchor=(0, 1.0), ncols=2, fontsize=9.5, handlelength=1.4,
                  columnspacing=1.0)
        return to_svg(fig, "hourly-power", "power by subsystem per hour against renewable supply")


def awake_cells(hourly: pd.DataFrame | None, period_hours: float | None = None) -> str | None:
    """Awake 4G and 5G cells per period (stacked bars)."""
    if hourly is None or hourly.empty:
        return None
    h = hourly.sort_values("period")
    a4, a5 = _col(h, "awake_4g"), _col(h, "awake_5g")
    if a4.sum() + a5.sum() <= 0:
        return None
    with matplotlib.rc_context(RC):
        t = h["period"].to_numpy()
        fig = _figure(5.2, 3.0)
        ax = fig.add_subplot()
        ax.bar(t, a4, width=0.8, color=COLOURS["4g"], label="4G awake", linewidth=0)
        ax.bar(t, a5, bottom=a4, width=0.8, color=COLOURS["5g"], label="5G awake", linewidth=0)
        ax.set_xlabel(period_label(period_hours))
        ax.set_ylabel("awake cells")
        ax.set_xlim(t.min() - 0.6, t.max() + 0.6)
        if len(t) <= 30:
            ax.set_xticks(t if len(t) <= 12 else t[::2])
        ax.yaxis.get_major_locator().set_params(integer=True)
        demand = _col(h, "demand_mbps")
        handles, labels = ax.get_legend_handles_labels()
        if demand.sum() > 0:  # the traffic the cells carry, on an axis of its own
            from ..units import number
            tx = ax.twinx()
            scale, unit = (1e3, "Gbps") if demand.max() >= 1e4 else (1.0, "Mbps")
            line, = tx.plot(t, demand / scale, color="#222222", linewidth=1.6, marker="o",
                            markersize=3, label="traffic")
            tx.set_ylim(bottom=0)
            tx.set_ylabel(f"traffic ({unit})")
            tx.grid(False)
            tx.spines["right"].set_visible(True)
            tx.yaxis.set_major_locator(MaxNLocator(nbins=5))
            tx.yaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, 3)))
            handles.append(line)
            labels.append("traffic")
        ax.legend(handles, labels, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=3,
                  fontsize=9.5)
        return to_svg(fig, "awake-cells", "awake 4G and 5G cells per period"
                      + (", against the traffic" if "traffic" in labels else ""))


def _located(df: pd.DataFrame | None) -> pd.DataFrame:
    if df is None or df.empty or "lat" not in df.columns or "lon" not in df.columns:
        return pd.DataFrame(columns=["lat", "lon"])
    d = df.copy()
    d["lat"] = pd.to_numeric(d["lat"], errors="coerce")
    d["lon"] = pd.to_numeric(d["lon"], errors="coerce")
    return d.dropna(subset=["lat", "lon"])


def _extent(lat: pd.Series, lon: pd.Series) -> float:
    """Largest side of the bounding box in degrees of latitude (longitude scaled)."""
    if lat.empty:
        return 0.0
    c = math.cos(math.radians(float(lat.mean())))
    return max(float(lat.max() - lat.min()), float(lon.max() - lon.min()) * c)


def _frame(ax, lat: pd.Series, lon: pd.Series) -> None:
    mid = float((lat.max() + lat.min()) / 2)
    ax.set_aspect(1.0 / max(math.cos(math.radians(mid)), 0.05), adjustable="datalim")
    if _extent(lat, lon) < 1e-3:  # one place
        ax.set_xlim(float(lon.min()) - 0.005, float(lon.max()) + 0.005)
        ax.set_ylim(float(lat.min()) - 0.005, float(lat.max()) + 0.005)
    else:
        ax.margins(0.06)
    ax.ticklabel_format(useOffset=False, style="plain")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6))


def _ints(df: pd.DataFrame, col: str) -> np.ndarray:
    if col not in df:
        return np.zeros(len(df))
    return pd.to_numeric(df[col], errors="coerce").fillna(0).to_numpy(float)


def _site_titles(s: pd.DataFrame) -> list[str]:
    out = []
    for _, r in s.iterrows():
        parts = [f"{int(_num0(r.get('cells')))} cells built"]
        if _num0(r.get("cells_5g")):
            parts.append(f"{int(_num0(r.get('cells_5g')))} of them 5G")
        if _num0(r.get("cells_new")):
            parts.append(f"{int(_num0(r.get('cells_new')))} new")
        if _num0(r.get("cells_retired")):
            parts.append(f"{int(_num0(r.get('cells_retired')))} retired")
        if _num0(r.get("cells")):
            parts.append(f"asleep {_num0(r.get('hours_asleep')):.1f} h per horizon")
        out.append(f"site {r.get('site')}: " + ", ".join(parts))
    return out


def _num0(v) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if math.isnan(f) else f


def _draw_map(ax, s: pd.DataFrame, d: pd.DataFrame, r: pd.DataFrame, vmax: float,
              dc_top: float, flows: pd.DataFrame | None = None, labels: bool = True,
              titles: dict | None = None, tag: str = ""):
    """Draw sites, data centres, regions and the regions' flows to data centres on ``ax``;
    returns the sites' scatter (or None) and legend handles. Sites: a circle for 4G only, a
    triangle with 5G, coloured by hours asleep, a green ring where new cells were built; a
    grey cross where every cell was retired; hollow grey where nothing was ever built.
    ``titles`` collects each scatter's hover texts by gid."""
    handles, sc = [], None
    titles = titles if titles is not None else {}
    if flows is not None and not flows.empty and not r.empty and not d.empty:
        rr = r.set_index("region")
        dd = d.set_index("dc")
        top = float(flows.it_kw.max()) or 1.0
        drawn = False
        for f in flows.itertuples(index=False):
            if f.region in rr.index and f.dc in dd.index and f.it_kw > 0:
                a, b = rr.loc[f.region], dd.loc[f.dc]
                ax.plot([a.lon, b.lon], [a.lat, b.lat], color=COLOURS["dc"], alpha=0.55,
                        linewidth=0.8 + 5.0 * f.it_kw / top, solid_capstyle="round", zorder=1)
                drawn = True
        if drawn:
            handles.append(Line2D([], [], color=COLOURS["dc"], alpha=0.55, linewidth=3,
                                  label="compute flow (width: mean IT kW)"))
    if not s.empty:
        cells, c5 = _ints(s, "cells"), _ints(s, "cells_5g")
        new, gone = _ints(s, "cells_new"), _ints(s, "cells_retired")
        asleep = _ints(s, "hours_asleep")
        built = cells > 0
        shrink = min(1.0, math.sqrt(60.0 / len(s)))  # smaller markers when there are many
        size = (22 + 14 * np.sqrt(np.maximum(cells, 0))) * shrink
        unused = ~built & (gone == 0)
        retired = ~built & (gone > 0)
        if unused.any():
            g = ax.scatter(s.lon[unused], s.lat[unused], s=12 * max(shrink, 0.4),
                           facecolors="none", edgecolors="#999999", linewidths=0.8, zorder=2)
            g.set_gid(f"{tag}sites-unused")
            titles[f"{tag}sites-unused"] = _site_titles(s[unused])
            handles.append(Line2D([], [], ls="", marker="o", mfc="none", mec="#999999",
                                  label="site, nothing built"))
        if retired.any():
            g = ax.scatter(s.lon[retired], s.lat[retired], s=26 * max(shrink, 0.4), marker="x",
                           color="#777777", linewidths=1.0, zorder=2)
            g.set_gid(f"{tag}sites-retired")
            titles[f"{tag}sites-retired"] = _site_titles(s[retired])
            handles.append(Line2D([], [], ls="", marker="x", color="#777777",
                                  label="site, all cells retired"))
        for tech, marker, mask, label in (
                ("4g", "o", built & (c5 == 0), "4G site (colour: hours asleep)"),
                ("5g", "^", built & (c5 > 0), "site with 5G (colour: hours asleep)")):
            if not mask.any():
                continue
            ring = new[mask] > 0
            g = ax.scatter(s.lon[mask], s.lat[mask], c=asleep[mask], s=size[mask], marker=marker,
                           cmap="viridis", vmin=0, vmax=vmax,
                           edgecolors=np.where(ring, "#1a7f37", "#333333"),
                           linewidths=np.where(ring, 1.6, 0.3), zorder=3)
            g.set_gid(f"{tag}sites-{tech}")
            titles[f"{tag}sites-{tech}"] = _site_titles(s[mask])
            sc = g
            handles.append(Line2D([], [], ls="", marker=marker, mfc="#3b528b", mec="#333333",
                                  label=label))
        if (built & (new > 0)).any():
            handles.append(Line2D([], [], ls="", marker="o", mfc="none", mec="#1a7f37", mew=1.6,
                                  label="new cells built (green ring)"))
    if not d.empty:
        load = _ints(d, "it_kw_mean")
        is_open = _ints(d, "open") > 0 if "open" in d else np.ones(len(d), bool)
        size = 50 + 450 * load / dc_top
        c = COLOURS["dc"]
        if is_open.any():
            g = ax.scatter(d.lon[is_open], d.lat[is_open], s=size[is_open], marker="s", color=c,
                           edgecolors="#5a2d0c", linewidths=0.8, alpha=0.85, zorder=4)
            g.set_gid(f"{tag}dcs-open")
            titles[f"{tag}dcs-open"] = [f"data centre {x.dc}: open, mean IT {x.it_kw_mean:,.0f} kW"
                                        for x in d[is_open].itertuples()]
            handles.append(Line2D([], [], ls="", marker="s", mfc=c, mec="#5a2d0c", ms=8,
                                  label="data centre, open (size: mean IT kW)"))
        if (~is_open).any():
            g = ax.scatter(d.lon[~is_open], d.lat[~is_open], s=60, marker="s", facecolors="none",
                           edgecolors=c, linewidths=1.4, zorder=4)
            g.set_gid(f"{tag}dcs-closed")
            titles[f"{tag}dcs-closed"] = [f"data centre {x.dc}: closed"
                                          for x in d[~is_open].itertuples()]
            handles.append(Line2D([], [], ls="", marker="s", mfc="none", mec=c, ms=8,
                                  label="data centre, closed"))
    if not r.empty:
        g = ax.scatter(r.lon, r.lat, marker="+", s=80, color="#222222", linewidths=1.5, zorder=5)
        g.set_gid(f"{tag}regions")
        titles[f"{tag}regions"] = [f"region {x}" for x in r.region]
        handles.append(Line2D([], [], ls="", marker="+", color="#222222", ms=8, label="region"))
    if labels:
        names = [(str(x.region), x.lon, x.lat, "#222222") for x in r.itertuples()] + \
            [(str(x.dc), x.lon, x.lat, "#7a3b0c") for x in d.itertuples()]
        _labels(ax, names)
    return sc, handles


def _labels(ax, names: list[tuple[str, float, float, str]]) -> None:
    """Name points without overlap: each label tries four sides of its point and is left out
    where all four would cover a label already placed (the hover text still names it)."""
    fig = ax.figure
    fig.canvas.draw()  # the layout, so that text extents are final
    renderer = fig.canvas.get_renderer()
    placed = []
    for text, x, y, colour in names:
        for dx, dy, ha, va in ((4, 4, "left", "bottom"), (4, -4, "left", "top"),
                               (-4, 4, "right", "bottom"), (-4, -4, "right", "top")):
            a = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points",
                            fontsize=8.5, color=colour, ha=ha, va=va, zorder=6,
                            path_effects=[withStroke(linewidth=2.5, foreground="white")])
            box = a.get_window_extent(renderer)
            if not any(box.overlaps(b) for b in placed):
                placed.append(box)
                break
            a.remove()


def network_map(sites: pd.DataFrame | None, dc_sites: pd.DataFrame | None,
                regions: pd.DataFrame | None, assignments: pd.DataFrame | None = None) -> str | None:
    """Radio sites coloured by hours asleep, data centres sized by load (open filled, closed
    hollow) and labelled region points, on longitude/latitude axes scaled by cos(latitude).
    When the radio sites fill a small part of the whole picture (a city among far-away
    regions), a second panel zooms on them."""
    s, d, r = _located(sites), _located(dc_sites), _located(regions)
    flows = None
    if assignments is not None and not assignments.empty:
        a = assignments.assign(it_kw=pd.to_numeric(assignments.it_kw, errors="coerce").fillna(0))
        periods = max(int(pd.to_numeric(a.period, errors="coerce").nunique()), 1)
        flows = (a.groupby(["region", "dc"]).it_kw.sum() / periods).reset_index()
    titles: dict[str, list[str]] = {}
    if s.empty and d.empty:
        return None
    lat = pd.concat([s.lat, d.lat, r.lat]).astype(float)
    lon = pd.concat([s.lon, d.lon, r.lon]).astype(float)
    zoom = not s.empty and _extent(s.lat, s.lon) * 8 < _extent(lat, lon)
    vmax = 1.0
    if not s.empty and "hours_asleep" in s and "cells" in s:
        b = pd.to_numeric(s["cells"], errors="coerce").fillna(0) > 0
        if b.any():
            vmax = max(1.0, float(pd.to_numeric(s["hours_asleep"][b], errors="coerce").max()))
    dc_top = 1.0
    if not d.empty and "it_kw_mean" in d:
        dc_top = max(1e-9, float(pd.to_numeric(d["it_kw_mean"], errors="coerce").fillna(0).max())) \
            or 1.0
    with matplotlib.rc_context(RC):
        fig = _figure(5.2, 8.8 if zoom else 5.0)
        if zoom:
            ax, zx = fig.subplots(2, 1, height_ratios=[1, 1])
        else:
            ax, zx = fig.add_subplot(), None
        sc, handles = _draw_map(ax, s, d, r, vmax, dc_top, flows, titles=titles,
                                labels=zx is None or len(r) + len(d) <= 12)
        _frame(ax, lat, lon)
        ax.set_xlabel("longitude (°)")
        ax.set_ylabel("latitude (°)")
        if zx is not None:
            ax.set_title("whole network", loc="left")
            # the zoom shows the sites and the data centres and regions near them
            ext = max(_extent(s.lat, s.lon), 0.002)
            clat, clon = float(s.lat.mean()), float(s.lon.mean())
            cos = math.cos(math.radians(clat))

            def near(t):
                dist = np.hypot(t.lat - clat, (t.lon - clon) * cos)
                return t[dist <= 1.5 * ext]
            dz, rz = near(d), near(r)
            zlat = pd.concat([s.lat, dz.lat, rz.lat]).astype(float)
            zlon = pd.concat([s.lon, dz.lon, rz.lon]).astype(float)
            pad = max(_extent(zlat, zlon) * 0.08, 0.002)
            box = (zlat.min() - pad, zlat.max() + pad, zlon.min() - pad / cos, zlon.max() + pad / cos)
            _draw_map(zx, s, dz, rz, vmax, dc_top, flows, titles=titles, tag="zoom-")
            _frame(zx, zlat, zlon)
            zx.set_title("radio sites (zoom)", loc="left")
            zx.set_xlabel("longitude (°)")
            zx.set_ylabel("latitude (°)")
            ax.add_patch(Rectangle((box[2], box[0]), box[3] - box[2], box[1] - box[0],
                                   fill=False, edgecolor="#c44e52", linewidth=1.0, zorder=6))
        if sc is not None:
            cb = fig.colorbar(sc, ax=[a for a in (ax, zx) if a is not None], shrink=0.8,
                              pad=0.01)
            cb.set_label("hours asleep per horizon (mean of built cells)")
        fig.legend(handles=handles, loc="outside lower left", ncols=2, fontsize=9)
        return to_svg(fig, "map", "map of radio sites, data centres and regions", titles)


def comparison_bars(table: pd.DataFrame, kpi: str, label: str, fid: str,
                    base: str, notes: dict | None = None) -> str | None:
    """Horizontal bars of one KPI per scenario, in the unit that reads best, with each
    scenario's change against the base in per cent. Where the KPI is the runs' objective,
    a black line from each bar's end back to its bound shows what the limit left open, and a
    change the bounds cannot resolve says so. A scenario without a value (``notes``: why)
    keeps its row, with the reason in place of a bar."""
    from ..units import SCALES, number, unit_for
    if kpi not in table.columns:
        return None
    v = pd.to_numeric(table[kpi], errors="coerce")
    if v.isna().all():
        return None
    names = table["scenario"].astype(str).tolist()
    vals = v.to_numpy(float)
    has = ~np.isnan(vals)
    base_val = float(vals[names.index(base)]) if base in names and has[names.index(base)] else None
    scale = SCALES.get(kpi)
    factor, unit = unit_for(float(np.nanmax(np.abs(vals))), scale) if scale else (1.0, "")
    shown = vals / factor
    objective = kpi.removesuffix("_kwh").removesuffix("_t").removesuffix("_cny")
    kinds = table["objective_kind"].astype(str).tolist() if "objective_kind" in table else []
    bounds = pd.to_numeric(table["bound"], errors="coerce").to_numpy(float) / factor \
        if "bound" in table else np.full(len(names), np.nan)
    resolved = table["difference_resolved"].tolist() if "difference_resolved" in table \
        else [None] * len(names)
    with matplotlib.rc_context(RC):
        fig = _figure(5.2, 1.2 + 0.42 * len(names))
        ax = fig.add_subplot()
        colours = [COLOURS["base"] if n == base else COLOURS["scenario"] for n in names]
        y = np.arange(len(names))
        ax.barh(y[has], shown[has], color=[c for c, h in zip(colours, has) if h], height=0.65)
        span = float(np.nanmax(np.abs(shown)))
        for k in range(len(names)):
            if has[k] and kinds and kinds[k] == objective and not np.isnan(bounds[k]) \
                    and bounds[k] < shown[k]:
                ax.plot([bounds[k], shown[k]], [y[k], y[k]], color="#222222", linewidth=1.6,
                        solid_capstyle="butt", zorder=4)
                ax.plot([bounds[k]] * 2, [y[k] - 0.2, y[k] + 0.2], color="#222222",
                        linewidth=1.6, zorder=4)
        ax.set_yticks(y, [n if len(n) <= 28 else n[:27] + "…" for n in names])
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        for k, (yi, n) in enumerate(zip(y, names)):
            if not has[k]:
                why = (notes or {}).get(n) or "no value"
                ax.annotate(why, (0, yi), xytext=(3, 0), textcoords="offset points",
                            va="center", fontsize=9, color="#777777", style="italic")
                continue
            txt = number(shown[k])
            if base_val and n != base and kpi != "savings_pct":
                txt += f" ({(vals[k] - base_val) / abs(base_val) * 100:+.1f} %"
                unresolved = str(resolved[k]).strip().lower() in ("false", "0", "0.0")
                txt += ", not resolved)" if unresolved and kinds and kinds[k] == objective \
                    else ")"
            ax.annotate(txt, (max(shown[k], 0), yi), xytext=(3, 0), textcoords="offset points",
                        va="center", fontsize=9.5)
        lo = min(0.0, float(np.nanmin(shown)))
        # room on the right for the longest label (about 0.9 of the longest bar)
        ax.set_xlim(lo - (0.02 * span if lo < 0 else 0), max(0.0, float(np.nanmax(shown))) + 0.9 * span)
        ax.set_xlabel(f"{label} ({unit}/yr)" if unit else label)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: number(x, 3)))
        return to_svg(fig, fid, f"{label} per scenario")


def _thousands(v: float, _=None) -> str:
    if abs(v) >= 1e4:
        return f"{v:,.0f}"
    return f"{v:.6g}"


def axis_label(label: str | None, kind: str | None) -> str:
    """An axis label with its unit: the label as given if it names one, else with the unit of
    the criterion ``kind`` appended."""
    label = str(label or kind or "")
    unit = UNITS.get(str(kind or ""))
    if unit and unit not in label and "(" not in label:
        label = f"{label} ({unit})"
    return label


def _truthy(v) -> bool:
    if isinstance(v, str):
        return v.strip().lower() in ("true", "1", "yes")
    try:
        return bool(v) and not (isinstance(v, float) and math.isnan(v))
    except (TypeError, ValueError):
        return False


def pareto_front(points: pd.DataFrame, meta: dict) -> str | None:
    """The Pareto front: the points that found a plan, joined in order of x, labelled."""
    p = points.copy()
    p["x"] = pd.to_numeric(p["x"], errors="coerce")
    p["y"] = pd.to_numeric(p["y"], errors="coerce")
    ok = p["status"].astype(str).isin(("optimal", "feasible"))
    p = p[ok].dropna(subset=["x", "y"]).sort_values(["x", "y"])
    if p.empty:
        return None
    dom = p["dominated"].map(_truthy) if "dominated" in p.columns else pd.Series(False, p.index)
    front = p[~dom]
    with matplotlib.rc_context(RC):
        fig = _figure(5.2, 3.9)
        ax = fig.add_subplot()
        ax.plot(front["x"], front["y"], color="#4c72b0", linewidth=1.5, zorder=2)
        feas = front["status"].astype(str) == "feasible"
        ax.scatter(front["x"][~feas], front["y"][~feas], s=38, color="#4c72b0", zorder=3,
                   label="optimal")
        if feas.any():
            ax.scatter(front["x"][feas], front["y"][feas], s=38, facecolors="white",
                       edgecolors="#4c72b0", linewidths=1.4, zorder=3,
                       label="feasible (gap > 0)")
        if dom.any():
            ax.scatter(p["x"][dom], p["y"][dom], s=30, facecolors="none", edgecolors="#999999",
                       linewidths=1.2, zorder=3, label="dominated")
        if feas.any() or dom.any():
            ax.legend(loc="best", fontsize=9)
        for _, row in p.iterrows():
            ax.annotate(str(row["point"]), (row["x"], row["y"]), xytext=(4, 4),
                        textcoords="offset points", fontsize=9, color="#333333")
        from ..units import SCALES, number, unit_for
        for axis, name, col, setter in ((ax.xaxis, "x", p["x"], ax.set_xlabel),
                                        (ax.yaxis, "y", p["y"], ax.set_ylabel)):
            kind = str(meta.get(name) or "")
            scale = SCALES.get(kind)
            if scale:  # the axis in the unit that keeps its numbers short
                factor, unit = unit_for(float(col.abs().max()), scale)
                text = re.sub(r"\s*\([^)]*\)\s*$", "", str(meta.get(name + "_label") or "")) \
                    or kind.replace("_", " ")
                setter(f"{text} ({unit}/yr)")
                axis.set_major_formatter(FuncFormatter(lambda v, _, f=factor: number(v / f, 3)))
            else:
                setter(axis_label(meta.get(name + "_label"), kind))
                axis.set_major_formatter(FuncFormatter(_thousands))
            axis.set_major_locator(MaxNLocator(nbins=4))
        ax.margins(0.08)
        return to_svg(fig, "pareto", "Pareto front")
