"""The fault campaign's machinery: specs it edits, the sandbox it restarts, the history.

``tests/e2e/test_fault_campaign.py`` drives these from a hypothesis state machine. Every
command is the real CLI in a subprocess; the history records each one as a shell line, so
a failure prints a script that replays it by hand.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.e2e.support import TOKEN, TOKEN_ENV, SandboxProcess, sandbox_process
from tests.support.cli import TRACEBACK_MARK, CliResult, run_cli
from tests.support.projects import plain_spec

# A normal answer on a busy machine may take this long; an injected timeout stalls longer.
# Either outcome is correct: the campaign only asserts the invariants.
API_TIMEOUT = "1"
STALL_SECONDS = "3"
CLI_ENV = {**TOKEN_ENV, "RECONCILER_API_TIMEOUT": API_TIMEOUT}
FAULT_NAMES = ("500", "503", "429", "timeout", "reset")


def identity(key: str) -> str:
    """The campaign a key names, whatever it was renamed to: ``s3-r2`` -> ``s3``."""
    return key.split("-", 1)[0]


@dataclass
class Spec:
    """One campaign of the project: its keys so far (the last is current) and its version."""

    number: int
    keys: list[str] = field(default_factory=list)
    version: int = 1

    @property
    def name(self) -> str:
        return f"s{self.number}"

    @property
    def path(self) -> str:
        return f"campaigns/{self.name}.yaml"

    def text(self) -> str:
        """The spec file: named after its identity, so a rename changes only the key."""
        spec = yaml.safe_load(plain_spec(self.name, self.number))
        spec["key"] = self.keys[-1]
        spec["business_goal"] = f"Fault campaign, version {self.version}"
        if len(self.keys) > 1:
            spec["previous_keys"] = self.keys[:-1]
        return yaml.safe_dump(spec, sort_keys=False)


@dataclass(frozen=True)
class FaultProfile:
    """How the sandbox misbehaves: a share of creates meeting one of ``kinds``."""

    rate: float
    kinds: tuple[str, ...]
    seed: int
    latency_ms: int

    def args(self) -> list[str]:
        args = ["--latency-ms", str(self.latency_ms), "--retry-after", "0"]
        args += ["--stall-seconds", STALL_SECONDS, "--seed", str(self.seed)]
        if self.rate > 0:
            args += ["--fail-rate", str(self.rate), "--faults", ",".join(self.kinds)]
        return args


@dataclass(frozen=True)
class RunPlan:
    """``plan --format json``."""


@dataclass(frozen=True)
class RunApply:
    """``apply``, let finish or signalled (``ending``) after ``answers`` answers and ``delay``;
    first the sandbox restarts with the ``restart`` profile, if any."""

    parallelism: int
    ending: str
    answers: int
    delay: float
    restart: FaultProfile | None = None


@dataclass(frozen=True)
class RunTwoApplies:
    """Two applies at once; the second waits for the lock (``wait``) or gives up at once."""

    wait: bool


Command = RunPlan | RunApply | RunTwoApplies | None


@dataclass
class History:
    """What the campaign did, as shell lines run from the project directory."""

    lines: list[str] = field(default_factory=list)

    def run(self, *args: str, suffix: str = "") -> None:
        self.lines.append(shlex.join(["reconciler", *args]) + suffix)

    def write(self, spec: Spec) -> None:
        self.lines.append(f"cat > {spec.path} <<'YAML'\n{spec.text()}YAML")

    def script(self) -> str:
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in CLI_ENV.items())
        return "\n".join(["set -u", f"export {env}", *self.lines])


class CampaignSandbox:
    """``reconciler sandbox`` on a fixed port, restartable with another fault profile.

    Its campaigns live in a state file, so a restart keeps them; ``faults`` tallies the
    faults every run of it injected.
    """

    def __init__(self, workdir: Path, port: int, history: History) -> None:
        self.state_file = workdir / "sandbox.json"
        self.port = port
        self.history = history
        self.faults: Counter[str] = Counter()
        self._stack = ExitStack()
        self._process: SandboxProcess | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, profile: FaultProfile) -> None:
        self.stop()
        args = [*profile.args(), "--state-file", str(self.state_file)]
        self._process = self._stack.enter_context(sandbox_process(*args, port=self.port))
        self.history.lines.append(
            shlex.join(["reconciler", "sandbox", "--port", str(self.port), "--token", TOKEN, *args])
            + " &  # (restarted)"
        )

    def stop(self) -> None:
        if self._process is not None:
            self._tally()
        self._stack.close()
        self._process = None

    def listing(self) -> dict[str, Any]:
        response = httpx.get(f"{self.url}/_sandbox/campaigns", timeout=10)
        response.raise_for_status()
        listing: dict[str, Any] = response.json()
        return listing

    def names(self) -> Counter[str]:
        return Counter(str(c["name"]) for c in self.listing()["campaigns"])

    def ids(self) -> dict[str, str]:
        return {str(c["name"]): str(c["id"]) for c in self.listing()["campaigns"]}

    def answered(self) -> int:
        return int(httpx.get(f"{self.url}/_sandbox/stats", timeout=10).json()["requests"])

    def settle(self) -> None:
        """Until no request of a dead apply can still create a campaign.

        ``deciding`` 0 twice in a row, with no new answer between: a request still queued
        in the listen backlog when its sender died would be accepted and counted meanwhile.
        """
        seen: tuple[int, int] | None = None
        for _ in range(600):
            now = (self.listing()["deciding"], self.answered())
            if now[0] == 0 and now == seen:
                return
            seen = now
            time.sleep(0.05)
        raise AssertionError("the sandbox never settled")

    def _tally(self) -> None:
        stats = httpx.get(f"{self.url}/_sandbox/stats", timeout=10).json()["by_status"]
        for name in FAULT_NAMES:
            self.faults[name] += int(stats.get(name, 0))


def cli(history: History, root: Path, *args: str) -> CliResult:
    """The real CLI in ``root`` (no traceback allowed), recorded in the history."""
    history.run(*args)
    return run_cli(*args, cwd=root, env=CLI_ENV)


def start_cli(root: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONCILER_")}
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler", *args],
        cwd=root,
        env={**env, **CLI_ENV, "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def interrupt(
    proc: subprocess.Popen[str], sandbox: CampaignSandbox, answers: int, delay: float, sig: int
) -> bool:
    """Send ``sig`` once the sandbox has answered ``answers`` more requests and ``delay`` passed.

    Counting answers rather than seconds puts the signal inside the sending phase however
    slow start-up is; an apply that ends first is simply not signalled (False).
    """
    target = sandbox.answered() + answers
    while proc.poll() is None and sandbox.answered() < target:
        time.sleep(0.01)
    time.sleep(delay)
    if proc.poll() is not None:
        return False
    proc.send_signal(sig)
    return True


def finish(proc: subprocess.Popen[str], expected: set[int]) -> tuple[str, str]:
    """Wait for ``proc``: its stdout and stderr; the exit status one of ``expected``, no
    traceback."""
    out, err = proc.communicate(timeout=120)
    assert TRACEBACK_MARK not in out + err, out + err
    assert proc.returncode in expected, f"exit {proc.returncode}:\n{out}{err}"
    return out, err


SIGNALS = {"SIGTERM": signal.SIGTERM, "SIGKILL": signal.SIGKILL}
# What an apply may exit with: 0 done, 1 something failed or in doubt (or locked out),
# 130 stopped by SIGTERM, -9 killed; -15 (SIGTERM's default action) only before apply set
# its handlers or after it printed its report, which the campaign checks.
EXITS = {
    "finish": {0, 1},
    "SIGTERM": {0, 1, 130, -signal.SIGTERM},
    "SIGKILL": {0, 1, -signal.SIGKILL},
}
