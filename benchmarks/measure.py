"""Run a command as a real subprocess and measure its wall time and peak memory.

Each run is a fresh small wrapper process that starts the command as its child and
reaps it with ``os.wait4``: the resource usage (``ru_maxrss``, CPU) is that one
command's, neither accumulated over runs (as ``getrusage(RUSAGE_CHILDREN)`` here would
be) nor floored by this harness's own peak (Linux carries it across exec).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

CLI = (sys.executable, "-m", "reconciler")


@dataclass(frozen=True)
class RunResult:
    """One run of a command."""

    argv: tuple[str, ...]
    returncode: int
    seconds: float
    peak_mb: float
    stdout: str
    stderr: str
    cpu_seconds: float = 0.0  # user + system: what the run cost, whatever else ran beside it

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@dataclass
class Measurement:
    """Several runs of one scenario, and how they compare with the scenario's target."""

    name: str
    n: int
    r: int
    target: str = ""
    target_seconds: float | None = None
    target_mb: float | None = None
    runs: list[RunResult] = field(default_factory=list)
    rate_unit: str = ""  # e.g. "creates/s": rates are count / seconds per run
    rates: list[float] = field(default_factory=list)
    sending_rates: list[float] = field(default_factory=list)  # first to last create seen
    server_cpu: list[float] = field(default_factory=list)  # the sandbox's CPU s per run
    target_rate: float | None = None
    judge_sending: bool = False  # judge target_rate on the sending phase, not the command
    error: str = ""

    @property
    def seconds(self) -> list[float]:
        return [run.seconds for run in self.runs]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.runs else float("nan")

    @property
    def cpu_median(self) -> float:
        return statistics.median(run.cpu_seconds for run in self.runs) if self.runs else 0.0

    @property
    def peak_mb(self) -> float:
        return max((run.peak_mb for run in self.runs), default=float("nan"))

    @property
    def failed(self) -> bool:
        return bool(self.error) or not self.runs

    def met(self) -> bool | None:
        """True/False against the target; None when there is no target."""
        if self.failed:
            return False
        checks: list[bool] = []
        if self.target_seconds is not None:
            checks.append(self.median <= self.target_seconds)
        if self.target_mb is not None:
            checks.append(self.peak_mb <= self.target_mb)
        rates = self.sending_rates if self.judge_sending else self.rates
        if self.target_rate is not None and rates:
            checks.append(statistics.median(rates) >= self.target_rate)
        return all(checks) if checks else None


# Runs the command as ITS child and reports its wall time and rusage. Needed because
# Linux keeps a process's peak RSS across exec: a command started straight from this
# (large, growing) harness would report the harness's own peak as its floor. ru_maxrss
# is the largest single process; a command with worker processes (loading on several
# cores) is also sampled every 20 ms as the sum of its processes' resident sets, an
# upper bound (pages a worker shares with its parent count twice). Peak = the larger.
_WRAPPER = """
import json, os, subprocess, sys, threading, time
PAGE = os.sysconf("SC_PAGE_SIZE")
def tree(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = [int(k) for k in f.read().split()]
    except OSError:
        kids = []
    return [pid] + [p for k in kids for p in tree(k)]
def rss(pid):
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, ValueError, IndexError):
        return 0
peak, done = [0], threading.Event()
def sample(pid):
    while not done.wait(0.02):
        peak[0] = max(peak[0], sum(rss(p) for p in tree(pid)))
start = time.perf_counter()
child = subprocess.Popen(sys.argv[2:])
threading.Thread(target=sample, args=(child.pid,), daemon=True).start()
_pid, status, usage = os.wait4(child.pid, 0)
seconds = time.perf_counter() - start
done.set()
child.returncode = os.waitstatus_to_exitcode(status)
with open(sys.argv[1], "w") as out:
    json.dump({"returncode": child.returncode, "seconds": seconds,
               "maxrss_kb": max(usage.ru_maxrss, peak[0] // 1024),
               "cpu": usage.ru_utime + usage.ru_stime}, out)
"""


def run_once(
    argv: Sequence[str],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 900,
) -> RunResult:
    """Run ``argv`` once in a fresh small wrapper; its wall time, CPU and peak RSS alone."""
    full_env = dict(os.environ if env is None else env)
    with tempfile.TemporaryDirectory() as tmp:
        report, out_path, err_path = (Path(tmp) / n for n in ("report", "out", "err"))
        with out_path.open("wb") as out, err_path.open("wb") as err:
            wrapper = subprocess.Popen(
                [sys.executable, "-c", _WRAPPER, str(report), *argv],
                cwd=cwd, env=full_env, stdout=out, stderr=err, start_new_session=True,
            )  # fmt: skip
            try:
                wrapper.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill(wrapper.pid)
                wrapper.wait()
        stdout = out_path.read_bytes().decode("utf-8", "replace")
        stderr = err_path.read_bytes().decode("utf-8", "replace")
        if not report.exists():  # killed (timeout) or the wrapper itself failed
            return RunResult(tuple(argv), wrapper.returncode or -9, timeout, 0.0, stdout, stderr)
        data = json.loads(report.read_text(encoding="utf-8"))
    return RunResult(
        argv=tuple(argv),
        returncode=int(data["returncode"]),
        seconds=float(data["seconds"]),
        peak_mb=int(data["maxrss_kb"]) / 1024,  # Linux reports KiB
        stdout=stdout,
        stderr=stderr,
        cpu_seconds=float(data["cpu"]),
    )


def _kill(pid: int) -> None:
    """Kill the wrapper's whole session (it and the command), by its id."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def repeat(
    measurement: Measurement,
    argv: Sequence[str],
    cwd: Path,
    times: int,
    env: Mapping[str, str] | None = None,
    before: Callable[[], None] | None = None,
    check: Callable[[RunResult], str] | None = None,
) -> Measurement:
    """Run ``argv`` ``times`` times into ``measurement``; stop at the first failure.

    ``before`` runs before each run (not timed); ``check`` returns an error text for a
    run whose output is wrong (a command that "succeeds" at the wrong thing fails).
    """
    for _ in range(times):
        if before is not None:
            before()
        result = run_once(argv, cwd, env)
        problem = _problem(result) or (check(result) if check else "")
        if problem:
            measurement.error = problem
            break
        measurement.runs.append(result)
    return measurement


def _problem(result: RunResult) -> str:
    if result.ok:
        return ""
    tail = (result.stderr or result.stdout).strip().splitlines()[-8:]
    return f"exit {result.returncode}: " + " | ".join(tail)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Sandbox:
    """``reconciler sandbox --port P ARGS`` as a separate process on loopback."""

    def __init__(self, cwd: Path, env: Mapping[str, str], *args: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop)
        self._proc = subprocess.Popen(
            [*CLI, "sandbox", "--port", str(self.port), *args],
            cwd=cwd,
            env=dict(env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def _wait_ready(self, seconds: float = 20) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"sandbox exited {self._proc.returncode}: {self.log()}")
            try:
                self.count()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"sandbox did not answer on {self.url} within {seconds} s")

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")[-2000:]

    def listing(self) -> Any:
        """``GET /_sandbox/campaigns``: what the sandbox has created."""
        with urllib.request.urlopen(f"{self.url}/_sandbox/campaigns", timeout=60) as response:
            return json.loads(response.read())

    def count(self) -> int:
        """How many campaigns the sandbox has created."""
        return campaign_count(self.listing())

    def cpu_seconds(self) -> float:
        """CPU time the sandbox process has used so far (Linux /proc), 0 when unknown."""
        try:
            fields = Path(f"/proc/{self._proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._log.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def campaign_count(payload: Any) -> int:
    """The number of campaigns in the sandbox's listing, whatever its exact shape."""
    if isinstance(payload, list):
        return len(payload)
    if isinstance(payload, dict):
        for name in ("count", "total"):
            if isinstance(payload.get(name), int):
                return int(payload[name])
        for name in ("campaigns", "data", "items"):
            if isinstance(payload.get(name), list):
                return len(payload[name])
    raise ValueError(f"unexpected /_sandbox/campaigns payload: {str(payload)[:200]}")


def sending_seconds(payload: Any, skip: int) -> float | None:
    """Seconds between the first and last ``created_at`` after the first ``skip`` campaigns."""
    campaigns = payload.get("campaigns") if isinstance(payload, dict) else payload
    if not isinstance(campaigns, list):
        return None
    stamps = [c.get("created_at") for c in campaigns[skip:] if isinstance(c, dict)]
    try:
        times = sorted(datetime.fromisoformat(str(t)) for t in stamps)
    except ValueError:
        return None
    return (times[-1] - times[0]).total_seconds() if len(times) > 1 else None
