"""Variables: every layer, in the precedence order of PRODUCT section 3, typed as YAML 1.2."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config import load_project
from reconciler.errors import ConfigError
from reconciler.specs.variables import parse_scalar, resolve_variables
from tests.support.projects import make_project

LAYERED = """\
version: 1
vars: {x: project, p: project}
environments:
  dev:
    vars: {x: env, e: env}
    vars_file: environments/dev.yaml
"""


@pytest.fixture
def layered(tmp_path: Path) -> Path:
    return make_project(
        tmp_path / "p",
        {
            "reconciler.yaml": LAYERED,
            "environments/dev.yaml": "x: vars_file\nf: vars_file\n",
            "cli.yaml": "x: var_file\nc: var_file\n",
        },
    )


def test_precedence_of_every_layer(layered: Path) -> None:
    """project < env vars < vars_file < RECONCILER_VAR_* < --var-file < --var."""
    project = load_project(project_dir=layered)
    cli_file = layered / "cli.yaml"
    layers = [
        ({}, [], [], "vars_file"),
        ({"RECONCILER_VAR_x": "os"}, [], [], "os"),
        ({"RECONCILER_VAR_x": "os"}, [cli_file], [], "var_file"),
        ({"RECONCILER_VAR_x": "os"}, [cli_file], ["x=cli"], "cli"),
    ]
    for environ, files, args, expected in layers:
        found = resolve_variables(
            project, "dev", var_args=args, var_files=files, os_environ=environ
        )
        assert found["x"] == expected
    everything = resolve_variables(
        project, "dev", var_args=["x=cli"], var_files=[cli_file], os_environ={}
    )
    assert {k: everything[k] for k in "pefc"} == {
        "p": "project",
        "e": "env",
        "f": "vars_file",
        "c": "var_file",
    }


def test_environment_vars_beat_project_vars(tmp_path: Path) -> None:
    """Without a vars_file, the environment's vars replace the project's."""
    root = make_project(
        tmp_path / "p",
        {"reconciler.yaml": LAYERED.replace("    vars_file: environments/dev.yaml\n", "")},
    )
    found = resolve_variables(load_project(project_dir=root), "dev", os_environ={})
    assert found["x"] == "env"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("11", 11),
        ("1.5", 1.5),
        ("true", True),
        ("no", "no"),
        ("00123", "00123"),
        ("+447911123456", "+447911123456"),
        ("'11'", "11"),
        ("[a, 1]", ["a", 1]),
        ("", ""),
        ("hello world", "hello world"),
        ("a: b: c", "a: b: c"),
    ],
)
def test_var_values_are_yaml_1_2_scalars(text: str, value: object) -> None:
    """--var and RECONCILER_VAR_* values are read as YAML 1.2: 11 is a number, no is text."""
    assert parse_scalar(text) == value
    assert type(parse_scalar(text)) is type(value)


def test_os_variables_are_typed_too(layered: Path) -> None:
    """RECONCILER_VAR_n=11 gives the number 11."""
    project = load_project(project_dir=layered)
    found = resolve_variables(project, "dev", os_environ={"RECONCILER_VAR_n": "11"})
    assert found["n"] == 11


@pytest.mark.parametrize("arg", ["novalue", "=1", "bad-name=1", "1x=2"])
def test_malformed_var_is_a_config_error(layered: Path, arg: str) -> None:
    """--var needs NAME=VALUE with an identifier name."""
    with pytest.raises(ConfigError, match="NAME=VALUE"):
        resolve_variables(load_project(project_dir=layered), "dev", var_args=[arg], os_environ={})


def test_vars_file_outside_the_project_is_refused(tmp_path: Path) -> None:
    """An environment's vars_file may not leave the project."""
    root = make_project(
        tmp_path / "p",
        {"reconciler.yaml": LAYERED.replace("environments/dev.yaml", "../outside.yaml")},
    )
    with pytest.raises(ConfigError, match="leaves the project") as info:
        resolve_variables(load_project(project_dir=root), "dev", os_environ={})
    assert info.value.location is not None and info.value.location.line == 6
