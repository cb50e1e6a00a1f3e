"""Saved plans: round trip, private file, no token, integrity and staleness."""

from __future__ import annotations

import dataclasses
import json
import stat
import subprocess

import pytest

from reconciler.apply_plan import idempotency_key
from reconciler.errors import ConfigError, StalePlanError
from reconciler.planfile import (
    build_saved_plan,
    check_not_stale,
    git_commit,
    load_plan,
    write_plan,
)
from reconciler.planner import make_plan
from reconciler.state.base import AttemptStatus
from tests.support.factories import NOW, make_attempt, make_desired, make_record, make_snapshot


def saved_of(desired, state, phone_format="e164"):
    plan = make_plan(desired, state, environment="dev", now=NOW)
    return build_saved_plan(
        plan, api_url="sandbox", phone_format=phone_format, created_at=NOW, git_commit="c" * 40
    )


def test_idempotency_key_depends_on_environment_key_and_fingerprint():
    """The key is a stable SHA-256 that changes with each of its three inputs."""
    base = idempotency_key("prod", "k", "f")
    assert len(base) == 64 and base == idempotency_key("prod", "k", "f")
    assert (
        len(
            {
                base,
                idempotency_key("dev", "k", "f"),
                idempotency_key("prod", "k2", "f"),
                idempotency_key("prod", "k", "g"),
            }
        )
        == 4
    )
    assert idempotency_key("a", "bc", "d") != idempotency_key("ab", "c", "d")


def test_round_trip_keeps_every_field(tmp_path):
    """Writing then loading a saved plan gives back the same value."""
    failure = make_attempt("a", status=AttemptStatus.FAILED, id=4, error="x")
    saved = saved_of([make_desired("a"), make_desired("b")], make_snapshot(failures=[failure]))
    path = tmp_path / "plan.json"
    write_plan(path, saved)
    assert load_plan(path) == saved
    assert [c.key for c in saved.creates] == ["a", "b"]
    assert saved.creates[0].last_attempt_id == 4
    assert (saved.lineage, saved.serial, saved.git_commit) == ("lin-1", 3, "c" * 40)


def test_plan_file_is_private_to_its_owner(tmp_path):
    """The file is created 0600, even where one existed with wider permissions."""
    path = tmp_path / "plan.json"
    path.write_text("old")
    path.chmod(0o644)
    write_plan(path, saved_of([make_desired("a")], make_snapshot()))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_plan_file_holds_unmasked_wire_bodies_and_no_token(tmp_path, monkeypatch):
    """The exact body to send is saved unmasked; the token never is."""
    monkeypatch.setenv("CONTACTSWING_TOKEN", "secret-token-value")
    path = tmp_path / "plan.json"
    write_plan(path, saved_of([make_desired("a")], make_snapshot(), phone_format="digits"))
    text = path.read_text()
    assert "secret-token-value" not in text
    data = json.loads(text)
    (create,) = data["creates"]
    assert create["body"]["touchpoint"]["customer_details"][0]["to_number"] == "+919812345601"
    assert create["wire_body"]["touchpoint"]["customer_details"][0]["to_number"] == "919812345601"
    assert create["idempotency_key"] == idempotency_key("dev", "a", create["fingerprint"])


def test_edited_body_is_refused(tmp_path):
    """A plan file whose body was edited after planning is refused."""
    path = tmp_path / "plan.json"
    write_plan(path, saved_of([make_desired("a")], make_snapshot()))
    data = json.loads(path.read_text())
    data["creates"][0]["wire_body"]["name"] = "tampered"
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="does not match"):
        load_plan(path)


@pytest.mark.parametrize("content", ["not json", "{}", '{"kind": "reconciler-plan"}', "[]"])
def test_not_a_plan_file_is_a_clear_error(tmp_path, content):
    """Anything that is not a plan file gives a ConfigError, never a traceback."""
    path = tmp_path / "plan.json"
    path.write_text(content)
    with pytest.raises(ConfigError):
        load_plan(path)


def test_not_stale_after_unrelated_writes():
    """Other campaigns recorded since, and a higher serial, do not make a plan stale."""
    saved = saved_of([make_desired("a")], make_snapshot())
    later = make_snapshot(
        records=[make_record("other")],
        serial=9,
        failures=[make_attempt("x", status=AttemptStatus.FAILED)],
    )
    check_not_stale(saved, later)


def test_stale_when_another_lineage():
    """A state with another lineage (a switched store) makes the plan stale."""
    saved = saved_of([make_desired("a")], make_snapshot())
    with pytest.raises(StalePlanError, match="stale"):
        check_not_stale(saved, make_snapshot(lineage="lin-2"))


def test_stale_when_another_environment():
    """A state of another environment makes the plan stale."""
    saved = saved_of([make_desired("a")], make_snapshot())
    with pytest.raises(StalePlanError, match="stale"):
        check_not_stale(saved, make_snapshot("prod"))


@pytest.mark.parametrize("how", ["created", "in_doubt", "failed_again"])
def test_stale_when_a_campaign_of_the_plan_was_recorded_since(how):
    """A key of the plan created, in doubt or attempted again since makes it stale."""
    old_failure = make_attempt("a", status=AttemptStatus.FAILED, id=4)
    saved = saved_of([make_desired("a")], make_snapshot(failures=[old_failure]))
    check_not_stale(saved, make_snapshot(failures=[old_failure]))
    later = {
        "created": make_snapshot(records=[make_record("a")]),
        "in_doubt": make_snapshot(in_doubt=[make_attempt("a")]),
        "failed_again": make_snapshot(failures=[dataclasses.replace(old_failure, id=5)]),
    }[how]
    with pytest.raises(StalePlanError, match="stale"):
        check_not_stale(saved, later)


def test_applied_plan_is_stale_the_second_time():
    """After apply records the plan's keys, the same plan file is refused as stale."""
    d = make_desired("a")
    saved = saved_of([d], make_snapshot(exists=False))
    assert saved.lineage is None
    after_apply = make_snapshot(records=[make_record("a", desired=d)], lineage="new", serial=1)
    with pytest.raises(StalePlanError, match="at most once"):
        check_not_stale(saved, after_apply)


def test_moves_are_saved_and_stale_once_done():
    """A renamed record's move is saved; once moved, the plan is stale."""
    old = make_desired("old")
    new = make_desired("new", body=old.body, previous_keys=["old"])
    saved = saved_of([new], make_snapshot(records=[make_record("old", desired=old)]))
    assert saved.moves == (("old", "new"),) and saved.creates == ()
    check_not_stale(saved, make_snapshot(records=[make_record("old", desired=old)]))
    with pytest.raises(StalePlanError):
        check_not_stale(saved, make_snapshot(records=[make_record("new", desired=new)]))


def test_git_commit_inside_and_outside_a_repository(tmp_path):
    """The commit is found inside a git repository and None outside one."""
    assert git_commit(tmp_path) is None
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(
        [
            "git",
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@e",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "x",
        ],
        cwd=tmp_path,
        check=True,
    )
    commit = git_commit(tmp_path)
    assert commit is not None and len(commit) == 40


def test_writing_into_a_missing_folder_is_a_user_error(tmp_path):
    """``plan --out`` into a folder that does not exist says so, and writes nothing."""
    saved = saved_of([make_desired()], make_snapshot())
    with pytest.raises(ConfigError) as info:
        write_plan(tmp_path / "no-such-dir" / "plan.json", saved)
    assert "cannot write the plan file" in info.value.message
    assert list(tmp_path.iterdir()) == []
