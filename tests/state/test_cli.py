"""The state commands as users run them: real subprocesses, no traceback, masked numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.state import read_snapshot
from tests.state.conftest import StateTarget
from tests.state.helpers import API, created, intent, locked, outcome
from tests.support.cli import run_cli
from tests.support.factories import record_intents, record_outcome
from tests.support.projects import make_project

pytestmark = pytest.mark.slow

RECIPIENT = "+919812345678"


def _populated(target: StateTarget) -> Path:
    root = make_project(target.root, api_url=API, state=target.location)
    body = {
        "name": "Diwali",
        "touchpoint": {"customer_details": [{"id": "1", "to_number": RECIPIENT}]},
    }
    with locked(target) as store:
        a, b = record_intents(store, [intent("diwali", body=body), intent("doubt")])
        record_outcome(store, created(a, "cmp-42"))
        record_outcome(store, outcome(b, b.status.IN_DOUBT, http_status=504, error="timeout"))
    return root


def test_list_text_and_json(target: StateTarget):
    """``state list`` shows records and doubts; its JSON is versioned."""
    root = _populated(target)
    text = run_cli("state", "list", "--env", "dev", cwd=root)
    assert text.returncode == 0, text.output
    assert "cmp-42" in text.stdout and "In doubt" in text.stdout and "doubt" in text.stdout
    data = json.loads(run_cli("state", "list", "--env", "dev", "--format", "json", cwd=root).stdout)
    assert data["format_version"] == 1 and data["exists"] is True
    assert [c["key"] for c in data["campaigns"]] == ["diwali"]
    assert [(d["key"], d["http_status"]) for d in data["in_doubt"]] == [("doubt", 504)]
    assert RECIPIENT not in text.output


def test_show_masks_recipients_unless_asked(target: StateTarget):
    """``state show`` masks recipients' numbers; --show-sensitive shows them."""
    root = _populated(target)
    masked = run_cli("state", "show", "diwali", "--env", "dev", cwd=root)
    assert masked.returncode == 0, masked.output
    assert "cmp-42" in masked.stdout and RECIPIENT not in masked.output
    data = json.loads(
        run_cli("state", "show", "diwali", "--env", "dev", "--format", "json", cwd=root).stdout
    )
    assert RECIPIENT not in json.dumps(data)
    assert [e["kind"] for e in data["journal"]] == ["create"]
    shown = run_cli(
        "state", "show", "diwali", "--env", "dev", "--format", "json", "--show-sensitive", cwd=root
    )
    assert RECIPIENT in shown.stdout
    unknown = run_cli("state", "show", "nope", "--env", "dev", cwd=root)
    assert unknown.returncode == 1 and "knows nothing about 'nope'" in unknown.stderr


def test_read_commands_create_nothing(target: StateTarget):
    """``state list``/``show`` on a missing state create no file."""
    root = make_project(target.root, api_url=API, state=target.location)
    assert run_cli("state", "list", "--env", "dev", cwd=root).returncode == 0
    assert run_cli("state", "show", "k", "--env", "dev", cwd=root).returncode == 1
    assert sorted(p.name for p in root.iterdir()) == ["reconciler.yaml"]
    assert not read_snapshot(target.location, "dev", root=root).exists


def test_unlock_needs_approval_and_the_right_id(target: StateTarget):
    """``unlock`` refuses without a terminal or approval, checks the id, then frees the lock."""
    root = _populated(target)
    from tests.state.helpers import open_target

    holder = open_target(target)
    with holder.locked("hung apply") as writer:
        info = writer.info
        refused = run_cli("unlock", "--env", "dev", info.lock_id, cwd=root)
        assert refused.returncode == 1 and "--auto-approve" in refused.stderr
        wrong = run_cli("unlock", "--env", "dev", "wrong-id", "--auto-approve", cwd=root)
        assert wrong.returncode == 1
        done = run_cli("unlock", "--env", "dev", info.lock_id, "--auto-approve", cwd=root)
        assert done.returncode == 0, done.output
        assert info.lock_id in done.stdout
        listing = run_cli("state", "list", "--env", "dev", cwd=root)
        assert "Locked by" not in listing.stdout
    holder.close()


def test_upgrade_and_migrate(target: StateTarget, tmp_path: Path):
    """``state upgrade`` is idempotent; ``state migrate`` copies into an empty file only."""
    root = _populated(target)
    up = run_cli("state", "upgrade", "--env", "dev", cwd=root)
    assert up.returncode == 0 and "already at schema revision" in up.stdout
    copy = run_cli("state", "migrate", "--from", target.location, "--to", "copy.sqlite", cwd=root)
    assert copy.returncode == 0, copy.output
    again = run_cli("state", "migrate", "--from", target.location, "--to", "copy.sqlite", cwd=root)
    assert again.returncode == 1 and "already holds a state" in again.stderr
    assert "cmp-42" in run_cli("state", "list", "--env", "dev", cwd=root).stdout
    snap = read_snapshot("copy.sqlite", "dev", root=root)
    assert snap.campaigns["diwali"].campaign_id == "cmp-42"


def test_pending_journal_blocks_commands(target: StateTarget):
    """With a fallback journal waiting, state list refuses and names `state recover`."""
    root = _populated(target)
    with locked(target) as store:
        [c] = record_intents(store, [intent("c")])
        store.write_fallback(created(c, "cmp-c"))
    refused = run_cli("state", "list", "--env", "dev", cwd=root)
    assert refused.returncode == 1 and "state recover --env dev" in refused.stderr
