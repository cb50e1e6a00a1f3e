"""The client's classification of every row of PRODUCT section 6, over httpx.MockTransport."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from reconciler import __version__
from reconciler.api.base import CreateResult, Outcome
from reconciler.api.classify import parse_retry_after
from reconciler.api.client import HttpCampaignAPI
from reconciler.api.limiter import AdaptiveLimiter
from tests.api.bodies import TOKEN, valid_body

BASE = "https://cs.test"
PATH = "/v2/campaign/create_with_touchpoint"
OK = {"ctx_id": "ctx-1", "data": {"id": "cmp-1", "name": "n", "status": "scheduled"}}

Handler = Callable[[httpx.Request], httpx.Response]


@dataclass
class Harness:
    """A client on a scripted transport; records requests and sleeps (which move its clock)."""

    requests: list[httpx.Request] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)
    now: float = 0.0

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def api(self, handler: Handler, **kwargs: object) -> HttpCampaignAPI:
        def record(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return handler(request)

        options: dict[str, object] = {
            "transport": httpx.MockTransport(record),
            "sleep": self.sleep,
            "limiter": AdaptiveLimiter(clock=lambda: self.now),
            "rng": lambda: 0.0,
            "token_hint": "CONTACTSWING_TOKEN",
        }
        options.update(kwargs)
        return HttpCampaignAPI(BASE, PATH, TOKEN, **options)  # type: ignore[arg-type]


def create(handler: Handler, harness: Harness | None = None, **kwargs: object) -> CreateResult:
    h = harness or Harness()
    with h.api(handler, **kwargs) as api:
        return api.create(valid_body(), idempotency_key="idem-1")


def answer(status: int, payload: object = None, **kwargs: object) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        if payload is None:
            return httpx.Response(status, **kwargs)  # type: ignore[arg-type]
        if isinstance(payload, str | bytes):
            return httpx.Response(status, content=payload, **kwargs)  # type: ignore[arg-type]
        return httpx.Response(status, json=payload, **kwargs)  # type: ignore[arg-type]

    return handler


def sequence(*handlers: Handler) -> Handler:
    pending = list(handlers)

    def handler(request: httpx.Request) -> httpx.Response:
        return pending.pop(0)(request) if len(pending) > 1 else pending[0](request)

    return handler


def raises(exc_type: type[Exception]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        if issubclass(exc_type, httpx.RequestError):
            raise exc_type("boom", request=request)
        raise exc_type("boom")

    return handler


@pytest.mark.parametrize("status", [200, 201, 202])
def test_2xx_with_an_id_is_created_with_campaign_and_ctx_id(status: int) -> None:
    """Any 2xx carrying data.id is CREATED and keeps the campaign id and ctx_id."""
    h = Harness()
    result = create(answer(status, OK), h)
    assert result.outcome is Outcome.CREATED
    assert (result.campaign_id, result.ctx_id, result.http_status) == ("cmp-1", "ctx-1", status)
    assert not result.stop_run
    assert len(h.requests) == 1


def test_numeric_campaign_id_is_kept_as_text() -> None:
    """An integer data.id is recorded as its text."""
    result = create(answer(201, {"ctx_id": "c", "data": {"id": 42}}))
    assert result.outcome is Outcome.CREATED
    assert result.campaign_id == "42"


@pytest.mark.parametrize(
    "payload",
    [
        {"ctx_id": "ctx-9"},
        {"ctx_id": "ctx-9", "data": {}},
        {"ctx_id": "ctx-9", "data": {"id": ""}},
        {"ctx_id": "ctx-9", "data": {"id": None}},
        {"ctx_id": "ctx-9", "data": ["cmp-1"]},
        "<html>ok</html>",
        b"",
    ],
)
def test_2xx_without_an_id_is_in_doubt_and_not_retried(payload: object) -> None:
    """A 2xx that names no campaign may still have created one: IN_DOUBT, sent once."""
    h = Harness()
    result = create(answer(201, payload), h)
    assert result.outcome is Outcome.IN_DOUBT
    assert result.campaign_id is None
    assert len(h.requests) == 1
    if isinstance(payload, dict):
        assert result.ctx_id == "ctx-9"
        assert "ctx-9" in result.message


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_3xx_is_in_doubt_and_the_redirect_is_not_followed(status: int) -> None:
    """A redirect is never followed (a POST could be replayed): IN_DOUBT after one request."""
    h = Harness()
    result = create(answer(status, headers={"Location": f"{BASE}/elsewhere"}), h)
    assert result.outcome is Outcome.IN_DOUBT
    assert result.http_status == status
    assert len(h.requests) == 1
    assert "elsewhere" in result.message


@pytest.mark.parametrize("status", [404, 405])
def test_404_405_fail_and_stop_the_run_naming_create_path(status: int) -> None:
    """A wrong create_path stops the run and says which setting to check."""
    h = Harness()
    result = create(answer(status, {"detail": "Not Found"}), h)
    assert result.outcome is Outcome.FAILED
    assert result.stop_run
    assert "create_path" in result.message
    assert PATH in result.message
    assert len(h.requests) == 1


@pytest.mark.parametrize("status", [401, 403])
def test_401_403_fail_and_stop_the_run_naming_the_token_variable(status: int) -> None:
    """A refused token stops the run; the message names the variable, never the value."""
    h = Harness()
    result = create(answer(status, {"detail": "Not authenticated", "ctx_id": "ctx-a"}), h)
    assert result.outcome is Outcome.FAILED
    assert result.stop_run
    assert "CONTACTSWING_TOKEN" in result.message
    assert "bad or expired" in result.message
    assert result.ctx_id == "ctx-a"
    assert len(h.requests) == 1


@pytest.mark.parametrize("status", [400, 408, 409, 422])
def test_other_4xx_fail_with_the_api_message_and_ctx_id(status: int) -> None:
    """Other 4xx: FAILED (nothing created), not stopping, with the API's own words."""
    h = Harness()
    result = create(answer(status, {"detail": "template not approved", "ctx_id": "ctx-4"}), h)
    assert result.outcome is Outcome.FAILED
    assert not result.stop_run
    assert "template not approved" in result.message
    assert "ctx-4" in result.message
    assert result.ctx_id == "ctx-4"
    assert len(h.requests) == 1


def test_fastapi_validation_detail_is_summarised_without_the_input() -> None:
    """A FastAPI detail list becomes 'loc: msg' items; the echoed input (numbers) is dropped."""
    detail = [
        {"loc": ["body", "touchpoint", "start_at"], "msg": "Field required", "type": "missing"},
        {
            "loc": ["body", "touchpoint", "customer_details", 0, "to_number"],
            "msg": "bad number",
            "input": "+447911123456",
        },
    ]
    result = create(answer(422, {"detail": detail}))
    assert "touchpoint.start_at: Field required" in result.message
    assert "touchpoint.customer_details.0.to_number: bad number" in result.message
    assert "447911123456" not in result.message


def test_plain_text_error_body_is_used_truncated() -> None:
    """A non-JSON error body is the message, whitespace collapsed and truncated."""
    result = create(answer(400, "bad   thing\n" + "x" * 1000))
    assert result.outcome is Outcome.FAILED
    assert "bad thing" in result.message
    assert len(result.message) < 500


def test_phone_numbers_in_an_api_message_are_masked() -> None:
    """An error body quoting a recipient's number is masked in the message."""
    result = create(answer(400, {"detail": "number +447911123456 is not on WhatsApp"}))
    assert "+447911123456" not in result.message
    assert "+44********56" in result.message


def test_an_api_message_shows_sender_numbers_and_ids_and_masks_recipients() -> None:
    """The sender (from_numbers) and a UUID ctx_id stay as they are; the recipient is masked."""
    ctx = "34567892-1b07-4a2b-9c3d-123456789012"  # all-digit groups: once masked as a number
    detail = f"from_number +919800000001 cannot message 919812345678 (request {ctx})"
    result = create(answer(400, {"detail": detail, "ctx_id": ctx}))
    assert "from_number +919800000001 cannot message 91********78" in result.message
    assert ctx in result.message
    assert result.ctx_id == ctx


def test_a_retried_429_is_logged_under_the_campaign_key(caplog: pytest.LogCaptureFixture) -> None:
    """The warning names the campaign's key, not its idempotency key (a hash)."""
    handler = sequence(answer(429, {"detail": "slow down"}), answer(201, OK))
    with caplog.at_level("WARNING", logger="reconciler.api.client"), Harness().api(handler) as api:
        api.create(valid_body(), idempotency_key="9f2c" * 16, key="diwali-vip")
    [record] = caplog.records
    assert record.getMessage().startswith("create diwali-vip: ")
    assert "9f2c" not in record.getMessage()


def test_429_honours_retry_after_seconds_then_creates() -> None:
    """429 is retried after exactly the Retry-After seconds, then the 201 is CREATED."""
    h = Harness()
    handler = sequence(
        answer(429, {"detail": "slow down"}, headers={"Retry-After": "7"}), answer(201, OK)
    )
    result = create(handler, h)
    assert result.outcome is Outcome.CREATED
    assert h.sleeps == [7.0]
    assert len(h.requests) == 2
    assert h.requests[0].headers["Idempotency-Key"] == h.requests[1].headers["Idempotency-Key"]


def test_429_honours_retry_after_as_an_http_date() -> None:
    """A Retry-After HTTP date is turned into the seconds until then."""
    h = Harness()
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    create(sequence(answer(429, headers={"Retry-After": when}), answer(201, OK)), h)
    assert len(h.sleeps) == 1
    assert 20 < h.sleeps[0] <= 30


def test_parse_retry_after_forms() -> None:
    """Delta seconds, HTTP dates (past ones as 0) and garbage are read as expected."""
    now = datetime(2027, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("3", now) == 3.0
    assert parse_retry_after("Fri, 01 Jan 2027 12:00:10 GMT", now) == 10.0
    assert parse_retry_after("Fri, 01 Jan 2027 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_429_without_retry_after_backs_off_exponentially_and_gives_up() -> None:
    """Retries are capped; waits double; the result is FAILED and says it gave up."""
    h = Harness()
    result = create(answer(429, {"ctx_id": "r"}), h, max_retries=3)
    assert result.outcome is Outcome.FAILED
    assert not result.stop_run
    assert result.http_status == 429
    assert len(h.requests) == 4
    assert h.sleeps == [0.5, 1.0, 2.0]  # rng() == 0: half of 1, 2, 4 seconds
    assert "gave up after 4 attempts" in result.message


def test_jitter_stays_within_the_backoff_window() -> None:
    """With the largest jitter the wait is the full exponential step, never more."""
    h = Harness()
    create(answer(429), h, max_retries=2, rng=lambda: 0.999999)
    assert [round(s, 3) for s in h.sleeps] == [1.0, 2.0]


def test_retry_after_longer_than_the_limit_fails_at_once() -> None:
    """A Retry-After beyond what reconciler waits fails now rather than stalling CI."""
    h = Harness()
    result = create(answer(429, headers={"Retry-After": "3600"}), h)
    assert result.outcome is Outcome.FAILED
    assert h.sleeps == []
    assert len(h.requests) == 1
    assert "3600s" in result.message


def test_a_retry_after_too_long_to_wait_does_not_hold_the_other_creates() -> None:
    """The shared limiter ignores a Retry-After the client would not wait: the next
    create of the run goes at once (and fails at once too, if the server insists)."""
    h = Harness()
    handler = sequence(answer(429, headers={"Retry-After": "3600"}), answer(201, OK))
    with h.api(handler) as api:
        assert api.create(valid_body(), idempotency_key="a").outcome is Outcome.FAILED
        assert api.create(valid_body(), idempotency_key="b").outcome is Outcome.CREATED
    assert h.sleeps == []


def test_a_cancel_during_the_limiters_wait_sends_nothing() -> None:
    """Cancelled while held back by the limiter: FAILED (the server saw nothing), not sent."""
    h = Harness()
    handler = sequence(answer(429, headers={"Retry-After": "2"}), answer(201, OK))
    with h.api(handler, max_retries=0, cancelled=lambda: True) as api:
        api.create(valid_body(), idempotency_key="a")  # no wait: the cancel is not asked
        second = api.create(valid_body(), idempotency_key="b")
    assert second.outcome is Outcome.FAILED
    assert second.message == "not sent: the run was cancelled"
    assert len(h.requests) == 1


def test_one_429_paces_every_create_of_the_client() -> None:
    """The limiter is shared: after a 429 with Retry-After 2, the next create waits it out."""
    h = Harness()
    handler = sequence(answer(429, headers={"Retry-After": "2"}), answer(201, OK), answer(201, OK))
    with h.api(handler, max_retries=0) as api:
        assert api.create(valid_body(), idempotency_key="a").outcome is Outcome.FAILED
        assert api.create(valid_body(), idempotency_key="b").outcome is Outcome.CREATED
    assert h.sleeps == [2.0]


@pytest.mark.parametrize("exc_type", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
def test_connection_never_opened_is_retried_then_created(exc_type: type[Exception]) -> None:
    """Nothing was sent when the connection never opened: retried with backoff."""
    h = Harness()
    result = create(sequence(raises(exc_type), raises(exc_type), answer(201, OK)), h)
    assert result.outcome is Outcome.CREATED
    assert len(h.requests) == 3
    assert h.sleeps == [0.5, 1.0]


def test_connection_refused_until_retries_run_out_is_failed() -> None:
    """Connection refused on every attempt: FAILED (the server acted on nothing)."""
    h = Harness()
    result = create(raises(httpx.ConnectError), h, max_retries=2)
    assert result.outcome is Outcome.FAILED
    assert not result.stop_run
    assert len(h.requests) == 3
    assert "could not connect" in result.message


@pytest.mark.parametrize(
    "exc_type",
    [
        httpx.ReadTimeout,
        httpx.WriteTimeout,
        httpx.RemoteProtocolError,
        httpx.ReadError,
        httpx.WriteError,
        RuntimeError,
    ],
)
def test_ambiguous_transport_failures_are_in_doubt_and_never_retried(
    exc_type: type[Exception],
) -> None:
    """Timeouts after connecting, resets and anything unexpected: IN_DOUBT after one request."""
    h = Harness()
    result = create(raises(exc_type), h)
    assert result.outcome is Outcome.IN_DOUBT
    assert len(h.requests) == 1
    assert h.sleeps == []
    assert "may have created" in result.message


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_in_doubt_and_never_retried(status: int) -> None:
    """A 5xx may follow a create that happened: IN_DOUBT after exactly one request."""
    h = Harness()
    result = create(
        answer(status, {"detail": "oops", "ctx_id": "ctx-5"}, headers={"Retry-After": "1"}), h
    )
    assert result.outcome is Outcome.IN_DOUBT
    assert result.ctx_id == "ctx-5"
    assert len(h.requests) == 1
    assert h.sleeps == []


def test_a_url_without_http_scheme_fails_and_stops() -> None:
    """An api_url that is not http(s) stops the run before anything is sent."""
    api = HttpCampaignAPI("ftp://cs.test", PATH, TOKEN, sleep=lambda s: None)
    with api:
        result = api.create(valid_body(), idempotency_key="k")
    assert result.outcome is Outcome.FAILED
    assert result.stop_run
    assert "api_url" in result.message


def test_request_carries_method_url_and_headers() -> None:
    """POST to base_url+create_path with bearer token, JSON, Idempotency-Key and User-Agent."""
    h = Harness()
    create(answer(201, OK), h)
    (request,) = h.requests
    assert request.method == "POST"
    assert str(request.url) == BASE + PATH
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Idempotency-Key"] == "idem-1"
    assert request.headers["User-Agent"] == f"reconciler/{__version__}"
    assert json.loads(request.content) == valid_body()


def test_digits_phone_format_on_the_wire() -> None:
    """phone_format=digits sends numbers without + while the caller's body stays E.164."""
    h = Harness()
    body = valid_body()
    with h.api(answer(201, OK), phone_format="digits") as api:
        api.create(body, idempotency_key="k")
    sent = json.loads(h.requests[0].content)["touchpoint"]
    assert [c["to_number"] for c in sent["customer_details"]] == ["447911123456", "919812345678"]
    assert sent["additional_settings"]["from_numbers"] == ["919800000001"]
    assert body["touchpoint"]["customer_details"][0]["to_number"] == "+447911123456"


def test_e164_sends_the_body_as_it_is_byte_for_byte() -> None:
    """E.164 (the default) sends exactly the bytes of the body, keys in its order, UTF-8
    kept; the caller's body, dict or any other mapping, is left as it was."""
    from types import MappingProxyType

    h = Harness()
    body = valid_body()
    body["name"] = "Diwali ✨ sale"
    before = json.dumps(body)
    with h.api(answer(201, OK)) as api:
        api.create(body, idempotency_key="k")
        api.create(MappingProxyType(body), idempotency_key="k2")
    expected = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert [r.content for r in h.requests] == [expected, expected]
    assert json.dumps(body) == before


def test_base_url_and_path_slashes_are_joined_once() -> None:
    """A trailing slash on api_url does not double the slash before create_path."""
    h = Harness()
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(201, json=OK)

    api = HttpCampaignAPI(BASE + "/", PATH, TOKEN, transport=httpx.MockTransport(handler))
    with api:
        api.create(valid_body(), idempotency_key="k")
    assert seen == [BASE + PATH]
    assert h.requests == []


def test_no_retry_is_sent_after_a_cancel() -> None:
    """Once the run is cancelled during a backoff wait, the retry is not sent: FAILED."""
    h = Harness()
    flag = {"cancelled": False}

    def sleep(seconds: float) -> None:
        h.sleeps.append(seconds)
        flag["cancelled"] = True

    result = create(answer(429), h, sleep=sleep, cancelled=lambda: flag["cancelled"])
    assert result.outcome is Outcome.FAILED
    assert len(h.requests) == 1
    assert "cancelled" in result.message
