"""The board: every campaign key by environment, in promotion order (PRODUCT.md section 12).

Built from the plans ``plan`` makes, one per environment: each cell is a plan action's
kind said as a word (``created`` for unchanged), with its date, campaign id or reason.
An environment that could not be planned (its state missing or unreadable) shows that
in every cell of its column. Pure: no file, no state, no network.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from reconciler.campaign import DesiredCampaign
from reconciler.output.wording import note
from reconciler.plan import ATTENTION, ActionKind, Plan, PlannedAction
from reconciler.words import count

NO_SPEC = "(no spec: gone)"  # the group of keys only a state still records


class CellState(StrEnum):
    """What a cell says, in words (never colour alone)."""

    CREATED = "created"
    TO_CREATE = "to create"
    AWAITING = "awaiting promotion"
    CHANGED = "changed"
    GONE = "gone"
    IN_DOUBT = "in doubt"
    ABSENT = "not in this environment"
    STATE_MISSING = "state missing"
    STATE_UNREADABLE = "state unreadable"
    NOT_PLANNED = "not planned"

    @functools.cached_property  # read for every cell of a large board
    def css(self) -> str:
        """The class name of its colour (``state-to-create``)."""
        return "state-" + self.replace(" ", "-")


OF_KIND: Mapping[ActionKind, CellState] = {
    ActionKind.UNCHANGED: CellState.CREATED,
    ActionKind.CREATE: CellState.TO_CREATE,
    ActionKind.AWAITING_PROMOTION: CellState.AWAITING,
    ActionKind.CHANGED: CellState.CHANGED,
    ActionKind.GONE: CellState.GONE,
    ActionKind.IN_DOUBT: CellState.IN_DOUBT,
}


class EnvProblem(NamedTuple):
    """Why an environment has no plan: its cells' state and the message behind it."""

    state: CellState
    message: str


@dataclass(frozen=True)
class EnvPlan:
    """One environment as the board reads it: its plan, or the problem that stopped it.

    ``specs``: with a problem, the environment's campaigns (its rows, every cell the
    problem), so a board of that environment alone still lists them.
    """

    name: str
    plan: Plan | None = None
    problem: EnvProblem | None = None
    specs: Sequence[DesiredCampaign] = ()


@dataclass(frozen=True)
class Cell:
    """One campaign in one environment: its state, a date and id, a note (masked)."""

    state: CellState
    detail: str = ""
    note: str = ""
    attention: bool = False


@dataclass(frozen=True)
class Column:
    """An environment: ``note`` says which state it read; ``counts`` per state word."""

    name: str
    note: str
    problem: EnvProblem | None
    counts: Mapping[CellState, int]
    refused: tuple[str, ...] = ()  # the errors that would refuse its plan (guards, policies)


@dataclass(frozen=True)
class Row:
    key: str
    name: str
    cells: tuple[Cell, ...]

    @property
    def attention(self) -> bool:
        return any(c.attention for c in self.cells)


@dataclass(frozen=True)
class Group:
    """The rows of one spec file."""

    file: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Board:
    columns: tuple[Column, ...]
    groups: tuple[Group, ...]

    @property
    def rows(self) -> list[Row]:
        return [row for group in self.groups for row in group.rows]

    @property
    def spec_files(self) -> int:
        """How many spec files the rows come from (not the group of keys with no spec)."""
        return sum(group.file != NO_SPEC for group in self.groups)

    @property
    def attention(self) -> int:
        """How many campaigns need a person somewhere."""
        return sum(row.attention for row in self.rows)


def promotion_order(names: Sequence[str], promote_from: Mapping[str, str | None]) -> list[str]:
    """``names`` with each environment after the one it promotes from, directly or through
    environments not shown; otherwise as given."""
    placed: dict[str, None] = {}  # ordered

    def place(name: str, seen: frozenset[str]) -> None:
        source = promote_from.get(name)
        hops = 0
        while source is not None and source not in names and hops < len(promote_from):
            source, hops = promote_from.get(source), hops + 1  # through one not shown
        if source is not None and source in names and source not in seen | placed.keys():
            place(source, seen | {name})
        placed.setdefault(name)

    for name in names:
        place(name, frozenset())
    return list(placed)


def cell_of(action: PlannedAction, refusals: Sequence[str] = ()) -> Cell:
    """The cell of one plan action; ``refusals``: the errors of its own that refuse the plan."""
    recorded = action.recorded
    detail = ""
    if recorded is not None and action.kind is not ActionKind.CREATE:
        detail = f"{recorded.created_at:%Y-%m-%d} · {recorded.campaign_id}"
    elif action.kind is ActionKind.IN_DOUBT and action.attempt is not None:
        detail = f"attempt of {action.attempt.started_at:%Y-%m-%d}"
    elif action.kind in (ActionKind.CREATE, ActionKind.AWAITING_PROMOTION):
        detail = count(action.recipients, "recipient")
    notes = [_note(action), *(f"refused: {r}" for r in refusals)]
    said = "; ".join(n for n in notes if n)
    return Cell(OF_KIND[action.kind], detail, said, action.kind in ATTENTION)


def _note(action: PlannedAction) -> str:
    """The plan's note, a pending rename said as what apply will do (the state still
    holds the record under its old key until then)."""
    if not (action.moved_from and action.recorded):
        return note(action, show_sensitive=False)
    rest = note(dataclasses.replace(action, moved_from=None), show_sensitive=False)
    moves = f"record moves from {action.moved_from} on apply"
    return "; ".join(part for part in (moves, rest) if part)


def build_board(envs: Sequence[EnvPlan]) -> Board:
    """The board of these environments (given in promotion order)."""
    columns = tuple(_column(env) for env in envs)
    cells: dict[str, dict[str, Cell]] = {}
    names: dict[str, str] = {}
    files: dict[str, str] = {}
    for env in envs:
        refusals = refusals_by_key(env.plan) if env.plan is not None else {}
        for action in env.plan.actions if env.plan is not None else ():
            cell = cell_of(action, refusals.get(action.key, ()))
            cells.setdefault(action.key, {})[env.name] = cell
            names.setdefault(action.key, action.name)
            if action.desired is not None:
                files.setdefault(action.key, action.desired.location.file)
        for spec in env.specs if env.plan is None else ():
            cells.setdefault(spec.key, {})
            names.setdefault(spec.key, spec.name)
            files.setdefault(spec.key, spec.location.file)
    absent = Cell(CellState.ABSENT)
    by_file: dict[str, list[Row]] = {}
    for key in sorted(cells):
        row_cells = tuple(
            Cell(env.problem.state) if env.problem is not None else cells[key].get(env.name, absent)
            for env in envs
        )
        by_file.setdefault(files.get(key, NO_SPEC), []).append(Row(key, names[key], row_cells))
    order = sorted(by_file, key=lambda f: (f == NO_SPEC, f))
    return Board(columns, tuple(Group(f, tuple(by_file[f])) for f in order))


def refusals_by_key(plan: Plan) -> dict[str, list[str]]:
    """Per campaign key, the short messages of the errors of its own that refuse ``plan``:
    the policies' error findings and the guards' errors about one campaign (``KEY: …``)."""
    found: dict[str, dict[str, None]] = {}
    for finding in plan.policies:
        for key in finding.keys if finding.is_error else ():
            found.setdefault(key, {})[finding.message] = None
    keys = {a.key for a in plan.actions}
    for d in plan.diagnostics:
        key, sep, rest = d.message.partition(": ")
        if d.is_error and sep and key in keys and not d.field.startswith("policies."):
            found.setdefault(key, {})[rest] = None
    return {key: list(messages) for key, messages in found.items()}


def _column(env: EnvPlan) -> Column:
    if env.plan is None:
        return Column(env.name, "", env.problem, {})
    counts: dict[CellState, int] = {}
    for action in env.plan.actions:
        state = OF_KIND[action.kind]
        counts[state] = counts.get(state, 0) + 1
    ordered = {state: counts[state] for state in OF_KIND.values() if state in counts}
    plan = env.plan
    read = f"state serial {plan.serial}" if plan.state_exists else "no state yet: planned as empty"
    refused = tuple(dict.fromkeys(d.message for d in plan.diagnostics if d.is_error))
    return Column(env.name, read, None, ordered, refused)
