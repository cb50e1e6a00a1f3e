"""``reconciler state list|show|upgrade|migrate`` (``import|forget|recover`` attach below)."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from reconciler.cli.common import (
    CommonOptions,
    common_options,
    env_option,
    format_option,
    group_common_options,
    lock_timeout_option,
    show_sensitive_option,
)
from reconciler.commands import state as cmd
from reconciler.config import Environment, find_project, load_project
from reconciler.errors import ConfigError
from reconciler.state.base import Attempt
from reconciler.words import count

_format = format_option(("text", "json"))


def _environment(common: CommonOptions, env: str) -> Environment:
    return load_project(project_dir=common.project_dir).environment(env, common.runtime.environ)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.group()
@group_common_options
def state() -> None:
    """Inspect and maintain an environment's state (what was created in ContactSwing)."""


@state.command("list")
@env_option()
@_format
@common_options
def list_(common: CommonOptions, env: str, output_format: str) -> int:
    """List recorded campaigns, in-doubt and failed attempts, and the lock holder."""
    environment = _environment(common, env)
    listing = cmd.list_state(environment)
    if output_format == "json":
        _echo_json(cmd.listing_json(env, listing))
    else:
        click.echo(_listing_text(env, listing))
    return 0


def _listing_text(env: str, listing: cmd.StateListing) -> str:
    snap = listing.snapshot
    if not snap.exists:
        lines = [f"No state for environment {env} at {listing.location}: nothing recorded yet."]
    else:
        lines = [
            f"State of {env}: {listing.location}",
            f"  lineage {snap.lineage}, serial {snap.serial}, API {snap.api_url}",
            "",
            count(len(snap.campaigns), "created campaign"),
        ]
        rows = [("KEY", "CAMPAIGN ID", "NAME", "CREATED AT")]
        for key in sorted(snap.campaigns):
            rec = snap.campaigns[key]
            rows.append((key, rec.campaign_id, rec.name, rec.created_at.isoformat("T", "seconds")))
        lines += _table(rows) if snap.campaigns else []
        flying = {k: a for k, a in snap.in_doubt.items() if snap.in_flight(k)}
        if flying and snap.writer is not None:
            title = f"Being applied by {snap.writer.running()} (recorded when they return)"
            lines += _attempt_lines(title, flying)
        doubtful = {k: a for k, a in snap.in_doubt.items() if k not in flying}
        lines += _attempt_lines(
            "In doubt (resolve with `state import` or `state forget`)", doubtful
        )
        lines += _attempt_lines("Failed (planned as create again)", snap.last_failures)
    if listing.holder is not None:
        # A live holder is working: its lock frees itself when it ends (no unlock hint).
        holder = listing.holder
        lines += ["", f"Locked by {holder.describe()}: {holder.command or 'a writer'} is running"]
    return "\n".join(lines)


# What a person needs to find an attempt in ContactSwing: when it was sent, what came
# back, the ids. Never cut: an id cut short finds nothing.
_ATTEMPT_HEADER = ("STARTED AT", "STATUS", "HTTP", "CAMPAIGN ID", "CTX ID", "MESSAGE")
MESSAGE_WIDTH = 72


def _attempt_lines(title: str, attempts: Mapping[str, Attempt]) -> list[str]:
    if not attempts:
        return []
    rows: list[tuple[str, ...]] = [("KEY", "ATTEMPT", *_ATTEMPT_HEADER)]
    for key in sorted(attempts):
        a = attempts[key]
        rows.append((key, str(a.id), *_attempt_cells(a)))
    return ["", f"{title}:", *_table(rows, wrap_last=True)]


def _attempt_cells(a: Attempt) -> tuple[str, ...]:
    return (
        a.started_at.isoformat("T", "seconds"),  # when it was sent, not when it was settled
        str(a.status),
        str(a.http_status or "-"),
        a.campaign_id or "-",
        a.ctx_id or "-",
        cmd.shown_error(a, show_sensitive=False) or "",
    )


def _table(rows: Sequence[tuple[str, ...]], *, wrap_last: bool = False) -> list[str]:
    """Aligned columns; ``wrap_last``: the last column wraps between words (ids stay whole)."""
    ncols = len(rows[0]) - (1 if wrap_last else 0)
    widths = [max(len(row[i]) for row in rows) for i in range(ncols)]
    lines = []
    for row in rows:
        head = "  " + "  ".join(c.ljust(w) for c, w in zip(row[:ncols], widths, strict=True))
        if not wrap_last:
            lines.append(head.rstrip())
            continue
        first, *rest = _wrap(row[-1])
        lines.append(f"{head}  {first}".rstrip())
        lines += [" " * (len(head) + 2) + chunk for chunk in rest]
    return lines


def _wrap(text: str) -> list[str]:
    # break_long_words=False: a long id stays on one line, whole.
    chunks = textwrap.wrap(
        " ".join(text.split()), MESSAGE_WIDTH, break_long_words=False, break_on_hyphens=False
    )
    return chunks or [""]


@state.command("show")
@click.argument("key")
@env_option()
@_format
@show_sensitive_option
@common_options
def show(
    common: CommonOptions, key: str, env: str, output_format: str, show_sensitive: bool
) -> int:
    """Show one key: its record, the body sent (recipients masked) and its journal."""
    environment = _environment(common, env)
    details = cmd.show_key(environment, key)
    data = cmd.details_json(env, details, show_sensitive=show_sensitive)
    if output_format == "json":
        _echo_json(data)
        return 0
    click.echo(_details_text(key, env, details, data))
    return 0


def _details_text(key: str, env: str, details: cmd.KeyDetails, data: dict[str, Any]) -> str:
    lines = [f"{key} in {env} ({details.location})"]
    record = data["record"]  # masked (unless --show-sensitive) by details_json
    if record:
        body = record.pop("body")
        lines += [f"  {name}: {value}" for name, value in record.items() if name != "key"]
        lines += ["  body:", *("    " + ln for ln in json.dumps(body, indent=2).splitlines())]
    else:
        lines.append("  not recorded as created")
    if (doubt := details.in_doubt) is not None:
        lines.append(
            f"  IN DOUBT: attempt {doubt.id} ({doubt.status}) sent at "
            f"{doubt.started_at.isoformat('T', 'seconds')}, HTTP {doubt.http_status or '-'}, "
            f"ctx_id {doubt.ctx_id or '-'}"
        )
    rows: list[tuple[str, ...]] = [("ID", "KIND", *_ATTEMPT_HEADER[:-1], "ACTOR", "MESSAGE")]
    for entry in details.journal:
        *cells, message = _attempt_cells(entry)
        rows.append((str(entry.id), entry.kind, *cells, entry.actor or "-", message))
    lines += ["", "Journal:", *_table(rows, wrap_last=True)]
    return "\n".join(lines)


@state.command("upgrade")
@env_option()
@lock_timeout_option
@common_options
def upgrade(common: CommonOptions, env: str, lock_timeout: float) -> int:
    """Migrate the state's schema to this version's (a SQLite file is copied aside first)."""
    environment = _environment(common, env)
    old, new = cmd.upgrade_state(environment, common.runtime.environ, lock_timeout=lock_timeout)
    if old == new:
        click.echo(f"State of {env} is already at schema revision {new}.")
    elif old is None:
        click.echo(f"No state for {env} yet: nothing to upgrade (new states get revision {new}).")
    else:
        click.echo(f"Upgraded the state of {env} from schema revision {old} to {new}.")
    return 0


@state.command("migrate")
@click.option("--from", "source", required=True, metavar="URL", help="State to copy (path or URL).")
@click.option("--to", "target", required=True, metavar="URL", help="Empty store to copy into.")
@common_options
def migrate(common: CommonOptions, source: str, target: str) -> int:
    """Copy a whole state (lineage and serial included) into a new, empty store."""
    try:
        root = find_project(project_dir=common.project_dir)
    except ConfigError:
        if common.project_dir is not None:
            raise
        root = Path.cwd()  # plain paths are then relative to the current folder
    result = cmd.migrate_state(source, target, root=root, environ=common.runtime.environ)
    click.echo(
        f"Copied the state of {result.environment} (lineage {result.lineage}, serial "
        f"{result.serial}): {count(result.campaigns, 'campaign')}, "
        f"{count(result.attempts, 'journal entry', 'journal entries')}."
    )
    click.echo(
        "Point `state:` of that environment at the new store before the next apply.", err=True
    )
    return 0


def _attach_resolution_commands() -> None:
    # import/forget/recover live in their own module (they need specs and prompts).
    from reconciler.cli.state_resolve_cmd import forget, import_, recover

    state.add_command(import_, "import")
    state.add_command(forget, "forget")
    state.add_command(recover, "recover")


_attach_resolution_commands()
