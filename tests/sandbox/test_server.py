"""The sandbox over a real socket on 127.0.0.1 (a server thread), talked to by the real client."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from reconciler.api.base import Outcome
from reconciler.api.client import HttpCampaignAPI
from reconciler.sandbox import Fault, FaultInjector, Sandbox
from reconciler.sandbox.server import SandboxServer, serving
from tests.api.bodies import TOKEN, valid_body
from tests.sandbox.outcomes import FAULT_OUTCOMES


@pytest.fixture
def served() -> Iterator[tuple[Sandbox, str]]:
    """A fault-free sandbox served on a free port."""
    sb = Sandbox()
    with serving(SandboxServer(sb)) as server:
        yield sb, server.url


def api_for(url: str, sb: Sandbox, **kwargs: object) -> HttpCampaignAPI:
    options: dict[str, object] = {"sleep": lambda s: None, "max_retries": 2, "timeout": 30.0}
    options.update(kwargs)
    return HttpCampaignAPI(url, sb.create_path, TOKEN, **options)  # type: ignore[arg-type]


def test_create_over_the_socket(served: tuple[Sandbox, str]) -> None:
    """A create over HTTP is CREATED and the admin endpoint lists it with its key."""
    sb, url = served
    with api_for(url, sb) as api:
        result = api.create(valid_body(), idempotency_key="idem-42")
    assert result.outcome is Outcome.CREATED
    listed = httpx.get(f"{url}/_sandbox/campaigns", timeout=30).json()["campaigns"]
    assert [(c["id"], c["idempotency_key"]) for c in listed] == [(result.campaign_id, "idem-42")]
    assert httpx.delete(f"{url}/_sandbox/campaigns", timeout=30).json() == {"deleted": 1}


def test_contract_over_the_socket(served: tuple[Sandbox, str]) -> None:
    """401 without auth, 400 for a bad body, 404 elsewhere, as real HTTP answers."""
    sb, url = served
    create = url + sb.create_path
    assert httpx.post(create, json=valid_body(), timeout=30).status_code == 401
    bad = httpx.post(create, json={"name": "x"}, headers={"Authorization": "Bearer t"}, timeout=30)
    assert bad.status_code == 400
    assert bad.json()["detail"][0]["loc"] == ["body", "touchpoint"]
    assert httpx.get(f"{url}/nothing", timeout=30).status_code == 404


@pytest.mark.parametrize(
    ("fault", "outcome", "created"),
    FAULT_OUTCOMES,
)
def test_each_fault_over_the_socket(fault: Fault, outcome: Outcome, created: int) -> None:
    """Each fault kind, met by the real client over TCP, gives its section 6 outcome."""
    sb = Sandbox(faults=FaultInjector(1.0, [fault]), retry_after=0)
    with serving(SandboxServer(sb)) as server:
        # only the injected stall should time out, however loaded the machine is
        timeout = 0.3 if fault is Fault.TIMEOUT else 30.0
        with api_for(server.url, sb, timeout=timeout) as api:
            result = api.create(valid_body(), idempotency_key="k")
        assert result.outcome is outcome, result.message
        assert len(sb.campaigns()) == created


def test_connection_refused_is_retried_then_failed() -> None:
    """Nobody listening: retried (nothing was sent), then FAILED, not in doubt."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps: list[float] = []
    api = HttpCampaignAPI(
        f"http://127.0.0.1:{port}", "/p", TOKEN, sleep=sleeps.append, max_retries=2
    )
    with api:
        result = api.create(valid_body(), idempotency_key="k")
    assert result.outcome is Outcome.FAILED
    assert len(sleeps) == 2


def test_token_not_in_debug_logs_over_the_socket(
    served: tuple[Sandbox, str], caplog: pytest.LogCaptureFixture
) -> None:
    """With httpx and httpcore logging at DEBUG, no record carries the token."""
    caplog.set_level(logging.DEBUG)
    sb, url = served
    with api_for(url, sb) as api:
        assert api.create(valid_body(), idempotency_key="k").outcome is Outcome.CREATED
    assert any(r.name.startswith("httpcore") for r in caplog.records)
    assert TOKEN not in caplog.text


def test_the_listing_counts_creates_still_being_decided() -> None:
    """A create held in the server's latency shows as ``deciding`` until it is answered,
    so a person resolving from the listing knows no request can still create a campaign."""
    sb = Sandbox()
    with serving(SandboxServer(sb, latency=600.0)) as server:

        def listing() -> dict[str, object]:
            return dict(sb.handle("GET", "/_sandbox/campaigns", {}, b"").json())

        def send() -> None:
            with api_for(server.url, sb) as api:
                api.create(valid_body(), idempotency_key="k")

        sender = threading.Thread(target=send)
        sender.start()
        while listing()["deciding"] == 0:
            assert sender.is_alive(), "the create was answered before it was seen deciding"
            time.sleep(0.01)
        assert listing() == {"campaigns": [], "deciding": 1}
        server.stop.set()  # ends the latency wait: the create goes through
        sender.join()
        assert listing()["deciding"] == 0
        assert len(sb.campaigns()) == 1
