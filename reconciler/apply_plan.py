"""What one apply writes and sends, built alike from a fresh plan (``apply --env``) and a
saved one (``apply PLAN_FILE``, via ``planfile.saved_plan_as_plan``). Pure: no I/O."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from reconciler.errors import StateError
from reconciler.executor_values import CreateTask
from reconciler.plan import Plan, PlannedAction


def idempotency_key(environment: str, key: str, fingerprint: str) -> str:
    """The ``Idempotency-Key`` of a create: SHA-256 of environment, key and fingerprint.

    The one derivation: the plan file stores it and the executor sends it.
    """
    material = "\x00".join((environment, key, fingerprint))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ApplyPlan:
    """The record moves (``previous_keys`` renames), then the creates, for one binding.

    ``lineage``/``serial``: the state planned against. ``plan``, shown and confirmed, is
    not compared: a saved plan shows only what it does, a fresh one all it leaves alone.
    """

    environment: str
    api_url: str
    lineage: str | None
    serial: int
    moves: tuple[tuple[str, str], ...]
    tasks: tuple[CreateTask, ...]
    plan: Plan = field(compare=False, repr=False)

    @classmethod
    def from_plan(cls, plan: Plan, api_url: str) -> ApplyPlan:
        """Every create of ``plan`` with its body, and its moves (``Plan.moves``).

        StateError when a create holds no body: it was none when the bodies were loaded.
        """
        return cls(
            environment=plan.environment,
            api_url=api_url,
            lineage=plan.lineage,
            serial=plan.serial,
            moves=plan.moves,
            tasks=tuple(create_task(a, plan.environment) for a in plan.creates),
            plan=plan,
        )


def create_task(action: PlannedAction, environment: str) -> CreateTask:
    """The create of ``action``, as sent and as a saved plan keeps it."""
    d = action.desired
    assert d is not None  # a create always has its spec
    if not d.has_body:
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
        idempotency_key=idempotency_key(environment, d.key, d.fingerprint),
    )
