"""``reconciler sandbox`` as a real process on 127.0.0.1, talked to with httpx and the client."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from reconciler.api.base import Outcome
from reconciler.api.client import HttpCampaignAPI
from tests.api.bodies import TOKEN, valid_body
from tests.support.cli import TRACEBACK_MARK, run_cli

PATH = "/v2/campaign/create_with_touchpoint"


@contextmanager
def sandbox_process(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Start ``reconciler sandbox --port 0 ARGS``; yield the process and the URL it printed."""
    env = {**os.environ, "PYTHONUTF8": "1"}
    env.pop("RECONCILER_SANDBOX_TOKEN", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "sandbox", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()  # never leak a server into later tests; the failure still shows
            proc.communicate()
            raise


def test_serves_creates_and_stops_cleanly_on_sigterm() -> None:
    """The process prints its URL, creates via the client, lists, and exits 0 on SIGTERM."""
    with sandbox_process("--token", TOKEN) as (proc, url):
        with HttpCampaignAPI(url, PATH, TOKEN) as api:
            result = api.create(valid_body(), idempotency_key="idem-1")
        assert result.outcome is Outcome.CREATED
        listed = httpx.get(f"{url}/_sandbox/campaigns", timeout=30).json()["campaigns"]
        assert [c["id"] for c in listed] == [result.campaign_id]
        with HttpCampaignAPI(url, PATH, "not-the-right-token") as api:
            refused = api.create(valid_body(), idempotency_key="idem-2")
        assert (refused.outcome, refused.stop_run) == (Outcome.FAILED, True)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert TRACEBACK_MARK not in stderr
    assert TOKEN not in stderr


def test_ctrl_c_exits_cleanly() -> None:
    """SIGINT (Ctrl-C) stops the server with status 0 and no traceback."""
    with sandbox_process("-q") as (proc, _url):
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert TRACEBACK_MARK not in stderr


def test_unknown_fault_is_a_usage_error(tmp_path: Path) -> None:
    """An unknown fault kind exits 1 with a message naming it, without a traceback."""
    result = run_cli("sandbox", "--faults", "500,502", cwd=tmp_path)
    assert result.returncode == 1
    assert "'502'" in result.stderr


def test_a_rate_limit_must_be_positive(tmp_path: Path) -> None:
    """``--rate-limit 0`` would refuse everything: a usage error, not a server."""
    result = run_cli("sandbox", "--rate-limit", "0", cwd=tmp_path)
    assert result.returncode == 1
    assert "--rate-limit" in result.stderr
    assert TRACEBACK_MARK not in result.stderr


def test_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    """A port already taken exits 1 with a hint, without a traceback."""
    with sandbox_process("-q") as (_proc, url):
        port = url.rsplit(":", 1)[1]
        result = run_cli("sandbox", "--port", port, cwd=tmp_path)
    assert result.returncode == 1
    assert "cannot listen" in result.stderr
    assert "--port 0" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "outcome", "created"),
    [
        ("500", Outcome.IN_DOUBT, 0),
        ("503", Outcome.IN_DOUBT, 0),
        ("429", Outcome.FAILED, 0),
        ("timeout", Outcome.IN_DOUBT, 1),
        ("reset", Outcome.IN_DOUBT, 1),
    ],
)
def test_each_fault_from_the_real_process(fault: str, outcome: Outcome, created: int) -> None:
    """With --fail-rate 1 each fault kind reaches the real client as its section 6 outcome."""
    args = ("--fail-rate", "1", "--faults", fault, "--seed", "1", "--retry-after", "0")
    with sandbox_process(*args) as (_proc, url):
        timeout = 0.5 if fault == "timeout" else 30.0  # only the stall may time out
        with HttpCampaignAPI(url, PATH, TOKEN, timeout=timeout, sleep=lambda s: None) as api:
            result = api.create(valid_body(), idempotency_key="k")
        assert result.outcome is outcome, result.message
        listed = httpx.get(f"{url}/_sandbox/campaigns", timeout=30).json()["campaigns"]
        assert len(listed) == created


@pytest.mark.slow
def test_seeded_fault_mix_is_reproducible() -> None:
    """The same --seed gives the same sequence of statuses across two runs."""

    def statuses() -> list[int]:
        with sandbox_process("--fail-rate", "0.5", "--faults", "500,503,429", "--seed", "5") as (
            _p,
            url,
        ):
            headers = {"Authorization": "Bearer t"}
            return [
                httpx.post(url + PATH, json=valid_body(), headers=headers, timeout=30).status_code
                for _ in range(12)
            ]

    first = statuses()
    assert first == statuses()
    assert 201 in first
    assert set(first) - {201}, "a fail rate of 0.5 over 12 requests injected no fault"


def test_the_sigterm_stop_is_not_swallowed_while_a_request_is_dispatched(monkeypatch) -> None:
    """socketserver swallows Exceptions raised while it dispatches: the stop gets through."""
    import socket

    from reconciler.cli import sandbox_cmd
    from reconciler.sandbox import Sandbox
    from reconciler.sandbox.server import SandboxServer

    server = SandboxServer(Sandbox())
    monkeypatch.setattr(server, "handle_error", lambda request, address: None)

    def signal_arrives(request: object, client_address: object) -> None:
        sandbox_cmd._on_sigterm(signal.SIGTERM, None)  # the handler runs at this instant

    monkeypatch.setattr(server, "process_request", signal_arrives)
    try:
        with (
            socket.create_connection(server.server_address[:2], timeout=5),
            pytest.raises(sandbox_cmd._Stop),
        ):
            server._handle_request_noblock()
    finally:
        server.server_close()
