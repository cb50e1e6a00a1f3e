"""The client an apply sends with: the token and the timeout read from the environment.

The token is read here only, and only when a command is about to send requests.
"""

from __future__ import annotations

import os
import re
import threading

from reconciler.api.client import HttpCampaignAPI
from reconciler.api.defaults import DEFAULT_TIMEOUT
from reconciler.api.factory import make_api, needs_token
from reconciler.config import Environment
from reconciler.errors import ConfigError

_BEARER = re.compile(r"\Abearer(?:\s+|\Z)", re.IGNORECASE)


def read_token(token_env: str) -> str:
    """The token from the variable named by ``token_env``; messages name only the variable.

    Surrounding white space (a newline from ``$(cat token-file)``) and a ``Bearer `` prefix
    are dropped. Anything else that cannot travel in an HTTP header is refused here,
    before a request is built: an HTTP library's error would quote the header, token
    and all.
    """
    raw = os.environ.get(token_env, "").strip()
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
    env: Environment, *, cancel: threading.Event, phone_format: str | None = None
) -> HttpCampaignAPI:
    """The client for ``env``: the in-process sandbox (no token), or ContactSwing.

    The token is read here, and only here: when a command is about to send requests.
    ``cancel`` reaches the client so that no retry starts after SIGTERM or Ctrl-C, and a
    backoff wait ends at once.
    """
    token = read_token(env.token_env) if needs_token(env.api_url) else None
    return make_api(
        env.api_url,
        env.create_path,
        token,
        phone_format=phone_format or env.phone_format,
        token_hint=env.token_env,
        timeout=_api_timeout(),
        sleep=cancel.wait,
        cancelled=cancel.is_set,
    )


def _api_timeout() -> float:
    """Seconds before a request counts as timed out (in doubt): RECONCILER_API_TIMEOUT."""
    raw = os.environ.get("RECONCILER_API_TIMEOUT", "")
    try:
        value = float(raw) if raw else DEFAULT_TIMEOUT
    except ValueError:
        raise ConfigError(
            f"RECONCILER_API_TIMEOUT must be a number of seconds, not {raw!r}"
        ) from None
    if value <= 0:
        raise ConfigError("RECONCILER_API_TIMEOUT must be positive")
    return value
