"""Options every command shares, parsed once into ``CommonOptions``."""

from __future__ import annotations

import functools
import logging
import select
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click
from click.core import ParameterSource

from reconciler import __version__
from reconciler.runtime import Runtime

if TYPE_CHECKING:
    from reconciler.commands.inputs import RunInputs
    from reconciler.output.diagnostic_formats import ReportPaths

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class CommonOptions:
    """``--project``, ``--var``, ``--var-file``, ``-q``/``-v``, ``--no-color`` as given.

    ``var_args`` keeps the raw ``name=value`` strings in order; ``var_files`` the files.
    ``runtime`` is the one ``main()`` built: the environment variables and the clock.
    """

    project_dir: Path | None
    var_args: tuple[str, ...]
    var_files: tuple[Path, ...]
    verbosity: int  # -1 quiet, 0 normal, 1+ verbose
    runtime: Runtime
    no_color: bool = False

    @classmethod
    def merged(cls, levels: Sequence[Mapping[str, Any]], runtime: Runtime) -> CommonOptions:
        """The options given at each level, outermost first (``reconciler -v plan -q``).

        The value nearest the command wins; ``--var`` and ``--var-file`` add up in
        order, so that a later one wins for the same variable as it does on one level.
        """
        project_dir: Path | None = None
        var_args: tuple[str, ...] = ()
        var_files: tuple[Path, ...] = ()
        verbosity, no_color = 0, False
        for given in levels:
            project_dir = given.get("project_dir", project_dir)
            var_args += tuple(given.get("var_args", ()))
            var_files += tuple(given.get("var_files", ()))
            if "quiet" in given or "verbose" in given:
                verbosity = -1 if given.get("quiet") else given.get("verbose", 0)
            no_color = no_color or bool(given.get("no_color"))
        return cls(project_dir, var_args, var_files, verbosity, runtime, no_color)

    @property
    def inputs(self) -> RunInputs:
        """The variables' sources and environment variables the commands read."""
        from reconciler.commands.inputs import RunInputs

        return RunInputs(self.var_args, self.var_files, self.runtime)

    def color(self, stream: TextIO) -> bool:
        """Whether output to ``stream`` may be coloured (never with ``--no-color``)."""
        return not self.no_color and self.runtime.color(stream)


@dataclass
class Invocation:
    """One run of the CLI, the click context's ``obj``: what each group level was given.

    ``command`` is the top-level command that runs (None for ``--help``/``--version``);
    ``diagnostics`` the format ``main()`` shows an error's problems in (``--diagnostics``);
    ``project_root`` the project it works on, once found (``find_reported_project``).
    """

    runtime: Runtime
    levels: list[dict[str, Any]] = field(default_factory=list)
    command: str | None = None
    diagnostics: str = "text"
    project_root: Path | None = None

    def report_paths(self) -> ReportPaths:
        """How ``--diagnostics github|sarif`` name the project's files in this run."""
        from reconciler.output.diagnostic_formats import ReportPaths

        return ReportPaths(self.project_root, self.runtime.report_base())


def _configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    if verbosity < 0:
        level = logging.ERROR
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


_COMMON_PARAMS = ("project_dir", "var_args", "var_files", "quiet", "verbose", "no_color")


_SHARED_OPTIONS = (
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
    click.option(
        "--no-color", is_flag=True, help="No colour (also: NO_COLOR set, or not a terminal)."
    ),
    click.version_option(__version__, "--version", prog_name="reconciler"),
)


def with_options(func: Callable[..., Any], options: Sequence[Callable[[Any], Any]]) -> Any:
    """``func`` with ``options`` applied as stacked decorators (the first on top)."""
    result: Any = func
    for option in reversed(options):
        result = option(result)
    return result


def _take_given(ctx: click.Context, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Pop the shared options from ``kwargs``; keep those given on the command line."""
    values = {name: kwargs.pop(name) for name in _COMMON_PARAMS}
    return {
        name: value
        for name, value in values.items()
        if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE
    }


def _invocation(ctx: click.Context) -> Invocation:
    """The run ``main()`` started: it alone builds the runtime the commands get."""
    invocation = ctx.find_object(Invocation)
    if invocation is None:
        raise RuntimeError("reconciler's commands run through reconciler.cli.main()")
    return invocation


def common_options(func: F) -> F:
    """Add the shared options; the command receives them as ``common: CommonOptions``.

    Those given before the command (on its groups, see ``group_common_options``) count
    too; where both give one, the command's own wins.
    """

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        ctx = click.get_current_context()
        invocation = _invocation(ctx)
        common = CommonOptions.merged(
            [*invocation.levels, _take_given(ctx, kwargs)], invocation.runtime
        )
        _configure_logging(common.verbosity)
        return func(common=common, **kwargs)

    return with_options(wrapper, _SHARED_OPTIONS)  # type: ignore[no-any-return]


def group_common_options(func: F) -> F:
    """The shared options on a group, before its command: kept for the command to merge."""

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        ctx = click.get_current_context()
        invocation = _invocation(ctx)
        invocation.levels.append(_take_given(ctx, kwargs))
        if invocation.command is None:
            invocation.command = ctx.invoked_subcommand
        return func(**kwargs)

    return with_options(wrapper, _SHARED_OPTIONS)  # type: ignore[no-any-return]


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


def find_reported_project(common: CommonOptions) -> Path:
    """The project's root (``find_project``), kept for ``--diagnostics`` to name files by.

    Found before the project file is read, so that a problem in reconciler.yaml too is
    annotated on the right file.
    """
    from reconciler.config import find_project

    invocation = _invocation(click.get_current_context())
    invocation.project_root = find_project(project_dir=common.project_dir)
    return invocation.project_root


def report_paths() -> ReportPaths:
    """The running command's ``ReportPaths`` (see ``Invocation.report_paths``)."""
    return _invocation(click.get_current_context()).report_paths()


def _set_diagnostics(ctx: click.Context, _param: click.Parameter, value: str) -> str:
    _invocation(ctx).diagnostics = value  # main()'s handler shows errors in this format
    return value


diagnostics_option = click.option(
    "--diagnostics",
    "diagnostics",
    type=click.Choice(("text", "json", "github", "sarif")),
    default="text",
    show_default=True,
    callback=_set_diagnostics,
    help="How problems are shown on stderr: text, json, GitHub workflow commands "
    "(annotations on the pull request) or SARIF 2.1.0 (code scanning).",
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

exclude_option = click.option(
    "--exclude",
    "excludes",
    multiple=True,
    metavar="KEY",
    help="Leave out campaigns whose key matches (glob patterns; repeatable; after --target).",
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
