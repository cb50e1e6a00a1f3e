"""``reconciler plan``: load the specs, read the state (read-only), plan, guard.

Never creates, migrates or changes a state, and reads no token: safe on an untrusted
pull request. Never prints; the CLI renders the outcome.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from reconciler.campaign import DesiredCampaign
from reconciler.commands.policy_inputs import policy_context, recorded_bodies
from reconciler.commands.promotion import missing_source, with_source_renders
from reconciler.config import Environment, Project
from reconciler.errors import Diagnostic, StateError, ValidationFailed
from reconciler.guards import GuardSettings, apply_strict, with_guards
from reconciler.models.catalog import Catalog
from reconciler.models.rate_card import RateCard
from reconciler.perf import gc_paused
from reconciler.plan import ATTENTION, ActionKind, Plan
from reconciler.planfile import SavedPlan, build_saved_plan, git_commit, write_plan
from reconciler.planner import PromotionSource, make_plan
from reconciler.review import with_review
from reconciler.specs.bodies import load_bodies
from reconciler.specs.loader import LoadResult, load_campaigns
from reconciler.specs.rate_card_file import read_rate_card
from reconciler.state import read_snapshot
from reconciler.state.base import StateSnapshot


@dataclass(frozen=True)
class PlanOutcome:
    """A guarded plan, the environment it was made for, and the warnings of loading.

    ``load_warnings`` (the specs' own, and a missing promotion source) are also in the
    plan's diagnostics, so every format shows them; the CLI echoes them on stderr too.
    ``source_missing``: the ``promote_from`` state does not exist, nothing can be promoted.
    """

    plan: Plan
    environment: Environment
    snapshot: StateSnapshot
    load_warnings: Sequence[Diagnostic] = ()
    source_missing: bool = False

    @property
    def failed(self) -> bool:
        return self.plan.has_errors

    @property
    def needs_attention(self) -> bool:
        """A campaign is in doubt, awaits promotion or has changed, or the promotion source
        is missing (a mistyped state URL must not keep CI green forever)."""
        return self.source_missing or any(a.kind in ATTENTION for a in self.plan.actions)


@dataclass(frozen=True)
class PlanRequest:
    """What to plan: ``env`` with its ``variables`` at ``now``, narrowed to the keys that
    ``targets`` match and ``excludes`` do not; ``os_environ``: the run's environment variables."""

    env: str
    variables: Mapping[str, Any]
    now: datetime
    os_environ: Mapping[str, str]
    targets: Sequence[str] = ()
    excludes: Sequence[str] = ()


def make_plan_for_env(
    project: Project,
    request: PlanRequest,
    *,
    new_state: bool = False,
    strict: bool = False,
    max_creates: int | None = None,
) -> PlanOutcome:
    """Plan ``request``; ValidationFailed on spec errors, StateError on state problems.

    Guard findings (and, with ``strict``, the planner's warnings as errors) are in the
    plan's diagnostics; the caller decides the exit status from ``PlanOutcome.failed``.
    """
    settings = project.environment(request.env, request.os_environ)
    planner = planner_for_env(project, request)
    snapshot = read_state(settings)
    if not snapshot.exists and settings.require_state and not new_state:
        raise StateError(
            f"the state of environment {request.env} does not exist ({settings.state}) "
            "and require_state is true",
            hint="check the state setting and its variables; pass --new-state only to plan "
            "a brand-new state on purpose",
        )
    # A missing source is a planning warning (--strict makes it an error); the specs'
    # own warnings stay warnings, as validate reports them.
    plan = with_diagnostics(
        plan_snapshot(project, planner, settings, snapshot), planner.source_warnings
    )
    plan = with_guards(plan, GuardSettings.from_environment(settings, max_creates=max_creates))
    if strict:
        plan = apply_strict(plan)
    loading = planner.warnings
    plan = with_diagnostics(plan, planner.load_warnings)
    warnings = [d for d in plan.warnings if d in loading]
    return PlanOutcome(plan, settings, snapshot, warnings, bool(planner.source_warnings))


def with_diagnostics(plan: Plan, diagnostics: Sequence[Diagnostic]) -> Plan:
    """``plan`` with ``diagnostics`` first among its own (the order apply shows too)."""
    if not diagnostics:
        return plan
    return dataclasses.replace(plan, diagnostics=(*diagnostics, *plan.diagnostics))


def plan_snapshot(
    project: Project, planner: EnvPlanner, settings: Environment, snapshot: StateSnapshot
) -> Plan:
    """The unguarded plan of ``planner``'s specs against ``snapshot`` (read-only), with
    the bodies it shows, the creates' previews and estimates, and the policies' findings.

    ``plan`` guards it; ``report`` shows it as it is.
    """
    plan = with_desired_bodies(planner.plan_for(snapshot), planner)
    plan = with_changed_bodies(plan, settings)
    # The audience policies' findings; the recorded bodies they count read read-only.
    context = policy_context(project, settings.name)
    plan = context.check(plan, snapshot, functools.partial(recorded_bodies, settings))
    return planner.reviewed(plan)  # after the policies: the bodies sent, without those dropped


@dataclass(frozen=True)
class EnvPlanner:
    """The specs and promotion source of one request, loaded once; plans any snapshot.

    ``apply`` calls ``plan_for`` with the snapshot it read under the lock. ``loaded``
    gives the specs' own warnings, the bodies of campaigns taken from the cache (which
    hold none) and the previews' catalogue; ``rate_card`` the estimates' prices.
    """

    request: PlanRequest
    campaigns: Sequence[DesiredCampaign]
    promotion: PromotionSource | None
    loaded: LoadResult
    rate_card: RateCard | None = None
    source_warnings: Sequence[Diagnostic] = ()  # the promotion source's (its state missing)

    @property
    def load_warnings(self) -> list[Diagnostic]:
        """The specs' own warnings."""
        return self.loaded.warnings

    @property
    def catalog(self) -> Catalog | None:
        return self.loaded.catalog

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        """Every warning of loading: the specs', then the promotion source's."""
        return (*self.load_warnings, *self.source_warnings)

    def plan_for(self, snapshot: StateSnapshot) -> Plan:
        """The unguarded plan of these specs against ``snapshot``."""
        r = self.request
        return make_plan(
            self.campaigns, snapshot, environment=r.env, now=r.now, promotion=self.promotion,
            targets=r.targets, excludes=r.excludes,
        )  # fmt: skip

    def reviewed(self, plan: Plan) -> Plan:
        """``plan`` with its creates' previews and estimates (their bodies in hand)."""
        return with_review(plan, self.catalog, self.rate_card)

    def with_bodies(self, keys: Collection[str]) -> EnvPlanner:
        """This planner, the campaigns of ``keys`` holding their bodies (``load_bodies``)."""
        campaigns = load_bodies(self.loaded.bodies, self.campaigns, keys)
        return dataclasses.replace(self, campaigns=tuple(campaigns))


def planner_for_env(
    project: Project,
    request: PlanRequest,
    *,
    source_snapshot: StateSnapshot | None = None,
    loaded: LoadResult | None = None,
) -> EnvPlanner:
    """Load ``request``'s specs (ValidationFailed on errors) and its promotion source.

    ``source_snapshot``: the ``promote_from`` environment's state when the caller has
    already read it (``report`` reads every environment's once); else it is read here.
    ``loaded``: its specs when the caller has already loaded them (``load_specs``).
    """
    env, environ = request.env, request.os_environ
    settings = project.environment(env, environ)
    if loaded is None:
        loaded = load_specs(project, env, request.variables, os_environ=environ)
    campaigns = tuple(loaded.campaigns)
    promotion, warnings = _promotion_source(project, settings, campaigns, environ, source_snapshot)
    card = read_rate_card(project, env)
    return EnvPlanner(request, campaigns, promotion, loaded, card, tuple(warnings))


def load_specs(
    project: Project, env: str, variables: Mapping[str, Any], *, os_environ: Mapping[str, str]
) -> LoadResult:
    """``env``'s specs, loaded and validated; ValidationFailed on errors."""
    loaded = load_campaigns(project, env, variables, os_environ=os_environ)
    if loaded.errors:
        raise ValidationFailed(loaded.diagnostics)
    return loaded


def read_state(env: Environment) -> StateSnapshot:
    """The environment's state, read-only (a missing one is empty), checked against its API."""
    with gc_paused():  # 10,000 rows, no cycles
        return read_snapshot(env.state, env.name, root=env.root, api_url=env.api_url)


def with_desired_bodies(plan: Plan, planner: EnvPlanner) -> Plan:
    """The plan with the spec bodies of the actions it shows (every kind but unchanged).

    Campaigns from the validation cache hold none; an unchanged project loads none.
    """
    keys = {
        a.desired.key
        for a in plan.actions
        if a.desired is not None and not a.desired.has_body and a.kind is not ActionKind.UNCHANGED
    }
    if not keys:
        return plan
    loaded = {c.key: c for c in planner.with_bodies(keys).campaigns if c.key in keys}
    actions = tuple(
        dataclasses.replace(a, desired=loaded.get(a.desired.key, a.desired)) if a.desired else a
        for a in plan.actions
    )
    return dataclasses.replace(plan, actions=actions)


def with_changed_bodies(plan: Plan, settings: Environment) -> Plan:
    """The plan with the recorded bodies of its ``changed`` actions (their diff shows them).

    The snapshot holds no bodies; only these few are read, so an unchanged project
    never decodes what it created.
    """
    changed = [a.recorded for a in plan.actions if a.kind is ActionKind.CHANGED and a.recorded]
    if not changed:
        return plan
    loaded = recorded_bodies(settings, changed)
    actions = tuple(
        dataclasses.replace(a, recorded=loaded[a.recorded.key])
        if a.kind is ActionKind.CHANGED and a.recorded
        else a
        for a in plan.actions
    )
    return dataclasses.replace(plan, actions=actions)


def _promotion_source(
    project: Project,
    settings: Environment,
    campaigns: Sequence[DesiredCampaign],
    os_environ: Mapping[str, str],
    snapshot: StateSnapshot | None = None,
) -> tuple[PromotionSource | None, list[Diagnostic]]:
    """What the ``promote_from`` environment has sent, read from its state read-only."""
    if settings.promote_from is None:
        return None, []
    source = project.environment(settings.promote_from, os_environ)
    if snapshot is None:
        snapshot = read_state(source)
    line = project.line_of("environments", settings.name, "promote_from")
    warning = missing_source(settings.name, source, snapshot, line)
    promotion = with_source_renders(project, source, snapshot, campaigns, os_environ)
    return promotion, [] if warning is None else [warning]


def save_plan(outcome: PlanOutcome, path: Path, *, now: datetime) -> SavedPlan:
    """Write the plan file (``--out``) for ``apply FILE``; returns what was written."""
    env = outcome.environment
    saved = build_saved_plan(
        outcome.plan,
        api_url=env.api_url,
        phone_format=env.phone_format,
        created_at=now,
        git_commit=git_commit(env.root),
    )
    write_plan(path, saved)
    return saved
