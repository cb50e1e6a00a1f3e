"""SIGKILL an apply at random instants: no record lost, no campaign created twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.support import (
    TOKEN_ENV,
    SandboxProcess,
    assert_converged,
    assert_no_secret,
    resolve_in_doubt,
    sandbox_process,
)
from tests.support.backends import StateTarget
from tests.support.cli import run_cli
from tests.support.projects import make_project, numbered, one_file

pytestmark = pytest.mark.slow

TRIALS = 20


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONCILER_")}
    return {**env, **TOKEN_ENV, "NO_COLOR": "1"}


def _apply_and_kill(root: Path, sandbox: SandboxProcess, creates: int) -> str:
    """Start an apply and SIGKILL it once the sandbox has seen ``creates`` more creates.

    Counting creates instead of seconds puts every kill inside the sending phase,
    however long start-up takes on a loaded machine; an apply that finishes first is
    simply not killed.
    """
    before = len(sandbox.campaigns())
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--env", "dev", "--auto-approve"],
        cwd=root,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if len(sandbox.campaigns()) >= before + creates:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=30)
    return out + err


def test_killing_apply_at_random_instants_never_duplicates(target: StateTarget) -> None:
    """Over 20 kills of an apply of 100 campaigns, resolved by hand, each is created once."""
    rng = random.Random(int(os.environ.get("E2E_SEED", "6")))
    root = target.root
    outputs: list[str] = []
    with sandbox_process("--latency-ms", "60") as sandbox:
        keys = numbered(100)
        make_project(root, one_file(keys), api_url=sandbox.url, state=target.location)
        in_doubt_seen = 0
        for _ in range(TRIALS):
            outputs.append(_apply_and_kill(root, sandbox, rng.randint(1, 8)))
            imported, forgotten = resolve_in_doubt(root, sandbox.url, sandbox)
            in_doubt_seen += imported + forgotten
            counts = sandbox.counts()
            assert [k for k, n in counts.items() if n > 1] == []
        final = run_cli("apply", "--env", "dev", "--auto-approve", cwd=root, env=TOKEN_ENV)
        assert final.returncode == 0, final.output
        outputs.append(final.output)
        assert_converged(root, sandbox.url, sandbox, keys)
        again = run_cli("apply", "--env", "dev", "--auto-approve", cwd=root, env=TOKEN_ENV)
        assert again.returncode == 0 and "nothing to create" in again.output
        assert len(sandbox.campaigns()) == 100
    assert in_doubt_seen > 0, "no kill landed between an intent and its outcome"
    assert_no_secret(root, *outputs)
