"""Inbound DMs: opt-outs and opt-ins at once, everything else to a person.

The bot answers only "stop" and "start" (with one short confirmation). A reply to
an automated DM, a request for a human, or any other message becomes a task.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dmguard import outbox, tasks
from dmguard.clock import iso
from dmguard.config import Config
from dmguard.opt_out import is_opt_in, is_opt_out
from dmguard.platforms.base import DmEventData, Platform
from dmguard.store import NewMessage, Origin, Store

HUMAN = re.compile(r"(?i)\b(?:human|agent|real person|someone real|representative|operator"
                   r"|talk to (?:a )?person|mensch|humano)\b")
OPT_OUT_CONFIRMATION = ("You won't get automated messages from us any more. "
                        "Reply START if you change your mind.")
OPT_IN_CONFIRMATION = "Automated messages are back on. Reply STOP at any time to end them."


@dataclass
class InboxReport:
    received: int = 0
    opt_outs: int = 0
    opt_ins: int = 0
    tasks: int = 0
    other_tools: int = 0
    skipped: int = 0
    new_contact_ids: list[int] = field(default_factory=list)


def sync_inbox(store: Store, config: Config, account_id: str, platform: Platform) -> InboxReport:
    report = InboxReport()
    account = store.accounts.get(account_id)
    me = platform.whoami().user_id
    events = platform.dm_events(account.last_dm_event_id if account else None)
    for event in events:
        if not event.text and not event.sender_id:
            report.skipped += 1
            continue
        if store.messages.has_event(account_id, event.id):
            continue
        if event.sender_id == me:
            if not _settle_own_send(store, account_id, event):
                _record_other_tool(store, account_id, event, report)
        else:
            handle_inbound(store, config, account_id, event, report)
    if events:
        store.accounts.set_last_dm_event(account_id, events[-1].id)
    return report


def _settle_own_send(store: Store, account_id: str, event: DmEventData) -> bool:
    """An outgoing event that is a send of ours still awaiting its answer (in flight in
    another thread, or its answer lost): settle it, never count it as another tool's."""
    others = [p for p in event.participant_ids if p != event.sender_id]
    contact = store.people.find_contact(account_id, user_id=others[0]) if others else None
    if contact is None:
        return False
    sent_at = iso(event.created_at) if event.created_at else store.now()
    return outbox.settle_from_event(store, contact.id, event.text, event.id, sent_at, "sync")


def _record_other_tool(store: Store, account_id: str, event: DmEventData,
                       report: InboxReport) -> None:
    """An outgoing DM dmguard did not send: keep it, so the report can show it."""
    others = [p for p in event.participant_ids if p != event.sender_id]
    if not others:
        report.skipped += 1
        return
    contact_id, _ = store.people.upsert_contact(account_id, others[0])
    store.messages.add(
        NewMessage(account_id=account_id, contact_id=contact_id, direction="out",
                   origin=Origin.OTHER, kind="unknown", text=event.text, state="sent",
                   platform_event_id=event.id,
                   sent_at=iso(event.created_at) if event.created_at else store.now()),
        actor="sync", reason="sent by another tool",
    )
    report.other_tools += 1


def handle_inbound(store: Store, config: Config, account_id: str, event: DmEventData,
                   report: InboxReport) -> None:
    """Store an inbound DM and act on it in one transaction.

    The stored event id is what tells the next sync the event was seen, so a STOP
    must never be stored without being applied (a crash in between would lose it).
    """
    with store.atomic():
        _handle_inbound(store, config, account_id, event, report)


def _handle_inbound(store: Store, config: Config, account_id: str, event: DmEventData,
                    report: InboxReport) -> None:
    contact_id, new = store.people.upsert_contact(account_id, event.sender_id)
    if new:
        report.new_contact_ids.append(contact_id)
    conversation = store.people.conversation(account_id, contact_id)
    with store.atomic():
        message_id = store.messages.add(
            NewMessage(account_id=account_id, contact_id=contact_id, direction="in",
                       origin=Origin.PERSON, kind="inbound", text=event.text, state="received",
                       platform_event_id=event.id,
                       sent_at=iso(event.created_at) if event.created_at else store.now()),
            actor="sync", reason="received",
        )
        if not conversation.first_inbound_at:
            store.people.note_first_inbound(conversation.id, store.now(),
                                            event.conversation_id)
    report.received += 1
    text = event.text
    if is_opt_out(text):
        with store.atomic():
            if store.people.opt_out(account_id, contact_id, message_id):
                outbox.cancel_pending(store, contact_id, "recipient said stop")
                store.enrolments.stop_for_contact(contact_id, "opted-out")
                _confirm(store, account_id, contact_id, OPT_OUT_CONFIRMATION)
                report.opt_outs += 1
        return
    if is_opt_in(text):
        if store.people.opt_in(contact_id):
            _confirm(store, account_id, contact_id, OPT_IN_CONFIRMATION)
            report.opt_ins += 1
        return
    last_automated = store.messages.last_outbound_automated(contact_id)
    if HUMAN.search(text):
        kind, reason = "human", "asked for a person"
    elif last_automated:
        kind, reason = "reply", "replied to an automated DM"
    else:
        kind, reason = "reply", "wrote to the account"
    existing = store.tasks.open_for(contact_id)
    if existing is not None:
        # The conversation goes on in the task already open for this person; a message
        # that matters more (they wrote to a held welcome, they ask for a human) raises it.
        priority, _ = tasks.priority_for(kind, text)
        if priority > existing.priority:
            store.tasks.change(existing.id, ("open", "claimed"), "escalated", "inbox",
                               note=reason, kind=kind, priority=priority)
        return
    if tasks.open_task(store, config, account_id, contact_id, kind, reason,
                       message_id=None, text=text):
        report.tasks += 1


def _confirm(store: Store, account_id: str, contact_id: int, text: str) -> None:
    """The one short automated answer the bot gives on its own: the opt-out receipt."""
    store.messages.add(
        NewMessage(account_id=account_id, contact_id=contact_id, direction="out",
                   origin=Origin.SYSTEM, kind="confirmation", text=text, labelled_text=text,
                   state="queued", verdict="send"),
        actor="inbox", reason="opt-out/opt-in confirmation",
    )
