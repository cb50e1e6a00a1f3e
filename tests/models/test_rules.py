"""Every rule of PRODUCT section 4: a good value passes, a bad one names path, message and hint."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.models import validate_spec
from tests.models.helpers import delete_path, errors_of, good, set_path

DELETE = object()
TP = "touchpoint"
AS = "touchpoint.additional_settings"
WA = "touchpoint.whatsapp_data"

# (where, value, field reported, words in the message, words in the hint)
BAD: list[tuple[str, Any, str, str, str]] = [
    # required keys of the seed page
    ("name", DELETE, "name", "required key 'name' is missing", "add name: to the campaign"),
    ("touchpoint", DELETE, "touchpoint", "required key 'touchpoint'", "add touchpoint:"),
    (f"{TP}.name", DELETE, "touchpoint.name", "missing", "add name: to touchpoint"),
    (f"{TP}.type", DELETE, "touchpoint.type", "missing", "add type:"),
    (f"{TP}.status", DELETE, "touchpoint.status", "missing", "add status:"),
    (f"{TP}.start_at", DELETE, "touchpoint.start_at", "missing", "add start_at:"),
    (f"{TP}.assistant_id", DELETE, "touchpoint.assistant_id", "missing", "add assistant_id:"),
    (f"{TP}.additional_settings", DELETE, "touchpoint.additional_settings", "missing", "add"),
    (f"{TP}.customer_details", DELETE, "touchpoint.customer_details", "missing", "add"),
    (f"{TP}.whatsapp_data", DELETE, "touchpoint.whatsapp_data", "missing", "add"),
    (f"{AS}.execution_days", DELETE, f"{AS}.execution_days", "missing", "add execution_days:"),
    (f"{AS}.start_hour", DELETE, f"{AS}.start_hour", "missing", "add start_hour:"),
    (f"{AS}.end_hour", DELETE, f"{AS}.end_hour", "missing", "add end_hour:"),
    (f"{AS}.delay", DELETE, f"{AS}.delay", "missing", "add delay:"),
    (f"{AS}.time_zone", DELETE, f"{AS}.time_zone", "missing", "add time_zone:"),
    (f"{AS}.from_numbers", DELETE, f"{AS}.from_numbers", "missing", "add from_numbers:"),
    (f"{TP}.customer_details.0.id", DELETE, f"{TP}.customer_details[0].id", "missing", "add id:"),
    (
        f"{TP}.customer_details.0.to_number",
        DELETE,
        f"{TP}.customer_details[0].to_number",
        "missing",
        "add to_number:",
    ),
    # unknown keys are errors, with a suggestion
    (
        f"{AS}.start_hours",
        3,
        f"{AS}.start_hours",
        "unknown key 'start_hours'",
        "did you mean start_hour?",
    ),
    ("nmae", "x", "nmae", "unknown key 'nmae'", "did you mean name?"),
    (f"{WA}.templat", "x", f"{WA}.templat", "unknown key", "did you mean template?"),
    (
        f"{WA}.body_params.is_statc",
        True,
        f"{WA}.body_params.is_statc",
        "unknown key",
        "did you mean is_static?",
    ),
    (
        f"{TP}.customer_details.1.phone",
        "+919800000099",
        f"{TP}.customer_details[1].phone",
        "unknown key 'phone'",
        "allowed keys here: id, to_number",
    ),
    ("zzz", 1, "zzz", "unknown key 'zzz'", "allowed keys here: name"),
    # strict types: no silent coercion
    (
        f"{TP}.assistant_id",
        "11",
        f"{TP}.assistant_id",
        "expected a whole number, got text",
        "remove the quotes",
    ),
    (f"{TP}.assistant_id", 11.0, f"{TP}.assistant_id", "expected a whole number", "whole"),
    (
        f"{TP}.assistant_id",
        True,
        f"{TP}.assistant_id",
        "expected a whole number, got a boolean",
        "number",
    ),
    (f"{TP}.assistant_id", 0, f"{TP}.assistant_id", "must be at least 1", "numeric ID"),
    (
        f"{TP}.is_consultants",
        "no",
        f"{TP}.is_consultants",
        "expected true or false, got text",
        "YAML 1.2",
    ),
    (f"{AS}.ignore_suppression", 1, f"{AS}.ignore_suppression", "expected true or false", "true"),
    ("workspace_id", 123, "workspace_id", "expected text, got a whole number", "quote"),
    ("name", "   ", "name", "must not be empty", "write some text"),
    (
        f"{TP}.additional_settings",
        [],
        f"{TP}.additional_settings",
        "expected a mapping",
        "key: value",
    ),
    (f"{AS}.from_numbers", "+919800000001", f"{AS}.from_numbers", "expected a list", "YAML list"),
    # touchpoint.type
    (f"{TP}.type", "whatsapp", f"{TP}.type", "must be WHATSAPP, got 'whatsapp'", "type: WHATSAPP"),
    (f"{TP}.type", "EMAIL", f"{TP}.type", "must be WHATSAPP", "WhatsApp touchpoints"),
    # execution days
    (f"{AS}.execution_days", [], f"{AS}.execution_days", "must not be empty", "at least one"),
    (
        f"{AS}.execution_days",
        ["mon", "Tue"],
        f"{AS}.execution_days[1]",
        "'Tue' is not a day",
        "did you mean tue?",
    ),
    (f"{AS}.execution_days", ["monday"], f"{AS}.execution_days[0]", "not a day", "mon"),
    (
        f"{AS}.execution_days",
        ["mon", "tue", "mon"],
        f"{AS}.execution_days[2]",
        "day 'mon' is listed twice (items 0 and 2)",
        "remove the duplicate",
    ),
    # hours
    (f"{AS}.start_hour", -1, f"{AS}.start_hour", "must be at least 0", "0..23"),
    (f"{AS}.start_hour", 24, f"{AS}.start_hour", "must be at most 23", "0..23"),
    (f"{AS}.end_hour", 25, f"{AS}.end_hour", "must be at most 24", "1..24"),
    (f"{AS}.start_hour", 9.5, f"{AS}.start_hour", "expected a whole number", "whole"),
    (
        f"{AS}.start_hour",
        19,
        f"{AS}.end_hour",
        "end_hour 19 is not after start_hour 19",
        "greater than start_hour",
    ),
    (f"{AS}.end_hour", 8, f"{AS}.end_hour", "end_hour 8 is not after start_hour 10", "greater"),
    # delay
    (f"{AS}.delay", -1, f"{AS}.delay", "must be at least 0 minutes", "minutes"),
    (f"{AS}.delay", "2", f"{AS}.delay", "expected a whole number", "quotes"),
    # time zone
    (
        f"{AS}.time_zone",
        "Asia/Kolkatta",
        f"{AS}.time_zone",
        "not an IANA time zone",
        "did you mean Asia/Kolkata?",
    ),
    (f"{AS}.time_zone", "IST", f"{AS}.time_zone", "'IST' is not an IANA time zone", "IANA"),
    (f"{AS}.time_zone", "../../etc/passwd", f"{AS}.time_zone", "not an IANA time zone", ""),
    # start_at
    (
        f"{TP}.start_at",
        "2027-10-28T10:00:00",
        f"{TP}.start_at",
        "has no UTC offset",
        "add the offset",
    ),
    (f"{TP}.start_at", "2027-10-28", f"{TP}.start_at", "has a date but no time", "offset"),
    (
        f"{TP}.start_at",
        "next monday",
        f"{TP}.start_at",
        "is not an ISO 8601 date and time",
        "2027-10-28T10:00:00+05:30",
    ),
    (f"{TP}.start_at", "2027-02-30T10:00:00Z", f"{TP}.start_at", "not an ISO 8601", "write it"),
    # sender numbers (shown as they are: the business's own)
    (f"{AS}.from_numbers", [], f"{AS}.from_numbers", "must not be empty", "at least one"),
    (
        f"{AS}.from_numbers",
        ["+91980000000"],
        f"{AS}.from_numbers[0]",
        "sender number '+91980000000' is not a valid number",
        "E.164",
    ),
    (
        f"{AS}.from_numbers",
        ["919800000001"],
        f"{AS}.from_numbers[0]",
        "does not start with '+'",
        "+919800000001",
    ),
    (
        f"{AS}.from_numbers",
        ["+919800000001", "+91 98000 00001"],
        f"{AS}.from_numbers[1]",
        "sender number '+919800000001' is listed twice (items 0 and 1)",
        "remove",
    ),
    (f"{AS}.from_numbers", [919800000001], f"{AS}.from_numbers[0]", "expected text", "quote"),
    # recipients
    (f"{TP}.customer_details", [], f"{TP}.customer_details", "has no recipients", "at least one"),
    (
        f"{TP}.customer_details",
        "vip.csv",
        f"{TP}.customer_details",
        "expected a list",
        "customer_details_csv",
    ),
    (
        f"{TP}.customer_details.1.id",
        "c1",
        f"{TP}.customer_details[1].id",
        "recipient id 'c1' is used twice (customer_details[0] and customer_details[1])",
        "unique",
    ),
    (f"{TP}.customer_details.1.id", 7, f"{TP}.customer_details[1].id", "expected text", "quote"),
    (f"{TP}.customer_details.1.id", "", f"{TP}.customer_details[1].id", "must not be empty", "id"),
    (
        f"{TP}.customer_details.1.to_number",
        "+91 98000-00011",
        f"{TP}.customer_details[1].to_number",
        "number +91********11 is messaged twice (customer_details[0] and customer_details[1])",
        "once",
    ),
    (
        f"{TP}.customer_details.1.to_number",
        "+4479111",
        f"{TP}.customer_details[1].to_number",
        "recipient number '+44***11'",
        "E.164",
    ),
    (
        f"{TP}.customer_details.1.to_number",
        447911123456,
        f"{TP}.customer_details[1].to_number",
        "expected text, got a whole number",
        "quote the number",
    ),
    (
        f"{TP}.customer_details.1.to_number",
        "+1 800 FLOWERS",
        f"{TP}.customer_details[1].to_number",
        "contains characters other than digits",
        "E.164",
    ),
    (
        f"{TP}.customer_details.1",
        "+447911123456",
        f"{TP}.customer_details[1]",
        "expected a recipient mapping, got text",
        "{id: …, to_number: …}",
    ),
    # whatsapp_data
    (f"{WA}.template", DELETE, WA, "neither a template nor a whatsapp_body", "whatsapp_body:"),
    (
        f"{WA}.template",
        "Diwali Offer",
        f"{WA}.template",
        "not a WhatsApp template name",
        "did you mean diwali_offer?",
    ),
    (f"{WA}.template", "a" * 513, f"{WA}.template", "longer than 512", "approved"),
    (
        f"{WA}.language_code",
        "en-US",
        f"{WA}.language_code",
        "not a WhatsApp language code",
        "did you mean en_US?",
    ),
    (
        f"{WA}.language_code",
        "english",
        f"{WA}.language_code",
        "not a WhatsApp language code",
        "such as en or en_US",
    ),
    (f"{WA}.whatsapp_body", "", f"{WA}.whatsapp_body", "must not be empty", "text"),
    # typed template parameters and variables
    (
        f"{WA}.body_params.params",
        [{"type": "text"}],
        f"{WA}.body_params.params[0].text",
        "a text parameter needs 'text'",
        "add text:",
    ),
    (
        f"{WA}.body_params.params",
        [{"type": "text", "text": 20}],
        f"{WA}.body_params.params[0].text",
        "expected text, got a whole number",
        "quote",
    ),
    (
        f"{WA}.body_params.params",
        [
            {
                "type": "currency",
                "currency": {"fallback_value": "₹1", "code": "inr", "amount_1000": 1000},
            }
        ],
        f"{WA}.body_params.params[0].currency.code",
        "3 upper-case letters",
        "ISO 4217",
    ),
    (
        f"{WA}.body_params.params",
        [
            {
                "type": "currency",
                "currency": {"fallback_value": "₹1", "code": "INR", "amount_1000": 1.5},
            }
        ],
        f"{WA}.body_params.params[0].currency.amount_1000",
        "expected a whole number",
        "times 1000",
    ),
    (
        f"{WA}.body_params.params",
        [{"type": "currency"}],
        f"{WA}.body_params.params[0].currency",
        "a currency parameter needs its 'currency' object",
        "amount_1000",
    ),
    (
        f"{WA}.body_params.params",
        [{"type": "image"}],
        f"{WA}.body_params.params[0].image",
        "an image parameter needs its 'image' object",
        "link",
    ),
    (
        f"{WA}.body_params.params",
        [{"type": "date_time", "date_time": {}}],
        f"{WA}.body_params.params[0].date_time.fallback_value",
        "needs 'fallback_value'",
        "add",
    ),
    (
        f"{WA}.header_params",
        {"params": [{"type": "image", "image": {"link": "ftp://x/a.png"}}]},
        f"{WA}.header_params.params[0].image.link",
        "not an http(s) URL",
        "https://",
    ),
    (
        f"{WA}.header_params",
        {"params": [{"type": "video", "video": "https://x/a.mp4"}]},
        f"{WA}.header_params.params[0].video",
        "expected a mapping, got text",
        "{link: https://…}",
    ),
    (
        f"{WA}.button_params",
        {"params": [{"type": "document", "document": {}}]},
        f"{WA}.button_params.params[0].document.link",
        "needs 'link'",
        "add link:",
    ),
    (
        f"{TP}.variables",
        [{"type": "text", "text": None}],
        f"{TP}.variables[0].text",
        "expected text, got null",
        "quote",
    ),
    (
        f"{WA}.body_params.params",
        ["20%"],
        f"{WA}.body_params.params[0]",
        "expected a mapping",
        "key: value",
    ),
    # attachment_url
    (
        f"{TP}.attachment_url",
        "www.example.com/a.pdf",
        f"{TP}.attachment_url",
        "is not an http(s) URL",
        "https://",
    ),
    (f"{TP}.attachment_url", "javascript:alert(1)", f"{TP}.attachment_url", "not an http(s)", ""),
    # spec-only keys
    ("key", " padded ", "key", "is not a usable key", "surrounding spaces"),
    ("previous_keys", ["a", "a"], "previous_keys[1]", "previous key 'a' is listed twice", "remove"),
    ("previous_keys", "a", "previous_keys", "expected a list", "YAML list"),
]


def _apply(doc: dict[str, Any], where: str, value: Any) -> dict[str, Any]:
    return delete_path(doc, where) if value is DELETE else set_path(doc, where, value)


@pytest.mark.parametrize(
    ("where", "value", "field", "message", "hint"),
    BAD,
    ids=[f"{w}={'<deleted>' if v is DELETE else str(v)[:30]}" for w, v, *_ in BAD],
)
def test_bad_value_is_reported_with_path_message_and_hint(
    where: str, value: Any, field: str, message: str, hint: str
) -> None:
    """A broken rule yields one error at the field, with the expected message and hint."""
    errors = errors_of(_apply_good(where, value))
    assert len(errors) == 1, [(e.field, e.message) for e in errors]
    [error] = errors
    assert error.field == field
    assert message in error.message
    assert hint in error.hint
    assert error.hint, "every problem carries a hint"


def _apply_good(where: str, value: Any) -> dict[str, Any]:
    return _apply(good(), where, value)


GOOD_VALUES: list[tuple[str, Any]] = [
    (f"{AS}.execution_days", ["sun"]),
    (f"{AS}.execution_days", ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
    (f"{AS}.start_hour", 0),
    (f"{AS}.end_hour", 24),
    (f"{AS}.delay", 0),
    (f"{AS}.time_zone", "UTC"),
    (f"{AS}.time_zone", "America/Argentina/Buenos_Aires"),
    (f"{AS}.ignore_suppression", False),
    (f"{TP}.start_at", "2027-10-28T04:30:00Z"),
    (f"{TP}.start_at", "2027-10-28T10:00+05:30"),
    (f"{TP}.is_consultants", True),
    (f"{TP}.attachment_url", "https://cdn.example.com/offer.pdf?v=2"),
    (f"{TP}.attachment_url", "http://example.com/a.png"),
    (f"{TP}.variables", [{"name": "discount", "value": "20%"}, {"type": "payload", "x": 1}]),
    (f"{AS}.from_numbers", ["+91 98000 00001", "+1 (201) 555-0123"]),
    (f"{TP}.customer_details", [{"id": "00123", "to_number": "+49 30 901820"}]),
    (f"{WA}.language_code", "en_US"),
    (f"{WA}.language_code", "fil"),
    (f"{WA}.template", "offer_2027"),
    (f"{WA}.whatsapp_body", "Hello {{1}}"),
    (
        f"{WA}.header_params",
        {
            "is_static": False,
            "params": [
                {"type": "image", "image": {"link": "https://x.example/a.png"}},
                {
                    "type": "currency",
                    "currency": {"fallback_value": "$1", "code": "USD", "amount_1000": 1000},
                },
                {"type": "date_time", "date_time": {"fallback_value": "October 28, 2027"}},
                {"type": "location", "anything": "goes"},
            ],
        },
    ),
    ("type", "None"),
    ("company_plan_id", "plan-1"),
    ("business_goal", None),
    ("previous_keys", []),
]


@pytest.mark.parametrize(("where", "value"), GOOD_VALUES, ids=[w for w, _ in GOOD_VALUES])
def test_good_value_passes(where: str, value: Any) -> None:
    """Values that honour the rules validate without any error."""
    assert errors_of(_apply_good(where, value)) == []


def test_body_instead_of_template_passes() -> None:
    """A plain whatsapp_body without a template is a valid message."""
    doc = good()
    doc["touchpoint"]["whatsapp_data"] = {"whatsapp_body": "Happy Diwali!"}
    assert errors_of(doc) == []


def test_template_without_language_is_a_warning_only() -> None:
    """A template with no language_code warns but the spec is valid."""
    doc = delete_path(good(), f"{WA}.language_code")
    spec, problems = validate_spec(doc)
    assert spec is not None
    [warning] = problems
    assert warning.severity == "warning"
    assert warning.field == f"{WA}.language_code"
    assert "en ≠ en_US" in warning.hint


def test_document_that_is_not_a_mapping_is_one_problem() -> None:
    """A list or scalar where a campaign belongs is reported at the document."""
    spec, problems = validate_spec(["name"])  # type: ignore[arg-type]
    assert spec is None
    assert [(p.path, p.message[:26]) for p in problems] == [((), "a campaign must be a mappi")]
