"""``state show``/``state list`` in text: what a person needs to resolve a campaign in doubt."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reconciler.cli import main
from reconciler.state.base import AttemptStatus, RecordedCampaign
from tests.state.conftest import StateTarget
from tests.state.helpers import API, intent, locked, outcome
from tests.support.factories import record_intents, record_outcome
from tests.support.projects import make_project

RECIPIENT = "+919812345678"
# Longer than the old 80-character cut, so a cut id or message would show.
CTX_ID = "ctx-" + "7f3a9c" * 12
ERROR = "HTTP 500 from ContactSwing: internal server error while creating the campaign " * 2
SENT_AT = datetime(2024, 10, 1, 9, 30, 5, tzinfo=UTC)


def _in_doubt(target: StateTarget) -> Path:
    """A project whose key ``diwali`` is in doubt after an HTTP 500, sent at SENT_AT."""
    make_project(target.root, api_url=API, state=target.location)
    body = {
        "name": "Diwali",
        "touchpoint": {"customer_details": [{"id": "1", "to_number": RECIPIENT}]},
    }
    attempt = dataclasses.replace(intent("diwali", body=body), started_at=SENT_AT)
    with locked(target) as store:
        [sent] = record_intents(store, [attempt])
        doubt = outcome(sent, AttemptStatus.IN_DOUBT, http_status=500, ctx_id=CTX_ID, error=ERROR)
        record_outcome(store, doubt)
    return target.root


def _settle_by_import(target: StateTarget, campaign_id: str) -> None:
    record = RecordedCampaign(
        "diwali", campaign_id, "Diwali", "f" * 64, "s" * 64, {"name": "Diwali"}, None,
        "alice", SENT_AT + timedelta(days=1),
    )  # fmt: skip
    with locked(target) as store:
        store.import_campaign(record)


def _run(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> str:
    code = main([*args, "--env", "dev", "--project", str(root)])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def _words(text: str) -> list[str]:
    return text.split()


def test_show_lists_ctx_id_time_and_whole_error(target: StateTarget, capsys):
    """``state show`` text has a CTX ID column, the time it was sent, and the error uncut."""
    root = _in_doubt(target)
    out = _run(capsys, root, "state", "show", "diwali")
    header = next(line for line in out.splitlines() if line.strip().startswith("ID "))
    for column in ("STARTED AT", "STATUS", "HTTP", "CAMPAIGN ID", "CTX ID", "MESSAGE"):
        assert column in header
    assert CTX_ID in _words(out)  # whole, never cut
    assert SENT_AT.isoformat("T", "seconds") in out
    assert " ".join(ERROR.split()) in " ".join(out.split())  # wrapped, but all there
    assert f"ctx_id {CTX_ID}" in out  # the IN DOUBT line names it too
    assert RECIPIENT not in out  # the body is masked


def test_show_and_list_mask_a_recipient_in_a_recorded_error(target: StateTarget, capsys):
    """An error recorded by an older version, quoting a recipient and the sender, a UUID.

    Text and JSON, ``show`` and ``list``: the recipient masked, the sender and the id shown.
    """
    ctx = "34567892-1b07-4a2b-9c3d-123456789012"
    error = f"from +919800000001 to {RECIPIENT}: rejected ({ctx})"
    root = make_project(target.root, api_url=API, state=target.location)
    body = {
        "name": "Diwali",
        "touchpoint": {
            "additional_settings": {"from_numbers": ["+919800000001"]},
            "customer_details": [{"id": "1", "to_number": RECIPIENT}],
        },
    }
    with locked(target) as store:
        [sent] = record_intents(store, [intent("diwali", body=body)])
        record_outcome(store, outcome(sent, AttemptStatus.FAILED, http_status=400, error=error))
    for args in (("state", "show", "diwali"), ("state", "list")):
        for fmt in ("text", "json"):
            out = " ".join(_run(capsys, root, *args, "--format", fmt).split())
            assert f"from +919800000001 to +91********78: rejected ({ctx})" in out, (args, fmt)


def test_list_counts_in_words_that_agree(target: StateTarget, capsys):
    """One record is "1 created campaign", not "1 created campaign(s)"."""
    root = _in_doubt(target)
    assert "\n0 created campaigns\n" in _run(capsys, root, "state", "list")
    _settle_by_import(target, "cmp-777")
    assert "\n1 created campaign\n" in _run(capsys, root, "state", "list")


def test_settling_keeps_the_original_error_and_time(target: StateTarget, capsys):
    """After ``state import`` the attempt keeps its error, its ctx_id and its sent time."""
    root = _in_doubt(target)
    _settle_by_import(target, "cmp-777")
    with locked(target) as store:
        [first, imported] = store.journal("diwali")
    assert first.status is AttemptStatus.RESOLVED
    assert first.error == f"{ERROR}; settled by state import (cmp-777)"
    assert first.ctx_id == CTX_ID and first.started_at == SENT_AT
    assert imported.kind == "import" and imported.campaign_id == "cmp-777"
    out = _run(capsys, root, "state", "show", "diwali")
    flat = " ".join(out.split())
    assert "HTTP 500 from ContactSwing" in flat and "settled by state import (cmp-777)" in flat
    assert CTX_ID in _words(out) and SENT_AT.isoformat("T", "seconds") in out
    assert "IN DOUBT" not in out


def test_forget_appends_its_note_to_the_error(target: StateTarget):
    """``state forget`` settles the attempt without losing why it was in doubt."""
    _in_doubt(target)
    with locked(target) as store:
        store.forget("diwali", actor="alice")
        first = store.journal("diwali")[0]
    assert first.error == f"{ERROR}; settled by state forget"
    assert first.status is AttemptStatus.RESOLVED and first.started_at == SENT_AT


def test_list_shows_in_doubt_attempts_with_their_ids(target: StateTarget, capsys):
    """``state list`` text gives each in-doubt attempt its time, HTTP status and ctx_id."""
    root = _in_doubt(target)
    out = _run(capsys, root, "state", "list")
    section = out[out.index("In doubt") :]
    assert "CTX ID" in section and CTX_ID in _words(section)
    assert SENT_AT.isoformat("T", "seconds") in section and " 500 " in section
    assert " ".join(ERROR.split()) in " ".join(section.split())
    assert RECIPIENT not in out
