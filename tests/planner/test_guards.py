"""Guards: max_creates, max_recipients and ignore_suppression over a plan."""

from __future__ import annotations

from types import SimpleNamespace

from reconciler.errors import Severity
from reconciler.guards import (
    SUPPRESSION_FIELD,
    GuardSettings,
    apply_strict,
    check_guards,
    with_guards,
)
from reconciler.planner import make_plan
from reconciler.state.base import StateSnapshot
from tests.support.factories import NOW, make_desired, make_record, make_snapshot


def plan_of(desired, state=None):
    return make_plan(desired, state or StateSnapshot.empty("prod"), environment="prod", now=NOW)


def errors(diagnostics):
    return [d for d in diagnostics if d.severity is Severity.ERROR]


def test_no_caps_no_findings():
    """Without caps and without ignore_suppression nothing is reported."""
    assert check_guards(plan_of([make_desired("a")]), GuardSettings()) == []


def test_max_creates_refuses_more_creates_than_the_cap():
    """More creates than max_creates is an error; exactly the cap is fine."""
    plan = plan_of([make_desired(f"k{i}") for i in range(3)])
    assert errors(check_guards(plan, GuardSettings(max_creates=3))) == []
    (error,) = errors(check_guards(plan, GuardSettings(max_creates=2)))
    assert "3 campaigns to create" in error.message and "max_creates (2)" in error.message


def test_guard_messages_agree_in_number():
    """One create over a cap of 0 is "1 campaign", one recipient over 0 is "1 recipient"."""
    plan = plan_of([make_desired("k", recipients=1)])
    found = errors(check_guards(plan, GuardSettings(max_creates=0, max_recipients=0)))
    messages = " | ".join(d.message for d in found)
    assert "1 campaign to create," in messages
    assert "k: 1 recipient, more than" in messages


def test_max_creates_counts_only_creates():
    """Unchanged campaigns do not count against max_creates."""
    same = make_desired("same")
    plan = plan_of(
        [same, make_desired("new")],
        make_snapshot("prod", records=[make_record("same", desired=same)]),
    )
    assert errors(check_guards(plan, GuardSettings(max_creates=1))) == []


def test_max_creates_override_wins_over_the_environment():
    """--max-creates replaces the environment's cap, lower or higher."""
    env = SimpleNamespace(
        max_creates=10, max_recipients=None, allow_ignore_suppression=False, max_cost=None
    )
    assert GuardSettings.from_environment(env).max_creates == 10
    assert GuardSettings.from_environment(env, max_creates=1).max_creates == 1
    plan = plan_of([make_desired("a"), make_desired("b")])
    assert errors(check_guards(plan, GuardSettings.from_environment(env, max_creates=1)))


def test_max_recipients_refuses_a_large_create():
    """A create with more recipients than max_recipients is an error naming it."""
    plan = plan_of([make_desired("big", recipients=5), make_desired("small", recipients=2)])
    (error,) = errors(check_guards(plan, GuardSettings(max_recipients=4)))
    assert error.message.startswith("big: 5 recipients")
    assert error.location.file == "campaigns/big.yaml"


def test_ignore_suppression_is_an_error_unless_allowed():
    """ignore_suppression on a create is refused unless the environment allows it."""
    plan = plan_of([make_desired("a", ignore_suppression=True)])
    (error,) = check_guards(plan, GuardSettings())
    assert error.severity is Severity.ERROR and error.field == SUPPRESSION_FIELD
    (flag,) = check_guards(plan, GuardSettings(allow_ignore_suppression=True))
    assert flag.severity is Severity.WARNING and "opted out" in flag.message


def test_ignore_suppression_is_flagged_on_recorded_campaigns_too():
    """A created campaign with ignore_suppression is still flagged in every plan, as a warning."""
    d = make_desired("a", ignore_suppression=True)
    plan = plan_of([d], make_snapshot("prod", records=[make_record("a", desired=d)]))
    (flag,) = check_guards(plan, GuardSettings())
    assert flag.severity is Severity.WARNING


def test_ignore_suppression_false_is_not_flagged():
    """An explicit ignore_suppression: false is not flagged."""
    assert (
        check_guards(plan_of([make_desired("a", ignore_suppression=False)]), GuardSettings()) == []
    )


def test_with_guards_adds_findings_and_marks_the_plan_failed():
    """with_guards keeps the planner's warnings and adds the guards' errors."""
    plan = with_guards(
        plan_of([make_desired("a"), make_desired("b")]), GuardSettings(max_creates=1)
    )
    assert plan.has_errors


def test_strict_turns_planner_warnings_into_errors_but_not_the_allowed_flag():
    """--strict makes changed/gone warnings errors; an allowed suppression flag stays a warning."""
    d = make_desired("a", ignore_suppression=True)
    state = make_snapshot("prod", records=[make_record("gone")])
    plan = with_guards(plan_of([d], state), GuardSettings(allow_ignore_suppression=True))
    assert not plan.has_errors
    strict = apply_strict(plan)
    assert strict.has_errors
    by_field = {d.field: d.severity for d in strict.diagnostics}
    assert by_field[SUPPRESSION_FIELD] is Severity.WARNING
    assert by_field[""] is Severity.ERROR
