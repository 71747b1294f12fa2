"""run_tasks (optimizer.decompose.run) in this process, on local Dask clusters started on the
loopback interface, on an existing scheduler, and `netopt compare` on Dask.

The task functions live in tests/dask_tasks.py, importable in the worker processes.
"""
import json
import logging
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from optimizer.decompose import run as run_module
from optimizer.decompose.run import RunError, Task, run_tasks
from optimizer.scenarios.comparison import compare
from tests import dask_tasks as dt
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

TINY = ROOT / "instances" / "tiny"
TINY_ENERGY = 8884.8  # derived by hand in instances/tiny/README.md
NO_SLEEP_ENERGY = 13607.2  # the status quo of the same README
NETOPT = [str(Path(sys.executable).with_name("netopt"))]


def netopt(*args, cwd=None):
    return subprocess.run(NETOPT + [str(a) for a in args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def mixed_tasks(hold_mb=300):
    return [Task("square", dt.square, (7,)),
            Task("add", dt.add, (2,), {"b": 40}),
            Task("tiny", dt.solve_energy, (str(TINY),), {"threads": 1}),
            Task("broken", dt.fail, ("no such thing",)),
            Task("memory", dt.hold_memory, (hold_mb,))]


@pytest.fixture(scope="module")
def both_ways():
    """The same tasks here and on a 2-worker LocalCluster of run_tasks' own."""
    return run_tasks(mixed_tasks(), retries=1), run_tasks(mixed_tasks(), workers=2, retries=1)


@pytest.fixture(scope="module")
def cluster():
    """An existing cluster, as `dask scheduler` and `dask worker` would start one."""
    from distributed import LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                      silence_logs=logging.CRITICAL) as c:
        yield c


def scenarios(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "double.toml").write_text('name = "demand x2"\n[scale]\ndemand = 2\n')
    (folder / "nosleep.toml").write_text('name = "no sleep"\nsleep = false\n')
    return [folder / "double.toml", folder / "nosleep.toml"]


# ----------------------------------------------------------------------------- in-process and local cluster

def test_in_process_and_local_cluster_give_the_same_results(both_ways):
    here, dask = both_ways
    assert list(here) == list(dask) == ["square", "add", "tiny", "broken", "memory"]
    assert here.where == "in-process" and dask.where == "local cluster of 2 workers"
    for name in ("square", "add", "tiny", "memory"):
        assert here[name].ok and dask[name].ok, (here[name], dask[name])
        assert here[name].value == dask[name].value
        assert here[name].attempts == dask[name].attempts == 1
    assert dask["square"].value == 49 and dask["add"].value == 42
    # the tiny instance, loaded from its folder inside the task and solved there
    status, energy = dask["tiny"].value
    assert status == "optimal" and energy == pytest.approx(TINY_ENERGY)
    assert {r.worker for r in here.values()} == {"local"}
    assert all(r.worker.startswith("tcp://127.0.0.1:") for r in dask.values())


def test_a_raising_task_is_reported_by_name_and_the_others_succeed(both_ways):
    for res in both_ways:
        broken = res["broken"]
        assert not broken.ok and broken.value is None and broken.attempts == 2  # retries=1
        assert broken.error == "task 'broken': ValueError: no such thing; 2 attempts failed"
        assert "ValueError: no such thing" in broken.traceback
        assert [r.name for r in res.failed] == ["broken"]


def test_peak_memory_per_task_and_per_worker(both_ways):
    here, dask = both_ways
    mem = dask["memory"]
    assert mem.value == 300 and mem.peak_mb >= 300
    # each worker's peak is reset before a task: the small tasks' peaks are their own,
    # not the 300 MiB the memory task held (and freed) on one of the two workers
    for name in ("square", "add", "broken"):
        assert dask[name].peak_mb < mem.peak_mb - 100, (dask[name], mem)
    assert len(dask.workers) == 2 and {r.worker for r in dask.values()} <= set(dask.workers)
    assert max(dask.workers.values()) >= mem.peak_mb
    assert list(here.workers) == ["local"] and here.workers["local"] >= here["memory"].peak_mb


# ----------------------------------------------------------------------------- dying workers

def test_a_task_that_kills_its_worker_once_completes_on_retry(tmp_path):
    marker = tmp_path / "died"
    tasks = [Task("dies-once", dt.die_once, (str(marker), "back")),
             *(Task(f"square-{i}", dt.square, (i,)) for i in range(4))]
    res = run_tasks(tasks, workers=2, retries=2)
    assert marker.exists()  # the first attempt did kill its worker process
    assert all(r.ok for r in res.values()), res
    assert res["dies-once"].value == "back" and res["dies-once"].attempts == 2
    assert [res[f"square-{i}"].value for i in range(4)] == [0, 1, 4, 9]


def test_a_task_that_kills_its_worker_every_time_fails_by_name(tmp_path):
    tasks = [Task("dies-always", dt.die_always),
             *(Task(f"square-{i}", dt.square, (i,)) for i in range(4))]
    seen = []
    res = run_tasks(tasks, workers=2, retries=2, progress=lambda name, status: seen.append((name, status)))
    bad = res["dies-always"]
    assert not bad.ok and bad.attempts == 3 and bad.peak_mb is None
    assert bad.error.startswith("task 'dies-always': its worker process died (last on tcp://127.0.0.1:")
    assert bad.error.endswith("; 3 attempts failed")
    assert [r.name for r in res.failed] == ["dies-always"]
    assert [res[f"square-{i}"].value for i in range(4)] == [0, 1, 4, 9]
    assert sorted(seen) == sorted([("dies-always", "failed")] + [(f"square-{i}", "ok") for i in range(4)])


# ----------------------------------------------------------------------------- an existing scheduler

def test_run_tasks_on_an_existing_scheduler(cluster, tmp_path):
    address = cluster.scheduler_address
    res = run_tasks(mixed_tasks(hold_mb=50), scheduler=address, retries=0)
    assert res.where == address
    assert [n for n, r in res.items() if r.ok] == ["square", "add", "tiny", "memory"]
    assert res["tiny"].value == ("optimal", pytest.approx(TINY_ENERGY))
    assert res["broken"].attempts == 1 and res["broken"].error == "task 'broken': ValueError: no such thing"
    assert set(res.workers) <= set(cluster.scheduler_info["workers"])
    # this scheduler re-runs a task whose worker died itself (allowed-failures, default 3):
    # the attempt is counted all the same
    marker = tmp_path / "died"
    res = run_tasks([Task("dies-once", dt.die_once, (str(marker), 5))], scheduler=address)
    assert res["dies-once"].ok and res["dies-once"].value == 5 and res["dies-once"].attempts == 2
    # the cluster is left running
    assert run_tasks([Task("again", dt.square, (3,))], scheduler=address)["again"].value == 9


def test_cli_compare_on_an_existing_scheduler(cluster, tmp_path):
    out = tmp_path / "cmp"
    r = netopt("compare", TINY, *scenarios(tmp_path), "--out", out, "--mip-gap", "0",
               "--scheduler", cluster.scheduler_address)
    assert r.returncode == 0, r.stderr
    assert f"on the Dask cluster at {cluster.scheduler_address}" in r.stderr
    assert "Traceback" not in r.stderr and "distributed" not in r.stderr
    t = pd.read_csv(out / "comparison.csv")
    assert list(t.scenario) == ["base", "demand x2", "no sleep"]
    assert list(t.status) == ["optimal"] * 3
    e = t.set_index("scenario").energy_kwh
    assert e["base"] == pytest.approx(TINY_ENERGY) and e["no sleep"] == pytest.approx(NO_SLEEP_ENERGY)
    for slug in ("base", "demand-x2", "no-sleep"):
        assert json.loads((out / slug / "summary.json").read_text())["status"] == "optimal"


def test_unreachable_scheduler_is_one_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(run_module, "CONNECT_TIMEOUT_S", 0.5)
    with pytest.raises(RunError, match=r"^cannot use the Dask scheduler at tcp://127.0.0.1:9: "):
        run_tasks([Task("x", dt.square, (1,))], scheduler="tcp://127.0.0.1:9")
    from typer.testing import CliRunner
    from optimizer.cli import app
    r = CliRunner().invoke(app, ["compare", str(TINY), *map(str, scenarios(tmp_path)), "--out",
                                 str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:9",
                                 "--workers", "2"])
    assert r.exit_code == 2 and "--workers and --scheduler exclude each other" in r.output
    assert not (tmp_path / "o").exists()


# ----------------------------------------------------------------------------- compare --workers

def test_compare_with_two_workers_writes_every_row(tmp_path):
    # as `netopt compare ... --workers 2` (tests/test_scenarios.py runs that command)
    out = tmp_path / "cmp"
    ticks = []
    table = compare(TINY, scenarios(tmp_path), out, mip_gap=0.0, workers=2,
                    progress=lambda row, done, n: ticks.append((row["scenario"], done, n)))
    assert sorted(s for s, _, _ in ticks) == ["base", "demand x2", "no sleep"]
    assert [(d, n) for _, d, n in ticks] == [(1, 3), (2, 3), (3, 3)]
    t = pd.read_csv(out / "comparison.csv")
    assert list(t.scenario) == list(table.scenario) == ["base", "demand x2", "no sleep"]
    assert list(t.status) == ["optimal"] * 3 and list(t.results) == ["base", "demand-x2", "no-sleep"]
    e = t.set_index("scenario").energy_kwh
    assert e["base"] == pytest.approx(TINY_ENERGY) and e["no sleep"] == pytest.approx(NO_SLEEP_ENERGY)
    assert e["demand x2"] > e["base"]
    for slug in ("base", "demand-x2", "no-sleep"):
        assert (out / slug / "summary.json").is_file()
