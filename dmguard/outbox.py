"""The outbox: drafts are audited, then held, blocked or queued; queued ones are sent once.

States: draft → audited → held | blocked | queued → sending → sent | failed, and
cancelled (opt-out), and needs_attention (a send the platform may have accepted but
that could not be settled: a person looks, dmguard never sends it again). Every
move is a row in ``message_transitions`` with who, why and when. A message is
marked ``sending`` before the platform call and settled after it; after a crash in
between, :func:`reconcile` looks for it on the platform before anything is sent
again, so nothing goes out twice.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from dmguard import learning, tasks
from dmguard.audit.engine import Auditor
from dmguard.audit.model import AuditInput, AuditResult, Context, Recipient
from dmguard.audit.similarity import Signature, signature
from dmguard.clock import iso, parse_duration, parse_iso
from dmguard.config import AccountConfig, Config
from dmguard.places import zone_from_location
from dmguard.platforms.base import (
    AccountProblem,
    DmEventData,
    Platform,
    PlatformUnavailable,
    RateLimited,
    RecipientRefused,
    RequestRejected,
)
from dmguard.policy import cap_deferral, quiet_deferral
from dmguard.process import gone, process_tag
from dmguard.store import CAMPAIGN_ORIGINS, TOO_LATE, Contact, Message, NewMessage, Origin, Store

# A send still unanswered after this long is over: every platform call times out sooner.
SEND_LEASE = timedelta(minutes=5)
#: Calls to the platform for one message before a person must look at it: a message
#: the platform keeps accepting without ever listing is not sent a sixth time.
MAX_ATTEMPTS = 5
#: Rate limits that stop every send of the account until they reset, not just this one.
ACCOUNT_WIDE_LIMITS = ("user-24h", "app-24h", "usage-capped")
#: How far apart dmguard's clock and the platform's may be. An event the platform lists as
#: made at least this long before a send was claimed is proof that the platform's history
#: reaches back past that send (see :func:`history_reaches_back`).
CLOCK_SLACK = timedelta(seconds=5)
#: Page size when reading the account's DMs down to one older than a lost send: the
#: events since the send are few, and X bills every event read.
RECONCILE_PAGE = 20
#: Whoever wrote within this window is heard again (from the platform) before an
#: automated message goes to them: people who write are the ones who write STOP.
LISTEN_WINDOW = timedelta(days=1)
log = logging.getLogger("dmguard.outbox")
_in_flight: set[int] = set()
_in_flight_lock = threading.Lock()


class StoreHistory:
    """The audit's view of the past, read from the store for one account."""

    def __init__(self, store: Store, account_id: str, days: int) -> None:
        from dmguard.audit.similarity import NearDuplicateIndex

        self.store = store
        self.index = NearDuplicateIndex()
        since = store.clock.now() - timedelta(days=days)
        for row in store.messages.recent_outbound_texts(account_id, since):
            self.index.add(signature(row.text, [row.name or ""]))

    def near_duplicates(self, sig: Signature | None) -> int:
        return self.index.count(sig)

    def near_duplicates_were(self, count: int) -> str:
        """Drafts count as well as sent DMs: a text written for many people is a form
        letter whether or not it went out."""
        return (f"similar text was written for about {count} other recipient(s) lately "
                "(sent, queued or held)")

    def sent_to(self, recipient_key: str) -> list[tuple[datetime, str, Signature | None]]:
        contact_id = int(recipient_key)
        since = self.store.clock.now() - timedelta(days=30)
        rows = self.store.messages.automated_sent_to(contact_id, since)
        contact = self.store.people.contact(contact_id)
        name = (contact.name if contact else None) or ""
        return [(parse_iso(r.sent_at), r.text, signature(r.text, [name]))
                for r in rows if r.sent_at]

    def opted_out(self, recipient_key: str) -> bool:
        return self.store.people.is_opted_out(int(recipient_key))

    def record(self, recipient_key: str | None, at: datetime, text: str,
               sig: Signature | None) -> None:
        if recipient_key:
            self.index.add(sig)


def auditor_for(store: Store, config: Config, account: AccountConfig) -> Auditor:
    """The audit as configured for an account, comparing with that account's sent history
    and judging with what the account's people taught the judge (:mod:`dmguard.learning`)."""
    row = store.accounts.get(account.name)
    return Auditor.from_config(
        config, platform=account.policy_name, account_username=row.username if row else None,
        history=StoreHistory(store, account.name, config.audit.history_days), clock=store.clock,
        learned=learning.layer_for(store, account.name))


def audit_input(store: Store, account_id: str, contact: Contact, text: str, kind: str,
                platform: str, step: int | None = None) -> AuditInput:
    recipient = Recipient(
        id=str(contact.id), username=contact.username, name=contact.name,
        bio=contact.bio, location=contact.location, lang=contact.lang,
        last_message=store.messages.last_inbound_text(contact.id),
    )
    context = Context(kind=kind, user_dmed_first=store.messages.user_dmed_first(account_id, contact.id),
                      step=step)
    return AuditInput(text, None, platform, recipient, context)


@dataclass
class Outcome:
    message_id: int
    state: str
    result: AuditResult


def submit(store: Store, auditor: Auditor, config: Config, account_id: str, platform: str,
           contact: Contact, text: str, *, origin: Origin, kind: str, actor: str,
           sequence: str | None = None, step: int | None = None,
           external_id: str | None = None) -> Outcome:
    """Record a draft, audit it, and move it to held, blocked or queued."""
    message_id = store.messages.add(
        NewMessage(account_id=account_id, contact_id=contact.id, direction="out",
                   origin=origin, kind=kind, text=text, state="draft", sequence=sequence,
                   step=step, external_id=external_id),
        actor=actor, reason=f"{origin} draft",
    )
    return audit_message(store, auditor, config, account_id, platform, message_id, actor=actor)


def audit_message(store: Store, auditor: Auditor, config: Config, account_id: str, platform: str,
                  message_id: int, *, actor: str, reopen: bool = True) -> Outcome:
    """Audit a draft (or a released hold) and settle its state.

    A hold opens a task unless ``reopen`` is False (a person re-auditing from a task).
    Findings, state and task commit together: a crash never leaves a message half-audited.
    """
    with store.atomic():
        return _audit_message(store, auditor, config, account_id, platform, message_id,
                              actor=actor, reopen=reopen)


def _audit_message(store: Store, auditor: Auditor, config: Config, account_id: str,
                   platform: str, message_id: int, *, actor: str, reopen: bool) -> Outcome:
    message = store.messages.get(message_id)
    assert message is not None
    assert message.contact_id is not None
    contact = store.people.contact(message.contact_id)
    assert contact is not None
    item = audit_input(store, account_id, contact, message.text, message.kind, platform,
                       message.step)
    result = auditor.audit(item)
    store.messages.add_findings(message_id, result.findings)
    reasons = tasks.held_because(result.findings)
    store.messages.transition(message_id, ("draft", "held"), "audited", actor,
                     f"verdict {result.verdict}, score {result.score}",
                     verdict=result.verdict, score=result.score)
    if result.verdict == "send":
        store.messages.transition(message_id, ("audited",), "queued", "audit", "passed the audit",
                         labelled_text=result.labelled_text)
        state = "queued"
    elif result.verdict == "hold":
        store.messages.transition(message_id, ("audited",), "held", "audit", reasons)
        if reopen:
            tasks.open_task(store, config, account_id, contact.id, "hold",
                            f"make this personal: {reasons}", message_id=message_id)
        state = "held"
    else:
        store.messages.transition(message_id, ("audited",), "blocked", "audit", reasons)
        state = "blocked"
    return Outcome(message_id, state, result)


def cancel_pending(store: Store, contact_id: int, reason: str) -> int:
    count = 0
    for message in store.messages.pending_automated(contact_id):
        if store.messages.transition(message.id, (message.state,), "cancelled", "opt-out", reason):
            count += 1
    return count


@dataclass
class SendReport:
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    blocked: int = 0
    #: Automated DMs cancelled as too late to send (``limits.give_up_after``).
    given_up: int = 0
    stopped_by: str | None = None


class Sender:
    """Sends at most one queued message per ``limits.spacing``, within the platform's windows."""

    def __init__(self, store: Store, config: Config, account_id: str, platform: Platform,
                 hear_first: Callable[[Contact], None] | None = None) -> None:
        """``hear_first(contact)`` reads what that person wrote lately, straight from the
        platform, before an automated message goes to them: a STOP listed before the
        send always wins (the inbox, which would import this module, provides it)."""
        self.store = store
        self.config = config
        self.account_id = account_id
        self.platform = platform
        self.hear_first = hear_first
        self.spacing = parse_duration(config.limits.spacing)
        self.cooldown = parse_duration(config.tasks.takeover_cooldown)

    def window_allows(self, now: datetime) -> str | None:
        """None when a send is allowed now, else why not."""
        limits = self.config.limits
        last = self.store.messages.last_sent_at(self.account_id)
        # The sender job fires every `spacing`, and the last send was stamped a moment
        # after its job fired: without some slack every other turn would be skipped.
        if last and now - parse_iso(last) < self.spacing * 0.9:
            return "spacing"
        if self.store.messages.sent_count(self.account_id, now - timedelta(minutes=15)) >= limits.per_15min:
            return "15-minute limit"
        if self.store.messages.sent_count(self.account_id, now - timedelta(hours=24)) >= limits.per_24h:
            return "24-hour limit"
        return None

    def stopped(self, report: SendReport) -> bool:
        """Whether the account may not send now (paused, or sends blocked until a time); the
        reason goes to ``report.stopped_by``."""
        store = self.store
        account = store.accounts.get(self.account_id)
        if account and account.paused_reason:
            report.stopped_by = f"account paused: {account.paused_reason}"
            return True
        if account and account.sends_blocked_until and account.sends_blocked_until > store.now():
            report.stopped_by = (f"sends blocked until {account.sends_blocked_until[:16]}: "
                                 f"{account.sends_blocked_reason}")
            return True
        return False

    def send_due(self, max_messages: int = 1) -> SendReport:
        report = SendReport()
        store = self.store
        tasks.resume_after_takeover(store, self.config, self.account_id)
        self._give_up_late(report)
        if self.stopped(report):
            return report
        for message in store.messages.in_state(self.account_id, "queued", due_by=store.now(),
                                               limit=50):
            if report.sent >= max_messages:
                break
            now = store.clock.now()
            why_not = self.window_allows(now)
            if why_not:
                report.stopped_by = why_not
                break
            self._listen_before(message, now)
            # The opt-out check and the claim commit together: a STOP stored by the inbox
            # either comes first and cancels this message, or after it has left.
            try:
                with store.atomic():
                    claimed = self._may_go(message, report, now) and self.claim(message)
            except BaseException:
                _forget(message.id)
                raise
            if claimed:
                self.deliver(message, report)
            if report.stopped_by:
                break
        return report

    def _give_up_late(self, report: SendReport) -> None:
        """After an outage, cancel the automated DMs whose time passed more than
        ``limits.give_up_after`` ago: sent now, they would arrive out of season.

        An outage is a gap of ``give_up_after`` or more since the sender last went over the
        queue. Without one, a DM still waiting is waiting for [limits] or [caps] (a
        campaign larger than a day's sends), as planned, and nothing is given up."""
        store = self.store
        previous = store.accounts.sender_seen(self.account_id)
        setting = self.config.limits.give_up_after
        limit = parse_duration(setting)
        now = store.clock.now()
        if not limit or previous is None or now - parse_iso(previous) < limit:
            return
        report.given_up = store.messages.give_up_late(
            self.account_id, iso(now - limit),
            f"{TOO_LATE}: still unsent {setting} after its time, after an outage since "
            f"{previous[:16]} (limits.give_up_after)")
        if report.given_up:
            log.warning("send account=%s: %d automated DM(s) too late to send after an outage "
                        "since %s, cancelled (limits.give_up_after = %s)", self.account_id,
                        report.given_up, previous[:16], setting,
                        extra={"account": self.account_id, "given_up": report.given_up})

    def _listen_before(self, message: Message, now: datetime) -> None:
        """Before an automated DM to someone who wrote in the last day, hear them first."""
        if self.hear_first is None or message.origin not in CAMPAIGN_ORIGINS:
            return
        last = self.store.messages.last_inbound_at(message.contact_id)
        if last and now - parse_iso(last) <= LISTEN_WINDOW:
            contact = self.store.people.contact(message.contact_id)
            assert contact is not None
            self.hear_first(contact)

    def _may_go(self, message: Message, report: SendReport, now: datetime) -> bool:
        store = self.store
        contact = store.people.contact(message.contact_id)
        assert contact is not None
        automated = message.origin in CAMPAIGN_ORIGINS
        if automated and store.people.is_opted_out(contact.id):
            store.messages.transition(message.id, ("queued",), "cancelled", "sender",
                             "recipient opted out")
            report.blocked += 1
            return False
        if automated:
            silence = store.people.human_silence_until(self.account_id, contact.id,
                                                       self.cooldown)
            deferral = None
            if silence:
                deferral = (silence, "a person has taken over this conversation")
            else:
                capped = cap_deferral(store, contact.id, self.config.caps, now)
                quiet = quiet_deferral(self.config.quiet_hours,
                                       zone_from_location(contact.location), now)
                chosen = capped or quiet
                if chosen:
                    deferral = (iso(chosen.until), chosen.reason)
            if deferral:
                store.messages.defer(message.id, deferral[0], "sender", deferral[1])
                report.deferred += 1
                return False
        return True

    def send_one(self, message: Message, report: SendReport) -> None:
        """Send this message now, unless the account may not send (then it stays queued)."""
        if not self.stopped(report) and self.claim(message):
            self.deliver(message, report)

    def claim(self, message: Message) -> bool:
        """Move a queued message to ``sending`` in this process's name; False if taken."""
        with _in_flight_lock:
            _in_flight.add(message.id)
        claimed = self.store.messages.transition(message.id, ("queued",), "sending", "sender",
                                        "calling the platform", attempts=message.attempts + 1,
                                        sending_by=process_tag())
        if not claimed:
            _forget(message.id)
        return claimed

    def deliver(self, message: Message, report: SendReport) -> None:
        """Call the platform for a claimed message and settle it by the answer."""
        try:
            self._deliver(message, report)
        finally:
            _forget(message.id)

    def _deliver(self, message: Message, report: SendReport) -> None:
        """Settle a claimed message by the platform's answer, whatever it is.

        Permanent answers fail only this message, with the platform's words; account
        answers put it back in the queue and pause the account; an answer that never
        came leaves it in ``sending`` for :func:`reconcile`. Once the platform has
        accepted the DM, a failure to record that moves the message to
        ``needs_attention``, never back to the queue: it is not sent again.
        """
        store = self.store
        contact = store.people.contact(message.contact_id)
        assert contact is not None
        text = message.labelled_text or message.text
        try:
            sent = self.platform.send_dm(contact.user_id, text)
        except RateLimited as error:
            until = iso(error.reset_at) if error.reset_at else store.now()
            store.messages.transition(message.id, ("sending",), "queued", "sender", str(error),
                                      send_after=until)
            if error.scope in ACCOUNT_WIDE_LIMITS:
                store.accounts.block_sends(self.account_id, until, error.reason)
                log.warning("sends stop until %s: %s", until[:16], error.reason,
                            extra={"account": self.account_id, "until": until})
            report.stopped_by = "rate limited by the platform"
        except (RecipientRefused, RequestRejected) as error:
            store.messages.transition(message.id, ("sending",), "failed", "sender", str(error),
                                      failure=error.reason)
            log.warning("message %d failed: %s", message.id, error.reason,
                        extra={"account": self.account_id, "message_id": message.id})
            report.failed += 1
        except AccountProblem as error:
            pause_for(store, self.account_id, error, message_id=message.id)
            report.stopped_by = f"account paused: {error.reason}"
        except PlatformUnavailable as error:
            # Left in `sending`: the DM may have arrived. reconcile() settles it from the
            # platform's own record before anything is sent again.
            store.messages.note_failure(message.id, f"outcome unknown: {error}")
            report.stopped_by = "platform unavailable"
        except Exception as error:
            # An answer nobody mapped: the DM may or may not have arrived, so it is
            # settled like a lost answer, and the queue goes on at the next turn.
            store.messages.note_failure(message.id, f"outcome unknown: {error!r}")
            log.error("message %d: unexpected answer from the platform: %r", message.id, error,
                      extra={"account": self.account_id, "message_id": message.id})
            report.stopped_by = "unexpected answer from the platform"
        else:
            self._record_sent(message, sent.event_id, report)

    def _record_sent(self, message: Message, event_id: str, report: SendReport) -> None:
        store = self.store
        try:
            # False when the inbox sync already found the event and settled the message.
            if mark_sent(store, message, "sender", f"platform event {event_id}",
                         platform_event_id=event_id, sent_at=store.now()):
                report.sent += 1
                log.info("sent message %d to contact %d as event %s", message.id,
                         message.contact_id, event_id,
                         extra={"account": self.account_id, "message_id": message.id,
                                "event_id": event_id, "origin": str(message.origin)})
        except Exception as error:
            needs_attention(store, message.id, "sender", f"the platform accepted it as event "
                            f"{event_id}, but recording that failed ({error!r}); it will not be "
                            "sent again")
            report.stopped_by = "could not record a send"


def pause_for(store: Store, account_id: str, error: AccountProblem, *,
              message_id: int | None = None) -> None:
    """Pause the account for an account-level answer; a message in flight waits in the queue."""
    reason = error.explained
    with store.atomic():
        if message_id is not None:
            store.messages.transition(message_id, ("sending",), "queued", "sender",
                                      f"account problem: {error.reason}")
        store.accounts.pause(account_id, reason)
    log.error("account paused: %s", reason, extra={"account": account_id})


def needs_attention(store: Store, message_id: int, actor: str, reason: str) -> bool:
    """Park a message a person must look at: logged at ERROR when it is parked, and when
    the database refuses it. A message another job settled meanwhile (the tick and the
    sender both reconcile) is not parked, and needs nobody's attention."""
    try:
        parked = store.messages.transition(message_id, ("sending", "queued"), "needs_attention",
                                           actor, reason, failure=reason)
    except Exception as error:  # the disk may be full: the message stays `sending`
        log.error("message %d needs attention: %s; could not record it (%r): it stays "
                  "'sending' and is never requeued while the platform lists it", message_id,
                  reason, error, extra={"message_id": message_id})
        return False
    if parked:
        log.error("message %d needs attention: %s", message_id, reason,
                  extra={"message_id": message_id})
    else:
        log.info("message %d was settled meanwhile, not parked (%s)", message_id, reason,
                 extra={"message_id": message_id})
    return parked


class SettleError(Exception):
    """A person's word on a message that is not waiting for one."""


def settle_by_person(store: Store, message_id: int, who: str, *, arrived: bool) -> Message:
    """A person's word on a message waiting for one (``needs_attention``), once they have
    looked at the conversation on the platform. It ``arrived``: sent (a personal reply
    closes its task, as when dmguard finds it). It did not: failed, and never sent again by
    itself; a personal reply's task stays open, so they can answer again.

    Raises :class:`SettleError` for a message that is not waiting for a person."""
    with store.atomic():
        message = store.messages.get(message_id)
        if message is None:
            raise SettleError(f"no message {message_id}")
        if message.state != "needs_attention":
            raise SettleError(f"message {message_id} is {message.state}, not waiting for a "
                              "person")
        if arrived:
            store.messages.transition(message_id, ("needs_attention",), "sent", who,
                                      "a person found it on the platform", failure=None,
                                      sent_at=store.now())
            if message.origin == Origin.HUMAN:
                tasks.close_replied(store, message_id)
        else:
            store.messages.transition(message_id, ("needs_attention",), "failed", who,
                                      "a person found it did not arrive; not sent again",
                                      failure=f"did not arrive (a person looked: {who})")
    settled = store.messages.get(message_id)
    assert settled is not None
    return settled


URL = re.compile(r"https?://\S+")


def same_dm_text(sent: str, seen: str) -> bool:
    """Whether a DM event on the platform carries the text we sent.

    X rewrites links to t.co and may trim whitespace, so links and spacing are
    compared loosely; everything else must match.
    """
    def norm(text: str) -> str:
        return " ".join(URL.sub("<link>", text).split())

    return sent == seen or norm(sent) == norm(seen)


def settle_from_event(store: Store, contact_id: int, event_text: str, event_id: str,
                      sent_at: str, actor: str) -> bool:
    """Settle the message to this person that this platform event carries: sent, if it
    awaited the platform's answer or a person (the platform now shows it arrived); its event
    recorded, if a person already said it arrived. So it is never taken for another tool's."""
    for message in store.messages.awaiting_event(contact_id):
        if same_dm_text(message.labelled_text or message.text, event_text):
            if message.state == "sent":
                return store.messages.attach_event(message.id, event_id)
            return mark_sent(store, message, actor, f"found on the platform as event {event_id}",
                             platform_event_id=event_id, sent_at=sent_at, clear_failure=True)
    return False


def mark_sent(store: Store, message: Message, actor: str, reason: str, *,
              platform_event_id: str, sent_at: str, clear_failure: bool = False) -> bool:
    """Settle a message in ``sending`` (or waiting for a person) as sent; a personal reply
    also closes its task."""
    with store.atomic():
        cleared = {"failure": None} if clear_failure else {}
        if not store.messages.transition(message.id, ("sending", "needs_attention"), "sent",
                                         actor, reason, platform_event_id=platform_event_id,
                                         sent_at=sent_at, **cleared):
            return False
        if message.origin == Origin.HUMAN:
            tasks.close_replied(store, message.id)
    return True


def _forget(message_id: int) -> None:
    with _in_flight_lock:
        _in_flight.discard(message_id)


def send_abandoned(message: Message, now: datetime) -> bool:
    """True when nobody can still be waiting for the platform's answer to this send.

    The claimant is this process and the call has returned, or it was a process on
    this machine that no longer runs (a crash), or the claim is older than any call's
    timeout. Until then, reconcile leaves the message alone: settling a send still in
    flight would requeue it and send it twice.
    """
    owner = message.sending_by
    if not owner:
        return True
    if owner == process_tag():
        with _in_flight_lock:
            return message.id not in _in_flight
    if gone(owner):
        return True
    return now - parse_iso(message.updated_at) > SEND_LEASE


def reconcile(store: Store, account_id: str, platform: Platform) -> tuple[int, int]:
    """Settle messages left in ``sending`` (a crash, or a send whose answer was lost).

    Found among the platform's DM events → sent; not found → queued again, once the
    platform's listings have had time to show it and only if they reach back past the
    send (:func:`history_reaches_back`); a platform whose history starts after the send
    (it lost its memory) cannot prove the DM did not arrive, so a person looks
    (``needs_attention``) and it is never sent again by itself. A send still in flight
    elsewhere is left to its sender (see :func:`send_abandoned`).

    Returns (found, requeued).
    """
    found = requeued = 0
    now = store.clock.now()
    me = None
    for message in store.messages.in_state(account_id, "sending"):
        if not send_abandoned(message, now):
            continue
        contact = store.people.contact(message.contact_id)
        assert contact is not None
        text = message.labelled_text or message.text
        me = me or platform.whoami().user_id
        conversation = platform.conversation_events(contact.user_id)
        ours = [e for e in conversation if e.sender_id == me and same_dm_text(text, e.text)]
        fresh = next((e for e in ours if not store.messages.has_event(account_id, e.id)), None)
        if fresh:
            mark_sent(store, message, "reconcile", f"found on the platform as event {fresh.id}",
                      platform_event_id=fresh.id, clear_failure=True,
                      sent_at=iso(fresh.created_at) if fresh.created_at else store.now())
            found += 1
        elif ours:
            # The platform lists this text from us, but under an event another row holds
            # (a send recorded twice; ids are never reused, fundamentals/x-ids.mdx): it may
            # have arrived, so a person decides, and it is never sent again by itself.
            needs_attention(store, message.id, "reconcile",
                            f"the platform lists this DM as event {ours[0].id}, which another "
                            "message already holds")
        elif now - parse_iso(message.updated_at) >= platform.listing_lag:
            claimed_at = parse_iso(message.updated_at)
            if not history_reaches_back(platform, conversation, claimed_at):
                needs_attention(store, message.id, "reconcile",
                                f"not listed, but the platform lists nothing from before "
                                f"this send ({message.updated_at[:19]}): its history starts "
                                "later, so it cannot show the DM did not arrive; not sent "
                                "again")
                continue
            if message.attempts >= MAX_ATTEMPTS:
                needs_attention(store, message.id, "reconcile",
                                f"sent {message.attempts} times without the platform listing "
                                "it; not sent again")
                continue
            store.messages.transition(message.id, ("sending",), "queued", "reconcile",
                                      "not on the platform; will send again", failure=None)
            requeued += 1
    return found, requeued


def history_reaches_back(platform: Platform, conversation: list[DmEventData],
                         claimed_at: datetime) -> bool:
    """Whether the platform's DM listing goes back past a send claimed at ``claimed_at``.

    Only then does "not listed" mean "not sent". A platform that lost its memory (an
    emulator restarted without its state; history older than X keeps) lists no event
    from before the send, and a DM delivered in that very moment is not listed either.
    Proof is one event made ``CLOCK_SLACK`` before the claim: in this conversation
    (already read), else anywhere in the account, read newest first only as far down
    as the first such event. An account with no DM before the send has no proof: its
    lost send waits for a person rather than risk a second copy.
    """
    before = claimed_at - CLOCK_SLACK

    def older(events: list[DmEventData]) -> bool:
        return any(e.created_at is not None and e.created_at <= before for e in events)

    if older(conversation):
        return True
    return any(older(events) for events, _ in platform.dm_event_pages(page_size=RECONCILE_PAGE))
