"""The solve pipeline's reporting: progress as it goes, where the time went, the keys of
summary.json; a generated city large enough for the pipeline (not HiGHS's joint search)."""
from __future__ import annotations

import pytest

import optimizer
from optimizer.instance.generate import generate_city
from optimizer.solve.pipeline import Update


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    path = generate_city(tmp_path_factory.mktemp("city") / "c", sites=60, hours=24, seed=5)
    return optimizer.load_instance(path)


def test_progress_reports_the_plan_bound_and_gap_as_they_improve(city):
    seen: list[Update] = []
    sol = optimizer.solve(city, work=600, progress=seen.append)
    assert sol.ok
    stages = [u.stage for u in seen]
    for stage in ("prepare", "bound", "plan", "polish"):
        assert stage in stages
    assert all(isinstance(u, Update) for u in seen)
    times = [u.elapsed_s for u in seen]
    assert times == sorted(times)
    known = [u for u in seen if u.objective is not None and u.bound is not None]
    assert known
    for u in known:
        assert u.bound <= u.objective + 1e-9 * abs(u.objective)
        assert u.gap == pytest.approx((u.objective - u.bound) / u.objective, rel=1e-9, abs=1e-12)
    # the plan only improves, the bound only rises, and the last ones are the result's
    objs = [u.objective for u in known]
    bounds = [u.bound for u in known]
    assert objs == sorted(objs, reverse=True) and bounds == sorted(bounds)
    assert sol.summary["objective"] <= objs[-1] + 1e-9 * abs(objs[-1])
    assert sol.summary["bound"] >= bounds[-1] - 1e-9 * abs(bounds[-1])
    assert "gap" in str(known[-1]) and "plan" in str(known[-1])


def test_summary_accounts_for_the_time(city):
    sol = optimizer.solve(city, work=300, workers=2)
    s = sol.summary
    tm = s["timing"]
    assert s["strategy"] == "pipeline" and s["work_limit"] == 300
    assert s["dual_iterations"] == 120  # 40 % of the work (docs/model.md)
    assert s["dual_bound"] <= s["bound"] + 1e-9 * abs(s["bound"]) <= s["objective"] * (1 + 1e-9)
    for k in ("dual_seconds", "highs_main_seconds", "highs_worker_seconds", "other_seconds"):
        assert tm[k] >= 0
    assert tm["highs_worker_seconds"] > 0  # the polish ran in two worker processes
    assert tm["dual_seconds"] + tm["highs_main_seconds"] + tm["other_seconds"] == \
        pytest.approx(tm["wall_seconds"], rel=1e-3, abs=1e-3)
    # each figure is rounded to 0.1 ms on its own
    assert tm["highs_seconds"] == pytest.approx(tm["highs_main_seconds"] + tm["highs_worker_seconds"],
                                                abs=2e-4)
