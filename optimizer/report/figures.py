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


def to_svg(fig: Figure, fid: str, label: str) -> str:
    """The figure as an inline ``<svg>`` element: no XML prolog, no metadata, no fixed size
    (it scales with its container through its viewBox) and ids prefixed with ``fid`` so that
    several figures can share one page."""
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
    return text.strip()


def _attr(s: str) -> str:
    return (s.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            .replace(">", "&gt;"))


def _col(df: pd.DataFrame, name: str) -> np.ndarray:
    if name not in df.columns:
        return np.zeros(len(df))
    return pd.to_numeric(df[name], errors="coerce").fillna(0.0).to_numpy(float)


def hourly_power(hourly: pd.DataFrame | None) -> str | None:
    """Stacked bars of power by subsystem per period, against the renewable supply."""
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
        fig = _figure(5.2, 3.3)
        ax = fig.add_subplot()
        bottom = np.zeros(len(t))
        for key, label, v in parts:
            ax.bar(t, v, bottom=bottom, width=0.8, color=COLOURS[key], label=label, linewidth=0)
            bottom += v
        if renew.sum() > 0:
            ax.step(np.r_[t, t[-1] + 1] - 0.5, np.r_[renew, renew[-1]], where="post",
                    color=COLOURS["renewable"], linewidth=2, label="renewable supply")
        ax.set_xlabel("period (hour of the planning horizon)")
        ax.set_ylabel("power (kW)")
        ax.set_xlim(t.min() - 0.6, t.max() + 0.6)
        if len(t) <= 30:
            ax.set_xticks(t if len(t) <= 12 else t[::2])
        ax.set_ylim(bottom=0)
        handles, labels = ax.get_legend_handles_labels()
        order = sorted(range(len(labels)), key=lambda i: labels[i] == "renewable supply")
        ax.legend([handles[i] for i in order], [labels[i] for i in order], loc="lower left",
                  bbox_to_anchor=(0, 1.0), ncols=2, fontsize=9.5, handlelength=1.4,
                  columnspacing=1.0)
        return to_svg(fig, "hourly-power", "power by subsystem per hour against renewable supply")


def awake_cells(hourly: pd.DataFrame | None) -> str | None:
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
        ax.set_xlabel("period (hour of the planning horizon)")
        ax.set_ylabel("awake cells")
        ax.set_xlim(t.min() - 0.6, t.max() + 0.6)
        if len(t) <= 30:
            ax.set_xticks(t if len(t) <= 12 else t[::2])
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2, fontsize=9.5)
        return to_svg(fig, "awake-cells", "awake 4G and 5G cells per hour")


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


def _draw_map(ax, s: pd.DataFrame, d: pd.DataFrame, r: pd.DataFrame, vmax: float,
              dc_top: float, labels: bool = True):
    """Draw sites, data centres and regions on ``ax``; returns the sites' scatter (or None)
    and legend handles."""
    handles, sc = [], None
    if not s.empty:
        cells = pd.to_numeric(s["cells"], errors="coerce").fillna(0).to_numpy(float) \
            if "cells" in s else np.ones(len(s))
        asleep = pd.to_numeric(s["hours_asleep"], errors="coerce").fillna(0).to_numpy(float) \
            if "hours_asleep" in s else np.zeros(len(s))
        built = cells > 0
        shrink = min(1.0, math.sqrt(60.0 / len(s)))  # smaller dots when there are many
        size = (22 + 14 * np.sqrt(np.maximum(cells, 0))) * shrink
        if (~built).any():
            ax.scatter(s.lon[~built], s.lat[~built], s=12, facecolors="none",
                       edgecolors="#999999", linewidths=0.8, zorder=2)
            handles.append(Line2D([], [], ls="", marker="o", mfc="none", mec="#999999",
                                  label="site, no built cell"))
        if built.any():
            sc = ax.scatter(s.lon[built], s.lat[built], c=asleep[built], s=size[built],
                            cmap="viridis", vmin=0, vmax=vmax, edgecolors="#333333",
                            linewidths=0.3, zorder=3)
            handles.append(Line2D([], [], ls="", marker="o", mfc="#3b528b", mec="#333333",
                                  label="radio site (size: built cells)"))
    if not d.empty:
        load = pd.to_numeric(d["it_kw_mean"], errors="coerce").fillna(0).to_numpy(float) \
            if "it_kw_mean" in d else np.zeros(len(d))
        is_open = pd.to_numeric(d["open"], errors="coerce").fillna(0).to_numpy(float) > 0 \
            if "open" in d else np.ones(len(d), bool)
        size = 50 + 450 * load / dc_top
        c = COLOURS["dc"]
        if is_open.any():
            ax.scatter(d.lon[is_open], d.lat[is_open], s=size[is_open], marker="s", color=c,
                       edgecolors="#5a2d0c", linewidths=0.8, alpha=0.85, zorder=4)
            handles.append(Line2D([], [], ls="", marker="s", mfc=c, mec="#5a2d0c", ms=8,
                                  label="data centre, open (size: mean IT kW)"))
        if (~is_open).any():
            ax.scatter(d.lon[~is_open], d.lat[~is_open], s=60, marker="s", facecolors="none",
                       edgecolors=c, linewidths=1.4, zorder=4)
            handles.append(Line2D([], [], ls="", marker="s", mfc="none", mec=c, ms=8,
                                  label="data centre, closed"))
    if not r.empty:
        ax.scatter(r.lon, r.lat, marker="+", s=80, color="#222222", linewidths=1.5, zorder=5)
        if labels:
            for _, row in r.iterrows():
                ax.annotate(str(row["region"]), (row.lon, row.lat), xytext=(4, 4),
                            textcoords="offset points", fontsize=9, color="#222222",
                            zorder=6, path_effects=[withStroke(linewidth=2.5, foreground="white")])
        handles.append(Line2D([], [], ls="", marker="+", color="#222222", ms=8, label="region"))
    return sc, handles


def network_map(sites: pd.DataFrame | None, dc_sites: pd.DataFrame | None,
                regions: pd.DataFrame | None) -> str | None:
    """Radio sites coloured by hours asleep, data centres sized by load (open filled, closed
    hollow) and labelled region points, on longitude/latitude axes scaled by cos(latitude).
    When the radio sites fill a small part of the whole picture (a city among far-away
    regions), a second panel zooms on them."""
    s, d, r = _located(sites), _located(dc_sites), _located(regions)
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
        sc, handles = _draw_map(ax, s, d, r, vmax, dc_top)
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
            _draw_map(zx, s, dz, rz, vmax, dc_top)
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
        return to_svg(fig, "map", "map of radio sites, data centres and regions")


def comparison_bars(table: pd.DataFrame, kpi: str, label: str, fid: str,
                    base: str) -> str | None:
    """Horizontal bars of one KPI per scenario, with each scenario's change against the base
    in percent."""
    if kpi not in table.columns:
        return None
    v = pd.to_numeric(table[kpi], errors="coerce")
    t = table.assign(_v=v).dropna(subset=["_v"])
    if t.empty:
        return None
    names = t["scenario"].astype(str).tolist()
    vals = t["_v"].to_numpy(float)
    base_val = float(vals[names.index(base)]) if base in names else None
    with matplotlib.rc_context(RC):
        fig = _figure(5.2, 1.2 + 0.42 * len(names))
        ax = fig.add_subplot()
        colours = [COLOURS["base"] if n == base else COLOURS["scenario"] for n in names]
        y = np.arange(len(names))
        ax.barh(y, vals, color=colours, height=0.65)
        ax.set_yticks(y, [n if len(n) <= 28 else n[:27] + "…" for n in names])
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        span = float(np.nanmax(np.abs(vals))) if len(vals) else 1.0
        for yi, val, n in zip(y, vals, names):
            txt = _short(val)
            if base_val and n != base and kpi != "savings_pct":
                txt += f"  ({(val - base_val) / abs(base_val) * 100:+.1f} %)"
            ax.annotate(txt, (max(val, 0), yi), xytext=(3, 0), textcoords="offset points",
                        va="center", fontsize=9.5)
        lo = min(0.0, float(np.nanmin(vals)))
        ax.set_xlim(lo - (0.02 * span if lo < 0 else 0), max(0.0, float(np.nanmax(vals))) + 0.5 * span)
        ax.set_xlabel(label)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _short(v)))
        return to_svg(fig, fid, f"{label} per scenario")


def _short(v: float) -> str:
    """1.58 M, 949 k, 714.2: short labels for bars and ticks."""
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:.3g} M"
    if a >= 1e4:
        return f"{v / 1e3:.3g} k"
    return f"{v:.4g}"


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
        ax.set_xlabel(axis_label(meta.get("x_label"), meta.get("x")))
        ax.set_ylabel(axis_label(meta.get("y_label"), meta.get("y")))
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_locator(MaxNLocator(nbins=5))
            axis.set_major_formatter(FuncFormatter(_thousands))
        ax.margins(0.08)
        return to_svg(fig, "pareto", "Pareto front")
