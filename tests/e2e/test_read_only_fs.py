"""The state's filesystem turns read-only mid-apply: nothing sent twice, nothing lost.

Linux refuses to remount a filesystem read-only while a file on it is open for writing
(the state is), so the test does what the kernel itself does on a disk error: it mounts a
small ext4 image (as root, as CI does) with ``errors=remount-ro`` and, once the sandbox
holds a few campaigns, raises an ext4 error through sysfs (``trigger_fs_error``). The
filesystem is then read-only under the running apply. The state and its fallback
journal both fail; the request in flight is in its intent (in doubt), which a person
resolves from the sandbox's listing once the disk is back.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.support import TOKEN_ENV, assert_converged, resolve_in_doubt, sandbox_process
from tests.support.backends import SQLITE_STATE
from tests.support.cli import TRACEBACK_MARK, run_cli
from tests.support.projects import make_project, numbered, one_file

pytestmark = pytest.mark.slow


@dataclass
class Ext4:
    image: Path
    mount: Path

    def device(self) -> str:
        found = subprocess.run(
            ["findmnt", "-n", "-o", "SOURCE", str(self.mount)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        return Path(found.stdout.strip()).name

    def turn_read_only(self) -> None:
        """An ext4 error: with errors=remount-ro the kernel makes the filesystem read-only."""
        trigger = Path("/sys/fs/ext4") / self.device() / "trigger_fs_error"
        trigger.write_text("fault test: the disk turned read-only\n", encoding="utf-8")

    def remount(self) -> None:
        """The disk back, checked, read-write (what an operator does after the error)."""
        subprocess.run(["umount", str(self.mount)], check=True)
        subprocess.run(["e2fsck", "-fy", str(self.image)], capture_output=True, check=False)
        self._mount()

    def _mount(self) -> None:
        options = "loop,errors=remount-ro"
        subprocess.run(["mount", "-o", options, str(self.image), str(self.mount)], check=True)


@pytest.fixture
def ext4(tmp_path: Path) -> Iterator[Ext4]:
    if os.geteuid() != 0:
        pytest.fail("this test mounts an ext4 image: run it as root (CI does)")
    if shutil.which("mkfs.ext4") is None:
        pytest.fail("this test needs mkfs.ext4 (Debian's e2fsprogs package)")
    fs = Ext4(tmp_path / "disk.img", tmp_path / "fs")
    fs.mount.mkdir()
    subprocess.run(["truncate", "-s", "32M", str(fs.image)], check=True)
    subprocess.run(["mkfs.ext4", "-q", "-F", str(fs.image)], check=True)
    fs._mount()
    try:
        yield fs
    finally:
        subprocess.run(["umount", "-l", str(fs.mount)], check=True)


def test_a_disk_turned_read_only_mid_apply_loses_nothing_and_sends_nothing_twice(
    ext4: Ext4,
) -> None:
    root = ext4.mount / "project"
    root.mkdir()
    with sandbox_process("--latency-ms", "150") as sandbox:
        keys = numbered(30)
        make_project(root, one_file(keys), api_url=sandbox.url, state=SQLITE_STATE)
        os.sync()  # the project is on disk, as a checkout long written would be
        env = {k: v for k, v in os.environ.items() if not k.startswith("RECONCILER_")}
        cmd = [sys.executable, "-m", "reconciler", "apply", "--env", "dev", "--auto-approve"]
        proc = subprocess.Popen(
            [*cmd, "--parallelism", "1"], cwd=root, env={**env, **TOKEN_ENV, "NO_COLOR": "1"},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            while len(sandbox.campaigns()) < 5 and proc.poll() is None:
                time.sleep(0.05)
            ext4.turn_read_only()
            out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()  # the pipes closed, the process reaped, whatever failed
        assert proc.returncode == 1, out + err
        assert TRACEBACK_MARK not in out + err
        # The report survives the failed unlock, says why it stopped and what is lost.
        assert "Stopped: the state could not be written" in out, out + err
        assert "read-only file system" in err.lower(), err
        sent = len(sandbox.campaigns())
        assert sent < len(keys), "the apply finished before the disk turned read-only"
        ext4.remount()
        refused = run_cli("plan", "--env", "dev", cwd=root, env=TOKEN_ENV)
        if refused.returncode == 1 and "state recover" in refused.output:
            recovered = run_cli("state", "recover", "--env", "dev", cwd=root, env=TOKEN_ENV)
            assert recovered.returncode == 0, recovered.output
        resolve_in_doubt(root, sandbox.url, sandbox)
        final = run_cli("apply", "--env", "dev", "--auto-approve", cwd=root, env=TOKEN_ENV)
        assert final.returncode == 0, final.output
        assert_converged(root, sandbox.url, sandbox, keys)
