"""messaging_limit: unique recipients of the campaigns starting within any 24 hours."""

from __future__ import annotations

from datetime import UTC, date, datetime

from reconciler.errors import Severity
from reconciler.policies import recipients_per_day
from tests.policies.helpers import body, by_policy, check, create, plan_of

A, B, C = "+919800000101", "+919800000102", "+919800000103"


def test_exactly_the_limit_is_allowed_and_a_number_in_two_campaigns_counts_once():
    plan = plan_of(create("a", "2027-11-01T10:00:00+00:00", (A, B)),
                   create("b", "2027-11-01T12:00:00+00:00", (B, C)))  # fmt: skip
    assert check(plan, messaging_limit=3).policies == ()


def test_one_over_the_limit_is_an_error_with_the_unique_count():
    plan = plan_of(create("a", "2027-11-01T10:00:00+00:00", (A, B)),
                   create("b", "2027-11-01T12:00:00+00:00", (B, C)))  # fmt: skip
    (finding,) = by_policy(check(plan, messaging_limit=2), "messaging_limit")
    assert (finding.keys, finding.count, finding.severity) == (("a", "b"), 3, Severity.ERROR)


def test_campaigns_24_hours_apart_do_not_share_a_window():
    """The window is [t, t + 24 h): exactly 24 h later is the next window."""
    plan = plan_of(create("a", "2027-11-01T10:00:00+00:00", (A, B)),
                   create("b", "2027-11-02T10:00:00+00:00", (C,)))  # fmt: skip
    assert check(plan, messaging_limit=2).policies == ()
    closer = plan_of(create("a", "2027-11-01T10:00:00+00:00", (A, B)),
                     create("b", "2027-11-02T09:59:00+00:00", (C,)))  # fmt: skip
    assert len(check(closer, messaging_limit=2).policies) == 1


def test_recorded_campaigns_count_toward_the_limit():
    plan = plan_of(create("new", "2027-11-01T12:00:00+00:00", (A,)))
    recorded = [("old", body("2027-11-01T10:00:00+00:00", (B, C)))]
    (finding,) = check(
        plan, recorded=recorded, messaging_limit=2, messaging_limit_mode="warn"
    ).policies
    assert (finding.keys, finding.count, finding.severity) == (("new",), 3, Severity.WARNING)
    assert "1 already created" in finding.message


def test_recorded_campaigns_alone_over_the_limit_are_not_reported():
    plan = plan_of(create("new", "2027-11-05T12:00:00+00:00", (A,)))
    recorded = [("old", body("2027-11-01T10:00:00+00:00", (A, B, C)))]
    assert check(plan, recorded=recorded, messaging_limit=2).policies == ()


def test_recipients_per_day_counts_unique_numbers_of_the_campaigns_starting_that_day():
    day1, day2 = datetime(2027, 11, 1, 9, tzinfo=UTC), datetime(2027, 11, 2, 23, tzinfo=UTC)
    counts = recipients_per_day([(day1, [A, B]), (day1, [B, C]), (day2, [A])])
    assert counts == {date(2027, 11, 1): 3, date(2027, 11, 2): 1}
