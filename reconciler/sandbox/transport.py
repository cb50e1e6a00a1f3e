"""The sandbox as an httpx transport, for ``api_url: sandbox`` (no server, no token)."""

from __future__ import annotations

import httpx

from reconciler.sandbox.core import Sandbox
from reconciler.sandbox.faults import Fault

SANDBOX_BASE_URL = "http://sandbox.invalid"  # never resolved: the transport answers


def sandbox_transport(sandbox: Sandbox | None = None) -> httpx.MockTransport:
    """An httpx transport answered by ``sandbox`` (a fresh one if None), in process.

    Faults that lose the answer surface as the exceptions a real network would raise:
    ``timeout`` as ``httpx.ReadTimeout``, ``reset`` as ``httpx.RemoteProtocolError``,
    both after the campaign was created.
    """
    target = sandbox if sandbox is not None else Sandbox()

    def handler(request: httpx.Request) -> httpx.Response:
        answer = target.handle(
            request.method, request.url.raw_path.decode("ascii"), request.headers, request.read()
        )
        if answer.lost is Fault.TIMEOUT:
            raise httpx.ReadTimeout("sandbox: injected read timeout", request=request)
        if answer.lost is Fault.RESET:
            raise httpx.RemoteProtocolError("sandbox: injected connection reset", request=request)
        return httpx.Response(answer.status, headers=answer.headers, content=answer.body)

    return httpx.MockTransport(handler)
