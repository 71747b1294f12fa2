"""Stopping a run from outside (SIGTERM) without leaving a half-started child process.

``netopt`` turns SIGTERM into ``SystemExit`` (:func:`install`), so that ``finally`` blocks stop
solver processes and remove temporary folders. While a child process is being started
(:func:`held`), the stop waits until the start is complete: stopped halfway, the child
would be left reading half its arguments. The signal may reach any thread; its Python
handler always runs in the main thread, which is where :func:`held` is entered.
"""
from __future__ import annotations

import contextlib
import signal

_state = {"depth": 0, "pending": None}


def _stop(signum, frame) -> None:
    if _state["depth"]:
        _state["pending"] = 128 + signum
        return
    raise SystemExit(128 + signum)


def install() -> None:
    """SIGTERM ends the process as ``SystemExit(143)``, like Ctrl-C ends it cleanly."""
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _stop)


@contextlib.contextmanager
def held():
    """A SIGTERM that comes inside the block takes effect when the block is left."""
    _state["depth"] += 1
    try:
        yield
    finally:
        _state["depth"] -= 1
        if not _state["depth"] and _state["pending"] is not None:
            code, _state["pending"] = _state["pending"], None
            raise SystemExit(code)
