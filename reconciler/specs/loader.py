"""The one entry point from spec files to desired campaigns.

``load_campaigns`` reads every spec file of the project for one environment, renders
and validates it, and returns the campaigns together with EVERY problem found in
every file (it goes on after a bad file). Each diagnostic has a file, a line, the
field's path and a hint. Nothing here writes anything.
"""

from __future__ import annotations

import copy
import gc
import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconciler.campaign import DesiredCampaign
from reconciler.config import Project
from reconciler.errors import (
    Diagnostic,
    ReconcilerError,
    sort_diagnostics,
    unique_diagnostics,
)
from reconciler.perf import gc_paused
from reconciler.specs.bodies import BodySource
from reconciler.specs.cache import SpecCache, file_digests, open_cache
from reconciler.specs.cache_session import (
    SpecRead,
    cache_requested,
    keep_for_saving,
    shared_reads,
)
from reconciler.specs.discover import Discovered, discover, not_spec_warnings
from reconciler.specs.parallel import jobs_for, map_in_processes
from reconciler.specs.render import (
    SpecSandbox,
    is_inside,
    make_environment,
)
from reconciler.specs.spec_file import SpecFile, project_rel
from reconciler.specs.varerrors import VariableUse, report_once
from reconciler.specs.variables import Variables, resolve_variables

if TYPE_CHECKING:
    from reconciler.models.catalog import Catalog

__all__ = ["LoadResult", "load_campaigns", "resolve_variables"]


@dataclass(frozen=True)
class LoadResult:
    """Every campaign that validated, and every diagnostic (errors and warnings)."""

    campaigns: list[DesiredCampaign]
    diagnostics: list[Diagnostic]
    # Where the bodies of campaigns taken from the cache come from (``load_bodies``).
    bodies: BodySource | None = None
    catalog: Catalog | None = None  # the environment's template catalogue, if it has one

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]


def load_campaigns(
    project: Project,
    env: str,
    variables: Mapping[str, Any],
    *,
    os_environ: Mapping[str, str],
    only: Collection[str] | None = None,
) -> LoadResult:
    """Render and validate every spec file of ``project`` for environment ``env``.

    Inside ``spec_cache_enabled()`` (the CLI commands) an unchanged spec file is taken
    from the environment's validation cache instead (``reconciler.specs.cache``). The
    other files are loaded on every core when there are many (``reconciler.specs.parallel``).
    ``only`` (project-relative paths) loads just those files, and never writes the cache.
    """
    project.settings(env)  # an unknown environment is a ConfigError
    context = {"env": env, "vars": copy.deepcopy(dict(variables))}
    from reconciler.specs.catalog_file import read_catalog

    catalog, catalog_warnings = read_catalog(project, env)
    with gc_paused():
        cache = _open_cache(project, env, context, os_environ)
        found = _discovered(project.campaigns_dir)
        specs = found.specs if only is None else _selected(project, found.specs, only)
        files = _load_files(project, specs, context, cache, os_environ, catalog, keep=only is None)
    campaigns = [c for f in files for c in f.campaigns]
    sources = variables.sources if isinstance(variables, Variables) else {}
    per_file = [(f.diagnostics, f.uses) for f in files]
    diagnostics = report_once(per_file, sources, project, env)
    diagnostics.extend(_duplicate_keys(campaigns))
    diagnostics.extend(not_spec_warnings(project.root, found.others))
    diagnostics.extend(catalog_warnings)
    if cache is not None and only is None and not any(d.is_error for d in diagnostics):
        keep_for_saving(cache)  # written once the command succeeded; bad input: never
    bodies = BodySource(project, context)
    # A line of a whole-file template's loop: one problem, though each document has it.
    return LoadResult(campaigns, sort_diagnostics(unique_diagnostics(diagnostics)), bodies, catalog)


def _load_files(
    project: Project,
    specs: list[Path],
    context: Mapping[str, Any],
    cache: SpecCache | None,
    environ: Mapping[str, str],
    catalog: Catalog | None,
    *,
    keep: bool = True,
) -> list[_FileResult]:
    """Each spec file's result, in file order: from the cache, or loaded in full (and
    stored in the cache when ``keep``)."""
    files = [_from_cache(project, path, cache) for path in specs]
    missed = [index for index, hit in enumerate(files) if hit is None]
    loader = _FreshLoader(project, context, keep_digests=cache is not None, catalog=catalog)
    jobs = jobs_for(len(missed), environ)
    if jobs > 1:
        import reconciler.models  # noqa: F401 (once here, not in every worker)
    results = map_in_processes(loader, [specs[index] for index in missed], jobs)
    for index, result in zip(missed, results, strict=True):
        files[index] = result
        if cache is not None and keep and not result.indirect:
            cache.store(
                result.rel, result.digests, result.misses, result.campaigns, result.diagnostics
            )
    return [f for f in files if f is not None]


def _selected(project: Project, specs: list[Path], only: Collection[str]) -> list[Path]:
    return [p for p in specs if project_rel(project.root, p) in only]


@dataclass(frozen=True)
class _FileResult:
    """What one spec file gave, and (for the cache) what it read and looked for."""

    rel: str
    campaigns: list[DesiredCampaign]
    diagnostics: list[Diagnostic]
    # SHA-256 of the exact bytes of every file read, the spec itself included: what the
    # cache keeps, rather than the bytes (a worker sends this back; 10,000 specs' bytes
    # held until the end had doubled a first plan's peak memory).
    digests: dict[str, bytes] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)
    indirect: bool = False
    uses: list[VariableUse] = field(default_factory=list)  # errors a variable caused


def _from_cache(project: Project, path: Path, cache: SpecCache | None) -> _FileResult | None:
    """A spec file's result from the cache when its inputs are unchanged (no bodies)."""
    if cache is None:
        return None
    read = _read_spec(project, path, cache)
    if read.rel is None:
        return None
    hit = cache.lookup(read.rel, read.digest)
    if hit is None:
        return None  # loaded in full, from the file's bytes as they are then
    return _FileResult(read.rel, hit.campaigns, hit.diagnostics)


def _read_spec(project: Project, path: Path, cache: SpecCache) -> SpecRead:
    """``path``'s name and digest, read once per command when the command shares reads."""
    reads = shared_reads()
    key = str(path)
    if reads is not None and key in reads.specs:
        return reads.specs[key]
    rel = project_rel(project.root, path)
    if not is_inside(project.root, rel, cache.checked):
        read = SpecRead(None)
    else:
        with open(path, "rb") as handle:
            read = SpecRead(rel, hashlib.sha256(handle.read()).digest())
    if reads is not None:
        reads.specs[key] = read
    return read


def _discovered(campaigns_dir: Path) -> Discovered:
    """The spec files of ``campaigns_dir``, found once per command that shares reads."""
    reads = shared_reads()
    if reads is None:
        return discover(campaigns_dir)
    key = str(campaigns_dir)
    if key not in reads.found:
        reads.found[key] = discover(campaigns_dir)
    return reads.found[key]


@dataclass
class _FreshLoader:
    """Renders and validates one spec file in full; run in worker processes or here."""

    project: Project
    context: Mapping[str, Any]
    keep_digests: bool  # the digest of every file read, for the cache's entry
    catalog: Catalog | None = None  # templates are checked against it
    sandbox: SpecSandbox | None = None
    checked: set[str] = field(default_factory=set)  # folders seen to be no links (this run)

    def __call__(self, path: Path) -> _FileResult:
        if self.sandbox is None:  # one per process: compiled expressions are cached in it
            self.sandbox = make_environment(self.project.root)
        sandbox = self.sandbox
        templates = sandbox.project_loader
        templates.reset()
        loaded = SpecFile(
            self.project,
            path,
            self.context,
            sandbox,
            checked=self.checked,
            catalog=self.catalog,
        )
        loaded.load()
        indirect = loaded.indirect or bool(templates.indirect)
        keep = self.keep_digests and not indirect
        result = _FileResult(
            loaded.rel,
            loaded.campaigns,
            loaded.diagnostics,
            digests=file_digests({**loaded.reads, **templates.reads}) if keep else {},
            misses=sorted(templates.misses) if keep else [],
            indirect=indirect,
            uses=loaded.uses,
        )
        # Rendering and validating leave reference cycles (Jinja, pydantic) that only the
        # paused collector frees: measured 456 -> 1,200 MB at 10,000 specs without this.
        # The young generation holds just this file's objects.
        del loaded
        gc.collect(0)
        return result


def _open_cache(
    project: Project,
    env: str,
    context: Mapping[str, Any],
    os_environ: Mapping[str, str],
) -> SpecCache | None:
    """The environment's validation cache, when enabled and its inputs can be keyed."""
    if not cache_requested(os_environ):
        return None
    from reconciler.specs.catalog_file import catalog_digest

    try:
        state = project.environment(env, os_environ).state
        salt = {
            # As text in insertion order: Jinja iterates a mapping in that order, so
            # reordering a variable's keys can change what a spec renders to.
            "context": json.dumps(context, ensure_ascii=False),
            "campaigns_dir": project.campaigns_dir.relative_to(project.root).as_posix(),
            "catalog": catalog_digest(project, env),  # it decides which specs are valid
        }
    except (ReconcilerError, TypeError, ValueError):
        return None  # variables that are not plain JSON are not keyed: load in full
    return open_cache(state, env, project.root, salt, os_environ)


def _duplicate_keys(campaigns: list[DesiredCampaign]) -> list[Diagnostic]:
    """Keys (and previous keys) are unique across the project.

    A key used twice is reported at its later use. A previous key is reported at the
    ``previous_keys`` entry that lists it, whichever file comes first: when another spec
    still has that key, or another spec lists it already, it is the listing that is wrong.
    """
    owners: dict[str, DesiredCampaign] = {}
    problems = []
    for campaign in campaigns:
        owner = owners.setdefault(campaign.key, campaign)
        if owner is not campaign:
            message = f"key {campaign.key!r} is already used at {owner.location}"
            problems.append(Diagnostic(campaign.location, message, "key", _UNIQUE))
    listed: dict[str, DesiredCampaign] = {}
    for campaign in campaigns:
        for old in campaign.previous_keys:
            problem = _previous_key_problem(campaign, old, owners.get(old), listed.get(old))
            if problem is None:
                listed[old] = campaign
            else:
                problems.append(problem)
    return problems


_UNIQUE = "keys are unique across the project; give each campaign its own key"


def _previous_key_problem(
    campaign: DesiredCampaign,
    old: str,
    owner: DesiredCampaign | None,
    lister: DesiredCampaign | None,
) -> Diagnostic | None:
    """Why ``campaign`` may not list ``old`` in previous_keys (None: it may)."""
    where = campaign.location_of("previous_keys")
    if owner is campaign:
        return Diagnostic(
            where, f"key {old!r} is this campaign's own key", "previous_keys", _UNIQUE
        )
    if owner is not None:
        message = f"key {old!r} is already used at {owner.location}"
        hint = "a previous key is one no spec has any more: remove it from previous_keys, "
        hint += "or rename that spec's key"
        return Diagnostic(where, message, "previous_keys", hint)
    if lister is not None:
        first = lister.location_of("previous_keys")
        message = f"key {old!r} is already in previous_keys at {first}"
        hint = "one record can follow one campaign only: list the old key in one spec"
        return Diagnostic(where, message, "previous_keys", hint)
    return None
