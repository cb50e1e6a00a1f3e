"""The cost estimate in the three plan formats (golden files) and against the plan schema."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest

from reconciler.output.jsonout import render_json
from reconciler.output.markdown import render_markdown
from reconciler.output.text import render_text
from reconciler.plan import Plan
from reconciler.planner import make_plan
from reconciler.review import with_review
from tests.models.test_cost import card_of
from tests.output.test_preview import DYNAMIC, STATIC, _body, _catalog
from tests.specs.test_cli import example  # noqa: F401 (fixture)
from tests.support.cli import run_cli
from tests.support.factories import NOW, make_desired, make_snapshot

GOLDEN = Path(__file__).parent / "golden"
SCHEMA = GOLDEN.parents[2] / "schemas/plan.schema.json"


def cost_plan() -> Plan:
    """A marketing create (two Indian numbers, one US) and a utility one, priced and previewed."""
    static = _body(STATIC)
    static["touchpoint"]["customer_details"].append({"id": "c3", "to_number": "+14155550123"})
    desired = [
        make_desired("a-static", body=static),
        make_desired("b-dynamic", body=_body(DYNAMIC)),
    ]
    plan = make_plan(desired, make_snapshot("prod"), environment="prod", now=NOW)
    return with_review(plan, _catalog(), card_of())


RENDERERS = {
    "cost.txt": lambda plan: render_text(plan, verbose=True),
    "cost.md": lambda plan: render_markdown(plan),
    "cost.json": lambda plan: render_json(plan),
}


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_the_cost_matches_golden(name: str) -> None:
    rendered = RENDERERS[name](cost_plan())
    path = GOLDEN / name
    if os.environ.get("REGENERATE_GOLDEN"):
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8")


def test_the_json_cost_is_exact_and_fits_the_plan_schema() -> None:
    document = json.loads(render_json(cost_plan()))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)
    # 2 x 0.7846 + 2.10 (marketing) and 2 x 0.1150 (utility), never rounded in JSON.
    assert [a["cost"]["amount"] for a in document["actions"]] == ["3.6692", "0.2300"]
    assert document["cost"]["total"] == "3.8992"
    document["cost"]["total"] = 3.8992  # a float is not an amount
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)


def test_the_example_projects_plan_has_a_cost_and_the_quickstart_still_applies(
    example: Path,  # noqa: F811
) -> None:
    plan = run_cli("plan", "--env", "dev", "--format", "json", cwd=example)
    assert plan.returncode == 0, plan.output
    assert json.loads(plan.stdout)["cost"]["rate_card_date"] == "2025-07-01"
    applied = run_cli("apply", "--env", "dev", "--auto-approve", cwd=example)
    assert applied.returncode == 0, applied.output
    assert "Estimated cost: " in applied.output


def test_docs_plan_md_shows_the_example_projects_real_markdown_plan(
    example: Path,  # noqa: F811
) -> None:
    """docs/plan.md quotes the real output: each part between "…" lines, the body elided."""
    docs = (GOLDEN.parents[2] / "docs/plan.md").read_text(encoding="utf-8")
    block = docs.split("### Message preview and cost", 1)[1].split("````markdown\n", 1)[1]
    block = block.split("\n````", 1)[0]
    real = run_cli("plan", "--env", "dev", "--format", "markdown", cwd=example)
    assert real.returncode == 0, real.output
    parts = block.split("\n…\n")
    assert len(parts) == 3
    parts[1] = parts[1].split('\n{ "business_goal"', 1)[0]  # the body, elided in the docs
    for part in parts:
        assert part in real.stdout


def test_the_us_warning_needs_a_marketing_template_with_or_without_a_rate_card() -> None:
    """With the catalogue alone its category decides; without catalogue and card: nothing."""
    marketing = _body(STATIC)
    marketing["touchpoint"]["customer_details"].append({"id": "c3", "to_number": "+14155550123"})
    utility = _body(DYNAMIC)
    utility["touchpoint"]["customer_details"].append({"id": "c3", "to_number": "+14155550123"})
    desired = [make_desired("a", body=marketing), make_desired("b", body=utility)]
    plan = make_plan(desired, make_snapshot("prod"), environment="prod", now=NOW)
    warned = [d.message.split(":")[0] for d in with_review(plan, _catalog(), None).warnings]
    assert warned == ["a"]
    assert with_review(plan, _catalog(), None).cost is None
    assert with_review(plan, None, None).warnings == []
    assert [d.message.split(":")[0] for d in with_review(plan, None, card_of()).warnings] == [
        "a",
        "b",  # no catalogue: marketing is assumed
    ]
