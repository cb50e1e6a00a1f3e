"""``reconciler envs``: resolved settings of each environment, never a secret's value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.tree import build_tree

PROJECT = """\
version: 1
environments:
  dev:
    api_url: sandbox
  prod:
    api_url: https://contactswing.example.invalid
    state: ${PROD_STATE}
    token_env: PROD_TOKEN
    require_state: true
    promote_from: dev
    max_creates: 5
    max_recipients: 100
"""
TOKEN = "tok-secret-0123456789"
PASSWORD = "pw-s3cret-9876"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return build_tree(tmp_path / "p", {"reconciler.yaml": PROJECT})


def test_json_resolves_settings_and_shows_no_secret(root: Path) -> None:
    env = {"PROD_STATE": f"postgresql+psycopg://ops:{PASSWORD}@db/rec", "PROD_TOKEN": TOKEN}
    result = run_cli("envs", "--format", "json", cwd=root, env=env)
    assert result.returncode == 0, result.output
    assert TOKEN not in result.output and PASSWORD not in result.output
    document = json.loads(result.stdout)
    assert document["format_version"] == 1
    dev, prod = document["environments"]
    assert (dev["name"], dev["state"], dev["state_backend"]) == (
        "dev",
        ".reconciler/dev.sqlite",
        "sqlite",
    )
    assert prod["state"] == "postgresql+psycopg://ops:***@db/rec"
    assert (prod["token_env"], prod["token_set"], prod["promote_from"]) == (
        "PROD_TOKEN",
        True,
        "dev",
    )
    assert prod["guards"] == {
        "max_creates": 5,
        "max_recipients": 100,
        "max_cost": None,
        "allow_ignore_suppression": False,
    }
    assert prod["require_state"] is True and prod["unset_variables"] == []


def test_the_sandbox_needs_no_token_and_says_so(root: Path) -> None:
    """dev's token variable is unset, yet nothing is missing: the sandbox reads no token."""
    result = run_cli("envs", cwd=root)
    assert result.returncode == 0, result.output
    dev, prod = result.stdout.split("\n\n")
    assert "CONTACTSWING_TOKEN (not needed: the sandbox reads no token)" in dev
    assert "not set" not in dev and "PROD_TOKEN (not set)" in prod
    document = json.loads(run_cli("envs", "--format", "json", cwd=root).stdout)
    needed = [e["token_needed"] for e in document["environments"]]
    assert needed == [False, True]


def test_policies_catalogue_and_rate_card_in_force_are_shown(tmp_path: Path) -> None:
    """The environment's own policy replaces the project's; the rest comes from the top."""
    project = (
        "version: 1\ncatalog: t.json\nrate_card: r.csv\nfrequency_cap: {max: 2, days: 7}\n"
        "suppression: [o.csv]\nenvironments:\n  dev: {api_url: sandbox}\n"
        "  prod:\n    api_url: sandbox\n    max_cost: 250.5\n"
        "    frequency_cap: {max: 1, days: 3, mode: warn}\n    quiet_hours: {start: 21, end: 8}\n"
    )
    root = build_tree(tmp_path / "p", {"reconciler.yaml": project})
    result = run_cli("envs", "--format", "json", cwd=root)
    assert result.returncode == 0, result.output
    dev, prod = json.loads(result.stdout)["environments"]
    assert (prod["catalog"], prod["rate_card"], prod["guards"]["max_cost"]) == (
        "t.json",
        "r.csv",
        "250.5",
    )
    assert dev["policies"]["frequency_cap"] == {"max": 2, "days": 7, "mode": "error"}
    assert prod["policies"]["frequency_cap"] == {"max": 1, "days": 3, "mode": "warn"}
    assert prod["policies"]["quiet_hours"] == {"start": 21, "end": 8, "mode": "error"}
    assert dev["policies"]["quiet_hours"] is None
    assert prod["policies"]["suppression"] == ["o.csv"]
    text = run_cli("envs", "--env", "prod", cwd=root).stdout
    assert "frequency_cap:" in text and "max 1, days 3, mode warn" in text


def test_text_names_unset_variables_instead_of_refusing(root: Path) -> None:
    """Without the CI's secrets, envs still shows prod and says what is unset."""
    result = run_cli("envs", "--env", "prod", cwd=root)
    assert result.returncode == 0, result.output
    assert "state:" in result.stdout and "${PROD_STATE}" in result.stdout
    assert "PROD_TOKEN (not set)" in result.stdout
    assert "unset:" in result.stdout and "PROD_STATE" in result.stdout
    assert "dev:" not in result.stdout


def test_the_unset_state_variable_of_the_promotion_source_is_listed(tmp_path: Path) -> None:
    """prod's plan reads staging's state too: its unset variable is prod's to set."""
    project = PROJECT.replace(
        "  dev:\n    api_url: sandbox\n", "  dev:\n    api_url: sandbox\n    state: ${DEV_STATE}\n"
    )
    root = build_tree(tmp_path / "p", {"reconciler.yaml": project})
    env = {"PROD_STATE": "prod.sqlite"}
    document = json.loads(run_cli("envs", "--format", "json", cwd=root, env=env).stdout)
    dev, prod = document["environments"]
    assert dev["unset_variables"] == prod["unset_variables"] == ["DEV_STATE"]


def test_an_unknown_env_is_an_error(root: Path) -> None:
    result = run_cli("envs", "--env", "nope", cwd=root)
    assert result.returncode == 1
    assert "no environment 'nope'" in result.stderr and "dev, prod" in result.stderr
