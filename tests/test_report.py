"""netopt report: the HTML page of results, comparison and Pareto folders from real solves,
checked as text and opened in a real headless Chromium (phone and wide viewports)."""
import ast
import html.parser
import json
import math
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

import optimizer
from optimizer.instance.generate import generate_city
from optimizer.report import ReportError, load, render_report, write_report

ROOT = Path(__file__).resolve().parents[1]
NETOPT = [str(Path(sys.executable).with_name("netopt"))]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PLAN_FIGURES = ("hourly-power", "awake-cells", "map")
COMPARISON_FIGURES = ("cmp-energy", "cmp-carbon", "cmp-cost", "cmp-savings")
SCENARIOS = {  # scenario files of the comparison, applied to the joint instance
    "carbon.toml": 'name = "least carbon"\n[set.objective]\nkind = "carbon"\n',
    # 10x the city's compute: more than its data centres within the latency bound can take
    "overload.toml": 'name = "overload"\n[scale]\ncompute_by_region = { east = 10 }\n',
    "broken.toml": 'name = "broken"\n[forbid]\ncells = ["Z*"]\n',
}


def run(*args):
    return subprocess.run(NETOPT + [str(a) for a in args], capture_output=True, text=True,
                          timeout=300)


def joint_instance(folder: Path) -> Path:
    """A generated 10-site city joined to a far inland region: an existing city data centre,
    an old inland one, an efficient inland candidate with solar, a spare city candidate."""
    generate_city(folder, sites=10, seed=3, name="joint")
    toml = (folder / "instance.toml").read_text()
    toml = toml.replace("time_limit_s = 600", "time_limit_s = 60")
    (folder / "instance.toml").write_text(
        toml + "\n[datacentre]\ninteractive_latency_ms = 3\nbatch_shiftable = true\n")
    with open(folder / "regions.csv", "a") as f:
        f.write("inland,0.35,0.45,30.59,114.31\n")
    sun = [max(0.0, math.sin(math.pi * (h - 6) / 12)) for h in range(24)]
    with open(folder / "renewables.csv", "a") as f:
        f.writelines(f"inland,{h},{300 * sun[h]:.1f}\n" for h in range(24))
    (folder / "datacentres.csv").write_text(
        "dc,region,lat,lon,status,max_it_kw,fixed_kw,pue\n"
        "dc-city,east,31.25,121.45,existing,400,10,1.5\n"
        "dc-inland,inland,30.60,114.25,candidate,400,5,1.2\n"
        "dc-spare,east,31.20,121.50,candidate,400,30,1.6\n"
        "dc-old,inland,30.52,114.40,existing,100,20,1.9\n")
    rows = ["region,period,class,it_kw"]
    for h in range(24):
        rows += [f"east,{h},interactive,{60 + 40 * sun[h]:.1f}",
                 f"inland,{h},interactive,{15 + 5 * sun[h]:.1f}"]
    rows.append("east,2,batch,200")
    (folder / "compute.csv").write_text("\n".join(rows) + "\n")
    (folder / "links.csv").write_text("u,v,km\neast,inland,700\n")
    return folder


def dc_instance(folder: Path) -> Path:
    """Data centres only: a coastal city, hydro-powered west, windy north; batch compute can
    move. West has no existing data centre, so the status-quo baseline cannot serve it."""
    folder.mkdir(parents=True)
    (folder / "instance.toml").write_text(
        'name = "grid3"\n[time]\nperiods = 24\nperiod_hours = 1.0\nweight = 365\n'
        '[datacentre]\ninteractive_latency_ms = 5\nbatch_shiftable = true\n'
        '[solver]\nmip_gap = 0.0\n')
    (folder / "regions.csv").write_text(
        "region,grid_co2_kg_per_kwh,price_cny_per_kwh,lat,lon\n"
        "coast,0.70,0.80,31.23,121.47\nwest,0.20,0.40,30.57,104.07\nnorth,0.60,0.35,40.84,111.75\n")
    (folder / "renewables.csv").write_text("region,period,renewable_kw\n" + "".join(
        f"north,{h},{120 + 80 * math.cos(math.pi * h / 12):.1f}\n" for h in range(24)))
    (folder / "datacentres.csv").write_text(
        "dc,region,lat,lon,status,max_it_kw,fixed_kw,pue\n"
        "coast-1,coast,31.30,121.50,existing,600,20,1.25\n"
        "west-1,west,30.60,104.00,candidate,600,15,1.5\n"
        "north-1,north,40.80,111.70,candidate,600,10,1.15\n"
        "north-2,north,40.90,111.60,candidate,600,60,1.4\n")
    day = [0.6 + 0.4 * max(0.0, math.sin(math.pi * (h - 7) / 14)) for h in range(24)]
    rows = ["region,period,class,it_kw"]
    for h in range(24):
        rows += [f"coast,{h},interactive,{200 * day[h]:.1f}",
                 f"west,{h},interactive,{30 * day[h]:.1f}"]
        if h % 6 == 0:
            rows.append(f"coast,{h},batch,300")
    (folder / "compute.csv").write_text("\n".join(rows) + "\n")
    (folder / "links.csv").write_text("u,v,km\ncoast,west,1700\ncoast,north,1300\nwest,north,1100\n")
    return folder


def pareto_from_objectives(inst, out: Path) -> Path:
    """A Pareto folder from the plans of least energy, grid energy, carbon and cost, each
    flagged dominated when another is at least as good in energy and carbon."""
    rows = []
    for i, kind in enumerate(("energy", "grid_energy", "carbon", "cost")):
        s = optimizer.solve(inst, objective=kind, baseline=False).summary
        assert s["status"] == "optimal"
        rows.append(dict(point=i, status=s["status"], mip_gap=s["mip_gap"], x=s["energy_kwh"],
                         y=s["carbon_t"], energy_kwh=s["energy_kwh"],
                         grid_energy_kwh=s["grid_energy_kwh"], carbon_t=s["carbon_t"],
                         cost_cny=s["cost_cny"], new_5g_cells=0))
    pts = pd.DataFrame(rows)
    x, y = pts.x.round(3), pts.y.round(6)  # ties up to rounding are ties
    pts["dominated"] = [bool(((x <= xi) & (y <= yi) & ((x < xi) | (y < yi))).any())
                        for xi, yi in zip(x, y)]
    out.mkdir()
    pts.to_csv(out / "pareto.csv", index=False)
    (out / "pareto.json").write_text(json.dumps(
        {"instance": inst.name, "x": "energy", "y": "carbon", "x_label": "energy (kWh/yr)",
         "y_label": "carbon (t CO2/yr)"}))
    return out


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Real results: instances/tiny by `netopt solve`; the data-centre instance by
    optimizer.solve; the joint instance and three scenarios of it by `netopt compare`; a Pareto
    front of the data-centre instance by `netopt pareto` (or, without that command, from its
    single-objective plans)."""
    d = tmp_path_factory.mktemp("report")
    out = {}
    r = run("solve", ROOT / "instances" / "tiny", "--out", d / "tiny")
    assert r.returncode == 0, r.stderr
    out["tiny"] = d / "tiny"

    # an older results folder: no per-hour / per-site tables, only the flat baseline keys
    old = shutil.copytree(d / "tiny", d / "tiny-old")
    for name in ("hourly", "sites", "dc_sites", "region_summary"):
        (old / f"{name}.csv").unlink(missing_ok=True)
    s = json.loads((old / "summary.json").read_text())
    for k in [k for k in s if k == "baselines" or k.startswith(("threshold_", "nearest_dc_"))]:
        del s[k]
    (old / "summary.json").write_text(json.dumps(s, indent=2))
    out["old"] = old

    dc = optimizer.load_instance(dc_instance(d / "grid3-instance"))
    sol = optimizer.solve(dc)
    assert sol.status == "optimal"
    out["dc"] = sol.write(d / "grid3")

    for name, text in SCENARIOS.items():
        (d / name).write_text(text)
    cmp = d / "cmp"
    r = run("compare", joint_instance(d / "joint-instance"), *(d / n for n in SCENARIOS),
            "--out", cmp, "--workers", "2")
    assert r.returncode == 1, r.stderr  # two of the four runs find no plan
    assert list(pd.read_csv(cmp / "comparison.csv").status) == \
        ["optimal", "optimal", "infeasible", "invalid"]
    out["cmp"], out["joint"] = cmp, cmp / "base"

    if run("pareto", "--help").returncode == 0:
        r = run("pareto", d / "grid3-instance", "--x", "energy", "--y", "carbon", "--points", "4",
                "--out", d / "pareto")
        assert r.returncode == 0, r.stderr
        out["pareto"] = d / "pareto"
    else:
        out["pareto"] = pareto_from_objectives(dc, d / "pareto")
    shutil.copytree(out["pareto"], cmp / "pareto")  # picked up as the comparison's front
    return out


# --- the page as text -------------------------------------------------------------------

class _Refs(html.parser.HTMLParser):
    ATTRS = ("src", "href", "xlink:href", "action", "poster", "srcset", "data", "formaction")

    def __init__(self):
        super().__init__()
        self.refs = []

    def handle_starttag(self, tag, attrs):
        self.refs += [(tag, k, v) for k, v in attrs if k in self.ATTRS and v]


def assert_self_contained(page: str):
    p = _Refs()
    p.feed(page)
    external = [r for r in p.refs if not r[2].startswith(("#", "data:image/"))]  # inline only
    assert external == [], external
    # the only URLs are XML namespace names of the inline SVGs
    for m in re.finditer(r"https?://", page):
        before = page[max(0, m.start() - 20):m.start()]
        assert re.search(r'xmlns(:\w+)?="$', before), page[m.start() - 40:m.start() + 60]
    assert "url(http" not in page and "@import" not in page and "<link" not in page
    assert "<script" not in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    for svg in re.findall(r"<svg.*?</svg>", page, flags=re.S):  # each figure is valid XML
        ET.fromstring(svg)
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "duplicate ids"


def figure_ids(page: str) -> set[str]:
    return set(re.findall(r'data-figure="([^"]+)"', page))


def omitted(page: str) -> set[str]:
    return set(re.findall(r'data-omitted="([^"]+)"', page))


def test_cli_report_of_a_cli_solve(folders, tmp_path):
    out = tmp_path / "tiny.html"
    r = run("report", folders["tiny"], "--out", out, "--title", "Tiny <plan>")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"wrote {out}"
    page = out.read_text(encoding="utf-8")
    assert_self_contained(page)
    assert "<title>Tiny &lt;plan&gt;</title>" in page
    for section in ("kpis", "baselines", "plan", "run"):
        assert f'<section id="{section}">' in page
    assert figure_ids(page) == set(PLAN_FIGURES)
    summary = json.loads((folders["tiny"] / "summary.json").read_text())
    assert summary["solver_version"] in page and "optimal" in page and "tiny" in page
    assert f'{summary["energy_kwh"]:,.0f}' in page  # 8,885 kWh/yr
    # default output: report.html inside the folder
    r = run("report", folders["tiny"])
    assert r.returncode == 0, r.stderr
    assert (folders["tiny"] / "report.html").is_file()


def test_joint_report_kpis_baselines_and_figures(folders):
    page = render_report(folders["joint"])
    assert_self_contained(page)
    assert figure_ids(page) == set(PLAN_FIGURES) and not omitted(page)
    s = json.loads((folders["joint"] / "summary.json").read_text())
    for kpi in ("status", "objective_kind", "objective", "mip_gap", "energy_kwh", "grid_energy_kwh",
                "carbon_t", "cost_cny", "renewable_share", "cells_built", "cells_retired",
                "dcs_open"):
        assert f'data-kpi="{kpi}"' in page
    baselines = re.search(r'data-table="baselines">(.*?)</table>', page, re.S).group(1)
    present = [k for k, v in (s.get("baselines") or {}).items() if v]
    assert present, "the solve reports no baseline"
    assert baselines.count("<tr>") == 1 + len(present)
    # savings against the status quo: the solver's figure, to one decimal
    assert f'{s["savings_pct"]:.1f}' in re.search(r'data-kpi="savings-status_quo".*?</div></div>',
                                                   page, re.S).group(0)
    # the map shows the data centres (open filled, closed hollow) and both regions
    svg = re.search(r'data-figure="map">.*?</svg>', page, re.S).group(0)
    assert svg.count("<svg") == 1 and "zoom" in page


def test_old_results_folder_renders_with_notes(folders):
    page = render_report(folders["old"])
    assert_self_contained(page)
    assert figure_ids(page) == set()
    assert omitted(page) == set(PLAN_FIGURES)
    assert "hourly.csv is not in this results folder" in page
    rows = re.search(r'data-table="baselines">(.*?)</table>', page, re.S).group(1)
    assert rows.count("<tr>") == 2 and "status quo" in rows  # from the flat keys


def test_infeasible_results_render(folders):
    page = render_report(folders["cmp"] / "overload")
    assert_self_contained(page)
    assert omitted(page) >= set(PLAN_FIGURES)
    assert 'class="v bad">infeasible' in page


def test_comparison_report(folders, tmp_path):
    out = tmp_path / "cmp.html"
    r = run("report", folders["cmp"], "--out", out)
    assert r.returncode == 0, r.stderr
    page = out.read_text(encoding="utf-8")
    assert_self_contained(page)
    assert figure_ids(page) == set(PLAN_FIGURES) | set(COMPARISON_FIGURES) | {"pareto"}
    for section in ("comparison", "kpis", "baselines", "plan", "pareto", "run"):
        assert f'<section id="{section}">' in page
    table = re.search(r'data-table="comparison">(.*?)</table>', page, re.S).group(1)
    assert table.count("<tr>") == 1 + 4
    for name in ("base (base)", "least carbon", "overload", "broken"):
        assert name in table
    assert "pattern &#x27;Z*&#x27; matches no cell" in table  # the invalid run's message
    assert "2 scenario(s) found no plan" in page
    # the bars show only the runs that found a plan; the plan figures are the base's
    data = load(folders["cmp"])
    assert list(data.comparison.ok_rows().scenario) == ["base", "least carbon"]
    assert data.comparison.base()[0] == "base" and data.comparison.results["broken"] is None
    assert "Base scenario base" in page
    t = pd.read_csv(folders["cmp"] / "comparison.csv")
    assert f"{t.energy_kwh[0]:,.0f}" in table and f"{t.energy_kwh_vs_first[1]:,.0f}" in table


def test_comparison_with_shared_scenario_names(folders, tmp_path):
    # two runs named alike (scenario files may share a name): each keeps its own results
    cmp = tmp_path / "cmp"
    shutil.copytree(folders["cmp"], cmp)
    t = pd.read_csv(cmp / "comparison.csv")
    t.loc[1, "scenario"] = "base"
    t.to_csv(cmp / "comparison.csv", index=False)
    c = load(cmp).comparison
    names = list(c.table.scenario)
    assert len(set(names)) == len(names) and names[0] != names[1]
    assert all(n.startswith("base [") for n in names[:2])
    for i in (0, 1):
        own = json.loads((cmp / t.results[i] / "summary.json").read_text())
        assert c.results[names[i]].summary == own
    # the base minimises energy, the second run carbon: distinct runs, not one read twice
    assert [c.results[n].summary["objective_kind"] for n in names[:2]] == ["energy", "carbon"]
    page = render_report(cmp)
    assert_self_contained(page)
    assert names[1].replace("[", "") in page.replace("[", "")


def test_datacentre_report_failed_baseline_and_no_radio(folders):
    page = render_report(folders["dc"])
    assert_self_contained(page)
    assert figure_ids(page) == {"hourly-power", "map"}
    assert omitted(page) == {"awake-cells"}
    s = json.loads((folders["dc"] / "summary.json").read_text())
    assert s["baselines"]["status_quo"]["status"] != "ok"  # west has no existing data centre
    rows = re.search(r'data-table="baselines">(.*?)</table>', page, re.S).group(1)
    assert f'class="bad">{s["baselines"]["status_quo"]["status"]}' in rows
    assert "region west" in rows
    assert 'data-kpi="savings-status_quo"' not in page and 'data-kpi="savings-nearest_dc"' in page


def test_pareto_folder_and_option(folders, tmp_path):
    page = render_report(folders["pareto"])
    assert_self_contained(page)
    assert figure_ids(page) == {"pareto"}
    assert "energy (kWh/yr)" in page and "carbon (t CO2/yr)" in page
    points = re.search(r'data-table="pareto">(.*?)</table>', page, re.S).group(1)
    assert points.count("<tr>") == 1 + len(pd.read_csv(folders["pareto"] / "pareto.csv"))
    page = render_report(folders["joint"], pareto=folders["pareto"])
    assert figure_ids(page) == set(PLAN_FIGURES) | {"pareto"}
    out = tmp_path / "p.html"
    r = run("report", folders["tiny"], "--pareto", folders["pareto"], "--out", out)
    assert r.returncode == 0, r.stderr
    assert "pareto" in figure_ids(out.read_text(encoding="utf-8"))


def test_bad_folders_are_one_line_errors(tmp_path):
    r = run("report", "/nonexistent")
    assert r.returncode == 2
    assert r.stderr.strip() == "netopt: /nonexistent: no such folder"
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReportError, match="not a results, comparison or Pareto folder"):
        write_report(tmp_path / "empty")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "summary.json").write_text("{")
    r = run("report", bad, "--out", tmp_path / "bad.html")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [f"netopt: {bad / 'summary.json'}: not valid JSON "
                                             "(line 1: Expecting property name enclosed in double quotes)"]
    assert not (tmp_path / "bad.html").exists()
    with pytest.raises(ReportError, match="no such folder"):
        write_report(tmp_path / "nothing")
    p = tmp_path / "front"
    p.mkdir()
    (p / "pareto.json").write_text("{}")
    (p / "pareto.csv").write_text("point,status\n0,optimal\n")
    with pytest.raises(ReportError, match=r"pareto.csv: missing column\(s\) x, y$"):
        write_report(p)


def test_report_package_reads_files_only():
    """No module of optimizer.report imports Pyomo, HiGHS or the model and solver code."""
    banned = ("pyomo", "highspy", "optimizer.solve", "optimizer.formulation", "..solve",
              "..formulation")
    for path in (ROOT / "optimizer" / "report").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = ["." * node.level + (node.module or "")]
            else:
                continue
            for n in names:
                assert not n.startswith(banned), f"{path.name} imports {n}"


# --- in Chromium ------------------------------------------------------------------------

VIEWPORTS = {"phone": (390, 844), "wide": (1600, 1000)}


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: run scripts/setup-browser (make test does)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_in_browser(browser, path: Path, viewport: str, shot: Path) -> dict:
    """Load the page from a file:// URL; return what happened and measurements."""
    w, h = VIEWPORTS[viewport]
    t0 = time.perf_counter()
    ctx = browser.new_context(viewport={"width": w, "height": h})
    page = ctx.new_page()
    url = path.resolve().as_uri()
    errors, requests, blocked = [], [], []
    page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("request", lambda r: requests.append(r.url))

    def route(r):  # anything but the page itself is recorded and refused
        if r.request.url == url:
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()
    page.route("**/*", route)
    page.goto(url, wait_until="load")
    figs = page.evaluate("""() => [...document.querySelectorAll('[data-figure]')].map(f => {
        const s = f.querySelector('svg'); const b = s ? s.getBoundingClientRect() : null;
        return {id: f.dataset.figure, w: b ? b.width : 0, h: b ? b.height : 0,
                paths: s ? s.querySelectorAll('path').length : 0,
                right: b ? b.right : 0};
    })""")
    out = dict(errors=errors, requests=requests, blocked=blocked, url=url, figures={f["id"]: f for f in figs},
               scroll_width=page.evaluate("document.scrollingElement.scrollWidth"),
               inner_width=page.evaluate("innerWidth"))
    page.screenshot(path=str(shot), full_page=True)
    ctx.close()
    out["seconds"] = time.perf_counter() - t0
    return out


def assert_screenshot_has_content(shot: Path):
    import matplotlib.image as mpimg
    import numpy as np
    img = mpimg.imread(shot)[..., :3]
    assert img.shape[0] > 500 and img.shape[1] >= 390
    non_white = (img.min(axis=2) < 0.95).mean()
    q = np.round(img[::2, ::2] * 255).astype(np.int32).reshape(-1, 3)  # every 4th pixel
    packed, counts = np.unique(q[:, 0] << 16 | q[:, 1] << 8 | q[:, 2], return_counts=True)
    top = int(packed[counts.argmax()])
    background = np.array([top >> 16, top >> 8 & 255, top & 255])
    not_background = (np.abs(q - background).sum(axis=1) > 24).mean()
    assert non_white > 0.05, non_white
    assert not_background > 0.08, not_background  # cards, text and figures over the page
    assert len(packed) > 200, len(packed)  # many distinct colours


def check_page(browser, path: Path, viewport: str, expected: set[str], tmp_path: Path) -> dict:
    shot = tmp_path / f"{path.stem}-{viewport}.png"
    res = open_in_browser(browser, path, viewport, shot)
    assert res["errors"] == []
    assert res["requests"] == [res["url"]] and res["blocked"] == [], res
    assert set(res["figures"]) == expected
    for fid, f in res["figures"].items():
        assert f["w"] > 250 and f["h"] > 120, (fid, f)
        assert f["paths"] >= 10, (fid, f)
        assert f["right"] <= res["inner_width"] + 1, (fid, f)
    if viewport == "phone":
        assert res["scroll_width"] <= res["inner_width"] + 1, res["scroll_width"]
    assert_screenshot_has_content(shot)
    return res


@pytest.mark.slow
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_browser_results_report(browser, folders, viewport, tmp_path):
    path = write_report(folders["joint"], tmp_path / "joint.html")
    res = check_page(browser, path, viewport, set(PLAN_FIGURES), tmp_path)
    if viewport == "wide":  # a grid of cards: the figures sit side by side
        assert res["figures"]["hourly-power"]["w"] < 900


@pytest.mark.slow
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_browser_comparison_report(browser, folders, viewport, tmp_path):
    path = write_report(folders["cmp"], tmp_path / "cmp.html")
    check_page(browser, path, viewport,
               set(PLAN_FIGURES) | set(COMPARISON_FIGURES) | {"pareto"}, tmp_path)


@pytest.mark.slow
def test_browser_old_folder_phone(browser, folders, tmp_path):
    path = write_report(folders["old"], tmp_path / "old.html")
    check_page(browser, path, "phone", set(), tmp_path)


READABILITY = """() => {
    const overlaps = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 &&
                               a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
    const out = {broken: [], overflow: [], overlapping: []};
    for (const el of document.querySelectorAll('.kpi .v.n')) {
        // a new line box starts below the bottom of everything before it
        const r = document.createRange(); r.selectNodeContents(el);
        const rects = [...r.getClientRects()].filter(x => x.width > 0).sort((a, b) => a.top - b.top);
        let lines = 0, bottom = -Infinity;
        for (const x of rects) { if (x.top >= bottom - 1) lines++; bottom = Math.max(bottom, x.bottom); }
        if (lines > 1) out.broken.push(el.textContent);
        if (el.scrollWidth > el.clientWidth + 1) out.overflow.push(el.textContent);
    }
    for (const svg of document.querySelectorAll('[data-figure] svg')) {
        const fid = svg.dataset.figureSvg;
        for (const axis of ['xtick', 'ytick']) {
            const boxes = [...svg.querySelectorAll(`g[id^="${fid}-${axis}_"] > g[id^="${fid}-text_"]`)]
                .map(g => g.getBoundingClientRect()).filter(b => b.width > 0);
            for (let i = 0; i < boxes.length; i++)
                for (let j = i + 1; j < boxes.length; j++)
                    if (overlaps(boxes[i], boxes[j])) out.overlapping.push(`${fid} ${axis} ${i} ${j}`);
        }
    }
    return out;
}"""


@pytest.mark.slow
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_browser_numbers_do_not_break_and_tick_labels_do_not_overlap(browser, folders, viewport,
                                                                      tmp_path):
    """Measured through the DOM in Chromium: every number of a KPI card stays on one line
    inside its card, and no two tick labels of an axis overlap, on every figure of the
    comparison report (plan, comparison and Pareto figures)."""
    path = write_report(folders["cmp"], tmp_path / "cmp.html")
    w, h = VIEWPORTS[viewport]
    ctx = browser.new_context(viewport={"width": w, "height": h})
    page = ctx.new_page()
    page.goto(path.resolve().as_uri(), wait_until="load")
    res = page.evaluate(READABILITY)
    n_cards = page.evaluate("document.querySelectorAll('.kpi .v.n').length")
    n_ticks = page.evaluate("document.querySelectorAll('[data-figure] svg g[id*=\"tick_\"]').length")
    ctx.close()
    assert n_cards >= 8 and n_ticks >= 20  # the checks had something to measure
    assert res == {"broken": [], "overflow": [], "overlapping": []}


# --- what changed, where, and against what --------------------------------------------------

def test_decisions_that_differ_from_the_base(tmp_path):
    """tiny (instances/tiny/README.md): the optimum builds N5 and wakes it in the day, keeps
    M4 always awake and E4 always asleep; without sleep the plan is the status quo (every
    existing cell awake in all three periods, N5 not built). So the no-sleep scenario drops
    N5 and wakes E4 in three more periods; M4 is unchanged."""
    from optimizer.report.data import decisions, read_results
    tiny = ROOT / "instances" / "tiny"
    sc = tmp_path / "nosleep.toml"
    sc.write_text('name = "no sleep"\n[set.ran]\nallow_sleep = false\n')
    r = run("compare", tiny, sc, "--out", tmp_path / "cmp", "--workers", "1", "--mip-gap", "0")
    assert r.returncode == 0, r.stderr
    d = decisions(read_results(tmp_path / "cmp" / "base"), read_results(tmp_path / "cmp" / "no-sleep"))
    assert d["built"] == [] and d["dropped"] == ["N5"]
    assert d["rescheduled"] == {"E4": 3}
    page = write_report(tmp_path / "cmp", tmp_path / "cmp.html").read_text()
    assert 'data-scenario="no sleep"' in page and 'data-table="decisions"' in page
    assert "cells the base builds that this plan does not" in page


def test_map_names_every_point_on_hover(folders, tmp_path):
    page = write_report(folders["joint"], tmp_path / "joint.html").read_text()
    svg = re.search(r'<svg[^>]*data-figure-svg="map".*?</svg>', page, flags=re.S).group(0)
    titles = re.findall(r"<title>([^<]*)</title>", svg)
    sites = pd.read_csv(folders["joint"] / "sites.csv")
    named = {t.split(":")[0].removeprefix("site ") for t in titles if t.startswith("site ")}
    assert named == set(sites.site)  # every site, in the whole view and the zoom
    assert any(t.startswith("data centre dc-city") for t in titles)
    assert any(t.startswith("region ") for t in titles)


def test_hourly_chart_in_the_period_length_with_status_quo_and_traffic():
    from optimizer.report import figures
    assert figures.period_label(8.0) == "period of the planning horizon (8 h each)"
    assert figures.period_label(1.0) == "hour of the planning horizon"
    hourly = pd.DataFrame({"period": [0, 1, 2], "ran_kw": [0.71, 1.38, 0.85],
                           "awake_4g": [1, 1, 1], "awake_5g": [0, 1, 0],
                           "demand_mbps": [20.0, 120.0, 90.0]})
    without = figures.hourly_power(hourly, 8.0)
    with_sq = figures.hourly_power(hourly, 8.0, [1.44, 1.64, 1.58])
    assert "stroke-dasharray" not in without and "stroke-dasharray" in with_sq
    # power of a province: the axis in MW, not 800,000 kW (the scale hourly_power uses)
    from optimizer.units import unit_for
    assert unit_for(800_000.0, figures.POWER) == (1e3, "MW")
    assert unit_for(1.38, figures.POWER) == (1.0, "kW")
    # the traffic on an axis of its own: a second axes in the figure, only with demand
    assert 'id="awake-cells-axes_2"' in figures.awake_cells(hourly, 8.0)
    assert 'id="awake-cells-axes_2"' not in figures.awake_cells(hourly.drop(columns="demand_mbps"), 8.0)
