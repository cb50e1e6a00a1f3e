"""``reconciler plan --env E``: show what apply would do; the chosen format on stdout only."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from reconciler.cli.common import (
    CommonOptions,
    common_options,
    diagnostics_option,
    env_option,
    exclude_option,
    find_reported_project,
    format_option,
    max_creates_option,
    new_state_option,
    report_paths,
    show_sensitive_option,
    target_option,
)
from reconciler.commands.plan import PlanOutcome, PlanRequest, make_plan_for_env, save_plan
from reconciler.config import load_project
from reconciler.errors import GuardError
from reconciler.output.diagnostics import echo_diagnostics, echo_report
from reconciler.output.jsonout import render_json
from reconciler.output.markdown import render_markdown
from reconciler.output.text import render_text
from reconciler.perf import gc_paused
from reconciler.specs.cache_session import spec_cache_enabled
from reconciler.words import count

CHANGES_PENDING = 2
NEEDS_ATTENTION = 3


@click.command()
@env_option()
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the plan (exact bodies, unmasked; created 0600) for `apply FILE`.",
)
@format_option()
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when apply would create or move anything (0: nothing to do, 1: error).",
)
@click.option(
    "--attention-exitcode",
    is_flag=True,
    help="Exit 3 when a campaign waits for a person (in doubt, awaiting promotion, "
    "changed) or the promote_from state is missing; before 2 when both flags are given.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Warnings (changed, gone, in doubt, past start, a missing promote_from state) are errors.",
)
@new_state_option
@target_option
@exclude_option
@max_creates_option
@show_sensitive_option
@diagnostics_option
@common_options
def plan(
    common: CommonOptions,
    env: str,
    out: Path | None,
    output_format: str,
    detailed_exitcode: bool,
    attention_exitcode: bool,
    strict: bool,
    new_state: bool,
    targets: tuple[str, ...],
    excludes: tuple[str, ...],
    max_creates: int | None,
    show_sensitive: bool,
    diagnostics: str,
) -> int:
    """Compare the specs with the state and show what apply would do. Changes nothing.

    Exit status: 0 ok, 1 error (a guard, or a warning under --strict), with
    --detailed-exitcode 2 when apply would create or move anything, and with
    --attention-exitcode 3 when a campaign waits for a person.
    """
    now = common.runtime.now()
    project = load_project(project_dir=find_reported_project(common))
    variables = common.inputs.variables(project, env)
    request = PlanRequest(env, variables, now, common.runtime.environ, targets, excludes)
    # Unchanged specs are not validated again; the plan's objects live until exit.
    with spec_cache_enabled() as cache, gc_paused(keep=True):
        outcome = make_plan_for_env(
            project, request, new_state=new_state, strict=strict, max_creates=max_creates
        )
        if outcome.failed:
            cache.discard()  # a refused plan writes nothing, not even the cache
    report = diagnostics != "text"  # then one report of every problem, on stderr
    _emit(outcome, output_format, show_sensitive=show_sensitive, common=common, report=report)
    _refuse_if_failed(outcome, saving=out is not None, report=report)
    if report:
        echo_report(outcome.plan.warnings, diagnostics, paths=report_paths())
    if out is not None:
        _save(outcome, out, now=now, common=common)
    return _status(outcome, detailed=detailed_exitcode, attention=attention_exitcode)


def _status(outcome: PlanOutcome, *, detailed: bool, attention: bool) -> int:
    """3 when asked and a person must act, else 2 when asked and apply would write: creates
    or record moves (Terraform's reading: a plan with changes)."""
    if attention and outcome.needs_attention:
        return NEEDS_ATTENTION
    if detailed and (outcome.plan.creates or outcome.plan.moves):
        return CHANGES_PENDING
    return 0


def _refuse_if_failed(outcome: PlanOutcome, *, saving: bool, report: bool) -> None:
    """A failed plan's errors, for main()'s handler to show after the plan itself.

    With ``report`` (``--diagnostics`` other than text) the warnings too (those of
    loading among them): that report is the only one.
    """
    if outcome.failed:
        errors = [d for d in outcome.plan.diagnostics if d.is_error]
        saved = "; nothing was saved" if saving else ""
        message = f"the plan has {count(len(errors), 'problem')}{saved}."
        shown = list(outcome.plan.diagnostics) if report else errors
        raise GuardError(message, diagnostics=shown)


def _save(outcome: PlanOutcome, out: Path, *, now: datetime, common: CommonOptions) -> None:
    save_plan(outcome, out, now=now)
    if common.verbosity >= 0:
        click.echo(
            f"Saved the plan to {out} (private: it holds recipients' numbers). "
            f"Apply exactly this plan with: reconciler apply {out}",
            err=True,
        )


def _emit(
    outcome: PlanOutcome,
    output_format: str,
    *,
    show_sensitive: bool,
    common: CommonOptions,
    report: bool,
) -> None:
    """The plan in the chosen format on stdout, and unless ``report`` gives them, its
    warnings on stderr: for text those of loading before it (the text shows the plan's
    own), for json/markdown all of them after it."""
    plan, warn = outcome.plan, common.verbosity >= 0 and not report
    if output_format == "json":
        click.echo(render_json(plan, show_sensitive=show_sensitive), nl=False)
    elif output_format == "markdown":
        click.echo(render_markdown(plan, show_sensitive=show_sensitive), nl=False)
    else:
        if warn:
            echo_diagnostics(list(outcome.load_warnings))
        color = common.color(sys.stdout)
        verbose = common.verbosity > 0
        text = render_text(plan, show_sensitive=show_sensitive, color=color, verbose=verbose)
        click.echo(text, nl=False, color=color)
        return
    if warn:
        echo_diagnostics(plan.warnings)
