"""The token stays secret even when malformed, and a cancel reaches the client's retries."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from reconciler.api.base import Outcome
from reconciler.api.client import HttpCampaignAPI
from reconciler.api.factory import open_api, read_token
from reconciler.config import Environment
from reconciler.errors import ConfigError
from reconciler.sandbox import Fault, FaultInjector, Sandbox
from reconciler.sandbox.server import SandboxServer, serving
from tests.api.bodies import valid_body

SECRET = "eyJhbGciOiJIUzI1NiJ9.tok-SECRET-123.signature"


def _env(api_url: str, create_path: str) -> Environment:
    return Environment(
        name="staging",
        api_url=api_url,
        state=".reconciler/staging.sqlite",
        token_env="TEST_TOKEN",
        require_state=False,
        max_creates=None,
        max_recipients=None,
        promote_from=None,
        create_path=create_path,
        phone_format="e164",
        allow_ignore_suppression=False,
        root=Path("."),
    )


@pytest.fixture
def served_429() -> Iterator[tuple[Sandbox, str]]:
    """A loopback sandbox that answers every create with 429 (Retry-After: 1)."""
    sb = Sandbox(faults=FaultInjector(1.0, (Fault.RATE_LIMITED,), seed=1))
    with serving(SandboxServer(sb)) as server:
        yield sb, server.url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(SECRET + "\n", SECRET), ("  " + SECRET + "\r\n", SECRET), ("Bearer " + SECRET, SECRET)],
)
def test_read_token_drops_surrounding_space_and_bearer_prefix(raw, expected):
    """A token from ``$(cat file)`` or with a Bearer prefix is the bare token."""
    assert expected == read_token("TEST_TOKEN", {"TEST_TOKEN": raw})


@pytest.mark.parametrize("raw", ["Bearer", "bearer", "Bearer   ", "  BEARER \t\n"])
def test_read_token_refuses_a_bearer_prefix_with_no_token(raw):
    """A prefix with nothing after it is no token: refused, never sent as ``Bearer Bearer``."""
    with pytest.raises(ConfigError) as info:
        read_token("TEST_TOKEN", {"TEST_TOKEN": raw})
    assert "TEST_TOKEN" in info.value.message
    assert "no token" in info.value.message


@pytest.mark.parametrize("raw", ["abc def-" + SECRET, SECRET + "\x07x", SECRET + "é"])
def test_read_token_refuses_unsendable_tokens_without_showing_them(raw):
    """A token no HTTP header can carry is refused by name, before any request exists."""
    with pytest.raises(ConfigError) as info:
        read_token("TEST_TOKEN", {"TEST_TOKEN": raw})
    shown = info.value.message + info.value.hint
    assert "TEST_TOKEN" in shown
    assert "SECRET" not in shown


def test_header_the_http_library_refuses_is_failed_and_not_quoted():
    """A header h11 rejects means nothing was sent: failed, run stopped, token not quoted."""
    sb = Sandbox()
    with serving(SandboxServer(sb)) as server:
        api = HttpCampaignAPI(server.url, sb.create_path, SECRET + "\n", sleep=lambda s: None)
        with api:
            result = api.create(valid_body(), idempotency_key="k")
    assert result.outcome is Outcome.FAILED
    assert result.stop_run
    assert "SECRET" not in result.message
    assert sb.campaigns() == []


def test_cancel_stops_retries_of_the_client_apply_builds(served_429):
    """After a cancel, the client ``open_api`` builds sends no retry and waits no backoff."""
    sb, url = served_429
    cancel = threading.Event()
    api = open_api(_env(url, sb.create_path), cancel=cancel, environ={"TEST_TOKEN": SECRET})
    seen: list[int] = []

    def count(request: httpx.Request) -> None:
        seen.append(1)
        cancel.set()  # the run is cancelled while the first request is answered

    api._client.event_hooks["request"].append(count)
    with api:
        result = api.create(valid_body(), idempotency_key="k")
    assert result.outcome is Outcome.FAILED
    assert len(seen) == 1
    assert "cancelled" in result.message
