"""quiet_hours: a send window, in each recipient's zones, clear of their quiet hours.

The windows are checked as real instants, so both sides' daylight-saving changes count:
America/New_York (2027: from 14 March, until 7 November) and Europe/London (2027:
until 31 October).
"""

from __future__ import annotations

from reconciler.errors import Severity
from reconciler.policies.quiet_hours import zones_of
from tests.policies.helpers import by_policy, check, create, plan_of, quiet

NEW_YORK, LONDON, INDIA = "+12125550100", "+447911123456", "+919800000101"
NO_ZONE = "+80012345678"  # an international freephone number: no zone in the data


def _campaign(start: str, days: list[str], first: int, last: int, zone: str, *numbers: str):
    return create(
        "offer", start, numbers, execution_days=days, start_hour=first, end_hour=last,
        time_zone=zone,
    )  # fmt: skip


def _found(action, **settings):
    return by_policy(check(plan_of(action), quiet_hours=quiet(21, 8), **settings), "quiet_hours")


def test_zones_come_from_the_phone_number_data():
    assert zones_of(NEW_YORK) == ("America/New_York",)
    assert "Europe/London" in zones_of(LONDON)
    assert zones_of(INDIA) == ("Asia/Calcutta",)
    assert zones_of(NO_ZONE) == ()


def test_new_york_across_the_end_of_daylight_saving():
    """18:00-20:00 in India is 08:30 in New York under EDT (fine), 07:30 under EST
    (quiet until 08:00): Saturday 6 November is fine, Sunday 7 November is not."""
    saturday = _campaign("2027-11-05T10:00:00+05:30", ["sat"], 18, 20, "Asia/Kolkata", NEW_YORK)
    assert _found(saturday) == []
    sunday = _campaign("2027-11-05T10:00:00+05:30", ["sun"], 18, 20, "Asia/Kolkata", NEW_YORK)
    (finding,) = _found(sunday)
    assert (finding.count, finding.examples, finding.severity) == (1, (NEW_YORK,), Severity.ERROR)


def test_new_york_across_the_start_of_daylight_saving():
    """Friday 12 March 2027 is still EST (clash); Monday 15 March is EDT (fine)."""
    friday = _campaign("2027-03-12T10:00:00+05:30", ["fri"], 18, 20, "Asia/Kolkata", NEW_YORK)
    assert len(_found(friday)) == 1
    monday = _campaign("2027-03-12T10:00:00+05:30", ["mon"], 18, 20, "Asia/Kolkata", NEW_YORK)
    assert _found(monday) == []


def test_london_across_the_end_of_british_summer_time():
    """16:00-17:00 in New York: 21:00 in London under BST (quiet), 20:00-21:00 in the
    week both zones differ by 4 hours: the window ends exactly when quiet hours begin."""
    before = _campaign("2027-10-25T09:00:00-04:00", ["mon"], 16, 17, "America/New_York", LONDON)
    assert len(_found(before)) == 1
    between = _campaign(
        "2027-11-01T09:00:00-04:00", ["mon", "fri"], 16, 17, "America/New_York", LONDON
    )
    assert _found(between) == []  # the window edge: [16, 17) touches 21:00, no overlap
    after = _campaign("2027-11-08T09:00:00-05:00", ["mon"], 16, 17, "America/New_York", LONDON)
    assert len(_found(after)) == 1


def test_quiet_hours_that_do_not_wrap_midnight():
    lunch = _campaign("2027-11-01T09:00:00+05:30", ["mon"], 12, 13, "Asia/Kolkata", INDIA)
    found = by_policy(check(plan_of(lunch), quiet_hours=quiet(12, 14)), "quiet_hours")
    assert len(found) == 1
    assert by_policy(check(plan_of(lunch), quiet_hours=quiet(13, 14)), "quiet_hours") == []


def test_a_number_with_no_known_zone_is_noted_not_refused():
    action = _campaign("2027-11-01T09:00:00+05:30", ["mon"], 10, 12, "Asia/Kolkata", INDIA, NO_ZONE)
    (note,) = _found(action)
    assert (note.severity, note.count, note.note) == (Severity.WARNING, 1, True)


def test_warn_mode_only_flags():
    sunday = _campaign("2027-11-05T10:00:00+05:30", ["sun"], 18, 20, "Asia/Kolkata", NEW_YORK)
    plan = check(plan_of(sunday), quiet_hours=quiet(21, 8, "warn"))
    assert plan.policies and not plan.has_errors


def test_a_numbers_zones_are_among_its_calling_codes_in_the_librarys_data():
    """What lets a calling code whose zones agree decide for its numbers unparsed."""
    from phonenumbers.tzdata import TIMEZONE_DATA

    from reconciler.phones import split_country_code

    for prefix, zones in TIMEZONE_DATA.items():
        code, rest = split_country_code(prefix)
        if code and rest:
            assert set(zones) <= set(TIMEZONE_DATA[str(code)]), prefix


def test_a_calling_code_of_several_zones_is_decided_number_by_number():
    """New York and Los Angeles differ by three hours: 20:00-22:00 in India is 09:30 in
    New York (summer), 06:30 in Los Angeles: only the second is in its quiet hours."""
    los_angeles = "+14155550123"
    action = _campaign(
        "2027-06-01T10:00:00+05:30", ["tue"], 19, 21, "Asia/Kolkata", NEW_YORK, los_angeles
    )
    (finding,) = _found(action)
    assert finding.examples == (los_angeles,)


def test_a_start_after_the_days_window_is_checked_at_the_next_window():
    """Monday 8 November 2027, 20:00 in India: Monday's 10-19 window has closed, so the
    messages go out from the next Monday's, 10:00 in India, 23:30 in New York (quiet)."""
    late = _campaign("2027-11-08T20:00:00+05:30", ["mon"], 10, 19, "Asia/Kolkata", NEW_YORK)
    (finding,) = _found(late)
    assert (finding.count, finding.examples) == (1, (NEW_YORK,))
    same_day = _campaign("2027-11-08T09:00:00+05:30", ["mon"], 10, 19, "Asia/Kolkata", NEW_YORK)
    assert len(_found(same_day)) == 1


def test_the_windows_checked_are_a_week_of_them_from_the_first_after_start_at():
    from datetime import datetime

    from reconciler.policies.quiet_hours import send_windows

    settings = {"execution_days": ["mon", "wed"], "start_hour": 10, "end_hour": 19,
                "time_zone": "Asia/Kolkata"}  # fmt: skip
    start = datetime.fromisoformat("2027-11-08T20:00:00+05:30")  # a Monday, after 19:00
    opens = [o.astimezone(start.tzinfo).isoformat() for o, _ in send_windows(settings, start)]
    assert opens == ["2027-11-10T10:00:00+05:30", "2027-11-15T10:00:00+05:30"]
