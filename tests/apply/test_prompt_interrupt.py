"""Apply's question on a real terminal: yes applies, a signal aborts at once and writes nothing."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.projects import copy_example


def _read_until(fd: int, needle: bytes, timeout: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                break
    return seen


def _apply_on_a_terminal(root: Path) -> tuple[subprocess.Popen[bytes], int]:
    """``apply --env dev`` with a pseudo-terminal as its stdin/stdout/stderr."""
    controller, terminal = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONCILER_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--env", "dev"],
        cwd=root,
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env={**env, "NO_COLOR": "1"},
    )
    os.close(terminal)
    return proc, controller


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_at_the_question_aborts_without_writing(tmp_path: Path, sig: int) -> None:
    """At the 'yes' prompt a signal exits 130; no state file exists afterwards."""
    root = copy_example(tmp_path / "project")
    proc, controller = _apply_on_a_terminal(root)
    try:
        shown = _read_until(controller, b"Only 'yes'", timeout=60)
        assert b"Only 'yes'" in shown, shown.decode(errors="replace")
        proc.send_signal(sig)
        assert proc.wait(timeout=30) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(controller)
    assert not (root / ".reconciler" / "dev.sqlite").exists()


@pytest.mark.slow
@pytest.mark.parametrize(("answer", "status", "created"), [("yes", 0, True), ("no", 1, False)])
def test_the_answer_typed_on_the_terminal_decides(
    tmp_path: Path, answer: str, status: int, created: bool
) -> None:
    """Typing ``yes`` applies; anything else refuses and leaves no state."""
    root = copy_example(tmp_path / "project")
    proc, controller = _apply_on_a_terminal(root)
    try:
        assert b"Only 'yes'" in _read_until(controller, b"Only 'yes'", timeout=60)
        os.write(controller, answer.encode() + b"\n")
        _read_until(controller, b"\x00never", timeout=0)  # keep the pty drained
        assert proc.wait(timeout=60) == status
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(controller)
    assert (root / ".reconciler" / "dev.sqlite").exists() is created
