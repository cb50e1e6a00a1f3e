"""A canonical API body (E.164 numbers) shaped like the seed page, for API and sandbox tests."""

from __future__ import annotations

import copy
from typing import Any

from tests.support.bodies import BODY_PARAMS, derive

TOKEN = "tok-SECRET-3f9a1c"  # distinctive, so a leak anywhere is found by a substring search

_BODY: dict[str, Any] = derive(
    drop=("type", "company_plan_id"),
    top={"business_goal": "Re-engage VIP customers"},
    settings={"execution_days": ["mon", "tue"]},
    touchpoint={
        "customer_details": [
            {"id": "c1", "to_number": "+447911123456"},
            {"id": "c2", "to_number": "+919812345678"},
        ]
    },
    whatsapp={"body_params": BODY_PARAMS},
)


def valid_body(**overrides: Any) -> dict[str, Any]:
    """A fresh copy of a valid body; top-level keys may be overridden."""
    body = copy.deepcopy(_BODY)
    body.update(overrides)
    return body
