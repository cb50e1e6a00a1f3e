"""``reconciler report``: plan every environment read-only and write the board and calendar.

Reads specs and states exactly as ``plan`` does (``plan_snapshot``): no token, no
network, nothing written but the page. An environment whose state is missing (with
``require_state``), unreadable or not configured is shown as such, with a row for each
of its campaigns (its specs are loaded first); the page is still written. Spec errors
stop it as they stop ``plan``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from reconciler.campaign import DesiredCampaign
from reconciler.commands.inputs import RunInputs
from reconciler.commands.plan import (
    EnvPlanner,
    PlanRequest,
    load_specs,
    plan_snapshot,
    planner_for_env,
    read_state,
)
from reconciler.commands.policy_inputs import recorded_bodies
from reconciler.config import Environment, Project
from reconciler.errors import ConfigError, ReconcilerError, StateError, ValidationFailed
from reconciler.guards import GuardSettings, with_guards
from reconciler.models.cost import estimate_campaign
from reconciler.plan import ActionKind, Plan, PlannedAction
from reconciler.policies import PolicySettings
from reconciler.policies.audience import audience_of
from reconciler.report.board import (
    OF_KIND,
    CellState,
    EnvPlan,
    EnvProblem,
    build_board,
    promotion_order,
)
from reconciler.report.calendar import Sending, build_calendar, in_range, parse_start, send_window
from reconciler.report.html import Page, render_page
from reconciler.specs.loader import LoadResult
from reconciler.state.base import RecordedCampaign, StateSnapshot

DEFAULT_WEEKS = 6


@dataclass(frozen=True)
class ReportRequest:
    """What to show: ``envs`` (default every one), ``weeks`` from ``first``."""

    envs: Sequence[str] = ()
    first: date | None = None
    weeks: int = DEFAULT_WEEKS
    inputs: RunInputs = field(default_factory=RunInputs)


@dataclass(frozen=True)
class _Planned:
    env: EnvPlan
    planner: EnvPlanner | None = None
    settings: Environment | None = None


def build_page(project: Project, request: ReportRequest, *, now: datetime) -> Page:
    """The page of ``request``: each environment planned read-only, its calendar read."""
    names = list(request.envs) or project.env_names
    for name in names:
        project.settings(name)  # ConfigError (with "did you mean") for an unknown one
    promote_from = {n: project.settings(n).promote_from for n in project.env_names}
    ordered = promotion_order(list(dict.fromkeys(names)), promote_from)
    first = request.first or now.date()
    snapshots: dict[str, StateSnapshot] = {}
    planned = [_plan_env(project, n, request.inputs, now, snapshots) for n in ordered]
    board = build_board([p.env for p in planned])
    sendings = [s for p in planned for s in _sendings(p, first, request.weeks)]
    limits = {n: PolicySettings.of(project.file, n).messaging_limit for n in ordered}
    calendar = build_calendar(sendings, ordered, first=first, weeks=request.weeks, limits=limits)
    title = f"Campaign board: {project.root.name}"
    return Page(title, now, board, calendar, _rate_card(planned))


def write_report(path: Path, page: Page) -> None:
    """Write the page (UTF-8); it holds no phone number, so it is not private."""
    html = render_page(page)
    try:
        path.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"cannot write the report {path}: {exc.strerror or exc}",
            hint="check that its folder exists and is writable",
        ) from None


def _plan_env(
    project: Project,
    name: str,
    inputs: RunInputs,
    now: datetime,
    snapshots: dict[str, StateSnapshot],
) -> _Planned:
    """``name``'s plan as ``plan`` makes it (guarded: the board shows what it would
    refuse), or the problem that stopped it, with its specs as the board's rows.

    ``snapshots``: the states read so far, by environment (this one's is added), so
    that a ``promote_from`` source shown before it is not read twice.
    """
    found = _specs_of(project, name, inputs)
    if isinstance(found, _Planned):
        return found
    settings, variables, loaded = found
    specs = tuple(loaded.campaigns)  # its rows, whatever stops its plan
    try:
        snapshot = snapshots[name] = read_state(settings)
    except StateError as exc:
        return _problem(name, CellState.STATE_UNREADABLE, exc, specs=specs)
    if not snapshot.exists and settings.require_state:
        message = f"the state ({settings.state}) does not exist and require_state is true"
        problem = EnvProblem(CellState.STATE_MISSING, message)
        return _Planned(EnvPlan(name, problem=problem, specs=specs))
    planner = _planner(
        project, settings, PlanRequest(name, variables, now, inputs.os_environ), loaded, snapshots
    )
    if isinstance(planner, _Planned):
        return planner
    try:
        plan = plan_snapshot(project, planner, settings, snapshot)
    except StateError as exc:
        return _problem(name, CellState.STATE_UNREADABLE, exc, specs=specs)
    plan = with_guards(plan, GuardSettings.from_environment(settings))  # as plan refuses
    return _Planned(EnvPlan(name, plan), planner, settings)


def _planner(
    project: Project,
    settings: Environment,
    request: PlanRequest,
    loaded: LoadResult,
    snapshots: Mapping[str, StateSnapshot],
) -> EnvPlanner | _Planned:
    """``request``'s planner, or the problem with its ``promote_from`` source that stops it."""
    prefix = f"{settings.promote_from}, which it promotes from: "
    specs = tuple(loaded.campaigns)
    try:
        if settings.promote_from is not None:
            project.environment(settings.promote_from, request.os_environ)
    except ValidationFailed as exc:  # a ${VAR} of its source's settings is unset
        return _problem(request.env, CellState.NOT_PLANNED, exc, prefix, specs=specs)
    source = snapshots.get(settings.promote_from) if settings.promote_from else None
    try:
        return planner_for_env(project, request, source_snapshot=source, loaded=loaded)
    except StateError as exc:  # its promote_from state
        return _problem(request.env, CellState.NOT_PLANNED, exc, prefix, specs=specs)


def _specs_of(
    project: Project, name: str, inputs: RunInputs
) -> tuple[Environment, Mapping[str, Any], LoadResult] | _Planned:
    """``name``'s settings, variables and specs; or, when its settings are unresolved,
    the problem with its specs as rows (none when they cannot be loaded either).

    Spec errors of an environment whose settings resolve stop the report, as ``plan``.
    """
    unreadable: ValidationFailed | None = None
    try:
        settings = project.environment(name, inputs.os_environ)
    except ValidationFailed as exc:  # a ${VAR} of its settings is unset
        unreadable = exc
    try:
        variables = inputs.variables(project, name)
        loaded = load_specs(project, name, variables, os_environ=inputs.os_environ)
    except ReconcilerError as exc:
        if unreadable is None:
            raise
        return _problem(name, CellState.STATE_UNREADABLE, unreadable, suffix=_no_specs(exc))
    if unreadable is not None:
        specs = tuple(loaded.campaigns)
        return _problem(name, CellState.STATE_UNREADABLE, unreadable, specs=specs)
    return settings, variables, loaded


def _problem(
    name: str,
    state: CellState,
    exc: ReconcilerError,
    prefix: str = "",
    *,
    specs: Sequence[DesiredCampaign] = (),
    suffix: str = "",
) -> _Planned:
    """``name`` unplanned for ``exc``; ``specs``: its campaigns, the board's rows."""
    problem = EnvProblem(state, prefix + exc.one_line(hints=True) + suffix)
    return _Planned(EnvPlan(name, problem=problem, specs=tuple(specs)))


def _no_specs(exc: ReconcilerError) -> str:
    """What the board says when an environment's specs could not be loaded either."""
    why = exc.one_line(hints=True)
    return f"; its specs could not be loaded either, so it shows no campaign: {why}"


def _sendings(planned: _Planned, first: date, weeks: int) -> list[Sending]:
    """The campaigns of one environment that start within the weeks, with their bodies.

    What goes out: the body the state recorded for created, changed and gone campaigns
    (an unchanged one's is the spec's, fingerprint for fingerprint, and reading it is
    cheaper than rendering the spec again), the in-doubt attempt's, else the spec's (the
    plan holds the bodies of every action but the unchanged ones).
    """
    plan, planner, settings = planned.env.plan, planned.planner, planned.settings
    if plan is None or planner is None or settings is None:
        return []
    recorded = _recorded_bodies(plan, settings, first, weeks)
    sendings = []
    for action in plan.actions:
        body = _body_sent(action, recorded)
        if body is None:
            continue
        audience = audience_of(action.key, body)
        if not in_range(audience.start, first, weeks):
            continue
        cost = action.cost
        if cost is None and planner.rate_card is not None:
            cost = estimate_campaign(body, planner.rate_card, planner.catalog)
        sendings.append(
            Sending(
                plan.environment,
                action.key,
                action.name,
                OF_KIND[action.kind],
                audience.start,
                send_window(body),
                len(audience.numbers),
                audience.numbers,
                cost,
            )
        )
    return sendings


def _recorded_bodies(
    plan: Plan, settings: Environment, first: date, weeks: int
) -> Mapping[str, RecordedCampaign]:
    """The recorded bodies the calendar needs: of gone campaigns (no spec: their start is
    in their body) and of unchanged ones starting within the weeks."""
    wanted = [
        a.recorded
        for a in plan.actions
        if a.recorded is not None
        and (
            a.kind is ActionKind.GONE
            or (
                a.kind is ActionKind.UNCHANGED
                and a.desired is not None
                and in_range(parse_start(a.desired.start_at), first, weeks)
            )
        )
    ]
    if not wanted:
        return {}
    return recorded_bodies(settings, wanted)


def _body_sent(
    action: PlannedAction, recorded: Mapping[str, RecordedCampaign]
) -> Mapping[str, Any] | None:
    """The body that goes (or went) out for ``action``; None when it is not in hand."""
    if action.kind is ActionKind.CHANGED and action.recorded is not None:
        return action.recorded.body
    if action.kind in (ActionKind.GONE, ActionKind.UNCHANGED) and action.recorded is not None:
        found = recorded.get(action.recorded.key)  # the old key's, during a rename
        return found.body if found is not None else None
    if action.kind is ActionKind.IN_DOUBT and action.attempt and action.attempt.body is not None:
        return action.attempt.body
    desired = action.desired
    return desired.body if desired is not None and desired.has_body else None


def _rate_card(planned: Sequence[_Planned]) -> str:
    """The rate card the estimates come from (the first environment's that has one)."""
    for p in planned:
        if p.planner is not None and p.planner.rate_card is not None:
            card = p.planner.rate_card
            return f"{card.file} of {card.effective}"
    return ""
