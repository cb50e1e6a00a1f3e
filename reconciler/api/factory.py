"""Build the client an environment needs: the real API, or the in-process sandbox."""

from __future__ import annotations

from reconciler.api.client import DEFAULT_TIMEOUT, DEFAULT_TOKEN_HINT, HttpCampaignAPI
from reconciler.errors import ConfigError

SANDBOX = "sandbox"  # the api_url value meaning "the built-in fake, in process"


def needs_token(api_url: str) -> bool:
    """Whether sending to ``api_url`` needs a token (the in-process sandbox does not)."""
    return api_url != SANDBOX


def make_api(
    api_url: str,
    create_path: str,
    token: str | None,
    *,
    phone_format: str = "e164",
    token_hint: str = DEFAULT_TOKEN_HINT,
    timeout: float = DEFAULT_TIMEOUT,
) -> HttpCampaignAPI:
    """A client for ``api_url``; ``sandbox`` gets a fresh in-process fake (no token needed).

    Raises ConfigError when a real API is asked for without a token.
    """
    if api_url == SANDBOX:
        from reconciler.sandbox import SANDBOX_BASE_URL, Sandbox, sandbox_transport

        transport = sandbox_transport(Sandbox(create_path=create_path))
        return HttpCampaignAPI(
            SANDBOX_BASE_URL,
            create_path,
            token or "sandbox",
            phone_format=phone_format,
            token_hint=token_hint,
            timeout=timeout,
            transport=transport,
        )
    if not token:
        raise ConfigError(
            f"no ContactSwing token: {token_hint} is not set or empty",
            hint="set it to the API token (a JWT) for this environment; it is never displayed",
        )
    return HttpCampaignAPI(
        api_url,
        create_path,
        token,
        phone_format=phone_format,
        token_hint=token_hint,
        timeout=timeout,
    )
