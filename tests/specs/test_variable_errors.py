"""One bad variable is one error, at the variable's own source, naming what it affects."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config import load_project
from reconciler.errors import Diagnostic
from reconciler.specs.loader import load_campaigns, resolve_variables
from tests.specs.cases import J2_LOOP
from tests.specs.helpers import GOOD_SPEC, load, spec_with
from tests.support.cli import run_cli
from tests.support.projects import PROJECT_FILE, make_project

BAD_ASSISTANT = PROJECT_FILE.replace("assistant_id: 11", "assistant_id: eleven")


def _specs(count: int, spec: str = GOOD_SPEC) -> dict[str, str | bytes]:
    return {f"campaigns/c{i}.yaml": spec.replace("key: promo", f"key: c{i}") for i in range(count)}


def _shown(diagnostics: list[Diagnostic]) -> list[tuple[str, str]]:
    return [(str(d.location), d.field) for d in diagnostics]


def test_a_bad_value_used_by_seven_specs_is_one_error_at_the_variable(tmp_path: Path) -> None:
    """`assistant_id: eleven` in reconciler.yaml: one error at its line, not seven."""
    root = make_project(tmp_path / "p", {"reconciler.yaml": BAD_ASSISTANT, **_specs(7)})
    result = load(root)
    assert not result.campaigns
    (error,) = result.errors
    assert _shown([error]) == [("reconciler.yaml:6", "environments.dev.vars.assistant_id")]
    assert error.message == (
        "variable assistant_id, as touchpoint.assistant_id: expected a whole number, "
        "got text (affects 7 campaigns: c0, c1, c2, c3, c4 and 2 more)"
    )


def test_each_field_a_variable_is_used_as_is_its_own_error(tmp_path: Path) -> None:
    """The same bad value in two fields of every spec: one error per field."""
    spec = spec_with("    delay: 2", '    delay: "{{ vars.assistant_id }}"')
    root = make_project(tmp_path / "p", {"reconciler.yaml": BAD_ASSISTANT, **_specs(3, spec)})
    errors = load(root).errors
    assert sorted(d.message.split(":")[0] for d in errors) == [
        "variable assistant_id, as touchpoint.additional_settings.delay",
        "variable assistant_id, as touchpoint.assistant_id",
    ]
    assert {str(d.location) for d in errors} == {"reconciler.yaml:6"}


def test_an_item_of_a_list_variable_is_the_variables_error(tmp_path: Path) -> None:
    """A bad sender number in `from_numbers` is reported at the variable, once."""
    project = PROJECT_FILE.replace('"+919800000001"', '"+91123"')
    root = make_project(tmp_path / "p", {"reconciler.yaml": project, **_specs(2)})
    (error,) = load(root).errors
    assert _shown([error]) == [("reconciler.yaml:6", "environments.dev.vars.from_numbers")]
    assert "as touchpoint.additional_settings.from_numbers[0]" in error.message
    assert "affects 2 campaigns: c0, c1" in error.message


@pytest.mark.parametrize(
    ("how", "where", "field"),
    [
        ("vars_file", "environments/dev.yaml:2", "assistant_id"),
        ("os", "OS environment", "RECONCILER_VAR_assistant_id"),
        ("var", "command line", "--var assistant_id"),
        ("var_file", "{var_file}:2", "assistant_id"),
    ],
)
def test_the_error_is_at_the_layer_that_set_the_value(
    tmp_path: Path, how: str, where: str, field: str
) -> None:
    """vars_file and --var-file lines, the OS variable's name, or --var."""
    project = PROJECT_FILE + "    vars_file: environments/dev.yaml\n"
    dev_vars = "language: en\nassistant_id: eleven\n" if how == "vars_file" else "language: en\n"
    var_file = tmp_path / "cli-vars.yaml"
    var_file.write_text("x: 1\nassistant_id: eleven\n", encoding="utf-8")
    root = make_project(
        tmp_path / "p",
        {"reconciler.yaml": project, "environments/dev.yaml": dev_vars, **_specs(2)},
    )
    kwargs: dict[str, object] = {
        "vars_file": {"os_environ": {}},
        "os": {"os_environ": {"RECONCILER_VAR_assistant_id": "eleven"}},
        "var": {"var_args": ["assistant_id=eleven"], "os_environ": {}},
        "var_file": {"var_files": [var_file], "os_environ": {}},
    }[how]
    loaded = load_project(project_dir=root)
    variables = resolve_variables(loaded, "dev", **kwargs)  # type: ignore[arg-type]
    (error,) = load_campaigns(loaded, "dev", variables, os_environ={}).errors
    assert _shown([error]) == [(where.format(var_file=var_file.as_posix()), field)]
    assert "affects 2 campaigns: c0, c1" in error.message


def test_a_bad_value_in_one_campaign_stays_there_and_names_the_variable(tmp_path: Path) -> None:
    """Reported once already: at the spec's field, with where the value was set."""
    root = make_project(tmp_path / "p", {"reconciler.yaml": BAD_ASSISTANT, **_specs(1)})
    (error,) = load(root).errors
    assert _shown([error]) == [("campaigns/c0.yaml:9", "touchpoint.assistant_id")]
    assert "the value comes from variable assistant_id (reconciler.yaml:6)" in error.hint


def test_a_misspelt_definition_is_one_error_at_the_definition(tmp_path: Path) -> None:
    """Specs use vars.workspace_id; the project defines workpace_id: one error there."""
    project = PROJECT_FILE.replace("workspace_id: ws-dev", "workpace_id: ws-dev")
    root = make_project(tmp_path / "p", {"reconciler.yaml": project, **_specs(3)})
    (error,) = load(root).errors
    assert _shown([error]) == [("reconciler.yaml:6", "environments.dev.vars.workpace_id")]
    assert error.message == (
        "variable workpace_id is set here, but 'vars.workspace_id' is undefined, and 3 "
        "campaigns use it: c0, c1, c2 (first at campaigns/c0.yaml:3)"
    )
    assert "rename this variable to workspace_id" in error.hint


def test_a_variable_no_layer_sets_is_one_error_at_the_environment(tmp_path: Path) -> None:
    """Nothing near it is defined: the error is where it would be set, once."""
    spec = spec_with("name: Promo", 'name: "Promo {{ vars.season }}"')
    j2 = J2_LOOP.replace("name: Loop", "name: {{ vars.season }} Loop")
    files = {**_specs(2, spec), "campaigns/gen.yaml.j2": j2}
    errors = load(make_project(tmp_path / "p", files)).errors
    (error,) = errors
    assert _shown([error]) == [("reconciler.yaml:6", "environments.dev.vars")]
    assert "'vars.season' is undefined, and 3 campaigns use it: c0, c1, campaigns/gen" in (
        error.message
    )
    assert "it is not set for environment dev" in error.message
    assert "--var season=VALUE" in error.hint


def test_an_undefined_variable_of_one_campaign_stays_at_its_use(tmp_path: Path) -> None:
    """A typo in one spec is that spec's to fix."""
    spec = spec_with("name: Promo", 'name: "{{ vars.seasn }}"')
    files = {**_specs(1, spec), "campaigns/other.yaml": GOOD_SPEC.replace("promo", "other")}
    (error,) = load(make_project(tmp_path / "p", files)).errors
    assert _shown([error]) == [("campaigns/c0.yaml:2", "name")]


@pytest.mark.slow
def test_validate_reports_the_variable_once_through_the_cli(tmp_path: Path) -> None:
    """`reconciler validate --var assistant_id=eleven`: one error, at the command line."""
    root = make_project(tmp_path / "p", _specs(4))
    result = run_cli("validate", "--var", "assistant_id=eleven", cwd=root)
    assert result.returncode == 1
    assert result.stderr.count("error:") == 1, result.stderr
    assert (
        "command line: error: --var assistant_id: variable assistant_id, as "
        "touchpoint.assistant_id: expected a whole number, got text (affects 4 campaigns: "
        "c0, c1, c2, c3)"
    ) in result.stderr
