"""The report's figures: rows that reconcile with each other."""

from __future__ import annotations

from dmguard.report.data import build_report
from dmguard.store import NewMessage, Origin, Store
from tests.conftest import START


def _campaign(store: Store, contact_id: int, outcome: str) -> None:
    message_id = store.messages.add(
        NewMessage(account_id="demo", contact_id=contact_id, direction="out",
                   origin=Origin.SEQUENCE, kind="campaign", text="Hi there", state="audited"),
        actor="test")
    if outcome != "sent":
        store.messages.transition(message_id, ("audited",), outcome, "audit")
        return
    store.messages.transition(message_id, ("audited",), "queued", "audit")
    store.messages.transition(message_id, ("queued",), "sending", "sender")
    store.messages.transition(message_id, ("sending",), "sent", "sender", sent_at=store.now(),
                              labelled_text="[Automated] Hi there Reply STOP")


def _confirmation(store: Store, contact_id: int) -> None:
    text = "You won't get automated messages from us any more."
    message_id = store.messages.add(
        NewMessage(account_id="demo", contact_id=contact_id, direction="out",
                   origin=Origin.SYSTEM, kind="confirmation", text=text, labelled_text=text,
                   state="queued", verdict="send"), actor="inbox")
    store.messages.transition(message_id, ("queued",), "sending", "sender")
    store.messages.transition(message_id, ("sending",), "sent", "sender", sent_at=store.now())


def test_inspected_reconciles_with_sent_held_blocked_and_confirmations_are_apart(
        store: Store) -> None:
    store.accounts.ensure("demo", "sandbox")
    contact_id, _ = store.people.upsert_contact("demo", "1", name="Amy Lee")
    for outcome in ("sent", "sent", "sent", "held", "held", "blocked"):
        _campaign(store, contact_id, outcome)
    _confirmation(store, contact_id)
    (day,) = build_report(store, ["demo"], START.date()).accounts
    assert day.inspected == 6
    assert day.inspected == day.sent + day.held + day.blocked, "a confirmation is not inspected"
    assert day.sent_labelled == day.sent == 3, "only campaigns carry the disclosure label"
    assert day.confirmations == 1
    assert day.last_7_days[-1].sent == day.sent, "the chart counts the same sends"
