"""``netopt report``: one self-contained HTML page from a results, comparison or Pareto folder.

The report reads files only (no module of it uses Pyomo, the model or a solver):

>>> from optimizer.report import write_report
>>> write_report("results/tiny", "results/tiny/report.html")   # doctest: +SKIP
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .data import ReportData, ReportError, load

__all__ = ["ReportData", "ReportError", "load", "render_report", "write_report"]


def render_report(path: str | Path, pareto: str | Path | None = None,
                  title: str | None = None) -> str:
    """The report page of ``path`` (results, comparison or Pareto folder) as a string."""
    from .html import render
    return render(load(path, pareto=pareto), title=title)


def write_report(path: str | Path, out: str | Path | None = None,
                 pareto: str | Path | None = None, title: str | None = None) -> Path:
    """Write the report of ``path`` to ``out`` (default ``path/report.html``), atomically.
    Raises :class:`ReportError` (one line) for a folder it cannot read."""
    page = render_report(path, pareto=pareto, title=title)
    out = Path(out) if out is not None else Path(path) / "report.html"
    if out.is_dir():
        raise ReportError(f"{out}: is a folder; give the file to write, e.g. {out / 'report.html'}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(page)
            os.chmod(tmp, 0o644)
            os.replace(tmp, out)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as e:
        raise ReportError(f"{out}: cannot write: {e.strerror or e}") from None
    return out
