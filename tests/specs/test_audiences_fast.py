"""The CSV audience reader's two-cell fast path gives what the general rules give."""

from __future__ import annotations

import csv
import io
import random

import pytest

from reconciler.specs.audiences import COLUMNS, AudienceError, _parse


def _reference(text: str) -> tuple[list[dict[str, str]], list[int]] | str:
    """The general rules alone: skip blank records, refuse other widths, strip cells."""
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    rows, lines, start = [], [], reader.line_num + 1
    for record in reader:
        if not any(cell.strip() for cell in record):
            start = reader.line_num + 1
            continue
        if len(record) != len(COLUMNS):
            return f"columns at {start}"
        rows.append(dict(zip(COLUMNS, (c.strip() for c in record), strict=True)))
        lines.append(start)
        start = reader.line_num + 1
    return rows, lines


CELLS = ["", " ", "c1", " c2 ", "+919812345678", '"q, x"', '"multi\nline"']


def _random_csv(rng: random.Random) -> str:
    lines = ["id,to_number"]
    for _ in range(rng.randint(0, 12)):
        width = rng.choice([0, 1, 2, 2, 2, 2, 3])
        lines.append(",".join(rng.choice(CELLS) for _ in range(width)))
    return "\n".join(lines) + rng.choice(["", "\n", "\r\n"])


@pytest.mark.parametrize("seed", range(300))
def test_parse_matches_the_general_rules(seed: int) -> None:
    """Rows, their lines, blank records skipped and wrong widths refused, as before."""
    text = _random_csv(random.Random(seed))
    want = _reference(text)
    if isinstance(want, str):
        with pytest.raises(AudienceError):
            _parse(text, "a.csv")
    else:
        assert _parse(text, "a.csv") == want
