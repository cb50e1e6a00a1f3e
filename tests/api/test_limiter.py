"""The client's adaptive limiter (AIMD), driven by a fake clock: no waiting, no timing."""

from __future__ import annotations

import pytest

from reconciler.api.limiter import MIN_RATE, AdaptiveLimiter, Slot


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _limited(rate: float, clock: Clock) -> AdaptiveLimiter:
    limiter = AdaptiveLimiter(clock)
    limiter.rate = rate
    return limiter


def test_no_limit_until_the_first_429() -> None:
    """A server that never says 429 is never slowed down."""
    limiter = AdaptiveLimiter(Clock())
    slots = [limiter.reserve() for _ in range(100)]
    assert {s.delay for s in slots} == {0.0}
    for slot in slots:
        limiter.settle(slot, throttled=False)
    assert limiter.rate is None


def test_first_429_starts_from_half_the_rate_just_seen_and_holds_everyone() -> None:
    """40 sends in the last second, one 429 with Retry-After 1: 20/s, all wait 1 s."""
    clock = Clock()
    limiter = AdaptiveLimiter(clock)
    slots = []
    for _ in range(40):
        slots.append(limiter.reserve())
        clock.now += 0.02
    limiter.settle(slots[-1], throttled=True, retry_after=1.0)
    assert limiter.rate == 20.0
    assert limiter.reserve().delay == 1.0
    assert limiter.reserve().delay == pytest.approx(1.05)  # then spaced at 1/20 s


def test_one_cut_per_congestion_event() -> None:
    """The 429s of requests already in flight when the rate was cut do not cut it again."""
    clock = Clock()
    limiter = _limited(16.0, clock)
    in_flight = [limiter.reserve() for _ in range(8)]
    for slot in in_flight:
        limiter.settle(slot, throttled=True)
    assert limiter.rate == 8.0
    assert limiter.throttled == 8
    later = limiter.reserve()
    limiter.settle(later, throttled=True)
    assert limiter.rate == 4.0  # a request sent after the cut: a new event


def test_grows_by_about_one_per_second_of_paced_sends() -> None:
    """At 10/s, ten paced answers without 429 add about 1/s (additive increase)."""
    clock = Clock()
    limiter = _limited(10.0, clock)
    for _ in range(11):  # the first send did not wait: no growth
        slot = limiter.reserve()
        clock.now += slot.delay
        limiter.settle(slot, throttled=False)
    assert 10.9 < (limiter.rate or 0) < 11.0


def test_no_growth_while_the_limit_is_not_what_holds_requests_back() -> None:
    """Slow answers (sends never wait for the limiter) do not inflate the rate."""
    clock = Clock()
    limiter = _limited(10.0, clock)
    for _ in range(50):
        slot = limiter.reserve()
        assert slot.delay == 0.0
        limiter.settle(slot, throttled=False)
        clock.now += 1.0
    assert limiter.rate == 10.0


def test_sends_are_spaced_across_every_caller() -> None:
    """One limiter for all workers: reservations made at one instant are 1/rate apart."""
    limiter = _limited(4.0, Clock())
    assert [limiter.reserve().delay for _ in range(4)] == [0.0, 0.25, 0.5, 0.75]


def test_a_retry_waits_its_backoff_or_its_slot_whichever_is_later() -> None:
    clock = Clock()
    limiter = _limited(1.0, clock)
    assert limiter.reserve(after=3.0).delay == 3.0
    assert limiter.reserve(after=0.5).delay == 4.0  # the slot after the one at +3 s


def test_the_rate_never_falls_below_the_floor() -> None:
    limiter = _limited(1.5, Clock())
    for _ in range(5):
        limiter.settle(Slot(0.0, limiter.epoch), throttled=True)
    assert limiter.rate == MIN_RATE
