"""Apply: lock, plan under the lock, guard, confirm, then create (PRODUCT.md section 6).

``run_apply`` is the use case over a store, a planning function and an API factory; it
never prints (``ApplyHooks`` carries the interactions). ``apply_env`` and ``apply_saved``
wire it to the project's real pieces. The token is read here only, and only after
everything that can refuse without it has been checked.
"""

from __future__ import annotations

import getpass
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from reconciler.api.base import CampaignAPI
from reconciler.errors import AbortedError, ConfigError, GuardError, StateError
from reconciler.executor import ApplyEvent, ApplyResult, CreateTask, execute
from reconciler.guards import GuardSettings, with_guards
from reconciler.output.diagnostics import format_diagnostic
from reconciler.plan import ActionKind, Plan, PlannedAction
from reconciler.state.base import StateSnapshot, StateStore

SANDBOX = "sandbox"


@dataclass(frozen=True)
class ApplyOptions:
    """What the user asked for on the command line."""

    auto_approve: bool = False
    parallelism: int = 4
    rate: float | None = None
    max_creates: int | None = None
    lock_timeout: float = 0.0
    new_state: bool = False


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
    idempotency_key: Callable[[str, str, str], str] = lambda env, key, fp: f"{env}:{key}:{fp}"


def actor() -> str:
    """Who is applying: the OS user, and the CI run when there is one."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        user = "unknown"
    run = os.environ.get("GITHUB_RUN_ID")
    return f"{user} (CI run {run})" if run else user


def new_run_id() -> str:
    return os.environ.get("GITHUB_RUN_ID") or uuid.uuid4().hex[:12]


def read_token(token_env: str) -> str:
    """The token from the variable named by ``token_env``; the message names only the variable."""
    token = os.environ.get(token_env, "")
    if not token.strip():
        raise ConfigError(
            f"no ContactSwing token: the environment variable {token_env} is not set",
            hint=f"export {token_env}=<token> (or set token_env for this environment)",
        )
    return token


def check_binding(snapshot: StateSnapshot, target: Target, *, new_state: bool) -> None:
    """Refuse a state of another environment or API, or a missing state that must exist."""
    if not snapshot.exists:
        if target.require_state and not new_state:
            raise StateError(
                f"the state of environment {target.environment} does not exist "
                "(require_state is true)",
                hint="check the state setting; pass --new-state to create it deliberately",
            )
        return
    if snapshot.environment != target.environment or (
        snapshot.api_url is not None and snapshot.api_url != target.api_url
    ):
        raise StateError(
            f"this state belongs to environment {snapshot.environment} at {snapshot.api_url}, "
            f"not {target.environment} at {target.api_url}",
            hint="a switched state would create every campaign again; check the state setting",
        )


def refuse_on_guards(plan: Plan) -> None:
    """Raise GuardError listing every error of a guarded plan; nothing has been sent."""
    errors = [d for d in plan.diagnostics if d.is_error]
    if errors:
        details = "\n".join(format_diagnostic(d) for d in errors)
        raise GuardError(
            f"apply refused ({len(errors)} problem{'s' if len(errors) != 1 else ''}); "
            f"nothing was sent:\n{details}"
        )


def _task(action: PlannedAction, target: Target) -> CreateTask:
    d = action.desired
    assert d is not None  # a create always has its spec
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
    if options.auto_approve:
        return
    if hooks.confirm is None:
        raise AbortedError(
            "apply needs confirmation and there is no terminal to ask",
            hint="review the plan, then run again with --auto-approve",
        )
    if not hooks.confirm(plan):
        raise AbortedError("apply cancelled; nothing was sent")


def run_apply(
    store: StateStore,
    target: Target,
    plan_for: Callable[[StateSnapshot], Plan],
    open_api: Callable[[], CampaignAPI],
    options: ApplyOptions,
    hooks: ApplyHooks,
) -> ApplyReport:
    """Lock, plan under the lock, guard, confirm, move, create. A no-op writes nothing."""
    with store.lock("apply", options.lock_timeout):
        snapshot = store.snapshot()
        check_binding(snapshot, target, new_state=options.new_state)
        plan = with_guards(plan_for(snapshot), target.guards)
        refuse_on_guards(plan)
        return _apply_plan(store, target, plan, open_api, options, hooks)


def _apply_plan(
    store: StateStore,
    target: Target,
    plan: Plan,
    open_api: Callable[[], CampaignAPI],
    options: ApplyOptions,
    hooks: ApplyHooks,
) -> ApplyReport:
    """Under the lock, with a guarded plan: confirm, then write and send."""
    report = ApplyReport(target.environment, plan=plan)
    report.in_doubt_before = [a.key for a in plan.of_kind(ActionKind.IN_DOUBT)]
    moves = moves_of(plan)
    if not plan.creates and not moves:
        report.nothing_to_do = True
        hooks.show_plan(plan)
        return report
    api = open_api() if plan.creates else None  # a missing token refuses before asking
    try:
        _confirm(plan, options, hooks)
        who = actor()
        store.bind(target.api_url)
        for old, new in moves:
            store.move(old, new, actor=who)
            report.moved.append((old, new))
        if api is not None:
            report.result = execute(
                [_task(a, target) for a in plan.creates],
                store,
                api,
                parallelism=options.parallelism,
                rate=options.rate,
                cancel=hooks.cancel,
                on_event=hooks.on_event,
                actor=who,
                run_id=new_run_id(),
            )
    finally:
        if api is not None:
            api.close()
    return report

