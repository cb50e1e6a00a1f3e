"""Saved plans (``plan --out FILE``): the exact bodies to send, and the state they were planned on.

The file is JSON, created 0600 (it holds recipients' numbers unmasked) and never holds the
token. ``apply FILE`` loads it, checks it is not stale against the state under the lock,
and sends exactly ``wire_body`` of each create. Once applied, its keys are recorded, so a
second apply of the same file is stale: a saved plan is applied at most once.

Format 2 also keeps what the review showed: each create's message preview and estimate,
the plan's total and its warnings, so ``show FILE`` prints the plan as it was reviewed (not as
today's catalogue or rate card would price it). Format 1 files (no preview, no cost) are
still read.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconciler import __version__
from reconciler.api.wire import to_wire
from reconciler.apply_plan import create_task, idempotency_key
from reconciler.campaign import DesiredCampaign, fingerprint
from reconciler.errors import ConfigError, Diagnostic, Severity, SourceLocation, StalePlanError
from reconciler.models.cost import CampaignCost, PlanCost, exact
from reconciler.plan import ActionKind, Plan, PlannedAction
from reconciler.state.base import StateSnapshot
from reconciler.state.binding import normalise_api_url

if TYPE_CHECKING:
    from reconciler.config import Environment, Project

PLAN_FILE_KIND = "reconciler-plan"
PLAN_FILE_VERSION = 2  # 2: the review's preview and cost are kept
READABLE_VERSIONS = (1, 2)


@dataclass(frozen=True)
class SavedCreate:
    """One create of a saved plan. ``body`` is canonical (E.164); ``wire_body`` is sent."""

    key: str
    name: str
    recipients: int
    fingerprint: str
    source_fingerprint: str
    idempotency_key: str
    body: Mapping[str, Any]
    wire_body: Mapping[str, Any]
    last_attempt_id: int | None = None
    # suppression_mode drop: the body before suppression, the one ``fingerprint`` is of.
    unsuppressed_body: Mapping[str, Any] | None = None
    # What the review showed (format 2): the message preview, with a catalogue, and the
    # estimate, with a rate card. Shown by ``show``; apply sends ``wire_body`` alone.
    preview: str | None = None
    cost: CampaignCost | None = None


@dataclass(frozen=True)
class SavedPlan:
    """A plan as written by ``plan --out``; ``moves`` are (old key, new key) record moves."""

    environment: str
    api_url: str
    phone_format: str
    lineage: str | None
    serial: int
    state_exists: bool
    created_at: str
    tool_version: str
    git_commit: str | None
    creates: tuple[SavedCreate, ...]
    moves: tuple[tuple[str, str], ...] = ()
    format_version: int = PLAN_FILE_VERSION
    cost: PlanCost | None = None  # the creates' total estimate, as reviewed (format 2)
    warnings: tuple[Diagnostic, ...] = ()  # the plan's warnings, as reviewed (format 2)
    # The plan's count per action, as it printed them: the file keeps only the creates
    # and moves, so ``show`` could not count the unchanged or changed ones (format 2).
    summary: dict[str, int] | None = None


def build_saved_plan(
    plan: Plan,
    *,
    api_url: str,
    phone_format: str,
    created_at: datetime,
    git_commit: str | None = None,
) -> SavedPlan:
    """The saved form of a plan: each create with its exact wire body and idempotency key."""
    return SavedPlan(
        environment=plan.environment,
        api_url=api_url,
        phone_format=phone_format,
        lineage=plan.lineage,
        serial=plan.serial,
        state_exists=plan.state_exists,
        created_at=created_at.isoformat(timespec="seconds"),
        tool_version=__version__,
        git_commit=git_commit,
        creates=tuple(_saved_create(plan.environment, a, phone_format) for a in plan.creates),
        moves=plan.moves,
        cost=plan.cost,
        warnings=tuple(plan.warnings),
        summary=plan.summary,
    )


def _saved_create(environment: str, action: PlannedAction, phone_format: str) -> SavedCreate:
    task = create_task(action, environment)
    return SavedCreate(
        **vars(task),  # key, name, body, fingerprints, idempotency key: as apply sends them
        recipients=action.recipients,
        wire_body=to_wire(task.body, phone_format),
        last_attempt_id=action.attempt.id if action.attempt is not None else None,
        unsuppressed_body=action.unsuppressed.body if action.unsuppressed else None,
        preview=action.preview,
        cost=action.cost,
    )


def to_json(saved: SavedPlan) -> str:
    """The file's text: the saved plan as JSON, with a ``kind`` marker."""
    data = {"kind": PLAN_FILE_KIND, **asdict(saved)}
    return json.dumps(data, indent=2, ensure_ascii=False, default=_exact) + "\n"


def _exact(value: object) -> str:
    """JSON for the estimates' amounts: exact decimal strings, never floats."""
    if isinstance(value, Decimal):
        return exact(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def write_plan(path: Path, saved: SavedPlan) -> None:
    """Write the plan file atomically, readable by its owner only (0600) from the start."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise ConfigError(
            f"cannot write the plan file {path}: {exc.strerror or exc}",
            hint="check that its folder exists and is writable",
        ) from None
    try:
        os.fchmod(fd, 0o600)  # mkstemp makes 0600 already; say so where it matters
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(to_json(saved))
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise


def load_plan(path: Path) -> SavedPlan:
    """Read a plan file; ConfigError when it is not one, or was edited since it was saved."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read plan file {path}: {exc}") from None
    if not isinstance(data, dict) or data.get("kind") != PLAN_FILE_KIND:
        raise ConfigError(f"{path} is not a reconciler plan file", hint="make one with plan --out")
    if data.get("format_version") not in READABLE_VERSIONS:
        raise ConfigError(
            f"{path} has plan file format {data.get('format_version')!r}; "
            f"this reconciler reads formats {', '.join(map(str, READABLE_VERSIONS))}",
            hint="plan again with this version of reconciler",
        )
    try:
        saved = _from_dict(data)
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise ConfigError(f"{path} is a damaged plan file ({exc})") from None
    _check_integrity(saved, path)
    return saved


def _from_dict(data: dict[str, Any]) -> SavedPlan:
    fields = {k: v for k, v in data.items() if k != "kind"}
    fields["creates"] = tuple(_create_from_dict(c) for c in fields["creates"])
    fields["moves"] = tuple((str(old), str(new)) for old, new in fields.get("moves", ()))
    if fields.get("cost") is not None:
        cost = dict(fields["cost"])
        fields["cost"] = PlanCost(**{**cost, "total": Decimal(cost["total"])})
    fields["warnings"] = tuple(_diagnostic_from_dict(d) for d in fields.get("warnings", ()))
    if fields.get("summary") is not None:
        fields["summary"] = {str(kind): int(n) for kind, n in dict(fields["summary"]).items()}
    return SavedPlan(**fields)


def _diagnostic_from_dict(data: Mapping[str, Any]) -> Diagnostic:
    fields = dict(data)
    location = SourceLocation(**fields.pop("location"))
    return Diagnostic(location, **{**fields, "severity": Severity(fields["severity"])})


def _create_from_dict(data: Mapping[str, Any]) -> SavedCreate:
    fields = dict(data)
    if fields.get("cost") is not None:
        cost = dict(fields["cost"])
        markets = {str(k): int(v) for k, v in cost["markets"].items()}
        fields["cost"] = CampaignCost(
            **{**cost, "amount": Decimal(cost["amount"]), "markets": markets}
        )
    return SavedCreate(**fields)


def _check_integrity(saved: SavedPlan, path: Path) -> None:
    """Each body still matches its fingerprint, wire body and idempotency key."""
    for c in saved.creates:
        expected_key = idempotency_key(saved.environment, c.key, c.fingerprint)
        if (
            fingerprint(c.body if c.unsuppressed_body is None else c.unsuppressed_body)
            != c.fingerprint
            or not _only_dropped(c.body, c.unsuppressed_body)
            or to_wire(c.body, saved.phone_format) != dict(c.wire_body)
            or c.idempotency_key != expected_key
        ):
            raise ConfigError(
                f"{path}: the saved body of {c.key} does not match its fingerprint",
                hint="the file was edited after plan --out; plan again",
            )


def _only_dropped(body: Mapping[str, Any], before: Mapping[str, Any] | None) -> bool:
    """Whether ``body`` is ``before`` less some recipients, in order (or ``before`` is None)."""
    if before is None:
        return True
    body_rest, sent = _split_details(body)
    full_rest, full = _split_details(before)
    remaining = iter(full)
    return body_rest == full_rest and all(r in remaining for r in sent)


def _split_details(body: Mapping[str, Any]) -> tuple[dict[str, Any], Any]:
    """The body without its recipients, and its recipients."""
    touchpoint = dict(body.get("touchpoint", {}))
    details = touchpoint.pop("customer_details", [])
    return {**body, "touchpoint": touchpoint}, details


def saved_environment(
    saved: SavedPlan, project: Project, os_environ: Mapping[str, str]
) -> Environment:
    """The environment ``saved`` was made for, as configured now; StalePlanError when it
    now uses another API than the plan's."""
    env = project.environment(saved.environment, os_environ)
    if normalise_api_url(saved.api_url) != normalise_api_url(env.api_url):
        raise StalePlanError(
            f"stale plan: it was made for API {saved.api_url}, the environment now uses "
            f"{env.api_url}",
            hint="plan again, review the new plan, and apply that",
        )
    return env


def check_not_stale(saved: SavedPlan, snapshot: StateSnapshot) -> None:
    """Raise StalePlanError when the state moved on in a way that concerns this plan.

    Stale: another environment or lineage, or any campaign of the plan that the state has
    recorded (created, in doubt, or attempted) since. Unrelated writes are fine.
    """
    hint = "plan again, review the new plan, and apply that"
    if snapshot.environment != saved.environment:
        raise StalePlanError(
            f"stale plan: it was made for environment {saved.environment}, "
            f"not {snapshot.environment}",
            hint=hint,
        )
    if saved.lineage is not None and snapshot.lineage != saved.lineage:
        raise StalePlanError(
            f"stale plan: it was made against another state (lineage {saved.lineage}, "
            f"this state has {snapshot.lineage or 'none'})",
            hint=hint,
        )
    changed = sorted(_recorded_since(saved, snapshot))
    if changed:
        listed = ", ".join(changed[:10]) + (" …" if len(changed) > 10 else "")
        raise StalePlanError(
            f"stale plan: the state has recorded {len(changed)} of its campaigns since "
            f"it was made ({listed}); a saved plan is applied at most once",
            hint=hint,
        )


def saved_plan_as_plan(saved: SavedPlan, snapshot: StateSnapshot, plan_file: str) -> Plan:
    """A saved plan as the Plan apply runs: its exact creates and moves, against
    ``snapshot``; StalePlanError when the state made it stale (``check_not_stale``)."""
    check_not_stale(saved, snapshot)
    actions = _actions(saved, snapshot, plan_file)
    return Plan(
        saved.environment, actions, snapshot.lineage, snapshot.serial, snapshot.exists,
        cost=saved.cost,
    )  # fmt: skip


def reviewed_plan(saved: SavedPlan, snapshot: StateSnapshot | None, plan_file: str) -> Plan:
    """A saved plan as it was reviewed (``show``): at the saved lineage, with the warnings
    and counts it showed; of its record moves, those ``snapshot`` (None: not read) allows."""
    snapshot = snapshot or StateSnapshot.empty(saved.environment)
    moves = tuple(m for m in saved.moves if m[0] in snapshot.campaigns)
    actions = _actions(dataclasses.replace(saved, moves=moves), snapshot, plan_file)
    return Plan(
        saved.environment, actions, saved.lineage, saved.serial, saved.state_exists,
        saved.warnings, cost=saved.cost, counted=saved.summary,
    )  # fmt: skip


def _actions(
    saved: SavedPlan, snapshot: StateSnapshot, plan_file: str
) -> tuple[PlannedAction, ...]:
    """The saved creates and the record moves, by key; the moved records from ``snapshot``."""
    actions: list[PlannedAction] = []
    for c in saved.creates:
        desired = DesiredCampaign.from_body(
            c.key,
            c.body,
            fingerprint=c.fingerprint,
            source_fingerprint=c.source_fingerprint,
            location=SourceLocation(plan_file),
        )
        action = PlannedAction(
            c.key, ActionKind.CREATE, desired=desired, preview=c.preview, cost=c.cost
        )
        actions.append(action)
    for old, new in saved.moves:
        record = snapshot.campaigns[old]
        actions.append(PlannedAction(new, ActionKind.UNCHANGED, recorded=record, moved_from=old))
    return tuple(sorted(actions, key=lambda a: a.key))


def _recorded_since(saved: SavedPlan, snapshot: StateSnapshot) -> set[str]:
    keys: set[str] = set()
    for c in saved.creates:
        failure = snapshot.last_failures.get(c.key)
        attempted = failure is not None and failure.id != c.last_attempt_id
        if c.key in snapshot.campaigns or c.key in snapshot.in_doubt or attempted:
            keys.add(c.key)
    for old, new in saved.moves:
        if old not in snapshot.campaigns or new in snapshot.campaigns:
            keys.add(new)
    return keys


def git_commit(directory: Path) -> str | None:
    """The commit checked out in ``directory``, or None outside a git repository."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and len(commit) >= 40 else None
