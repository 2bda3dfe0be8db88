"""store.messages: recording, compare-and-set transitions, the origin sets, findings."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from dmguard.audit.model import Finding
from dmguard.clock import SimulatedClock
from dmguard.store import AUTOMATED_ORIGINS, CAMPAIGN_ORIGINS, Judgement, Origin, Store
from tests.store.conftest import add


def test_transition_is_compare_and_set_and_recorded(store: Store, amy: int) -> None:
    message_id = add(store, amy)
    assert store.messages.transition(message_id, ("queued",), "sending", "w1", attempts=1)
    assert not store.messages.transition(message_id, ("queued",), "sending", "w2")
    history = [(t.from_state, t.to_state, t.actor) for t in store.messages.transitions(message_id)]
    assert history == [(None, "queued", "test"), ("queued", "sending", "w1")]
    message = store.messages.get(message_id)
    assert message is not None and message.state == "sending" and message.attempts == 1
    assert message.origin is Origin.SUBMIT
    assert all(t.account_id == "a" and t.origin == "submit"
               for t in store.messages.transitions(message_id))


def test_records_are_frozen(store: Store, amy: int) -> None:
    message = store.messages.get(add(store, amy))
    assert message is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        message.state = "sent"  # type: ignore[misc]


def test_fields_left_out_stay_and_none_clears(store: Store, amy: int) -> None:
    message_id = add(store, amy)
    store.messages.note_failure(message_id, "outcome unknown")
    store.messages.transition(message_id, ("queued",), "sending", "w")
    assert (store.messages.get(message_id) or pytest.fail()).failure == "outcome unknown"
    store.messages.transition(message_id, ("sending",), "sent", "w", failure=None,
                              sent_at=store.now(), platform_event_id="e1")
    sent = store.messages.get(message_id)
    assert sent is not None and sent.failure is None and sent.platform_event_id == "e1"
    assert store.messages.has_event("a", "e1") and not store.messages.has_event("a", "e2")


def test_campaign_and_automated_origins_differ_by_the_confirmations(store: Store, amy: int,
                                                                     clock: SimulatedClock) -> None:
    assert {Origin.SYSTEM} == AUTOMATED_ORIGINS - CAMPAIGN_ORIGINS
    for origin in (Origin.SEQUENCE, Origin.SUBMIT, Origin.SYSTEM, Origin.HUMAN):
        add(store, amy, origin=origin, text=str(origin))
    pending = {m.origin for m in store.messages.pending_automated(amy)}
    assert pending == CAMPAIGN_ORIGINS, "a STOP cancels campaigns, not its own confirmation"
    capped = {m.text for m in store.messages.automated_sent_to(amy, clock.now() - timedelta(1))}
    assert capped == {"sequence", "submit", "system"}, "caps count every automated DM"
    assert store.messages.unsettled_replies(amy) == 1


def test_reading_a_conversation(store: Store, amy: int, clock: SimulatedClock) -> None:
    add(store, amy, direction="in", origin=Origin.PERSON, state="received", text="hello?",
        sent_at=store.now())
    assert store.messages.user_dmed_first("a", amy)
    assert store.messages.last_inbound_text(amy) == "hello?"
    clock.advance(timedelta(minutes=1))
    reply = add(store, amy, text="welcome")
    store.messages.transition(reply, ("queued",), "sending", "w")
    store.messages.transition(reply, ("sending",), "sent", "w", sent_at=store.now())
    assert [m.text for m in store.messages.conversation(amy)] == ["hello?", "welcome"]
    last = store.messages.last_outbound_automated(amy)
    assert last is not None and last.id == reply
    assert store.messages.sent_count("a", clock.now() - timedelta(hours=1)) == 1
    assert store.messages.last_sent_at("a") == store.now()
    [sent] = store.messages.sent_since("a", clock.now() - timedelta(hours=1))
    assert (sent.id, sent.username, sent.contact_name) == (reply, "amy", "Amy")
    assert store.messages.last_automated_recipient("a") == "1"


def test_due_messages_respect_send_after(store: Store, amy: int, clock: SimulatedClock) -> None:
    now, later = store.now(), (clock.now() + timedelta(hours=1)).isoformat()
    first, second = add(store, amy), add(store, amy)
    assert store.messages.defer(second, later, "sender", "quiet hours")
    due = store.messages.in_state("a", "queued", due_by=now)
    assert [m.id for m in due] == [first]
    assert [m.id for m in store.messages.in_state("a", "queued")] == [first, second]


def test_an_answer_goes_before_a_campaign_backlog(store: Store, amy: int,
                                                 clock: SimulatedClock) -> None:
    backlog = [add(store, amy, text=f"campaign {n}") for n in range(3)]
    clock.advance(timedelta(minutes=10))
    confirmation = add(store, amy, origin=Origin.SYSTEM, text="You will get no more automated DMs")
    reply = add(store, amy, origin=Origin.HUMAN, text="Sorry, fixed it")
    due = store.messages.in_state("a", "queued", due_by=store.now())
    assert [m.id for m in due] == [confirmation, reply, *backlog]


def test_findings_replace_and_verdicts_save_in_bulk(store: Store, amy: int) -> None:
    message_id = add(store, amy, state="sent")
    generic = Finding("DG010", "generic-salutation", "hold", "generic salutation", (0, 4))
    store.messages.add_findings(message_id, [generic, generic])
    store.messages.add_findings(message_id, [generic])
    [row] = store.messages.findings(message_id)
    assert (row.rule, row.span_start, row.span_end) == ("DG010", 0, 4)
    store.messages.save_verdicts([Judgement(message_id, "hold", 61, [generic], again=True)])
    message = store.messages.get(message_id)
    assert message is not None and (message.verdict, message.score) == ("hold", 61)
    assert len(store.messages.findings(message_id)) == 1


def test_the_oldest_of_a_state_is_one_message_its_id_and_its_time(
        store: Store, amy: int, clock: SimulatedClock) -> None:
    """Before: the lowest id and the earliest change were looked up apart, so status could
    pair one message's id with another's time."""
    first = add(store, amy)
    clock.advance(timedelta(hours=1))
    second = add(store, amy)
    clock.advance(timedelta(hours=1))
    store.messages.transition(first, ("queued",), "queued", "sender", attempts=1)  # touched now
    [queued] = store.messages.by_state("a")
    assert (queued.count, queued.oldest_id) == (2, second)
    assert queued.oldest == store.messages.get(second).updated_at  # type: ignore[union-attr]
