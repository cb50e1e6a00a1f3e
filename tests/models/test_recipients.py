"""Recipients: every problem of a recipient list is reported in one run."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.models.recipients import check_recipients
from tests.models.helpers import errors_of, good, set_path

DETAILS = "touchpoint.customer_details"


def _errors(details: list[Any]) -> dict[str, str]:
    """Field -> message of every error of a good spec with these recipients."""
    return {p.field: p.message for p in errors_of(set_path(good(), DETAILS, details))}


def test_duplicate_id_is_reported_with_a_bad_number() -> None:
    """A bad number does not hide a duplicate id until the next run."""
    errors = _errors([{"id": "a", "to_number": "+12"}, {"id": "a", "to_number": "+447911123999"}])
    assert set(errors) == {f"{DETAILS}[0].to_number", f"{DETAILS}[1].id"}
    assert "recipient id 'a' is used twice" in errors[f"{DETAILS}[1].id"]


def test_duplicate_id_after_the_bad_number_is_reported() -> None:
    """The later item with the bad number still has its duplicate id reported."""
    errors = _errors([{"id": "a", "to_number": "+447911123999"}, {"id": "a", "to_number": "+12"}])
    assert set(errors) == {f"{DETAILS}[1].to_number", f"{DETAILS}[1].id"}


def test_duplicate_number_among_valid_ones_is_reported_beside_a_bad_number() -> None:
    """A bad number in between does not stop two valid equal numbers being reported."""
    errors = _errors(
        [
            {"id": "a", "to_number": "+447911123999"},
            {"id": "b", "to_number": "+12"},
            {"id": "c", "to_number": "+44 7911 123999"},
        ]
    )
    assert set(errors) == {f"{DETAILS}[1].to_number", f"{DETAILS}[2].to_number"}
    assert (
        "messaged twice (customer_details[0] and customer_details[2])"
        in errors[f"{DETAILS}[2].to_number"]
    )


@pytest.mark.parametrize(
    "second",
    [
        {"id": "a", "to_number": "+447911123998", "name": "x"},
        {"id": "a"},
    ],
)
def test_duplicate_id_of_a_malformed_item_is_reported(second: dict[str, Any]) -> None:
    """An item with a shape problem still takes part in the id check."""
    errors = _errors([{"id": "a", "to_number": "+447911123999"}, second])
    assert "recipient id 'a' is used twice" in errors[f"{DETAILS}[1].id"]


def test_recipients_come_out_normalised_and_the_input_is_left_as_it_was() -> None:
    """A canonical item is kept as it is; any other gets its E.164 number; none is changed."""
    details = [
        {"id": "a", "to_number": "+919812345601"},  # canonical already
        {"id": "b", "to_number": "+91 98123 45602"},  # spaces
        {"to_number": "+919812345603", "id": "c"},  # other key order, canonical
    ]
    before = [dict(d) for d in details]
    recipients, problems = check_recipients(details, ("touchpoint", "customer_details"))
    assert problems == []
    assert recipients == [
        {"id": "a", "to_number": "+919812345601"},
        {"id": "b", "to_number": "+919812345602"},
        {"id": "c", "to_number": "+919812345603"},
    ]
    assert details == before
