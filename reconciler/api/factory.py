"""Build the client an environment needs (the real API, or the in-process sandbox) and its token."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TypedDict, Unpack

import httpx

from reconciler.api.client import DEFAULT_TOKEN_HINT, HttpCampaignAPI
from reconciler.api.defaults import DEFAULT_TIMEOUT, SANDBOX
from reconciler.errors import ConfigError

if TYPE_CHECKING:
    from reconciler.config import Environment


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


_BEARER = re.compile(r"\Abearer(?:\s+|\Z)", re.IGNORECASE)


def read_token(token_env: str, environ: Mapping[str, str]) -> str:
    """The token from ``environ``'s variable ``token_env``; messages name only the variable.

    Surrounding white space (a newline from ``$(cat token-file)``) and a ``Bearer `` prefix
    are dropped. Anything else that cannot travel in an HTTP header is refused here,
    before a request is built: an HTTP library's error would quote the header, token
    and all.
    """
    raw = environ.get(token_env, "").strip()
    # "Bearer" alone (or followed by blanks only) is a prefix with no token after it:
    # sending it would put "Bearer Bearer" in the header.
    token = _BEARER.sub("", raw, count=1).strip()
    if not token:
        said = "is not set" if not raw else "holds only a 'Bearer' prefix, no token"
        raise ConfigError(
            f"no ContactSwing token: the environment variable {token_env} {said}",
            hint=f"export {token_env}=<token> (or set token_env for this environment)",
        )
    if not all(33 <= ord(ch) <= 126 for ch in token):
        raise ConfigError(
            f"the token in {token_env} contains spaces, control or non-ASCII characters",
            hint=f"set {token_env} to the token alone, as ContactSwing issued it",
        )
    return token


def open_api(
    env: Environment,
    *,
    cancel: threading.Event,
    environ: Mapping[str, str],
    phone_format: str | None = None,
) -> HttpCampaignAPI:
    """The client for ``env``: the in-process sandbox (no token), or ContactSwing.

    The token is read here, and only here: when a command is about to send requests.
    ``cancel`` reaches the client so that no retry starts after SIGTERM or Ctrl-C, and a
    backoff wait ends at once.
    """
    token = read_token(env.token_env, environ) if needs_token(env.api_url) else None
    return make_api(
        env.api_url,
        env.create_path,
        token,
        phone_format=phone_format or env.phone_format,
        token_hint=env.token_env,
        timeout=_api_timeout(environ),
        sleep=cancel.wait,
        cancelled=cancel.is_set,
    )


def _api_timeout(environ: Mapping[str, str]) -> float:
    """Seconds before a request counts as timed out (in doubt): RECONCILER_API_TIMEOUT."""
    raw = environ.get("RECONCILER_API_TIMEOUT", "")
    try:
        value = float(raw) if raw else DEFAULT_TIMEOUT
    except ValueError:
        raise ConfigError(
            f"RECONCILER_API_TIMEOUT must be a number of seconds, not {raw!r}"
        ) from None
    if value <= 0:
        raise ConfigError("RECONCILER_API_TIMEOUT must be positive")
    return value
