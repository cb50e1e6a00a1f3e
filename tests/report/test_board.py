"""The board: each plan action's kind as a word and a colour, per environment."""

from __future__ import annotations

from reconciler.planner import make_plan
from reconciler.promotion import PromotionSource
from reconciler.report.board import (
    NO_SPEC,
    CellState,
    EnvPlan,
    EnvProblem,
    build_board,
    promotion_order,
)
from reconciler.report.calendar import build_calendar
from reconciler.report.html import Page, render_page
from reconciler.state.base import AttemptStatus
from tests.report.helpers import visible_text
from tests.support.factories import NOW, make_attempt, make_desired, make_record, make_snapshot


def _dev_plan():
    created = make_desired("created-one")
    changed_then = make_desired("changed-one")
    changed_now = make_desired("changed-one", name="A new name")
    doubt = make_desired("doubtful")
    failed = make_desired("failed-once")
    snapshot = make_snapshot(
        records=[
            make_record("created-one", desired=created, campaign_id="cmp-777"),
            make_record("changed-one", desired=changed_then),
            make_record("gone-one"),
        ],
        in_doubt=[make_attempt("doubtful")],
        failures=[make_attempt("failed-once", status=AttemptStatus.FAILED, error="bad input")],
    )
    desired = [created, changed_now, doubt, failed, make_desired("brand-new")]
    return make_plan(desired, snapshot, environment="dev", now=NOW), snapshot


def _cells(board, env_index=0):
    return {row.key: row.cells[env_index] for row in board.rows}


def test_each_plan_action_becomes_its_word_with_date_id_and_note():
    plan, _ = _dev_plan()
    cells = _cells(build_board([EnvPlan("dev", plan)]))
    assert cells["created-one"].state is CellState.CREATED
    assert cells["created-one"].detail == "2027-09-01 · cmp-777"
    assert cells["changed-one"].state is CellState.CHANGED
    assert "cannot update" in cells["changed-one"].note
    assert cells["gone-one"].state is CellState.GONE
    assert "still live" in cells["gone-one"].note
    assert cells["doubtful"].state is CellState.IN_DOUBT
    assert cells["doubtful"].detail == "attempt of 2027-09-01"
    assert cells["brand-new"].state is CellState.TO_CREATE
    assert cells["brand-new"].detail == "2 recipients"
    assert cells["failed-once"].state is CellState.TO_CREATE
    assert "last attempt failed: bad input" in cells["failed-once"].note


def test_attention_is_in_doubt_awaiting_promotion_and_changed_only():
    plan, _ = _dev_plan()
    board = build_board([EnvPlan("dev", plan)])
    needing = {row.key for row in board.rows if row.attention}
    assert needing == {"changed-one", "doubtful"}
    assert board.attention == 2


def test_a_campaign_not_sent_by_the_source_awaits_promotion_with_the_reason():
    spec = make_desired("promo")
    source = make_snapshot("dev")  # dev has created nothing
    plan = make_plan(
        [spec],
        make_snapshot("prod"),
        environment="prod",
        now=NOW,
        promotion=PromotionSource.from_snapshot(source),
    )
    (cell,) = _cells(build_board([EnvPlan("prod", plan)])).values()
    assert cell.state is CellState.AWAITING
    assert "not created in dev yet" in cell.note
    assert cell.attention


def test_columns_follow_the_given_order_and_keys_absent_from_one_are_said_so():
    plan, _ = _dev_plan()
    other = make_plan(
        [make_desired("only-prod")], make_snapshot("prod"), environment="prod", now=NOW
    )
    board = build_board([EnvPlan("dev", plan), EnvPlan("prod", other)])
    assert [c.name for c in board.columns] == ["dev", "prod"]
    cells = {row.key: row.cells for row in board.rows}
    assert cells["only-prod"][0].state is CellState.ABSENT
    assert cells["brand-new"][1].state is CellState.ABSENT
    assert cells["only-prod"][1].state is CellState.TO_CREATE


def test_an_environment_that_could_not_be_planned_shows_its_problem_in_every_cell():
    plan, _ = _dev_plan()
    problem = EnvProblem(CellState.STATE_UNREADABLE, "cannot open the state")
    board = build_board([EnvPlan("dev", plan), EnvPlan("prod", problem=problem)])
    assert {row.cells[1].state for row in board.rows} == {CellState.STATE_UNREADABLE}
    assert board.columns[1].problem == problem


def test_rows_are_grouped_by_spec_file_and_gone_keys_last():
    a = make_desired("a", file="campaigns/x.yaml")
    b = make_desired("b", file="campaigns/x.yaml")
    c = make_desired("c", file="campaigns/a.yaml")
    snapshot = make_snapshot(records=[make_record("zombie")])
    plan = make_plan([a, b, c], snapshot, environment="dev", now=NOW)
    board = build_board([EnvPlan("dev", plan)])
    groups = [(g.file, [r.key for r in g.rows]) for g in board.groups]
    assert groups == [
        ("campaigns/a.yaml", ["c"]),
        ("campaigns/x.yaml", ["a", "b"]),
        (NO_SPEC, ["zombie"]),
    ]
    calendar = build_calendar([], ["dev"], first=NOW.date(), weeks=1, limits={})
    text = visible_text(render_page(Page("Board", NOW, board, calendar)))
    assert "4 campaigns in 2 spec files" in text
    assert board.spec_files == 2  # the keys with no spec are not a spec file


def test_column_counts_and_the_state_it_read():
    plan, _ = _dev_plan()
    empty = make_plan([make_desired("x")], make_snapshot(exists=False), environment="dev", now=NOW)
    board = build_board([EnvPlan("dev", plan), EnvPlan("new", empty)])
    assert board.columns[0].note == "state serial 3"
    assert board.columns[0].counts[CellState.TO_CREATE] == 2
    assert board.columns[1].note == "no state yet: planned as empty"


def test_promotion_order_puts_each_source_before_its_target():
    sources = {"prod": "staging", "staging": "dev", "dev": None, "qa": None}
    assert promotion_order(["prod", "qa", "staging", "dev"], sources) == [
        "dev",
        "staging",
        "prod",
        "qa",
    ]
    assert promotion_order(["prod", "dev"], sources) == ["dev", "prod"]  # through staging
    assert promotion_order(["a", "b"], {"a": "b", "b": "a"}) == ["b", "a"]  # a loop ends
