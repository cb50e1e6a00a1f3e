"""Shared state on PostgreSQL: a lost lock session writes nothing; clear connection errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from reconciler.errors import StateLockedError
from reconciler.state import read_snapshot
from tests.state.conftest import PG_URL, StateTarget
from tests.state.helpers import API, created, intent, open_target
from tests.support.cli import run_cli
from tests.support.factories import record_intents, record_outcome
from tests.support.projects import make_project, one_file


def _terminate_lock_session(url: str) -> None:
    """End the holder's lock session from another connection (a network cut, a restart)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            pids = conn.execute(text("SELECT backend_pid FROM locks")).scalars().all()
            assert pids, "nobody holds the lock"
            for pid in pids:
                conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_holder_whose_session_ended_writes_nothing_once_another_holds_the_lock(
    pg_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even if its liveness check passed just before, the old holder's writes are fenced off."""
    target = StateTarget("postgres", pg_database, tmp_path)
    old, new = open_target(target), open_target(target)
    try:
        with old.locked("apply") as writer:
            writer.bind(API)
            [sent] = record_intents(writer, [intent("k1")])
            _terminate_lock_session(pg_database)
            # The race: the old holder checked its session an instant before it ended.
            monkeypatch.setattr(old._lock, "still_held", lambda: True)
            with new.locked("apply", timeout=30) as successor:
                with pytest.raises(StateLockedError, match="lost"):
                    record_intents(writer, [intent("k2")])
                with pytest.raises(StateLockedError, match="lost"):
                    record_outcome(writer, created(sent, "cmp-1"))
                seen = successor.snapshot()
        assert set(seen.in_doubt) == {"k1"} and seen.campaigns == {}
        after = read_snapshot(target.location, "dev", root=tmp_path)
        assert set(after.in_doubt) == {"k1"} and after.campaigns == {}
    finally:
        old.close()
        new.close()


COMMANDS = [("plan", "--env", "dev"), ("apply", "--env", "dev", "--auto-approve")]


def _assert_clear_error(root: Path, password: str, *expected: str) -> None:
    for command in COMMANDS:
        result = run_cli(*command, cwd=root)  # run_cli also asserts there is no traceback
        assert result.returncode == 1, result.output
        assert result.stdout == "" or "Error" not in result.stdout
        for fragment in expected:
            assert fragment in result.stderr, result.stderr
        assert password not in result.output
        assert "***" in result.stderr  # the URL is shown with its password masked


@pytest.mark.parametrize("command", [c[0] for c in COMMANDS])
def test_connection_refused_is_a_clear_error(tmp_path: Path, command: str) -> None:
    """Nothing listening: exit 1, the URL with its password masked, a hint; no traceback."""
    from tests.e2e.support import free_port

    url = f"postgresql+psycopg://ci:pw-SECRET-77@127.0.0.1:{free_port()}/reconciler"
    root = make_project(tmp_path / "p", one_file(["c000"]), state=url)
    result = run_cli(*next(c for c in COMMANDS if c[0] == command), cwd=root)
    assert result.returncode == 1
    assert "Connection refused" in result.stderr
    assert "check that the state's server is reachable" in result.stderr
    assert "pw-SECRET-77" not in result.output and "ci:***@127.0.0.1" in result.stderr


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"password": "wrong-SECRET-pw"},
            ("password authentication failed", "check the user and password"),
        ),
        ({"database": "no_such_db"}, ('"no_such_db" does not exist', "create the database first")),
    ],
    ids=["bad-password", "missing-database"],
)
@pytest.mark.postgres
def test_bad_password_and_missing_database_are_clear_errors(
    tmp_path: Path, change: dict[str, str], expected: tuple[str, ...]
) -> None:
    """A wrong password or a missing database: exit 1, a hint, the password never shown."""
    url = make_url(PG_URL).set(**change)  # type: ignore[arg-type]
    state = url.render_as_string(hide_password=False)
    root = make_project(tmp_path / "p", one_file(["c000"]), state=state)
    _assert_clear_error(root, str(url.password), *expected)
    assert str(make_url(PG_URL).password) not in run_cli("plan", "--env", "dev", cwd=root).output
