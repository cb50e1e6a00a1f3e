"""The ContactSwing client's interface and the outcome of one create request.

The classification of PRODUCT.md section 6 lives in the client; the executor only
records what it is told. Nothing here carries the token.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol


class Outcome(StrEnum):
    CREATED = "created"  # 2xx with data.id: recorded, never sent again
    FAILED = "failed"  # the server created nothing: plans again as create
    IN_DOUBT = "in_doubt"  # nobody knows: never sent again until a person resolves it


@dataclass(frozen=True)
class CreateResult:
    """What one create request came to, after any safe retries.

    ``stop_run`` is set for answers that make every further request pointless or
    harmful (401/403 bad token, 404/405 wrong ``create_path``).
    """

    outcome: Outcome
    http_status: int | None = None
    campaign_id: str | None = None
    ctx_id: str | None = None
    message: str = ""
    stop_run: bool = False


class CampaignAPI(Protocol):
    """Creates campaigns. There is no way to list, read, change or delete them."""

    def create(
        self, body: Mapping[str, Any], *, idempotency_key: str, key: str = ""
    ) -> CreateResult:
        """Send one create; ``key`` is the campaign's key, for messages and logs."""
        ...

    def close(self) -> None: ...
