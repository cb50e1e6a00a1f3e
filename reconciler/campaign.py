"""The desired campaign: what loading a spec produces and what the planner consumes.

A ``DesiredCampaign`` is a plain value. Its ``body`` is the API body in canonical
form (phone numbers in E.164, whatever ``phone_format`` will send), so that its
fingerprint changes only when what ContactSwing would receive changes. The body is
kept as its canonical JSON text (``body_json``), the exact bytes its fingerprint
hashes: 10,000 campaigns of 100 recipients held as dicts took ~320 bytes per
recipient, as text ~60 (benchmarks/RESULTS.md), and text crosses processes cheaply.
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
    return json_fingerprint(canonical_json(body))


def json_fingerprint(body_json: str) -> str:
    """``fingerprint`` of a body given as its canonical JSON text."""
    return hashlib.sha256(body_json.encode("utf-8")).hexdigest()


@dataclass(frozen=True, init=False)
class DesiredCampaign:
    """One rendered, validated campaign spec, ready to plan.

    Attributes:
        key: identity in the state.
        previous_keys: keys this campaign had before a rename; a record under one of
            them follows the campaign instead of being re-created.
        body: the API body, canonical (E.164 numbers), JSON-compatible: a new dict
            decoded from ``body_json`` on each access. Given at construction (as a
            mapping or as ``body_json``), or loaded once on first use by ``load_body``
            (a campaign built from the validation cache, ``reconciler.specs.cache``, has
            no body until a create or a diff needs it).
        body_json: ``canonical_json(body)``; loaded on first use like ``body``.
        fingerprint: ``fingerprint(body)``.
        source_fingerprint: SHA-256 over the spec file's text and every file it read
            (CSV, imports); the same in every environment when the sources are.
        location: the spec file and the line of the document.
        source_files: project-relative paths of every file the spec read, itself first.
        field_lines: source line (in ``location.file``) of the few fields that later
            layers report on, by dotted path (``touchpoint.start_at``); see ``location_of``.
        name, recipients, start_at, ignore_suppression: taken from the body, stored so
            that planning never needs the body itself.
        environments: the spec's ``environments`` (the only ones it exists in); () for all.
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
    environments: tuple[str, ...]
    stored_json: str | None = field(compare=False, repr=False)
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
        environments: tuple[str, ...] = (),
        body_json: str | None = None,
        load_body: Callable[[], Mapping[str, Any]] | None = None,
        stored_json: str | None = None,  # the field's own name, for dataclasses.replace
    ) -> None:
        body_json = body_json if body_json is not None else stored_json
        if body is None and body_json is None and load_body is None:
            raise TypeError("DesiredCampaign needs a body, a body_json or a load_body")
        if body_json is None and body is not None:
            body_json = canonical_json(body)
        summary: dict[str, Any] = {}
        given = (name, recipients, start_at, ignore_suppression)
        if any(v is None for v in given) and (body is not None or body_json is not None):
            summary = _summary(body if body is not None else json.loads(body_json or "{}"))
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
            "environments": tuple(environments),
            "stored_json": body_json,
            "load_body": load_body,
        }
        for attr, value in values.items():
            object.__setattr__(self, attr, value)

    @property
    def body_json(self) -> str:
        """The body's canonical JSON; loaded (once) when the campaign was built without it."""
        if self.stored_json is None:
            assert self.load_body is not None  # __init__ requires one of the three
            object.__setattr__(self, "stored_json", canonical_json(self.load_body()))
        assert self.stored_json is not None
        return self.stored_json

    @property
    def body(self) -> dict[str, Any]:
        """The API body, decoded afresh from ``body_json`` (callers may keep or change it)."""
        body: dict[str, Any] = json.loads(self.body_json)
        return body

    @property
    def has_body(self) -> bool:
        """Whether the body is in hand (False until a lazily loaded body is first used)."""
        return self.stored_json is not None

    def location_of(self, field_path: str) -> SourceLocation:
        """Where ``field_path`` was written; the spec's own location when not recorded."""
        line = self.field_lines.get(field_path)
        return self.location if line is None else SourceLocation(self.location.file, line)


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
