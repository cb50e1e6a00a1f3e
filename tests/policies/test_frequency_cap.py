"""frequency_cap: no number in more than ``max`` campaigns starting within ``days`` days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.commands.policy_inputs import PolicyContext
from reconciler.errors import Severity
from reconciler.policies import PolicySettings
from tests.policies.helpers import body, by_policy, cap, check, create, plan_of
from tests.support.factories import make_attempt, make_record, make_snapshot

A, B = "+919800000101", "+919800000102"


def _at(day: int, hour: int = 10) -> str:
    return f"2027-11-{day:02d}T{hour:02d}:00:00+05:30"


def test_exactly_max_is_allowed():
    plan = plan_of(create("a", _at(1), (A,)), create("b", _at(3), (A,)))
    assert check(plan, frequency_cap=cap(2, 7)).policies == ()


def test_one_more_than_max_is_an_error_naming_every_campaign():
    plan = plan_of(
        create("a", _at(1), (A, B)), create("b", _at(3), (A,)), create("c", _at(5), (A,))
    )
    found = by_policy(check(plan, frequency_cap=cap(2, 7)), "frequency_cap")
    assert [(f.keys[0], f.count, f.examples, f.severity) for f in found] == [
        ("a", 1, (A,), Severity.ERROR),
        ("b", 1, (A,), Severity.ERROR),
        ("c", 1, (A,), Severity.ERROR),
    ]
    assert set(found[0].keys) == {"a", "b", "c"}


def test_campaigns_exactly_days_apart_do_not_share_a_window():
    """The window edge: start_at less than days x 24 h apart share it; exactly, not."""
    apart = plan_of(create("a", _at(1), (A,)), create("b", _at(8), (A,)))
    assert check(apart, frequency_cap=cap(1, 7)).policies == ()
    closer = plan_of(create("a", _at(1), (A,)), create("b", _at(8, 9), (A,)))
    assert len(check(closer, frequency_cap=cap(1, 7)).policies) == 2


def test_recorded_campaigns_count_but_only_creates_are_reported():
    plan = plan_of(create("new", _at(3), (A,)))
    recorded = [("old-1", body(_at(1), (A,))), ("old-2", body(_at(2), (A,)))]
    (finding,) = check(plan, recorded=recorded, frequency_cap=cap(2, 7)).policies
    assert finding.keys == ("new", "old-1", "old-2")


def test_a_finding_names_only_the_campaigns_over_the_cap_with_its_own():
    """A's campaigns: old-1 (day 1), old-2 (day 2), k (day 6), l (day 10), m (day 11). Two
    windows hold three: old-1, old-2, k and k, l, m. l shares none with old-1 or old-2."""
    plan = plan_of(
        create("k", _at(6), (A,)), create("l", _at(10), (A,)), create("m", _at(11), (A,))
    )
    recorded = [("old-1", body(_at(1), (A,))), ("old-2", body(_at(2), (A,)))]
    found = check(plan, recorded=recorded, frequency_cap=cap(2, 7)).policies
    assert [f.keys for f in found] == [
        ("k", "l", "m", "old-1", "old-2"),
        ("l", "k", "m"),
        ("m", "k", "l"),
    ]
    assert found[1].message == "l: 1 recipient in more than 2 campaigns within 7 days (with k, m)"


def test_a_recipient_of_an_in_doubt_campaign_counts_as_sent():
    """Through the shell's reader of the snapshot: created records and in-doubt attempts."""
    created = make_record("sent", body=body(_at(1), (A,)))
    doubt = make_attempt("maybe", body=body(_at(2), (A,)))
    snapshot = make_snapshot(records=[created], in_doubt=[doubt])
    context = PolicyContext(PolicySettings(frequency_cap=cap(2, 7)))
    plan = context.check(
        plan_of(create("new", _at(3), (A,))), snapshot, lambda rs: {r.key: r for r in rs}
    )
    (finding,) = plan.policies
    assert finding.keys == ("new", "maybe", "sent")


def test_warn_mode_only_flags():
    plan = plan_of(create("a", _at(1), (A,)), create("b", _at(2), (A,)))
    checked = check(plan, frequency_cap=cap(1, 7, "warn"))
    assert checked.policies and not checked.has_errors


def test_no_campaign_to_create_reads_no_recorded_body():
    def never():
        raise AssertionError("recorded bodies were read")

    from reconciler.policies import PolicyInputs, with_policies

    inputs = PolicyInputs(PolicySettings(frequency_cap=cap(1, 1), messaging_limit=1), (), never)
    assert with_policies(plan_of(), inputs).policies == ()


BASE = datetime(2027, 11, 1, tzinfo=UTC)
NUMBERS = [f"+9198000001{i:02d}" for i in range(4)]
CAMPAIGNS = st.lists(
    st.tuples(
        st.integers(0, 20 * 24),  # start, in hours after BASE
        st.sets(st.sampled_from(NUMBERS), min_size=1),
        st.booleans(),  # already created
    ),
    min_size=1,
    max_size=8,
)


def _windows(rows, number, span):
    """Each window [t, t + span) of ``number``'s campaigns: its (key, already created)."""
    mine = sorted((t, k, old) for k, t, n, old in rows if number in n)
    return [[(k, old) for t, k, old in mine if t0 <= t < t0 + span] for t0, _, _ in mine]


@settings(max_examples=300, deadline=None)
@given(CAMPAIGNS, st.integers(1, 3), st.integers(1, 5), st.randoms())
def test_a_plan_without_findings_never_lets_a_number_exceed_max_in_any_window(
    campaigns, most, days, rng
):
    """Whatever the campaigns' order: the creates flagged are exactly those in a window
    over ``max``, so a plan that passes keeps every number within it in every window."""
    rows = [
        (f"k{i}", BASE + timedelta(hours=h), sorted(n), old)
        for i, (h, n, old) in enumerate(campaigns)
    ]
    rng.shuffle(rows)
    creates = [create(k, t.isoformat(), n) for k, t, n, old in rows if not old]
    recorded = [(k, body(t.isoformat(), n)) for k, t, n, old in rows if old]
    plan = check(plan_of(*creates), recorded=recorded, frequency_cap=cap(most, days))
    flagged = {f.keys[0]: f.keys for f in plan.policies}
    partners: dict[str, set[str]] = {}
    for number in NUMBERS:
        for window in _windows(rows, number, timedelta(days=days)):
            if len(window) > most:
                for k, old in window:
                    if not old:
                        partners.setdefault(k, set()).update(key for key, _ in window)
    assert flagged == {k: (k, *sorted(found - {k})) for k, found in partners.items()}
    if not plan.has_errors:
        for number in NUMBERS:
            for window in _windows(rows, number, timedelta(days=days)):
                assert len(window) <= most or all(old for _, old in window)
