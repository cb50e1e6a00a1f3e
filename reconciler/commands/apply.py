"""Apply: lock, plan under the lock, guard, confirm, then create (PRODUCT.md section 6).

``run_apply`` is the use case over a store, a ``Destination`` and a ``PlanSource``; it
never prints (``ApplyHooks`` carries the interactions). ``apply_env`` (the specs) and
``apply_saved`` (a plan file) differ only in their source: both run the ``ApplyPlan``
of the plan made under the lock. The token is read (``api.factory.open_api``) only after
everything that can refuse without it has been checked.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import uuid
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from reconciler.api.base import CampaignAPI
from reconciler.api.factory import open_api
from reconciler.apply_plan import ApplyPlan
from reconciler.commands.approval import require_approval
from reconciler.commands.inputs import RunInputs
from reconciler.commands.plan import PlanRequest, planner_for_env, with_diagnostics
from reconciler.commands.policy_inputs import PolicyContext, policy_context, store_bodies
from reconciler.config import Environment, Project
from reconciler.errors import GuardError
from reconciler.executor import ApplyEvent, ApplyResult, RunOptions, execute
from reconciler.guards import GuardSettings, with_guards
from reconciler.plan import ActionKind, Plan
from reconciler.planfile import SavedPlan, load_plan, saved_environment, saved_plan_as_plan
from reconciler.review import with_review
from reconciler.runtime import Runtime
from reconciler.specs.catalog_file import read_catalog
from reconciler.specs.rate_card_file import read_rate_card
from reconciler.state import open_store
from reconciler.state.base import StateReader, StateSnapshot, StateStore, StateWriter
from reconciler.state.binding import Binding
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
    confirm: Callable[[ApplyPlan], bool] | None = None
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
    applied: ApplyPlan | None = None  # what was run: None when there was nothing to do

    @property
    def exit_code(self) -> int:
        return self.result.exit_code


@dataclass(frozen=True)
class Destination:
    """The environment an apply writes to and sends to: its name, API and guard settings."""

    environment: str
    api_url: str
    guards: GuardSettings
    require_state: bool = False
    policies: PolicyContext | None = None  # the audience policies, lists read

    @property
    def binding(self) -> Binding:
        """The environment and API the state must be bound to."""
        return Binding(self.environment, self.api_url)


@dataclass(frozen=True)
class PlanSource:
    """Where an apply's plan comes from: the specs (``apply --env``) or a saved plan file.

    ``plan_for`` plans a snapshot, unguarded; ``load_bodies`` loads the bodies of the
    preview's creates before the lock; ``open_api`` reads the token and opens the client;
    ``review`` adds the creates' previews and estimates, after the policies (whose
    ``drop`` changes the bodies sent) and before the guards (``max_cost`` reads them).
    """

    plan_for: Callable[[StateSnapshot], Plan]
    open_api: Callable[[], CampaignAPI]
    load_bodies: Callable[[Plan], None] = lambda preview: None  # a saved plan holds them
    review: Callable[[Plan], Plan] = lambda plan: plan


def actor(runtime: Runtime) -> str:
    """Who is applying: the OS user, and the CI run when there is one."""
    user, run = runtime.user(), runtime.ci_run_id
    return f"{user} (CI run {run})" if run else user


def refuse_on_guards(plan: Plan) -> None:
    """Raise GuardError listing every error of a guarded plan; nothing has been sent."""
    errors = [d for d in plan.diagnostics if d.is_error]
    if errors:
        message = f"apply refused ({count(len(errors), 'problem')}); nothing was sent."
        raise GuardError(message, diagnostics=errors)


def _confirm(applied: ApplyPlan, options: ApplyOptions, hooks: ApplyHooks) -> None:
    """Show the plan, then ask about what the run would do (``applied``: its creates,
    its moves and the API it sends to)."""
    hooks.show_plan(applied.plan)
    require_approval(hooks.confirm, applied, auto_approve=options.auto_approve, **_ASKING)


def _refuse_unattended(preview: Plan, options: ApplyOptions, hooks: ApplyHooks) -> None:
    """Before the lock: creates, no ``--auto-approve`` and no terminal to ask refuse."""
    if preview.creates and not options.auto_approve and hooks.confirm is None:
        hooks.show_plan(preview)
        require_approval(None, preview, auto_approve=False, **_ASKING)


_ASKING = {"command": "apply", "declined": "apply cancelled; nothing was sent"}


def run_apply(
    store: StateStore,
    destination: Destination,
    source: PlanSource,
    options: ApplyOptions,
    hooks: ApplyHooks,
    runtime: Runtime,
) -> ApplyReport:
    """Preview; then lock, plan under the lock, guard, confirm, move, create.

    The read-only preview settles what needs no lock without writing anything, not even
    a lock file: a no-op returns at once (unless another writer holds the lock: then the
    lock's refusal names it), and a run that would be refused anyway (binding, guards,
    no terminal to ask, no token, a body the specs can no longer give) is refused.
    """
    preview = _guarded_plan(store.snapshot(), store, destination, source, options)
    if _nothing_to_do(preview) and store.lock_holder() is None:
        return _report_nothing_to_do(preview, hooks)
    _refuse_unattended(preview, options, hooks)
    source.load_bodies(preview)
    api = source.open_api() if preview.creates else None  # a missing token refuses here
    try:
        with store.locked("apply", options.lock_timeout, environ=runtime.environ) as writer:
            plan = _guarded_plan(writer.snapshot(), writer, destination, source, options)
            if plan.creates and api is None:
                api = source.open_api()
            return _apply_plan(writer, destination, plan, api, options, hooks, runtime)
    finally:
        if api is not None:
            api.close()


def _guarded_plan(
    snapshot: StateSnapshot,
    reader: StateReader | StateWriter,
    destination: Destination,
    source: PlanSource,
    options: ApplyOptions,
) -> Plan:
    """The plan of ``snapshot`` with the policies and guards; GuardError on an error."""
    must_exist = destination.require_state and not options.new_state
    destination.binding.check(snapshot, must_exist=must_exist)
    plan = source.plan_for(snapshot)
    if destination.policies is not None:
        plan = destination.policies.check(plan, snapshot, store_bodies(reader))
    plan = with_guards(source.review(plan), destination.guards)
    refuse_on_guards(plan)
    return plan


def _nothing_to_do(plan: Plan) -> bool:
    return not plan.creates and not plan.moves


def _report_nothing_to_do(plan: Plan, hooks: ApplyHooks) -> ApplyReport:
    hooks.show_plan(plan)
    in_doubt = [a.key for a in plan.of_kind(ActionKind.IN_DOUBT)]
    return ApplyReport(plan.environment, plan=plan, in_doubt_before=in_doubt, nothing_to_do=True)


def _apply_plan(
    writer: StateWriter,
    destination: Destination,
    plan: Plan,
    api: CampaignAPI | None,
    options: ApplyOptions,
    hooks: ApplyHooks,
    runtime: Runtime,
) -> ApplyReport:
    """Under the lock, with a guarded plan: confirm, then run its ApplyPlan (the one
    executor path of both kinds of apply): bind, move, create."""
    if _nothing_to_do(plan):
        return _report_nothing_to_do(plan, hooks)
    # Every body is in hand before the question and the first write (``load_bodies``).
    applied = ApplyPlan.from_plan(plan, destination.api_url)
    _confirm(applied, options, hooks)
    report = ApplyReport(destination.environment, plan=plan, applied=applied)
    report.in_doubt_before = [a.key for a in plan.of_kind(ActionKind.IN_DOUBT)]
    who = actor(runtime)
    writer.bind(applied.api_url)
    for old, new in applied.moves:
        writer.move(old, new, actor=who)
        report.moved.append((old, new))
    if api is not None and applied.tasks:
        run = RunOptions(
            parallelism=options.parallelism,
            rate=options.rate,
            cancel=hooks.cancel,
            on_event=hooks.on_event,
            actor=who,
            run_id=runtime.ci_run_id or uuid.uuid4().hex[:12],
        )
        report.result = execute(list(applied.tasks), writer, api, run)
    return report


# -- wiring to the project's real pieces ------------------------------------------------


def apply_env(
    project: Project,
    env_name: str,
    options: ApplyOptions,
    hooks: ApplyHooks,
    inputs: RunInputs,
) -> ApplyReport:
    """``apply --env E``: load and validate the specs, then lock, plan, confirm, create.

    Planning is the plan command's own (``planner_for_env``), so apply creates exactly
    what ``plan`` shows, promotion included; only the snapshot is read under the lock.
    """
    runtime, environ = inputs.runtime, inputs.os_environ
    env = project.environment(env_name, environ)
    variables = inputs.variables(project, env_name)
    request = PlanRequest(
        env_name, variables, runtime.now(), environ, options.targets, options.excludes
    )
    planner = planner_for_env(project, request)

    def plan_for(snapshot: StateSnapshot) -> Plan:
        nonlocal planner  # the creates' bodies in hand for their preview and estimate
        plan = planner.plan_for(snapshot)
        if planner.catalog is not None or planner.rate_card is not None:
            planner = planner.with_bodies({a.key for a in plan.creates})
            plan = planner.plan_for(snapshot)
        return with_diagnostics(plan, planner.warnings)

    def load_bodies(preview: Plan) -> None:
        nonlocal planner  # the same specs, the creates' bodies in hand
        planner = planner.with_bodies({a.key for a in preview.creates})

    opener = functools.partial(open_api, env, cancel=hooks.cancel, environ=environ)
    source = PlanSource(plan_for, opener, load_bodies, lambda plan: planner.reviewed(plan))
    return _run_on(env, project, source, options, hooks, runtime)


def saved_plan_source(
    saved: SavedPlan,
    plan_file: str,
    opener: Callable[[], CampaignAPI],
    review: Callable[[Plan], Plan] = lambda plan: plan,
) -> PlanSource:
    """A saved plan's source: its exact creates and moves, unless the state made it stale.

    ``review``: the previews and estimates of its creates (for ``max_cost``).
    """
    plan_for = functools.partial(saved_plan_as_plan, saved, plan_file=plan_file)
    return PlanSource(plan_for, opener, review=review)


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
    env = saved_environment(saved, project, runtime.environ)
    opener = functools.partial(
        open_api, env, cancel=hooks.cancel, environ=runtime.environ, phone_format=saved.phone_format
    )
    approved = dataclasses.replace(options, auto_approve=True, new_state=True)
    catalog, _ = read_catalog(project, saved.environment)
    card = read_rate_card(project, saved.environment)
    review = functools.partial(with_review, catalog=catalog, card=card)
    source = saved_plan_source(saved, plan_path.name, opener, review)
    return _run_on(env, project, source, approved, hooks, runtime)


def _run_on(
    env: Environment,
    project: Project,
    source: PlanSource,
    options: ApplyOptions,
    hooks: ApplyHooks,
    runtime: Runtime,
) -> ApplyReport:
    """``run_apply`` on ``env``'s state store, closed afterwards."""
    policies = policy_context(project, env.name)
    guards = GuardSettings.from_environment(env, max_creates=options.max_creates)
    destination = Destination(env.name, env.api_url, guards, env.require_state, policies)
    with closing(open_store(env.state, env.name, root=project.root, api_url=env.api_url)) as store:
        return run_apply(store, destination, source, options, hooks, runtime)
