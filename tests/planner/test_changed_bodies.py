"""Plan reads recorded bodies only for ``changed`` actions, whose diff shows them."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from reconciler.commands.plan import PlanRequest, make_plan_for_env
from reconciler.config import load_project
from reconciler.errors import StateError
from reconciler.output.markdown import render_markdown
from reconciler.plan import ActionKind
from reconciler.specs.loader import resolve_variables
from tests.planner.project import desired, write_state
from tests.support.projects import PROMOTION, make_project, spec, specs

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def _plan(root):
    project = load_project(project_dir=root)
    variables = resolve_variables(project, "dev", os_environ={})
    return make_plan_for_env(project, PlanRequest("dev", variables, NOW, {})).plan


def test_changed_actions_carry_the_recorded_body_and_unchanged_ones_none(tmp_path):
    """The changed record has the exact body sent (for the diff); the unchanged one none."""
    root = make_project(tmp_path / "p", specs("promo", "sale"), environments=PROMOTION)
    old_body = desired(root)["promo"].body
    write_state(root, created=("promo", "sale"))
    (root / "campaigns/promo.yaml").write_text(spec("promo", "2036-01-01T10:00:00+05:30"))
    plan = _plan(root)
    by_key = {a.key: a for a in plan.actions}
    assert by_key["promo"].kind is ActionKind.CHANGED
    assert by_key["promo"].recorded is not None
    assert by_key["promo"].recorded.loaded_body() == old_body
    assert by_key["sale"].kind is ActionKind.UNCHANGED
    assert by_key["sale"].recorded is not None and by_key["sale"].recorded.body is None
    lines = render_markdown(plan).splitlines()
    assert any(ln.startswith("-") and "2035-10-28T10:00:00+05:30" in ln for ln in lines)
    assert any(ln.startswith("+") and "2036-01-01T10:00:00+05:30" in ln for ln in lines)


def test_markdown_refuses_a_changed_action_without_its_recorded_body(tmp_path):
    """A diff never silently shows nothing: a changed record without its body is an error."""
    root = make_project(tmp_path / "p", specs("promo", "sale"), environments=PROMOTION)
    write_state(root, created=("promo",))
    (root / "campaigns/promo.yaml").write_text(spec("promo", "2036-01-01T10:00:00+05:30"))
    plan = _plan(root)
    stripped = tuple(
        dataclasses.replace(a, recorded=dataclasses.replace(a.recorded, body=None))
        if a.recorded is not None
        else a
        for a in plan.actions
    )
    with pytest.raises(StateError, match="body of 'promo' was not loaded"):
        render_markdown(dataclasses.replace(plan, actions=stripped))
