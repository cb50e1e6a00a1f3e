"""The template catalogue (PRODUCT section 10): each check with a good and a bad case."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reconciler.config import load_project
from reconciler.errors import Diagnostic, ValidationFailed
from reconciler.specs.cache_session import spec_cache_enabled
from reconciler.specs.loader import LoadResult, load_campaigns, resolve_variables
from tests.specs.helpers import GOOD_SPEC, load, snapshot, spec_with
from tests.support.projects import PROJECT_FILE, make_project

# GOOD_SPEC's lines: whatsapp_data on 20, template on 21, language_code on 22.
TEMPLATE_LINE, LANGUAGE_LINE = 21, 22
WA = "touchpoint.whatsapp_data"


def _template(name: str, language: str, *components: dict[str, Any], **more: Any) -> dict[str, Any]:
    status = more.pop("status", "APPROVED")
    category = more.pop("category", "MARKETING")
    return {
        "name": name,
        "language": language,
        "status": status,
        "category": category,
        "components": list(components),
        "id": "1",
        **more,
    }


BODY = {"type": "BODY", "text": "Get {{1}} off until {{2}}"}
CATALOG = {
    "data": [
        _template(
            "promo_offer",
            "en",
            {"type": "HEADER", "format": "TEXT", "text": "Hi {{1}}"},
            BODY,
            {"type": "FOOTER", "text": "Reply STOP to stop"},
            {
                "type": "BUTTONS",
                "buttons": [
                    {"type": "URL", "text": "Shop", "url": "https://shop.example.com/{{1}}"},
                    {"type": "QUICK_REPLY", "text": "Not now"},
                ],
            },
        ),
        _template("promo_offer", "en_US", BODY, status="PAUSED"),
        _template(
            "welcome_named", "en", {"type": "BODY", "text": "Hello {{first_name}} of {{shop}}"}
        ),
        _template(
            "media_promo",
            "en",
            {"type": "HEADER", "format": "IMAGE"},
            {"type": "BODY", "text": "Look"},
            {"type": "BUTTONS", "buttons": [{"type": "COPY_CODE", "example": "X"}]},
        ),
    ],
    "paging": {"cursors": {"before": "a", "after": "b"}},
}
PROMO_PARAMS = """\
    header_params: {is_static: true, params: [{type: text, text: Asha}]}
    body_params:
      is_static: true
      params:
        - {type: text, text: "20%"}
        - {type: date_time, date_time: {fallback_value: "5 Nov"}}
    button_params: {is_static: true, params: [{type: text, text: diwali}]}
"""
WITH_CATALOG = PROJECT_FILE.replace("vars: {language: en}", "vars: {language: en}\ncatalog: t.json")


def _spec(params: str = PROMO_PARAMS, template: str = "promo_offer", language: str = "") -> str:
    spec = spec_with("template: promo_offer", f"template: {template}") + params
    return spec_with('"{{ vars.language }}"', language, spec) if language else spec


def _project(tmp_path: Path, spec: str, catalog: Any = CATALOG, name: str = "t.json") -> Path:
    text = catalog if isinstance(catalog, str) else json.dumps(catalog, indent=1)
    files = {
        "reconciler.yaml": WITH_CATALOG.replace("t.json", name),
        name: text,
        "campaigns/promo.yaml": spec,
    }
    return make_project(tmp_path / "p", files)


def _errors(tmp_path: Path, spec: str) -> list[Diagnostic]:
    result = load(_project(tmp_path, spec))
    assert result.campaigns == [] or not result.errors
    return result.errors


def _one(tmp_path: Path, spec: str) -> Diagnostic:
    errors = _errors(tmp_path, spec)
    assert len(errors) == 1, errors
    return errors[0]


def test_a_template_that_matches_the_catalogue_passes(tmp_path: Path) -> None:
    result = load(_project(tmp_path, _spec()))
    assert result.diagnostics == []
    assert [c.key for c in result.campaigns] == ["promo"]


def test_an_unknown_template_gets_did_you_mean_at_its_line(tmp_path: Path) -> None:
    problem = _one(tmp_path, _spec(template="promo_ofer"))
    assert "'promo_ofer' is not in the catalogue" in problem.message
    assert problem.hint == "did you mean promo_offer?"
    assert (str(problem.location), problem.field) == (
        f"campaigns/promo.yaml:{TEMPLATE_LINE}",
        f"{WA}.template",
    )


def test_a_language_the_template_lacks_names_the_languages_it_has(tmp_path: Path) -> None:
    problem = _one(tmp_path, _spec(language="en_GB"))
    assert "has no language 'en_GB'" in problem.message
    assert problem.hint.startswith("it has en, en_US")
    assert (problem.location.line, problem.field) == (LANGUAGE_LINE, f"{WA}.language_code")


def test_languages_match_exactly(tmp_path: Path) -> None:
    """``en`` is not ``en_US``: the en_US template (paused) is the one checked."""
    problem = _one(
        tmp_path,
        _spec(
            "    body_params:\n      params: [{type: text, text: a}, {type: text, text: b}]\n",
            language="en_US",
        ),
    )
    assert "is PAUSED" in problem.message
    assert problem.location.line == TEMPLATE_LINE


@pytest.mark.parametrize("status", ["PAUSED", "DISABLED", "REJECTED", "PENDING"])
def test_a_template_not_approved_is_an_error_naming_its_status(tmp_path: Path, status: str) -> None:
    catalog = {
        "data": [_template("promo_offer", "en", {"type": "BODY", "text": "Hi"}, status=status)]
    }
    result = load(_project(tmp_path, GOOD_SPEC, catalog))
    assert [status in e.message for e in result.errors] == [True]


def test_a_body_with_too_few_params_names_both_counts(tmp_path: Path) -> None:
    params = PROMO_PARAMS.replace(
        '        - {type: date_time, date_time: {fallback_value: "5 Nov"}}\n', ""
    )
    problem = _one(tmp_path, _spec(params))
    assert problem.message == (
        "body_params has 1 param; the body of template 'promo_offer' has 2 placeholders"
    )
    assert "{{1}}, {{2}}" in problem.hint
    assert (problem.location.line, problem.field) == (26, f"{WA}.body_params.params")


def test_one_placeholder_is_counted_in_the_singular(tmp_path: Path) -> None:
    two = "[{type: text, text: Asha}, {type: text, text: Ravi}]"
    problem = _one(tmp_path, _spec(PROMO_PARAMS.replace("[{type: text, text: Asha}]", two)))
    assert problem.message == (
        "header_params has 2 params; the header of template 'promo_offer' has 1 placeholder"
    )


def test_missing_groups_are_reported_where_whatsapp_data_is(tmp_path: Path) -> None:
    errors = _errors(tmp_path, _spec(""))
    assert {e.field for e in errors} == {
        f"{WA}.header_params",
        f"{WA}.body_params",
        f"{WA}.button_params",
    }
    assert {e.location.line for e in errors} == {20}  # whatsapp_data: the mapping lacking them


def test_a_button_param_for_a_template_without_url_placeholders_is_extra(tmp_path: Path) -> None:
    catalog = {"data": [_template("promo_offer", "en", {"type": "BODY", "text": "Hi"})]}
    spec = _spec("    button_params: {is_static: true, params: [{type: text, text: x}]}\n")
    result = load(_project(tmp_path, spec, catalog))
    assert [e.field for e in result.errors] == [f"{WA}.button_params.params"]
    assert "has 0 placeholders" in result.errors[0].message


NAMED = """\
    body_params:
      is_static: true
      params:
        - {type: text, parameter_name: first_name, text: Asha}
        - {type: text, parameter_name: shop, text: Kirana}
"""


def test_named_params_match_by_name(tmp_path: Path) -> None:
    assert load(_project(tmp_path, _spec(NAMED, "welcome_named"))).diagnostics == []


def test_a_named_param_that_is_missing_or_unknown_is_named(tmp_path: Path) -> None:
    problem = _one(tmp_path, _spec(NAMED.replace("shop", "store"), "welcome_named"))
    assert "named placeholders" in problem.message
    assert problem.hint.startswith("missing shop; unknown store")


def test_a_named_param_without_parameter_name_is_an_error_at_that_param(tmp_path: Path) -> None:
    """Not "unknown None": the param lacking its name, and the placeholder it would fill."""
    problem = _one(tmp_path, _spec(NAMED.replace("parameter_name: shop, ", ""), "welcome_named"))
    assert problem.message == (
        "body_params param 2 has no parameter_name: the placeholders of template "
        "'welcome_named' are named"
    )
    assert problem.hint == "add parameter_name: shop"
    assert problem.field == f"{WA}.body_params.params[1]"
    both = _errors(tmp_path, _spec(NAMED.replace("parameter_name: ", "x: "), "welcome_named"))
    assert [e.hint for e in both] == ["add parameter_name: one of first_name, shop"] * 2
    assert all("None" not in e.message + e.hint for e in both)


def test_a_named_param_too_many_says_so(tmp_path: Path) -> None:
    extra = NAMED + "        - {type: text, text: more}\n"
    errors = _errors(tmp_path, _spec(extra, "welcome_named"))
    (unnamed,) = [e for e in errors if e.field == f"{WA}.body_params.params[2]"]
    assert unnamed.hint == "each placeholder has its param: remove it"
    assert all("None" not in e.message + e.hint for e in errors)


@pytest.mark.parametrize(
    ("params", "ok"),
    [
        (
            "    header_params: {is_static: true, params: [{type: image, image: {link: 'https://x.example/a.png'}}]}\n",
            True,
        ),
        ("", False),
        (
            "    header_params: {is_static: true, params: [{type: video, video: {link: 'https://x.example/a.mp4'}}]}\n",
            False,
        ),
    ],
)
def test_a_media_header_takes_one_param_of_its_format(
    tmp_path: Path, params: str, ok: bool
) -> None:
    spec = _spec(
        params + "    button_params: {is_static: true, params: [{type: text, text: CODE1}]}\n",
        "media_promo",
    )
    errors = load(_project(tmp_path, spec)).errors
    assert (errors == []) is ok, errors
    assert all("the header of template 'media_promo' is an image" in e.message for e in errors)


def test_a_media_header_needs_no_param_with_an_attachment_url(tmp_path: Path) -> None:
    spec = _spec(
        "    button_params: {is_static: true, params: [{type: text, text: CODE1}]}\n", "media_promo"
    )
    spec = spec_with(
        "  whatsapp_data:", "  attachment_url: https://x.example/a.png\n  whatsapp_data:", spec
    )
    assert load(_project(tmp_path, spec)).errors == []


def test_a_text_header_over_60_characters_once_filled_is_an_error(tmp_path: Path) -> None:
    long = PROMO_PARAMS.replace("text: Asha", "text: " + "A" * 58)
    problem = _one(tmp_path, _spec(long))
    assert problem.message == "the header is 61 characters once filled in"
    assert problem.field == f"{WA}.header_params"


def test_a_yaml_catalogue_and_an_environment_catalogue_replacing_the_projects(
    tmp_path: Path,
) -> None:
    yaml_catalog = (
        "data:\n  - name: promo_offer\n    language: en\n    status: PAUSED\n"
        "    components: [{type: BODY, text: Hi}]\n"
    )
    root = _project(tmp_path, GOOD_SPEC, yaml_catalog, "t.yaml")
    assert ["is PAUSED" in e.message for e in load(root).errors] == [True]
    (root / "ok.json").write_text(
        json.dumps({"data": [_template("promo_offer", "en", {"type": "BODY", "text": "Hi"})]})
    )
    text = (
        (root / "reconciler.yaml")
        .read_text()
        .replace("api_url: sandbox", "api_url: sandbox\n    catalog: ok.json")
    )
    (root / "reconciler.yaml").write_text(text)
    assert load(root).diagnostics == []


def test_an_empty_catalogue_is_one_warning_and_checks_nothing(tmp_path: Path) -> None:
    result = load(_project(tmp_path, _spec(template="anything"), {"data": []}))
    assert [(d.message, d.is_error, str(d.location)) for d in result.diagnostics] == [
        ("the catalogue has no templates", False, "t.json:1")
    ]
    assert len(result.campaigns) == 1


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('{"data": [\n  {"name": "x",\n}', 3, "invalid JSON"),
        (
            '{"data": [\n {"name": "x", "language": "en", "status": "APPROVED"}\n]}',
            2,
            "a template needs components",
        ),
        (
            '{"data": [\n {"name": "x", "language": "en", "status": "APPROVED",\n'
            '  "components": [\n   {"type": "BODDY"}]}\n]}',
            4,
            "a component needs a known type",
        ),
        ('{"templates": []}', 1, "a catalogue is a mapping with a list 'data'"),
        ("data:\n  - name: [x\n", 3, "invalid YAML"),
        (
            '{"data": [\n {"name": "x", "language": "en", "status": "PAUSED",\n'
            '  "components": [{"type": "BODY", "text": "hi"}]},\n'
            ' {"name": "x", "language": "en", "status": "APPROVED",\n'
            '  "components": [{"type": "BODY", "text": "hi"}]}\n]}',
            4,
            "template 'x' (en) is listed twice (data[0] and data[1])",
        ),
    ],
)
def test_a_bad_catalogue_fails_with_file_and_line_and_writes_nothing(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    name = "t.yaml" if text.startswith("data:") else "t.json"
    root = _project(tmp_path, GOOD_SPEC, text, name)
    before = snapshot(root)
    with pytest.raises(ValidationFailed) as caught:
        load(root)
    problem = caught.value.diagnostics[0]
    assert (problem.location.file, problem.location.line) == (name, line)
    assert message in problem.message
    assert snapshot(root) == before


def test_a_catalogue_file_that_is_missing_is_reported_at_its_setting(tmp_path: Path) -> None:
    root = _project(tmp_path, GOOD_SPEC)
    (root / "t.json").unlink()
    with pytest.raises(ValidationFailed) as caught:
        load(root)
    problem = caught.value.diagnostics[0]
    assert (str(problem.location), problem.field) == ("reconciler.yaml:3", "catalog")


def _cached_load(root: Path) -> LoadResult:
    project = load_project(project_dir=root)
    variables = resolve_variables(project, "dev", os_environ={})
    environ = {"RECONCILER_CACHE_DIR": str(root.parent / "keys")}
    with spec_cache_enabled():
        return load_campaigns(project, "dev", variables, os_environ=environ)


def test_a_changed_catalogue_is_not_hidden_by_the_validation_cache(tmp_path: Path) -> None:
    catalog = {"data": [_template("promo_offer", "en", {"type": "BODY", "text": "Hi"})]}
    root = _project(tmp_path, GOOD_SPEC, catalog)
    (root / ".reconciler").mkdir()
    (root / ".reconciler/dev.sqlite").write_bytes(b"")  # the cache lives beside a state
    assert _cached_load(root).errors == []
    assert _cached_load(root).campaigns[0].has_body is False  # the second load was cached
    catalog["data"][0]["status"] = "PAUSED"
    (root / "t.json").write_text(json.dumps(catalog))
    assert ["is PAUSED" in e.message for e in _cached_load(root).errors] == [True]


def test_the_example_catalogue_fits_its_schema_and_a_bad_one_does_not() -> None:
    """schemas/catalog.schema.json accepts the shipped export and refuses a bare template."""
    import jsonschema

    repo = Path(__file__).parents[2]
    schema = json.loads((repo / "schemas/catalog.schema.json").read_text(encoding="utf-8"))
    example = json.loads((repo / "whatsapp-templates.json").read_text(encoding="utf-8"))
    jsonschema.validate(example, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"data": [{"name": "x", "language": "en"}]}, schema)


def test_a_catalog_setting_that_is_not_text_is_an_error_at_its_line(tmp_path: Path) -> None:
    root = _project(tmp_path, GOOD_SPEC)
    text = (root / "reconciler.yaml").read_text().replace("catalog: t.json", "catalog: 5")
    (root / "reconciler.yaml").write_text(text)
    with pytest.raises(ValidationFailed) as caught:
        load_project(project_dir=root)
    problem = caught.value.diagnostics[0]
    assert (str(problem.location), problem.field) == ("reconciler.yaml:3", "catalog")
    assert "expected text" in problem.message
