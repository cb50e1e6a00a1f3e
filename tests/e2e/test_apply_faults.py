"""Each fault of the sandbox gives its section 6 outcome; reruns never create twice."""

from __future__ import annotations

import json
import os
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
    free_port,
    resolve_in_doubt,
    sandbox_process,
    snapshot,
)
from tests.support.backends import StateTarget
from tests.support.cli import CliResult, run_cli
from tests.support.projects import make_project, numbered, one_file

pytestmark = pytest.mark.slow

# Long enough that a busy CI machine never turns a normal answer into a timeout (which
# would be a correct in-doubt outcome, but not the one a test of other faults expects);
# the sandbox's stall is longer still.
ENV = {**TOKEN_ENV, "RECONCILER_API_TIMEOUT": "4"}


def _apply(root: Path) -> CliResult:
    return run_cli("apply", "--env", "dev", "--auto-approve", "--format", "json", cwd=root, env=ENV)


def _converge(root: Path, sandbox: SandboxProcess, outputs: list[str]) -> None:
    """Resolve and apply until nothing is left (faults may strike again on a rerun)."""
    for _ in range(12):
        resolve_in_doubt(root, sandbox.url, sandbox)
        result = _apply(root)
        outputs.append(result.output)
        assert [k for k, n in sandbox.counts().items() if n > 1] == []
        if json.loads(result.stdout)["nothing_to_do"]:
            return
    pytest.fail("apply did not converge")


@pytest.mark.parametrize(
    ("fault", "server_created", "status"),
    [("500", False, 500), ("503", False, 503), ("timeout", True, None), ("reset", True, None)],
)
def test_unknown_outcomes_are_in_doubt_and_never_resent(
    target: StateTarget, fault: str, server_created: bool, status: int | None
) -> None:
    """5xx, timeouts and resets are recorded in doubt; a rerun does not send them."""
    root = target.root
    args = ("--fail-rate", "0.5", "--faults", fault, "--seed", "3", "--stall-seconds", "6")
    with sandbox_process(*args) as sandbox:
        keys = numbered(10)
        make_project(root, one_file(keys), api_url=sandbox.url, state=target.location)
        first = _apply(root)
        report = json.loads(first.stdout)
        doubtful = {r["key"] for r in report["results"] if r["outcome"] == "in_doubt"}
        assert doubtful and first.returncode == 1
        assert {r["http_status"] for r in report["results"] if r["key"] in doubtful} == {status}
        assert set(snapshot(root, sandbox.url).in_doubt) == doubtful
        on_server = set(sandbox.counts())
        assert (doubtful <= on_server) is server_created
        assert (doubtful & on_server == set()) is not server_created
        rerun = _apply(root)
        assert rerun.returncode == 0
        assert sorted(json.loads(rerun.stdout)["already_in_doubt"]) == sorted(doubtful)
        assert set(sandbox.counts()) == on_server  # nothing in doubt was sent again
        outputs = [first.output, rerun.output]
        _converge(root, sandbox, outputs)
        assert_converged(root, sandbox.url, sandbox, keys)
    assert_no_secret(root, *outputs)


def test_rate_limits_are_retried_until_created(target: StateTarget) -> None:
    """429 answers (the server acted on nothing) are retried and end up created."""
    root = target.root
    args = ("--fail-rate", "0.4", "--faults", "429", "--seed", "5", "--retry-after", "0")
    with sandbox_process(*args) as sandbox:
        keys = numbered(10)
        make_project(root, one_file(keys), api_url=sandbox.url, state=target.location)
        result = _apply(root)
        assert result.returncode == 0, result.output
        assert_converged(root, sandbox.url, sandbox, keys)
    assert_no_secret(root, result.output)


def test_refused_connections_are_retried_until_created(target: StateTarget) -> None:
    """With nothing listening yet, apply retries; once the sandbox is up every create lands."""
    root = target.root
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    keys = numbered(5)
    make_project(root, one_file(keys), api_url=url, state=target.location)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONCILER_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--env", "dev", "--auto-approve"],
        cwd=root,
        env={**env, **ENV, "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(2.0)
    with sandbox_process(port=port) as sandbox:
        out, err = proc.communicate(timeout=90)
        assert proc.returncode == 0, out + err
        assert_converged(root, url, sandbox, keys)
    assert_no_secret(root, out, err)
