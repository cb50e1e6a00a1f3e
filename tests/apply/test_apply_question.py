"""Apply's question says what the run would do, and where: no "for real" on the sandbox."""

from __future__ import annotations

from reconciler.apply_plan import ApplyPlan
from reconciler.cli.apply_cmd import question
from reconciler.planner import make_plan
from tests.support.factories import NOW, make_desired, make_record, make_snapshot

API = "https://api.example.test"


def _applied(api_url: str, *, creates: int, moved: bool = False) -> ApplyPlan:
    desired = [make_desired(f"c{i}") for i in range(creates)]
    records = []
    if moved:
        old = make_desired("old")
        desired.append(make_desired("new", body=old.body, previous_keys=["old"]))
        records.append(make_record("old", desired=old))
    plan = make_plan(desired, make_snapshot(records=records), environment="dev", now=NOW)
    return ApplyPlan.from_plan(plan, api_url)


def test_creates_in_contactswing_are_for_real() -> None:
    asked = question(_applied(API, creates=2))
    assert "Create 2 campaigns in ContactSwing (dev) for real?" in asked
    assert "cannot be changed or deleted" in asked


def test_on_the_sandbox_it_says_nothing_reaches_contactswing() -> None:
    asked = question(_applied("sandbox", creates=1))
    assert "Create 1 campaign in the built-in sandbox (dev)?" in asked
    assert "for real" not in asked and "Nothing is sent to ContactSwing." in asked


def test_a_run_that_only_moves_records_asks_about_the_moves() -> None:
    asked = question(_applied(API, creates=0, moved=True))
    assert asked.strip() == "Move 1 record to renamed keys in the state of dev? Nothing is sent."


def test_creates_and_moves_are_both_named() -> None:
    asked = question(_applied(API, creates=1, moved=True))
    assert "Create 1 campaign in ContactSwing (dev) for real, and move 1 record" in asked
