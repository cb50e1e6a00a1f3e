"""A generated project (inline and CSV audiences, bad inputs planted) loads as the references say.

The fast paths of the YAML reader, the CSV reader and the phone check are each compared
with their reference on small inputs elsewhere; here a whole project goes through
``load_campaigns`` and every recipient is checked against PyYAML + csv + phonenumbers
(no reconciler code), every planted problem against the line it was planted on, and a
second load (phone memo warm) against the first.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
import yaml

from benchmarks.generate import ProjectShape, generate_project
from reconciler import phones
from reconciler.specs.loader import LoadResult
from tests.specs.helpers import load

SHAPE = ProjectShape(campaigns=36, recipients=12, audience="mixed", seed=11)


@dataclass(frozen=True)
class Plant:
    """A bad value written into a spec or CSV file, and the problem it must give."""

    spec: int  # campaign index
    old: str  # a recipient's written number (or text) to replace
    new: str
    field_end: str  # the diagnostic's field ends with this
    words: str


def _path(root: Path, index: int) -> Path:
    return root / "campaigns" / "team-00" / f"bench-{index:06d}.yaml"


def _csv_path(root: Path, index: int) -> Path:
    return root / "audiences" / f"bench-{index:06d}.csv"


def _numbers(root: Path, index: int) -> list[str]:
    """The written numbers of campaign ``index``, read by PyYAML or the csv module."""
    if SHAPE.uses_csv(index):
        rows = list(csv.DictReader(io.StringIO(_csv_path(root, index).read_text())))
        return [row["to_number"] for row in rows]
    data = yaml.safe_load(_path(root, index).read_text())
    return [str(r["to_number"]) for r in data["touchpoint"]["customer_details"]]


def _plant(root: Path, index: int, nth: int, new: str) -> tuple[str, int]:
    """Replace the ``nth`` recipient's number of campaign ``index``; (file, line) of it."""
    old = _numbers(root, index)[nth]
    path = _csv_path(root, index) if SHAPE.uses_csv(index) else _path(root, index)
    lines = path.read_text().split("\n")
    (line,) = [i for i, text in enumerate(lines) if old in text]
    lines[line] = lines[line].replace(old, new)
    path.write_text("\n".join(lines))
    return path.relative_to(root).as_posix(), line + 1


def _e164(number: str) -> str | None:
    """phonenumbers' verdict: the E.164 form of a valid number, else None."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def _summary(result: LoadResult) -> Any:
    campaigns = [
        (c.key, c.fingerprint, c.source_fingerprint, c.location, dict(c.field_lines), c.body)
        for c in result.campaigns
    ]
    return campaigns, result.diagnostics


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The generated project with bad and unusual numbers planted, and where each went."""
    root = generate_project(tmp_path_factory.mktemp("generated"), SHAPE)
    inline = [i for i in range(SHAPE.campaigns) if not SHAPE.uses_csv(i)]
    by_csv = [i for i in range(SHAPE.campaigns) if SHAPE.uses_csv(i)]
    own = _numbers(root, inline[2])[5]
    spaced = own[:3] + " " + own[3:7] + "-" + own[7:]  # the same number, not compact
    nth, indian = next((i, n) for i, n in enumerate(_numbers(root, inline[3])) if n[:3] == "+91")
    with_prefix = "+910" + indian[3:]  # a national prefix after the country code
    assert _e164(spaced) == own and _e164(with_prefix) == indian  # valid, on the slow path
    planted = {
        "bad_inline": _plant(root, inline[1], 7, "+9100012"),
        "bad_csv": _plant(root, by_csv[0], 9, "+4400000000000"),
        "spaced": _plant(root, inline[2], 5, spaced),
        "national": _plant(root, inline[3], nth, with_prefix),
    }
    text = _path(root, inline[4]).read_text()
    _path(root, inline[4]).write_text(text.replace("    delay: 2\n", "    delay: !!int x\n"))
    planted["tag"] = (_path(root, inline[4]).relative_to(root).as_posix(), _line_of(text))
    return root, planted


def _line_of(text: str) -> int:
    return text.split("\n").index("    delay: 2") + 1


def test_every_recipient_is_what_phonenumbers_says(project: tuple[Path, dict[str, Any]]) -> None:
    """Each valid campaign's recipients: the written numbers in phonenumbers' E.164."""
    root, _ = project
    phones._MEMO.clear()
    result = load(root)
    assert len(result.campaigns) >= SHAPE.campaigns - 4
    for campaign in result.campaigns:
        index = int(campaign.key.removeprefix("bench-"))
        want = [_e164(n) for n in _numbers(root, index)]
        got = [r["to_number"] for r in campaign.body["touchpoint"]["customer_details"]]
        assert got == want


def test_every_planted_problem_has_its_line(project: tuple[Path, dict[str, Any]]) -> None:
    """Bad numbers (inline and CSV) and a bad tag are reported at the line they were written."""
    root, planted = project
    phones._MEMO.clear()
    errors = {(d.location.file, d.location.line): d for d in load(root).errors}
    bad_inline = errors.pop(planted["bad_inline"])
    assert bad_inline.field.endswith("[7].to_number")
    assert "recipient number" in bad_inline.message
    assert "+9100012" not in bad_inline.message  # masked
    bad_csv = errors.pop(planted["bad_csv"])
    assert bad_csv.field.endswith("[9].to_number")
    tag = errors.pop(planted["tag"])
    assert "'x' is not a valid !!int" in tag.message
    assert tag.field == "touchpoint.additional_settings.delay"
    assert errors == {}


def test_a_second_load_with_the_memo_warm_is_identical(
    project: tuple[Path, dict[str, Any]],
) -> None:
    """Remembered phone answers give exactly the first load's campaigns and diagnostics."""
    root, _ = project
    phones._MEMO.clear()
    cold = _summary(load(root))
    assert phones._MEMO
    warm = _summary(load(root))
    assert warm == cold
