"""Pure classification of one create request's answer (PRODUCT.md section 6).

Given an HTTP status and body, or the exception a request raised, say what it came to:
created, failed (the server created nothing) or in doubt (nobody knows), and whether it
is safe to send again. Only answers that prove the server acted on nothing are retried:
429 and a connection that never opened. Everything ambiguous is in doubt and is never
sent again on its own, because a duplicate campaign messages every customer twice.
"""

from __future__ import annotations

import json
from collections.abc import Container, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from reconciler.api.base import CreateResult, Outcome
from reconciler.masking import NO_SENDERS, mask_text

MAX_MESSAGE = 300
MIN_SECRET = 8


@dataclass(frozen=True)
class Verdict:
    """A classified answer; ``retry`` only when the server acted on nothing."""

    result: CreateResult
    retry: bool = False
    retry_after: float | None = None


def scrub(text: str, secret: str | None, senders: Container[str] = NO_SENDERS) -> str:
    """``text`` safe to show: the secret replaced, recipients' numbers masked.

    ``senders`` (digits of the body's ``from_numbers``) are the business's own: shown.

    A secret shorter than ``MIN_SECRET`` is not replaced: it would match inside ordinary
    words and garble messages, and such a token is no real JWT anyway.
    """
    if secret and len(secret) >= MIN_SECRET:
        # Also the forms a secret takes inside a repr or after stripping.
        for form in {secret, secret.strip(), repr(secret)[1:-1]}:
            if len(form) >= MIN_SECRET:
                text = text.replace(form, "***")
    return mask_text(text, senders=senders)


def _truncate(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _json(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return None


def ctx_id_of(payload: Any) -> str | None:
    """ContactSwing's request context id from a JSON answer, if any."""
    if isinstance(payload, dict) and isinstance(payload.get("ctx_id"), str | int):
        return str(payload["ctx_id"])
    return None


def _detail_item(item: Any) -> str:
    # FastAPI validation errors: {"loc": [...], "msg": ..., "input": ...}; "input" may
    # echo phone numbers, so only the location and message are kept.
    if isinstance(item, dict) and "msg" in item:
        loc = [str(p) for p in item.get("loc", []) if p != "body"]
        return f"{'.'.join(loc)}: {item['msg']}" if loc else str(item["msg"])
    return json.dumps(item, ensure_ascii=False) if not isinstance(item, str) else item


def api_message(content: bytes, payload: Any) -> str:
    """The API's own words: FastAPI ``detail``, a ``message``, or the body text."""
    if isinstance(payload, dict):
        for key in ("detail", "message", "error"):
            value = payload.get(key)
            if isinstance(value, list):
                return _truncate("; ".join(_detail_item(v) for v in value))
            if value:
                return _truncate(_detail_item(value))
    return _truncate(content.decode("utf-8", errors="replace"))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _with_ctx(message: str, ctx_id: str | None) -> str:
    return f"{message} (ctx_id {ctx_id})" if ctx_id else message


def _created(status: int, payload: Any, ctx_id: str | None) -> Verdict:
    data = payload.get("data") if isinstance(payload, dict) else None
    campaign_id = data.get("id") if isinstance(data, dict) else None
    usable = isinstance(campaign_id, str | int) and not isinstance(campaign_id, bool)
    if usable and str(campaign_id).strip():
        return Verdict(CreateResult(Outcome.CREATED, status, str(campaign_id), ctx_id, "created"))
    message = (
        f"ContactSwing answered HTTP {status} without a campaign id; "
        "it may have created the campaign"
    )
    return _in_doubt(status, message, ctx_id)


def _failed(
    status: int | None, message: str, ctx_id: str | None, *, stop_run: bool = False
) -> Verdict:
    """A FAILED answer: the server created nothing (the message names ``ctx_id``)."""
    return Verdict(
        CreateResult(Outcome.FAILED, status, None, ctx_id, _with_ctx(message, ctx_id), stop_run)
    )


def _in_doubt(status: int | None, message: str, ctx_id: str | None) -> Verdict:
    """An IN_DOUBT answer: the server may have created the campaign."""
    return Verdict(CreateResult(Outcome.IN_DOUBT, status, None, ctx_id, _with_ctx(message, ctx_id)))


def _wrong_setting(status: int, create_path: str, token_hint: str) -> str | None:
    """Why no further request can succeed (a bad token, a wrong create_path), or None."""
    if status in (401, 403):
        return (
            f"ContactSwing refused the token (HTTP {status}): the token in {token_hint} is bad "
            "or expired; nothing else is sent in this run"
        )
    if status in (404, 405):
        return (
            f"ContactSwing answered HTTP {status} for POST {create_path}: check the environment's "
            "create_path setting (the API's pages also show /v2/_campaign/create_with_touchpoint); "
            "nothing else is sent in this run"
        )
    return None


def classify_response(
    status: int,
    headers: Mapping[str, str],
    content: bytes,
    *,
    create_path: str,
    token_hint: str,
) -> Verdict:
    """Classify an HTTP answer to a create request (``headers`` looked up lower-case)."""
    payload = _json(content)
    ctx = ctx_id_of(payload)
    if 200 <= status < 300:
        return _created(status, payload, ctx)
    if 300 <= status < 400:
        where = headers.get("location", "")
        message = (
            f"ContactSwing answered HTTP {status} (a redirect{' to ' + where if where else ''}, "
            "not followed); whether it created the campaign is unknown; check api_url"
        )
        return _in_doubt(status, message, ctx)
    if (wrong := _wrong_setting(status, create_path, token_hint)) is not None:
        return _failed(status, wrong, ctx, stop_run=True)
    said = api_message(content, payload)
    if status == 429:
        message = f"rate limited by ContactSwing (HTTP 429): {said}"
        wait = parse_retry_after(headers.get("retry-after"))
        return Verdict(_failed(status, message, ctx).result, retry=True, retry_after=wait)
    if 400 <= status < 500:
        return _failed(status, f"ContactSwing rejected the campaign (HTTP {status}): {said}", ctx)
    message = f"ContactSwing answered HTTP {status}: {said}; it may have created the campaign"
    return _in_doubt(status, message, ctx)


def classify_exception(exc: Exception) -> Verdict:
    """Classify an exception raised while sending a create request.

    Connect errors and connect/pool timeouts happen before a byte of the request is
    sent, so they are retried. A bad URL stops the run. Everything else (read or write
    timeout, reset, protocol error, anything unexpected) happened after the request may
    have reached the server: in doubt.
    """
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.LocalProtocolError | UnicodeError):
        # Raised while building the request, before a byte is sent. Its text quotes the
        # offending header, which may be the Authorization header: show the type only.
        message = (
            f"the request could not be built ({type(exc).__name__}); nothing was sent; "
            "check the token and api_url settings"
        )
        return _failed(None, message, None, stop_run=True)
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        message = f"api_url is not a usable http(s) URL: {detail}"
        return _failed(None, message, None, stop_run=True)
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        message = f"could not connect to ContactSwing ({type(exc).__name__}: {detail})"
        return Verdict(_failed(None, message, None).result, retry=True)
    if isinstance(exc, httpx.TimeoutException):
        what = "no answer in time"
    elif isinstance(exc, httpx.TransportError):
        what = "the connection broke"
    else:
        what = "an unexpected error"
    message = (
        f"{what} after the request was sent ({type(exc).__name__}: {detail}); "
        "ContactSwing may have created the campaign"
    )
    return _in_doubt(None, message, None)
