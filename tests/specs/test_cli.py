"""validate and render through the real CLI, on the example project at the repo root."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.specs.helpers import GOOD_SPEC, snapshot, spec_with
from tests.support.cli import run_cli
from tests.support.projects import PROJECT_FILE, copy_example, make_project

pytestmark = pytest.mark.slow


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A copy of the example project at the repo root."""
    return copy_example(tmp_path / "example")


def test_example_validates_in_every_environment_without_secrets(example: Path) -> None:
    """The example project is valid in dev, staging and prod with no OS variables set."""
    before = snapshot(example)
    result = run_cli("validate", cwd=example)
    assert result.returncode == 0, result.output
    for env in ("dev", "staging", "prod"):
        assert f"campaigns valid in env {env}" in result.stderr
    assert snapshot(example) == before


def test_render_masks_recipients_unless_asked(example: Path) -> None:
    """render prints JSON bodies with masked recipients; --show-sensitive shows them."""
    masked = run_cli("render", "--env", "prod", "diwali-2027-vip", cwd=example)
    assert masked.returncode == 0, masked.output
    body = json.loads(masked.stdout)["diwali-2027-vip"]
    numbers = [r["to_number"] for r in body["touchpoint"]["customer_details"]]
    assert all("*" in n for n in numbers)
    assert body["workspace_id"] == "00123"
    assert body["touchpoint"]["assistant_id"] == 31
    shown = run_cli("render", "--env", "prod", "--show-sensitive", "diwali-2027-vip", cwd=example)
    assert "+919812345601" in shown.stdout
    assert "+919812345601" not in masked.output


def test_render_needs_env_when_several_exist(example: Path) -> None:
    """Without --env and with three environments, render asks for one (exit 1)."""
    result = run_cli("render", cwd=example)
    assert result.returncode == 1
    assert "--env" in result.stderr


def test_render_unknown_key_is_an_error(example: Path) -> None:
    """A KEY that matches nothing is an error, not an empty output."""
    result = run_cli("render", "--env", "dev", "no-such-campaign", cwd=example)
    assert result.returncode == 1
    assert "no-such-campaign" in result.stderr


def test_var_on_the_command_line_is_typed_and_wins(example: Path) -> None:
    """--var assistant_id=77 is the number 77 and beats every other layer."""
    result = run_cli(
        "render",
        "--env",
        "dev",
        "--var",
        "assistant_id=77",
        "welcome-en",
        cwd=example,
        env={"RECONCILER_VAR_assistant_id": "66"},
    )
    assert result.returncode == 0, result.output
    assert json.loads(result.stdout)["welcome-en"]["touchpoint"]["assistant_id"] == 77


def test_os_variable_beats_vars_file(example: Path) -> None:
    """RECONCILER_VAR_workspace_id overrides the environment's vars_file."""
    result = run_cli(
        "render",
        "--env",
        "prod",
        "welcome-en",
        cwd=example,
        env={"RECONCILER_VAR_workspace_id": "ws-from-os"},
    )
    assert json.loads(result.stdout)["welcome-en"]["workspace_id"] == "ws-from-os"


def test_placeholders_and_norwegian_survive_render(example: Path) -> None:
    """{{1}} stays literal in a whole-file template and `no` stays a language code."""
    result = run_cli("render", "--env", "dev", "diwali-2027-reminder-*", "welcome-no", cwd=example)
    bodies = json.loads(result.stdout)
    assert (
        "Hi {{1}}, the sale ends on {{2}}."
        in (bodies["diwali-2027-reminder-delhi"]["touchpoint"]["whatsapp_data"]["whatsapp_body"])
    )
    assert bodies["welcome-no"]["touchpoint"]["whatsapp_data"]["language_code"] == "no"


def test_bad_number_never_echoed_by_validate(tmp_path: Path) -> None:
    """validate reports a bad recipient number without printing it whole."""
    spec = spec_with('"+919812345602"', '"+9198123456029999"')
    root = make_project(tmp_path / "p", {"campaigns/promo.yaml": spec})
    result = run_cli("validate", cwd=root)
    assert result.returncode == 1
    assert "campaigns/promo.yaml:19" in result.stderr
    assert "9198123456029999" not in result.output


def test_environment_specific_problem_names_the_environment(tmp_path: Path) -> None:
    """An error that only one environment's variables cause says which environment."""
    yaml_text = (
        PROJECT_FILE + '  prod:\n    vars: {workspace_id: w, from_numbers: ["+919800000001"]}\n'
    )
    root = make_project(
        tmp_path / "p", {"reconciler.yaml": yaml_text, "campaigns/promo.yaml": GOOD_SPEC}
    )
    result = run_cli("validate", cwd=root)
    assert result.returncode == 1
    assert "campaigns/promo.yaml:9: error: touchpoint.assistant_id:" in result.stderr
    assert "(env prod)" in result.stderr
    assert run_cli("validate", "--env", "dev", cwd=root).returncode == 0
