"""The token never appears in any result, message, log record or repr, whatever the outcome."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest

from reconciler.api.client import HttpCampaignAPI
from tests.api.bodies import TOKEN, valid_body

Handler = Callable[[httpx.Request], httpx.Response]
ECHO = {"detail": f"bad token {TOKEN}", "ctx_id": f"ctx {TOKEN}"}


def _raise(exc_type: type[httpx.RequestError]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        # the exception text quotes the token, as a careless library might
        raise exc_type(f"failed with Authorization: Bearer {TOKEN}", request=request)

    return handler


SCENARIOS: dict[str, Handler] = {
    "201": lambda r: httpx.Response(201, json={"ctx_id": "c", "data": {"id": "x"}}),
    "2xx-no-id": lambda r: httpx.Response(200, json=ECHO),
    "302": lambda r: httpx.Response(302, headers={"Location": f"https://x.test/?t={TOKEN}"}),
    "400": lambda r: httpx.Response(400, json=ECHO),
    "401": lambda r: httpx.Response(401, json=ECHO),
    "403": lambda r: httpx.Response(403, text=f"forbidden {TOKEN}"),
    "404": lambda r: httpx.Response(404, json=ECHO),
    "429": lambda r: httpx.Response(429, json=ECHO, headers={"Retry-After": "1"}),
    "500": lambda r: httpx.Response(500, text=f"trace: {TOKEN}"),
    "connect-error": _raise(httpx.ConnectError),
    "read-timeout": _raise(httpx.ReadTimeout),
    "reset": _raise(httpx.RemoteProtocolError),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_token_never_leaks(name: str, caplog: pytest.LogCaptureFixture) -> None:
    """No result field, message, log record or repr contains the token, even if echoed."""
    caplog.set_level(logging.DEBUG)
    api = HttpCampaignAPI(
        "https://cs.test",
        "/v2/campaign/create_with_touchpoint",
        TOKEN,
        transport=httpx.MockTransport(SCENARIOS[name]),
        sleep=lambda s: None,
        max_retries=2,
    )
    with api:
        result = api.create(valid_body(), idempotency_key="k")
        assert TOKEN not in repr(api)
    assert TOKEN not in repr(result)
    assert TOKEN not in result.message
    assert TOKEN not in caplog.text
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
