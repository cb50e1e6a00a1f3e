"""Conversions between table rows, plain dicts (the fallback journal) and base.py values."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from reconciler.state.base import Attempt, AttemptStatus, RecordedCampaign

# The columns of ``attempts`` (all but ``id``) and of ``campaigns``: the values' fields.
ATTEMPT_FIELDS = tuple(name for name in Attempt.__dataclass_fields__ if name != "id")
CAMPAIGN_FIELDS = tuple(RecordedCampaign.__dataclass_fields__)
CHUNK = 500  # keys or ids per IN (...): well under every database's bound-parameter limit
T = TypeVar("T")


def chunks(values: Sequence[T]) -> Iterator[list[T]]:
    """``values`` a ``CHUNK`` at a time, for queries that name them in IN (...)."""
    for start in range(0, len(values), CHUNK):
        yield list(values[start : start + CHUNK])


def utc(value: datetime | str) -> datetime:
    """A timezone-aware UTC datetime (SQLite hands back naive ones, or the stored text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _json(value: Any) -> Any:
    """A JSON column's value; the stdlib SQLite driver hands back the stored text."""
    return json.loads(value) if isinstance(value, str) else value


def now() -> datetime:
    return datetime.now(UTC)


def attempt_from_row(row: Mapping[Any, Any]) -> Attempt:
    """An ``Attempt`` from a row of ``attempts``."""
    values = {name: row[name] for name in ("id", *ATTEMPT_FIELDS)}
    values["status"] = AttemptStatus(values["status"])
    values["body"] = _json(values["body"])
    values["started_at"] = utc(values["started_at"])
    if values["finished_at"] is not None:
        values["finished_at"] = utc(values["finished_at"])
    values["run_id"] = values["run_id"] or ""
    return Attempt(**values)


def attempt_values(attempt: Attempt, *, with_body: bool = True) -> dict[str, Any]:
    """The column values of an attempt, without its id (nor its body: ``with_body=False``)."""
    values = {name: getattr(attempt, name) for name in ATTEMPT_FIELDS}
    values["status"] = str(attempt.status)
    if with_body:
        values["body"] = dict(attempt.body) if attempt.body is not None else None
    else:
        del values["body"]
    values["started_at"] = utc(attempt.started_at)
    values["finished_at"] = utc(attempt.finished_at) if attempt.finished_at else None
    return values


def campaign_from_row(row: Mapping[Any, Any]) -> RecordedCampaign:
    """A ``RecordedCampaign`` from a row of ``campaigns`` (body None when not selected)."""
    return RecordedCampaign(
        key=row["key"],
        campaign_id=row["campaign_id"],
        name=row["name"],
        fingerprint=row["fingerprint"],
        source_fingerprint=row["source_fingerprint"],
        body=_json(row["body"]) if "body" in row.keys() else None,  # noqa: SIM118 (sqlite3.Row)
        ctx_id=row["ctx_id"],
        created_by=row["created_by"],
        created_at=utc(row["created_at"]),
    )


def campaign_values(record: RecordedCampaign) -> dict[str, Any]:
    """The column values of a campaign record."""
    values = {name: getattr(record, name) for name in CAMPAIGN_FIELDS}
    return values | {"body": dict(record.loaded_body()), "created_at": utc(record.created_at)}


def to_json_dict(values: Mapping[str, Any]) -> dict[str, Any]:
    """Values with datetimes as ISO 8601 text, for JSON files."""
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


def attempt_to_json(attempt: Attempt) -> dict[str, Any]:
    """An attempt as a JSON object (id included)."""
    return to_json_dict({"id": attempt.id, **attempt_values(attempt)})


def attempt_from_json(data: Mapping[str, Any]) -> Attempt:
    """The inverse of ``attempt_to_json``."""
    return attempt_from_row({"run_id": "", **data})  # times as ISO text: ``utc`` reads them
