"""A run stopped from outside leaves nothing running and nothing half-written.

Large solves run in a process of their own (optimizer/solve/highs.py, solve_compiled_by). When
``netopt solve`` is ended by SIGTERM (a job scheduler, ``kill``), or killed outright, that
process must end with it instead of solving on to its time limit.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from optimizer.instance.generate import generate_city

NETOPT = str(Path(sys.executable).with_name("netopt"))


def children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
                cmd = (d / "cmdline").read_bytes()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid and b"spawn_main" in cmd:
                out.append(int(d.name))
    return out


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_for_children(p, least: int, seconds: float) -> list[int]:
    """The child processes of ``p`` once there are ``least`` of them (or the time is up)."""
    t0 = time.monotonic()
    kids = []
    while len(kids) < least and time.monotonic() - t0 < seconds and p.poll() is None:
        time.sleep(0.2)
        kids = children(p.pid)
    return kids


def wait_until_gone(kids: list[int], seconds: float = 10.0) -> bool:
    """Whether every process of ``kids`` has ended within ``seconds``."""
    t1 = time.monotonic()
    while any(alive(k) for k in kids) and time.monotonic() - t1 < seconds:
        time.sleep(0.2)
    return not any(alive(k) for k in kids)


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    # 50 sites x 24 h: its joint model (about 40,000 columns) is solved in a process of its own
    return generate_city(tmp_path_factory.mktemp("g") / "g50", sites=50, hours=24, seed=1)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("sig,after", [
    (signal.SIGTERM, 6.0),  # the child is solving (it starts in about 2 s)
    (signal.SIGKILL, 6.0),  # the run gets no chance to stop it: the child notices alone
    (signal.SIGTERM, 0.3),  # the child is still being started: the stop waits for that
])
def test_solver_process_ends_with_the_run(city, tmp_path, sig, after):
    out = tmp_path / "out"
    p = subprocess.Popen([NETOPT, "solve", str(city), "--out", str(out), "--time-limit", "120",
                          "--no-baseline", "--strategy", "monolithic"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        kids = wait_for_children(p, 1, 60)
        assert kids, "the joint solve did not start a process of its own"
        time.sleep(after)
        assert all(alive(k) for k in kids)
        os.kill(p.pid, sig)
        _, err = p.communicate(timeout=30)
        assert wait_until_gone(kids), "the solver process outlived the run"
        assert p.returncode == (128 + signal.SIGTERM if sig == signal.SIGTERM else -signal.SIGKILL)
        assert not out.exists()
        assert not [f for f in tmp_path.iterdir() if f.name.startswith(".out.")]
        if sig == signal.SIGTERM:
            assert b"Traceback" not in err, err.decode()
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_polish_workers_end_with_the_run(city, tmp_path, sig):
    """The pipeline's polish runs in worker processes (--workers 2); stopped or killed, the
    run takes them with it."""
    out = tmp_path / "out"
    p = subprocess.Popen([NETOPT, "solve", str(city), "--out", str(out), "--time-limit", "120",
                          "--no-baseline", "--workers", "2"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        kids = wait_for_children(p, 2, 90)
        assert len(kids) >= 2, "the polish did not start its worker processes"
        time.sleep(2.0)
        os.kill(p.pid, sig)
        p.communicate(timeout=30)
        assert wait_until_gone(kids), "a polish worker outlived the run"
        assert not out.exists()
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
