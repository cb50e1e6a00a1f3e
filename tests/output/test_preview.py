"""The message preview (PRODUCT section 10): pure function, the three plan formats, render."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest

from reconciler.models.catalog import Catalog, parse_catalog
from reconciler.models.preview import message_preview
from reconciler.output.jsonout import render_json
from reconciler.output.markdown import render_markdown
from reconciler.output.text import render_text
from reconciler.plan import Plan
from reconciler.planner import make_plan
from reconciler.review import with_review
from tests.specs.test_cli import example  # noqa: F401 (fixture)
from tests.support.cli import run_cli
from tests.support.factories import NOW, make_body, make_desired, make_snapshot

GOLDEN = Path(__file__).parent / "golden"
EXPORT = {
    "data": [
        {
            "name": "diwali_offer",
            "language": "en",
            "status": "APPROVED",
            "category": "MARKETING",
            "components": [
                {"type": "HEADER", "format": "IMAGE"},
                {"type": "BODY", "text": "Enjoy *{{1}} off* until _{{2}}_."},
                {"type": "FOOTER", "text": "Reply STOP to opt out"},
                {
                    "type": "BUTTONS",
                    "buttons": [
                        {"type": "URL", "text": "Shop", "url": "https://s.example.com/{{1}}"},
                        {"type": "QUICK_REPLY", "text": "Not now"},
                    ],
                },
            ],
        },
        {
            "name": "welcome",
            "language": "en",
            "status": "APPROVED",
            "category": "UTILITY",
            "components": [
                {"type": "HEADER", "format": "TEXT", "text": "Hello {{name}}"},
                {"type": "BODY", "text": "Welcome to {{shop}}, {{name}}!"},
            ],
        },
    ]
}


def _catalog() -> Catalog:
    catalog, problems = parse_catalog("t.json", EXPORT)
    assert catalog is not None, problems
    return catalog


def _body(wa: dict[str, Any]) -> dict[str, Any]:
    body = make_body(recipients=2)
    body["touchpoint"]["whatsapp_data"] = wa
    return body


STATIC = {
    "template": "diwali_offer",
    "language_code": "en",
    "header_params": {"is_static": True, "params": [{"type": "image", "image": {"link": "x"}}]},
    "body_params": {
        "is_static": True,
        "params": [
            {"type": "text", "text": "20%"},
            {"type": "date_time", "date_time": {"fallback_value": "5 Nov"}},
        ],
    },
    "button_params": {"is_static": True, "params": [{"type": "text", "text": "vip"}]},
}
DYNAMIC = {
    "template": "welcome",
    "language_code": "en",
    "header_params": {
        "is_static": False,
        "params": [{"type": "text", "parameter_name": "name", "text": "Asha"}],
    },
    "body_params": {
        "is_static": False,
        "params": [
            {"type": "text", "parameter_name": "shop", "text": "Kirana"},
            {"type": "text", "parameter_name": "name", "text": "Asha"},
        ],
    },
}


def test_static_params_are_filled_in_and_formatting_is_left_as_written() -> None:
    assert message_preview(_body(STATIC), _catalog()) == (
        "[image]\nEnjoy *20% off* until _5 Nov_.\nReply STOP to opt out\n"
        "[Shop] https://s.example.com/vip [Not now]"
    )


def test_dynamic_params_are_shown_by_name() -> None:
    assert message_preview(_body(DYNAMIC), _catalog()) == (
        "Hello {name}\nWelcome to {shop}, {name}!"
    )


def test_a_plain_body_is_shown_and_an_unknown_template_has_no_preview() -> None:
    plain = _body({"whatsapp_body": "Hi {{1}}, *sale* today"})
    assert message_preview(plain, _catalog()) == "Hi {{1}}, *sale* today"
    assert message_preview(_body({"template": "nope", "language_code": "en"}), _catalog()) is None


def preview_plan(catalog: Catalog | None) -> Plan:
    """Two creates (static and dynamic params) against an empty state."""
    desired = [
        make_desired("a-static", body=_body(STATIC)),
        make_desired("b-dynamic", body=_body(DYNAMIC)),
    ]
    plan = make_plan(desired, make_snapshot("prod"), environment="prod", now=NOW)
    return with_review(plan, catalog, None)


RENDERERS = {
    "preview.txt": lambda plan: render_text(plan, verbose=True),
    "preview.md": lambda plan: render_markdown(plan),
    "preview.json": lambda plan: render_json(plan),
}


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_the_preview_matches_golden(name: str) -> None:
    rendered = RENDERERS[name](preview_plan(_catalog()))
    path = GOLDEN / name
    if os.environ.get("REGENERATE_GOLDEN"):
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8")


def test_without_a_catalogue_or_without_v_there_is_no_preview() -> None:
    plain = preview_plan(None)
    assert "Enjoy" not in render_text(plain, verbose=True)
    assert "Enjoy" not in render_markdown(plain)
    assert all("preview" not in a for a in json.loads(render_json(plain))["actions"])
    assert "Enjoy" not in render_text(preview_plan(_catalog()))


def test_numbers_in_a_preview_are_masked_unless_asked() -> None:
    wa = copy.deepcopy(STATIC)
    wa["body_params"]["params"][0]["text"] = "+919812345601"
    plan = with_review(
        make_plan(
            [make_desired("a", body=_body(wa))], make_snapshot("prod"), environment="prod", now=NOW
        ),
        _catalog(),
        None,
    )
    assert "+919812345601" not in render_json(plan)
    assert "+919812345601" in render_json(plan, show_sensitive=True)


def test_render_preview_of_the_example_project(example: Path) -> None:  # noqa: F811
    result = run_cli("render", "--env", "dev", "--preview", "diwali-2027-vip", cwd=example)
    assert result.returncode == 0, result.output
    assert result.stdout == (
        "# diwali-2027-vip\n[image]\n"
        "Happy Diwali! Enjoy *20% off* everything until November 5, 2027.\n"
        "Reply STOP to opt out\n"
        "[Shop now] https://shop.example.com/d/diwali-vip-dev [Not interested]\n\n"
    )


def test_render_preview_without_a_catalogue_is_an_error(example: Path) -> None:  # noqa: F811
    text = (example / "reconciler.yaml").read_text(encoding="utf-8")
    (example / "reconciler.yaml").write_text(
        "\n".join(line for line in text.splitlines() if not line.startswith("catalog:")) + "\n",
        encoding="utf-8",
    )
    result = run_cli("render", "--env", "dev", "--preview", cwd=example)
    assert result.returncode == 1
    assert "has no catalog" in result.stderr


def test_plan_shows_the_example_projects_previews_with_v_and_in_json(
    example: Path,  # noqa: F811
) -> None:
    verbose = run_cli("plan", "--env", "dev", "-v", cwd=example)
    assert verbose.returncode == 0, verbose.output
    assert "│ Welcome to {brand}! Reply HELP any time." in verbose.stdout
    assert "Welcome to" not in run_cli("plan", "--env", "dev", cwd=example).stdout
    plan = json.loads(run_cli("plan", "--env", "dev", "--format", "json", cwd=example).stdout)
    previews = {a["key"]: a.get("preview") for a in plan["actions"]}
    assert previews["welcome-no"] == "Velkommen til Kirana Mart! Svar HJELP når som helst."


def test_a_plan_with_previews_fits_the_plan_schema() -> None:
    import jsonschema

    schema = json.loads((GOLDEN.parents[2] / "schemas/plan.schema.json").read_text("utf-8"))
    document = json.loads(render_json(preview_plan(_catalog())))
    jsonschema.validate(document, schema)
    document["actions"][0]["preview"] = 3
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)
