"""suppression: opted-out recipients, by number or id, in the campaigns to create."""

from __future__ import annotations

from reconciler.campaign import fingerprint
from reconciler.errors import Severity
from reconciler.guards import apply_strict
from reconciler.plan import ActionKind, PlannedAction
from reconciler.policies import SuppressionList
from tests.policies.helpers import body, by_policy, check, create, plan_of
from tests.support.factories import make_desired, make_record

A, B, C = "+919800000101", "+919800000102", "+919800000103"
OPT_OUT = SuppressionList("audiences/opt-outs.csv", frozenset({B}))


def test_a_number_on_the_list_is_an_error_with_count_and_example():
    plan = check(plan_of(create("offer", numbers=(A, B))), lists=[OPT_OUT], suppression=("x",))
    (finding,) = by_policy(plan, "suppression")
    assert (finding.severity, finding.keys, finding.count, finding.examples) == (
        Severity.ERROR, ("offer",), 1, (B,),
    )  # fmt: skip
    assert plan.has_errors
    assert "audiences/opt-outs.csv" in finding.message


def test_an_id_on_the_list_matches_whatever_the_number():
    by_id = SuppressionList("ids.csv", ids=frozenset({"r0"}))
    plan = check(plan_of(create("offer", numbers=(A, B))), lists=[by_id], suppression=("x",))
    assert [f.examples for f in by_policy(plan, "suppression")] == [(A,)]


def test_a_number_in_two_lists_counts_once():
    other = SuppressionList("more.csv", frozenset({B, C}))
    plan = check(
        plan_of(create("offer", numbers=(A, B))), lists=[OPT_OUT, other], suppression=("x",)
    )
    (finding,) = by_policy(plan, "suppression")
    assert finding.count == 1


def test_warn_mode_flags_without_failing():
    plan = check(
        plan_of(create("offer", numbers=(A, B))),
        lists=[OPT_OUT],
        suppression=("x",),
        suppression_mode="warn",
    )
    assert [f.severity for f in plan.policies] == [Severity.WARNING]
    assert not plan.has_errors


def test_ignore_suppression_campaigns_are_still_checked():
    action = create("offer", numbers=(A, B), ignore_suppression=True)
    plan = check(plan_of(action), lists=[OPT_OUT], suppression=("x",))
    assert by_policy(plan, "suppression")[0].is_error


def test_only_campaigns_to_create_are_checked():
    desired = make_desired("old", body=body(numbers=(B,)))
    unchanged = PlannedAction("old", ActionKind.UNCHANGED, desired=desired)
    plan = check(
        plan_of(unchanged, create("new", numbers=(A,))), lists=[OPT_OUT], suppression=("x",)
    )
    assert plan.policies == ()


def test_drop_sends_the_rest_and_keeps_the_fingerprint_of_the_full_body():
    full = create("offer", numbers=(A, B, C))
    plan = check(plan_of(full), lists=[OPT_OUT], suppression=("x",), suppression_mode="drop")
    (action,) = plan.creates
    assert action.desired is not None and full.desired is not None
    sent = [r["to_number"] for r in action.desired.body["touchpoint"]["customer_details"]]
    assert sent == [A, C]
    assert action.desired.recipients == 2
    assert action.desired.fingerprint == full.desired.fingerprint == fingerprint(full.desired.body)
    assert action.unsuppressed == full.desired
    (note,) = plan.policies
    assert (note.severity, note.count, note.note) == (Severity.WARNING, 1, True)
    assert not apply_strict(plan).has_errors  # a note stays a note under --strict


def test_a_created_campaign_stays_unchanged_when_the_list_grows():
    """The fingerprint is of the body before suppression: a longer list changes nothing."""
    from reconciler.planner import make_plan
    from tests.support.factories import NOW, make_snapshot

    first = check(plan_of(create("offer", numbers=(A, B, C))), lists=[OPT_OUT],
                  suppression=("x",), suppression_mode="drop")  # fmt: skip
    sent = first.creates[0].desired
    assert sent is not None
    record = make_record("offer", desired=sent)
    again = make_plan([create("offer", numbers=(A, B, C)).desired], make_snapshot(records=[record]),
                      environment="dev", now=NOW)  # fmt: skip
    assert [a.kind for a in again.actions] == [ActionKind.UNCHANGED]


def test_drop_that_leaves_nobody_is_an_error():
    plan = check(plan_of(create("offer", numbers=(B,))), lists=[OPT_OUT], suppression=("x",),
                 suppression_mode="drop")  # fmt: skip
    assert plan.has_errors
    assert plan.creates[0].unsuppressed is None
