"""Run the CLI as someone who may only read the files a test made read-only.

CI runs as root, and root writes any file whatever its mode: a "works for a user who
may only read" test run as root would prove nothing. So the child process is:

- not root: the test's own user (the files made read-only stop it writing);
- root, when the user ``nobody`` can run this interpreter: that user (``os.setgid`` and
  ``os.setuid`` in the child, before it runs anything);
- root otherwise (an interpreter under a private home, such as pyenv's in ``/root``):
  root without the capabilities that bypass file permissions (dropped from the child's
  bounding set before it execs), so the mode bits bind it as they bind any owner.

``reader()`` checks, once per session, that the way it chose cannot write a read-only
file: a test never passes because nothing was enforced. Nothing is ever skipped.
"""

from __future__ import annotations

import ctypes
import functools
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.cli import CliResult, run_cli

_PR_CAPBSET_DROP = 24
# CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER: what lets root ignore modes.
_PERMISSION_CAPS = (0, 1, 2, 3)


@dataclass(frozen=True)
class Reader:
    """How a child process becomes a user who may only read; ``how`` names it in messages."""

    how: str
    preexec: Callable[[], None] | None

    def run(self, *args: str, cwd: Path, env: dict[str, str] | None = None) -> CliResult:
        """``reconciler ARGS`` as this reader (no traceback may reach it either)."""
        return run_cli(*args, cwd=cwd, env=env, preexec_fn=self.preexec)


def _as_nobody() -> None:
    user = pwd.getpwnam("nobody")
    os.setgroups([])
    os.setgid(user.pw_gid)
    os.setuid(user.pw_uid)


def _without_permission_caps() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in _PERMISSION_CAPS:
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def _runs(preexec: Callable[[], None]) -> bool:
    probe = [sys.executable, "-c", "import reconciler.cli, sqlalchemy"]
    try:
        done = subprocess.run(
            probe, cwd="/", preexec_fn=preexec, capture_output=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _cannot_write(reader: Reader) -> bool:
    """Whether the reader is refused writing a read-only file in a read-only folder."""
    folder = Path(tempfile.mkdtemp(prefix="reconciler-ro-check-"))
    try:
        target = folder / "file"
        target.write_text("x")
        target.chmod(0o444)
        folder.chmod(0o555)
        code = f"open({str(target)!r}, 'a').write('y')"
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd="/",
            preexec_fn=reader.preexec,
            capture_output=True,
            timeout=60,
            check=False,
        )
        return done.returncode != 0 and target.read_text() == "x"
    finally:
        folder.chmod(0o755)
        (folder / "file").unlink(missing_ok=True)
        folder.rmdir()


@functools.cache
def reader() -> Reader:
    """The way this machine runs a child that may only read (checked; never skipped)."""
    if os.geteuid() != 0:
        chosen = Reader("this non-root user", None)
    elif _runs(_as_nobody):
        chosen = Reader("user nobody", _as_nobody)
    else:
        chosen = Reader("root without CAP_DAC_OVERRIDE", _without_permission_caps)
    assert _cannot_write(chosen), f"{chosen.how} could write a read-only file"
    return chosen


@contextmanager
def shared_folder() -> Iterator[Path]:
    """A fresh folder every user can reach (pytest's own tmp folders are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="reconciler-ro-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(stat.S_IRWXU)  # a test's read-only folders must go too
        shutil.rmtree(folder)


def read_only(*paths: Path) -> None:
    """Make files 0444 and folders 0555: readable by everyone, writable by nobody."""
    for path in paths:
        path.chmod(0o555 if path.is_dir() else 0o444)
