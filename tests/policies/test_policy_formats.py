"""The findings in the three plan formats: masked examples, the summary line, the JSON list."""

from __future__ import annotations

import json

from reconciler.output.jsonout import render_json
from reconciler.output.markdown import render_markdown
from reconciler.output.text import render_text
from reconciler.policies import SuppressionList
from tests.policies.helpers import check, create, plan_of

A, B = "+919800000101", "+919800000102"


def _plan():
    lists = [SuppressionList("audiences/opt-outs.csv", frozenset({B}))]
    return check(plan_of(create("offer", numbers=(A, B))), lists=lists, suppression=("x",))


def test_text_and_markdown_show_the_summary_and_the_finding_masked():
    for rendered in (render_text(_plan()), render_markdown(_plan())):
        assert "Audience policies: 1 error, 0 warnings (suppression 1)" in rendered.replace(
            "\\_", "_"
        )
        assert B not in rendered
    markdown = render_markdown(_plan())
    assert "policies.suppression: offer: 1 recipient on the opt-out list" in markdown.replace(
        "\\_", "_"
    )
    assert "+91\\*\\*\\*\\*\\*\\*\\*\\*02" in markdown or "+91********02" in markdown


def test_json_lists_the_finding_with_examples_masked_unless_sensitive():
    masked = json.loads(render_json(_plan()))
    assert masked["policies"][0]["examples"] == ["+91********02"]
    assert masked["errors"][0]["field"] == "policies.suppression"
    shown = json.loads(render_json(_plan(), show_sensitive=True))
    assert shown["policies"][0]["examples"] == [B]


def test_the_json_plan_with_findings_matches_its_schema():
    import jsonschema

    from reconciler.output.plan_schema import plan_schema

    jsonschema.validate(json.loads(render_json(_plan())), plan_schema())
