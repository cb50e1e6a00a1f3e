"""Settling what apply could not: ``state import``, ``state forget``, ``state recover``.

Each runs under the environment's lock, is journaled by the store, and returns a sentence
saying what it did. ``import`` and ``forget`` ask first (``confirm``) unless approved.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from reconciler.campaign import DesiredCampaign
from reconciler.commands.apply import actor
from reconciler.commands.approval import require_approval
from reconciler.errors import StateError
from reconciler.runtime import Runtime
from reconciler.state import rules
from reconciler.state.base import Attempt, RecordedCampaign, StateSnapshot, StateStore
from reconciler.state.binding import Binding
from reconciler.words import count


@dataclass(frozen=True)
class Resolution:
    """How a resolve command runs: the environment's binding, approval, lock timeout.

    ``runtime`` gives who and when a record is written by (the CLI passes main()'s).
    """

    environment: str
    api_url: str
    auto_approve: bool = False
    confirm: Callable[[str], bool] | None = None  # None: no terminal to ask
    lock_timeout: float = 0.0
    runtime: Runtime = field(default_factory=Runtime)


def _ask(question: str, how: Resolution) -> None:
    require_approval(
        how.confirm,
        question,
        auto_approve=how.auto_approve,
        command="this command",
        declined="cancelled; the state was not changed",
    )


def _check(snapshot: StateSnapshot, how: Resolution) -> None:
    Binding(how.environment, how.api_url).check(snapshot)


def _import_record(
    key: str,
    campaign_id: str,
    attempt: Attempt | None,
    desired: DesiredCampaign | None,
    runtime: Runtime,
) -> tuple[RecordedCampaign, str]:
    """The record to import and where its body came from."""
    who, when = actor(runtime), runtime.now()
    if attempt is not None and attempt.body:
        body, fp, sfp = attempt.body, attempt.fingerprint, attempt.source_fingerprint
        source = f"the body of its in-doubt attempt {attempt.id}"
    elif desired is not None:
        body, fp, sfp = desired.body, desired.fingerprint, desired.source_fingerprint
        source = "the spec's current body"
    else:
        raise StateError(
            f"{key!r} has no in-doubt attempt and no spec in this project",
            hint="check the key (`reconciler state list`, `reconciler plan`)",
        )
    name = str(body.get("name", ""))
    record = RecordedCampaign(key, campaign_id, name, fp, sfp, dict(body), None, who, when)
    return record, source


def import_campaign(
    store: StateStore,
    key: str,
    campaign_id: str,
    desired: Callable[[], DesiredCampaign | None],
    how: Resolution,
) -> str:
    """Record ``key`` as created with ``campaign_id``; returns what was done."""
    if not campaign_id.strip():
        raise StateError("--id must name the ContactSwing campaign id")
    with store.locked("state import", how.lock_timeout, environ=how.runtime.environ) as writer:
        snapshot = writer.snapshot()
        _check(snapshot, how)
        recorded = snapshot.campaigns.get(key)
        rules.refuse_import(key, recorded.campaign_id if recorded else None)
        attempt = snapshot.in_doubt.get(key)
        record, source = _import_record(
            key, campaign_id, attempt, None if attempt and attempt.body else desired(), how.runtime
        )
        _ask(f"Record {key} as created, campaign id {campaign_id}, with {source}?", how)
        writer.bind(how.api_url)
        writer.import_campaign(record)
    settled = " and settled its in-doubt attempt" if attempt is not None else ""
    return (
        f"Imported {key} as campaign {campaign_id} with {source}{settled}; apply will not send it."
    )


def forget_campaign(store: StateStore, key: str, how: Resolution) -> str:
    """Drop ``key``'s record and in-doubt attempt so the next apply may send it again."""
    with store.locked("state forget", how.lock_timeout, environ=how.runtime.environ) as writer:
        snapshot = writer.snapshot()
        _check(snapshot, how)
        record = snapshot.campaigns.get(key)
        attempt = snapshot.in_doubt.get(key)
        rules.refuse_forget(key, record is not None, attempt is not None)
        if record is not None:
            question = (
                f"Forget {key} (campaign {record.campaign_id})? It stays live in ContactSwing, "
                "and the next apply would create it AGAIN."
            )
        else:
            question = (
                f"Forget the in-doubt attempt of {key}? Only if ContactSwing does not have it: "
                "the next apply will send it again."
            )
        _ask(question, how)
        writer.forget(key, actor=actor(how.runtime))
    what = f"the record of campaign {record.campaign_id}" if record else "its in-doubt attempt"
    return f"Forgot {key} ({what}); the next apply will plan it as create."


def recover_journal(store: StateStore, how: Resolution) -> str:
    """Merge the fallback journal into the state; returns what was merged."""
    with store.locked("state recover", how.lock_timeout, environ=how.runtime.environ) as writer:
        recovered = writer.recover(actor=actor(how.runtime))
    merged: Sequence[Attempt] = recovered.merged
    lines = [f"Merged {count(len(merged), 'outcome')} from the fallback journal."]
    lines += [
        f"  {a.key}: {a.status.value}" + (f" (campaign {a.campaign_id})" if a.campaign_id else "")
        for a in merged
    ]
    if recovered.torn:
        lines.append(
            "  (an unfinished last line was dropped: its campaign stays in doubt; "
            "resolve it with `state import` or `state forget`)"
        )
    return "\n".join(lines)
