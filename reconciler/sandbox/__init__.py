"""A fake ContactSwing for demos and tests: in process (``api_url: sandbox``) or served."""

from reconciler.sandbox.core import ADMIN_PATH, CreatedCampaign, Sandbox, SandboxResponse
from reconciler.sandbox.faults import Fault, FaultInjector, RateLimit, parse_faults
from reconciler.sandbox.transport import SANDBOX_BASE_URL, sandbox_transport

__all__ = [
    "ADMIN_PATH",
    "SANDBOX_BASE_URL",
    "CreatedCampaign",
    "Fault",
    "FaultInjector",
    "RateLimit",
    "Sandbox",
    "SandboxResponse",
    "parse_faults",
    "sandbox_transport",
]
