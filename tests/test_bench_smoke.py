"""Smoke test of ``optimizer.bench.run_bench`` on a tiny generated city."""
from __future__ import annotations

import json

from optimizer.bench import KEYS, run_bench


def test_bench_smoke(tmp_path):
    rows = run_bench([20], tmp_path, time_limit_s=15)
    assert len(rows) == 1
    row = rows[0]
    missing = [k for k in KEYS if k not in row]
    assert not missing, missing
    assert row["error"] is None, row["error"]
    assert row["status"] in ("optimal", "feasible")
    assert row["sites"] == 20 and row["cells"] > 0
    assert row["bound"] <= row["objective"] and 0 <= row["gap"] < 1
    for k in ("load_seconds", "wall_seconds", "dual_seconds", "highs_seconds",
              "highs_main_seconds", "highs_worker_seconds", "other_seconds", "write_seconds"):
        assert row[k] is not None and row[k] >= 0, k
    # the main process's time splits into the dual, HiGHS and the rest
    assert row["dual_seconds"] + row["highs_main_seconds"] <= row["wall_seconds"] + 1e-6
    assert row["dual_seconds"] > 0 and row["highs_seconds"] > 0
    # the limit is honoured (15 s, within 5 % + 15 s)
    assert row["wall_seconds"] <= 15 * 1.05 + 15
    assert row["peak_mb"] > 0
    assert "city-20" in (tmp_path / "bench.md").read_text()
    saved = json.loads((tmp_path / "bench.json").read_text())
    assert saved["rows"][0]["label"] == "city-20"
    assert (tmp_path / "results" / "city-20" / "summary.json").exists()
