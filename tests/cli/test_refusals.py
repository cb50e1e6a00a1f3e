"""Refusals of plan, schema --check and apply are errors with data, shown by main()'s handler."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler import Runtime, cli
from reconciler.cli.common import Invocation
from reconciler.commands.apply import refuse_on_guards
from reconciler.errors import ConfigError, GuardError, ReconcilerError
from reconciler.guards import GuardSettings, with_guards
from reconciler.planner import make_plan
from reconciler.state.base import StateSnapshot
from tests.support.cli import TRACEBACK_MARK
from tests.support.factories import NOW, make_desired
from tests.support.projects import PROMOTION, make_project, specs


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_project(tmp_path / "p", specs("promo", "sale"), environments=PROMOTION)


def _raised(args: list[str]) -> ReconcilerError:
    """What the command raises to main() (run without main()'s handler)."""
    with pytest.raises(ReconcilerError) as caught:
        cli.cli.main(args, standalone_mode=False, obj=Invocation(Runtime({})))
    return caught.value


def test_a_refused_plan_raises_its_guard_findings_as_data(root: Path) -> None:
    """plan does not print its own error: a GuardError carries each finding."""
    error = _raised(["plan", "--env", "dev", "--project", str(root), "--max-creates", "1"])
    assert isinstance(error, GuardError)
    assert error.message == "the plan has 1 problem."
    assert [d.field for d in error.diagnostics] == ["max_creates"]


def test_a_refused_plan_exits_1_through_the_handler(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 1, the finding then the count, as before; the plan itself still on stdout."""
    args = ["plan", "--env", "dev", "--project", str(root), "--max-creates", "1", "--out", "x"]
    assert cli.main(args, runtime=Runtime({})) == 1
    out, err = capsys.readouterr()
    assert "Plan for dev" in out
    lines = err.splitlines()
    assert lines[0].startswith("environment dev: error: max_creates: 2 campaigns to create")
    assert lines[-1] == "Error: the plan has 1 problem; nothing was saved."
    assert TRACEBACK_MARK not in err
    assert not (root / "x").exists()


def test_schema_check_raises_and_the_handler_names_each_stale_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """schema --check: a ConfigError naming every out-of-date file, exit 1, with the hint."""
    folder = tmp_path / "schemas"
    error = _raised(["schema", "--check", "--dir", str(folder)])
    assert isinstance(error, ConfigError)
    assert "schemas/campaign.schema.json is out of date" in error.message
    assert cli.main(["schema", "--check", "--dir", str(folder)], runtime=Runtime({})) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: schemas/")
    assert "schemas/project.schema.json is out of date" in err
    assert "  hint: run `reconciler schema` and commit the result" in err
    assert not folder.exists()


def test_apply_guard_error_holds_diagnostics_not_formatted_text() -> None:
    """refuse_on_guards puts each finding in ``diagnostics``; the message is one sentence."""
    desired = [make_desired(f"k{i}") for i in range(3)]
    unguarded = make_plan(desired, StateSnapshot.empty("dev"), environment="dev", now=NOW)
    plan = with_guards(unguarded, GuardSettings(max_creates=1))
    with pytest.raises(GuardError) as caught:
        refuse_on_guards(plan)
    error = caught.value
    assert error.message == "apply refused (1 problem); nothing was sent."
    assert [d.field for d in error.diagnostics] == ["max_creates"]
    assert "\n" not in error.message


def test_apply_guard_refusal_is_shown_by_the_handler(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """apply over max_creates: the finding, then the refusal; exit 1, nothing sent."""
    args = ["apply", "--env", "dev", "--project", str(root), "--auto-approve", "--max-creates", "0"]
    assert cli.main(args, runtime=Runtime({})) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[-3].startswith("environment dev: error: max_creates: 2 campaigns to create")
    assert (
        lines[-2]
        == "  hint: create fewer at once (--target), or raise max_creates / pass --max-creates N"
    )
    assert lines[-1] == "Error: apply refused (1 problem); nothing was sent."
