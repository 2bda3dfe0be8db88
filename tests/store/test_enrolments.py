"""store.enrolments: once per sequence, due by time, moved on step by step."""

from __future__ import annotations

from datetime import timedelta

from dmguard.clock import SimulatedClock, iso
from dmguard.store import Store


def test_enrol_once_then_advance_and_complete(store: Store, amy: int,
                                              clock: SimulatedClock) -> None:
    later = iso(clock.now() + timedelta(hours=1))
    assert store.enrolments.enrol("a", amy, "welcome", store.now())
    assert not store.enrolments.enrol("a", amy, "welcome", store.now()), "once per sequence"
    [due] = store.enrolments.due("a")
    assert (due.sequence, due.next_step, due.state) == ("welcome", 1, "active")
    store.enrolments.next_step(due.id, 2, later)
    assert store.enrolments.due("a") == []
    clock.advance(timedelta(hours=1))
    [again] = store.enrolments.due("a")
    assert again.next_step == 2
    store.enrolments.postpone(again.id, iso(clock.now() + timedelta(hours=1)))
    assert store.enrolments.due("a") == []
    store.enrolments.complete(again.id)
    done = store.enrolments.get(again.id)
    assert done is not None and done.state == "completed" and done.next_at is None


def test_stopping_a_person_ends_only_active_enrolments(store: Store, amy: int) -> None:
    store.enrolments.enrol("a", amy, "welcome", store.now())
    store.enrolments.enrol("a", amy, "drip", store.now())
    first, _ = store.enrolments.for_contact(amy)
    store.enrolments.end(first.id, "personal")
    store.enrolments.stop_for_contact(amy, "opted-out")
    states = [e.state for e in store.enrolments.for_contact(amy)]
    assert states == ["personal", "opted-out"]
