"""The sandbox's contract and memory, driven through ``Sandbox.handle`` directly."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from reconciler.api.wire import to_wire
from reconciler.sandbox import (
    ADMIN_PATH,
    Fault,
    FaultInjector,
    RateLimit,
    Sandbox,
    SandboxResponse,
    parse_faults,
)
from reconciler.sandbox.contract import validate_body
from reconciler.sandbox.core import STATS_PATH
from tests.api.bodies import valid_body

PATH = "/v2/campaign/create_with_touchpoint"
AUTH = {"Authorization": "Bearer any-token", "Content-Type": "application/json"}


def post(
    sb: Sandbox, body: Any, headers: dict[str, str] | None = None, path: str = PATH
) -> SandboxResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return sb.handle("POST", path, AUTH if headers is None else headers, raw)


def test_valid_create_answers_201_and_remembers_the_request() -> None:
    """A valid request gets 201 with ctx_id and data{id,name,status}, and is listed."""
    sb = Sandbox()
    answer = post(sb, valid_body(), {**AUTH, "Idempotency-Key": "idem-7"})
    assert answer.status == 201
    payload = answer.json()
    assert set(payload) == {"ctx_id", "data"}
    assert payload["data"]["name"] == "Diwali VIP offer"
    assert payload["data"]["status"] == "scheduled"
    (campaign,) = sb.campaigns()
    assert campaign.id == payload["data"]["id"]
    assert campaign.ctx_id == payload["ctx_id"]
    assert campaign.idempotency_key == "idem-7"
    assert campaign.body == valid_body()


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/json"},
        {**AUTH, "Authorization": "Bearer "},
        {**AUTH, "Authorization": "Basic dXNlcjpwYXNz"},
        {**AUTH, "Authorization": "any-token"},
    ],
)
def test_missing_or_malformed_bearer_is_401(headers: dict[str, str]) -> None:
    """Without a non-empty bearer token the answer is 401 and nothing is created."""
    sb = Sandbox()
    answer = post(sb, valid_body(), headers)
    assert answer.status == 401
    assert answer.json()["detail"]
    assert sb.campaigns() == []


def test_configured_token_must_match() -> None:
    """A sandbox given a token refuses others and accepts it."""
    sb = Sandbox(token="right-token-123")
    assert post(sb, valid_body(), {**AUTH, "Authorization": "Bearer wrong"}).status == 401
    assert post(sb, valid_body(), {**AUTH, "Authorization": "Bearer right-token-123"}).status == 201


def test_header_names_are_case_insensitive() -> None:
    """Lower-case header names (as httpx and proxies send them) work."""
    sb = Sandbox()
    headers = {"authorization": "Bearer t", "content-type": "application/json; charset=utf-8"}
    assert post(sb, valid_body(), headers).status == 201


def test_invalid_body_is_400_with_fastapi_like_detail() -> None:
    """Missing, mistyped and unknown fields each appear in detail with their loc."""
    sb = Sandbox()
    body = valid_body(key="spec-only-key")
    del body["touchpoint"]["start_at"]
    body["touchpoint"]["assistant_id"] = "11"
    body["touchpoint"]["customer_details"][1]["to_number"] = 447911123456
    answer = post(sb, body)
    assert answer.status == 400
    detail = {tuple(e["loc"]): e["type"] for e in answer.json()["detail"]}
    assert detail == {
        ("body", "key"): "extra_forbidden",
        ("body", "touchpoint", "start_at"): "missing",
        ("body", "touchpoint", "assistant_id"): "int_type",
        ("body", "touchpoint", "customer_details", 1, "to_number"): "str_type",
    }
    assert sb.campaigns() == []


def test_not_json_is_400() -> None:
    """A body that is not JSON, or not declared as JSON, is refused."""
    sb = Sandbox()
    assert post(sb, b"{not json").status == 400
    assert post(sb, valid_body(), {**AUTH, "Content-Type": "text/plain"}).status == 400
    assert post(sb, [1, 2]).status == 400


def test_booleans_are_not_integers() -> None:
    """``true`` for an integer field is a type error, as in pydantic's strict ints."""
    body = valid_body()
    body["touchpoint"]["additional_settings"]["start_hour"] = True
    assert validate_body(body)[0]["type"] == "int_type"


def test_the_seed_body_and_its_digits_form_fit_the_contract() -> None:
    """The canonical body and its phone_format=digits wire form are both valid."""
    assert validate_body(valid_body()) == []
    assert validate_body(to_wire(valid_body(), "digits")) == []


def test_other_paths_are_404_and_other_methods_405() -> None:
    """Only POST on the create path creates; other paths 404, other methods 405."""
    sb = Sandbox()
    assert post(sb, valid_body(), path="/v2/_campaign/create_with_touchpoint").status == 404
    assert sb.handle("GET", PATH, AUTH, b"").status == 405
    assert sb.campaigns() == []


def test_create_path_is_configurable() -> None:
    """With another create_path the default one is a 404 (as a wrong setting would be)."""
    sb = Sandbox(create_path="/v2/_campaign/create_with_touchpoint")
    assert post(sb, valid_body()).status == 404
    assert post(sb, valid_body(), path="/v2/_campaign/create_with_touchpoint?x=1").status == 201


def test_idempotency_key_is_not_honoured() -> None:
    """Like ContactSwing (undocumented), the same request twice creates two campaigns."""
    sb = Sandbox()
    headers = {**AUTH, "Idempotency-Key": "same"}
    first, second = post(sb, valid_body(), headers), post(sb, valid_body(), headers)
    assert first.json()["data"]["id"] != second.json()["data"]["id"]
    assert len(sb.campaigns()) == 2


def test_admin_lists_and_clears() -> None:
    """GET /_sandbox/campaigns lists id, name, key and body; DELETE clears."""
    sb = Sandbox()
    post(sb, valid_body(), {**AUTH, "Idempotency-Key": "k1"})
    listed = sb.handle("GET", ADMIN_PATH, {}, b"").json()["campaigns"]
    assert [(c["name"], c["idempotency_key"]) for c in listed] == [("Diwali VIP offer", "k1")]
    assert listed[0]["body"] == valid_body()
    assert sb.handle("DELETE", ADMIN_PATH, {}, b"").json() == {"deleted": 1}
    assert sb.campaigns() == []


def test_state_file_survives_a_restart_and_is_private(tmp_path: Path) -> None:
    """Campaigns written to --state-file are there after a restart; the file is 0600."""
    path = tmp_path / "sandbox.json"
    post(Sandbox(state_file=path), valid_body())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = Sandbox(state_file=path)
    assert [c.name for c in again.campaigns()] == ["Diwali VIP offer"]


@pytest.mark.parametrize("fault", [Fault.SERVER_ERROR, Fault.UNAVAILABLE, Fault.RATE_LIMITED])
def test_refusing_faults_create_nothing(fault: Fault) -> None:
    """500, 503 and 429 faults answer with their status and create nothing."""
    sb = Sandbox(faults=FaultInjector(1.0, [fault]), retry_after=3)
    answer = post(sb, valid_body())
    assert answer.status == int(fault.value)
    assert answer.lost is None
    assert sb.campaigns() == []
    if fault is Fault.RATE_LIMITED:
        assert answer.headers["retry-after"] == "3"


@pytest.mark.parametrize("fault", [Fault.TIMEOUT, Fault.RESET])
def test_answer_losing_faults_create_then_lose_the_answer(fault: Fault) -> None:
    """Timeout and reset faults create the campaign and tell the transport to lose the answer."""
    sb = Sandbox(faults=FaultInjector(1.0, [fault]))
    answer = post(sb, valid_body())
    assert answer.status == 201
    assert answer.lost is fault
    assert len(sb.campaigns()) == 1


def test_fault_draws_are_deterministic_for_a_seed() -> None:
    """The same seed gives the same sequence of faults; rate 0 gives none."""

    def draws(seed: int) -> list[Fault | None]:
        injector = FaultInjector(0.5, list(Fault), seed=seed)
        return [injector.draw() for _ in range(50)]

    assert draws(7) == draws(7)
    assert draws(7) != draws(8)
    assert {d for d in draws(7) if d} == set(Fault)
    assert all(FaultInjector(0.0).draw() is None for _ in range(20))


def test_parse_faults() -> None:
    """Fault lists parse, deduplicate, and unknown names are refused by name."""
    assert parse_faults("500, timeout,500") == (Fault.SERVER_ERROR, Fault.TIMEOUT)
    with pytest.raises(ValueError, match="'502'"):
        parse_faults("502")
    with pytest.raises(ValueError, match="no fault"):
        parse_faults(" , ")


class _Clock:
    now = 50.0

    def __call__(self) -> float:
        return self.now


def test_rate_limit_answers_429_with_retry_after_above_n_per_second() -> None:
    """A second's burst of N passes; the next is 429 with a whole-second Retry-After and
    creates nothing; once the bucket refills, creates pass again."""
    clock = _Clock()
    sb = Sandbox(rate_limit=RateLimit(5, clock))
    assert [post(sb, valid_body()).status for _ in range(6)] == [201] * 5 + [429]
    refused = post(sb, valid_body())
    assert refused.status == 429
    assert refused.headers["retry-after"] == "1"
    assert len(sb.campaigns()) == 5
    clock.now += 0.2  # one token (1/5 s)
    assert [post(sb, valid_body()).status for _ in range(2)] == [201, 429]


def test_stats_count_every_answer_by_status_but_not_admin_requests() -> None:
    clock = _Clock()
    sb = Sandbox(rate_limit=RateLimit(2, clock))
    for _ in range(3):
        post(sb, valid_body())
    post(sb, {"name": "x"})  # refused by the limit before it is read
    clock.now += 1.0
    post(sb, {"name": "x"})
    sb.handle("GET", ADMIN_PATH, {}, b"")
    answer = sb.handle("GET", STATS_PATH, {}, b"")
    assert answer.json() == {"requests": 5, "by_status": {"201": 2, "400": 1, "429": 2}}
