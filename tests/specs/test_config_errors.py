"""A bad reconciler.yaml: every problem at its key's line, with field path, message, hint."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config import load_project
from reconciler.errors import ConfigError, Diagnostic, ValidationFailed
from tests.specs.helpers import snapshot
from tests.support.cli import run_cli
from tests.support.projects import make_project

# Line numbers of this text are pinned by the cases: edit with care.
BASE = """\
version: 1
required_version: ">=1.0"
campaigns: campaigns
vars: {language: en}
environments:
  dev:
    api_url: sandbox
  staging:
    state: .reconciler/staging.sqlite
  prod:
    state: ${PROD_STATE}
    promote_from: staging
"""
PROD = "environments.prod"


def _with(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


# (text, line, field, words in the message, words in the hint)
CASES = {
    "version-2": (_with("version: 1", "version: 2"), 1, "version", "must be 1, got 2", "write"),
    "version-text": (_with("version: 1", 'version: "1"'), 1, "version", "got text", "version: 1"),
    "version-bool": (_with("version: 1", "version: true"), 1, "version", "got a boolean", "1"),
    "version-missing": (
        _with("version: 1\n", ""),
        1,
        "version",
        "required key 'version' is missing",
        "add version: to reconciler.yaml",
    ),
    "required-version-mismatch": (
        _with('">=1.0"', '">=9.0"'),
        2,
        "required_version",
        "this project requires reconciler >=9.0; this is 1.0.0",
        "install a matching version",
    ),
    "required-version-unreadable": (
        _with('">=1.0"', "soon"),
        2,
        "required_version",
        "cannot read version clause 'soon'",
        'write it like ">=1.0,<2"',
    ),
    "unknown-top-key": (
        _with("campaigns: campaigns", "campaign: campaigns"),
        3,
        "campaign",
        "unknown key 'campaign'",
        "did you mean campaigns?",
    ),
    "unknown-env-key": (
        _with("api_url: sandbox", "api_ulr: sandbox"),
        7,
        "environments.dev.api_ulr",
        "unknown key 'api_ulr'",
        "did you mean api_url?",
    ),
    "promote-from-typo": (
        _with("promote_from: staging", "promote_from: stagin"),
        12,
        f"{PROD}.promote_from",
        "promote_from names no environment 'stagin'",
        "did you mean staging?",
    ),
    "promote-from-unlike-any": (
        _with("promote_from: staging", "promote_from: qa"),
        12,
        f"{PROD}.promote_from",
        "no environment 'qa'",
        "environments here: dev, staging",
    ),
    "promote-from-itself": (
        _with("promote_from: staging", "promote_from: prod"),
        12,
        f"{PROD}.promote_from",
        "promote_from names the environment itself",
        "or remove it",
    ),
    "env-name": (
        _with("  dev:", "  dev env:"),
        6,
        "environments.dev env",
        "environment name 'dev env' is not allowed",
        "letters, digits, - and _",
    ),
    "env-not-a-mapping": (
        _with("  dev:\n    api_url: sandbox", "  dev: sandbox"),
        6,
        "environments.dev",
        "expected a mapping, got text",
        "'key: value' pairs",
    ),
    "no-environments": (
        "version: 1\nenvironments: {}\n",
        2,
        "environments",
        "must not be empty",
        "add at least one entry",
    ),
    "bool-as-yes": (
        _with("state: .reconciler/staging.sqlite", "require_state: yes"),
        9,
        "environments.staging.require_state",
        "expected true or false, got text",
        "yes/no/on/off are text in YAML 1.2",
    ),
    "int-as-text": (
        _with("state: .reconciler/staging.sqlite", 'max_creates: "5"'),
        9,
        "environments.staging.max_creates",
        "expected a whole number, got text",
        "remove the quotes",
    ),
    "int-below-minimum": (
        _with("state: .reconciler/staging.sqlite", "max_creates: -1"),
        9,
        "environments.staging.max_creates",
        "must be at least 0, got -1",
        "whole number (at least 0)",
    ),
    "choice": (
        _with("state: .reconciler/staging.sqlite", "phone_format: E164"),
        9,
        "environments.staging.phone_format",
        "phone_format must be e164 or digits, got 'E164'",
        "did you mean e164?",
    ),
    "text-as-number": (
        _with("campaigns: campaigns", "campaigns: 5"),
        3,
        "campaigns",
        "expected text, got a whole number",
        "write text",
    ),
    "vars-not-a-mapping": (
        _with("vars: {language: en}", "vars: [en]"),
        4,
        "vars",
        "expected a mapping, got a list",
        "'key: value' pairs indented under this key",
    ),
}


def _errors(text: str, tmp_path: Path) -> list[Diagnostic]:
    root = make_project(tmp_path / "p", {"reconciler.yaml": text})
    with pytest.raises(ValidationFailed) as info:
        load_project(project_dir=root)
    return info.value.diagnostics


@pytest.mark.parametrize(("text", "line", "field", "words", "hint"), CASES.values(), ids=CASES)
def test_each_problem_has_line_field_message_and_hint(
    tmp_path: Path, text: str, line: int, field: str, words: str, hint: str
) -> None:
    """The offending key's own line, its dotted path, a plain message and a hint."""
    diagnostics = _errors(text, tmp_path)
    hits = [d for d in diagnostics if (d.location.line, d.field) == (line, field)]
    assert hits, [f"{d.location} {d.field}: {d.message}" for d in diagnostics]
    (found,) = hits
    assert found.location.file == "reconciler.yaml"
    assert words in found.message and hint in found.hint, found


def test_every_problem_of_the_file_in_one_run(tmp_path: Path) -> None:
    """A bad promote_from is reported beside the other environments' own problems."""
    text = (
        _with("version: 1", "version: 2")
        .replace("promote_from: staging", "promote_from: stagin")
        .replace("api_url: sandbox", "api_ulr: sandbox")
        .replace("state: .reconciler/staging.sqlite", "max_creates: -1")
        .replace('">=1.0"', '">=9.0"')
    )
    fields = [(d.location.line, d.field) for d in _errors(text, tmp_path)]
    assert fields == [
        (1, "version"),
        (2, "required_version"),
        (7, "environments.dev.api_ulr"),
        (9, "environments.staging.max_creates"),
        (12, f"{PROD}.promote_from"),
    ]


def test_unset_variables_name_file_line_and_field(tmp_path: Path) -> None:
    """Only the environment in use needs its OS variables; each unset one is reported."""
    text = _with("    promote_from: staging\n", "    token_env: ${PROD_TOKEN_VAR}\n")
    project = load_project(project_dir=make_project(tmp_path / "p", {"reconciler.yaml": text}))
    assert project.environment("dev", os_environ={}).state == ".reconciler/dev.sqlite"
    with pytest.raises(ValidationFailed) as info:
        project.environment("prod", os_environ={})
    found = [(str(d.location), d.field, d.message) for d in info.value.diagnostics]
    assert found == [
        ("reconciler.yaml:11", f"{PROD}.state", "OS variable PROD_STATE is not set"),
        ("reconciler.yaml:12", f"{PROD}.token_env", "OS variable PROD_TOKEN_VAR is not set"),
    ]
    assert all("export" in d.hint and "prod" in d.hint for d in info.value.diagnostics)


def test_unknown_environment_suggests_the_nearest(tmp_path: Path) -> None:
    """A mistyped --env gets "did you mean", and the known environments."""
    project = load_project(project_dir=make_project(tmp_path / "p", {"reconciler.yaml": BASE}))
    with pytest.raises(ConfigError, match="no environment 'prd'") as info:
        project.environment("prd", {})
    assert info.value.hint == "did you mean prod? (known environments: dev, staging, prod)"


def test_bad_project_file_through_the_cli(tmp_path: Path) -> None:
    """validate exits 1 with file:line: field: message and hint, no traceback, no write."""
    text = _with("promote_from: staging", "promote_from: stagin").replace(
        "version: 1", "version: 2"
    )
    root = make_project(tmp_path / "p", {"reconciler.yaml": text})
    before = snapshot(root)
    result = run_cli("validate", cwd=root)
    assert result.returncode == 1, result.output
    assert "reconciler.yaml:1: error: version: version must be 1, got 2" in result.stderr
    assert (
        f"reconciler.yaml:12: error: {PROD}.promote_from: "
        "promote_from names no environment 'stagin'\n  hint: did you mean staging?"
    ) in result.stderr
    assert "2 errors found; nothing was written" in result.stderr
    assert snapshot(root) == before


def test_unset_variable_and_unknown_env_through_the_cli(tmp_path: Path) -> None:
    """plan names the unset variable's file, line and field; a mistyped --env gets a guess."""
    root = make_project(tmp_path / "p", {"reconciler.yaml": BASE})
    before = snapshot(root)
    unset = run_cli("plan", "--env", "prod", cwd=root)
    assert unset.returncode == 1, unset.output
    assert (
        f"reconciler.yaml:11: error: {PROD}.state: OS variable PROD_STATE is not set"
        in unset.stderr
    )
    typo = run_cli("plan", "--env", "prd", cwd=root)
    assert typo.returncode == 1, typo.output
    assert "no environment 'prd'" in typo.stderr and "did you mean prod?" in typo.stderr
    assert snapshot(root) == before


def test_vars_file_problems_name_the_file_and_line(tmp_path: Path) -> None:
    """A missing vars_file is reported at its setting; one that is no mapping, in itself."""
    text = _with("    api_url: sandbox\n", "    api_url: sandbox\n    vars_file: vars/dev.yaml\n")
    root = make_project(tmp_path / "p", {"reconciler.yaml": text})
    missing = run_cli("validate", "--env", "dev", cwd=root)
    assert missing.returncode == 1, missing.output
    assert (
        "reconciler.yaml:8: error: environments.dev.vars_file: variables file vars/dev.yaml "
        "not found\n  hint: check the path" in missing.stderr
    )
    (root / "vars").mkdir()
    (root / "vars" / "dev.yaml").write_text("- a\n")
    listed = run_cli("validate", "--env", "dev", cwd=root)
    assert listed.returncode == 1, listed.output
    assert "vars/dev.yaml:1: error: a variables file must be one YAML mapping" in listed.stderr
    assert "named by environments.dev.vars_file" in listed.stderr
    assert "Traceback" not in missing.stderr + listed.stderr
