"""The wire form of a body: phone_format applied, the canonical body untouched."""

from __future__ import annotations

import pytest

from reconciler.api.wire import to_wire
from tests.api.bodies import valid_body


def test_e164_sends_the_body_as_it_is() -> None:
    """``e164`` is the canonical body itself (a copy)."""
    body = valid_body()
    wire = to_wire(body, "e164")
    assert wire == body
    assert wire is not body


def test_digits_drops_the_plus_of_recipients_and_senders() -> None:
    """``digits`` strips the leading + from to_number and from_numbers, nothing else."""
    body = valid_body()
    wire = to_wire(body, "digits")
    tp = wire["touchpoint"]
    assert [c["to_number"] for c in tp["customer_details"]] == ["447911123456", "919812345678"]
    assert tp["additional_settings"]["from_numbers"] == ["919800000001"]
    assert tp["start_at"] == body["touchpoint"]["start_at"]
    assert body["touchpoint"]["customer_details"][0]["to_number"] == "+447911123456"


def test_unknown_phone_format_is_refused() -> None:
    """A phone format other than e164/digits is a programming error, not silently e164."""
    with pytest.raises(ValueError, match="phone_format"):
        to_wire(valid_body(), "national")


def test_digits_tolerates_a_body_without_touchpoint() -> None:
    """A body missing parts is passed through rather than crashing."""
    assert to_wire({"name": "x"}, "digits") == {"name": "x"}
