"""The desired campaign: what loading a spec produces and what the planner consumes.

A ``DesiredCampaign`` is a plain value. Its ``body`` is the API body in canonical
form (phone numbers in E.164, whatever ``phone_format`` will send), so that its
fingerprint changes only when what ContactSwing would receive changes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.errors import SourceLocation


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no insignificant whitespace, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(body: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of an API body."""
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class DesiredCampaign:
    """One rendered, validated campaign spec, ready to plan.

    Attributes:
        key: identity in the state.
        previous_keys: keys this campaign had before a rename; a record under one of
            them follows the campaign instead of being re-created.
        body: the API body, canonical (E.164 numbers), JSON-compatible.
        fingerprint: ``fingerprint(body)``.
        source_fingerprint: SHA-256 over the spec file's text and every file it read
            (CSV, imports); the same in every environment when the sources are.
        location: the spec file and the line of the document.
        source_files: project-relative paths of every file the spec read, itself first.
        field_lines: source line (in ``location.file``) of the few fields that later
            layers report on, by dotted path (``touchpoint.start_at``); see ``location_of``.
    """

    key: str
    body: Mapping[str, Any]
    fingerprint: str
    source_fingerprint: str
    location: SourceLocation
    previous_keys: tuple[str, ...] = ()
    source_files: tuple[str, ...] = field(default=())
    field_lines: Mapping[str, int] = field(default_factory=dict)

    def location_of(self, field_path: str) -> SourceLocation:
        """Where ``field_path`` was written; the spec's own location when not recorded."""
        line = self.field_lines.get(field_path)
        return self.location if line is None else SourceLocation(self.location.file, line)

    @property
    def name(self) -> str:
        return str(self.body.get("name", ""))

    @property
    def touchpoint(self) -> Mapping[str, Any]:
        tp = self.body.get("touchpoint", {})
        return tp if isinstance(tp, Mapping) else {}

    @property
    def recipients(self) -> int:
        details = self.touchpoint.get("customer_details", [])
        return len(details) if isinstance(details, list) else 0

    @property
    def start_at(self) -> str:
        return str(self.touchpoint.get("start_at", ""))

    @property
    def ignore_suppression(self) -> bool:
        settings = self.touchpoint.get("additional_settings", {})
        return bool(isinstance(settings, Mapping) and settings.get("ignore_suppression"))
