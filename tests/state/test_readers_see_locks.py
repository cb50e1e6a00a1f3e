"""What readers say while a writer holds the lock, and ``unlock`` when nothing is held.

An apply's in-flight creates are pending attempts recorded under its live lock: readers
say who is applying them (and suggest neither resolving them nor ``unlock``), while
they still count as in doubt. ``unlock`` checks the lock before it asks anything.
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
from datetime import timedelta
from pathlib import Path

import pytest

from reconciler.cli import main
from tests.state.conftest import StateTarget
from tests.state.helpers import API, intent, locked
from tests.support.factories import record_intents
from tests.support.projects import make_project, one_file


def _run(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    code = main([*args, "--project", str(root)])
    out, err = capsys.readouterr()
    return code, out, err


def test_readers_name_the_apply_that_holds_an_in_flight_create(
    target: StateTarget, capsys: pytest.CaptureFixture[str]
):
    """plan and state list: c000 is "being applied by pid P on H since T"; an attempt
    left pending before that lock was taken is in doubt; both count as in doubt."""
    root = make_project(target.root, one_file(["c000"]), api_url=API, state=target.location)
    who = f"being applied by pid {os.getpid()} on {socket.gethostname()}"
    with locked(target) as store:
        held = store.lock_holder()
        assert held is not None
        earlier = dataclasses.replace(
            intent("old"), started_at=held.started_at - timedelta(hours=1)
        )
        record_intents(store, [earlier])
        record_intents(store, [intent("c000")])
        code, out, err = _run(capsys, root, "plan", "--env", "dev", "--format", "json")
        assert code == 0, err
        reasons = {a["key"]: a["reason"] for a in json.loads(out)["actions"]}
        assert reasons["c000"].startswith(who) and "since " in reasons["c000"]
        assert "state import" in reasons["old"] and "being applied" not in reasons["old"]
        assert json.loads(out)["summary"]["in_doubt"] == 2
        code, out, err = _run(capsys, root, "plan", "--env", "dev")
        assert f"c000: {who}" in out + err and "unlock" not in out + err
        assert _run(capsys, root, "plan", "--env", "dev", "--strict")[0] == 1
        code, out, err = _run(capsys, root, "state", "list", "--env", "dev")
        assert code == 0, err
        assert f"Being applied by pid {os.getpid()}" in out and "unlock" not in out + err
        applying, doubtful = out.split("In doubt")
        assert "c000" in applying and "old" not in applying and "old" in doubtful
        code, out, err = _run(capsys, root, "state", "list", "--env", "dev", "--format", "json")
        flags = {d["key"]: d["being_applied"] for d in json.loads(out)["in_doubt"]}
        assert flags == {"c000": True, "old": False}
    # The holder is gone: c000 is now in doubt like any other pending attempt.
    code, out, err = _run(capsys, root, "plan", "--env", "dev", "--format", "json")
    reasons = {a["key"]: a["reason"] for a in json.loads(out)["actions"]}
    assert "state import" in reasons["c000"]


def test_unlock_says_no_lock_is_held_without_asking(
    target: StateTarget, capsys: pytest.CaptureFixture[str]
):
    """No live holder: "no lock is held", exit 1, and no question (nor a refusal to ask);
    a live holder with another id: refused, naming the holder, without asking either."""
    root = make_project(target.root, one_file(["c000"]), api_url=API, state=target.location)
    code, _, err = _run(capsys, root, "unlock", "--env", "dev", "some-lock-id")
    assert code == 1 and "no lock is held for environment 'dev'" in err
    assert "--auto-approve" not in err  # it did not get as far as asking
    with locked(target):
        code, _, err = _run(capsys, root, "unlock", "--env", "dev", "some-lock-id")
        assert code == 1 and "is not the holder's" in err and "--auto-approve" not in err
