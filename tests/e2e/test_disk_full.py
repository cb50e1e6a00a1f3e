"""The state's filesystem fills up mid-apply: nothing sent twice, nothing lost, no traceback.

The test mounts a small tmpfs (it runs as root, as CI does), applies with the state on
it, and fills the filesystem once the sandbox holds a few campaigns. The state and its
fallback journal both fail; the outcome of the request in flight is then only in its
intent (in doubt), which a person resolves from the sandbox's listing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.support import (
    TOKEN_ENV,
    assert_converged,
    resolve_in_doubt,
    sandbox_process,
)
from tests.support.backends import SQLITE_STATE
from tests.support.cli import TRACEBACK_MARK, run_cli
from tests.support.projects import make_project, numbered, one_file

pytestmark = pytest.mark.slow


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.fail("this test mounts a tmpfs: run it as root (CI does)")
    mount = tmp_path / "fs"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def _fill(mount: Path) -> None:
    """Fill the filesystem; it may be full already (the apply's own files filled it)."""
    try:
        with (mount / "filler").open("wb") as handle:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
    except OSError:
        pass  # full: what the test wants


def test_a_full_disk_mid_apply_loses_nothing_and_sends_nothing_twice(small_fs: Path) -> None:
    root = small_fs / "project"
    root.mkdir()
    with sandbox_process("--latency-ms", "150") as sandbox:
        keys = numbered(30)
        make_project(root, one_file(keys), api_url=sandbox.url, state=SQLITE_STATE)
        env = {k: v for k, v in os.environ.items() if not k.startswith("RECONCILER_")}
        cmd = [sys.executable, "-m", "reconciler", "apply", "--env", "dev", "--auto-approve"]
        proc = subprocess.Popen(
            [*cmd, "--parallelism", "1"], cwd=root, env={**env, **TOKEN_ENV},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            while len(sandbox.campaigns()) < 5 and proc.poll() is None:
                time.sleep(0.05)
            _fill(small_fs)
            _, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()  # the pipes closed, the process reaped, whatever failed
        assert proc.returncode == 1, err
        assert "disk is full" in err or "No space left" in err, err
        assert TRACEBACK_MARK not in err
        (small_fs / "filler").unlink(missing_ok=True)
        refused = run_cli("plan", "--env", "dev", cwd=root, env=TOKEN_ENV)
        if refused.returncode == 1 and "state recover" in refused.output:
            recovered = run_cli("state", "recover", "--env", "dev", cwd=root, env=TOKEN_ENV)
            assert recovered.returncode == 0, recovered.output
        resolve_in_doubt(root, sandbox.url, sandbox)
        final = run_cli("apply", "--env", "dev", "--auto-approve", cwd=root, env=TOKEN_ENV)
        assert final.returncode == 0, final.output
        assert_converged(root, sandbox.url, sandbox, keys)
