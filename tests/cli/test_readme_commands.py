"""The README's Commands section says only what the commands do take."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from reconciler import cli

README = Path(__file__).resolve().parents[2] / "README.md"
COMMON = ("--project", "--var", "--var-file", "-q", "-v", "--no-color", "--version", "--help")


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("\n## Commands\n", 1)[1].split("\n### Exit status", 1)[0]


def _lines() -> list[str]:
    """The synopsis lines, each with its indented continuation lines."""
    block = _section().split("```", 2)[1]
    lines: list[str] = []
    for line in block.splitlines():
        if line.startswith("reconciler "):
            lines.append(line)
        elif line.startswith(" ") and lines:
            lines[-1] += line
    return lines


def _declared(command: click.Command) -> set[str]:
    ctx = click.Context(command)
    found = {opt for p in command.get_params(ctx) for opt in p.opts}
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            found |= _declared(command.get_command(ctx, name))  # type: ignore[arg-type]
    return found


@pytest.mark.parametrize("line", _lines(), ids=lambda line: line.split()[1])
def test_every_option_the_readme_lists_exists(line: str) -> None:
    """A command or option the README names is one the CLI has."""
    name = line.split()[1]
    command = cli.cli.get_command(click.Context(cli.cli), name)
    assert command is not None, f"README lists `reconciler {name}`, which does not exist"
    listed = set(re.findall(r"--[a-z][a-z-]*", line))
    assert listed <= _declared(command), line


def test_the_readme_names_every_common_option() -> None:
    """The paragraph under the synopsis names each common option."""
    text = _section()
    for option in COMMON:
        assert f"`{option}" in text, option


def test_the_readme_lists_every_command() -> None:
    """No command is missing from the synopsis."""
    assert {line.split()[1] for line in _lines()} == set(cli._COMMANDS)
