"""Fault injection for the sandbox: which fault, if any, a create request meets.

Two kinds of fault: those where the server acts on nothing (``500``, ``503``, ``429``:
no campaign is created) and those where it creates the campaign and then the answer is
lost (``timeout``: the server stalls past the client's timeout; ``reset``: the connection
is cut). The second kind is the real-world ambiguity reconciler must treat as in doubt.
Draws come from one seeded generator in request order, so a run is reproducible.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from enum import StrEnum


class Fault(StrEnum):
    SERVER_ERROR = "500"  # nothing created
    UNAVAILABLE = "503"  # nothing created
    RATE_LIMITED = "429"  # nothing created; Retry-After sent
    TIMEOUT = "timeout"  # created, then no answer until long after the client gave up
    RESET = "reset"  # created, then the connection is reset without an answer

    @property
    def creates(self) -> bool:
        """Whether the server creates the campaign before the fault hits."""
        return self in (Fault.TIMEOUT, Fault.RESET)


ALL_FAULTS: tuple[Fault, ...] = tuple(Fault)
_KNOWN = ", ".join(ALL_FAULTS)


def parse_faults(text: str) -> tuple[Fault, ...]:
    """``"500,429,timeout"`` -> faults; raises ValueError naming an unknown one."""
    faults: list[Fault] = []
    for item in (part.strip().lower() for part in text.split(",")):
        if not item:
            continue
        try:
            faults.append(Fault(item))
        except ValueError:
            raise ValueError(f"unknown fault {item!r}; known: {_KNOWN}") from None
    if not faults:
        raise ValueError(f"no fault named; known: {_KNOWN}")
    return tuple(dict.fromkeys(faults))


class FaultInjector:
    """Draws a fault with probability ``rate`` per create, uniformly among ``kinds``."""

    def __init__(
        self, rate: float, kinds: Sequence[Fault] = ALL_FAULTS, seed: int | None = None
    ) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fail rate must be between 0 and 1, not {rate}")
        if not kinds:
            raise ValueError("at least one fault kind is needed")
        self.rate = rate
        self.kinds = tuple(kinds)
        self._random = random.Random(seed)  # noqa: S311 (test data, not cryptography)
        self._lock = threading.Lock()

    def draw(self) -> Fault | None:
        """The fault for the next create request, or None."""
        with self._lock:
            if self.rate <= 0.0 or self._random.random() >= self.rate:
                return None
            return self._random.choice(self.kinds)


class RateLimit:
    """ContactSwing's request limit: a token bucket of ``per_second`` tokens (a second's
    burst), refilled at ``per_second``; thread-safe, ``clock`` injectable for tests."""

    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic) -> None:
        if per_second <= 0:
            raise ValueError(f"the rate limit must be positive, not {per_second}")
        self.per_second = per_second
        self._clock = clock
        self._tokens = per_second
        self._at = clock()
        self._lock = threading.Lock()

    def admit(self) -> float | None:
        """None when a request may pass; else the seconds until it could (Retry-After)."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.per_second, self._tokens + (now - self._at) * self.per_second)
            self._at = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return None
            return (1.0 - self._tokens) / self.per_second
