"""The one valid campaign body the tests start from, and a way to vary it.

API, model and planner tests each need a body with a few values of their own (a
spec's key, other recipients, template parameters); they derive it from ``BASE`` with
``derive`` rather than keeping a copy of the whole shape.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

BASE: dict[str, Any] = {
    "name": "Diwali VIP offer",
    "type": "OUTBOUND",
    "company_plan_id": "plan-1",
    "workspace_id": "ws-dev",
    "business_goal": "Re-engage VIP customers before Diwali",
    "touchpoint": {
        "name": "diwali-vip-whatsapp",
        "type": "WHATSAPP",
        "status": "scheduled",
        "start_at": "2027-10-28T10:00:00+05:30",
        "assistant_id": 11,
        "additional_settings": {
            "execution_days": ["mon", "tue", "wed", "thu", "fri"],
            "start_hour": 10,
            "end_hour": 19,
            "delay": 2,
            "time_zone": "Asia/Kolkata",
            "from_numbers": ["+919800000001"],
        },
        "customer_details": [
            {"id": "c1", "to_number": "+919812345601"},
            {"id": "c2", "to_number": "+919812345602"},
        ],
        "whatsapp_data": {"template": "diwali_offer", "language_code": "en"},
    },
}

# Template parameters, as a spec with a placeholder in its template gives them.
BODY_PARAMS: dict[str, Any] = {"is_static": True, "params": [{"type": "text", "text": "20%"}]}


def derive(
    *,
    first: Mapping[str, Any] | None = None,
    top: Mapping[str, Any] | None = None,
    drop: Iterable[str] = (),
    touchpoint: Mapping[str, Any] | None = None,
    settings: Mapping[str, Any] | None = None,
    whatsapp: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A fresh copy of ``BASE``: ``first`` keys put before all others, top-level keys in
    ``drop`` removed, and ``top``, ``touchpoint``, ``additional_settings`` (``settings``)
    and ``whatsapp_data`` (``whatsapp``) keys replaced."""
    body = {**copy.deepcopy(dict(first or {})), **copy.deepcopy(BASE)}
    for key in drop:
        del body[key]
    body.update(copy.deepcopy(dict(top or {})))
    tp = body["touchpoint"]
    tp.update(copy.deepcopy(dict(touchpoint or {})))
    tp["additional_settings"].update(copy.deepcopy(dict(settings or {})))
    tp["whatsapp_data"].update(copy.deepcopy(dict(whatsapp or {})))
    return body
