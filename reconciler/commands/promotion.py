"""The promotion source of a plan: the ``promote_from`` state, read-only, and the few
specs rendered with that environment's variables (PRODUCT.md section 5).

Only a spec whose source fingerprint differs from the one the source recorded is
rendered again (``PromotionSource.needs_render``); the planner decides from the result
(``reconciler.promotion``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reconciler.campaign import DesiredCampaign
from reconciler.commands.policy_inputs import recorded_bodies
from reconciler.config import Environment, Project
from reconciler.errors import Diagnostic, Severity, SourceLocation, StateError
from reconciler.promotion import PromotionSource, SourceRender, differing_fields
from reconciler.specs.bodies import BodySource, load_bodies
from reconciler.specs.loader import load_campaigns, resolve_variables
from reconciler.specs.variables import OS_PREFIX
from reconciler.state.base import StateSnapshot

CHUNK_FILES = 2_000  # spec files rendered for the source at once (memory, not speed)


def missing_source(
    target: str, source: Environment, snapshot: StateSnapshot, line: int | None = None
) -> Diagnostic | None:
    """A warning when the source's state is missing; StateError when it must exist.

    A mistyped state URL must not keep CI green with everything "not created yet".
    """
    if snapshot.exists:
        return None
    message = (
        f"the state of {source.name} ({source.state}), which {target} promotes from, does not exist"
    )
    hint = f"check environments.{source.name}.state and its variables in reconciler.yaml"
    if source.require_state:
        raise StateError(f"{message} and require_state is true", hint=hint)
    return Diagnostic(
        SourceLocation("reconciler.yaml", line),
        f"{message}: nothing can be promoted",
        f"environments.{target}.promote_from",
        hint,
        Severity.WARNING,
    )


def with_source_renders(
    project: Project,
    source: Environment,
    snapshot: StateSnapshot,
    campaigns: Sequence[DesiredCampaign],
    os_environ: Mapping[str, str],
) -> PromotionSource:
    """What ``snapshot`` (the source's) created, with a ``SourceRender`` where needed.

    The source's variables are its project and environment values; this run's
    ``RECONCILER_VAR_*`` may be the target's own (set for the prod job), or set alike for
    both runs. So a spec is rendered without them first, and where that is not the body
    the source created, again with them: either match promotes. The reason of a spec
    that matches neither comes from the first render (the second would name the
    variables this run set, not the edit), unless only the second renders at all.
    """
    promotion = PromotionSource.from_snapshot(snapshot)
    wanted = [d for d in campaigns if promotion.needs_render(d)]
    declared = {k: v for k, v in os_environ.items() if not k.startswith(OS_PREFIX)}
    renderer = _Renderer(project, source, snapshot, promotion)
    renders = renderer.renders(wanted, declared)
    if declared != os_environ:
        again = [d for d in wanted if not _created_it(promotion, d.key, renders[d.key])]
        for key, render in renderer.renders(again, os_environ).items():
            if _created_it(promotion, key, render) or (renders[key].problem and not render.problem):
                renders[key] = render
    return promotion.with_renders(renders) if renders else promotion


def _created_it(promotion: PromotionSource, key: str, render: SourceRender) -> bool:
    """Whether ``render`` is the body the source recorded for ``key``."""
    return not render.problem and render.fingerprint == promotion.fingerprints.get(key)


def _by_files(wanted: Sequence[DesiredCampaign]) -> list[list[DesiredCampaign]]:
    """``wanted`` in chunks of at most CHUNK_FILES spec files: only one chunk's bodies
    are held at a time (next to this environment's own)."""
    chunks: list[list[DesiredCampaign]] = []
    files: set[str] = set()
    for d in sorted(wanted, key=lambda c: c.location.file):
        if not chunks or (len(files) == CHUNK_FILES and d.location.file not in files):
            chunks.append([])
            files = set()
        files.add(d.location.file)
        chunks[-1].append(d)
    return chunks


@dataclass(frozen=True)
class _Renderer:
    """Renders specs as the ``promote_from`` environment ``source`` would."""

    project: Project
    source: Environment
    snapshot: StateSnapshot  # the source's
    promotion: PromotionSource

    def renders(
        self, wanted: Sequence[DesiredCampaign], os_environ: Mapping[str, str]
    ) -> dict[str, SourceRender]:
        """A ``SourceRender`` for each of ``wanted``, a chunk of files at a time."""
        renders: dict[str, SourceRender] = {}
        for chunk in _by_files(wanted):
            renders.update(self._renders(chunk, os_environ))
        return renders

    def _renders(
        self, wanted: Sequence[DesiredCampaign], os_environ: Mapping[str, str]
    ) -> dict[str, SourceRender]:
        """The recorded bodies are read only where the fingerprints differ (to name the
        fields)."""
        source, fingerprints = self.source, self.promotion.fingerprints
        rendered, problems, body_source = _render_in(self.project, source.name, wanted, os_environ)
        renders = {key: SourceRender(problem=problem) for key, problem in problems.items()}
        differ = [d for key, d in rendered.items() if d.fingerprint != fingerprints[key]]
        keys = {d.key for d in differ}
        new = {d.key: d for d in load_bodies(body_source, differ, keys)}  # cache hits: none
        recorded = recorded_bodies(source, [self.snapshot.campaigns[key] for key in keys])
        for key, d in rendered.items():
            fields = differing_fields(new[key].body, recorded[key].body) if key in keys else ()
            renders[key] = SourceRender(fingerprint=d.fingerprint, differs=fields)
        return renders


def _render_in(
    project: Project,
    env: str,
    wanted: Sequence[DesiredCampaign],
    os_environ: Mapping[str, str],
) -> tuple[dict[str, DesiredCampaign], dict[str, str], BodySource | None]:
    """The wanted campaigns rendered for ``env``, and why the others could not be."""
    files = {d.location.file for d in wanted}
    variables = resolve_variables(project, env, os_environ=os_environ)
    loaded = load_campaigns(project, env, variables, os_environ=os_environ, only=files)
    found = {d.key: d for d in loaded.campaigns}
    first_error: dict[str, str] = {}
    for diagnostic in loaded.errors:
        first_error.setdefault(diagnostic.location.file, diagnostic.message)
    rendered: dict[str, DesiredCampaign] = {}
    problems: dict[str, str] = {}
    for d in wanted:
        if d.key in found:
            rendered[d.key] = found[d.key]
        else:
            problems[d.key] = first_error.get(d.location.file) or _absent(d.key, env, loaded.errors)
    return rendered, problems, loaded.bodies


def _absent(key: str, env: str, errors: Sequence[Diagnostic]) -> str:
    if errors:  # reported at another file (a CSV it reads)
        return f"it does not validate there (`reconciler validate --env {env}` says why)"
    return f"it has no campaign {key!r} there"
