"""A canonical API body (E.164 numbers) shaped like the seed page, for API and sandbox tests."""

from __future__ import annotations

import copy
from typing import Any

TOKEN = "tok-SECRET-3f9a1c"  # distinctive, so a leak anywhere is found by a substring search

_BODY: dict[str, Any] = {
    "name": "Diwali VIP offer",
    "business_goal": "Re-engage VIP customers",
    "workspace_id": "ws-dev",
    "touchpoint": {
        "name": "diwali-vip-whatsapp",
        "type": "WHATSAPP",
        "status": "scheduled",
        "start_at": "2027-10-28T10:00:00+05:30",
        "assistant_id": 11,
        "additional_settings": {
            "execution_days": ["mon", "tue"],
            "start_hour": 10,
            "end_hour": 19,
            "delay": 2,
            "time_zone": "Asia/Kolkata",
            "from_numbers": ["+919800000001"],
        },
        "customer_details": [
            {"id": "c1", "to_number": "+447911123456"},
            {"id": "c2", "to_number": "+919812345678"},
        ],
        "whatsapp_data": {
            "template": "diwali_offer",
            "language_code": "en",
            "body_params": {"is_static": True, "params": [{"type": "text", "text": "20%"}]},
        },
    },
}


def valid_body(**overrides: Any) -> dict[str, Any]:
    """A fresh copy of a valid body; top-level keys may be overridden."""
    body = copy.deepcopy(_BODY)
    body.update(overrides)
    return body
