"""Lock conformance: one suite, run against every backend, with two independent processes.

The holder is a process of its own (``_HOLDER``: takes the lock, then writes or releases
when told on stdin); the contenders are the real CLI (``apply``, ``unlock``). Each case is
a promise of PRODUCT.md section 7: the lock is exclusive and names its holder, a writer
waits with ``--lock-timeout``, a killed holder frees it, a hung (stopped) holder blocks
and is named, and ``unlock`` of a hung holder lets the next writer in while the hung one,
resumed, writes nothing. Nothing here measures time.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from reconciler.errors import StateLockedError
from tests.e2e.support import snapshot
from tests.state.conftest import StateTarget
from tests.state.helpers import open_target
from tests.support.cli import TRACEBACK_MARK, CliResult, run_cli
from tests.support.projects import make_project, numbered, one_file

pytestmark = pytest.mark.slow

_HOLDER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from pathlib import Path
    from reconciler.state import open_store
    from reconciler.state.base import Attempt, AttemptStatus
    store = open_store(sys.argv[1], "dev", root=Path(sys.argv[2]))
    with store.locked("apply --env dev") as writer:
        writer.bind("sandbox")
        print("locked", writer.info.lock_id, flush=True)
        for line in sys.stdin:
            if line.strip() != "write":
                break
            intent = Attempt(
                id=0, key="hung", kind="create", status=AttemptStatus.PENDING,
                fingerprint="f" * 64, source_fingerprint="s" * 64, body={"name": "hung"},
                idempotency_key="idem-hung", started_at=datetime.now(UTC),
            )
            try:
                writer.record_step([], [intent])
            except Exception as exc:
                print("refused", type(exc).__name__, flush=True)
            else:
                print("wrote", flush=True)
    print("released", flush=True)
    """
)


@dataclass
class Holder:
    proc: subprocess.Popen[str]
    lock_id: str

    def tell(self, line: str) -> str:
        """Send one command; the holder's one-line answer."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()


@contextmanager
def holder(target: StateTarget) -> Iterator[Holder]:
    """A separate process holding the environment's lock until told otherwise."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, target.location, str(target.root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        word, _, lock_id = proc.stdout.readline().strip().partition(" ")
        assert word == "locked"
        yield Holder(proc, lock_id)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGCONT)
            proc.kill()
        proc.communicate()


def _project(target: StateTarget) -> list[str]:
    keys = numbered(3)
    make_project(target.root, one_file(keys), state=target.location)
    return keys


def _apply(target: StateTarget, *args: str) -> CliResult:
    return run_cli("apply", "--env", "dev", "--auto-approve", *args, cwd=target.root, env={})


def _apply_process(target: StateTarget, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONCILER_")}
    cmd = [sys.executable, "-m", "reconciler", "apply", "--env", "dev", "--auto-approve", *args]
    return subprocess.Popen(
        cmd, cwd=target.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _names(result: CliResult, held: Holder) -> bool:
    who = f"pid {held.proc.pid} on {socket.gethostname()}"
    return "locked" in result.stderr and who in result.stderr and held.lock_id in result.stderr


def test_exclusive_and_names_the_holder(target: StateTarget) -> None:
    """A second writer fails at once naming the holder (pid, host, lock id); writes nothing."""
    keys = _project(target)
    with holder(target) as held:
        refused = _apply(target)
        assert refused.returncode == 1
        assert _names(refused, held), refused.stderr
        assert TRACEBACK_MARK not in refused.stderr
        assert held.tell("write") == "wrote"  # the holder still writes
    assert set(snapshot(target.root, "sandbox").campaigns).isdisjoint(keys)


def test_lock_timeout_waits_for_the_holder(target: StateTarget) -> None:
    """``--lock-timeout``: a second apply waits while the lock is held, then applies."""
    keys = _project(target)
    with holder(target) as held:
        waiting = _apply_process(target, "--lock-timeout", "120")
        time.sleep(1.0)  # give it time to fail, if it would not wait (no timed assertion)
        assert waiting.poll() is None, waiting.communicate()
        assert held.tell("release") == "released"
        out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, out + err
    assert set(snapshot(target.root, "sandbox").campaigns) == set(keys)


def test_a_killed_holder_frees_the_lock(target: StateTarget) -> None:
    """A SIGKILLed holder blocks nobody: the OS or the database frees its lock.

    (Moved from test_locking.py, which runs the other cases in one process.)
    """
    store = open_target(target)
    with holder(target) as held:
        found = store.lock_holder()
        assert found is not None and found.pid == held.proc.pid
        with pytest.raises(StateLockedError, match=f"pid {held.proc.pid}"), store.locked("apply"):
            pass
        held.proc.send_signal(signal.SIGKILL)
        held.proc.wait()
    # The server notices the closed session within moments; waiting is allowed for that.
    with store.locked("apply", timeout=30) as writer:
        assert writer.info.pid == os.getpid()
    store.close()


def test_unlock_of_a_hung_holder_lets_the_next_writer_in_and_the_hung_one_writes_nothing(
    target: StateTarget,
) -> None:
    """A stopped holder blocks and is named; ``unlock`` frees the lock for the next apply;
    the holder, resumed, is refused its next write and the state shows nothing of it."""
    keys = _project(target)
    with holder(target) as held:
        held.proc.send_signal(signal.SIGSTOP)
        blocked = _apply(target)
        assert blocked.returncode == 1 and _names(blocked, held), blocked.stderr
        unlocked = run_cli(
            "unlock", "--env", "dev", "--auto-approve", held.lock_id, cwd=target.root, env={}
        )
        assert unlocked.returncode == 0, unlocked.output
        after = _apply(target, "--lock-timeout", "30")  # PG: the session's end may lag
        assert after.returncode == 0, after.output
        before = snapshot(target.root, "sandbox")
        held.proc.send_signal(signal.SIGCONT)
        assert held.tell("write") == "refused StateLockedError"
    state = snapshot(target.root, "sandbox")
    assert set(state.campaigns) == set(keys)
    assert "hung" not in state.in_doubt
    assert state.serial == before.serial
