"""Apply: lock, plan under the lock, guard, confirm, then create (PRODUCT.md section 6).

``run_apply`` is the use case over a store, a planning function and an API factory; it
never prints (``ApplyHooks`` carries the interactions). ``apply_env`` and ``apply_saved``
wire it to the project's real pieces. The token is read (``api.factory.open_api``) only
after everything that can refuse without it has been checked.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from reconciler.api.base import CampaignAPI
from reconciler.api.factory import open_api
from reconciler.campaign import DesiredCampaign
from reconciler.commands.approval import require_approval
from reconciler.commands.plan import planner_for_env
from reconciler.config import Environment, Project
from reconciler.errors import (
    GuardError,
    SourceLocation,
    StalePlanError,
    StateError,
)
from reconciler.executor import ApplyEvent, ApplyResult, CreateTask, execute
from reconciler.guards import GuardSettings, with_guards
from reconciler.plan import ActionKind, Plan, PlannedAction
from reconciler.planfile import SavedPlan, check_not_stale, idempotency_key, load_plan
from reconciler.runtime import Runtime
from reconciler.specs.loader import resolve_variables
from reconciler.state import open_store
from reconciler.state.base import StateSnapshot, StateStore, StateWriter
from reconciler.state.binding import Binding, normalise_api_url
from reconciler.words import count


@dataclass(frozen=True)
class ApplyOptions:
    """What the user asked for on the command line."""

    auto_approve: bool = False
    parallelism: int = 4
    rate: float | None = None
    max_creates: int | None = None
    lock_timeout: float = 0.0
    new_state: bool = False
    targets: tuple[str, ...] = ()  # glob patterns limiting the plan, as plan --target
    excludes: tuple[str, ...] = ()  # glob patterns left out, as plan --exclude


@dataclass(frozen=True)
class ApplyHooks:
    """The interactions of a run. ``confirm`` is None when there is no terminal to ask."""

    show_plan: Callable[[Plan], None] = lambda plan: None
    confirm: Callable[[Plan], bool] | None = None
    on_event: Callable[[ApplyEvent], None] = lambda event: None
    cancel: threading.Event = field(default_factory=threading.Event)


@dataclass
class ApplyReport:
    """What an apply did: this run's outcomes, the moves, what was in doubt before."""

    environment: str
    result: ApplyResult = field(default_factory=ApplyResult)
    in_doubt_before: list[str] = field(default_factory=list)
    moved: list[tuple[str, str]] = field(default_factory=list)
    nothing_to_do: bool = False
    plan: Plan | None = None

    @property
    def exit_code(self) -> int:
        return self.result.exit_code


@dataclass(frozen=True)
class Target:
    """Where an apply writes and sends: the environment's name, API and guard settings."""

    environment: str
    api_url: str
    guards: GuardSettings
    require_state: bool = False
    idempotency_key: Callable[[str, str, str], str] = idempotency_key

    @property
    def binding(self) -> Binding:
        """The environment and API the state must be bound to."""
        return Binding(self.environment, self.api_url)


def actor(runtime: Runtime) -> str:
    """Who is applying: the OS user, and the CI run when there is one."""
    user, run = runtime.user(), runtime.ci_run_id
    return f"{user} (CI run {run})" if run else user


def new_run_id(runtime: Runtime) -> str:
    return runtime.ci_run_id or uuid.uuid4().hex[:12]


def refuse_on_guards(plan: Plan) -> None:
    """Raise GuardError listing every error of a guarded plan; nothing has been sent."""
    errors = [d for d in plan.diagnostics if d.is_error]
    if errors:
        message = f"apply refused ({count(len(errors), 'problem')}); nothing was sent."
        raise GuardError(message, diagnostics=errors)


def _task(action: PlannedAction, target: Target) -> CreateTask:
    d = action.desired
    assert d is not None  # a create always has its spec
    if not d.has_body:  # not a create when the preview read the state: its body was not loaded
        raise StateError(
            f"{d.key!r} became a create after apply first read the state; nothing was sent",
            hint="another command changed the state meanwhile; run apply again",
        )
    return CreateTask(
        key=d.key,
        name=d.name,
        body=d.body,
        fingerprint=d.fingerprint,
        source_fingerprint=d.source_fingerprint,
        idempotency_key=target.idempotency_key(target.environment, d.key, d.fingerprint),
    )


def moves_of(plan: Plan) -> list[tuple[str, str]]:
    """Records that follow a renamed key (``previous_keys``): state moves, no request."""
    return [(a.moved_from, a.key) for a in plan.actions if a.moved_from and a.recorded]


def _confirm(plan: Plan, options: ApplyOptions, hooks: ApplyHooks) -> None:
    hooks.show_plan(plan)
    confirm = hooks.confirm
    require_approval(
        None if confirm is None else lambda: confirm(plan),
        auto_approve=options.auto_approve,
        command="apply",
        declined="apply cancelled; nothing was sent",
    )


def run_apply(
    store: StateStore,
    target: Target,
    plan_for: Callable[[StateSnapshot], Plan],
    open_api: Callable[[], CampaignAPI],
    options: ApplyOptions,
    hooks: ApplyHooks,
    runtime: Runtime,
    load_bodies: Callable[[Plan], None] = lambda preview: None,
) -> ApplyReport:
    """Lock, plan under the lock, guard, confirm, move, create.

    A read-only preview comes first, so that what needs no lock is settled without
    writing anything, not even a lock file: a no-op returns at once (unless another
    writer holds the lock: then the lock's refusal names it), and a run that would be
    refused anyway (binding, guards, no terminal to ask, no token) is refused.
    ``load_bodies`` loads the bodies of the preview's creates, before the lock: a spec
    that can no longer give its planned body stops the run with nothing written.
    """
    preview = _guarded_plan(store.snapshot(), target, plan_for, options)
    if _nothing_to_do(preview) and store.lock_holder() is None:
        hooks.show_plan(preview)
        return ApplyReport(
            target.environment,
            plan=preview,
            in_doubt_before=[a.key for a in preview.of_kind(ActionKind.IN_DOUBT)],
            nothing_to_do=True,
        )
    if preview.creates and not options.auto_approve and hooks.confirm is None:
        _confirm(preview, options, hooks)  # refuses: there is no terminal to ask
    load_bodies(preview)
    api = open_api() if preview.creates else None  # a missing token refuses here
    try:
        with store.locked("apply", options.lock_timeout, environ=runtime.environ) as writer:
            plan = _guarded_plan(writer.snapshot(), target, plan_for, options)
            if plan.creates and api is None:
                api = open_api()
            return _apply_plan(writer, target, plan, api, options, hooks, runtime)
    finally:
        if api is not None:
            api.close()


def _guarded_plan(
    snapshot: StateSnapshot,
    target: Target,
    plan_for: Callable[[StateSnapshot], Plan],
    options: ApplyOptions,
) -> Plan:
    target.binding.check(snapshot, must_exist=target.require_state and not options.new_state)
    plan = with_guards(plan_for(snapshot), target.guards)
    refuse_on_guards(plan)
    return plan


def _nothing_to_do(plan: Plan) -> bool:
    return not plan.creates and not moves_of(plan)


def _apply_plan(
    writer: StateWriter,
    target: Target,
    plan: Plan,
    api: CampaignAPI | None,
    options: ApplyOptions,
    hooks: ApplyHooks,
    runtime: Runtime,
) -> ApplyReport:
    """Under the lock, with a guarded plan: confirm, then write and send."""
    report = ApplyReport(target.environment, plan=plan)
    report.in_doubt_before = [a.key for a in plan.of_kind(ActionKind.IN_DOUBT)]
    if _nothing_to_do(plan):
        report.nothing_to_do = True
        hooks.show_plan(plan)
        return report
    _confirm(plan, options, hooks)
    # Every body is in hand before the first write (``load_bodies``, before the lock).
    tasks = [_task(a, target) for a in plan.creates]
    who = actor(runtime)
    writer.bind(target.api_url)
    for old, new in moves_of(plan):
        writer.move(old, new, actor=who)
        report.moved.append((old, new))
    if api is not None and tasks:
        report.result = execute(
            tasks,
            writer,
            api,
            parallelism=options.parallelism,
            rate=options.rate,
            cancel=hooks.cancel,
            on_event=hooks.on_event,
            actor=who,
            run_id=new_run_id(runtime),
        )
    return report


# -- wiring to the project's real pieces ------------------------------------------------


def _target(env: Environment, options: ApplyOptions) -> Target:
    guards = GuardSettings.from_environment(env, max_creates=options.max_creates)
    return Target(env.name, env.api_url, guards, env.require_state, idempotency_key)


def apply_env(
    project: Project,
    env_name: str,
    options: ApplyOptions,
    hooks: ApplyHooks,
    *,
    runtime: Runtime,
    var_args: Iterable[str] = (),
    var_files: Iterable[Path] = (),
) -> ApplyReport:
    """``apply --env E``: load and validate the specs, then lock, plan, confirm, create.

    Planning is the plan command's own (``planner_for_env``), so apply creates exactly
    what ``plan`` shows, promotion included; only the snapshot is read under the lock.
    """
    environ = runtime.environ
    env = project.environment(env_name, environ)
    variables = resolve_variables(
        project, env_name, var_args=var_args, var_files=var_files, os_environ=environ
    )
    planner = planner_for_env(
        project, env_name, variables, now=runtime.now(), targets=options.targets,
        excludes=options.excludes, os_environ=environ,
    )  # fmt: skip

    def plan_for(snapshot: StateSnapshot) -> Plan:
        plan = planner.plan_for(snapshot)
        return dataclasses.replace(plan, diagnostics=(*planner.load_warnings, *plan.diagnostics))

    def load_bodies(preview: Plan) -> None:
        nonlocal planner  # the same specs, the creates' bodies in hand
        planner = planner.with_bodies({a.key for a in preview.creates})

    opener = functools.partial(open_api, env, cancel=hooks.cancel, environ=environ)
    return _run_on(env, project.root, plan_for, opener, options, hooks, runtime, load_bodies)


def _run_on(
    env: Environment,
    root: Path,
    plan_for: Callable[[StateSnapshot], Plan],
    opener: Callable[[], CampaignAPI],
    options: ApplyOptions,
    hooks: ApplyHooks,
    runtime: Runtime,
    load_bodies: Callable[[Plan], None] = lambda preview: None,
) -> ApplyReport:
    """``run_apply`` on ``env``'s state store, closed afterwards."""
    store = open_store(env.state, env.name, root=root, api_url=env.api_url)
    try:
        target = _target(env, options)
        return run_apply(store, target, plan_for, opener, options, hooks, runtime, load_bodies)
    finally:
        store.close()


def saved_plan_as_plan(saved: SavedPlan, snapshot: StateSnapshot, plan_file: str) -> Plan:
    """A saved plan as a Plan of its exact creates and moves, for guards and the executor."""
    actions: list[PlannedAction] = []
    for c in saved.creates:
        desired = DesiredCampaign.from_body(
            c.key,
            c.body,
            fingerprint=c.fingerprint,
            source_fingerprint=c.source_fingerprint,
            location=SourceLocation(plan_file),
        )
        actions.append(PlannedAction(c.key, ActionKind.CREATE, desired=desired))
    for old, new in saved.moves:
        record = snapshot.campaigns[old]  # check_not_stale made sure it is there
        actions.append(PlannedAction(new, ActionKind.UNCHANGED, recorded=record, moved_from=old))
    actions.sort(key=lambda a: a.key)
    return Plan(
        environment=saved.environment,
        actions=tuple(actions),
        lineage=snapshot.lineage,
        serial=snapshot.serial,
        state_exists=snapshot.exists,
    )


def apply_saved(
    project: Project,
    plan_path: Path,
    options: ApplyOptions,
    hooks: ApplyHooks,
    *,
    runtime: Runtime,
) -> ApplyReport:
    """``apply PLAN_FILE``: send exactly the saved bodies, at most once, unless stale.

    The plan was reviewed when it was saved, so it is not asked about again.
    """
    saved = load_plan(plan_path)
    env = project.environment(saved.environment, runtime.environ)
    if normalise_api_url(saved.api_url) != normalise_api_url(env.api_url):
        raise StalePlanError(
            f"stale plan: it was made for API {saved.api_url}, the environment now uses "
            f"{env.api_url}",
            hint="plan again, review the new plan, and apply that",
        )

    def plan_for(snapshot: StateSnapshot) -> Plan:
        check_not_stale(saved, snapshot)
        return saved_plan_as_plan(saved, snapshot, plan_path.name)

    approved = dataclasses.replace(options, auto_approve=True, new_state=True)
    opener = functools.partial(
        open_api, env, cancel=hooks.cancel, environ=runtime.environ, phone_format=saved.phone_format
    )
    return _run_on(env, project.root, plan_for, opener, approved, hooks, runtime)
