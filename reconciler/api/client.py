"""The ContactSwing client: one create request, classified, retried only when safe.

``HttpCampaignAPI`` sends ``POST {base_url}{create_path}`` and classifies the answer
with ``reconciler.api.classify`` (PRODUCT.md section 6). Only a 429 or a connection that
never opened is sent again, with exponential backoff and jitter, honouring Retry-After;
nothing ambiguous is ever repeated. Redirects are not followed.

The token lives in one private attribute and is only ever put into the ``Authorization``
header of a request; every message that leaves this module is scrubbed of it.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Container, Mapping
from dataclasses import replace
from typing import Any

import httpx

from reconciler import __version__
from reconciler.api.base import CreateResult, Outcome
from reconciler.api.classify import (
    MIN_SECRET,
    Verdict,
    classify_exception,
    classify_response,
    scrub,
)
from reconciler.api.defaults import DEFAULT_PHONE_FORMAT, DEFAULT_TIMEOUT
from reconciler.api.limiter import AdaptiveLimiter
from reconciler.api.wire import PHONE_FORMATS, to_wire
from reconciler.masking import Senders
from reconciler.words import count

log = logging.getLogger(__name__)

USER_AGENT = f"reconciler/{__version__}"
DEFAULT_MAX_RETRIES = 4
BACKOFF_BASE = 1.0  # seconds before the first retry (before jitter)
BACKOFF_CAP = 30.0
DEFAULT_TOKEN_HINT = "the environment variable named by token_env"  # noqa: S105 (a name, not a secret)
MAX_RETRY_AFTER = 120.0  # a longer Retry-After fails the create instead of stalling the run


def _not_sent(last: Verdict | None) -> CreateResult:
    """The result of a create the cancel stopped before its next request went out."""
    result = last.result if last is not None else CreateResult(Outcome.FAILED)
    note = f"{'not retried' if last else 'not sent'}: the run was cancelled"
    return replace(result, message=f"{result.message}; {note}" if result.message else note)


class HttpCampaignAPI:
    """``CampaignAPI`` over httpx; thread-safe (one client shared by the executor's workers).

    ``transport`` replaces the network (the sandbox, or ``httpx.MockTransport`` in tests);
    ``sleep`` and ``rng`` are injectable so that tests neither wait nor guess jitter.
    ``token_hint`` names where the token came from (the ``token_env`` variable) for messages.
    ``cancelled`` is asked after each backoff wait: once it says yes, no retry is sent (the
    executor passes its cancel flag, and a ``sleep`` that wakes up on cancel).
    ``limiter`` paces every send of every worker to the server's limit (learnt from 429s).
    """

    def __init__(
        self,
        base_url: str,
        create_path: str,
        token: str,
        *,
        phone_format: str = DEFAULT_PHONE_FORMAT,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        sleep: Callable[[float], object] = time.sleep,
        rng: Callable[[], float] = random.random,
        token_hint: str = DEFAULT_TOKEN_HINT,
        max_retry_after: float = MAX_RETRY_AFTER,
        cancelled: Callable[[], bool] = lambda: False,
        limiter: AdaptiveLimiter | None = None,
    ) -> None:
        if phone_format not in PHONE_FORMATS:
            raise ValueError(f"unknown phone_format {phone_format!r}")
        self._url = base_url.rstrip("/") + "/" + create_path.lstrip("/")
        self._create_path = create_path
        self.__token = token
        self._phone_format = phone_format
        self._max_retries = max(0, max_retries)
        self._sleep = sleep
        self._rng = rng
        self._token_hint = token_hint
        self._max_retry_after = max_retry_after
        self._cancelled = cancelled
        self._limiter = limiter if limiter is not None else AdaptiveLimiter()
        self._client = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
            trust_env=transport is None,
        )

    def __repr__(self) -> str:
        return f"HttpCampaignAPI(url={self._url!r}, phone_format={self._phone_format!r})"

    def create(
        self, body: Mapping[str, Any], *, idempotency_key: str, key: str = ""
    ) -> CreateResult:
        """Send one create; retry only 429 and connections that never opened.

        ``key`` is the campaign's key, for log lines (the idempotency key is a hash that
        tells a person nothing).
        """
        senders = Senders.of(body)  # shown in messages: the business's own numbers
        content = self._encode(body)
        ctx_ids: list[str] = []
        verdict: Verdict | None = None
        wait = 0.0
        for attempt in range(1, self._max_retries + 3):
            paced = self._send_paced(content, idempotency_key, wait)
            if paced is None:  # a retry would be a new request: not after a cancel
                return self._finish(_not_sent(verdict), senders)
            verdict = paced
            if verdict.result.ctx_id:
                ctx_ids.append(verdict.result.ctx_id)
            if not verdict.retry:
                return self._finish(verdict.result, senders)
            backoff = self._wait_before_retry(verdict, attempt)
            if backoff is None:
                break
            wait = backoff
            log.warning(
                "create %s: %s; retrying in %.1fs (attempt %d of %d)",
                key or idempotency_key,
                scrub(verdict.result.message, self.__token, senders),
                wait,
                attempt + 1,
                self._max_retries + 1,
            )
        assert verdict is not None  # the loop ran at least once
        return self._finish(self._give_up(verdict, attempt, ctx_ids), senders)

    def _encode(self, body: Mapping[str, Any]) -> bytes:
        # E.164 is the canonical form: the body is encoded as it is (to_wire's copy of it
        # cost ~110 us per 100-recipient body, on the executor's shared GIL).
        e164 = self._phone_format == "e164" and isinstance(body, dict)
        wire = body if e164 else to_wire(body, self._phone_format)
        return json.dumps(wire, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpCampaignAPI:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _send_paced(self, content: bytes, idempotency_key: str, wait: float) -> Verdict | None:
        """Wait ``wait`` (a retry's backoff) or longer for the shared limiter, send, and
        tell the limiter the answer; None: cancelled while waiting, nothing sent."""
        slot = self._limiter.reserve(after=wait)
        if slot.delay > 0:
            self._sleep(slot.delay)
            if self._cancelled():
                return None
        verdict = self._send_once(content, idempotency_key)
        throttled = verdict.result.http_status == 429
        pause = verdict.retry_after
        if pause is not None and pause > self._max_retry_after:
            pause = None  # this create gives up; the others must not all wait that long
        self._limiter.settle(slot, throttled=throttled, retry_after=pause)
        return verdict

    def _send_once(self, content: bytes, idempotency_key: str) -> Verdict:
        headers = {
            "Authorization": f"Bearer {self.__token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Idempotency-Key": idempotency_key,
        }
        try:
            response = self._client.post(self._url, content=content, headers=headers)
        except Exception as exc:  # classified: anything unexpected is in doubt
            verdict = classify_exception(exc)
            log.debug("POST %s raised %s", self._url, type(exc).__name__)
            return verdict
        log.debug("POST %s -> HTTP %d", self._url, response.status_code)
        return classify_response(
            response.status_code,
            response.headers,
            response.content,
            create_path=self._create_path,
            token_hint=self._token_hint,
        )

    def _wait_before_retry(self, verdict: Verdict, attempt: int) -> float | None:
        """Seconds to wait before the next attempt, or None to give up."""
        if attempt > self._max_retries:
            return None
        if verdict.retry_after is not None:
            return verdict.retry_after if verdict.retry_after <= self._max_retry_after else None
        ceiling: float = min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** (attempt - 1))
        return ceiling / 2 + self._rng() * ceiling / 2  # "equal jitter": never near zero

    def _give_up(self, verdict: Verdict, attempts: int, ctx_ids: list[str]) -> CreateResult:
        result = verdict.result
        message = f"{result.message}; gave up after {count(attempts, 'attempt')}"
        if verdict.retry_after is not None and verdict.retry_after > self._max_retry_after:
            message += (
                f" (ContactSwing asked to wait {verdict.retry_after:.0f}s, longer than the "
                f"{self._max_retry_after:.0f}s reconciler waits)"
            )
        earlier = ctx_ids[:-1] if result.ctx_id else ctx_ids
        if earlier:
            message += f" (earlier ctx_ids: {', '.join(earlier)})"
        return replace(result, message=message)

    def _finish(self, result: CreateResult, senders: Container[str]) -> CreateResult:
        """Every result leaves through here: scrubbed of the token and recipients' numbers."""
        token = self.__token

        def plain(value: str | None) -> str | None:
            return value.replace(token, "***") if value and len(token) >= MIN_SECRET else value

        return replace(
            result,
            message=scrub(result.message, token, senders),
            ctx_id=plain(result.ctx_id),
            campaign_id=plain(result.campaign_id),
        )
