"""The CSV audience reader (the csv module) gives what the general rules give."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest

from reconciler.specs.audiences import (
    COLUMNS,
    AudienceError,
    _parse_csv,
    _Rows,
    load_audience,
)
from reconciler.specs.render import inside_name, resolve_inside_text

Parsed = tuple[list[dict[str, str]], list[int], list[tuple[int, str]]]


def _reference(text: str) -> Parsed:
    """The general rules alone: skip blank records, report other widths, strip cells."""
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    rows, lines, bad, start = [], [], [], reader.line_num + 1
    for record in reader:
        if not any(cell.strip() for cell in record):
            start = reader.line_num + 1
            continue
        if len(record) != len(COLUMNS):
            bad.append((start, f"expected 2 columns, found {len(record)}"))
            start = reader.line_num + 1
            continue
        rows.append(dict(zip(COLUMNS, (c.strip() for c in record), strict=True)))
        lines.append(start)
        start = reader.line_num + 1
    return rows, lines, bad


def _parsed(parse: object, text: str) -> Parsed:
    found = _Rows()
    parse(text, "a.csv", found)  # type: ignore[operator]
    return found.rows, found.lines, [(p.line, p.message) for p in found.problems]


CELLS = ["", " ", "c1", " c2 ", "+919812345678", '"q, x"', '"multi\nline"']


def _random_csv(rng: random.Random) -> str:
    lines = ["id,to_number"]
    for _ in range(rng.randint(0, 12)):
        width = rng.choice([0, 1, 2, 2, 2, 2, 3])
        lines.append(",".join(rng.choice(CELLS) for _ in range(width)))
    return "\n".join(lines) + rng.choice(["", "\n", "\r\n"])


@pytest.mark.parametrize("seed", range(300))
def test_parse_matches_the_general_rules(seed: int) -> None:
    """Rows, their lines, blank records skipped and every wrong width reported."""
    text = _random_csv(random.Random(seed))
    assert _parsed(_parse_csv, text) == _reference(text)


PLAIN_CELLS = ["", " ", "c1", " c2 ", "+919812345678", "x y", "é"]


def _plain_csv(rng: random.Random) -> str:
    """A text without quotes or carriage returns; sometimes a bad header or no header."""
    header = rng.choice(["id,to_number", "id,to_number", " id , to_number", "id", "", "a,b"])
    lines = [header]
    for _ in range(rng.randint(0, 12)):
        width = rng.choice([0, 1, 2, 2, 2, 2, 3])
        lines.append(",".join(rng.choice(PLAIN_CELLS) for _ in range(width)))
    return (
        rng.choice(["", "\n"]) * rng.randint(0, 1)
        + "\n".join(lines)
        + rng.choice(["", "\n", "\n\n"])
    )


def _outcome(parse: object, text: str) -> object:
    try:
        return _parsed(parse, text)
    except AudienceError as exc:
        return (exc.message, exc.file, exc.line, exc.hint, exc.problems)


def _reference_outcome(text: str) -> object:
    """The general rules, with the header rule: the first line names the two columns."""
    header = next(csv.reader(io.StringIO(text, newline="")), None)
    if header is None or tuple(h.strip() for h in header) != COLUMNS:
        hint = "the first line names the columns: id,to_number"
        return ("the header must be id,to_number", "a.csv", 1, hint, ())
    return _reference(text)


@pytest.mark.parametrize("seed", range(400))
def test_plain_texts_read_by_the_general_rules(seed: int) -> None:
    """Without quotes or CRs: rows, lines, bad rows and header errors as the rules say.

    (Bad rows included: one rule decides what a row that is not two cells is.)
    """
    text = _plain_csv(random.Random(seed))
    assert '"' not in text and "\r" not in text
    assert _outcome(_parse_csv, text) == _reference_outcome(text)


@pytest.mark.parametrize("text", ["", "\n", "id,to_number", "id,to_number\n\n\n"])
def test_edge_texts(text: str) -> None:
    """Empty texts and headers alone: a header error, or no rows."""
    assert _outcome(_parse_csv, text) == _reference_outcome(text)


def test_a_cell_over_the_csv_limit_is_refused() -> None:
    """The csv module refuses a huge cell, with the line it stopped at."""
    old = csv.field_size_limit(50)
    try:
        text = "id,to_number\nc1," + "9" * 60 + "\n"
        assert "field larger" in str(_outcome(_parse_csv, text))
    finally:
        csv.field_size_limit(old)


@pytest.mark.parametrize(
    "rel", ["audiences/a.csv", "./audiences//a.csv", "linked/a.csv", "audiences/link.csv"]
)
def test_shown_name_is_the_resolved_path_under_the_root(tmp_path: Path, rel: str) -> None:
    """The file named in diagnostics is the real path under the root, as pathlib gives it."""
    root = tmp_path / "project"
    (root / "audiences").mkdir(parents=True)
    (root / "audiences" / "a.csv").write_text("id,to_number\nc1,+919812345601\n")
    (root / "linked").symlink_to(root / "audiences")
    (root / "audiences" / "link.csv").symlink_to(root / "audiences" / "a.csv")
    found = resolve_inside_text(root, rel)
    assert found is not None
    want = Path(found).relative_to(root.resolve()).as_posix()
    assert inside_name(root, found) == want == "audiences/a.csv"
    assert load_audience(root, rel).file == want
