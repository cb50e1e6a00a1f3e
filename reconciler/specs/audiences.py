"""Recipient lists from CSV files (columns ``id,to_number``).

A path is relative to the project root and may not leave it (``..``, an absolute
path, or a symlink out are refused). Each row keeps its source line so that a bad
number is reported at ``audiences/x.csv:LINE``. Values are always text.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from reconciler.specs.render import inside_name, resolve_inside_text
from reconciler.specs.yamlio import YamlError, decode_utf8

COLUMNS = ("id", "to_number")


@dataclass(frozen=True)
class RowProblem:
    """A row of a CSV file that cannot be a recipient; the other rows are still read."""

    line: int
    message: str
    hint: str = ""


class AudienceError(Exception):
    """A CSV file cannot be used; ``file`` is project-relative when inside the project.

    ``problems``: the bad rows found before reading had to stop.
    """

    def __init__(
        self,
        message: str,
        file: str,
        line: int | None = None,
        hint: str = "",
        problems: tuple[RowProblem, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.hint = hint
        self.problems = problems


@dataclass(frozen=True)
class Audience:
    """The rows of one CSV file, with the line each came from and the file's bytes.

    ``problems``: rows that are no recipient (a wrong column count); not in ``rows``.
    """

    file: str
    rows: list[dict[str, str]]
    lines: list[int]
    raw: bytes
    problems: tuple[RowProblem, ...] = ()


def load_audience(root: Path, rel: str, checked: set[str] | None = None) -> Audience:
    """Read ``rel`` (relative to ``root``) as a recipient list, or raise AudienceError.

    ``checked``: folders already seen to be no links in this run (see ``resolve_inside``).
    """
    shown, raw, text = read_csv_file(root, rel, checked)
    rows = _Rows()
    _parse_csv(text, shown, rows)
    return Audience(shown, rows.rows, rows.lines, raw, tuple(rows.problems))


def read_csv_file(root: Path, rel: str, checked: set[str] | None = None) -> tuple[str, bytes, str]:
    """A CSV file inside the project: its shown name, bytes and text (AudienceError if not)."""
    found = resolve_inside_text(root, rel, checked)
    if found is None:
        raise AudienceError(
            f"CSV path {rel!r} leaves the project",
            rel,
            hint="paths are relative to the project root and stay inside it",
        )
    shown = inside_name(root, found)
    if not os.path.isfile(found):  # noqa: PTH113 -- str work: once per CSV of 10,000
        raise AudienceError(f"CSV file {rel!r} not found", shown, hint="check the path")
    with open(found, "rb") as handle:
        raw = handle.read()
    try:
        return shown, raw, decode_utf8(raw)
    except YamlError as exc:  # the one rule for a file that must be UTF-8
        raise AudienceError(exc.message, shown, exc.line, exc.hint) from None


def csv_records(text: str, shown: str) -> list[tuple[int, list[str]]]:
    """Every record of a small CSV text with the line it starts on.

    Strict: a record the csv module cannot read (an unclosed quote, a NUL) is an
    AudienceError at its line.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    try:
        start = 1
        for record in reader:
            records.append((start, record))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise _invalid(exc, shown, reader.line_num, ()) from None
    return records


def _invalid(
    exc: csv.Error, shown: str, line: int, problems: tuple[RowProblem, ...]
) -> AudienceError:
    return AudienceError(f"invalid CSV: {exc}", shown, line, problems=problems)


@dataclass
class _Rows:
    """What reading a CSV text found: recipients with their lines, and the bad rows."""

    rows: list[dict[str, str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    def other(self, record: list[str], line: int) -> None:
        """The rule for a record that is not two cells with text.

        A blank record is skipped; one of another width is a problem of its line (and
        reading goes on, so that every bad row is reported in one run).
        """
        if not any(cell.strip() for cell in record):
            return
        if len(record) != len(COLUMNS):
            self.problems.append(
                RowProblem(
                    line,
                    f"expected {len(COLUMNS)} columns, found {len(record)}",
                    "each row is: id,to_number (quote a cell that holds a comma)",
                )
            )
            return
        self.rows.append(dict(zip(COLUMNS, (cell.strip() for cell in record), strict=True)))
        self.lines.append(line)


def _check_header(header: list[str] | None, shown: str) -> None:
    if header is None or tuple(h.strip() for h in header) != COLUMNS:
        raise AudienceError(
            f"the header must be {','.join(COLUMNS)}",
            shown,
            1,
            hint="the first line names the columns: id,to_number",
        )


def _parse_csv(text: str, shown: str, found: _Rows) -> None:
    """Rows and their lines, read by the csv module (quoted cells, any line ending)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, lines, other = found.rows, found.lines, found.other
    try:
        _check_header(next(reader, None), shown)
        start = reader.line_num + 1
        for record in reader:
            if len(record) == 2 and (row := _row(record)) is not None:
                rows.append(row)  # the common case, without the general rule
                lines.append(start)
            else:
                other(record, start)
            start = reader.line_num + 1
    except csv.Error as exc:
        # The reader cannot go on past a record it could not read.
        raise _invalid(exc, shown, reader.line_num, tuple(found.problems)) from None


def _row(record: list[str]) -> dict[str, str] | None:
    """A two-cell record as a row, or None when both cells are blank (a skipped line).

    Same result as the general loop for two cells; measured: it was a quarter of
    validating one campaign of 200,000 CSV recipients (benchmarks/RESULTS.md).
    """
    ident, number = record[0].strip(), record[1].strip()
    if not ident and not number:
        return None
    return {COLUMNS[0]: ident, COLUMNS[1]: number}
