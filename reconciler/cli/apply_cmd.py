"""``reconciler apply [--env E | PLAN_FILE]``: create what the plan says, and report.

The plan, the prompt and the progress go to stderr; the result (a summary table, or
``--format json|markdown`` for CI summaries) goes to stdout. SIGTERM and Ctrl-C during
the run stop new requests; those in flight finish and are recorded; exit 130.
"""

from __future__ import annotations

import dataclasses
import functools
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from reconciler.api.defaults import SANDBOX
from reconciler.apply_plan import ApplyPlan
from reconciler.cli.common import (
    PROMPTING,
    CommonOptions,
    auto_approve_option,
    common_options,
    env_option,
    exclude_option,
    format_option,
    lock_timeout_option,
    max_creates_option,
    new_state_option,
    show_sensitive_option,
    target_option,
    terminal_asker,
    with_options,
)
from reconciler.commands.apply import ApplyHooks, ApplyOptions, ApplyReport, apply_env, apply_saved
from reconciler.config import Project, load_project
from reconciler.errors import ConfigError
from reconciler.executor import ApplyEvent
from reconciler.output import apply_report
from reconciler.output.text import render_text
from reconciler.plan import Plan
from reconciler.specs.cache_session import spec_cache_enabled
from reconciler.words import count


def _show_plan(show_sensitive: bool, common: CommonOptions) -> Callable[[Plan], None]:
    def show(plan: Plan) -> None:
        if common.verbosity >= 0:
            color = common.color(sys.stderr)
            text = render_text(plan, show_sensitive=show_sensitive, color=color)
            click.echo(text, err=True, nl=False)

    return show


def question(applied: ApplyPlan) -> str:
    """The question before a run: what it creates, and where, and what it moves.

    On the built-in sandbox nothing reaches ContactSwing, so it says so rather than
    "for real"; a run of record moves alone sends nothing.
    """
    env, creates = applied.environment, len(applied.tasks)
    moves = f"{count(len(applied.moves), 'record')} to renamed keys" if applied.moves else ""
    if not creates:
        return f"\nMove {moves} in the state of {env}? Nothing is sent."
    also = f", and move {moves}" if moves else ""
    campaigns = count(creates, "campaign")
    if applied.api_url == SANDBOX:
        return (
            f"\nCreate {campaigns} in the built-in sandbox ({env}){also}? "
            "Nothing is sent to ContactSwing."
        )
    return (
        f"\nCreate {campaigns} in ContactSwing ({env}) for real{also}? "
        "They cannot be changed or deleted afterwards."
    )


class _Progress:
    """A bar on a terminal; else one line per finished campaign (CI logs)."""

    def __init__(self, quiet: bool, *, color: bool) -> None:
        self.quiet = quiet
        self.bar: Progress | None = None
        self.task_id: object = None
        if not quiet and sys.stderr.isatty():
            self.bar = Progress(
                TextColumn("creating"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.description}"),
                console=Console(stderr=True, no_color=not color),
                transient=True,
            )

    def __call__(self, event: ApplyEvent) -> None:
        if self.bar is not None:
            self._bar(event)
        elif event.kind == "finished" and event.outcome is not None and not self.quiet:
            o = event.outcome
            detail = o.campaign_id or o.message
            click.echo(f"{o.status.value:<9} {o.key}" + (f"  {detail}" if detail else ""), err=True)

    def _bar(self, event: ApplyEvent) -> None:
        assert self.bar is not None
        if self.task_id is None:
            self.bar.start()
            self.task_id = self.bar.add_task("", total=event.total)
        if event.kind == "finished":
            self.bar.update(self.task_id, advance=1, description=event.key)  # type: ignore[arg-type]

    def stop(self) -> None:
        if self.bar is not None and self.task_id is not None:
            self.bar.stop()


@contextmanager
def _cancel_on_signals(cancel: threading.Event, quiet: bool) -> Iterator[None]:
    """SIGTERM (a cancelled CI job) and Ctrl-C: start nothing new, finish what is in flight."""

    def handler(signum: int, frame: FrameType | None) -> None:
        if PROMPTING.is_set():  # at the question nothing was sent: abort outright
            raise KeyboardInterrupt
        if not cancel.is_set() and not quiet:
            click.echo("\nCancelling: no new request; waiting for those in flight…", err=True)
        cancel.set()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)


def _emit(report: ApplyReport, output_format: str, *, color: bool) -> None:
    if output_format == "json":
        click.echo(apply_report.to_json(report))
    elif output_format == "markdown":
        click.echo(apply_report.to_markdown(report), nl=False)
    else:
        # A CI log has no width; rich's default of 80 columns would fold every row.
        width = None if sys.stdout.isatty() else 160
        console = Console(file=sys.stdout, no_color=not color, width=width)
        apply_report.print_summary(report, console)


_RUN_OPTIONS = (
    auto_approve_option,
    click.option(
        "--parallelism",
        type=click.IntRange(1, 64),
        default=4,
        show_default=True,
        help="Creates in flight at once.",
    ),
    click.option(
        "--rate",
        type=click.FloatRange(min=0, min_open=True),
        default=None,
        help="At most this many creates started per second.",
    ),
    max_creates_option,
    lock_timeout_option,
    target_option,
    exclude_option,
    new_state_option,
)


def _run_options(func: Callable[..., int]) -> Callable[..., int]:
    """The run's options, handed to the command as one ``options: ApplyOptions``."""
    names = [f.name for f in dataclasses.fields(ApplyOptions)]

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> int:
        options = ApplyOptions(**{name: kwargs.pop(name) for name in names})
        return func(options=options, **kwargs)

    result: Callable[..., int] = with_options(wrapper, _RUN_OPTIONS)
    return result


@click.command()
@env_option(required=False)
@click.argument(
    "plan_file",
    required=False,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="[PLAN_FILE]",
)
@_run_options
@format_option()
@show_sensitive_option
@common_options
def apply(
    common: CommonOptions,
    env: str | None,
    plan_file: Path | None,
    options: ApplyOptions,
    output_format: str,
    show_sensitive: bool,
) -> int:
    """Create the campaigns the plan of --env E (or a saved PLAN_FILE) says to create.

    Each create's intent is recorded before its request and its outcome after, so a
    crash never causes a duplicate. Exit 1 if anything of this run failed or is in
    doubt, 130 when cancelled.
    """
    if (env is None) == (plan_file is None):
        raise ConfigError(
            "apply needs either --env E or a saved PLAN_FILE (not both)",
            hint="reconciler apply --env dev   or   reconciler apply plan.json",
        )
    project = load_project(project_dir=common.project_dir)
    progress = _Progress(common.verbosity < 0, color=common.color(sys.stderr))
    hooks = _hooks(progress, show_sensitive, common)
    if plan_file is not None and (options.targets or options.excludes):
        raise ConfigError(
            "--target and --exclude cannot narrow a saved plan: it is applied whole",
            hint="make the plan with them instead: reconciler plan --env E --target KEY --out F",
        )
    # The report is printed under the handlers too: a SIGTERM landing once the run is
    # recorded must not kill apply before it reports (a CI job summary would be lost).
    with _cancel_on_signals(hooks.cancel, progress.quiet):
        try:
            with spec_cache_enabled():
                report = _run(project, env, plan_file, options, hooks, common)
        finally:
            progress.stop()
        _emit(report, output_format, color=common.color(sys.stdout))
    return report.exit_code


def _run(
    project: Project,
    env: str | None,
    plan_file: Path | None,
    options: ApplyOptions,
    hooks: ApplyHooks,
    common: CommonOptions,
) -> ApplyReport:
    """The saved plan's apply, or the environment's."""
    if plan_file is not None:
        return apply_saved(project, plan_file, options, hooks, runtime=common.runtime)
    assert env is not None
    return apply_env(project, env, options, hooks, common.inputs)


def _hooks(progress: _Progress, show_sensitive: bool, common: CommonOptions) -> ApplyHooks:
    """The terminal's part in a run: show the plan, ask, report progress, cancel."""
    ask = terminal_asker()
    return ApplyHooks(
        show_plan=_show_plan(show_sensitive, common),
        confirm=None if ask is None else lambda applied: ask(question(applied)),
        on_event=progress,
        cancel=threading.Event(),
    )
