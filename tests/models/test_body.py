"""validate_spec as a whole: every problem at once, masking, the canonical API body."""

from __future__ import annotations

from datetime import UTC, datetime

from reconciler.campaign import fingerprint
from reconciler.models import SPEC_ONLY_KEYS, api_body, validate_spec
from reconciler.models.fields import parse_start_at
from tests.models.helpers import delete_path, errors_of, good, set_path


def test_every_problem_is_reported_in_one_run() -> None:
    """Problems in recipients, parameters, settings and top-level keys all come back together."""
    doc = good()
    set_path(doc, "touchpoint.additional_settings.start_hours", 3)
    set_path(doc, "touchpoint.assistant_id", "11")
    set_path(doc, "touchpoint.customer_details.1.to_number", "+91 98000 00011")
    set_path(doc, "touchpoint.whatsapp_data.body_params.params.0.text", 20)
    set_path(doc, "touchpoint.additional_settings.time_zone", "Asia/Kolkatta")
    delete_path(doc, "name")
    fields = sorted(p.field for p in errors_of(doc))
    assert fields == sorted(
        [
            "name",
            "touchpoint.additional_settings.start_hours",
            "touchpoint.additional_settings.time_zone",
            "touchpoint.assistant_id",
            "touchpoint.customer_details[1].to_number",
            "touchpoint.whatsapp_data.body_params.params[0].text",
        ]
    )


def test_every_bad_recipient_is_reported_not_just_the_first() -> None:
    """Three bad rows give three problems, each at its own index."""
    doc = good()
    doc["touchpoint"]["customer_details"] = [
        {"id": f"c{i}", "to_number": "+9112"} for i in range(3)
    ] + [{"id": "ok", "to_number": "+919800000099"}]
    assert [p.path[2] for p in errors_of(doc)] == [0, 1, 2]


def test_recipient_numbers_never_appear_unmasked_in_problems() -> None:
    """Messages about recipients mask their numbers; the raw digits are nowhere."""
    doc = good()
    doc["touchpoint"]["customer_details"] = [
        {"id": "a", "to_number": "+919812345678"},
        {"id": "b", "to_number": "+91 98123 45678"},
        {"id": "c", "to_number": "+9198123"},
        {"id": "d", "to_number": "919812345670", "extra": 1},
    ]
    problems = errors_of(doc)
    assert len(problems) == 4
    text = " ".join(p.message + p.hint for p in problems)
    for digits in ("9812345678", "98123 45678", "9198123", "919812345670"):
        assert digits not in text


def test_sender_numbers_are_shown_as_written() -> None:
    """A bad sender number is the business's own and is shown unmasked."""
    doc = set_path(good(), "touchpoint.additional_settings.from_numbers", ["+9198000"])
    [problem] = errors_of(doc)
    assert "'+9198000'" in problem.message


def test_canonical_body_has_no_spec_only_keys_and_e164_numbers() -> None:
    """api_body drops key/previous_keys and writes every number in E.164."""
    doc = good()
    set_path(doc, "touchpoint.additional_settings.from_numbers", ["+91 98000-00001"])
    set_path(doc, "touchpoint.customer_details.1.to_number", "+44 (7911) 123 456")
    spec, problems = validate_spec(doc)
    assert spec is not None and problems == []
    body = api_body(spec)
    assert not set(SPEC_ONLY_KEYS) & set(body)
    assert body["touchpoint"]["additional_settings"]["from_numbers"] == ["+919800000001"]
    assert [r["to_number"] for r in body["touchpoint"]["customer_details"]] == [
        "+919800000011",
        "+447911123456",
    ]
    assert spec.key == "diwali-2027-vip" and spec.previous_keys == ["diwali-vip"]


def test_canonical_body_keeps_what_was_written_and_omits_what_was_not() -> None:
    """Unset and null optional fields are omitted; set values, even false, are kept."""
    doc = good()
    set_path(doc, "business_goal", None)
    set_path(doc, "touchpoint.is_consultants", False)
    spec, _ = validate_spec(doc)
    assert spec is not None
    body = api_body(spec)
    assert "business_goal" not in body and "company_plan_id" not in body
    assert body["touchpoint"]["is_consultants"] is False
    assert "ignore_suppression" not in body["touchpoint"]["additional_settings"]
    assert body["workspace_id"] == "00123"
    assert body["touchpoint"]["whatsapp_data"]["body_params"] == {
        "is_static": True,
        "params": [{"type": "text", "text": "20%"}],
    }


def test_spacing_of_numbers_does_not_change_the_fingerprint() -> None:
    """Two ways of writing the same numbers give the same canonical body."""
    plain, spaced = good(), good()
    set_path(spaced, "touchpoint.customer_details.0.to_number", "+91 98000 00011")
    set_path(spaced, "touchpoint.additional_settings.from_numbers", ["+91-98000-00001"])
    bodies = [api_body(validate_spec(d)[0]) for d in (plain, spaced)]  # type: ignore[arg-type]
    assert fingerprint(bodies[0]) == fingerprint(bodies[1])


def test_key_order_of_the_input_does_not_change_the_body() -> None:
    """The body follows the model's field order, whatever order the spec used."""
    doc = good()
    reordered = dict(reversed(list(doc.items())))
    bodies = [api_body(validate_spec(d)[0]) for d in (doc, reordered)]  # type: ignore[arg-type]
    assert list(bodies[0]) == list(bodies[1])


def test_validation_does_not_modify_its_input() -> None:
    """The caller's document is left as it was (the loader keeps it for line lookups)."""
    doc = set_path(good(), "touchpoint.customer_details.0.to_number", "+91 98000 00011")
    before = repr(doc)
    validate_spec(doc)
    assert repr(doc) == before


def test_start_at_of_the_api_body_is_the_instant_written() -> None:
    """The API body keeps ``start_at`` as written: it parses to the instant written."""
    spec, _ = validate_spec(good())
    assert spec is not None
    moment = parse_start_at(api_body(spec)["touchpoint"]["start_at"])
    assert moment == datetime(2027, 10, 28, 4, 30, tzinfo=UTC)


def test_large_audience_validates_and_keeps_every_recipient() -> None:
    """20,000 recipients come back normalised, in order, none lost."""
    doc = good()
    doc["touchpoint"]["customer_details"] = [
        {"id": f"c{i}", "to_number": f"+91 98{i:08d}"} for i in range(1, 20_001)
    ]
    spec, problems = validate_spec(doc)
    assert spec is not None and problems == []
    details = api_body(spec)["touchpoint"]["customer_details"]
    assert len(details) == 20_000
    assert details[-1] == {"id": "c20000", "to_number": "+919800020000"}
