"""A fake ContactSwing: the create endpoint's contract, in memory, transport-free.

``Sandbox.handle(method, path, headers, body)`` answers one HTTP request the way the
documented API would: ``POST {create_path}`` with ``Authorization: Bearer <token>`` and a
JSON body of the documented shape gets ``201 {"ctx_id", "data": {"id", "name", "status"}}``.
It does NOT honour ``Idempotency-Key`` (ContactSwing does not document doing so): the
same request sent twice creates two campaigns, which is what tests must be able to see.

The in-process transport (``reconciler.sandbox.transport``) and the HTTP server
(``reconciler.sandbox.server``) both drive this class.
"""

from __future__ import annotations

import hmac
import json
import math
import os
import threading
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reconciler.api.defaults import DEFAULT_CREATE_PATH
from reconciler.sandbox.contract import validate_body
from reconciler.sandbox.faults import Fault, FaultInjector, RateLimit

ADMIN_PATH = "/_sandbox/campaigns"
STATS_PATH = "/_sandbox/stats"
JSON = {"content-type": "application/json"}


@dataclass(frozen=True)
class SandboxResponse:
    """An answer; ``lost`` (timeout or reset) means the transport must not deliver it."""

    status: int
    headers: dict[str, str]
    body: bytes
    lost: Fault | None = None

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True)
class CreatedCampaign:
    """One campaign the sandbox created, with the request that created it."""

    id: str
    name: str
    status: str
    ctx_id: str
    idempotency_key: str | None
    body: dict[str, Any]
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())


def _answer(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> SandboxResponse:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return SandboxResponse(status, {**JSON, **(headers or {})}, body)


def _error(status: int, detail: Any, extra: Mapping[str, str] | None = None) -> SandboxResponse:
    return _answer(status, {"detail": detail, "ctx_id": str(uuid.uuid4())}, extra)


class Sandbox:
    """The fake API's state and rules; thread-safe.

    ``token``: when given, the bearer token must equal it; otherwise any non-empty bearer
    token is accepted. ``faults`` injects failures into create requests. ``state_file``
    keeps the created campaigns across restarts (JSON, private to its owner).
    ``rate_limit`` answers 429 (with Retry-After) to creates above its rate. Every answer
    to a non-admin request is counted by status (``stats``, ``GET /_sandbox/stats``).
    """

    def __init__(
        self,
        *,
        create_path: str = DEFAULT_CREATE_PATH,
        token: str | None = None,
        faults: FaultInjector | None = None,
        state_file: Path | None = None,
        retry_after: int = 1,
        rate_limit: RateLimit | None = None,
    ) -> None:
        self.create_path = "/" + create_path.lstrip("/")
        self._token = token
        self._faults = faults
        self._state_file = state_file
        self._retry_after = retry_after
        self.rate_limit = rate_limit
        self._lock = threading.Lock()
        self._answered: Counter[str] = Counter()
        self._deciding = 0
        self._campaigns: list[CreatedCampaign] = self._load()

    def campaigns(self) -> list[CreatedCampaign]:
        """Every campaign created so far, oldest first."""
        with self._lock:
            return list(self._campaigns)

    def clear(self) -> int:
        """Forget every campaign; returns how many there were."""
        with self._lock:
            count = len(self._campaigns)
            self._campaigns.clear()
            self._save()
        return count

    @contextmanager
    def deciding(self, path: str) -> Iterator[None]:
        """Count a request (not an admin one) as undecided while the block runs.

        The listing shows the count: a person resolving in-doubt keys from it must know
        that no request of a killed apply can still create a campaign.
        """
        counted = path.split("?", 1)[0] not in (ADMIN_PATH, STATS_PATH)
        with self._lock:
            self._deciding += counted
        try:
            yield
        finally:
            with self._lock:
                self._deciding -= counted

    def stats(self) -> dict[str, object]:
        """How many requests (admin ones aside) were answered, in all and by status."""
        with self._lock:
            by_status = dict(sorted(self._answered.items()))
        return {"requests": sum(by_status.values()), "by_status": by_status}

    def handle(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> SandboxResponse:
        method = method.upper()
        path = path.split("?", 1)[0]
        if path == ADMIN_PATH:
            return self._admin(method)
        if path == STATS_PATH:
            return _answer(200, self.stats())
        answer = self._api(method, path, {k.lower(): v for k, v in headers.items()}, body)
        with self._lock:
            self._answered[answer.lost.value if answer.lost else str(answer.status)] += 1
        return answer

    def _api(
        self, method: str, path: str, lowered: Mapping[str, str], body: bytes
    ) -> SandboxResponse:
        if path != self.create_path:
            return _error(404, "Not Found")
        if method != "POST":
            return _error(405, "Method Not Allowed", {"allow": "POST"})
        wait = self.rate_limit.admit() if self.rate_limit else None
        if wait is not None:  # Retry-After is whole seconds: never 0, never early
            return _error(429, "Too Many Requests", {"retry-after": str(max(1, math.ceil(wait)))})
        fault = self._faults.draw() if self._faults else None
        if fault is not None and not fault.creates:
            return self._refuse(fault)
        response = self._create(lowered, body)
        return SandboxResponse(response.status, response.headers, response.body, fault)

    def _refuse(self, fault: Fault) -> SandboxResponse:
        if fault is Fault.RATE_LIMITED:
            return _error(429, "Too Many Requests", {"retry-after": str(self._retry_after)})
        if fault is Fault.UNAVAILABLE:
            return SandboxResponse(503, {"content-type": "text/plain"}, b"Service Unavailable")
        return _error(500, "Internal Server Error")

    def _admin(self, method: str) -> SandboxResponse:
        if method == "GET":
            with self._lock:
                listed, deciding = [asdict(c) for c in self._campaigns], self._deciding
            return _answer(200, {"campaigns": listed, "deciding": deciding})
        if method == "DELETE":
            return _answer(200, {"deleted": self.clear()})
        return _error(405, "Method Not Allowed", {"allow": "GET, DELETE"})

    def _authorized(self, headers: Mapping[str, str]) -> SandboxResponse | None:
        scheme, _, given = headers.get("authorization", "").partition(" ")
        given = given.strip()
        if scheme.lower() != "bearer" or not given:
            return _error(401, "Not authenticated", {"www-authenticate": "Bearer"})
        if self._token is not None and not hmac.compare_digest(given, self._token):
            return _error(401, "Invalid or expired token", {"www-authenticate": "Bearer"})
        return None

    def _create(self, headers: Mapping[str, str], raw: bytes) -> SandboxResponse:
        refused = self._authorized(headers)
        if refused is not None:
            return refused
        if not headers.get("content-type", "").lower().startswith("application/json"):
            return _error(400, "Content-Type must be application/json")
        try:
            payload = json.loads(raw)
        except ValueError as exc:
            return _error(
                400, [{"loc": ["body"], "msg": f"JSON decode error: {exc}", "type": "json_invalid"}]
            )
        problems = validate_body(payload)
        if problems:
            return _error(400, problems)
        campaign = CreatedCampaign(
            id=str(uuid.uuid4()),
            name=payload["name"],
            status=str(payload["touchpoint"].get("status") or "scheduled"),
            ctx_id=str(uuid.uuid4()),
            idempotency_key=headers.get("idempotency-key"),
            body=payload,
        )
        with self._lock:
            self._campaigns.append(campaign)
            self._save()
        data = {"id": campaign.id, "name": campaign.name, "status": campaign.status}
        return _answer(201, {"ctx_id": campaign.ctx_id, "data": data})

    def _load(self) -> list[CreatedCampaign]:
        if self._state_file is None or not self._state_file.exists():
            return []
        stored = json.loads(self._state_file.read_text(encoding="utf-8"))
        return [CreatedCampaign(**item) for item in stored.get("campaigns", [])]

    def _save(self) -> None:
        """Write the state file atomically (caller holds the lock); 0600: it holds numbers."""
        if self._state_file is None:
            return
        tmp = self._state_file.with_name(self._state_file.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"campaigns": [asdict(c) for c in self._campaigns]}, handle, indent=1)
        tmp.replace(self._state_file)
