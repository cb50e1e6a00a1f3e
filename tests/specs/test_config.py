"""reconciler.yaml: its model, ${VAR} expansion, required_version (errors: test_config_errors)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from reconciler.api.defaults import DEFAULT_API_URL
from reconciler.config import find_project, load_project
from reconciler.errors import ConfigError, ValidationFailed
from reconciler.settings import EnvironmentSettings, declared, in_force, version_matches
from reconciler.state.paths import sqlite_file
from tests.support.projects import PROJECT_FILE, make_project

WITH_PROD = (
    PROJECT_FILE
    + """\
  prod:
    state: ${PROD_STATE}
    token_env: TOKEN_PROD
    promote_from: dev
"""
)


def test_defaults_and_expansion_only_for_the_environment_in_use(tmp_path: Path) -> None:
    """dev works without prod's OS variable; prod expands it, or names it when missing."""
    project = load_project(project_dir=make_project(tmp_path / "p", {"reconciler.yaml": WITH_PROD}))
    dev = project.environment("dev", os_environ={})
    assert (dev.api_url, dev.state, dev.token_env) == (
        "sandbox",
        ".reconciler/dev.sqlite",
        "CONTACTSWING_TOKEN",
    )
    assert dev.is_sandbox
    assert sqlite_file(dev.state, dev.root) == project.root / ".reconciler/dev.sqlite"
    prod = project.environment("prod", os_environ={"PROD_STATE": "postgresql://db/x"})
    assert prod.state == "postgresql://db/x" and sqlite_file(prod.state, prod.root) is None
    assert prod.api_url == DEFAULT_API_URL and prod.promote_from == "dev"
    with pytest.raises(ValidationFailed) as info:
        project.environment("prod", os_environ={})
    (unset,) = info.value.diagnostics
    assert (str(unset.location), unset.field) == ("reconciler.yaml:8", "environments.prod.state")
    assert "PROD_STATE" in unset.message


def test_duplicate_key_in_project_file(tmp_path: Path) -> None:
    """The project file is read with the same strict YAML reader."""
    root = make_project(tmp_path / "p", {"reconciler.yaml": PROJECT_FILE + "version: 1\n"})
    with pytest.raises(ValidationFailed, match="error") as info:
        load_project(project_dir=root)
    assert info.value.diagnostics[0].location.line == 7


@pytest.mark.parametrize(
    ("spec", "ok"),
    [
        (">=1.0", True),
        (">=1.0,<2", True),
        ("<1.0", False),
        ("==1.0.0", True),
        ("~=1.0", True),
        ("~=0.9", False),
        ("!=1.0.0", False),
        (">1.0.0", False),
        ("1.0.0", True),
    ],
)
def test_version_specifiers(spec: str, ok: bool) -> None:
    """required_version is compared against version 1.0.0."""
    assert version_matches(spec, "1.0.0") is ok


def test_find_project_walks_upwards(tmp_path: Path) -> None:
    """The nearest reconciler.yaml above the start folder is the project."""
    root = make_project(tmp_path / "p", {"campaigns/deep/x.txt": ""})
    assert find_project(root / "campaigns" / "deep") == root.resolve()
    with pytest.raises(ConfigError, match=r"no reconciler\.yaml"):
        find_project(tmp_path)


def test_unknown_environment(tmp_path: Path) -> None:
    """Asking for an environment that does not exist names the known ones."""
    project = load_project(project_dir=make_project(tmp_path / "p", {}))
    with pytest.raises(ConfigError, match="no environment 'qa'") as info:
        project.environment("qa", {})
    assert info.value.hint == "known environments: dev"  # nothing close to "qa"


def test_the_settings_table_of_the_docs_lists_every_declared_setting() -> None:
    """docs/environments.md documents each environment setting, and which get ${VAR}."""
    text = (Path(__file__).parents[2] / "docs" / "environments.md").read_text(encoding="utf-8")
    section = text.split("## Settings", 1)[1]
    table = section[section.index("| setting |") :].split("\n\n", 1)[0]  # one unbroken table
    rows = {line.split("`")[1] for line in table.splitlines() if line.startswith("| `")}
    declared_settings = declared(EnvironmentSettings)
    assert rows == set(declared_settings)
    expanded = [name for name, (_, spec) in declared_settings.items() if spec.metadata["expand"]]
    listed = ", ".join(f"`{name}`" for name in expanded[:-1]) + f" and `{expanded[-1]}`"
    assert f"`${{NAME}}` in {listed} is replaced" in text


def test_a_setting_of_both_levels_is_layered_project_then_environment(tmp_path: Path) -> None:
    """``vars`` comes from the project, then the environment, each with its own path."""
    project = load_project(project_dir=make_project(tmp_path / "p", {"reconciler.yaml": WITH_PROD}))
    dev_vars = {"workspace_id": "ws-dev", "assistant_id": 11, "from_numbers": ["+919800000001"]}
    assert project.layers("dev", "vars") == [
        (("vars",), {"language": "en"}),
        (("environments", "dev", "vars"), dev_vars),
    ]
    assert project.layers("prod", "vars")[1] == (("environments", "prod", "vars"), {})
    with pytest.raises(ConfigError, match="no environment 'qa'"):
        project.layers("qa", "vars")


def test_a_setting_in_force_is_the_environments_own_else_the_projects(tmp_path: Path) -> None:
    """One rule for catalog, rate_card and the policies: the environment's value wins."""
    text = WITH_PROD.replace(
        "environments:", "catalog: top.json\nrate_card: top.csv\nenvironments:"
    )
    project = load_project(project_dir=make_project(tmp_path / "p", {"reconciler.yaml": text}))
    data = project.file
    prod = dataclasses.replace(data.environments["prod"], catalog="prod.json")
    file = dataclasses.replace(data, environments={**data.environments, "prod": prod})
    assert in_force(file, "prod", "catalog") == (("environments", "prod", "catalog"), "prod.json")
    assert in_force(file, "dev", "catalog") == (("catalog",), "top.json")
    assert in_force(file, "dev", "rate_card") == (("rate_card",), "top.csv")
    assert in_force(file, "dev", "quiet_hours") is None
    assert project.in_force("dev", "catalog") == (("catalog",), "top.json")
    with pytest.raises(ConfigError, match="no environment 'qa'"):
        project.in_force("qa", "catalog")
