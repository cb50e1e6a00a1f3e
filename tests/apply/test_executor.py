"""The executor: intent before request, outcome after, stops, cancel, fallback, bounds."""

from __future__ import annotations

import itertools
import logging
import threading

import pytest

from reconciler.api.base import CreateResult, Outcome
from reconciler.errors import JournalPendingError
from reconciler.executor import ApplyEvent, TokenBucket
from reconciler.state.base import AttemptStatus
from tests.apply.helpers import task, tasks
from tests.support.fake_api import FakeCampaignAPI, Step, failed, in_doubt
from tests.support.fake_state import FakeStateStore, execute_locked


@pytest.fixture
def make_store() -> type[FakeStateStore]:
    return FakeStateStore


def _statuses(store: FakeStateStore) -> dict[str, AttemptStatus]:
    return {a.key: a.status for a in store.attempts.values()}


def test_every_create_is_recorded_before_and_after_its_request(
    make_store: type[FakeStateStore],
) -> None:
    """Each request finds its pending intent in the store; each outcome is recorded after."""
    store = make_store()
    api = FakeCampaignAPI(store)
    result = execute_locked(tasks(10), store, api, parallelism=3, actor="me", run_id="r1")
    assert api.violations == []
    assert len(api.calls) == 10
    assert set(store.campaigns) == {f"c{i:03d}" for i in range(10)}
    assert all(s is AttemptStatus.CREATED for s in _statuses(store).values())
    assert store.campaigns["c000"].campaign_id == api.server["c000"][0]
    assert store.campaigns["c000"].created_by == "me"
    assert result.exit_code == 0
    assert store.steps[0] == (0, 3)  # the first write records intents only, before any request


def test_each_outcome_reports_what_its_attempt_settled() -> None:
    """A task's outcome carries its settled attempt's fields, and where it was recorded."""
    store = FakeStateStore()
    api = FakeCampaignAPI(store, {"k": [failed(422, message="bad phone")]})
    result = execute_locked([task("k"), task("j")], store, api, parallelism=1)
    by_key = {o.key: o for o in result.outcomes}
    assert (by_key["k"].status, by_key["k"].http_status) == (AttemptStatus.FAILED, 422)
    assert (by_key["k"].name, by_key["k"].message) == ("k", "bad phone")
    j = by_key["j"]
    assert (j.status, j.http_status, j.ctx_id) == (AttemptStatus.CREATED, 201, "ctx")
    assert j.campaign_id == store.campaigns["j"].campaign_id
    assert {o.recorded_in for o in result.outcomes} == {"state"}


def test_each_request_is_told_its_campaign_key() -> None:
    """The client names the campaign in its log lines (a 429 retry), so it must know it."""
    store = FakeStateStore()
    api = FakeCampaignAPI(store)
    execute_locked(tasks(3), store, api, parallelism=1)
    assert api.keys_given == ["c000", "c001", "c002"]


def test_intents_are_recorded_in_batches_never_skipping_one(
    make_store: type[FakeStateStore],
) -> None:
    """With batch 4, ten creates take three intent transactions and every key is journaled."""
    store = make_store()
    execute_locked(tasks(10), store, FakeCampaignAPI(store), parallelism=2, batch=4)
    assert store.intent_writes() == 3
    assert len(store.attempts) == 10


def test_the_canonical_body_and_idempotency_key_are_sent_and_recorded(
    make_store: type[FakeStateStore],
) -> None:
    """The API gets the canonical body (the client applies phone_format) and the key."""
    store = make_store()
    api = FakeCampaignAPI(store)
    execute_locked([task("k")], store, api)
    assert api.calls[0][1] == task("k").body
    assert store.campaigns["k"].body == task("k").body
    assert api.calls[0][2] == "idem-k"


@pytest.mark.parametrize("status", [401, 403, 404, 405])
def test_a_stop_run_answer_sends_nothing_more(
    status: int, make_store: type[FakeStateStore]
) -> None:
    """A bad token or wrong path stops the run; unsent intents are recorded cancelled."""
    store = make_store()
    api = FakeCampaignAPI(store, script={"c000": [failed(status, stop_run=True)]})
    result = execute_locked(tasks(10), store, api, parallelism=1, batch=3)
    assert [c[0] for c in api.calls] == ["c000"]
    statuses = _statuses(store)
    assert statuses == {
        "c000": AttemptStatus.FAILED,
        "c001": AttemptStatus.CANCELLED,
        "c002": AttemptStatus.CANCELLED,
    }
    assert result.not_started == [f"c{i:03d}" for i in range(3, 10)]
    assert result.stopped
    assert result.exit_code == 1


def test_a_stop_run_on_the_first_create_costs_one_request_even_in_parallel(
    make_store: type[FakeStateStore],
) -> None:
    """The first create goes alone, so a bad token is found before N requests go out."""
    store = make_store()
    api = FakeCampaignAPI(store, default=lambda key: failed(401, stop_run=True))
    result = execute_locked(tasks(10), store, api, parallelism=4)
    assert len(api.calls) == 1
    assert result.exit_code == 1


def test_an_in_doubt_create_is_never_resent(make_store: type[FakeStateStore]) -> None:
    """A timeout is recorded in doubt after one request, and the run goes on with the rest."""
    store = make_store()
    api = FakeCampaignAPI(store, script={"c001": [in_doubt(server_created=True)]})
    result = execute_locked(tasks(3), store, api, parallelism=1)
    assert [c[0] for c in api.calls] == ["c000", "c001", "c002"]
    assert "c001" in store.snapshot().in_doubt
    assert "c001" not in store.campaigns
    assert [o.key for o in result.outcomes if o.status is AttemptStatus.IN_DOUBT] == ["c001"]
    assert result.exit_code == 1


def test_a_client_exception_is_in_doubt_not_retried(make_store: type[FakeStateStore]) -> None:
    """An unexpected error mid-request means nobody knows: in doubt, sent once."""
    store = make_store()
    api = FakeCampaignAPI(store)

    def boom(key: str) -> None:
        raise RuntimeError("socket went away")

    api.on_call = boom
    result = execute_locked([task("k")], store, api)
    assert len(api.calls) == 1
    assert result.outcomes[0].status is AttemptStatus.IN_DOUBT


def test_created_without_an_id_is_recorded_in_doubt(make_store: type[FakeStateStore]) -> None:
    """A 'created' answer with no campaign id must not become a record without an id."""
    store = make_store()
    step = Step(CreateResult(Outcome.CREATED, 200, campaign_id=None), False)
    api = FakeCampaignAPI(store, script={"k": [step]})
    execute_locked([task("k")], store, api)
    assert store.campaigns == {}
    assert "k" in store.snapshot().in_doubt


def test_failed_creates_are_recorded_with_the_api_message(make_store: type[FakeStateStore]) -> None:
    """A 400 is recorded failed with its message and plans again (not in doubt)."""
    store = make_store()
    api = FakeCampaignAPI(store, script={"k": [failed(400, message="invalid template")]})
    result = execute_locked([task("k")], store, api)
    snap = store.snapshot()
    assert snap.last_failures["k"].error == "invalid template"
    assert "k" not in snap.in_doubt
    assert result.exit_code == 1


def test_cancel_waits_for_in_flight_and_cancels_unsent_intents(
    make_store: type[FakeStateStore],
) -> None:
    """After a cancel, in-flight requests are recorded, unsent intents cancelled, exit 130."""
    store = make_store()
    api = FakeCampaignAPI(store)
    gate = threading.Event()
    cancel = threading.Event()
    api.on_call = lambda key: None if key == "c000" else gate.wait(timeout=30) and None

    def cancel_when_two_in_flight() -> None:
        for _ in range(3):  # c000 alone, then c001 and c002 together
            api.entered.acquire(timeout=10)
        cancel.set()
        gate.set()

    helper = threading.Thread(target=cancel_when_two_in_flight)
    helper.start()
    result = execute_locked(tasks(8), store, api, parallelism=2, batch=4, cancel=cancel)
    helper.join()
    assert len(api.calls) == 3
    statuses = _statuses(store)
    created = [k for k, s in statuses.items() if s is AttemptStatus.CREATED]
    assert created == ["c000", "c001", "c002"]
    assert [k for k, s in statuses.items() if s is AttemptStatus.CANCELLED] == ["c003"]
    assert result.not_started == ["c004", "c005", "c006", "c007"]
    assert store.pending("c001") == []
    assert result.exit_code == 130


def test_an_unwritable_state_sends_the_outcome_to_the_fallback_journal(
    make_store: type[FakeStateStore],
) -> None:
    """A created campaign the state refuses is kept in the journal; nothing new is sent."""
    store = make_store()
    store.fail_record_outcome = 1
    api = FakeCampaignAPI(store)
    result = execute_locked(tasks(5), store, api, parallelism=1, batch=1)
    assert len(api.calls) == 1
    assert [a.status for a in store.fallback] == [AttemptStatus.CREATED]
    assert store.fallback[0].campaign_id == api.server["c000"][0]
    assert result.outcomes[0].recorded_in == "journal"
    assert result.state_failure
    assert result.exit_code == 1
    with pytest.raises(JournalPendingError), store.locked("apply"):
        pass
    with store.locked("state recover") as writer:
        writer.recover()
    assert store.campaigns["c000"].campaign_id == api.server["c000"][0]


def test_when_the_journal_fails_too_the_outcome_is_reported_as_recorded_nowhere(
    make_store: type[FakeStateStore],
) -> None:
    """The report must then carry the campaign id so a person can import it."""
    store = make_store()
    store.fail_record_outcome = 1
    store.fail_write_fallback = 1
    api = FakeCampaignAPI(store)
    result = execute_locked([task("k")], store, api)
    outcome = result.outcomes[0]
    assert outcome.recorded_in == "nowhere"
    assert outcome.campaign_id == api.server["k"][0]


def test_a_journal_that_fails_too_is_logged_without_a_traceback(
    make_store: type[FakeStateStore], caplog: pytest.LogCaptureFixture
) -> None:
    """A full disk fails the state and the journal: one plain line, never a traceback."""
    store = make_store()
    store.fail_record_outcome = 1
    store.fail_write_fallback = 1
    with caplog.at_level(logging.WARNING):
        execute_locked([task("k")], store, FakeCampaignAPI(store))
    journal = [r for r in caplog.records if "fallback journal" in r.getMessage()]
    assert journal and all(r.exc_info is None for r in journal)
    assert "not writable (injected)" in journal[0].getMessage()


def test_an_unwritable_intent_sends_nothing(make_store: type[FakeStateStore]) -> None:
    """If the intent cannot be recorded, its request is never sent."""
    store = make_store()
    store.fail_record_intents = 1
    api = FakeCampaignAPI(store)
    result = execute_locked(tasks(3), store, api)
    assert api.calls == []
    assert result.not_started == ["c000", "c001", "c002"]
    assert result.exit_code == 1


def test_parallelism_bound_is_respected_and_reached(make_store: type[FakeStateStore]) -> None:
    """No more than ``parallelism`` requests are ever in flight at once."""
    store = make_store()
    api = FakeCampaignAPI(store)
    barrier = threading.Barrier(3, timeout=10)
    api.on_call = lambda key: None if key == "c000" else barrier.wait() and None
    result = execute_locked(tasks(22), store, api, parallelism=3)
    assert api.max_concurrent == 3
    assert len([o for o in result.outcomes if o.status is AttemptStatus.CREATED]) == 22


def test_rate_limits_the_starts_per_second(make_store: type[FakeStateStore]) -> None:
    """With --rate 2, request starts are at least half a second apart on the clock."""
    now = [0.0]
    starts: list[float] = []
    store = make_store()
    api = FakeCampaignAPI(store)
    api.on_call = lambda key: None

    def on_event(event: ApplyEvent) -> None:
        if event.kind == "started":
            starts.append(now[0])

    def sleep(seconds: float) -> None:
        now[0] += seconds

    execute_locked(
        tasks(5),
        store,
        api,
        parallelism=4,
        rate=2,
        clock=lambda: now[0],
        sleep=sleep,
        on_event=on_event,
    )
    assert len(starts) == 5
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert all(gap >= 0.5 - 1e-9 for gap in gaps), gaps


def test_token_bucket_spaces_starts() -> None:
    """The bucket lets one start go at once, then one per interval."""
    now = [10.0]
    bucket = TokenBucket(4, clock=lambda: now[0])
    assert bucket.delay() == 0
    bucket.take()
    assert bucket.delay() == pytest.approx(0.25)
    now[0] += 0.25
    assert bucket.delay() == 0


def test_events_report_each_outcome(make_store: type[FakeStateStore]) -> None:
    """Progress events: one started and one finished per create, with the outcome."""
    store = make_store()
    events: list[ApplyEvent] = []
    execute_locked(tasks(3), store, FakeCampaignAPI(store), on_event=events.append)
    finished = [e for e in events if e.kind == "finished"]
    assert len([e for e in events if e.kind == "started"]) == 3
    assert {e.outcome.status for e in finished if e.outcome} == {AttemptStatus.CREATED}
    assert all(e.total == 3 for e in events)


def test_a_failing_progress_display_does_not_stop_recording(
    make_store: type[FakeStateStore],
) -> None:
    """A display that raises (stderr closed) leaves every create sent once and recorded."""
    store = make_store()
    api = FakeCampaignAPI(store)

    def broken(event: ApplyEvent) -> None:
        raise BrokenPipeError("stderr is gone")

    result = execute_locked(tasks(5), store, api, parallelism=2, on_event=broken)
    assert len(api.calls) == 5
    assert set(store.campaigns) == {f"c{i:03d}" for i in range(5)}
    assert result.exit_code == 0


def test_a_stale_plan_is_refused_by_the_store_and_nothing_is_sent(
    make_store: type[FakeStateStore],
) -> None:
    """A task for a key created since the plan: the store refuses its intent, none is sent."""
    store = make_store()
    execute_locked([task("k")], store, FakeCampaignAPI(store))
    api = FakeCampaignAPI(store)
    result = execute_locked([task("k")], store, api)
    assert api.calls == []
    assert result.not_started == ["k"]
    assert "refusing to send again" in result.state_failure
    assert result.exit_code == 1
