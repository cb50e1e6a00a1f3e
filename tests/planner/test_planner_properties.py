"""Properties of the planner that must hold for any specs and any state."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.plan import ActionKind
from reconciler.planner import PromotionSource, make_plan
from reconciler.state.base import AttemptStatus, StateSnapshot
from tests.support.factories import NOW, make_attempt, make_desired, make_record

KEYS = st.sampled_from([f"k{i}" for i in range(8)])


@st.composite
def scenarios(draw):
    """Desired campaigns (unique keys, some renamed) and a state holding any mix of keys."""
    keys = draw(st.lists(KEYS, unique=True, max_size=8))
    desired = []
    for key in keys:
        name = draw(st.sampled_from(["A", "B"]))
        prev = draw(st.lists(KEYS, unique=True, max_size=2))
        desired.append(make_desired(key, name=name, previous_keys=[p for p in prev if p != key]))
    recorded = draw(st.lists(KEYS, unique=True, max_size=8))
    records = [
        make_record(k, desired=make_desired(k, name=draw(st.sampled_from(["A", "B"]))))
        for k in recorded
    ]
    doubt = [make_attempt(k) for k in draw(st.lists(KEYS, unique=True, max_size=3))]
    failed = [
        make_attempt(k, status=AttemptStatus.FAILED, error="boom")
        for k in draw(st.lists(KEYS, unique=True, max_size=3))
        if k not in recorded and all(a.key != k for a in doubt)
    ]
    state = StateSnapshot(
        environment="dev",
        exists=True,
        lineage="lin",
        serial=5,
        campaigns={r.key: r for r in records},
        in_doubt={a.key: a for a in doubt},
        last_failures={a.key: a for a in failed},
    )
    promotion = draw(
        st.none()
        | st.builds(
            PromotionSource,
            st.just("staging"),
            st.dictionaries(KEYS, st.sampled_from(["src-k0", "src-k1", "other"])),
        )
    )
    return desired, state, promotion


def run(desired, state, promotion=None):
    return make_plan(desired, state, environment="dev", now=NOW, promotion=promotion)


@settings(max_examples=200, deadline=None)
@given(scenarios(), st.randoms())
def test_plan_is_independent_of_input_order(scenario, random):
    """Shuffling the specs changes nothing in the plan."""
    desired, state, promotion = scenario
    shuffled = list(desired)
    random.shuffle(shuffled)
    assert run(desired, state, promotion) == run(shuffled, state, promotion)


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_never_create_for_a_key_the_state_holds(scenario):
    """No create is planned for a key recorded as created or in doubt, or followed by a rename."""
    desired, state, promotion = scenario
    plan = run(desired, state, promotion)
    held = set(state.campaigns) | set(state.in_doubt)
    for action in plan.creates:
        assert action.key not in held
    keys = [a.key for a in plan.actions]
    assert keys == sorted(set(keys)), "one action per key, ordered"


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_recording_every_create_leaves_nothing_to_create(scenario):
    """After recording each create of a plan, planning again creates nothing."""
    desired, state, _ = scenario
    plan = run(desired, state)
    created = dict(state.campaigns)
    for action in plan.creates:
        assert action.desired is not None
        created[action.key] = make_record(action.key, desired=action.desired)
    after = dataclasses.replace(state, campaigns=created, last_failures={}, serial=state.serial + 1)
    again = run(desired, after)
    assert again.creates == []
    for action in plan.creates:
        assert next(a for a in again.actions if a.key == action.key).kind is ActionKind.UNCHANGED


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_failed_attempts_plan_as_create_again(scenario):
    """A key with only a failed attempt and a spec is created again (or awaits promotion)."""
    desired, state, _ = scenario
    plan = run(desired, state)
    by_key = {a.key: a for a in plan.actions}
    specs = {d.key for d in desired}
    for key in set(state.last_failures) & specs:
        action = by_key[key]
        if action.moved_from is None:
            assert action.kind is ActionKind.CREATE
            assert action.attempt is not None and action.attempt.status is AttemptStatus.FAILED
