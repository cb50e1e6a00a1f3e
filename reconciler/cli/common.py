"""Options every command shares, parsed once into ``CommonOptions``."""

from __future__ import annotations

import functools
import logging
import select
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class CommonOptions:
    """``--project``, ``--var``, ``--var-file``, ``-q``/``-v`` as given on the command line.

    ``var_args`` keeps the raw ``name=value`` strings in order; ``var_files`` the files.
    """

    project_dir: Path | None
    var_args: tuple[str, ...]
    var_files: tuple[Path, ...]
    verbosity: int  # -1 quiet, 0 normal, 1+ verbose


def _configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    if verbosity < 0:
        level = logging.ERROR
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def common_options(func: F) -> F:
    """Add the shared options; the command receives them as ``common: CommonOptions``."""

    options = [
        click.option(
            "--project",
            "project_dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help="Project directory (default: nearest reconciler.yaml upwards).",
        ),
        click.option(
            "--var",
            "var_args",
            multiple=True,
            metavar="NAME=VALUE",
            help="Set a variable (highest precedence); the value is read as a YAML scalar.",
        ),
        click.option(
            "--var-file",
            "var_files",
            multiple=True,
            type=click.Path(dir_okay=False, path_type=Path),
            help="YAML file of variables (above environment variables, below --var).",
        ),
        click.option("-q", "--quiet", "quiet", is_flag=True, help="Only errors on stderr."),
        click.option("-v", "--verbose", "verbose", count=True, help="More detail on stderr."),
    ]

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        quiet, verbose = kwargs.pop("quiet"), kwargs.pop("verbose")
        verbosity = -1 if quiet else verbose
        common = CommonOptions(
            project_dir=kwargs.pop("project_dir"),
            var_args=tuple(kwargs.pop("var_args")),
            var_files=tuple(kwargs.pop("var_files")),
            verbosity=verbosity,
        )
        _configure_logging(verbosity)
        return func(common=common, **kwargs)

    result: Any = wrapper
    for option in reversed(options):
        result = option(result)
    return result  # type: ignore[no-any-return]


def env_option(required: bool = True) -> Callable[[F], F]:
    """``--env E``: the environment of reconciler.yaml to work on."""
    return click.option(
        "--env",
        "env",
        required=required,
        metavar="ENV",
        help="Environment from reconciler.yaml.",
    )


def format_option(choices: tuple[str, ...] = ("text", "markdown", "json")) -> Callable[[F], F]:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(choices),
        default=choices[0],
        show_default=True,
        help="Output format on stdout.",
    )


show_sensitive_option = click.option(
    "--show-sensitive",
    is_flag=True,
    help="Show recipients' phone numbers unmasked.",
)


target_option = click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="KEY",
    help="Only campaigns whose key matches (glob patterns; repeatable).",
)

max_creates_option = click.option(
    "--max-creates",
    type=click.IntRange(min=0),
    default=None,
    help="Refuse to create more than N campaigns (instead of the environment's max_creates).",
)

new_state_option = click.option(
    "--new-state",
    is_flag=True,
    help="Accept a missing state even where require_state is true (a brand-new one).",
)

auto_approve_option = click.option(
    "--auto-approve", is_flag=True, help="Do not ask for confirmation."
)

lock_timeout_option = click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Seconds to wait for another writer's lock (0: fail at once, naming the holder).",
)


# Set while a question waits for an answer: nothing has been sent or written yet, so a
# signal there aborts outright (see apply's signal handler).
PROMPTING = threading.Event()


def ask_yes(question: str) -> bool:
    """Ask on the terminal (stderr); only ``yes`` approves."""
    PROMPTING.set()
    try:
        click.echo(f"{question}\n  Only 'yes' will be accepted: ", nl=False, err=True)
        answer = _read_line()
    finally:
        PROMPTING.clear()
    return answer.strip() == "yes"


def _read_line() -> str:
    """One line from stdin, waking up often so that a signal's handler runs at once.

    A plain blocking read can miss a signal that arrives just before it starts: the
    handler would then wait for the user to press Enter.
    """
    while True:
        ready, _, _ = select.select([sys.stdin], [], [], 0.2)
        if ready:
            return sys.stdin.readline()


def terminal_asker() -> Callable[[str], bool] | None:
    """``ask_yes`` when a person is at a terminal; None in CI (which must pass --auto-approve)."""
    return ask_yes if sys.stdin.isatty() and sys.stderr.isatty() else None
