"""The PostgreSQL server restarts mid-apply: nothing sent twice, nothing lost, no traceback.

The test runs a PostgreSQL cluster of its own (initdb and pg_ctl, as .ci/postgres.sh
does: as an unprivileged user when run as root, on 127.0.0.1, in a temporary folder), so
restarting it disturbs no other test. A fast shutdown ends the apply's session, and with
it the advisory lock, while creates are in flight.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.support import (
    TOKEN_ENV,
    assert_converged,
    free_port,
    resolve_in_doubt,
    sandbox_process,
    snapshot,
)
from tests.support.cli import TRACEBACK_MARK, run_cli
from tests.support.projects import make_project, numbered, one_file

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SERVER_USER = "reconciler-ci"  # the unprivileged user .ci/postgres.sh runs its server as
APPLY = ("apply", "--env", "dev", "--auto-approve")


def _bindir() -> Path:
    found = shutil.which("pg_ctl")
    candidates = [Path(found).parent] if found else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    pytest.fail("initdb and pg_ctl not found: install the postgresql package (.ci/postgres.sh)")


@dataclass
class Cluster:
    bindir: Path
    data: Path
    port: int
    as_user: Callable[[], None] | None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def pg_ctl(self, *args: str) -> None:
        subprocess.run(
            [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-w", *args],
            check=True, capture_output=True, preexec_fn=self.as_user,
        )  # fmt: skip

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.data} -c fsync=off"
        self.pg_ctl("-l", str(self.data / "server.log"), "-o", options, "start")

    def restart(self) -> None:
        """A fast shutdown (every session ended, the lock with them), then up again."""
        self.pg_ctl("-l", str(self.data / "server.log"), "-m", "fast", "restart")


def _unprivileged() -> Callable[[], None] | None:
    """PostgreSQL refuses to run as root: drop to the CI's server user (created if needed)."""
    if os.geteuid() != 0:
        return None
    try:
        user = pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", SERVER_USER], check=True)
        user = pwd.getpwnam(SERVER_USER)

    def drop() -> None:
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)

    return drop


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    """A private, throwaway PostgreSQL cluster on 127.0.0.1 (trust auth: loopback only)."""
    as_user = _unprivileged()
    data = Path(tempfile.mkdtemp(prefix="reconciler-pg-restart-"))
    if as_user is not None:
        shutil.chown(data, SERVER_USER)
    found = Cluster(_bindir(), data, free_port(), as_user)
    subprocess.run(
        [str(found.bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
         "--encoding=UTF8", "--no-locale"],
        check=True, capture_output=True, preexec_fn=as_user,
    )  # fmt: skip
    found.start()
    try:
        yield found
    finally:
        found.pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(data, ignore_errors=True)


def _start_apply(root: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONCILER_")}
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler", *APPLY, "--parallelism", "2"],
        cwd=root, env={**env, **TOKEN_ENV, "NO_COLOR": "1"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_a_postgres_restart_mid_apply_loses_nothing_and_sends_nothing_twice(
    cluster: Cluster, tmp_path: Path
) -> None:
    root = tmp_path / "project"
    with sandbox_process("--latency-ms", "300") as sandbox:
        keys = numbered(16)
        make_project(root, one_file(keys), api_url=sandbox.url, state=cluster.url)
        proc = _start_apply(root)
        try:
            while len(sandbox.campaigns()) < 3:
                assert proc.poll() is None, "the apply ended before the restart"
                time.sleep(0.05)
            cluster.restart()
            out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()
        assert proc.returncode == 1, out + err
        assert TRACEBACK_MARK not in out + err
        assert "Stopped: the state could not be written" in out, out + err
        created_before = set(sandbox.counts())
        journal = root / ".reconciler" / "dev.journal"
        if journal.exists():  # outcomes the state could not take: nothing runs until merged
            refused = run_cli("plan", "--env", "dev", cwd=root)
            assert refused.returncode == 1 and "state recover" in refused.stderr
            recovered = run_cli("state", "recover", "--env", "dev", cwd=root)
            assert recovered.returncode == 0, recovered.output
        snap = snapshot(root, sandbox.url)
        assert created_before - set(snap.campaigns) - set(snap.in_doubt) == set()
        rerun = run_cli(*APPLY, "--format", "json", cwd=root, env=TOKEN_ENV)
        assert set(json.loads(rerun.stdout)["already_in_doubt"]) == set(snap.in_doubt)
        assert [k for k, n in sandbox.counts().items() if n > 1] == []
        resolve_in_doubt(root, sandbox.url, sandbox)
        final = run_cli(*APPLY, cwd=root, env=TOKEN_ENV)
        assert final.returncode == 0, final.output
        assert_converged(root, sandbox.url, sandbox, keys)
    engine = create_engine(cluster.url)  # the server is up again and took every write
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
    engine.dispose()
