"""Run the real CLI in a subprocess, as users do."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

TRACEBACK_MARK = "Traceback (most recent call last)"


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    input: str | None = None,
    timeout: float = 120,
    preexec_fn: Callable[[], None] | None = None,
) -> CliResult:
    """``python -m reconciler ARGS`` in ``cwd``; no traceback may ever reach the user.

    ``preexec_fn`` runs in the child before it execs (``tests/support/unprivileged.py``).
    """
    full_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("RECONCILER_") and k != "GITHUB_WORKSPACE"  # a CI run's own
    }
    full_env.update({"NO_COLOR": "1", "PYTHONUTF8": "1"})
    if env:
        full_env.update(env)
    proc = subprocess.run(
        [sys.executable, "-m", "reconciler", *args],
        cwd=cwd,
        env=full_env,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        preexec_fn=preexec_fn,
    )
    result = CliResult(proc.returncode, proc.stdout, proc.stderr)
    assert TRACEBACK_MARK not in result.output, result.output
    return result
