"""``--diagnostics json|github|sarif``: escaping, masking, and the schemas they follow."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from reconciler.errors import Diagnostic, Severity, SourceLocation
from reconciler.output.diagnostic_formats import (
    ReportPaths,
    escape_data,
    escape_property,
    github_command,
    render_github,
    render_json,
    render_sarif,
)

ROOT = Path(__file__).resolve().parents[2]
# The OASIS SARIF 2.1.0 schema, copied from oasis-tcs/sarif-spec
# (sarif-2.1/schema/sarif-schema-2.1.0.json).
SARIF_SCHEMA = Path(__file__).with_name("sarif") / "sarif-schema-2.1.0.json"
NUMBER = "+447911123456"

SAMPLE = [
    Diagnostic(
        SourceLocation("campaigns/a.yaml", 12),
        f"recipient {NUMBER} is listed twice",
        "touchpoint.customer_details[3].to_number",
        "remove one: 100% of them, or\nnone",
    ),
    Diagnostic(
        SourceLocation("campaigns/a.yaml", 4),
        "must be at most 23",
        "touchpoint.customer_details[0].to_number",
    ),
    Diagnostic(SourceLocation("campaigns/b.yaml"), "not UTF-8", severity=Severity.ERROR),
    Diagnostic(
        SourceLocation("command line"), "'x*' matches no campaign", "--target", hint="globs"
    ),
    Diagnostic(
        SourceLocation("campaigns/c.yaml.j2", 3),
        "start_at is in the past",
        "touchpoint.start_at",
        severity=Severity.WARNING,
        excerpt="start_at: 2020-01-01\nname: x",
    ),
]


def test_escaping_follows_the_toolkit() -> None:
    """%, CR and LF in messages; also : and , in properties (GitHub's escapeData/Property)."""
    assert escape_data("100%\r\nnext: a,b") == "100%25%0D%0Anext: a,b"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_github_command_has_file_line_title_message_and_hint() -> None:
    d = Diagnostic(SourceLocation("c/x,y:z.yaml", 7), "bad: value", "a.b", "do this\nthen")
    assert github_command(d) == (
        "::error file=c/x%2Cy%3Az.yaml,line=7,title=a.b::bad: value%0Ahint: do this%0Athen"
    )


def test_github_lines_are_one_command_per_problem_and_not_files_have_no_file() -> None:
    lines = render_github(SAMPLE).splitlines()
    assert len(lines) == len(SAMPLE)
    assert lines[3] == "::error title=--target::'x*' matches no campaign%0Ahint: globs"
    assert lines[4].startswith("::warning file=campaigns/c.yaml.j2,line=3,title=")


def test_numbers_are_masked_in_every_format() -> None:
    """The one masking function runs over every text of every format."""
    for text in (render_github(SAMPLE), render_json(SAMPLE), render_sarif(SAMPLE)):
        assert NUMBER not in text
        assert "+44********56" in text


def test_sarif_validates_against_the_sarif_2_1_0_schema() -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    for summary in ("", "5 errors found; nothing was written."):
        log = json.loads(render_sarif(SAMPLE, summary=summary))
        jsonschema.Draft4Validator(schema).validate(log)
        assert log["version"] == "2.1.0"


def test_sarif_has_one_rule_per_kind_with_help_and_results_with_region_and_level() -> None:
    run = json.loads(render_sarif(SAMPLE))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids == [
        "touchpoint.customer_details[].to_number",
        "file",
        "--target",
        "touchpoint.start_at",
    ]
    assert all(r["help"]["text"] and r["shortDescription"]["text"] for r in rules)
    first, _, no_line, command_line, warning = run["results"]
    assert first["ruleId"] == ids[0] and run["results"][1]["ruleId"] == ids[0]
    region = first["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 12}
    assert "region" not in no_line["locations"][0]["physicalLocation"]
    assert "locations" not in command_line
    assert (warning["level"], rules[warning["ruleIndex"]]["id"]) == ("warning", ids[3])


def test_json_follows_its_schema_and_is_versioned() -> None:
    schema = json.loads((ROOT / "schemas" / "diagnostics.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    document = json.loads(render_json(SAMPLE, summary="failed"))
    jsonschema.Draft202012Validator(schema).validate(document)
    assert document["format_version"] == 1
    assert document["ok"] is False
    assert document["summary"] == {"errors": 4, "warnings": 1}
    assert document["diagnostics"][1]["kind"] == "touchpoint.customer_details[].to_number"


def test_report_paths_name_files_from_the_base_absolute_outside_it(tmp_path: Path) -> None:
    """Relative to the base when inside it, else absolute; SARIF URIs are valid references."""
    inside = ReportPaths(tmp_path / "repo" / "marketing", tmp_path / "repo")
    assert inside.path("campaigns/a b.yaml") == "marketing/campaigns/a b.yaml"
    assert inside.uri("campaigns/a b.yaml") == "marketing/campaigns/a%20b.yaml"
    outside = ReportPaths(tmp_path / "project", tmp_path / "repo")
    assert outside.path("campaigns/a.yaml") == (tmp_path / "project/campaigns/a.yaml").as_posix()
    assert outside.uri("campaigns/a.yaml") == (tmp_path / "project/campaigns/a.yaml").as_uri()
    assert ReportPaths().path("campaigns/a.yaml") == "campaigns/a.yaml"
    line = github_command(SAMPLE[1], inside)
    assert line.startswith("::error file=marketing/campaigns/a.yaml,line=4,")
