"""Unit tests of the pure planner: every action of PRODUCT.md section 5 and their combinations."""

from __future__ import annotations

from datetime import timedelta

from reconciler.errors import Severity
from reconciler.plan import ActionKind
from reconciler.planner import PromotionSource, make_plan
from reconciler.state.base import AttemptStatus, StateSnapshot
from tests.support.factories import (
    NOW,
    make_attempt,
    make_desired,
    make_record,
    make_snapshot,
)


def plan_of(desired, state=None, **kwargs):
    state = state if state is not None else StateSnapshot.empty("dev")
    return make_plan(desired, state, environment="dev", now=NOW, **kwargs)


def kinds(plan):
    return {a.key: a.kind for a in plan.actions}


def test_a_key_without_a_record_is_created():
    """A key the state does not hold plans as create, with its recipients counted."""
    plan = plan_of([make_desired("a", recipients=3)])
    assert kinds(plan) == {"a": ActionKind.CREATE}
    assert plan.recipients_to_create == 3
    assert plan.summary["create"] == 1


def test_empty_state_plans_everything_as_create_with_no_lineage():
    """A state not written yet plans as empty and carries no lineage."""
    plan = plan_of([make_desired("a"), make_desired("b")])
    assert plan.summary["create"] == 2
    assert plan.lineage is None and plan.serial == 0 and not plan.state_exists


def test_same_fingerprint_is_unchanged():
    """A recorded key whose fingerprint matches is unchanged, with no warning."""
    d = make_desired("a")
    plan = plan_of([d], make_snapshot(records=[make_record("a", desired=d)]))
    assert kinds(plan) == {"a": ActionKind.UNCHANGED}
    assert plan.diagnostics == ()
    assert plan.lineage == "lin-1" and plan.serial == 3


def test_other_fingerprint_is_changed_with_a_warning():
    """A recorded key with another fingerprint is changed, warned as not applicable."""
    old = make_desired("a", name="Old")
    new = make_desired("a", name="New")
    plan = plan_of([new], make_snapshot(records=[make_record("a", desired=old)]))
    assert kinds(plan) == {"a": ActionKind.CHANGED}
    (warning,) = plan.diagnostics
    assert warning.severity is Severity.WARNING
    assert "cannot update" in warning.message
    assert "new key" in warning.hint
    assert plan.creates == []


def test_record_without_spec_is_gone_with_a_note_that_it_is_live():
    """A recorded key with no spec is gone, with a note that it is still live."""
    plan = plan_of([], make_snapshot(records=[make_record("old")]))
    (action,) = plan.actions
    assert action.kind is ActionKind.GONE
    assert action.name == "Diwali VIP offer"
    assert "still live" in plan.diagnostics[0].message


def test_in_doubt_wins_over_create():
    """An unresolved attempt for a key never plans a create."""
    plan = plan_of([make_desired("a")], make_snapshot(in_doubt=[make_attempt("a")]))
    (action,) = plan.actions
    assert action.kind is ActionKind.IN_DOUBT
    assert action.attempt is not None and action.attempt.id == 7
    assert "state import" in action.reason
    assert plan.creates == []


def test_in_doubt_wins_over_recorded_and_over_promotion():
    """In doubt wins over unchanged and over awaiting promotion for the same key."""
    d = make_desired("a")
    state = make_snapshot(records=[make_record("a", desired=d)], in_doubt=[make_attempt("a")])
    plan = plan_of([d], state, promotion=PromotionSource("staging", {}))
    assert kinds(plan) == {"a": ActionKind.IN_DOUBT}


def test_in_doubt_without_spec_is_shown_not_dropped():
    """An unresolved attempt whose spec was removed is shown as in doubt, not dropped."""
    plan = plan_of([], make_snapshot(in_doubt=[make_attempt("x", status=AttemptStatus.PENDING)]))
    assert kinds(plan) == {"x": ActionKind.IN_DOUBT}
    assert plan.diagnostics[0].severity is Severity.WARNING


def test_failed_attempt_plans_create_again_with_its_error():
    """A failed attempt plans as create and carries the last error for display."""
    failure = make_attempt("a", status=AttemptStatus.FAILED, error="400: bad template")
    plan = plan_of([make_desired("a")], make_snapshot(failures=[failure]))
    (action,) = plan.actions
    assert action.kind is ActionKind.CREATE
    assert action.attempt is not None and action.attempt.error == "400: bad template"


def test_previous_key_record_follows_the_renamed_campaign():
    """A record under an old key follows the spec that lists it; the old key is not gone."""
    d_old = make_desired("old-key")
    d_new = make_desired("new-key", body=d_old.body, previous_keys=["old-key"])
    plan = plan_of([d_new], make_snapshot(records=[make_record("old-key", desired=d_old)]))
    (action,) = plan.actions
    assert (action.key, action.kind, action.moved_from) == (
        "new-key",
        ActionKind.UNCHANGED,
        "old-key",
    )


def test_previous_key_with_other_body_is_changed_not_created():
    """A renamed spec whose body also changed is changed, never a second create."""
    d_old = make_desired("old-key", name="Old")
    d_new = make_desired("new-key", name="New", previous_keys=["old-key"])
    plan = plan_of([d_new], make_snapshot(records=[make_record("old-key", desired=d_old)]))
    assert kinds(plan) == {"new-key": ActionKind.CHANGED}
    assert plan.actions[0].moved_from == "old-key"


def test_previous_key_in_doubt_blocks_the_renamed_campaign():
    """An unresolved attempt under an old key holds back the renamed campaign."""
    d_new = make_desired("new-key", previous_keys=["old-key"])
    plan = plan_of([d_new], make_snapshot(in_doubt=[make_attempt("old-key")]))
    assert kinds(plan) == {"new-key": ActionKind.IN_DOUBT}


def test_a_previous_key_with_its_own_spec_keeps_its_record():
    """An old key that still has its own spec keeps its record; the new one is created."""
    old = make_desired("old-key")
    new = make_desired("new-key", previous_keys=["old-key"])
    plan = plan_of([old, new], make_snapshot(records=[make_record("old-key", desired=old)]))
    assert kinds(plan) == {"old-key": ActionKind.UNCHANGED, "new-key": ActionKind.CREATE}


def test_awaiting_promotion_when_source_env_has_not_created_it():
    """With promote_from, a key the source has not created waits, saying so."""
    plan = plan_of([make_desired("a")], promotion=PromotionSource("staging", {}))
    (action,) = plan.actions
    assert action.kind is ActionKind.AWAITING_PROMOTION
    assert action.reason == "not created in staging yet"


def test_awaiting_promotion_when_source_env_created_another_source():
    """A source environment that created an older source holds the create back."""
    d = make_desired("a", source_fingerprint="new")
    plan = plan_of([d], promotion=PromotionSource("staging", {"a": "old"}))
    assert plan.actions[0].reason == "staging created an older source"


def test_promoted_when_source_env_created_the_same_source():
    """Same source fingerprint in the source environment lets the create go ahead."""
    d = make_desired("a", source_fingerprint="same", workspace_id="ws-prod")
    plan = plan_of([d], promotion=PromotionSource("staging", {"a": "same"}))
    assert kinds(plan) == {"a": ActionKind.CREATE}


def test_promotion_source_from_snapshot_maps_keys_to_source_fingerprints():
    """The promotion source is read from the source environment's created campaigns."""
    record = make_record("a", source_fingerprint="s1")
    snap = make_snapshot("staging", records=[record])
    assert PromotionSource.from_snapshot(snap) == PromotionSource(
        "staging", {"a": "s1"}, {"a": record.fingerprint}
    )


def test_promotion_does_not_affect_recorded_campaigns():
    """Promotion only holds back creates; a recorded campaign stays unchanged."""
    d = make_desired("a")
    plan = plan_of(
        [d],
        make_snapshot(records=[make_record("a", desired=d)]),
        promotion=PromotionSource("staging", {}),
    )
    assert kinds(plan) == {"a": ActionKind.UNCHANGED}


def test_past_start_warns_for_creates_only():
    """A past start_at warns for a create, and not for a recorded campaign."""
    past = (NOW - timedelta(days=1)).isoformat()
    new = make_desired("new", start_at=past)
    done = make_desired("done", start_at=past)
    plan = plan_of([new, done], make_snapshot(records=[make_record("done", desired=done)]))
    (warning,) = plan.diagnostics
    assert warning.field == "touchpoint.start_at"
    assert warning.message.startswith("new:")


def test_future_start_does_not_warn():
    """A start in the future brings no warning."""
    plan = plan_of([make_desired("a", start_at=(NOW + timedelta(hours=1)).isoformat())])
    assert plan.diagnostics == ()


def test_targets_limit_the_plan_with_globs():
    """--target patterns keep only matching keys, gone ones included."""
    state = make_snapshot(records=[make_record("diwali-old")])
    desired = [make_desired("diwali-a"), make_desired("diwali-b"), make_desired("holi-a")]
    plan = plan_of(desired, state, targets=["diwali-*"])
    assert [a.key for a in plan.actions] == ["diwali-a", "diwali-b", "diwali-old"]
    plan = plan_of(desired, state, targets=["holi-a", "diwali-b"])
    assert [a.key for a in plan.actions] == ["diwali-b", "holi-a"]


def test_target_on_a_previous_key_keeps_the_moved_campaign():
    """Targeting a renamed campaign's old key still shows it (not as gone)."""
    d_old = make_desired("old-key")
    d_new = make_desired("new-key", body=d_old.body, previous_keys=["old-key"])
    state = make_snapshot(records=[make_record("old-key", desired=d_old)])
    plan = plan_of([d_new], state, targets=["old-key"])
    assert kinds(plan) == {"new-key": ActionKind.UNCHANGED}


def test_a_target_matching_nothing_is_an_error():
    """A target that matches no key plans nothing and is an error naming the pattern."""
    plan = plan_of([make_desired("a"), make_desired("b")], targets=["zzz", "a"])
    assert [a.key for a in plan.actions] == ["a"]
    [error] = [d for d in plan.diagnostics if d.is_error]
    assert error.field == "--target" and "'zzz' matches no campaign" in error.message
    assert plan.has_errors


def test_mixed_plan_counts_every_action_and_orders_by_key():
    """A plan with every action counts each and lists them by key."""
    same = make_desired("b-same")
    changed_old, changed_new = make_desired("c-chg", name="x"), make_desired("c-chg", name="y")
    state = make_snapshot(
        records=[
            make_record("b-same", desired=same),
            make_record("c-chg", desired=changed_old),
            make_record("d-gone"),
        ],
        in_doubt=[make_attempt("e-doubt")],
    )
    desired = [
        make_desired("f-wait"),
        changed_new,
        make_desired("e-doubt"),
        same,
        make_desired("a-new"),
    ]
    promotion = PromotionSource("staging", {"a-new": "src-a-new"})
    plan = plan_of(desired, state, promotion=promotion)
    assert [a.key for a in plan.actions] == [
        "a-new",
        "b-same",
        "c-chg",
        "d-gone",
        "e-doubt",
        "f-wait",
    ]
    assert plan.summary == {
        "create": 1,
        "unchanged": 1,
        "changed": 1,
        "gone": 1,
        "in_doubt": 1,
        "awaiting_promotion": 1,
    }
