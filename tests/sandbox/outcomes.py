"""What each injected fault must come to for the client (PRODUCT.md section 6).

Shared by the in-process and the over-the-socket tests, which must agree.
"""

from __future__ import annotations

from reconciler.api.base import Outcome
from reconciler.sandbox import Fault

# (fault, the create's outcome, campaigns the sandbox holds afterwards)
FAULT_OUTCOMES = [
    (Fault.SERVER_ERROR, Outcome.IN_DOUBT, 0),
    (Fault.UNAVAILABLE, Outcome.IN_DOUBT, 0),
    (Fault.RATE_LIMITED, Outcome.FAILED, 0),
    (Fault.TIMEOUT, Outcome.IN_DOUBT, 1),
    (Fault.RESET, Outcome.IN_DOUBT, 1),
]
