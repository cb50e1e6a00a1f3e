"""The API defaults, once: for reconciler.yaml's settings, the client, the sandbox, the CLI."""

from __future__ import annotations

from reconciler.api.wire import PhoneFormat

DEFAULT_API_URL = "https://prod-contactswing-fastapi-962560522883.us-central1.run.app"
DEFAULT_CREATE_PATH = "/v2/campaign/create_with_touchpoint"
DEFAULT_TOKEN_ENV = "CONTACTSWING_TOKEN"  # noqa: S105 (a variable name, not a secret)
DEFAULT_TIMEOUT = 30.0  # seconds before a request counts as timed out (in doubt)
SANDBOX = "sandbox"  # the api_url value meaning "the built-in fake, in process"

DEFAULT_PHONE_FORMAT: PhoneFormat = "e164"
