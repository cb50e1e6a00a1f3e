"""``reconciler plan`` as users run it: exit codes, stdout holds only the chosen format."""

from __future__ import annotations

import json
import stat

import pytest

from reconciler.output.markdown import MARKER_PREFIX
from tests.planner.project import write_state
from tests.support.cli import run_cli
from tests.support.projects import PROMOTION, make_project, specs

TOKEN = "tok-secret-0123456789"


@pytest.fixture
def root(tmp_path):
    return make_project(tmp_path / "p", specs("promo", "sale"), environments=PROMOTION)


def test_exit_0_without_detailed_exitcode_and_2_with_it(root):
    """Creates pending: exit 0 normally, 2 with --detailed-exitcode."""
    assert run_cli("plan", "--env", "dev", cwd=root).returncode == 0
    assert run_cli("plan", "--env", "dev", "--detailed-exitcode", cwd=root).returncode == 2


def test_exit_0_with_detailed_exitcode_when_nothing_to_create(root):
    """Nothing to create gives 0 even with --detailed-exitcode."""
    write_state(root, created=("promo", "sale"))
    result = run_cli("plan", "--env", "dev", "--detailed-exitcode", cwd=root)
    assert result.returncode == 0, result.stderr
    assert "nothing to create, 2 unchanged" in result.stdout


def test_exit_2_with_detailed_exitcode_when_only_a_record_would_move(root):
    """A renamed key (previous_keys) is a change apply would write: 2, as Terraform's moved."""
    write_state(root, created=("promo", "sale"))
    path = root / "campaigns/promo.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("key: promo\n", "key: promo-renamed\nprevious_keys: [promo]\n", 1),
        encoding="utf-8",
    )
    result = run_cli("plan", "--env", "dev", "--detailed-exitcode", cwd=root)
    assert result.returncode == 2, result.stderr
    assert "nothing to create, 1 record to move (state only), 2 unchanged" in result.stdout


def test_usage_error_with_detailed_exitcode_exits_1(root):
    """An unknown flag or a missing --env exits 1, never 2."""
    bad_flag = run_cli("plan", "--env", "dev", "--detailed-exitcode", "--nope", cwd=root)
    assert bad_flag.returncode == 1 and bad_flag.stdout == ""
    no_env = run_cli("plan", "--detailed-exitcode", cwd=root)
    assert no_env.returncode == 1


@pytest.mark.slow
def test_json_on_stdout_is_the_only_output_there(root):
    """--format json prints exactly one JSON document on stdout; messages go to stderr."""
    write_state(root, created=("promo",))
    (root / "campaigns/promo.yaml").unlink()
    result = run_cli("plan", "--env", "dev", "--format", "json", cwd=root)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["summary"]["gone"] == 1 and data["summary"]["create"] == 1
    assert "still live" in result.stderr


@pytest.mark.slow
def test_markdown_on_stdout_starts_with_the_part_marker(root):
    """--format markdown prints the comment parts, each starting with the marker line."""
    result = run_cli("plan", "--env", "dev", "--format", "markdown", cwd=root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(MARKER_PREFIX)
    assert "| | Key | Action |" in result.stdout
    assert "+919812345601" not in result.stdout


@pytest.mark.slow
def test_text_has_no_colour_in_a_pipe_and_masks_numbers(root):
    """Piped text output has no ANSI codes (even without NO_COLOR) and no recipient number."""
    result = run_cli("plan", "--env", "dev", cwd=root, env={"NO_COLOR": ""})
    assert "\x1b[" not in result.stdout
    assert "2 to create (4 recipients)" in result.stdout


@pytest.mark.slow
def test_guard_error_exits_1_and_saves_nothing(root, tmp_path):
    """A guard refusal exits 1, names the guard on stderr and writes no plan file."""
    out = tmp_path / "plan.json"
    result = run_cli("plan", "--env", "dev", "--max-creates", "1", "--out", str(out), cwd=root)
    assert result.returncode == 1
    assert "max_creates" in result.stderr
    assert not out.exists()


@pytest.mark.slow
def test_strict_turns_in_doubt_into_an_error(root):
    """An in-doubt campaign is a warning, and an error (exit 1) under --strict."""
    write_state(root, in_doubt=("promo",))
    assert run_cli("plan", "--env", "dev", cwd=root).returncode == 0
    strict = run_cli("plan", "--env", "dev", "--strict", cwd=root)
    assert strict.returncode == 1
    assert "in doubt" in strict.stderr


@pytest.mark.slow
def test_require_state_error_and_new_state(root):
    """A missing required state exits 1 with a hint; --new-state plans it."""
    missing = run_cli("plan", "--env", "prod", cwd=root)
    assert missing.returncode == 1 and "--new-state" in missing.stderr
    assert run_cli("plan", "--env", "prod", "--new-state", cwd=root).returncode == 0
    assert not (root / ".reconciler").exists()


@pytest.mark.slow
def test_out_file_is_private_and_holds_no_token(root, tmp_path):
    """--out writes a 0600 file with the unmasked bodies and never the token."""
    out = tmp_path / "plan.json"
    result = run_cli(
        "plan", "--env", "dev", "--out", str(out), cwd=root, env={"CONTACTSWING_TOKEN": TOKEN}
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = out.read_text()
    assert TOKEN not in text and TOKEN not in result.output
    assert "+919812345601" in text
    assert "+919812345601" not in result.output


@pytest.mark.slow
def test_target_limits_the_plan(root):
    """--target with a glob keeps only the matching campaigns."""
    result = run_cli("plan", "--env", "dev", "--target", "s*", "--format", "json", cwd=root)
    assert [a["key"] for a in json.loads(result.stdout)["actions"]] == ["sale"]


@pytest.mark.slow
def test_bad_spec_exits_1_without_traceback(root):
    """A spec error exits 1 with file and field on stderr and nothing on stdout."""
    path = root / "campaigns/promo.yaml"
    path.write_text(path.read_text().replace("start_hour: 10", "start_hours: 10"))
    result = run_cli("plan", "--env", "dev", "--format", "json", cwd=root)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "campaigns/promo.yaml" in result.stderr
