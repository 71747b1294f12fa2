"""A work limit makes a run independent of the machine and its load: the same plan, bound
and tables every time, with one worker or two (docs/cli.md, --work)."""
from __future__ import annotations

import pandas as pd

import optimizer
from optimizer.instance.generate import generate_city


def test_a_work_limit_gives_the_same_plan_every_time(tmp_path):
    path = generate_city(tmp_path / "city", sites=60, hours=24, seed=3)
    inst = optimizer.load_instance(path)
    assert len(inst.cells) * 25 > 2000  # the pipeline, not HiGHS's joint search
    one = optimizer.solve(inst, work=300, workers=1, mip_gap=0.0)
    again = optimizer.solve(inst, work=300, workers=1, mip_gap=0.0)
    two = optimizer.solve(inst, work=300, workers=2, mip_gap=0.0)
    for other in (again, two):
        assert other.summary["objective"] == one.summary["objective"]
        assert other.summary["bound"] == one.summary["bound"]
        assert other.summary["dual_iterations"] == one.summary["dual_iterations"]
        pd.testing.assert_frame_equal(other.tables["cells"], one.tables["cells"])
    assert one.summary["work_limit"] == 300 and one.ok
    # more work, a plan at least as good and a bound at least as high
    more = optimizer.solve(inst, work=1200, workers=2, mip_gap=0.0)
    assert more.summary["bound"] >= one.summary["bound"] - 1e-9
