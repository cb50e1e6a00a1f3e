"""The fallback journal: where an outcome goes when the state cannot be written.

An append-only JSON Lines file beside the state (``<file>.journal`` for SQLite,
``.reconciler/<env>.journal`` for a database URL), each line fsynced, the file 0600.
While it exists every command refuses to run until ``state recover`` has merged it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from reconciler.errors import JournalPendingError, StateError
from reconciler.state.base import Attempt
from reconciler.state.rows import attempt_from_json, attempt_to_json


def write_fallback(path: Path, attempt: Attempt) -> None:
    """Append one attempt to the fallback journal and fsync it before returning."""
    created = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    line = json.dumps(attempt_to_json(attempt), sort_keys=True, separators=(",", ":")) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    """Make a file's creation or removal in ``directory`` durable."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class FallbackContents:
    """What a fallback journal holds; ``torn`` is an unfinished last line (a crash mid-write)."""

    attempts: tuple[Attempt, ...]
    torn: bool


def read_fallback(path: Path) -> FallbackContents:
    """Read every complete entry; an unfinished last line is reported, not fatal."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    torn = lines[-1] != ""
    complete = lines[:-1]
    attempts: list[Attempt] = []
    for number, line in enumerate(complete, start=1):
        if not line.strip():
            continue
        try:
            attempts.append(attempt_from_json(json.loads(line)))
        except (ValueError, KeyError, TypeError) as exc:
            raise StateError(
                f"fallback journal {path} is damaged at line {number}: {exc}",
                hint="keep the file; fix or remove that line by hand, then run state recover",
            ) from None
    return FallbackContents(tuple(attempts), torn)


class Placed(Protocol):
    """Where a state and its fallback journal are (a ``StateLocation``, a ``SqliteReader``)."""

    @property
    def journal_path(self) -> Path: ...

    @property
    def display(self) -> str: ...

    @property
    def environment(self) -> str: ...


def refuse_if_pending(location: Placed) -> None:
    """Raise JournalPendingError while a fallback journal waits to be merged."""
    if location.journal_path.exists():
        raise JournalPendingError(
            f"outcomes of an earlier apply wait in {location.journal_path.name} "
            f"(the state {location.display} could not be written at the time)",
            hint=f"run `reconciler state recover --env {location.environment}`",
        )
