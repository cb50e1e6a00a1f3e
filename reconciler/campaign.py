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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reconciler.errors import SourceLocation

# Fields whose source lines a campaign keeps (``DesiredCampaign.field_lines``): the later
# layers report on them.
START_FIELD = "touchpoint.start_at"
SUPPRESSION_FIELD = "touchpoint.additional_settings.ignore_suppression"
RECIPIENTS_FIELD = "touchpoint.customer_details"
CSV_RECIPIENTS_FIELD = "touchpoint.customer_details_csv"


def format_path(path: Sequence[str | int]) -> str:
    """The dotted path users read: ``("touchpoint", "customer_details", 1, "to_number")``
    -> ``touchpoint.customer_details[1].to_number`` (here, not beside the models: a spec
    loaded from the cache names its fields without importing pydantic)."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no insignificant whitespace, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(body: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of an API body."""
    return json_fingerprint(canonical_json(body))


def json_fingerprint(body_json: str) -> str:
    """``fingerprint`` of a body given as its canonical JSON text."""
    return hashlib.sha256(body_json.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class DesiredCampaign:
    """One rendered, validated campaign spec, ready to plan.

    Attributes:
        key: identity in the state.
        fingerprint: ``fingerprint(body)``.
        source_fingerprint: SHA-256 over the spec file's text and every file it read
            (CSV, imports); the same in every environment when the sources are.
        location: the spec file and the line of the document.
        name, recipients, start_at, ignore_suppression: taken from the body, stored so
            that planning never needs the body itself.
        body_json: ``canonical_json(body)``; None for a campaign taken from the validation
            cache (``reconciler.specs.cache``): planning needs no body, and the shell
            loads the few it sends or shows (``reconciler.specs.bodies.load_bodies``).
        previous_keys: keys this campaign had before a rename; a record under one of
            them follows the campaign instead of being re-created.
        source_files: project-relative paths of every file the spec read, itself first.
        field_lines: source line (in ``location.file``) of the few fields that later
            layers report on, by dotted path (``touchpoint.start_at``); see ``location_of``.
        environments: the spec's ``environments`` (the only ones it exists in); () for all.
    """

    key: str
    fingerprint: str
    source_fingerprint: str
    location: SourceLocation
    name: str
    recipients: int
    start_at: str
    ignore_suppression: bool
    body_json: str | None = field(default=None, compare=False, repr=False)
    previous_keys: tuple[str, ...] = ()
    source_files: tuple[str, ...] = ()
    field_lines: Mapping[str, int] = field(default_factory=dict)
    environments: tuple[str, ...] = ()

    @classmethod
    def from_body(
        cls,
        key: str,
        body: Mapping[str, Any],
        *,
        fingerprint: str = "",
        source_fingerprint: str = "",
        location: SourceLocation | None = None,
        body_json: str | None = None,
        **more: Any,
    ) -> DesiredCampaign:
        """A campaign holding ``body`` (``body_json``: its canonical JSON, when at hand).

        ``more``: ``previous_keys``, ``source_files``, ``field_lines``, ``environments``.
        """
        return cls(
            key,
            fingerprint,
            source_fingerprint,
            location if location is not None else SourceLocation(""),
            **_summary(body),
            body_json=canonical_json(body) if body_json is None else body_json,
            **more,
        )

    @property
    def body(self) -> dict[str, Any]:
        """The API body, decoded afresh from ``body_json`` (callers may keep or change it)."""
        if self.body_json is None:
            raise ValueError(f"campaign {self.key!r}: its body was not loaded")
        body: dict[str, Any] = json.loads(self.body_json)
        return body

    @property
    def has_body(self) -> bool:
        """Whether the body is in hand (False for a campaign taken from the cache)."""
        return self.body_json is not None

    def location_of(self, field_path: str) -> SourceLocation:
        """Where ``field_path`` was written; the spec's own location when not recorded."""
        line = self.field_lines.get(field_path)
        return self.location if line is None else SourceLocation(self.location.file, line)

    def recipients_field(self) -> tuple[SourceLocation, str]:
        """Where the recipients are written, and that field's path.

        Recipients read from a CSV are reported at the spec's customer_details_csv line.
        """
        csv = CSV_RECIPIENTS_FIELD in self.field_lines
        field_path = CSV_RECIPIENTS_FIELD if csv else RECIPIENTS_FIELD
        return self.location_of(field_path), field_path


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
