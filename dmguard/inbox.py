"""Inbound DMs: opt-outs and opt-ins at once, everything else to a person.

The bot answers only "stop" and "start" (with one short confirmation). A reply to
an automated DM, a request for a human, or any other message becomes a task; so does
an opt-out that also asks something (:func:`dmguard.opt_out.asks_more`): the opt-out
applies at once, and a person answers the rest.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from dmguard import outbox, tasks
from dmguard.clock import iso, parse_duration
from dmguard.config import Config
from dmguard.opt_out import asks_more, is_opt_in, is_opt_out
from dmguard.platforms.base import DmEventData, Platform, RequestRejected
from dmguard.store import Account, Contact, NewMessage, Origin, Store

HUMAN = re.compile(r"(?i)\b(?:human|agent|real person|someone real|representative|operator"
                   r"|talk to (?:a )?person|mensch|humano)\b")
OPT_OUT_CONFIRMATION = ("You won't get automated messages from us any more. "
                        "Reply START if you change your mind.")
OPT_IN_CONFIRMATION = "Automated messages are back on. Reply STOP at any time to end them."
log = logging.getLogger("dmguard.inbox")


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
    """Read new DM events and act on each once (events already stored are skipped).

    The first sync of an account reads its history page by page (see
    :func:`import_history`). Later polls re-read ``inbox.poll_overlap``: X lists some
    events late, below newer ones already read, and those must not be lost.
    """
    report = InboxReport()
    account = store.accounts.get(account_id)
    if account is None or account.history_synced_at is None:
        import_history(store, config, account_id, platform, report)
        return report
    me = platform.whoami().user_id
    events = platform.dm_events(account.last_dm_event_id)
    for event in events:
        _take(store, config, account_id, me, event, report)
    settled = store.clock.now() - parse_duration(config.inbox.poll_overlap)
    old_enough = [e for e in events if e.created_at is not None and e.created_at <= settled]
    if old_enough:
        store.accounts.set_last_dm_event(account_id, old_enough[-1].id)
    return report


def _take(store: Store, config: Config, account_id: str, me: str, event: DmEventData,
          report: InboxReport, *, history: bool = False) -> None:
    if not event.text and not event.sender_id:
        report.skipped += 1
        return
    if store.messages.has_event(account_id, event.id):
        return
    if event.sender_id == me:
        if not _settle_own_send(store, account_id, event):
            _record_other_tool(store, account_id, event, report)
    else:
        handle_inbound(store, config, account_id, event, report, history=history)


def import_history(store: Store, config: Config, account_id: str, platform: Platform,
                   report: InboxReport) -> None:
    """The first sync of an existing account: its past DMs are history, not news.

    Pages are read newest first and the place is saved after each, so a rate limit
    (X allows 15 reads per 15 minutes) only pauses the import. An opt-out found in
    history is honoured without a confirmation now; only messages newer than
    ``inbox.history_window`` become tasks; the account's own past DMs are kept as
    sent by other tools (or by a person).
    """
    me = platform.whoami().user_id
    account = store.accounts.get(account_id)
    cursor = account.history_cursor if account else None
    try:
        _import_pages(store, config, account_id, platform, report, me, account, cursor)
    except RequestRejected as error:
        if cursor is None:
            raise
        # The saved place is a token the platform no longer knows (tokens may expire;
        # a platform that lost its state knows none): read again from the newest page.
        # Events already stored are skipped, so nothing is acted on twice.
        log.warning("history import: the saved page token was refused (%s); reading "
                    "from the newest page again", error.reason, extra={"account": account_id})
        store.accounts.set_history_cursor(account_id, None)
        _import_pages(store, config, account_id, platform, report, me, account, None)
    store.accounts.history_done(account_id)


def _import_pages(store: Store, config: Config, account_id: str, platform: Platform,
                  report: InboxReport, me: str, account: Account | None,
                  cursor: str | None) -> None:
    recent = store.clock.now() - parse_duration(config.inbox.history_window)
    for events, next_token in platform.dm_event_pages(cursor):
        with store.atomic():
            if cursor is None and events and not (account and account.last_dm_event_id):
                # Polls start above the newest event of the first page; older ones are
                # the import's, newer ones (arriving meanwhile) the polls'.
                store.accounts.set_last_dm_event(account_id, events[0].id)
            for event in reversed(events):
                old = event.created_at is not None and event.created_at < recent
                _take(store, config, account_id, me, event, report, history=old)
            store.accounts.set_history_cursor(account_id, next_token)
        cursor = next_token


def hear_from(store: Store, config: Config, account_id: str, platform: Platform,
              contact: Contact) -> InboxReport:
    """Read one person's conversation now (it lists at once) and act on what is new."""
    report = InboxReport()
    me = platform.whoami().user_id
    for event in platform.conversation_events(contact.user_id):
        _take(store, config, account_id, me, event, report)
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
                   report: InboxReport, *, history: bool = False) -> None:
    """Store an inbound DM and act on it in one transaction.

    The stored event id is what tells the next sync the event was seen, so a STOP
    must never be stored without being applied (a crash in between would lose it).
    A message from ``history`` (the first sync's past) applies an opt-out or opt-in
    silently and opens no task.
    """
    with store.atomic():
        _handle_inbound(store, config, account_id, event, report, history)


def _handle_inbound(store: Store, config: Config, account_id: str, event: DmEventData,
                    report: InboxReport, history: bool) -> None:
    contact_id, new = store.people.upsert_contact(account_id, event.sender_id)
    if new and not history:
        report.new_contact_ids.append(contact_id)
    conversation = store.people.conversation(account_id, contact_id)
    written_at = iso(event.created_at) if event.created_at else store.now()
    with store.atomic():
        message_id = store.messages.add(
            NewMessage(account_id=account_id, contact_id=contact_id, direction="in",
                       origin=Origin.PERSON, kind="inbound", text=event.text, state="received",
                       platform_event_id=event.id, sent_at=written_at),
            actor="sync", reason="received",
        )
        if not conversation.first_inbound_at:
            store.people.note_first_inbound(conversation.id, store.now(),
                                            event.conversation_id)
    report.received += 1
    text = event.text
    opted_out = is_opt_out(text)
    if opted_out:
        with store.atomic():
            if store.people.opt_out(account_id, contact_id, message_id):
                outbox.cancel_pending(store, contact_id, "recipient said stop")
                store.enrolments.stop_for_contact(contact_id, "opted-out")
                if not history:
                    _confirm(store, account_id, contact_id, OPT_OUT_CONFIRMATION)
                report.opt_outs += 1
        # A bare STOP ends here; a STOP beside a question ("...where is my refund?") is
        # also a message a person must answer (personally: the opt-out is of automated
        # messages).
        if not asks_more(text):
            return
    if is_opt_in(text):
        if store.people.opt_in(contact_id):
            if not history:
                _confirm(store, account_id, contact_id, OPT_IN_CONFIRMATION)
            report.opt_ins += 1
        return
    if history:
        return
    if HUMAN.search(text):
        kind, reason = "human", "asked for a person"
    elif store.messages.last_outbound_automated(contact_id, before=written_at):
        kind, reason = "reply", "replied to an automated DM"
    else:
        kind, reason = "reply", "wrote to the account"
    if opted_out:
        reason += " and opted out of automated messages"
    existing = store.tasks.open_for(contact_id, holds=False)
    if existing is not None:
        # The conversation goes on in the task already open for this person (a hold is
        # about its draft, not what they write); a message that matters more (they wrote
        # to a welcome task, they ask for a human) raises it.
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
