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
