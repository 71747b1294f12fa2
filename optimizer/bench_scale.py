"""Scaling benchmark: generated cities of N cells x 24 h solved in parts on 1 and 2 workers.

``netopt bench --scale 1000,10000,100000`` writes ``scale.md`` and ``scale.json``: per size
and worker count, the time to load the instance, to split it, wall seconds to the merged plan,
objective, bound and gap, peak memory of the main process and of each worker, and the
speed-up from 1 to 2 workers. Every part solve gets the same limit whatever the number of
workers (``seconds_per_1000_cells``), so the two runs do the same work and their wall times
compare; or, with ``time_limit_s``, the whole solve has that limit and the parts share it
(the national-scale target: a plan and a bound within a wall-clock budget). Each run is a
child process, so peaks are its own.
"""
from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from pathlib import Path

CELLS_PER_SITE = 2.25  # netopt generate: 450 sites -> 1,019 cells, 5,000 -> 11,254


def _one(args: dict) -> dict:
    import optimizer
    from optimizer.bench import _peak_mb
    t0 = time.perf_counter()
    inst = optimizer.load_instance(args["instance"])
    load_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    from optimizer.decompose.solve import solve_decomposed
    sol = solve_decomposed(inst, "energy", max_cells=args["max_part_cells"],
                           workers=args["workers"], seed=args.get("seed", 1), mip_gap=args["mip_gap"],
                           seconds_per_1000_cells=None if args.get("time_limit_s") else args["seconds_per_1000_cells"],
                           # the run's limit covers loading too
                           time_limit_s=max(args["time_limit_s"] - load_s, 1.0) if args.get("time_limit_s") else None)
    wall = time.perf_counter() - t1
    sol.write(args["results"])
    s = sol.summary
    d = s.get("decomposition", {})
    return {"cells": len(inst.cells), "sites": len(inst.sites), "areas": len(inst.areas),
            "links": len(inst.coverage), "workers": args["workers"], "load_s": round(load_s, 2),
            "split_s": d.get("split_seconds"), "wall_s": round(wall, 2), "status": s["status"],
            "energy_kwh": s.get("energy_kwh"), "bound": s.get("bound"), "mip_gap": s.get("mip_gap"),
            "parts": d.get("parts"), "method": d.get("method"),
            "main_peak_mb": round(_peak_mb(), 1),
            "worker_peak_mb": max((d.get("worker_peak_mb") or {}).values(), default=None),
            "task_peak_mb": d.get("task_peak_mb")}


def run_scale_bench(cells: list[int], out, *, workers=(1, 2), seconds_per_1000_cells: float = 20.0,
                    max_part_cells: int = 1500, mip_gap: float = 0.01, seed: int = 1,
                    time_limit_s: float | None = None) -> list[dict]:
    from optimizer.instance.generate import generate_city
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in cells:
        sites = max(int(math.ceil(n / CELLS_PER_SITE)), 2)
        folder = out / "instances" / f"city-{n}-s{seed}"
        if not (folder / "instance.toml").exists():
            generate_city(folder, sites, hours=24, seed=seed, name=f"city-{n}c")
        for w in workers:
            args = {"instance": str(folder), "results": str(out / f"city-{n}-w{w}"), "workers": w, "seed": seed,
                    "max_part_cells": max_part_cells, "mip_gap": mip_gap,
                    "seconds_per_1000_cells": seconds_per_1000_cells, "time_limit_s": time_limit_s}
            t0 = time.perf_counter()
            p = subprocess.run([sys.executable, "-m", "optimizer.bench_scale", json.dumps(args)],
                               capture_output=True, text=True)
            if p.returncode != 0:
                row = {"cells": n, "workers": w, "status": "error",
                       "error": (p.stderr.strip().splitlines() or ["?"])[-1]}
            else:
                row = json.loads(p.stdout.strip().splitlines()[-1])
            row["total_s"] = round(time.perf_counter() - t0, 2)
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
            _write(out, rows)
    by = {(r["cells"], r["workers"]): r for r in rows}
    for r in rows:
        one = by.get((r["cells"], 1))
        if r.get("wall_s") and one and one.get("wall_s"):
            r["speedup"] = round(one["wall_s"] / r["wall_s"], 2)
    _write(out, rows)
    return rows


def _write(out: Path, rows: list[dict]) -> None:
    (out / "scale.json").write_text(json.dumps(rows, indent=1) + "\n")
    cols = ["cells", "sites", "links", "workers", "parts", "method", "load_s", "split_s", "wall_s",
            "speedup", "status", "energy_kwh", "bound", "mip_gap", "main_peak_mb", "worker_peak_mb"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        vals = []
        for c in cols:
            v = r.get(c)
            if isinstance(v, float):
                v = f"{v * 100:.1f} %" if c == "mip_gap" else f"{v:,.1f}" if abs(v) < 1e5 else f"{v:,.0f}"
            vals.append("" if v is None else str(v))
        lines.append("| " + " | ".join(vals) + " |")
    (out / "scale.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    print(json.dumps(_one(json.loads(sys.argv[1]))))
