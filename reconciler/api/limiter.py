"""The client's adaptive rate limit, shared by every worker: AIMD against the server's 429s.

No limit until ContactSwing first answers 429 (a server without a limit costs nothing).
Then requests are spaced at ``rate`` per second: a 429 halves the rate once per
congestion event (the other requests already in flight belong to the same event) and
holds every worker until its Retry-After has passed; each answer that was not a 429,
after a wait for the limit, adds ``1 / rate`` (about one request per second, every
second). No I/O: the caller sleeps the delays it is given, so tests drive a fake clock.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

MIN_RATE = 1.0  # requests per second: a floor, so one bad second cannot stall a run
DECREASE = 0.5  # the multiplicative cut on a 429
WINDOW = 1.0  # seconds of recent sends that estimate the rate at the first 429


@dataclass(frozen=True)
class Slot:
    """When a request may go (``delay`` seconds from now) and the event it belongs to."""

    delay: float
    epoch: int


class AdaptiveLimiter:
    """One per client; thread-safe. ``reserve`` before a send, ``settle`` with its answer."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.rate: float | None = None  # None: no 429 seen yet, no limit
        self.epoch = 0  # grows with each congestion event (each cut)
        self.throttled = 0  # 429s seen, for the log and tests
        self._next = 0.0  # the earliest instant of the next send
        self._resume = 0.0  # no send before this (the last Retry-After)
        self._sent: deque[float] = deque()  # send instants within WINDOW, before a limit
        self._lock = threading.Lock()

    def reserve(self, after: float = 0.0) -> Slot:
        """Book the next send, ``after`` seconds from now or later (a retry's backoff);
        the caller waits the slot's ``delay``, then sends."""
        with self._lock:
            now = self.clock()
            if self.rate is None:
                self._sent.append(now)
                while self._sent and self._sent[0] < now - WINDOW:
                    self._sent.popleft()
                return Slot(max(after, self._resume - now), self.epoch)
            at = max(now + after, self._next, self._resume)
            self._next = at + 1.0 / self.rate
            return Slot(at - now, self.epoch)

    def settle(self, slot: Slot, *, throttled: bool, retry_after: float | None = None) -> None:
        """Adapt to one answer: cut on the first 429 of an event, else grow after a wait."""
        with self._lock:
            if throttled:
                self._throttled(slot, retry_after)
            elif self.rate is not None and slot.delay > 0:
                self.rate += 1.0 / self.rate

    def _throttled(self, slot: Slot, retry_after: float | None) -> None:
        now = self.clock()
        self.throttled += 1
        if retry_after is not None:  # every worker waits it out, not only this one
            self._resume = max(self._resume, now + retry_after)
        if slot.epoch != self.epoch:
            return  # sent before the last cut: the same congestion, already answered
        if self.rate is None:  # the first 429: start from half the rate just seen
            self.rate = len(self._sent) / WINDOW
            self._sent.clear()
        self.rate = max(MIN_RATE, self.rate * DECREASE)
        self.epoch += 1
