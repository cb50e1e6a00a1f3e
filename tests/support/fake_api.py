"""A scripted ``CampaignAPI`` that also plays the server's memory.

Each call is identified by the body's ``name`` (tests name campaigns after their keys).
At call time it checks that the store already holds a pending attempt for the key (the
intent is durable before the request); a violation is kept in ``violations``. The
``server`` dict is what ContactSwing would hold: every campaign it really created, which
may include in-doubt ones (a timeout after the server acted).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.api.base import CreateResult, Outcome
from reconciler.state.base import AttemptStatus
from tests.support.fake_state import FakeStateStore


@dataclass(frozen=True)
class Step:
    """One scripted answer; ``server_created`` says whether the server really made it."""

    result: CreateResult
    server_created: bool


def created() -> Step:
    return Step(CreateResult(Outcome.CREATED, 201, campaign_id="", ctx_id="ctx"), True)


def failed(status: int = 400, *, stop_run: bool = False, message: str = "bad input") -> Step:
    return Step(CreateResult(Outcome.FAILED, status, message=message, stop_run=stop_run), False)


def in_doubt(*, server_created: bool, status: int | None = None) -> Step:
    return Step(CreateResult(Outcome.IN_DOUBT, status, message="timed out"), server_created)


class FakeCampaignAPI:
    """Answers creates from a script (per key, in order), else ``default()``."""

    def __init__(
        self,
        store: FakeStateStore | None = None,
        script: Mapping[str, list[Step]] | None = None,
        default: Callable[[str], Step] = lambda key: created(),
    ) -> None:
        self.store = store
        self.script = {k: list(v) for k, v in (script or {}).items()}
        self.default = default
        self.calls: list[tuple[str, dict[str, Any], str]] = []
        self.keys_given: list[str] = []  # the ``key`` argument of each call, for log lines
        self.server: dict[str, list[str]] = {}
        self.violations: list[str] = []
        self.gate: threading.Event | None = None  # when set, calls wait for it
        self.entered = threading.Semaphore(0)  # released as each call starts
        self.on_call: Callable[[str], None] | None = None
        self.max_concurrent = 0
        self._current = 0
        self._ids = itertools.count(1)
        self._mutex = threading.Lock()

    def _check_intent(self, key: str) -> None:
        if self.store is None:
            return
        pending = [a for a in self.store.pending(key) if a.status is AttemptStatus.PENDING]
        if not pending:
            self.violations.append(f"{key}: sent without a recorded intent")

    def create(
        self, body: Mapping[str, Any], *, idempotency_key: str, key: str = ""
    ) -> CreateResult:
        given, key = key, str(body["name"])
        self._check_intent(key)
        with self._mutex:
            self.keys_given.append(given)
            self.calls.append((key, dict(body), idempotency_key))
            self._current += 1
            self.max_concurrent = max(self.max_concurrent, self._current)
            steps = self.script.get(key)
            step = steps.pop(0) if steps else self.default(key)
        self.entered.release()
        try:
            if self.gate is not None:
                self.gate.wait(timeout=30)
            if self.on_call is not None:
                self.on_call(key)
            return self._answer(key, step)
        finally:
            with self._mutex:
                self._current -= 1

    def _answer(self, key: str, step: Step) -> CreateResult:
        result = step.result
        if step.server_created:
            campaign_id = f"cmp-{next(self._ids)}"
            with self._mutex:
                self.server.setdefault(key, []).append(campaign_id)
            if result.outcome is Outcome.CREATED:
                return CreateResult(
                    Outcome.CREATED, result.http_status, campaign_id, result.ctx_id, result.message
                )
        return result

    def duplicates(self) -> dict[str, list[str]]:
        """Keys the server holds more than once: the failure that must never happen."""
        return {k: ids for k, ids in self.server.items() if len(ids) > 1}

    def close(self) -> None:
        return None
