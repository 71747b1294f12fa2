"""Smoke test of ``optimizer.bench.run_bench`` on a tiny generated city."""
from __future__ import annotations

import json

from optimizer.bench import KEYS, SECONDS, run_bench


def test_bench_smoke(tmp_path):
    rows = run_bench([20], tmp_path, time_limit_s=20)
    assert len(rows) == 1
    row = rows[0]
    missing = [k for k in KEYS if k not in row]
    assert not missing, missing
    assert row["error"] is None, row["error"]
    assert row["status"] in ("optimal", "feasible")
    assert row["sites"] == 20 and row["columns"] > 0 and row["rows"] > 0 and row["binaries"] > 0
    for k in (*SECONDS, "import_seconds", "other_seconds"):
        assert row[k] is not None and row[k] >= 0, k
    assert row["wall_seconds"] >= row["solve_seconds"]
    assert row["wall_seconds"] >= row["solve_seconds"] + row["baseline_seconds"]
    assert 0 <= row["non_solver_share"] <= 1
    assert row["peak_mb"] > 0
    assert (tmp_path / "bench.md").exists()
    assert "city-20" in (tmp_path / "bench.md").read_text()
    saved = json.loads((tmp_path / "bench.json").read_text())
    assert saved["rows"][0]["label"] == "city-20"
    assert (tmp_path / "results" / "city-20" / "summary.json").exists()
