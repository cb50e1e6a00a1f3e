"""A problem found the same way several times is reported once (PRODUCT section 12).

The same place, field and message is one problem, whatever the rendered excerpt: a loop
of a whole-file template renders a line once per document, and each environment with
its own values.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.commands.inputs import RunInputs
from reconciler.commands.validate import merge_diagnostics, validate
from reconciler.config import load_project
from reconciler.errors import Diagnostic, SourceLocation, ValidationFailed
from reconciler.specs.loader import load_campaigns, resolve_variables
from tests.support.projects import PROMOTION_FILE, make_project, spec

# Three documents from one source line, with a typo; prod sends from another number, so
# the rendered excerpt differs per environment as well as per document.
LOOP = (
    "{% for n in [1, 2, 3] %}\n---\n"
    + spec("loop-{{ n }}")
    .replace("    delay: 2\n", "    delay: 2\n    start_hours: 1\n")
    .replace('"{{ vars.assistant_id }}"', "{{ vars.assistant_id }}")
    .replace('"{{ vars.from_numbers }}"', "{{ vars.from_numbers | tojson }}")
    + "{% endfor %}\n"
)
PROJECT = PROMOTION_FILE.replace(
    'assistant_id: 12, from_numbers: ["+919800000001"]',
    'assistant_id: 12, from_numbers: ["+919800000002"]',
)
FIELD = "touchpoint.additional_settings.start_hours"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    files = {"reconciler.yaml": PROJECT, "campaigns/loop.yaml.j2": LOOP}
    return make_project(tmp_path / "p", files)


def test_a_typo_in_a_loop_in_every_environment_is_one_error(root: Path) -> None:
    """Three documents times two environments: one error, naming no environment."""
    assert PROJECT != PROMOTION_FILE
    with pytest.raises(ValidationFailed) as failed:
        validate(load_project(project_dir=root), RunInputs())
    (problem,) = failed.value.diagnostics
    assert (problem.location, problem.field) == (
        SourceLocation("campaigns/loop.yaml.j2", 17),
        FIELD,
    )
    assert problem.message == "unknown key 'start_hours'"
    assert problem.hint == "did you mean start_hour?"
    assert "start_hours: 1" in problem.excerpt  # one excerpt is kept: a moved document's


def test_a_typo_in_a_loop_is_one_error_in_one_environment(root: Path) -> None:
    """plan's load of one environment reports it once too."""
    project = load_project(project_dir=root)
    variables = resolve_variables(project, "prod", os_environ={})
    result = load_campaigns(project, "prod", variables, os_environ={})
    assert [d.field for d in result.diagnostics if d.is_error] == [FIELD]


def _found(excerpt: str) -> Diagnostic:
    return Diagnostic(SourceLocation("campaigns/a.yaml.j2", 7), "bad", FIELD, excerpt=excerpt)


def test_merge_keys_on_place_field_and_message_and_names_the_environments_once() -> None:
    """Differing excerpts do not split a problem; the first excerpt is the one kept."""
    per_env = {
        "dev": [_found("dev, document 1"), _found("dev, document 2")],
        "staging": [_found("staging")],
        "prod": [],
    }
    (merged,) = merge_diagnostics(per_env)
    assert merged.message == "bad (env dev, staging)"
    assert merged.excerpt == "dev, document 1"
    (shown,) = merge_diagnostics({"dev": [_found(""), _found("moved")], "prod": [_found("")]})
    assert (shown.message, shown.excerpt) == ("bad", "moved")
    everywhere = merge_diagnostics({"dev": [_found("a")], "prod": [_found("b")]})
    assert [d.message for d in everywhere] == ["bad"]
