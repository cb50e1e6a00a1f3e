"""The plan: what the planner decided, as a value every renderer and the executor read."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from reconciler.campaign import DesiredCampaign
from reconciler.errors import Diagnostic
from reconciler.models.cost import CampaignCost, PlanCost
from reconciler.state.base import Attempt, RecordedCampaign

if TYPE_CHECKING:  # the policies import this module
    from reconciler.policies.findings import Finding

FORMAT_VERSION = 1


class ActionKind(StrEnum):
    """The actions of PRODUCT.md section 5; the values are the JSON names scripts rely on."""

    CREATE = "create"
    UNCHANGED = "unchanged"
    CHANGED = "changed"
    GONE = "gone"
    IN_DOUBT = "in_doubt"
    AWAITING_PROMOTION = "awaiting_promotion"

    @property
    def mark(self) -> str:
        return _MARKS[self]


# What waits for a person (``plan --attention-exitcode``, the board's filter): apply
# sends nothing for these until someone resolves, promotes or re-keys them.
ATTENTION = frozenset({ActionKind.IN_DOUBT, ActionKind.AWAITING_PROMOTION, ActionKind.CHANGED})

_MARKS: Mapping[ActionKind, str] = {
    ActionKind.CREATE: "+",
    ActionKind.UNCHANGED: " ",
    ActionKind.CHANGED: "~",
    ActionKind.GONE: "-",
    ActionKind.IN_DOUBT: "?",
    ActionKind.AWAITING_PROMOTION: ">",
}


@dataclass(frozen=True)
class PlannedAction:
    """One campaign's line in the plan.

    ``desired`` is None only for ``gone``; ``recorded`` is set when the state holds the key
    (or, with ``moved_from``, one of its previous keys). ``attempt`` is the in-doubt attempt,
    or for a create the last failed one. ``reason`` explains awaiting promotion (or
    a create made without the promotion gate). ``preview``: a create's message as the
    catalogue shows it (None without one); ``cost``: a create's estimate (None without
    a rate card). ``unsuppressed``: with ``suppression_mode: drop``, the spec before its
    opted-out recipients were dropped (its body is the one the fingerprint is of).
    """

    key: str
    kind: ActionKind
    desired: DesiredCampaign | None = None
    recorded: RecordedCampaign | None = None
    attempt: Attempt | None = None
    moved_from: str | None = None
    reason: str = ""
    preview: str | None = None
    unsuppressed: DesiredCampaign | None = None
    cost: CampaignCost | None = None

    @property
    def name(self) -> str:
        if self.desired is not None:
            return self.desired.name
        if self.recorded is not None:
            return self.recorded.name
        return ""

    @property
    def recipients(self) -> int:
        return self.desired.recipients if self.desired is not None else 0


@dataclass(frozen=True)
class Plan:
    """A whole environment's plan, actions ordered by key.

    ``lineage``/``serial`` are the state's at plan time (None/0 for a state not yet made);
    ``diagnostics`` holds warnings (changed, gone, in doubt, past start, flagged
    suppression) and guard errors; ``policies``: the audience policies' findings (each
    also one of ``diagnostics``), for the formats that list them apart; ``cost``: the
    creates' estimate (None without a rate card); ``counted``: the count per action of a
    plan read back from a file that keeps only some of its actions (``show``).
    """

    environment: str
    actions: Sequence[PlannedAction]
    lineage: str | None = None
    serial: int = 0
    state_exists: bool = False
    diagnostics: Sequence[Diagnostic] = field(default_factory=tuple)
    policies: Sequence[Finding] = field(default_factory=tuple)
    cost: PlanCost | None = None
    counted: Mapping[str, int] | None = None

    def of_kind(self, kind: ActionKind) -> list[PlannedAction]:
        return [a for a in self.actions if a.kind is kind]

    @property
    def creates(self) -> list[PlannedAction]:
        return self.of_kind(ActionKind.CREATE)

    @property
    def moves(self) -> tuple[tuple[str, str], ...]:
        """(old key, new key) of each record that follows a renamed key: a move, no request."""
        return tuple((a.moved_from, a.key) for a in self.actions if a.moved_from and a.recorded)

    @property
    def summary(self) -> dict[str, int]:
        """Count per action, every action present (0 when none)."""
        if self.counted is not None:
            return {kind.value: int(self.counted.get(kind.value, 0)) for kind in ActionKind}
        counts = Counter(a.kind for a in self.actions)
        return {kind.value: counts.get(kind, 0) for kind in ActionKind}

    @property
    def recipients_to_create(self) -> int:
        return sum(a.recipients for a in self.creates)

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]
