"""Factories for the planner's value types: a valid default, any field overridable."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from reconciler.campaign import DesiredCampaign, fingerprint
from reconciler.errors import SourceLocation
from reconciler.state.base import Attempt, AttemptStatus, RecordedCampaign, Recorder, StateSnapshot
from tests.support.bodies import derive

NOW = datetime(2027, 10, 1, 12, 0, tzinfo=UTC)
CREATED_AT = datetime(2027, 9, 1, 9, 30, tzinfo=UTC)

BASE_BODY: dict[str, Any] = derive()


def make_body(
    *,
    name: str | None = None,
    start_at: str | None = None,
    recipients: int | None = None,
    ignore_suppression: bool | None = None,
    **top: Any,
) -> dict[str, Any]:
    """A valid API body; the keyword arguments change the usual fields."""
    body = copy.deepcopy(BASE_BODY)
    tp = body["touchpoint"]
    if name is not None:
        body["name"] = name
    if start_at is not None:
        tp["start_at"] = start_at
    if recipients is not None:
        tp["customer_details"] = [
            {"id": f"c{i}", "to_number": f"+9198{i:08d}"} for i in range(1, recipients + 1)
        ]
    if ignore_suppression is not None:
        tp["additional_settings"]["ignore_suppression"] = ignore_suppression
    body.update(top)
    return body


def make_desired(
    key: str = "diwali-vip",
    *,
    body: Mapping[str, Any] | None = None,
    source_fingerprint: str | None = None,
    previous_keys: Sequence[str] = (),
    file: str | None = None,
    line: int = 1,
    **body_overrides: Any,
) -> DesiredCampaign:
    """A DesiredCampaign with a consistent fingerprint; ``body_overrides`` go to make_body."""
    the_body = dict(body) if body is not None else make_body(**body_overrides)
    return DesiredCampaign.from_body(
        key,
        the_body,
        fingerprint=fingerprint(the_body),
        source_fingerprint=source_fingerprint or f"src-{key}",
        location=SourceLocation(file or f"campaigns/{key}.yaml", line),
        previous_keys=tuple(previous_keys),
        source_files=(file or f"campaigns/{key}.yaml",),
    )


def make_record(
    key: str = "diwali-vip",
    *,
    desired: DesiredCampaign | None = None,
    **overrides: Any,
) -> RecordedCampaign:
    """A RecordedCampaign; by default the record of ``desired`` (or of make_desired(key))."""
    d = desired or make_desired(key)
    fields: dict[str, Any] = {
        "key": key,
        "campaign_id": f"cmp-{key}",
        "name": d.name,
        "fingerprint": d.fingerprint,
        "source_fingerprint": d.source_fingerprint,
        "body": d.body,
        "ctx_id": f"ctx-{key}",
        "created_by": "ci",
        "created_at": CREATED_AT,
    }
    fields.update(overrides)
    return RecordedCampaign(**fields)


def make_attempt(
    key: str = "diwali-vip",
    *,
    status: AttemptStatus = AttemptStatus.IN_DOUBT,
    **overrides: Any,
) -> Attempt:
    """A create attempt of ``key`` (in doubt unless told)."""
    d = make_desired(key)
    fields: dict[str, Any] = {
        "id": 7,
        "key": key,
        "kind": "create",
        "status": status,
        "fingerprint": d.fingerprint,
        "source_fingerprint": d.source_fingerprint,
        "body": d.body,
        "idempotency_key": "idem",
        "started_at": CREATED_AT,
    }
    fields.update(overrides)
    return Attempt(**fields)


def make_snapshot(
    environment: str = "dev",
    *,
    records: Sequence[RecordedCampaign] = (),
    in_doubt: Sequence[Attempt] = (),
    failures: Sequence[Attempt] = (),
    lineage: str | None = "lin-1",
    serial: int = 3,
    exists: bool = True,
) -> StateSnapshot:
    """A StateSnapshot holding the given records and attempts."""
    return StateSnapshot(
        environment=environment,
        exists=exists,
        lineage=lineage if exists else None,
        serial=serial if exists else 0,
        api_url="sandbox",
        campaigns={r.key: r for r in records},
        in_doubt={a.key: a for a in in_doubt},
        last_failures={a.key: a for a in failures},
    )


def record_intents(recorder: Recorder, intents: Sequence[Attempt]) -> Sequence[Attempt]:
    """Record pending attempts in one step (no outcomes); returns them with their ids."""
    return recorder.record_step((), intents)


def record_outcome(recorder: Recorder, attempt: Attempt) -> None:
    """Record one attempt's outcome in one step (the campaign too when it was created)."""
    recorder.record_step([attempt], ())
