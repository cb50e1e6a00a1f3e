"""Build the client an environment needs: the real API, or the in-process sandbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict, Unpack

import httpx

from reconciler.api.client import DEFAULT_TOKEN_HINT, HttpCampaignAPI
from reconciler.api.defaults import SANDBOX
from reconciler.errors import ConfigError


class ClientOptions(TypedDict, total=False):
    """What ``make_api`` passes on to ``HttpCampaignAPI`` (its defaults apply)."""

    phone_format: str
    token_hint: str
    timeout: float
    sleep: Callable[[float], object]
    cancelled: Callable[[], bool]


def needs_token(api_url: str) -> bool:
    """Whether sending to ``api_url`` needs a token (the in-process sandbox does not)."""
    return api_url != SANDBOX


def make_api(
    api_url: str, create_path: str, token: str | None, **options: Unpack[ClientOptions]
) -> HttpCampaignAPI:
    """A client for ``api_url``; ``sandbox`` gets a fresh in-process fake (no token needed).

    ``token_hint`` is the name of the ``token_env`` variable, for messages. ``sleep`` and
    ``cancelled`` let the executor cut a backoff wait short on cancel. Raises ConfigError
    when a real API is asked for without a token.
    """
    transport: httpx.BaseTransport | None = None
    if api_url == SANDBOX:
        from reconciler.sandbox import SANDBOX_BASE_URL, Sandbox, sandbox_transport

        api_url, token = SANDBOX_BASE_URL, token or "sandbox"
        transport = sandbox_transport(Sandbox(create_path=create_path))
    elif not token:
        name = options.get("token_hint", DEFAULT_TOKEN_HINT)
        raise ConfigError(
            f"no ContactSwing token: {name} is not set or empty",
            hint="set it to the API token (a JWT) for this environment; it is never displayed",
        )
    return HttpCampaignAPI(api_url, create_path, token, transport=transport, **options)
