"""The bodies of campaigns taken from the validation cache, loaded when the shell asks.

A campaign from the cache (``reconciler.specs.cache``) holds no body: planning needs
none. The few that a command sends or shows are loaded here, explicitly, by rendering
their spec files again; apply does it before it takes the lock.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.campaign import DesiredCampaign
from reconciler.config import Project
from reconciler.errors import Diagnostic, SourceLocation, ValidationFailed
from reconciler.specs.render import make_environment
from reconciler.specs.spec_file import SpecFile


@dataclass(frozen=True)
class BodySource:
    """What a load rendered its specs with: the project and the template context."""

    project: Project
    context: Mapping[str, Any]


def load_bodies(
    source: BodySource | None, campaigns: Sequence[DesiredCampaign], keys: Collection[str]
) -> list[DesiredCampaign]:
    """``campaigns``, those of ``keys`` with their bodies (ValidationFailed if one changed).

    A body is handed out only if it still has the fingerprint that was planned.
    """
    files = {c.location.file for c in campaigns if c.key in keys and not c.has_body}
    if not files:
        return list(campaigns)
    assert source is not None  # campaigns without a body come from a load, with its source
    fresh: dict[str, DesiredCampaign] = {}
    for rel in sorted(files):
        fresh.update((c.key, c) for c in _load_file(source, rel))
    return [
        _with_body(c, fresh.get(c.key)) if c.key in keys and not c.has_body else c
        for c in campaigns
    ]


def _load_file(source: BodySource, rel: str) -> list[DesiredCampaign]:
    """The campaigns of one spec file, loaded in full (ValidationFailed if it now fails)."""
    project = source.project
    spec_file = SpecFile(
        project, project.root / rel, source.context, make_environment(project.root)
    )
    try:
        spec_file.load()
    except OSError as exc:  # removed or unreadable since it was planned
        message = f"the spec file can no longer be read ({exc.strerror or exc})"
        hint = "it changed while reconciler was running; run the command again"
        raise ValidationFailed([Diagnostic(SourceLocation(rel), message, hint=hint)]) from None
    if any(d.is_error for d in spec_file.diagnostics):
        raise ValidationFailed(spec_file.diagnostics)
    return spec_file.campaigns


def _with_body(planned: DesiredCampaign, found: DesiredCampaign | None) -> DesiredCampaign:
    """``planned`` holding the body ``found`` has, refused unless the fingerprints agree."""
    if found is None or found.fingerprint != planned.fingerprint:
        message = (
            f"campaign {planned.key!r} changed while reconciler was running: its "
            "body no longer matches the planned fingerprint; nothing was sent for it"
        )
        where = SourceLocation(planned.location.file)
        raise ValidationFailed([Diagnostic(where, message, "key", "run the command again")])
    return dataclasses.replace(planned, body_json=found.body_json)
