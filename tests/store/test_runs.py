"""store.runs: job runs, their idempotency key, and platform calls."""

from __future__ import annotations

from datetime import timedelta

from dmguard.clock import SimulatedClock
from dmguard.store import Store


def test_runs_start_finish_and_answer_last(store: Store, clock: SimulatedClock) -> None:
    first = store.runs.start("tick", "a")
    store.runs.finish(first, "ok", '{"sent": 1}')
    clock.advance(timedelta(minutes=1))
    second = store.runs.start("tick", "a")
    store.runs.finish(second, "crashed", None, "ZeroDivisionError")
    last_ok = store.runs.last("tick")
    assert last_ok is not None and last_ok.id == first and last_ok.summary == '{"sent": 1}'
    crashed = store.runs.last("tick", "crashed")
    assert crashed is not None and crashed.error == "ZeroDivisionError"
    assert [r.status for r in store.runs.of_job("tick")] == ["ok", "crashed"]
    assert store.runs.last("report") is None


def test_a_report_run_is_its_own_idempotency_key(store: Store) -> None:
    run_id = store.runs.start("report", None)
    assert not store.runs.done_with_summary("report", "report for 2026-11-23")
    store.runs.finish(run_id, "ok", "report for 2026-11-23")
    assert store.runs.done_with_summary("report", "report for 2026-11-23")


def test_api_calls_are_recorded(store: Store) -> None:
    store.runs.record_api_call("a", "send_dm", "POST", 201, 0.01)
    store.runs.record_api_call("a", "send_dm", "POST", 429, 0.0)
    store.runs.record_api_call("b", "dm_events", "GET", None, 0.0)
    assert [c.status for c in store.runs.api_calls("a")] == [201, 429]
    assert [c.account_id for c in store.runs.api_calls(status=429)] == ["a"]
    assert len(store.runs.api_calls()) == 3


def test_a_claim_is_taken_once_until_it_fails_or_goes_stale(store: Store,
                                                             clock: SimulatedClock) -> None:
    key = "report for 2026-11-23"
    since = store.now()
    with store.atomic():
        first = store.runs.claim("report", key, since)
    assert first is not None
    with store.atomic():
        assert store.runs.claim("report", key, since) is None, "still running: taken"
    store.runs.finish(first, "error", key, "SMTP down")
    with store.atomic():
        second = store.runs.claim("report", key, since)
    assert second is not None, "a failed attempt may be retried"
    clock.advance(timedelta(hours=1))
    with store.atomic():
        third = store.runs.claim("report", key, store.now())
    assert third is not None, "a claim left running by a crash goes stale"
    store.runs.finish(third, "ok", key)
    with store.atomic():
        assert store.runs.claim("report", key, "0000") is None, "done: never again"
    last = store.runs.last_with_summary("report", key)
    assert last is not None and last.status == "ok"
    assert store.runs.database_started_at() is not None
