"""Every bad input is reported with file, line and field, and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import ValidationFailed
from tests.specs.cases import CASES, MARKER, Case
from tests.specs.helpers import load, snapshot
from tests.support.cli import run_cli
from tests.support.projects import make_project


def _build(tmp_path: Path, case: Case) -> Path:
    root = make_project(tmp_path / "project", case.files)
    outside = tmp_path / "outside"
    outside.mkdir()
    if case.setup is not None:
        case.setup(root, outside)
    return root


def _headline(case: Case) -> str:
    field = f"{case.field}: " if case.field else ""
    return f"{case.file}:{case.line}: error: {field}"


def test_there_are_at_least_thirty_cases() -> None:
    """The brief asks for thirty bad inputs at least, all distinct."""
    assert len(CASES) >= 30
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_input_is_reported_in_process(tmp_path: Path, case: Case) -> None:
    """load_campaigns reports the error at the right file, line and field."""
    root = _build(tmp_path, case)
    before = snapshot(root)
    try:
        diagnostics = load(root).diagnostics
    except ValidationFailed as exc:  # a project-level problem
        diagnostics = exc.diagnostics
    errors = [d for d in diagnostics if d.is_error]
    hits = [
        d
        for d in errors
        if (d.location.file, d.location.line, d.field) == (case.file, case.line, case.field)
        and case.words in d.message
        and case.hint in d.hint
    ]
    assert hits, [f"{d.location} {d.field}: {d.message}" for d in errors]
    for extra in case.extra:
        text = "\n".join(f"rendered:\n{d.excerpt}" if d.excerpt else d.message for d in hits)
        assert extra in text
    assert snapshot(root) == before
    assert not (root / MARKER).exists()


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_input_through_the_cli(tmp_path: Path, case: Case) -> None:
    """`reconciler validate` exits 1, names file:line and field, and writes nothing."""
    root = _build(tmp_path, case)
    before = snapshot(root)
    result = run_cli("validate", cwd=root)
    assert result.returncode == 1, result.output
    assert _headline(case) in result.stderr, result.stderr
    assert case.words in result.stderr
    assert case.hint in result.stderr
    for extra in case.extra:
        assert extra in result.stderr
    assert "nothing was written" in result.stderr
    assert snapshot(root) == before
    assert not (root / MARKER).exists()
    assert not (root / ".reconciler").exists()


def test_every_problem_in_every_file_is_reported(tmp_path: Path) -> None:
    """One run reports the errors of all bad files and goes on after each."""
    files: dict[str, str | bytes] = {}
    for index, case in enumerate(c for c in CASES if c.setup is None and len(c.files) == 1):
        (content,) = case.files.values()
        files[f"campaigns/f{index:02d}.yaml"] = content
    root = make_project(tmp_path / "project", files)
    errors = [d for d in load(root).diagnostics if d.is_error]
    assert len(files) >= 25
    assert {d.location.file for d in errors} == set(files)
