"""The report page: one self-contained HTML file (inline CSS and SVG, no external reference)."""
from __future__ import annotations

import datetime as _dt
import html
import math

from . import figures
from ..units import SCALES, split
from .data import OK_STATUSES, Comparison, Pareto, ReportData, Results, _num, decisions

CSS = """
:root{--fg:#1d2329;--muted:#5b6670;--bg:#f3f5f7;--card:#fff;--line:#dce2e7;--ok:#1e7b34;--bad:#b3261e}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer{max-width:1640px;margin:0 auto;padding:0 1rem}
header{padding-top:1rem}
h1{font-size:1.5rem;margin:.4rem 0 .2rem;overflow-wrap:anywhere}
h2{font-size:1.15rem;margin:1.8rem 0 .7rem;padding-bottom:.25rem;border-bottom:2px solid var(--line)}
h3{font-size:1rem;margin:0 0 .5rem}
.sub{color:var(--muted);margin:0;overflow-wrap:anywhere}
.grid{display:grid;gap:1rem;align-items:start;grid-template-columns:repeat(auto-fill,minmax(min(100%,31rem),1fr))}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.8rem;margin:0;min-width:0}
figure.card svg{display:block;width:100%;height:auto;max-width:100%}
figcaption{font-size:.85rem;color:var(--muted);margin-top:.4rem}
.kpis{display:grid;gap:.6rem;grid-template-columns:repeat(auto-fill,minmax(min(100%,10.5rem),1fr))}
.kpi{padding:.6rem .7rem}
.kpi .k{font-size:.74rem;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
.kpi .v{font-size:1.22rem;font-weight:600;overflow-wrap:anywhere;font-variant-numeric:tabular-nums}
.kpi .v.n{white-space:nowrap;overflow-wrap:normal}
.kpi .u{font-size:.8rem;font-weight:400;color:var(--muted)}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:.87rem;font-variant-numeric:tabular-nums}
th,td{padding:.32rem .5rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-weight:600;background:#f8fafb}
td.n,th.n{text-align:right;white-space:nowrap}
td.t{overflow-wrap:anywhere;min-width:8rem;max-width:28rem}
table.narrow{width:auto;min-width:min(100%,36rem)}
.msg{display:block;min-width:14rem}
.note{color:var(--muted);font-size:.9rem;margin:.35rem 0}
.ok{color:var(--ok)}.bad{color:var(--bad)}
details{margin-top:.8rem}
details summary{cursor:pointer;color:var(--muted)}
footer{color:var(--muted);font-size:.8rem;padding-top:1.5rem;padding-bottom:2rem}
@media (max-width:600px){body{font-size:14px}header,main,footer{padding-left:.6rem;padding-right:.6rem}.card{padding:.55rem}h1{font-size:1.25rem}.kpi .v{font-size:1.05rem}}
@media print{body{background:#fff}.card{break-inside:avoid}}
"""

# (summary key, label, unit, kind of formatting)
KPIS = (
    ("status", "status", "", "text"),
    ("objective_kind", "objective", "", "text"),
    ("objective", "objective value", "", "num"),
    ("mip_gap", "MIP gap", "%", "pct01"),
    ("energy_kwh", "energy", "kWh/yr", "num"),
    ("grid_energy_kwh", "grid energy", "kWh/yr", "num"),
    ("carbon_t", "carbon", "t CO2/yr", "num"),
    ("cost_cny", "cost", "CNY/yr", "num"),
    ("renewable_share", "renewable share", "%", "pct01"),
    ("cells_built", "cells built", "", "int"),
    ("cells_retired", "cells retired", "", "int"),
    ("dcs_open", "data centres open", "", "int"),
)

SUMMARY_ROWS = (
    ("energy_kwh", "energy", "kWh/yr"),
    ("grid_energy_kwh", "grid energy", "kWh/yr"),
    ("carbon_t", "carbon", "t CO2/yr"),
    ("cost_cny", "cost", "CNY/yr"),
    ("ran_energy_kwh", "radio access energy", "kWh/yr"),
    ("dc_energy_kwh", "data-centre energy", "kWh/yr"),
    ("transport_energy_kwh", "transport energy", "kWh/yr"),
    ("embodied_kwh", "embodied energy of new cells", "kWh/yr"),
    ("renewable_share", "renewable share", "%"),
    ("objective", "objective", ""),
    ("bound", "bound", ""),
    ("mip_gap", "MIP gap", "%"),
    ("cells_built", "cells built", ""),
    ("cells_retired", "cells retired", ""),
    ("dcs_open", "data centres open", ""),
)

OBJECTIVE_UNITS = {"energy": "kWh/yr", "grid_energy": "kWh/yr", "carbon": "t CO2/yr",
                   "cost": "CNY/yr"}

COLUMN_LABELS = {"energy_kwh": "energy kWh/yr", "grid_energy_kwh": "grid kWh/yr",
                 "carbon_t": "carbon t/yr", "cost_cny": "cost CNY/yr",
                 "renewable_share": "renewable %", "savings_pct": "saved vs status quo %",
                 "cells_built": "cells built", "dcs_open": "DCs open", "mip_gap": "gap %"}

COMPARISON_COLUMNS = ("energy_kwh", "grid_energy_kwh", "carbon_t", "cost_cny",
                      "renewable_share", "savings_pct", "cells_built", "dcs_open", "mip_gap")


def esc(v) -> str:
    return html.escape("" if v is None else str(v), quote=True)


def fmt(v, kind: str = "num") -> str:
    """A number for people: thousands separators, about four significant digits."""
    if kind == "text":
        return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
    f = _num(v)
    if f is None:
        return "—"
    if kind == "pct01":
        f *= 100.0
        kind = "pct"
    if kind == "pct":
        return f"{f:.1f}" if abs(f) >= 0.05 or abs(f) < 1e-4 else f"{f:.2g}"
    if kind == "int" or (f == int(f) and abs(f) < 1e15 and kind != "float"):
        if abs(f) >= 1e4 or f == int(f):
            return f"{f:,.0f}"
    a = abs(f)
    if a >= 1000:
        return f"{f:,.0f}"
    if a >= 100:
        return f"{f:,.1f}"
    if a >= 1:
        return f"{f:.3g}" if a < 10 else f"{f:.1f}"
    if a == 0:
        return "0"
    return f"{f:.3g}"


def _status_class(status) -> str:
    return "ok" if str(status) in OK_STATUSES or str(status) == "ok" else "bad"


def _table(headers: list[tuple[str, bool]], rows: list[list[tuple[str, bool]]],
           attrs: str = "") -> str:
    """A table in a horizontally scrolling wrapper; cells are (html, numeric) pairs."""
    head = "".join(f'<th class="n">{h}</th>' if n else f"<th>{h}</th>" for h, n in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{c}</td>' if n else f'<td class="t">{c}</td>'
                         for c, n in row) + "</tr>"
        for row in rows)
    return (f'<div class="scroll"><table{attrs}><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def _figure(fid: str, svg: str | None, title: str, caption: str, missing: str) -> str:
    if svg is None:
        return f'<p class="note" data-omitted="{fid}">{esc(title)}: not drawn, {esc(missing)}.</p>'
    return (f'<figure class="card" id="fig-{fid}" data-figure="{fid}"><h3>{esc(title)}</h3>'
            f"{svg}<figcaption>{esc(caption)}</figcaption></figure>")


def _grid(items: list[str]) -> str:
    figs = [i for i in items if i.startswith("<figure")]
    notes = [i for i in items if not i.startswith("<figure")]
    out = ""
    if figs:
        out += '<div class="grid">' + "".join(figs) + "</div>"
    return out + "".join(notes)


# --- results --------------------------------------------------------------------------

def kpi_cards(res: Results) -> str:
    s = res.summary
    cards = []
    for key, label, unit, kind in KPIS:
        if key == "objective":
            unit = OBJECTIVE_UNITS.get(str(s.get("objective_kind")), "")
        v = s.get(key)
        if key not in s and kind != "text":
            continue
        val = fmt(v, kind)
        scale_kind = str(s.get("objective_kind")) if key == "objective" else key
        if scale_kind in SCALES and _num(v) is not None:
            val, unit = split(scale_kind, _num(v))  # 6.73 GWh/yr, never a broken long number
        cls = f' class="v {_status_class(v)}"' if key == "status" else \
            (' class="v"' if kind == "text" else ' class="v n"')  # a number never breaks
        u = f' <span class="u">{esc(unit)}</span>' if unit and val != "—" else ""
        cards.append(f'<div class="card kpi" data-kpi="{key}"><div class="k">{esc(label)}</div>'
                     f"<div{cls}>{esc(val)}{u}</div></div>")
    for b in res.baselines():
        pct = b["savings"].get("energy_kwh")
        if pct is None:
            continue
        cards.append(f'<div class="card kpi" data-kpi="savings-{b["key"]}"><div class="k">'
                     f'energy saved vs {esc(b["label"].split(" (")[0])}</div>'
                     f'<div class="v n">{fmt(pct, "pct")} <span class="u">%</span></div></div>')
    return '<div class="kpis">' + "".join(cards) + "</div>"


def baselines_table(res: Results) -> str:
    rows = []
    for b in res.baselines():
        cells = [(esc(b["label"]), False),
                 (f'<span class="{_status_class(b["status"])}">{esc(b["status"])}</span>', False)]
        for kpi in ("energy_kwh", "grid_energy_kwh", "carbon_t", "cost_cny"):
            cells.append((fmt(b[kpi]), True))
        for kpi in ("energy_kwh", "grid_energy_kwh", "carbon_t", "cost_cny"):
            cells.append((fmt(b["savings"].get(kpi), "pct"), True))
        cells.append((esc(b["note"]), False))
        rows.append(cells)
    if not rows:
        return '<p class="note" data-omitted="baselines">No baseline in summary.json: no savings to show.</p>'
    headers = [("baseline", False), ("status", False), ("energy kWh/yr", True),
               ("grid kWh/yr", True), ("carbon t/yr", True), ("cost CNY/yr", True),
               ("energy saved %", True), ("grid saved %", True), ("carbon saved %", True),
               ("cost saved %", True), ("note", False)]
    return _table(headers, rows, ' data-table="baselines"')


def _status_quo(res: Results) -> list | None:
    b = res.summary.get("baselines")
    sq = b.get("status_quo") if isinstance(b, dict) else None
    v = sq.get("load_kw_by_period") if isinstance(sq, dict) else None
    return v if isinstance(v, list) else None


def plan_figures(res: Results) -> str:
    miss = res.missing
    hours = _num(res.summary.get("period_hours"))
    items = [
        _figure("hourly-power", figures.hourly_power(res.hourly, hours, _status_quo(res)),
                "Power by period",
                "Stacked bars: average power of the radio access network, data centres and "
                "transport in each period; green line: renewable supply available; dashed "
                "line: the status quo's power (every existing cell awake), where known.",
                miss.get("hourly", "no power in any hour")),
        _figure("awake-cells", figures.awake_cells(res.hourly, hours), "Awake cells by period",
                "Number of built 4G and 5G cells awake in each period; line: the traffic of "
                "all areas (right axis).",
                miss.get("hourly", "no awake cell in any hour (no radio part)")),
    ]
    no_map = "; ".join(v for k, v in miss.items() if k in ("sites", "dc_sites")) \
        or "no site or data centre has coordinates"
    items.append(_figure(
        "map", figures.network_map(res.sites, res.dc_sites, res.region_summary,
                                   res.assignments),
        "Map of the plan",
        "Radio sites: circles 4G only, triangles with 5G, coloured by the mean hours their "
        "built cells sleep (size: built cells), a green ring where new cells were built, a "
        "cross where every cell was retired, hollow where nothing was built; data centres "
        "sized by mean IT load (open filled, closed hollow) with each region's compute flow "
        "to them; hover a point for its name. Longitude is scaled by cos(latitude); no map "
        "tiles.", no_map))
    return _grid(items)


def plan_sections(res: Results, heading: str = "") -> str:
    pre = f"{heading}: " if heading else ""
    return (f'<section id="kpis"><h2>{esc(pre)}Headline figures</h2>{kpi_cards(res)}</section>'
            f'<section id="baselines"><h2>{esc(pre)}Savings against baselines</h2>'
            f"{baselines_table(res)}</section>"
            f'<section id="plan"><h2>{esc(pre)}The plan by hour and place</h2>'
            f"{plan_figures(res)}</section>")


def run_section(res: Results | None, data: ReportData, generated: str) -> str:
    s = res.summary if res is not None else {}
    rows = [("instance", s.get("instance") or (data.pareto.meta.get("instance") if data.pareto else None)),
            ("folder", str(data.path)),
            ("status", s.get("status")),
            ("objective", s.get("objective_kind")),
            ("solver", " ".join(str(x) for x in (s.get("solver"), s.get("solver_version")) if x)
             or None),
            ("netopt version", s.get("package_version")),
            ("strategy", s.get("strategy")),
            ("build seconds", fmt(s.get("build_seconds")) if "build_seconds" in s else None),
            ("solve seconds", fmt(s.get("solve_seconds")) if "solve_seconds" in s else None),
            ("input sha256", s.get("input_sha256")),
            ("report generated", generated)]
    body = _table([("item", False), ("value", False)],
                  [[(esc(k), False), (esc(fmt(v, "text")), False)] for k, v in rows if v is not None],
                  ' class="narrow" data-table="run"')
    out = f'<section id="run"><h2>Run</h2>{body}'
    if res is not None:
        krows = []
        for key, label, unit in SUMMARY_ROWS:
            if key not in s:
                continue
            kind = "pct01" if unit == "%" else "num"
            krows.append([(esc(label), False), (fmt(s.get(key), kind), True), (esc(unit), False)])
        out += ('<h3 style="margin-top:1rem">Summary</h3>'
                + _table([("KPI", False), ("value", True), ("unit", False)], krows,
                         ' class="narrow" data-table="summary"'))
        scalars = [[(esc(k), False), (esc(v), False)] for k, v in s.items()
                   if isinstance(v, (str, int, float, bool)) or v is None]
        out += ("<details><summary>every scalar of summary.json</summary>"
                + _table([("key", False), ("value", False)], scalars, ' data-table="summary-all"')
                + "</details>")
        if s.get("diagnosis"):
            out += "<h3>Diagnosis</h3><ul>" + "".join(f"<li>{esc(d)}</li>" for d in s["diagnosis"]) + "</ul>"
        if s.get("warnings"):
            out += "<h3>Warnings</h3><ul>" + "".join(f"<li>{esc(w)}</li>" for w in s["warnings"]) + "</ul>"
    return out + "</section>"


# --- comparison -----------------------------------------------------------------------

def comparison_section(cmp: Comparison) -> str:
    base = cmp.base_name
    ok = cmp.ok_rows()
    bars = []
    # why a scenario with a plan has no savings figure (its status quo is infeasible, say)
    notes = {}
    for _, r in ok.iterrows():
        if _num(r.get("savings_pct")) is None:
            why = r.get("baseline_note") if isinstance(r.get("baseline_note"), str) else None
            notes[str(r["scenario"])] = _short_note(why) if why else "no status quo to compare"
    for kpi, label, fid in (("energy_kwh", "energy", "cmp-energy"),
                            ("carbon_t", "carbon", "cmp-carbon"),
                            ("cost_cny", "cost", "cmp-cost"),
                            ("savings_pct", "energy saved vs status quo (%)", "cmp-savings")):
        svg = figures.comparison_bars(ok, kpi, label, fid, base, notes) if not ok.empty else None
        bars.append(_figure(fid, svg, label[0].upper() + label[1:] + " per scenario",
                            "Scenarios that found a plan; in brackets the change against the "
                            f"base scenario {base}. Grey: the base.",
                            "no scenario found a plan" if ok.empty
                            else f"comparison.csv has no {kpi} values"))
    failed = len(cmp.table) - len(ok)
    note = (f'<p class="note">{failed} scenario(s) found no plan: listed in the table, left out of '
            "the bars.</p>") if failed else ""
    t = cmp.table
    cols = [c for c in COMPARISON_COLUMNS if c in t.columns]
    vs = [f"{c}_vs_first" for c in ("energy_kwh", "carbon_t", "cost_cny")
          if f"{c}_vs_first" in t.columns]
    interval = "objective_vs_first_low" in t.columns
    headers = ([("scenario", False), ("status", False), ("message", False)]
               + [(esc(COLUMN_LABELS.get(c, c)), True) for c in cols]
               + [(esc(f"Δ {COLUMN_LABELS[c[:-9]]} vs base"), True) for c in vs]
               + ([("Δ objective vs base", True), ("the bounds allow", True)] if interval else []))
    rows = []
    for _, r in t.iterrows():
        st = r.get("status")
        msg = r.get("message")
        msg = "" if msg is None or (isinstance(msg, float) and math.isnan(msg)) else str(msg)
        prob = cmp.problems.get(str(r["scenario"]))
        if prob and str(st) in OK_STATUSES:
            msg = (msg + "; " if msg else "") + prob
        row = [(esc(r["scenario"]) + (" (base)" if str(r["scenario"]) == base else ""), False),
               (f'<span class="{_status_class(st)}">{esc(st)}</span>', False),
               (f'<span class="msg">{esc(msg)}</span>', False)]
        row += [(fmt(r.get(c), "pct01" if c in ("renewable_share", "mip_gap") else "num"), True)
                for c in cols]
        row += [(fmt(r.get(c)), True) for c in vs]
        if interval:
            row += _difference_cells(r)
        rows.append(row)
    table = _table(headers, rows, ' data-table="comparison"')
    full = [[(esc(v), False) for v in r] for r in t.astype(object).where(t.notna(), "").values.tolist()]
    full_table = _table([(esc(c), False) for c in t.columns], full, ' data-table="comparison-all"')
    return (f'<section id="comparison"><h2>Scenarios compared</h2>{_grid(bars)}{note}'
            f'<h3 style="margin-top:1rem">Comparison</h3>{table}'
            f"<details><summary>every column of comparison.csv</summary>{full_table}</details>"
            "</section>")


def _difference_cells(r) -> list[tuple[str, bool]]:
    """The objective's change against the base (absolute and in per cent) and the interval
    its bounds allow; a change whose interval holds zero is marked as not resolved."""
    from ..units import percent, quantity
    kind = str(r.get("objective_kind") or "")
    d, pct = _num(r.get("objective_vs_first")), _num(r.get("objective_vs_first_pct"))
    lo, hi = _num(r.get("objective_vs_first_low")), _num(r.get("objective_vs_first_high"))
    if d is None:
        return [("—", True), ("—", True)]
    change = ("+" if d > 0 else "") + quantity(kind, d) + \
        (f" ({'+' if pct > 0 else ''}{percent(pct)})" if pct is not None else "")
    allow = "—" if lo is None or hi is None else \
        f"{quantity(kind, lo, per='')} .. {quantity(kind, hi, per='')}"
    res = r.get("difference_resolved")
    if str(res).strip().lower() in ("false", "0", "0.0"):
        allow += ' <span class="bad" data-unresolved="1">not resolved</span>'
    return [(esc(change), True), (allow if "<span" in allow else esc(allow), True)]


def _short_note(text: str) -> str:
    """A baseline note cut to what fits beside a bar."""
    text = text.split(";")[0].strip()
    return text if len(text) <= 52 else text[:51] + "…"


def _ids(items: list, limit: int = 12) -> str:
    if not items:
        return "—"
    shown = ", ".join(str(x) for x in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def scenario_sections(cmp: Comparison) -> str:
    """A section per scenario other than the base: its headline figures and the decisions
    in which its plan differs from the base's."""
    base = cmp.base()
    out = []
    for _, r in cmp.table.iloc[1:].iterrows():
        name = str(r["scenario"])
        res = cmp.results.get(name)
        sid = "scenario-" + "".join(c if c.isalnum() else "-" for c in name.lower())
        head = f'<section id="{esc(sid)}" data-scenario="{esc(name)}"><h2>Scenario {esc(name)}</h2>'
        if res is None or not res.ok:
            why = cmp.problems.get(name) or str(r.get("message") or r.get("status"))
            out.append(head + f'<p class="note">No plan: {esc(why)}.</p></section>')
            continue
        body = kpi_cards(res)
        diff = decisions(base[1], res) if base is not None and base[0] != name else None
        if diff is None:
            body += '<p class="note">No cells.csv or dcs.csv to compare with the base.</p>'
        else:
            moved = diff["rescheduled"]
            more = sorted(c for c, d in moved.items() if d > 0)
            less = sorted(c for c, d in moved.items() if d < 0)
            same = sorted(c for c, d in moved.items() if d == 0)
            rows = [("cells built that the base does not build", diff["built"]),
                    ("cells the base builds that this plan does not", diff["dropped"]),
                    ("cells awake in more periods than in the base", more),
                    ("cells awake in fewer periods than in the base", less),
                    ("cells awake as often, in other periods", same),
                    ("data centres opened", diff["opened"]),
                    ("data centres closed", diff["closed"])]
            body += ('<h3 style="margin-top:1rem">Decisions that differ from the base</h3>'
                     + _table([("decision", False), ("count", True), ("which", False)],
                              [[(esc(k), False), (f"{len(v):,}", True), (esc(_ids(v)), False)]
                               for k, v in rows],
                              f' data-table="decisions" data-scenario="{esc(name)}"'))
        out.append(head + body + "</section>")
    return "".join(out)


# --- Pareto ---------------------------------------------------------------------------

def pareto_section(p: Pareto) -> str:
    meta = p.meta
    svg = figures.pareto_front(p.points, meta)
    xl = figures.axis_label(meta.get("x_label"), meta.get("x"))
    yl = figures.axis_label(meta.get("y_label"), meta.get("y"))
    fig = _figure("pareto", svg, "Pareto front",
                  f"Each point is a plan; x: {xl}, y: {yl}. Points that found no plan are left out.",
                  "no point of pareto.csv found a plan")
    cols = [c for c in ("energy_kwh", "grid_energy_kwh", "carbon_t", "cost_cny", "new_5g_cells")
            if p.points[c].notna().any()]
    headers = ([("point", False), ("status", False), ("gap %", True), (esc(xl), True),
                (esc(yl), True)] + [(c, True) for c in cols])
    dominated = "dominated" in p.points.columns
    if dominated:
        headers.append(("dominated", False))
    rows = []
    for _, r in p.points.iterrows():
        row = [(esc(r["point"]), False),
               (f'<span class="{_status_class(r["status"])}">{esc(r["status"])}</span>', False),
               (fmt(r.get("mip_gap"), "pct01"), True), (fmt(r["x"]), True), (fmt(r["y"]), True)]
        row += [(fmt(r.get(c)), True) for c in cols]
        if dominated:
            row.append(("yes" if figures._truthy(r.get("dominated")) else "", False))
        rows.append(row)
    inst = f" of {meta.get('instance')}" if meta.get("instance") else ""
    table = _table(headers, rows, ' data-table="pareto"')
    notes = meta.get("notes") if isinstance(meta.get("notes"), list) else []
    if meta.get("method"):
        notes = [f"method: {meta['method']}"] + notes
    table += "".join(f'<p class="note">{esc(n)}</p>' for n in notes)
    return (f'<section id="pareto"><h2>Pareto front{esc(inst)}</h2>{_grid([fig])}'
            f'<h3 style="margin-top:1rem">Points</h3>{table}</section>')


# --- page -----------------------------------------------------------------------------

def render(data: ReportData, title: str | None = None,
           generated: _dt.datetime | None = None) -> str:
    """The whole page as a string."""
    now = (generated or _dt.datetime.now(_dt.timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    parts = []
    res: Results | None = None
    if data.kind == "results":
        res = data.results
        name = res.name
        kind = "results"
        parts.append(plan_sections(res))
    elif data.kind == "comparison":
        cmp = data.comparison
        parts.append(comparison_section(cmp))
        base = cmp.base()
        if base is None:
            name = cmp.base_name
            parts.append('<p class="note" data-omitted="base">No scenario has a results folder: '
                         "no plan figures.</p>")
        else:
            bname, res = base
            name = res.name
            lead = f"Base scenario {bname}" if bname == cmp.base_name else \
                f"Scenario {bname} (the base {cmp.base_name} has no results)"
            parts.append(plan_sections(res, lead))
        parts.append(scenario_sections(cmp))
        kind = "comparison"
    else:
        name = str(data.pareto.meta.get("instance") or data.path.name)
        kind = "Pareto front"
    if data.pareto is not None:
        parts.append(pareto_section(data.pareto))
    parts.append(run_section(res, data, now))
    title = title or f"netopt {kind}: {name}"
    status = res.summary.get("status") if res is not None else None
    sub = " · ".join(esc(x) for x in (
        f"instance {name}", f"status {status}" if status else None,
        f"objective {res.summary.get('objective_kind')}" if res is not None and res.summary.get("objective_kind") else None,
        f"generated {now}") if x)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta name="generator" content="netopt report">'
            f"<title>{esc(title)}</title><style>{CSS}</style></head>"
            f'<body data-report-kind="{esc(data.kind)}"><header><h1>{esc(title)}</h1>'
            f'<p class="sub">{sub}</p></header><main>{"".join(parts)}</main>'
            "<footer>Written by netopt report from the files of the folder alone; every figure "
            "is inline, the page loads nothing else.</footer></body></html>\n")
