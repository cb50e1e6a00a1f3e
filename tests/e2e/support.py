"""End-to-end helpers: a sandbox in its own process, the state it leaves, resolution, secrets."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

from reconciler.commands.resolve import Resolution, forget_campaign, import_campaign
from reconciler.state import open_store, read_snapshot
from reconciler.state.base import StateSnapshot

TOKEN = "tok-SECRET-123"
TOKEN_ENV = {"CONTACTSWING_TOKEN": TOKEN}


@dataclass
class SandboxProcess:
    proc: subprocess.Popen[str]
    url: str

    def campaigns(self) -> list[dict[str, object]]:
        response = httpx.get(f"{self.url}/_sandbox/campaigns", timeout=10)
        response.raise_for_status()
        campaigns: list[dict[str, object]] = response.json()["campaigns"]
        return campaigns

    def counts(self) -> Counter[str]:
        """How many times the sandbox created each campaign name."""
        return Counter(str(c["name"]) for c in self.campaigns())

    def ids(self) -> dict[str, str]:
        return {str(c["name"]): str(c["id"]) for c in self.campaigns()}

    def clear(self) -> None:
        httpx.delete(f"{self.url}/_sandbox/campaigns", timeout=10).raise_for_status()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def sandbox_process(*args: str, port: int = 0) -> Iterator[SandboxProcess]:
    """``reconciler sandbox`` as a separate process on 127.0.0.1, requiring the test token."""
    cmd = [sys.executable, "-m", "reconciler", "sandbox", "--port", str(port), "-q"]
    cmd += ["--token", TOKEN, *args]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONCILER_")}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), proc.stderr.read() if proc.stderr else url
        yield SandboxProcess(proc, url)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def state_of(root: Path) -> str:
    """The dev environment's state location, as written in the project's reconciler.yaml."""
    config = yaml.safe_load((root / "reconciler.yaml").read_text(encoding="utf-8"))
    return str(config["environments"]["dev"]["state"])


def snapshot(root: Path, api_url: str) -> StateSnapshot:
    return read_snapshot(state_of(root), "dev", root=root, api_url=api_url)


def resolve_in_doubt(root: Path, api_url: str, sandbox: SandboxProcess) -> tuple[int, int]:
    """What a person does: import in-doubt keys the sandbox has, forget the others."""
    doubtful = snapshot(root, api_url).in_doubt
    if not doubtful:
        return 0, 0
    ids = sandbox.ids()
    imported = forgotten = 0
    store = open_store(state_of(root), "dev", root=root, api_url=api_url)
    how = Resolution("dev", api_url, auto_approve=True)
    try:
        for key in doubtful:
            if key in ids:
                import_campaign(store, key, ids[key], lambda: None, how)
                imported += 1
            else:
                forget_campaign(store, key, how)
                forgotten += 1
    finally:
        store.close()
    return imported, forgotten


def assert_converged(root: Path, api_url: str, sandbox: SandboxProcess, keys: list[str]) -> None:
    """Every campaign created exactly once on the sandbox, and the state records each one."""
    counts = sandbox.counts()
    assert {k: n for k, n in counts.items() if n != 1} == {}
    assert set(counts) == set(keys)
    snap = snapshot(root, api_url)
    assert set(snap.campaigns) == set(keys)
    assert snap.in_doubt == {}
    ids = sandbox.ids()
    assert {k: r.campaign_id for k, r in snap.campaigns.items()} == {k: ids[k] for k in keys}


def assert_no_secret(root: Path, *outputs: str) -> None:
    """The token appears in no output and in no file under the project (state included)."""
    for text in outputs:
        assert TOKEN not in text
    for path in root.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
