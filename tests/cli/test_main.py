"""The one error handler: exit codes and messages users see."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from reconciler import __version__, cli
from reconciler.errors import ConfigError, Diagnostic, SourceLocation, ValidationFailed
from tests.support.cli import run_cli

COMMANDS = ["init", "validate", "render", "plan", "apply", "state", "unlock", "sandbox", "schema"]


def _with_command(monkeypatch: pytest.MonkeyPatch, command: click.Command) -> None:
    monkeypatch.setitem(
        cli._COMMANDS, command.name or "x", f"{__name__}:{command.callback.__name__}"
    )  # type: ignore[union-attr]
    globals()[command.callback.__name__] = command  # type: ignore[union-attr]


def test_version_prints_and_exits_zero(tmp_path: Path) -> None:
    """``--version`` prints the version and exits 0."""
    result = run_cli("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_unknown_flag_is_a_usage_error_with_status_one(tmp_path: Path) -> None:
    """A usage error exits 1, never 2 (2 means changes pending)."""
    result = run_cli("--no-such-flag", cwd=tmp_path)
    assert result.returncode == 1
    assert "No such option" in result.stderr


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("-out=p.json", "--out"), ("-detailed-exitcode", "--detailed-exitcode")],
)
def test_terraforms_single_dash_options_name_the_long_option_meant(
    tmp_path: Path, typed: str, meant: str
) -> None:
    """``plan -out=F`` is not ``-o -u -t``: the error names the two-dash option."""
    result = run_cli("plan", "--env", "dev", typed, cwd=tmp_path)
    assert result.returncode == 1
    given = typed.split("=")[0]
    assert f"No such option '{given}'. Did you mean '{meant}'?" in result.stderr
    assert "No such option '-x'.\n" in run_cli("plan", "-x", cwd=tmp_path).stderr


def test_unknown_command_exits_one(tmp_path: Path) -> None:
    """An unknown command is a usage error: exit 1."""
    result = run_cli("frobnicate", cwd=tmp_path)
    assert result.returncode == 1


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    """Every command answers ``--help`` with exit 0."""
    assert cli.main([command, "--help"]) == 0


def test_reconciler_error_prints_message_and_hint(monkeypatch, capsys) -> None:
    """A ReconcilerError becomes ``Error: …`` with its hint and exit 1, no traceback."""

    @click.command(name="boom")
    def boom_config() -> None:
        raise ConfigError(
            "bad setting", hint="fix it", location=SourceLocation("reconciler.yaml", 3)
        )

    _with_command(monkeypatch, boom_config)
    assert cli.main(["boom"]) == 1
    err = capsys.readouterr().err
    assert "Error: reconciler.yaml:3: bad setting" in err
    assert "hint: fix it" in err
    assert "Traceback" not in err


def test_validation_failure_lists_every_diagnostic(monkeypatch, capsys) -> None:
    """ValidationFailed prints each diagnostic with file, line, field and hint."""

    @click.command(name="bad")
    def bad_specs() -> None:
        raise ValidationFailed(
            [
                Diagnostic(
                    SourceLocation("campaigns/b.yaml", 9),
                    "too late",
                    "touchpoint.start_hour",
                    "use 0-23",
                ),
                Diagnostic(SourceLocation("campaigns/a.yaml", 4), "unknown key", "start_hours"),
            ]
        )

    _with_command(monkeypatch, bad_specs)
    assert cli.main(["bad"]) == 1
    err = capsys.readouterr().err
    assert err.index("campaigns/a.yaml:4") < err.index("campaigns/b.yaml:9")
    assert "touchpoint.start_hour: too late" in err
    assert "hint: use 0-23" in err


def test_unexpected_exception_shows_no_traceback(monkeypatch, capsys) -> None:
    """A bug is reported as such, without a traceback unless RECONCILER_DEBUG is set."""

    @click.command(name="bug")
    def bug_cmd() -> None:
        raise RuntimeError("internal detail")

    _with_command(monkeypatch, bug_cmd)
    monkeypatch.delenv("RECONCILER_DEBUG", raising=False)
    assert cli.main(["bug"]) == 1
    err = capsys.readouterr().err
    assert "unexpected internal error" in err
    assert "Traceback" not in err
    assert "internal detail" not in err
