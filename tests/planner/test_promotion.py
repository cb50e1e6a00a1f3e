"""The promotion rule of PRODUCT.md section 5, planned without I/O.

Promotable when the source created the key and either recorded the same source
fingerprint, or recorded the fingerprint the spec has rendered with its variables.
"""

from __future__ import annotations

import dataclasses

from reconciler.plan import ActionKind
from reconciler.planner import make_plan
from reconciler.promotion import PromotionSource, SourceRender, differing_fields
from reconciler.state.base import StateSnapshot
from tests.support.factories import NOW, make_desired

STAGED = "fp-staging"  # the body fingerprint staging recorded


def staging(renders=None, source="src-old"):
    """Staging created "a" from source ``source``, recording body fingerprint STAGED."""
    return PromotionSource("staging", {"a": source}, {"a": STAGED}, renders or {})


def action_of(d, promotion):
    plan = make_plan([d], StateSnapshot.empty("prod"), environment="prod", now=NOW,
                     promotion=promotion)  # fmt: skip
    (action,) = plan.actions
    return action


def test_a_new_source_rendering_to_what_staging_created_is_promotable():
    """A comment edit (or a loop item for another campaign): the source differs, the body
    rendered with staging's variables is the one staging created: prod creates it."""
    d = make_desired("a", source_fingerprint="src-new")
    action = action_of(d, staging({"a": SourceRender(fingerprint=STAGED)}))
    assert action.kind is ActionKind.CREATE
    assert action.reason == ""


def test_a_real_edit_is_held_back_naming_the_fields_that_differ():
    """The body staging would send now differs from what it created: held back, saying where."""
    d = make_desired("a", source_fingerprint="src-new")
    render = SourceRender(fingerprint="fp-other", differs=("name", "touchpoint.start_at"))
    action = action_of(d, staging({"a": render}))
    assert action.kind is ActionKind.AWAITING_PROMOTION
    assert action.reason == (
        "staging created an older source: the body staging would send differs from what it "
        "created (name, touchpoint.start_at)"
    )


def test_a_spec_that_does_not_render_for_the_source_is_held_back_with_why():
    d = make_desired("a", source_fingerprint="src-new")
    action = action_of(d, staging({"a": SourceRender(problem="vars.x is undefined")}))
    assert action.kind is ActionKind.AWAITING_PROMOTION
    assert action.reason.endswith("does not render for staging: vars.x is undefined")


def test_only_a_created_key_with_another_source_needs_rendering():
    """The shell renders for the source only what the planner cannot decide without it."""
    promotion = staging()
    assert promotion.needs_render(make_desired("a", source_fingerprint="src-new"))
    assert not promotion.needs_render(make_desired("a", source_fingerprint="src-old"))
    assert not promotion.needs_render(make_desired("b", source_fingerprint="src-new"))


def test_a_campaign_whose_environments_leave_out_the_source_is_not_gated():
    """prod-only while prod promotes from staging: created at once, and the plan says why."""
    d = dataclasses.replace(make_desired("b"), environments=("prod",))
    promotion = staging()
    assert not promotion.needs_render(d)
    action = action_of(d, promotion)
    assert action.kind is ActionKind.CREATE
    assert action.reason == "not gated by promotion: its environments (prod) leave out staging"
    both = dataclasses.replace(d, environments=("staging", "prod"))
    assert action_of(both, promotion).kind is ActionKind.AWAITING_PROMOTION


def test_differing_fields_names_nested_paths_and_whole_lists():
    old = {"name": "A", "touchpoint": {"start_at": "x", "to": [1, 2]}, "gone": 1}
    new = {"name": "B", "touchpoint": {"start_at": "x", "to": [1, 3]}, "added": 2}
    assert differing_fields(new, old) == ("added", "gone", "name", "touchpoint.to")
    assert differing_fields(old, old) == ()


def test_many_differing_fields_are_counted_after_five():
    d = make_desired("a", source_fingerprint="src-new")
    render = SourceRender(fingerprint="fp-other", differs=tuple(f"f{i}" for i in range(7)))
    assert action_of(d, staging({"a": render})).reason.endswith("(f0, f1, f2, f3, f4 and 2 more)")
