"""A campaign body as reviewers read it, and the diff of a changed campaign (text, markdown)."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from typing import Any

from reconciler.masking import maybe_mask
from reconciler.plan import ActionKind, PlannedAction

BODY_LIMIT = 20_000  # a body shown longer than this lists only its first recipients
SHOWN_RECIPIENTS = 10
DIFF_LIMIT = 20_000


def pretty_body(body: Mapping[str, Any], show_sensitive: bool) -> str:
    """Indented JSON, masked; a huge body lists its first recipients only."""
    shown = maybe_mask(body, show_sensitive=show_sensitive)
    text = json.dumps(shown, indent=2, sort_keys=True, ensure_ascii=False)
    if len(text) <= BODY_LIMIT:
        return text
    touchpoint = shown.get("touchpoint")
    details = touchpoint.get("customer_details") if isinstance(touchpoint, dict) else None
    if isinstance(touchpoint, dict) and isinstance(details, list):
        hidden = len(details) - SHOWN_RECIPIENTS
        more = f"… {hidden:,} more not shown"
        touchpoint["customer_details"] = [*details[:SHOWN_RECIPIENTS], more]
        text = json.dumps(shown, indent=2, sort_keys=True, ensure_ascii=False)
    if len(text) > BODY_LIMIT:
        text = text[:BODY_LIMIT] + "\n… (truncated)"
    return text


def changed_diff(action: PlannedAction, show_sensitive: bool) -> str | None:
    """The unified diff of a changed campaign's created body and its spec's (None: no diff)."""
    if action.kind is not ActionKind.CHANGED or action.recorded is None or not action.desired:
        return None
    old = pretty_body(action.recorded.loaded_body(), show_sensitive)
    new = pretty_body(action.desired.body, show_sensitive)
    key = action.key
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), f"{key} (created)", f"{key} (spec)", lineterm=""
    )
    text = "\n".join(lines)
    if len(text) > DIFF_LIMIT:
        text = text[:DIFF_LIMIT] + "\n… (diff truncated)"
    return text
