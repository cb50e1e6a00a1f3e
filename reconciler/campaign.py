"""The desired campaign: what loading a spec produces and what the planner consumes.

A ``DesiredCampaign`` is a plain value. Its ``body`` is the API body in canonical
form (phone numbers in E.164, whatever ``phone_format`` will send), so that its
fingerprint changes only when what ContactSwing would receive changes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.errors import SourceLocation


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no insignificant whitespace, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(body: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of an API body."""
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


@dataclass(frozen=True, init=False)
class DesiredCampaign:
    """One rendered, validated campaign spec, ready to plan.

    Attributes:
        key: identity in the state.
        previous_keys: keys this campaign had before a rename; a record under one of
            them follows the campaign instead of being re-created.
        body: the API body, canonical (E.164 numbers), JSON-compatible. Given at
            construction, or loaded once on first use by ``load_body`` (a campaign built
            from the validation cache, ``reconciler.specs.cache``, has no body until a
            create or a diff needs it).
        fingerprint: ``fingerprint(body)``.
        source_fingerprint: SHA-256 over the spec file's text and every file it read
            (CSV, imports); the same in every environment when the sources are.
        location: the spec file and the line of the document.
        source_files: project-relative paths of every file the spec read, itself first.
        field_lines: source line (in ``location.file``) of the few fields that later
            layers report on, by dotted path (``touchpoint.start_at``); see ``location_of``.
        name, recipients, start_at, ignore_suppression: taken from the body, stored so
            that planning never needs the body itself.
    """

    key: str
    fingerprint: str
    source_fingerprint: str
    location: SourceLocation
    previous_keys: tuple[str, ...]
    source_files: tuple[str, ...]
    field_lines: Mapping[str, int]
    name: str
    recipients: int
    start_at: str
    ignore_suppression: bool
    stored_body: Mapping[str, Any] | None = field(compare=False, repr=False)
    load_body: Callable[[], Mapping[str, Any]] | None = field(compare=False, repr=False)

    def __init__(
        self,
        key: str,
        body: Mapping[str, Any] | None = None,
        fingerprint: str = "",
        source_fingerprint: str = "",
        location: SourceLocation | None = None,
        previous_keys: tuple[str, ...] = (),
        source_files: tuple[str, ...] = (),
        field_lines: Mapping[str, int] | None = None,
        *,
        name: str | None = None,
        recipients: int | None = None,
        start_at: str | None = None,
        ignore_suppression: bool | None = None,
        stored_body: Mapping[str, Any] | None = None,
        load_body: Callable[[], Mapping[str, Any]] | None = None,
    ) -> None:
        body = body if body is not None else stored_body
        if body is None and load_body is None:
            raise TypeError("DesiredCampaign needs a body or a load_body")
        summary = _summary(body) if body is not None else {}
        values: dict[str, Any] = {
            "key": key,
            "fingerprint": fingerprint,
            "source_fingerprint": source_fingerprint,
            "location": location if location is not None else SourceLocation(""),
            "previous_keys": tuple(previous_keys),
            "source_files": tuple(source_files),
            "field_lines": dict(field_lines or {}),
            "name": summary.get("name", "") if name is None else name,
            "recipients": summary.get("recipients", 0) if recipients is None else recipients,
            "start_at": summary.get("start_at", "") if start_at is None else start_at,
            "ignore_suppression": summary.get("ignore_suppression", False)
            if ignore_suppression is None
            else ignore_suppression,
            "stored_body": body,
            "load_body": load_body,
        }
        for attr, value in values.items():
            object.__setattr__(self, attr, value)

    @property
    def body(self) -> Mapping[str, Any]:
        """The API body; loaded (once) when the campaign was built without it."""
        if self.stored_body is None:
            assert self.load_body is not None  # __init__ requires one of the two
            object.__setattr__(self, "stored_body", self.load_body())
        assert self.stored_body is not None
        return self.stored_body

    def location_of(self, field_path: str) -> SourceLocation:
        """Where ``field_path`` was written; the spec's own location when not recorded."""
        line = self.field_lines.get(field_path)
        return self.location if line is None else SourceLocation(self.location.file, line)

    @property
    def touchpoint(self) -> Mapping[str, Any]:
        tp = self.body.get("touchpoint", {})
        return tp if isinstance(tp, Mapping) else {}


def _summary(body: Mapping[str, Any]) -> dict[str, Any]:
    """The fields planning reads, taken from an API body."""
    tp = body.get("touchpoint", {})
    tp = tp if isinstance(tp, Mapping) else {}
    details = tp.get("customer_details", [])
    settings = tp.get("additional_settings", {})
    return {
        "name": str(body.get("name", "")),
        "recipients": len(details) if isinstance(details, list) else 0,
        "start_at": str(tp.get("start_at", "")),
        "ignore_suppression": bool(
            isinstance(settings, Mapping) and settings.get("ignore_suppression")
        ),
    }
