"""A 429 storm: 1,000 creates at parallelism 16 against a sandbox that allows 20 per second.

The client learns the limit from the 429s (one limiter shared by the workers, AIMD), so
the run finishes with nothing failed and few requests refused. Counts only: the sandbox
counts its answers (GET /_sandbox/stats); nothing here measures time.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.e2e.support import TOKEN_ENV, assert_converged, sandbox_process
from tests.support.backends import SQLITE_STATE
from tests.support.cli import run_cli
from tests.support.projects import make_project, numbered, one_file

pytestmark = pytest.mark.slow

CAMPAIGNS = 1000
LIMIT = "20"


def test_a_thousand_creates_against_20_per_second_fail_none_and_rarely_hit_429(
    tmp_path: Path,
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    with sandbox_process("--rate-limit", LIMIT) as sandbox:
        keys = numbered(CAMPAIGNS)
        make_project(root, one_file(keys), api_url=sandbox.url, state=SQLITE_STATE)
        result = run_cli(
            "apply", "--env", "dev", "--auto-approve", "--parallelism", "16",
            "--format", "json", cwd=root, env=TOKEN_ENV, timeout=300,
        )  # fmt: skip
        assert result.returncode == 0, result.output[-2000:]
        outcomes = [r["outcome"] for r in json.loads(result.stdout)["results"]]
        assert outcomes == ["created"] * CAMPAIGNS
        stats = httpx.get(f"{sandbox.url}/_sandbox/stats", timeout=10).json()
        print("sandbox answers:", stats)  # the figures docs/reliability.md quotes
        assert stats["by_status"]["201"] == CAMPAIGNS
        refused = stats["by_status"].get("429", 0)
        assert refused > 0  # the limit was reached: the storm happened
        assert refused < 0.05 * stats["requests"], stats
        assert_converged(root, sandbox.url, sandbox, keys)
