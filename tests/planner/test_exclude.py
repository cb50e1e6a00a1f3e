"""``--exclude KEY`` on plan and apply: globs, after --target; excluding all is an error."""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.planner import make_plan
from reconciler.state import read_snapshot
from reconciler.state.base import StateSnapshot
from tests.support.backends import StateTarget
from tests.support.cli import run_cli
from tests.support.factories import NOW, make_desired, make_record, make_snapshot
from tests.support.projects import PROMOTION, make_project, numbered, one_file, specs


def plan_of(desired, state=None, **kwargs):
    state = state if state is not None else StateSnapshot.empty("dev")
    return make_plan(desired, state, environment="dev", now=NOW, **kwargs)


def _errors(plan):
    return [d for d in plan.diagnostics if d.is_error]


def test_exclude_drops_matching_keys_gone_ones_included() -> None:
    state = make_snapshot(records=[make_record("diwali-old")])
    desired = [make_desired("diwali-a"), make_desired("diwali-b"), make_desired("holi-a")]
    plan = plan_of(desired, state, excludes=["diwali-*"])
    assert [a.key for a in plan.actions] == ["holi-a"]
    assert not _errors(plan)


def test_exclude_applies_after_target() -> None:
    desired = [make_desired("diwali-a"), make_desired("diwali-b"), make_desired("holi-a")]
    plan = plan_of(desired, targets=["diwali-*"], excludes=["diwali-b", "holi-a"])
    assert [a.key for a in plan.actions] == ["diwali-a"]
    assert not _errors(plan)  # holi-a exists: outside the targets is not a typo


def test_an_exclude_matching_nothing_is_an_error() -> None:
    """A mistyped --exclude would send what it meant to hold back."""
    plan = plan_of([make_desired("a"), make_desired("b")], excludes=["zzz"])
    [error] = _errors(plan)
    assert error.field == "--exclude" and "'zzz' matches no campaign" in error.message


def test_excluding_everything_is_an_error() -> None:
    plan = plan_of([make_desired("a"), make_desired("b")], targets=["a"], excludes=["*"])
    assert plan.actions == ()
    [error] = _errors(plan)
    assert error.field == "--exclude" and "leaves no campaign" in error.message


def test_plan_exclude_through_the_cli(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", specs("promo", "sale"), environments=PROMOTION)
    result = run_cli("plan", "--env", "dev", "--exclude", "s*", "--format", "json", cwd=root)
    assert result.returncode == 0, result.stderr
    assert [a["key"] for a in json.loads(result.stdout)["actions"]] == ["promo"]
    everything = run_cli(
        "plan", "--env", "dev", "--exclude", "promo", "--exclude", "sale", cwd=root
    )
    assert everything.returncode == 1
    assert "--exclude: --exclude leaves no campaign to plan" in everything.stderr


def test_apply_exclude_creates_only_the_rest(target: StateTarget) -> None:
    make_project(target.root, one_file(numbered(3)), state=target.location)
    args = ("apply", "--env", "dev", "--auto-approve", "--format", "json")
    result = run_cli(*args, "--target", "c00*", "--exclude", "c001", cwd=target.root)
    assert result.returncode == 0, result.output
    state = read_snapshot(target.location, "dev", root=target.root)
    assert set(state.campaigns) == {"c000", "c002"}


def test_apply_of_a_saved_plan_refuses_exclude(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", specs("promo", "sale"), environments=PROMOTION)
    result = run_cli("apply", "plan.json", "--exclude", "promo", cwd=root)
    assert result.returncode == 1
    assert "cannot narrow a saved plan" in result.stderr
