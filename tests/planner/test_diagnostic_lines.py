"""Planner and guard diagnostics point at the line of the field they name."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

from reconciler.campaign import (
    CSV_RECIPIENTS_FIELD,
    RECIPIENTS_FIELD,
    START_FIELD,
    SUPPRESSION_FIELD,
    DesiredCampaign,
)
from reconciler.errors import Diagnostic, SourceLocation
from reconciler.guards import GuardSettings, check_guards
from reconciler.plan import Plan
from reconciler.planner import make_plan
from reconciler.state.base import StateSnapshot
from tests.specs.helpers import GOOD_CSV, load, spec_with
from tests.support.factories import NOW, make_desired
from tests.support.projects import make_project

LINES = {START_FIELD: 8, SUPPRESSION_FIELD: 11, RECIPIENTS_FIELD: 18}


def _desired(**overrides: object) -> DesiredCampaign:
    """A campaign at campaigns/a.yaml:3 whose reported fields are on other lines."""
    d = make_desired("a", file="campaigns/a.yaml", line=3, **overrides)
    return dataclasses.replace(d, field_lines=LINES)


def _plan(*desired: DesiredCampaign) -> Plan:
    return make_plan(desired, StateSnapshot.empty("dev"), environment="dev", now=NOW)


def _by_field(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> dict[str, str]:
    return {d.field: str(d.location) for d in diagnostics}


def test_past_start_warning_is_at_the_start_at_line() -> None:
    """The past start_at warning names the start_at line, not the document's."""
    plan = _plan(_desired(start_at=(NOW - timedelta(days=1)).isoformat()))
    assert _by_field(plan.diagnostics) == {START_FIELD: "campaigns/a.yaml:8"}


def test_guard_errors_are_at_their_field_lines() -> None:
    """max_recipients and ignore_suppression point at customer_details and the flag."""
    plan = _plan(_desired(recipients=3, ignore_suppression=True))
    found = _by_field(check_guards(plan, GuardSettings(max_recipients=2)))
    assert found == {
        RECIPIENTS_FIELD: "campaigns/a.yaml:18",
        SUPPRESSION_FIELD: "campaigns/a.yaml:11",
    }


def test_without_recorded_lines_the_spec_location_is_used() -> None:
    """A campaign without field lines keeps reporting at its own location."""
    d = dataclasses.replace(_desired(ignore_suppression=True), field_lines={})
    (error,) = check_guards(_plan(d), GuardSettings())
    assert error.location == SourceLocation("campaigns/a.yaml", 3)


def test_loaded_spec_diagnostics_point_at_the_source_lines(tmp_path: Path) -> None:
    """From spec file to plan: each finding is at the line where its field is written."""
    spec = spec_with("2027-10-28", "2021-10-28")
    spec = spec_with(
        "  additional_settings:\n", "  additional_settings:\n    ignore_suppression: true\n", spec
    )
    csv_spec = spec_with("key: promo", "key: from-csv").replace(
        "  customer_details:\n"
        '    - {id: c1, to_number: "+919812345601"}\n'
        '    - {id: c2, to_number: "+919812345602"}\n',
        "  customer_details_csv: audiences/a.csv\n",
    )
    files = {"campaigns/promo.yaml": spec, "campaigns/csv.yaml": csv_spec}
    root = make_project(tmp_path / "p", {**files, "audiences/a.csv": GOOD_CSV})
    result = load(root)
    assert not result.errors, result.errors
    plan = _plan(*result.campaigns)
    found = {
        (d.location.file, d.field): d.location.line
        for d in (*plan.diagnostics, *check_guards(plan, GuardSettings(max_recipients=1)))
    }
    assert found == {
        ("campaigns/promo.yaml", START_FIELD): 8,
        ("campaigns/promo.yaml", SUPPRESSION_FIELD): 11,
        ("campaigns/promo.yaml", RECIPIENTS_FIELD): 18,
        ("campaigns/csv.yaml", CSV_RECIPIENTS_FIELD): 17,
    }
