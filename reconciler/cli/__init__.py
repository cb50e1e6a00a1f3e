"""The command line: parses arguments, calls the library, formats; nothing else.

``main()`` is the only place that turns errors into messages and exit codes:
0 ok, 1 error (including usage errors, so that 2 always means "changes pending"
under ``--detailed-exitcode``), 130 interrupted. Commands are loaded lazily so
that ``reconciler --version`` stays fast.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections.abc import Sequence

import click

from reconciler.cli.common import Invocation, group_common_options
from reconciler.errors import ReconcilerError
from reconciler.runtime import Runtime

# name -> "module:attribute"; each module holds one click command or group.
_COMMANDS: dict[str, str] = {
    "init": "reconciler.cli.init_cmd:init",
    "validate": "reconciler.cli.validate_cmd:validate",
    "render": "reconciler.cli.render_cmd:render",
    "plan": "reconciler.cli.plan_cmd:plan",
    "apply": "reconciler.cli.apply_cmd:apply",
    "state": "reconciler.cli.state_cmd:state",
    "unlock": "reconciler.cli.unlock_cmd:unlock",
    "sandbox": "reconciler.cli.sandbox_cmd:sandbox",
    "schema": "reconciler.cli.schema_cmd:schema",
    "envs": "reconciler.cli.envs_cmd:envs",
    "show": "reconciler.cli.show_cmd:show",
    "report": "reconciler.cli.report_cmd:report",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = _COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@group_common_options
def cli() -> None:
    """Campaigns as code for ContactSwing: plan and apply WhatsApp campaigns from YAML.

    The common options (--project, --var, --var-file, -q/-v, --no-color) work before
    the command too (reconciler -v plan --env dev); given in both places, the one after
    the command wins, and --var/--var-file add up.
    """


# Commands that write nothing but their output (``plan --out``, ``report``'s page and the
# validation cache are written and closed before the command returns).
_READ_ONLY = frozenset({"plan", "validate", "report"})


def main(argv: Sequence[str] | None = None, runtime: Runtime | None = None) -> int:
    """Run the CLI; returns the exit status.

    ``runtime`` (default: this process's environment and clock) is built here, once,
    and every command gets it. As the process's entry point (``argv`` None), a
    read-only command ends the process as soon as its output is flushed: freeing the
    objects of a 10,000-campaign plan one by one at exit took ~0.1 s of an every-push
    plan, and the OS frees them at once.
    """
    invocation = Invocation(Runtime.from_process() if runtime is None else runtime)
    status = _main(argv, invocation)
    if argv is None and invocation.command in _READ_ONLY:
        _exit_now(status)
    return status


def _exit_now(status: int) -> None:
    """``os._exit(status)`` once stdout and stderr are flushed; return if they cannot be."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return  # let the interpreter's own shutdown report or ignore it, as before
    os._exit(status)


def _main(argv: Sequence[str] | None, invocation: Invocation) -> int:
    from reconciler.output.diagnostics import echo_error

    try:
        result = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="reconciler",
            standalone_mode=False,
            obj=invocation,
        )
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 130
    except click.NoSuchOption as exc:
        _with_two_dashes(exc, sys.argv[1:] if argv is None else argv).show()
        return 1
    except click.ClickException as exc:
        exc.show()
        return 1
    except ReconcilerError as exc:
        echo_error(exc, invocation.diagnostics, invocation.report_paths())
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except Exception:
        if invocation.runtime.debug:
            traceback.print_exc()
        else:
            click.echo(
                "Error: an unexpected internal error occurred (a bug in reconciler).\n"
                "  hint: run again with RECONCILER_DEBUG=1 to see the traceback, and report it.",
                err=True,
            )
        return 1
    return result if isinstance(result, int) else 0


def _with_two_dashes(exc: click.NoSuchOption, argv: Sequence[str]) -> click.UsageError:
    """Terraform's single-dash spelling (``-out=F``, ``-detailed-exitcode``) read by click
    as ``-o``: say which long option was meant."""
    command = exc.ctx.command if exc.ctx is not None else None
    short = exc.option_name
    if command is None or len(short) != 2 or short.startswith("--"):
        return exc
    longs = {o for p in command.params for o in p.opts if o.startswith("--")}
    for arg in argv:
        meant = "--" + arg[1:].split("=", 1)[0]
        if arg.startswith(short) and not arg.startswith("--") and meant in longs:
            given = arg.split("=", 1)[0]
            return click.UsageError(f"No such option '{given}'. Did you mean '{meant}'?", exc.ctx)
    return exc


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
