"""Errors raised for bad instances: every problem is one line naming file, row or id, column."""
from __future__ import annotations


class InstanceError(Exception):
    """An instance that cannot be used. ``problems`` holds one line per problem found."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def has_control(text: str) -> bool:
    """True when ``text`` holds a line break, tab or another control character."""
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


def printable(value) -> str:
    """``value`` as text on one line: quoted and escaped when it holds a control character,
    so that every problem stays one line."""
    text = str(value)
    return repr(text) if has_control(text) else text


class Problems:
    """Collects problems so that all of them are reported together."""

    def __init__(self, cap_per_rule: int = 10):
        self.lines: list[str] = []
        self.warnings: list[str] = []
        self._cap = cap_per_rule
        #: file -> the line number of each data row in the file (blank lines skipped)
        self.file_lines: dict[str, list[int]] = {}
        #: a value could not be read at all (the checks that need it cannot run)
        self.fatal = False

    def add(self, line: str) -> None:
        self.lines.append(line)

    def warn(self, line: str) -> None:
        self.warnings.append(line)

    def add_rows(self, file: str, rows, what: str, ids=None, column: str | None = None) -> None:
        """One line per offending row (``rows`` are 0-based data rows), capped per rule."""
        rows = list(rows)
        ids = list(ids) if ids is not None else [None] * len(rows)
        col = f" column {column}:" if column else ""
        lines = self.file_lines.get(file)
        for r, i in list(zip(rows, ids))[: self._cap]:
            ident = f" ({printable(i)})" if i not in (None, "") else ""
            row = lines[int(r)] if lines is not None and int(r) < len(lines) else int(r) + 2
            self.lines.append(f"{file}: row {row}{ident}:{col} {what}")
        if len(rows) > self._cap:
            self.lines.append(f"{file}:{col} {len(rows) - self._cap} more rows: {what}")

    def raise_if_any(self) -> None:
        if self.lines:
            raise InstanceError(self.lines)

    def __bool__(self) -> bool:
        return bool(self.lines)
