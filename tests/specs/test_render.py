"""Jinja inside specs: native types, WhatsApp placeholders kept, and the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.specs.render import TemplateProblem, make_environment, render_string, render_text
from tests.specs.helpers import GOOD_SPEC, load, spec_with
from tests.support.projects import make_project

CONTEXT = {
    "env": "dev",
    "vars": {"n": 11, "ws": "00123", "lst": ["+919800000001"], "m": {"a": 1}, "no": "no"},
}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("{{ vars.n }}", 11),
        ("{{ vars.ws }}", "00123"),
        ("{{ vars.lst }}", ["+919800000001"]),
        ("{{ vars.m }}", {"a": 1}),
        ("{{ vars.no }}", "no"),
        ("id-{{ vars.n }}", "id-11"),
        ("{{ env }}", "dev"),
        ("{{1}}", "{{1}}"),
        ("{{ 2 }}", "{{ 2 }}"),
        ("Hi {{1}}, {{ vars.n }} {{  3  }}", "Hi {{1}}, 11 {{  3  }}"),
        ("plain text", "plain text"),
    ],
)
def test_string_values_render_with_native_types(tmp_path: Path, text: str, value: object) -> None:
    """One whole expression keeps its type; text stays text; {{N}} is never evaluated."""
    result = render_string(make_environment(tmp_path), text, CONTEXT)
    assert result == value
    assert type(result) is type(value)


def test_placeholders_survive_a_whole_file_template(tmp_path: Path) -> None:
    """In *.yaml.j2 files {{1}} and {{ 2 }} are kept as written too."""
    out = render_text(make_environment(tmp_path), "a: '{{1}} {{ 2 }} {{ env }}'\n", "f", CONTEXT)
    assert out == "a: '{{1}} {{ 2 }} dev'\n"


@pytest.mark.parametrize(
    "expr",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ lipsum.__globals__ }}",
        "{{ joiner.__init__.__globals__ }}",
        "{{ namespace.__init__.__globals__ }}",
        "{{ vars.__class__ }}",
        "{{ env.__class__.__base__.__subclasses__() }}",
        "{{ 10 ** 100000 }}",
        "{{ [1] * 10000000 }}",
        "{% for i in range(1000000000) %}x{% endfor %}",
        "{{ self.__init__ }}",
    ],
)
def test_sandbox_refuses_escapes(tmp_path: Path, expr: str) -> None:
    """Attribute escapes, huge values and unknown globals are template problems."""
    with pytest.raises(TemplateProblem):
        render_string(make_environment(tmp_path), expr, CONTEXT)


def test_template_cannot_run_a_command(tmp_path: Path) -> None:
    """Every known route to os.system/popen fails, and the marker file is never created."""
    marker = tmp_path / "marker"
    attempts = [
        f"{{{{ cycler.__init__.__globals__.os.system('touch {marker}') }}}}",
        f"{{{{ lipsum.__globals__['os'].popen('touch {marker}').read() }}}}",
        f"{{{{ ''.__class__.__mro__[1].__subclasses__()[0]('touch {marker}') }}}}",
        "{{ self._TemplateReference__context.cycler.__init__.__globals__.os"
        f".popen('touch {marker}') }}}}",
    ]
    for attempt in attempts:
        with pytest.raises(TemplateProblem):
            render_string(make_environment(tmp_path), attempt, CONTEXT)
    assert not marker.exists()


def test_templates_see_no_os_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An OS variable is not reachable from a template except through RECONCILER_VAR_*."""
    monkeypatch.setenv("SECRET_TOKEN", "s3cr3t")
    for expr in ("{{ environ }}", "{{ os }}", "{{ SECRET_TOKEN }}"):
        with pytest.raises(TemplateProblem, match="undefined"):
            render_string(make_environment(tmp_path), expr, CONTEXT)


def test_imported_macro_is_rendered_and_read(tmp_path: Path) -> None:
    """{% import %} reads templates under the project root and records them."""
    root = make_project(
        tmp_path / "p",
        {
            "templates/m.j2": "{% macro hi(n) %}Hello {{ n }} {{1}}{% endmacro %}",
            "campaigns/promo.yaml": spec_with(
                "name: Promo", "name: '{% from \"templates/m.j2\" import hi %}{{ hi(env) }}'"
            ),
        },
    )
    (campaign,) = load(root).campaigns
    assert campaign.name == "Hello dev {{1}}"
    assert campaign.source_files == ("campaigns/promo.yaml", "templates/m.j2")


def test_yaml_spec_values_keep_yaml_1_2_text(tmp_path: Path) -> None:
    """`no` stays a string, an unquoted +44 number stays text, "00123" stays text."""
    spec = spec_with('language_code: "{{ vars.language }}"', "language_code: no")
    spec = spec_with('"+919812345601"', "+919812345601", spec)
    spec = spec_with('workspace_id: "{{ vars.workspace_id }}"', 'workspace_id: "00123"', spec)
    root = make_project(tmp_path / "p", {"campaigns/promo.yaml": spec})
    (campaign,) = load(root).campaigns
    assert campaign.body["touchpoint"]["whatsapp_data"]["language_code"] == "no"
    assert campaign.body["workspace_id"] == "00123"
    assert campaign.body["touchpoint"]["customer_details"][0]["to_number"] == "+919812345601"


def test_variable_text_that_looks_like_a_number_stays_text(tmp_path: Path) -> None:
    """A variable "00123" rendered by one whole expression is still the text "00123"."""
    root = make_project(tmp_path / "p", {"campaigns/promo.yaml": GOOD_SPEC})
    (campaign,) = load(root, var_args=["workspace_id='00123'"]).campaigns
    assert campaign.body["workspace_id"] == "00123"
    assert campaign.body["touchpoint"]["assistant_id"] == 11


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("{{ vars.lts }}", "vars.lst"),
        ("x {{ vars['wss'] }}", "vars.ws"),
        ("{{ vars.m.b }}", "did you mean"),  # not offered: "b" is near no key of m
        ("{{ evn }}", "env"),
        ("{{ rnage(2) | list }}", "range"),
        ("{% for city in ['a'] %}{{ cty }}{% endfor %}", "city"),
        ("{% for city in ['a'] %}{{ lop.index }}{% endfor %}", "loop"),
        ("{% set greeting = 'hi' %}{{ greting }}", "greeting"),
        ("{% macro offer() %}x{% endmacro %}{{ ofer() }}", "offer"),
    ],
)
def test_an_undefined_name_offers_the_closest_available(
    tmp_path: Path, text: str, meant: str
) -> None:
    """`did you mean` among vars' keys, env/vars/globals, and the names a template sets."""
    with pytest.raises(TemplateProblem) as caught:
        render_text(make_environment(tmp_path), text, "t.yaml.j2", CONTEXT)
    if meant == "did you mean":
        assert meant not in caught.value.hint
    else:
        assert f"did you mean {meant}?" in caught.value.hint
