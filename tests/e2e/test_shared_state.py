"""Shared state under failure: a killed lock holder, a database that goes away mid-apply.

The lock must free itself when its holder dies (no ``unlock``), and a lost database must
leave every create either recorded, in the fallback journal, or in doubt: never sent twice.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.e2e.support import (
    TOKEN_ENV,
    SandboxProcess,
    assert_converged,
    assert_no_secret,
    resolve_in_doubt,
    sandbox_process,
    snapshot,
)
from tests.support.backends import StateTarget, admin_url
from tests.support.cli import run_cli
from tests.support.projects import make_project, numbered, one_file

pytestmark = pytest.mark.slow

APPLY = ("apply", "--env", "dev", "--auto-approve")


def _start_apply(root: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONCILER_")}
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler", *APPLY, *args],
        cwd=root,
        env={**env, **TOKEN_ENV, "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_creates(sandbox: SandboxProcess, proc: subprocess.Popen[str], n: int) -> None:
    """Until the sandbox has created ``n`` campaigns (the apply is mid-run, holding the lock)."""
    deadline = time.monotonic() + 60
    while len(sandbox.campaigns()) < n:
        assert proc.poll() is None, "the apply ended before it was interrupted"
        assert time.monotonic() < deadline, "the apply never started creating"
        time.sleep(0.05)


def _no_duplicate(sandbox: SandboxProcess) -> None:
    assert [k for k, n in sandbox.counts().items() if n > 1] == []


def _settle(root: Path, sandbox: SandboxProcess, keys: list[str], outputs: list[str]) -> None:
    """What a person does after an interrupted apply: resolve what is in doubt, apply again."""
    resolve_in_doubt(root, sandbox.url, sandbox)
    final = run_cli(*APPLY, cwd=root, env=TOKEN_ENV)
    outputs.append(final.output)
    assert final.returncode == 0, final.output
    assert_converged(root, sandbox.url, sandbox, keys)


def test_killing_the_lock_holder_frees_the_lock_for_the_next_apply(target: StateTarget) -> None:
    """SIGKILL the holder mid-run: the next apply gets the lock without unlock, no duplicate."""
    root = target.root
    with sandbox_process("--latency-ms", "300") as sandbox:
        keys = numbered(12)
        make_project(root, one_file(keys), api_url=sandbox.url, state=target.location)
        holder = _start_apply(root, "--parallelism", "1")
        _wait_for_creates(sandbox, holder, 2)
        holder.send_signal(signal.SIGKILL)
        outputs = list(holder.communicate(timeout=30))
        before = set(sandbox.counts())
        # Waiting is allowed (the server notices a dead session, the kernel a dead flock),
        # but nothing may need `reconciler unlock`.
        nxt = run_cli(*APPLY, "--lock-timeout", "30", "--format", "json", cwd=root, env=TOKEN_ENV)
        outputs.append(nxt.output)
        assert "locked" not in nxt.stderr, nxt.output
        report = json.loads(nxt.stdout)
        created_now = {r["key"] for r in report["results"] if r["outcome"] == "created"}
        assert created_now and not created_now & before  # nothing the killed run sent
        assert set(report["already_in_doubt"]) <= before | set(keys)
        _no_duplicate(sandbox)
        _settle(root, sandbox, keys, outputs)
    assert_no_secret(root, *outputs)


def _terminate_sessions(database_url: str) -> int:
    """End every session of reconciler on the state's database, from another connection."""
    name = make_url(database_url).database
    engine = create_engine(admin_url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            query = text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :db AND application_name = 'reconciler'"
            )
            return int(conn.execute(query, {"db": name}).scalar_one())
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_database_that_goes_away_mid_apply_loses_nothing_and_sends_nothing_twice(
    pg_database: str, tmp_path: Path
) -> None:
    """Every campaign created is recorded, journaled or in doubt after recover; no resend."""
    target = StateTarget("postgres", pg_database, tmp_path / "project")
    root = target.root
    with sandbox_process("--latency-ms", "300") as sandbox:
        keys = numbered(16)
        make_project(root, one_file(keys), api_url=sandbox.url, state=target.location)
        proc = _start_apply(root, "--parallelism", "3", "--format", "json")
        _wait_for_creates(sandbox, proc, 3)
        assert _terminate_sessions(target.location) >= 1
        out, err = proc.communicate(timeout=120)
        outputs = [out, err]
        assert proc.returncode == 1, out + err
        created_before = set(sandbox.counts())
        journal = root / ".reconciler" / "dev.journal"
        journaled = journal.exists()
        if journaled:  # outcomes the state could not take: nothing runs until merged
            refused = run_cli("plan", "--env", "dev", cwd=root)
            assert refused.returncode == 1 and "state recover" in refused.stderr
            recovered = run_cli("state", "recover", "--env", "dev", cwd=root)
            outputs += [refused.output, recovered.output]
            assert recovered.returncode == 0, recovered.output
            assert not journal.exists()
        snap = snapshot(root, sandbox.url)
        missing = created_before - set(snap.campaigns) - set(snap.in_doubt)
        assert missing == set(), "created but neither recorded nor in doubt"
        assert journaled or snap.in_doubt, "the database went away while nothing was in flight"
        rerun = run_cli(*APPLY, "--format", "json", cwd=root, env=TOKEN_ENV)
        outputs.append(rerun.output)
        assert rerun.stdout, rerun.output
        assert set(json.loads(rerun.stdout)["already_in_doubt"]) == set(snap.in_doubt)
        _no_duplicate(sandbox)
        _settle(root, sandbox, keys, outputs)
    assert_no_secret(root, *outputs)
