"""Errors raised for bad instances: every problem is one line naming file, row or id, column."""
from __future__ import annotations


class InstanceError(Exception):
    """An instance that cannot be used. ``problems`` holds one line per problem found."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class Problems:
    """Collects problems so that all of them are reported together."""

    def __init__(self, cap_per_rule: int = 10):
        self.lines: list[str] = []
        self.warnings: list[str] = []
        self._cap = cap_per_rule

    def add(self, line: str) -> None:
        self.lines.append(line)

    def warn(self, line: str) -> None:
        self.warnings.append(line)

    def add_rows(self, file: str, rows, what: str, ids=None, column: str | None = None) -> None:
        """One line per offending row (``rows`` are 0-based data rows), capped per rule."""
        rows = list(rows)
        ids = list(ids) if ids is not None else [None] * len(rows)
        col = f" column {column}:" if column else ""
        for r, i in list(zip(rows, ids))[: self._cap]:
            ident = f" ({i})" if i not in (None, "") else ""
            self.lines.append(f"{file}: row {int(r) + 2}{ident}:{col} {what}")
        if len(rows) > self._cap:
            self.lines.append(f"{file}:{col} {len(rows) - self._cap} more rows: {what}")

    def raise_if_any(self) -> None:
        if self.lines:
            raise InstanceError(self.lines)

    def __bool__(self) -> bool:
        return bool(self.lines)
