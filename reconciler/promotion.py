"""Promotion (PRODUCT.md section 5): has the source environment already sent what this
spec now says?

Pure. A campaign is promotable when the ``promote_from`` environment created its key
and either recorded the same source fingerprint, or recorded the fingerprint the spec
has when rendered with that environment's variables (``SourceRender``, made by the
shell only for the specs whose source differs: ``PromotionSource.needs_render``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.campaign import DesiredCampaign
from reconciler.state.base import StateSnapshot
from reconciler.words import first_of


@dataclass(frozen=True)
class SourceRender:
    """A spec rendered with the source environment's variables, or why it could not be."""

    fingerprint: str = ""
    problem: str = ""
    differs: tuple[str, ...] = ()  # fields whose value differs from the body it created


@dataclass(frozen=True)
class PromotionSource:
    """What the ``promote_from`` environment created: per key, the source fingerprint and
    the (body) fingerprint it recorded; ``renders`` for the specs that needed one."""

    environment: str
    source_fingerprints: Mapping[str, str] = field(default_factory=dict)
    fingerprints: Mapping[str, str] = field(default_factory=dict)
    renders: Mapping[str, SourceRender] = field(default_factory=dict)

    @classmethod
    def from_snapshot(cls, snapshot: StateSnapshot) -> PromotionSource:
        """What the source environment created, as read from its state."""
        records = snapshot.campaigns.values()
        return cls(
            environment=snapshot.environment,
            source_fingerprints={r.key: r.source_fingerprint for r in records},
            fingerprints={r.key: r.fingerprint for r in records},
        )

    def needs_render(self, d: DesiredCampaign) -> bool:
        """Whether deciding about ``d`` needs it rendered with the source's variables."""
        source = self.source_fingerprints.get(d.key)
        gated = not ungated_note(d, self)
        return gated and source is not None and source != d.source_fingerprint

    def with_renders(self, renders: Mapping[str, SourceRender]) -> PromotionSource:
        return dataclasses.replace(self, renders=dict(renders))


def ungated_note(d: DesiredCampaign, promotion: PromotionSource | None) -> str:
    """Why ``d`` is planned without waiting for the source, or "" when it waits."""
    if promotion is None or not d.environments or promotion.environment in d.environments:
        return ""
    return (
        f"not gated by promotion: its environments ({', '.join(d.environments)}) "
        f"leave out {promotion.environment}"
    )


def awaiting_reason(d: DesiredCampaign, promotion: PromotionSource | None) -> str:
    """Why a create waits for the promotion source, or "" when it may go ahead."""
    if promotion is None or ungated_note(d, promotion):
        return ""
    source_env = promotion.environment
    source = promotion.source_fingerprints.get(d.key)
    if source is None:
        return f"not created in {source_env} yet"
    if source == d.source_fingerprint:
        return ""
    render = promotion.renders.get(d.key)
    older = f"{source_env} created an older source"
    if render is None:
        return older
    if render.problem:
        return f"{older}, and the spec does not render for {source_env}: {render.problem}"
    if render.fingerprint == promotion.fingerprints.get(d.key):
        return ""
    return f"{older}: the body {source_env} would send differs from what it created" + (
        f" ({first_of(render.differs)})" if render.differs else ""
    )


def differing_fields(new: Any, old: Any, at: str = "") -> tuple[str, ...]:
    """Dotted paths where two API bodies differ; a list that differs is named whole."""
    if isinstance(new, Mapping) and isinstance(old, Mapping):
        found: list[str] = []
        for name in sorted(set(new) | set(old), key=str):
            path = f"{at}.{name}" if at else str(name)
            if name not in new or name not in old:
                found.append(path)
            else:
                found.extend(differing_fields(new[name], old[name], path))
        return tuple(found)
    return () if new == old else (at or "(body)",)
