"""Library use cases behind ``state list|show|upgrade|migrate`` and ``unlock``; never print.

Read-only ones (``list``, ``show``) open the state with ``open_reader``: they never
create, migrate or change anything. The others take the environment's lock.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from reconciler.config import Environment
from reconciler.errors import StateError
from reconciler.masking import Senders, mask_text, maybe_mask
from reconciler.state import CopyResult, copy_state, open_reader, open_store
from reconciler.state.base import Attempt, LockInfo, RecordedCampaign, StateSnapshot
from reconciler.state.holder import check_lock_id

FORMAT_VERSION = 1


@dataclass(frozen=True)
class StateListing:
    """``state list``: the snapshot, where it lives, and who holds its lock."""

    location: str
    snapshot: StateSnapshot
    holder: LockInfo | None


@dataclass(frozen=True)
class KeyDetails:
    """``state show KEY``: the record (if any), its open attempt, its whole journal."""

    key: str
    location: str
    record: RecordedCampaign | None
    in_doubt: Attempt | None
    last_failure: Attempt | None
    journal: Sequence[Attempt]


def list_state(env: Environment) -> StateListing:
    """Read the environment's state (read-only)."""
    with closing(open_reader(env.state, env.name, root=env.root, api_url=env.api_url)) as store:
        snapshot = store.snapshot()  # with its live lock holder, read after it
        holder = snapshot.writer if snapshot.exists else store.lock_holder()
        return StateListing(store.display, snapshot, holder)


def show_key(env: Environment, key: str) -> KeyDetails:
    """Everything the state knows about one key (read-only); StateError if nothing."""
    with closing(open_reader(env.state, env.name, root=env.root, api_url=env.api_url)) as store:
        snapshot, journal = store.snapshot(), store.journal(key)
        record = store.bodies([key]).get(key)  # the snapshot holds no bodies
        location = store.display
    if record is None and not journal:
        raise StateError(
            f"the state of environment {env.name!r} knows nothing about {key!r}",
            hint=f"`reconciler state list --env {env.name}` shows what it holds",
        )
    return KeyDetails(
        key,
        location,
        record,
        snapshot.in_doubt.get(key),
        snapshot.last_failures.get(key),
        journal,
    )


def upgrade_state(
    env: Environment, environ: Mapping[str, str], *, lock_timeout: float = 0.0
) -> tuple[str | None, str]:
    """Migrate the state's schema to this version's; returns (old, new) revisions."""
    store = open_store(env.state, env.name, root=env.root, api_url=env.api_url)
    command = f"state upgrade --env {env.name}"
    with closing(store), store.locked(command, lock_timeout, environ=environ) as writer:
        return writer.upgrade()


def migrate_state(
    source: str, target: str, *, root: Path, environ: Mapping[str, str]
) -> CopyResult:
    """Copy a whole state into an empty store (``state migrate``)."""
    return copy_state(source, target, root=root, command="state migrate", environ=environ)


def unlock_environment(env: Environment, lock_id: str) -> LockInfo:
    """Remove what remains of a hung holder's lock, if ``lock_id`` is its id.

    Callers check ``held_lock`` first: it refuses without asking when there is nothing
    to remove."""
    with closing(open_store(env.state, env.name, root=env.root, for_recovery=True)) as store:
        return store.unlock(lock_id)


def current_holder(env: Environment) -> LockInfo | None:
    """Who holds the environment's lock now (read-only)."""
    with closing(open_store(env.state, env.name, root=env.root, for_recovery=True)) as store:
        return store.lock_holder()


def held_lock(env: Environment, lock_id: str) -> LockInfo:
    """The live holder of the environment's lock, if its id is ``lock_id``; else StateError.

    A lock whose holder has died is already free (the OS or the database freed it), so
    ``unlock`` has nothing to remove and says so before it asks anything.
    """
    return check_lock_id(env.name, current_holder(env), lock_id)


# -- JSON shapes (versioned: scripts rely on them) -------------------------------------


# The fields of each value, in the order scripts see them.
_LOCK_FIELDS = ("lock_id", "pid", "host", "user", "ci_run", "command", "started_at")
_RECORD_FIELDS = (
    *("key", "campaign_id", "name", "ctx_id", "fingerprint", "source_fingerprint"),
    *("created_by", "created_at"),
)
_ATTEMPT_FIELDS = (
    *("id", "key", "kind", "status", "started_at", "finished_at", "http_status"),
    *("campaign_id", "ctx_id", "error", "actor", "run_id", "fingerprint"),
)


def _plain(value: object, names: Sequence[str]) -> dict[str, Any]:
    """The ``names`` of ``value`` as JSON values (times in ISO 8601)."""
    data = {name: getattr(value, name) for name in names}
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in data.items()}


def lock_json(info: LockInfo | None) -> dict[str, Any] | None:
    return None if info is None else _plain(info, _LOCK_FIELDS)


def record_json(
    record: RecordedCampaign, *, show_sensitive: bool, body: bool = False
) -> dict[str, Any]:
    data = _plain(record, _RECORD_FIELDS)
    if body:
        data["body"] = maybe_mask(record.loaded_body(), show_sensitive=show_sensitive)
    return data


def attempt_json(attempt: Attempt, *, show_sensitive: bool, body: bool = False) -> dict[str, Any]:
    shown = {
        "status": str(attempt.status),
        "error": shown_error(attempt, show_sensitive=show_sensitive),
    }
    data = _plain(attempt, _ATTEMPT_FIELDS) | shown
    if body:
        data["body"] = _masked_or_none(attempt.body, show_sensitive)
    return data


def shown_error(attempt: Attempt, *, show_sensitive: bool) -> str | None:
    """An attempt's error as it may be shown: recipients' numbers masked, senders shown.

    Errors are masked when they are recorded; this also covers journals written by
    older versions and messages from anywhere else.
    """
    if attempt.error is None or show_sensitive:
        return attempt.error
    return mask_text(attempt.error, senders=Senders.of(attempt.body))


def _masked_or_none(body: Mapping[str, Any] | None, show_sensitive: bool) -> Any:
    return None if body is None else maybe_mask(body, show_sensitive=show_sensitive)


def listing_json(env: str, listing: StateListing) -> dict[str, Any]:
    """``state list --format json``."""
    snap = listing.snapshot
    return {
        "format_version": FORMAT_VERSION,
        "environment": env,
        "location": listing.location,
        "exists": snap.exists,
        "lineage": snap.lineage,
        "serial": snap.serial,
        "api_url": snap.api_url,
        "campaigns": [
            record_json(snap.campaigns[k], show_sensitive=False) for k in sorted(snap.campaigns)
        ],
        "in_doubt": [
            attempt_json(snap.in_doubt[k], show_sensitive=False)
            | {"being_applied": snap.in_flight(k)}
            for k in sorted(snap.in_doubt)
        ],
        "failed": [
            attempt_json(snap.last_failures[k], show_sensitive=False)
            for k in sorted(snap.last_failures)
        ],
        "lock": lock_json(listing.holder),
    }


def details_json(env: str, details: KeyDetails, *, show_sensitive: bool) -> dict[str, Any]:
    """``state show KEY --format json``; recipients masked unless ``show_sensitive``."""
    record = details.record
    attempt = functools.partial(attempt_json, show_sensitive=show_sensitive)
    return {
        "format_version": FORMAT_VERSION,
        "environment": env,
        "key": details.key,
        "record": record_json(record, show_sensitive=show_sensitive, body=True) if record else None,
        "in_doubt": attempt(details.in_doubt) if details.in_doubt else None,
        "last_failure": attempt(details.last_failure) if details.last_failure else None,
        "journal": [attempt(a, body=True) for a in details.journal],
    }
