"""Build the client an environment needs: the real API, or the in-process sandbox."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from reconciler.api.client import DEFAULT_TOKEN_HINT, HttpCampaignAPI
from reconciler.api.defaults import DEFAULT_PHONE_FORMAT, DEFAULT_TIMEOUT, SANDBOX
from reconciler.errors import ConfigError


def needs_token(api_url: str) -> bool:
    """Whether sending to ``api_url`` needs a token (the in-process sandbox does not)."""
    return api_url != SANDBOX


def make_api(
    api_url: str,
    create_path: str,
    token: str | None,
    *,
    phone_format: str = DEFAULT_PHONE_FORMAT,
    token_hint: str = DEFAULT_TOKEN_HINT,
    timeout: float = DEFAULT_TIMEOUT,
    sleep: Callable[[float], object] = time.sleep,
    cancelled: Callable[[], bool] = lambda: False,
) -> HttpCampaignAPI:
    """A client for ``api_url``; ``sandbox`` gets a fresh in-process fake (no token needed).

    ``token_hint`` is the name of the ``token_env`` variable, for messages. ``sleep`` and
    ``cancelled`` let the executor cut a backoff wait short on cancel. Raises ConfigError
    when a real API is asked for without a token.
    """
    client = functools.partial(
        HttpCampaignAPI,
        phone_format=phone_format,
        token_hint=token_hint,
        timeout=timeout,
        sleep=sleep,
        cancelled=cancelled,
    )
    if api_url == SANDBOX:
        from reconciler.sandbox import SANDBOX_BASE_URL, Sandbox, sandbox_transport

        transport = sandbox_transport(Sandbox(create_path=create_path))
        return client(SANDBOX_BASE_URL, create_path, token or "sandbox", transport=transport)
    if not token:
        raise ConfigError(
            f"no ContactSwing token: {token_hint} is not set or empty",
            hint="set it to the API token (a JWT) for this environment; it is never displayed",
        )
    return client(api_url, create_path, token)
