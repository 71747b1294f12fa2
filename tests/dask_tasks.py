"""Module-level task functions for tests/test_dask.py (importable in worker processes)."""
import os
import signal
from pathlib import Path


def square(x):
    return x * x


def add(a, b=0):
    return a + b


def fail(message):
    raise ValueError(message)


def die_once(marker, value):
    """Kill this process the first time (the marker does not exist yet), else return value."""
    marker = Path(marker)
    if not marker.exists():
        marker.write_text("died once\n")
        os.kill(os.getpid(), signal.SIGKILL)
    return value


def die_always():
    os.kill(os.getpid(), signal.SIGKILL)


def hold_memory(mb):
    """Touch ``mb`` MiB, then free it: raises the process's peak, not its size after."""
    block = bytearray(mb * 1024 * 1024)
    block[::4096] = b"x" * len(block[::4096])
    return len(block) // (1024 * 1024)


def solve_energy(folder, threads=None):
    """Load an instance from its folder here, solve it, return its energy (kWh/yr)."""
    import optimizer
    sol = optimizer.solve(optimizer.load_instance(folder), mip_gap=0.0, threads=threads)
    return sol.status, sol.summary["energy_kwh"]
