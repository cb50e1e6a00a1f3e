"""The calendar: campaigns on their start days, recipients, cost, the messaging limit."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from reconciler.models.cost import CampaignCost
from reconciler.report.board import CellState
from reconciler.report.calendar import Sending, build_calendar, parse_start, send_window
from tests.support.factories import make_body

IST = timezone(timedelta(hours=5, minutes=30))
MONDAY = date(2027, 1, 4)


def _sending(key, start, numbers, *, env="dev", cost=None, state=CellState.TO_CREATE):
    return Sending(env, key, key, state, start, "mon–fri", len(numbers), tuple(numbers), cost)


def _at(day, hour=10):
    return datetime(day.year, day.month, day.day, hour, tzinfo=IST)


def _cell(calendar, day, env_index=0):
    for week in calendar.weeks:
        for d in week.days:
            if d.day == day:
                return d.envs[env_index]
    raise AssertionError(f"{day} is not on the calendar")


def test_the_calendar_has_weeks_of_seven_days_from_the_first_day():
    cal = build_calendar([], ["dev"], first=MONDAY, weeks=3, limits={})
    assert [w.first for w in cal.weeks] == [MONDAY, MONDAY + timedelta(7), MONDAY + timedelta(14)]
    assert all(len(w.days) == 7 for w in cal.weeks)
    assert cal.last == MONDAY + timedelta(days=20)


def test_each_campaign_is_on_its_start_day_in_its_own_offset_and_outside_ones_are_left_out():
    late_evening = datetime(2027, 1, 5, 23, 30, tzinfo=IST)  # 18:00 UTC: still the 5th
    sendings = [
        _sending("a", late_evening, ["+919812345601"]),
        _sending("before", _at(MONDAY - timedelta(days=1)), ["+919812345602"]),
        _sending("after", _at(MONDAY + timedelta(days=7)), ["+919812345603"]),
    ]
    cal = build_calendar(sendings, ["dev"], first=MONDAY, weeks=1, limits={})
    shown = [s.key for w in cal.weeks for d in w.days for e in d.envs for s in e.sendings]
    assert shown == ["a"]
    assert [s.key for s in _cell(cal, date(2027, 1, 5)).sendings] == ["a"]


def test_recipients_per_day_are_unique_and_per_environment():
    sendings = [
        _sending("a", _at(MONDAY, 9), ["+919812345601", "+919812345602"]),
        _sending("b", _at(MONDAY, 15), ["+919812345602", "+919812345603"]),
        _sending("c", _at(MONDAY), ["+919812345601"], env="prod"),
    ]
    cal = build_calendar(sendings, ["dev", "prod"], first=MONDAY, weeks=1, limits={})
    assert _cell(cal, MONDAY, 0).unique == 3
    assert _cell(cal, MONDAY, 1).unique == 1
    assert [s.key for s in _cell(cal, MONDAY, 0).sendings] == ["a", "b"]  # by start


def test_the_day_cost_adds_the_estimates_exactly():
    cost = CampaignCost("INR", Decimal("1.005"), "marketing", {"India": 1})
    sendings = [_sending("a", _at(MONDAY), ["+919812345601"], cost=cost)] * 2
    cal = build_calendar(sendings, ["dev"], first=MONDAY, weeks=1, limits={})
    assert _cell(cal, MONDAY).cost == Decimal("2.010")
    assert _cell(cal, MONDAY).currency == "INR"
    assert _cell(cal, MONDAY + timedelta(days=1)).cost is None


def test_a_day_opening_24_hours_over_the_messaging_limit_is_marked():
    numbers = [f"+9198123456{i:02d}" for i in range(6)]
    sendings = [
        _sending("a", _at(MONDAY, 20), numbers[:3]),
        _sending("b", _at(MONDAY + timedelta(days=1), 10), numbers[3:]),  # 14 h later
        _sending("c", _at(MONDAY + timedelta(days=3)), numbers[:2]),
        _sending("p", _at(MONDAY, 20), numbers, env="prod"),
    ]
    limits = {"dev": 5, "prod": None}
    cal = build_calendar(sendings, ["dev", "prod"], first=MONDAY, weeks=1, limits=limits)
    assert _cell(cal, MONDAY).over_limit == 6  # a and b within 24 h: 6 unique > 5
    assert _cell(cal, MONDAY + timedelta(days=1)).over_limit is None  # b alone: 3
    assert _cell(cal, MONDAY + timedelta(days=3)).over_limit is None
    assert _cell(cal, MONDAY, 1).over_limit is None  # prod sets no limit


def test_send_window_and_start_are_read_from_the_body():
    body = make_body(start_at="2027-01-04T10:00:00+05:30")
    body["touchpoint"]["additional_settings"].update(
        execution_days=["mon", "tue", "wed", "thu", "fri"],
        start_hour=9,
        end_hour=18,
        time_zone="Asia/Kolkata",
    )
    assert send_window(body) == "mon–fri 09:00–18:00 Asia/Kolkata"
    body["touchpoint"]["additional_settings"]["execution_days"] = ["fri", "mon", "wed"]
    assert send_window(body).startswith("mon, wed, fri ")
    assert parse_start("2027-01-04T10:00:00+05:30") == datetime(2027, 1, 4, 10, tzinfo=IST)
    assert parse_start("2027-01-04T10:00:00") is None
    assert parse_start("soon") is None
