"""``reconciler render``: the API bodies the specs render to, for one environment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from reconciler.commands.inputs import RunInputs
from reconciler.config import Project
from reconciler.errors import ConfigError, Diagnostic, ValidationFailed
from reconciler.masking import maybe_mask
from reconciler.models.preview import message_preview


@dataclass(frozen=True)
class RenderResult:
    """Rendered bodies by key (in load order) and the warnings found."""

    environment: str
    bodies: dict[str, dict[str, Any]]
    warnings: list[Diagnostic]
    previews: dict[str, str | None] | None = None  # with ``preview``: each message, by key


def pick_env(project: Project, env: str | None) -> str:
    """``env``, or the only environment; ConfigError when there are several to choose from."""
    if env is not None:
        project.settings(env)
        return env
    if len(project.env_names) == 1:
        return project.env_names[0]
    raise ConfigError(
        "several environments exist: choose one with --env",
        hint=f"environments: {', '.join(project.env_names)}",
    )


def render(
    project: Project,
    env: str | None,
    keys: Sequence[str],
    inputs: RunInputs,
    *,
    show_sensitive: bool = False,
    preview: bool = False,
) -> RenderResult:
    """Render every campaign (or those matching ``keys``, globs allowed) of ``env``.

    ``preview``: also each campaign's message as the catalogue shows it (ConfigError
    without a catalogue).
    """
    name = pick_env(project, env)
    result = inputs.load(project, name)
    if result.errors:
        raise ValidationFailed(result.diagnostics)
    chosen = [c for c in result.campaigns if not keys or any(fnmatchcase(c.key, k) for k in keys)]
    for pattern in keys:
        if not any(fnmatchcase(c.key, pattern) for c in result.campaigns):
            raise ConfigError(
                f"no campaign matches {pattern!r} in env {name}",
                hint="`reconciler render --env ENV` lists every key",
            )
    bodies = {c.key: maybe_mask(c.body, show_sensitive=show_sensitive) for c in chosen}
    if not preview:
        return RenderResult(name, bodies, result.warnings)
    if result.catalog is None:
        raise ConfigError(
            f"environment {name} has no catalog: there is no message to preview",
            hint="set catalog: to Meta's message_templates export (docs/templates-and-cost.md)",
        )
    previews = {key: message_preview(body, result.catalog) for key, body in bodies.items()}
    return RenderResult(name, bodies, result.warnings, previews)
