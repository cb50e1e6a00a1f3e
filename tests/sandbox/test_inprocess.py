"""``api_url: sandbox``: the real client against the in-process sandbox transport."""

from __future__ import annotations

import pytest

from reconciler.api.base import Outcome
from reconciler.api.client import HttpCampaignAPI
from reconciler.api.factory import make_api, needs_token
from reconciler.errors import ConfigError
from reconciler.sandbox import SANDBOX_BASE_URL, Fault, FaultInjector, Sandbox, sandbox_transport
from tests.api.bodies import valid_body
from tests.sandbox.outcomes import FAULT_OUTCOMES


def client(sb: Sandbox, **kwargs: object) -> HttpCampaignAPI:
    options: dict[str, object] = {"sleep": lambda s: None, "max_retries": 2}
    options.update(kwargs)
    return HttpCampaignAPI(
        SANDBOX_BASE_URL,
        sb.create_path,
        "token-abcdefgh",
        transport=sandbox_transport(sb),
        **options,  # type: ignore[arg-type]
    )


def test_make_api_sandbox_needs_no_token_and_creates() -> None:
    """The in-process sandbox works without a token and answers CREATED with an id."""
    assert not needs_token("sandbox")
    with make_api("sandbox", "/v2/campaign/create_with_touchpoint", None) as api:
        result = api.create(valid_body(), idempotency_key="k")
    assert result.outcome is Outcome.CREATED
    assert result.campaign_id


def test_make_api_sandbox_follows_a_custom_create_path() -> None:
    """The in-process sandbox serves the environment's create_path."""
    with make_api("sandbox", "/v2/_campaign/create_with_touchpoint", None) as api:
        assert api.create(valid_body(), idempotency_key="k").outcome is Outcome.CREATED


def test_make_api_real_url_without_token_is_a_config_error() -> None:
    """A real api_url without a token is a user-facing error naming the variable."""
    assert needs_token("https://cs.test")
    with pytest.raises(ConfigError, match="CONTACTSWING_TOKEN"):
        make_api("https://cs.test", "/p", "", token_hint="CONTACTSWING_TOKEN")


def test_digits_body_is_accepted_by_the_sandbox() -> None:
    """A digits-format body passes the sandbox's contract and is stored without +."""
    sb = Sandbox()
    with client(sb, phone_format="digits") as api:
        assert api.create(valid_body(), idempotency_key="k").outcome is Outcome.CREATED
    stored = sb.campaigns()[0].body["touchpoint"]["customer_details"][0]["to_number"]
    assert stored == "447911123456"


@pytest.mark.parametrize(
    ("fault", "outcome", "created"),
    FAULT_OUTCOMES,
)
def test_each_fault_in_process(fault: Fault, outcome: Outcome, created: int) -> None:
    """Each injected fault yields the section 6 outcome; only 429 is retried."""
    sb = Sandbox(faults=FaultInjector(1.0, [fault]), retry_after=0)
    with client(sb) as api:
        result = api.create(valid_body(), idempotency_key="k")
    assert result.outcome is outcome
    assert len(sb.campaigns()) == created


def test_429_then_success_creates_exactly_once() -> None:
    """A rate-limited create retried later creates one campaign, not two."""
    draws = iter([Fault.RATE_LIMITED, None])

    class Scripted(FaultInjector):
        def draw(self) -> Fault | None:
            return next(draws)

    sb = Sandbox(faults=Scripted(1.0), retry_after=0)
    with client(sb) as api:
        result = api.create(valid_body(), idempotency_key="k")
    assert result.outcome is Outcome.CREATED
    assert len(sb.campaigns()) == 1


def test_bad_token_in_sandbox_stops_the_run() -> None:
    """A sandbox with a token refuses another: FAILED, stop_run, nothing created."""
    sb = Sandbox(token="the-right-token")
    with client(sb) as api:
        result = api.create(valid_body(), idempotency_key="k")
    assert (result.outcome, result.stop_run, result.http_status) == (Outcome.FAILED, True, 401)
    assert sb.campaigns() == []
