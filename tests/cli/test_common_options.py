"""The common options work before and after the command; the one after it wins."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from reconciler import __version__, cli
from tests.support.cli import run_cli
from tests.support.projects import PROMOTION, make_project, specs

COMMON = ("--project", "--var", "--var-file", "--quiet", "--verbose", "--no-color", "--version")
ANSI = "\x1b["
# Colour is forced on without a terminal, so that only --no-color can turn it off.
FORCED_COLOR = {"NO_COLOR": "", "FORCE_COLOR": "1"}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_project(tmp_path / "p", specs("promo", "sale"), environments=PROMOTION)


def _leaves(group: click.Group, ctx: click.Context, path: tuple[str, ...] = ()) -> Iterator:
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        if isinstance(command, click.Group):
            yield from _leaves(command, ctx, (*path, name))
        else:
            yield (*path, name), command


LEAVES = dict(_leaves(cli.cli, click.Context(cli.cli)))


@pytest.mark.parametrize("path", sorted(LEAVES), ids=" ".join)
def test_every_command_takes_the_common_options(path: tuple[str, ...]) -> None:
    """init and sandbox too: each leaf command declares every common option."""
    ctx = click.Context(LEAVES[path])
    declared = {opt for p in LEAVES[path].get_params(ctx) for opt in p.opts}
    assert set(COMMON) <= declared


@pytest.mark.parametrize(
    "args", [["--version"], ["plan", "--version"], ["state", "list", "--version"]]
)
def test_version_everywhere(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """``--version`` answers before or after any command, without needing its arguments."""
    assert cli.main(args) == 0
    assert __version__ in capsys.readouterr().out


def test_project_before_or_after_the_command_plans_the_same(root: Path) -> None:
    """``reconciler --project P plan`` and ``reconciler plan --project P`` are one plan."""
    before = run_cli("--project", "p", "plan", "--env", "dev", cwd=root.parent)
    after = run_cli("plan", "--env", "dev", "--project", "p", cwd=root.parent)
    assert before.returncode == 0, before.output
    assert before.stdout == after.stdout
    assert "2 to create" in before.stdout


def test_state_list_takes_them_before_the_group_too(root: Path) -> None:
    """``reconciler --project P state list`` and ``reconciler state --project P list``."""
    for args in (("--project", "p", "state", "list"), ("state", "--project", "p", "list")):
        result = run_cli(*args, "--env", "dev", cwd=root.parent)
        assert result.returncode == 0, result.output
        assert "No state for environment dev" in result.stdout


def test_the_value_after_the_command_wins(root: Path) -> None:
    """A --project after the command replaces the one before; a later --var wins its name."""
    result = run_cli(
        "--project", "nowhere", "--var", "workspace_id=ws-before", "--var", "assistant_id=7",
        "render", "--env", "dev", "promo", "--project", "p", "--var", "workspace_id=ws-after",
        cwd=root.parent,
    )  # fmt: skip
    assert result.returncode == 0, result.output
    body = json.loads(result.stdout)["promo"]
    assert body["workspace_id"] == "ws-after"  # given in both places: the command's wins
    assert body["touchpoint"]["assistant_id"] == 7  # given before only: still applies


@pytest.mark.parametrize(
    ("args", "speaks"),
    [
        (("-q", "validate"), False),
        (("-q", "validate", "-v"), True),
        (("-v", "validate", "-q"), False),
    ],
)
def test_quiet_or_verbose_after_the_command_wins(root: Path, args: tuple, speaks: bool) -> None:
    """-q before the command silences it; -v after it speaks again, and the reverse."""
    result = run_cli(*args, cwd=root)
    assert result.returncode == 0, result.output
    assert ("valid in env dev" in result.stderr) is speaks


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        (("plan", "--env", "dev"), FORCED_COLOR, True),
        (("--no-color", "plan", "--env", "dev"), FORCED_COLOR, False),
        (("plan", "--env", "dev", "--no-color"), FORCED_COLOR, False),
        (("plan", "--env", "dev"), {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
        (("plan", "--env", "dev"), {"NO_COLOR": "", "FORCE_COLOR": ""}, False),
    ],
    ids=["forced", "no-color-before", "no-color-after", "NO_COLOR", "pipe"],
)
def test_no_color(root: Path, args: tuple, env: dict[str, str], coloured: bool) -> None:
    """--no-color (before or after the command), NO_COLOR or a pipe: no ANSI codes."""
    result = run_cli(*args, cwd=root, env=env)
    assert result.returncode == 0, result.output
    assert "2 to create" in result.stdout
    assert (ANSI in result.stdout) is coloured


@pytest.mark.parametrize(
    "args",
    [
        ("--bogus", "plan", "--env", "dev"),
        ("--var",),
        ("--project",),
        ("-v", "no-such-command"),
        ("-v", "plan", "--env", "dev", "--detailed-exitcode", "--nope"),
    ],
)
def test_usage_errors_before_the_command_exit_one(root: Path, args: tuple) -> None:
    """A usage error is exit 1 wherever it is, never 2 (which means changes pending)."""
    result = run_cli(*args, cwd=root)
    assert result.returncode == 1, result.output
    assert result.stdout == ""
