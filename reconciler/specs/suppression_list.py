"""Reading the opt-out lists of the ``suppression`` policy (CSV: ``id`` and/or ``to_number``).

Numbers are normalised to E.164 by ``reconciler.phones``; a bad number, a missing column,
a row of the wrong width or an unreadable file is a ``ValidationFailed`` at its file and
line, every problem of a list in one run. Other columns are ignored (exports carry many).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from reconciler import phones
from reconciler.errors import Diagnostic, SourceLocation, ValidationFailed
from reconciler.masking import mask_phone
from reconciler.policies.suppression import SuppressionList
from reconciler.specs.audiences import COLUMNS
from reconciler.specs.render import inside_name, resolve_inside_text
from reconciler.specs.yamlio import YamlError, decode_utf8

_HEADER_HINT = "the first line names the columns: id and/or to_number (e.g. id,to_number)"


def read_lists(root: Path, files: Sequence[str], setting: SourceLocation) -> list[SuppressionList]:
    """Every list of ``files`` (project-relative); ``setting``: where they are named."""
    found: list[SuppressionList] = []
    problems: list[Diagnostic] = []
    for rel in files:
        try:
            found.append(_read(root, rel, setting, problems))
        except ValidationFailed as exc:
            problems.extend(exc.diagnostics)
    if problems:
        raise ValidationFailed(problems)
    return found


def _read(
    root: Path, rel: str, setting: SourceLocation, problems: list[Diagnostic]
) -> SuppressionList:
    path = resolve_inside_text(root, rel, None)
    if path is None or not Path(path).is_file():
        hint = "a project-relative CSV file inside the project (columns id and/or to_number)"
        raise _failed(setting, f"suppression list {rel!r} not found inside the project", hint)
    shown = inside_name(root, path)
    try:
        text = decode_utf8(Path(path).read_bytes())
    except OSError as exc:
        raise _failed(SourceLocation(shown), f"cannot read it: {exc.strerror}", "") from None
    except YamlError as exc:
        raise _failed(SourceLocation(shown, exc.line), exc.message, exc.hint) from None
    return _parsed(shown, text, problems)


def _parsed(shown: str, text: str, problems: list[Diagnostic]) -> SuppressionList:
    """The numbers and ids of one list's text; its bad rows join ``problems``."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
        columns = [header.index(c) if c in header else None for c in COLUMNS]
        if columns == [None, None]:
            raise _failed(SourceLocation(shown, 1), "no id or to_number column", _HEADER_HINT)
        numbers: set[str] = set()
        ids: set[str] = set()
        start = reader.line_num + 1
        for record in reader:
            _row(record, columns, len(header), SourceLocation(shown, start), numbers, ids, problems)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise _failed(SourceLocation(shown, reader.line_num), f"invalid CSV: {exc}", "") from None
    return SuppressionList(shown, frozenset(numbers), frozenset(ids))


def _row(
    record: list[str],
    columns: list[int | None],
    width: int,
    where: SourceLocation,
    numbers: set[str],
    ids: set[str],
    problems: list[Diagnostic],
) -> None:
    """One record: its id and number added, or its problem recorded (a blank one skipped)."""
    if not any(cell.strip() for cell in record):
        return
    if len(record) != width:
        hint = "each row has the header's columns (quote a cell that holds a comma)"
        message = f"expected {width} columns, found {len(record)}"
        problems.append(Diagnostic(where, message, hint=hint))
        return
    id_at, number_at = columns
    if id_at is not None and (ident := record[id_at].strip()):
        ids.add(ident)
    if number_at is not None and (written := record[number_at].strip()):
        try:
            numbers.add(phones.normalize(written))
        except ValueError as exc:
            message = f"opt-out number '{mask_phone(written)}' {exc}"
            problems.append(Diagnostic(where, message, "to_number", phones.E164_HINT))


def _failed(where: SourceLocation, message: str, hint: str) -> ValidationFailed:
    return ValidationFailed([Diagnostic(where, message, hint=hint)])
