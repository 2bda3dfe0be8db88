"""Messages: DMs in and out, every move between states, and the audit's findings on them.

States of an outbound message: draft → audited → held | blocked | queued → sending →
sent | failed, and cancelled. Every move is a :class:`Transition` with who and why.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from dmguard.clock import iso
from dmguard.store.connection import Connection, marks, sql_list
from dmguard.store.origins import AUTOMATED_ORIGINS, CAMPAIGN_ORIGINS, Origin
from dmguard.store.people import FOREVER
from dmguard.store.rows import UNSET, Unset, given, record

#: An outbound message not yet handed to the platform, nor stopped.
PENDING_MESSAGE_STATES = ("draft", "audited", "queued", "held")

#: An outbound message that has not gone out (nor is going): every state but sending, sent.
_NOT_SENT = (*PENDING_MESSAGE_STATES, "blocked", "failed", "cancelled")

_CAMPAIGN = sql_list(CAMPAIGN_ORIGINS)
_AUTOMATED = sql_list(AUTOMATED_ORIGINS)


@dataclass(frozen=True)
class Message:
    id: int
    account_id: str
    contact_id: int | None
    direction: str
    origin: Origin
    kind: str
    external_id: str | None
    sequence: str | None
    step: int | None
    text: str
    labelled_text: str | None
    state: str
    verdict: str | None
    score: int | None
    platform_event_id: str | None
    failure: str | None
    attempts: int
    send_after: str | None
    created_at: str
    updated_at: str
    sent_at: str | None
    sending_by: str | None

    @property
    def final_text(self) -> str:
        """What goes (or went) out: the labelled text when there is one."""
        return self.labelled_text or self.text


@dataclass(frozen=True)
class NewMessage:
    """A message to record; :meth:`Messages.add` stamps it and records its first state."""

    account_id: str
    contact_id: int | None
    direction: str
    origin: Origin
    kind: str
    text: str
    state: str
    labelled_text: str | None = None
    verdict: str | None = None
    sequence: str | None = None
    step: int | None = None
    external_id: str | None = None
    platform_event_id: str | None = None
    sent_at: str | None = None


@dataclass(frozen=True)
class StateCount:
    state: str
    count: int
    oldest: str
    oldest_id: int


@dataclass(frozen=True)
class Transition:
    id: int
    message_id: int
    account_id: str | None
    origin: str | None
    from_state: str | None
    to_state: str
    actor: str
    reason: str | None
    at: str


@dataclass(frozen=True)
class FindingRow:
    id: int
    message_id: int
    rule: str
    name: str
    severity: str
    message: str
    span_start: int | None
    span_end: int | None


class FindingLike(Protocol):
    """What the store keeps of an audit finding (``dmguard.audit.model.Finding`` is one)."""

    @property
    def rule(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def span(self) -> tuple[int, int] | None: ...


@dataclass(frozen=True)
class Judgement:
    """A verdict on a stored message, to save with :meth:`Messages.save_verdicts`."""

    message_id: int
    verdict: str
    score: int
    findings: Sequence[FindingLike]
    #: Judged before: its earlier findings are replaced.
    again: bool


@dataclass(frozen=True)
class SentMessage:
    """A sent DM with its recipient, as the review of sent DMs reads it."""

    id: int
    contact_id: int | None
    origin: Origin
    kind: str
    text: str
    labelled_text: str | None
    sent_at: str
    verdict: str | None
    user_id: str | None
    username: str | None
    contact_name: str | None
    bio: str | None
    location: str | None
    followed_at: str | None


@dataclass(frozen=True)
class SentText:
    id: int
    text: str
    sent_at: str | None


@dataclass(frozen=True)
class OutboundText:
    text: str
    contact_id: int | None
    name: str | None
    origin: str | None = None


@dataclass(frozen=True)
class DraftText:
    """An automated message written for someone, with that person's names."""

    id: int
    text: str
    state: str
    contact_id: int
    name: str | None
    username: str | None


def _message(row: dict[str, Any]) -> Message:
    return record(Message, {**row, "origin": Origin(row["origin"])})


def _span(finding: FindingLike) -> tuple[int | None, int | None]:
    return (finding.span[0], finding.span[1]) if finding.span else (None, None)


class Messages:
    def __init__(self, connection: Connection) -> None:
        self._sql = connection

    # --- writing ------------------------------------------------------------------

    def add(self, new: NewMessage, actor: str, reason: str | None = None) -> int:
        """Record a message and its first transition together; return its id."""
        now = self._sql.now()
        row = {"account_id": new.account_id, "contact_id": new.contact_id,
               "direction": new.direction, "origin": str(new.origin), "kind": new.kind,
               "external_id": new.external_id, "sequence": new.sequence, "step": new.step,
               "text": new.text, "labelled_text": new.labelled_text, "state": new.state,
               "verdict": new.verdict, "platform_event_id": new.platform_event_id,
               "sent_at": new.sent_at, "created_at": now, "updated_at": now}
        with self._sql.atomic():
            message_id = self._sql.insert("messages", row)
            self._sql.insert("message_transitions", {
                "message_id": message_id, "account_id": new.account_id,
                "origin": str(new.origin), "from_state": None, "to_state": new.state,
                "actor": actor, "reason": reason, "at": now})
        return message_id

    def transition(
        self, message_id: int, from_states: tuple[str, ...], to_state: str, actor: str,
        reason: str | None = None, *,
        verdict: str | Unset = UNSET, score: int | Unset = UNSET,
        labelled_text: str | Unset | None = UNSET, send_after: str | Unset | None = UNSET,
        failure: str | Unset | None = UNSET, attempts: int | Unset = UNSET,
        sending_by: str | Unset | None = UNSET, platform_event_id: str | Unset | None = UNSET,
        sent_at: str | Unset | None = UNSET,
    ) -> bool:
        """Move a message to ``to_state`` if it is in one of ``from_states``; record why.

        The keyword fields given are written in the same statement. Returns False (and
        changes nothing) when the message was not in an allowed state, which is how
        two workers racing for the same message are told apart.
        """
        fields = given(verdict=verdict, score=score, labelled_text=labelled_text,
                       send_after=send_after, failure=failure, attempts=attempts,
                       sending_by=sending_by, platform_event_id=platform_event_id,
                       sent_at=sent_at)
        now = self._sql.now()
        with self._sql.atomic():
            row = self._sql.execute("SELECT state, account_id, origin FROM messages WHERE id = ?",
                                    [message_id]).fetchone()
            current = row[0] if row else None
            if current not in from_states:
                return False
            extra = "".join(f", {column} = ?" for column in fields)
            cursor = self._sql.execute(
                f"UPDATE messages SET state = ?, updated_at = ?{extra} "
                f"WHERE id = ? AND state IN ({marks(from_states)})",
                [to_state, now, *fields.values(), message_id, *from_states],
            )
            if cursor.rowcount != 1:
                return False
            self._sql.insert("message_transitions", {
                "message_id": message_id, "account_id": row[1], "origin": row[2],
                "from_state": current, "to_state": to_state, "actor": actor, "reason": reason,
                "at": now})
        return True

    def defer(self, message_id: int, until: str, actor: str, reason: str) -> bool:
        """Keep a queued message queued until ``until``; the wait and its reason are recorded."""
        return self.transition(message_id, ("queued",), "queued", actor,
                               f"deferred until {until[:16]}: {reason}", send_after=until)

    def note_failure(self, message_id: int, failure: str) -> None:
        self._sql.execute("UPDATE messages SET failure = ? WHERE id = ?", [failure, message_id])

    def edit_text(self, message_id: int, text: str) -> None:
        """A person edited a held draft before releasing it."""
        self._sql.update("messages", message_id, text=text, updated_at=self._sql.now())

    # --- reading one person's messages --------------------------------------------

    def get(self, message_id: int) -> Message | None:
        row = self._sql.one("SELECT * FROM messages WHERE id = ?", [message_id])
        return None if row is None else _message(row)

    def transitions(self, message_id: int) -> list[Transition]:
        return [record(Transition, row) for row in self._sql.rows(
            "SELECT * FROM message_transitions WHERE message_id = ? ORDER BY id", [message_id])]

    def conversation(self, contact_id: int, limit: int = 20) -> list[Message]:
        """The last ``limit`` messages sent to or received from a person, oldest first."""
        rows = self._sql.all(
            "SELECT * FROM messages WHERE contact_id = ? AND state IN ('sent', 'received') "
            "ORDER BY COALESCE(sent_at, created_at) DESC, id DESC LIMIT ?",
            [contact_id, limit],
        )
        return [_message(row) for row in rows[::-1]]

    def by_state(self, account_id: str) -> list[StateCount]:
        """Outgoing messages per state, with the oldest (by last change) in each: its time
        and its id, of the same row (SQLite takes a bare column from the row that the
        query's one MIN() picked)."""
        return [record(StateCount, row) for row in self._sql.rows(
            "SELECT state, COUNT(*) AS count, MIN(updated_at) AS oldest, id AS oldest_id "
            "FROM messages WHERE account_id = ? AND direction = 'out' GROUP BY state "
            "ORDER BY state", [account_id])]

    def deferred(self, account_id: str, now: str) -> tuple[int, str | None]:
        """Queued messages waiting for a later moment: how many, and the first moment."""
        row = self._sql.one(
            "SELECT COUNT(*) AS count, MIN(send_after) AS first FROM messages WHERE "
            "account_id = ? AND state = 'queued' AND send_after > ?", [account_id, now])
        return (int(row["count"]), row["first"]) if row else (0, None)

    def last_inbound_at(self, contact_id: int) -> str | None:
        """When this person last wrote to the account."""
        return self._sql.scalar("SELECT MAX(COALESCE(sent_at, created_at)) FROM messages "
                                "WHERE contact_id = ? AND direction = 'in'", [contact_id])

    def unsettled_replies(self, contact_id: int) -> int:
        """Personal replies to this person still queued or awaiting the platform's answer."""
        return int(self._sql.scalar(
            "SELECT COUNT(*) FROM messages WHERE contact_id = ? AND origin = 'human' "
            "AND state IN ('queued', 'sending')", [contact_id]))

    def last_inbound_id(self, contact_id: int) -> int | None:
        """The last message this person wrote to the account, by id."""
        return self._sql.scalar("SELECT MAX(id) FROM messages WHERE contact_id = ? "
                                "AND direction = 'in'", [contact_id])

    def last_inbound_text(self, contact_id: int) -> str | None:
        return self._sql.scalar("SELECT text FROM messages WHERE contact_id = ? "
                                "AND direction = 'in' ORDER BY id DESC LIMIT 1", [contact_id])

    def user_dmed_first(self, account_id: str, contact_id: int) -> bool:
        """Whether the person has ever written to the account."""
        return bool(self._sql.scalar(
            "SELECT 1 FROM messages WHERE account_id = ? AND contact_id = ? "
            "AND direction = 'in' LIMIT 1", [account_id, contact_id]))

    def last_outbound_automated(self, contact_id: int,
                                before: str | None = None) -> Message | None:
        """The last campaign message (sequence or submitted) sent to this person (before
        ``before``, if given)."""
        earlier = "AND sent_at < ? " if before else ""
        row = self._sql.one(
            "SELECT * FROM messages WHERE contact_id = ? AND direction = 'out' "
            f"AND origin IN {_CAMPAIGN} AND state = 'sent' {earlier}"
            "ORDER BY sent_at DESC LIMIT 1",
            [contact_id, *([before] if before else [])],
        )
        return None if row is None else _message(row)

    def automated_sent_to(self, contact_id: int, since: datetime) -> list[SentText]:
        """Automated messages (confirmations included) queued or sent to a person since."""
        return [record(SentText, row) for row in self._sql.rows(
            "SELECT id, text, sent_at FROM messages WHERE contact_id = ? AND direction = 'out' "
            f"AND origin IN {_AUTOMATED} "
            "AND state IN ('queued', 'sending', 'sent') AND COALESCE(sent_at, updated_at) > ?",
            [contact_id, iso(since)])]

    def pending_automated(self, contact_id: int) -> list[Message]:
        """Campaign messages to this person that have not gone out (what a STOP cancels)."""
        return [_message(row) for row in self._sql.rows(
            f"SELECT * FROM messages WHERE contact_id = ? AND direction = 'out' "
            f"AND origin IN {_CAMPAIGN} AND state IN ({marks(PENDING_MESSAGE_STATES)})",
            [contact_id, *PENDING_MESSAGE_STATES])]

    def automated_unsent(self, contact_id: int) -> list[Message]:
        """Campaign messages meant for this person that have not gone out, oldest first:
        held, blocked, cancelled, failed or still on their way to the sender."""
        return [_message(row) for row in self._sql.rows(
            "SELECT * FROM messages WHERE contact_id = ? AND direction = 'out' "
            f"AND origin IN {_CAMPAIGN} AND state NOT IN ('sending', 'sent') ORDER BY id",
            [contact_id])]

    def automated_unsent_for_others(self, account_id: str, contact_id: int,
                                    since: datetime) -> Iterator[DraftText]:
        """Campaign messages of the account for anyone but this person that have not gone
        out (as :meth:`automated_unsent`: held, blocked, cancelled, failed or on their way to
        the sender), written since a moment or still held, newest first."""
        # By state (an index), not by time: the window holds every DM the account sent.
        for row in self._sql.rows(
            "SELECT m.id, m.text, m.state, m.contact_id, c.name, c.username FROM messages m "
            "JOIN contacts c ON c.id = m.contact_id WHERE m.account_id = ? "
            f"AND m.state IN ({marks(_NOT_SENT)}) AND m.direction = 'out' "
            f"AND m.origin IN {_CAMPAIGN} AND m.contact_id != ? "
            "AND (m.created_at > ? OR m.state = 'held') ORDER BY m.id DESC",
            [account_id, *_NOT_SENT, contact_id, iso(since)],
        ):
            yield record(DraftText, row)

    def submitted_before(self, account_id: str, contact_id: int, external_id: str | None,
                         text: str) -> Message | None:
        """The earlier submitted draft a new one would repeat, or None.

        With an id: one submitted with that id to this person by this account, in any
        state (sent, held, cancelled...). Without an id: one with the same text to this
        person that has not gone out yet. Call inside :meth:`Connection.atomic` together
        with the insert, so two submits cannot both add it.
        """
        if external_id is not None:
            row = self._sql.one(
                "SELECT * FROM messages WHERE contact_id = ? AND account_id = ? "
                "AND direction = 'out' AND origin = ? AND external_id = ? ORDER BY id LIMIT 1",
                [contact_id, account_id, str(Origin.SUBMIT), external_id])
        else:
            row = self._sql.one(
                "SELECT * FROM messages WHERE contact_id = ? AND account_id = ? "
                "AND direction = 'out' AND origin = ? AND text = ? "
                f"AND state IN ({marks(PENDING_MESSAGE_STATES)}) ORDER BY id LIMIT 1",
                [contact_id, account_id, str(Origin.SUBMIT), text, *PENDING_MESSAGE_STATES])
        return None if row is None else _message(row)

    def waiting_for_a_person(self, contact_id: int) -> list[Message]:
        """Messages to this person parked for a person to look at (``needs_attention``)."""
        return [_message(row) for row in self._sql.rows(
            "SELECT * FROM messages WHERE contact_id = ? AND state = 'needs_attention' "
            "ORDER BY id", [contact_id])]

    def awaiting_event(self, contact_id: int) -> list[Message]:
        """Messages of ours to this person whose platform event is not known, oldest first:
        awaiting the platform's answer (``sending``), waiting for a person
        (``needs_attention``), or sent by a person's word (no event id)."""
        return [_message(row) for row in self._sql.rows(
            "SELECT * FROM messages WHERE contact_id = ? AND direction = 'out' "
            "AND origin != 'other' AND platform_event_id IS NULL "
            "AND state IN ('sending', 'needs_attention', 'sent') ORDER BY id", [contact_id])]

    def attach_event(self, message_id: int, event_id: str) -> bool:
        """Record the platform event of a message sent without one (a person said it
        arrived); False when it has one already. No transition is recorded: the state does
        not change, and the reports count transitions to ``sent``."""
        return bool(self._sql.execute(
            "UPDATE messages SET platform_event_id = ?, updated_at = ? WHERE id = ? "
            "AND state = 'sent' AND platform_event_id IS NULL",
            [event_id, self._sql.now(), message_id]).rowcount)

    # --- reading an account's messages --------------------------------------------

    def in_state(self, account_id: str, state: str, *, due_by: str | None = None,
                 limit: int = 1000) -> list[Message]:
        """Messages in a state, by id; with ``due_by``, those due then: answers first (STOP and
        START confirmations, people's replies), then campaigns, each soonest first. An
        answer waits behind no campaign backlog: it is what the person is waiting for."""
        if due_by is None:
            rows = self._sql.rows(
                "SELECT * FROM messages WHERE account_id = ? AND state = ? ORDER BY id LIMIT ?",
                [account_id, state, limit])
        else:
            rows = self._sql.rows(
                "SELECT * FROM messages WHERE account_id = ? AND state = ? "
                "AND (send_after IS NULL OR send_after <= ?) "
                f"ORDER BY origin IN {_CAMPAIGN}, send_after, id LIMIT ?",
                [account_id, state, due_by, limit])
        return [_message(row) for row in rows]

    def give_up_late(self, account_id: str, due_before: str, reason: str) -> int:
        """Cancel the queued automated messages whose time came before ``due_before``: too
        late to send. Their time is the later of ``send_after`` (a deferral) and their last
        change (``updated_at``: queued, released from a hold, requeued after a failed
        attempt), so a draft released today from a week-old hold is not late. One
        transaction; each cancellation recorded with ``reason``. How many were cancelled."""
        with self._sql.atomic():
            late = [int(row["id"]) for row in self._sql.rows(
                f"SELECT id FROM messages WHERE account_id = ? AND state = 'queued' "
                f"AND origin IN {_CAMPAIGN} "
                "AND MAX(COALESCE(send_after, updated_at), updated_at) < ? ORDER BY id",
                [account_id, due_before])]
            return sum(self.transition(message_id, ("queued",), "cancelled", "sender", reason)
                       for message_id in late)

    def waiting_for_a_claim(self, account_id: str,
                            contact_id: int | None = None) -> list[Message]:
        """Queued messages deferred while their person's conversation was claimed
        (:data:`~dmguard.store.people.FOREVER`) whose person no task holds any more."""
        about = "AND m.contact_id = ? " if contact_id is not None else ""
        return [_message(row) for row in self._sql.rows(
            "SELECT m.* FROM messages m WHERE m.account_id = ? AND m.state = 'queued' "
            f"AND m.send_after = ? {about}AND NOT EXISTS (SELECT 1 FROM tasks t "
            "WHERE t.contact_id = m.contact_id AND t.state = 'claimed') ORDER BY m.id",
            [account_id, FOREVER, *([contact_id] if contact_id is not None else [])])]

    def held_without_open_task(self, account_id: str) -> list[tuple[Message, bool]]:
        """The account's held drafts that no open task is about, each with whether a task
        ever was (then it closed and left the draft held: the way of databases from before
        every held draft had its task)."""
        rows = self._sql.rows(
            "SELECT m.*, EXISTS(SELECT 1 FROM tasks t WHERE t.message_id = m.id) AS had_task "
            "FROM messages m WHERE m.account_id = ? AND m.state = 'held' AND NOT EXISTS ("
            "SELECT 1 FROM tasks t WHERE t.message_id = m.id AND t.state IN ('open', 'claimed')) "
            "ORDER BY m.id", [account_id])
        return [(_message({k: v for k, v in row.items() if k != "had_task"}), bool(row["had_task"]))
                for row in rows]

    def has_event(self, account_id: str, event_id: str) -> bool:
        """Whether a platform DM event is already stored (as sent or received)."""
        return bool(self._sql.scalar(
            "SELECT 1 FROM messages WHERE account_id = ? AND platform_event_id = ?",
            [account_id, event_id]))

    def sent_count(self, account_id: str, since: datetime) -> int:
        """Messages this account sent (or is sending) since a moment: what limits count."""
        return int(self._sql.scalar(
            "SELECT COUNT(*) FROM messages WHERE account_id = ? AND direction = 'out' "
            "AND state IN ('sending', 'sent') AND COALESCE(sent_at, updated_at) > ?",
            [account_id, iso(since)]))

    def last_sent_at(self, account_id: str) -> str | None:
        return self._sql.scalar(
            "SELECT MAX(COALESCE(sent_at, updated_at)) FROM messages WHERE account_id = ? "
            "AND direction = 'out' AND state IN ('sending', 'sent')", [account_id])

    def recent_outbound_texts(self, account_id: str, since: datetime,
                              containing: Sequence[str] = ()) -> Iterator[OutboundText]:
        """Texts queued or sent since a moment, with the recipient's name and who wrote them
        (for near-duplicates).

        With ``containing`` (plain words), only texts holding at least one of them
        (ASCII case ignored, anywhere in the text) are read.
        """
        words = [f"%{word}%" for word in containing if word.isalnum()]
        either = f" AND ({' OR '.join(['m.text LIKE ?'] * len(words))})" if words else ""
        for row in self._sql.rows(
            "SELECT m.text, m.contact_id, c.name, m.origin FROM messages m "
            "LEFT JOIN contacts c ON c.id = m.contact_id "
            "WHERE m.account_id = ? AND m.direction = 'out' AND m.state IN ('queued', 'sending', "
            f"'sent') AND m.created_at > ?{either}",
            [account_id, iso(since), *words],
        ):
            yield OutboundText(row["text"], row["contact_id"], row["name"], row["origin"])

    def sent_since(self, account_id: str, since: datetime) -> list[SentMessage]:
        """Everything the account sent since a moment, oldest first, with the recipient."""
        return [record(SentMessage, {**row, "origin": Origin(row["origin"])})
                for row in self._sql.rows(
            "SELECT m.id, m.contact_id, m.origin, m.kind, m.text, m.labelled_text, m.sent_at, "
            "m.verdict, c.user_id, c.username, c.name AS contact_name, c.bio, c.location, "
            "c.followed_at FROM messages m LEFT JOIN contacts c ON c.id = m.contact_id "
            "WHERE m.account_id = ? AND m.direction = 'out' AND m.state = 'sent' "
            "AND m.sent_at >= ? ORDER BY m.sent_at, m.id", [account_id, iso(since)])]

    def last_automated_recipient(self, account_id: str) -> str | None:
        """The platform id of the last person who got a campaign DM and did not opt out."""
        return self._sql.scalar(
            "SELECT c.user_id FROM messages m JOIN contacts c ON c.id = m.contact_id "
            f"WHERE m.account_id = ? AND m.state = 'sent' AND m.origin IN {_CAMPAIGN} "
            "AND c.id NOT IN (SELECT contact_id FROM opt_outs WHERE reversed_at IS NULL) "
            "ORDER BY m.id DESC LIMIT 1", [account_id])

    # --- findings -----------------------------------------------------------------

    def add_findings(self, message_id: int, findings: Sequence[FindingLike]) -> None:
        """Replace a message's findings with these."""
        with self._sql.atomic():
            self._sql.execute("DELETE FROM findings WHERE message_id = ?", [message_id])
            for finding in findings:
                start, end = _span(finding)
                self._sql.insert("findings", {
                    "message_id": message_id, "rule": finding.rule, "name": finding.name,
                    "severity": str(finding.severity), "message": finding.message,
                    "span_start": start, "span_end": end})

    def save_verdicts(self, judgements: Sequence[Judgement]) -> None:
        """Store verdicts, scores and findings of many messages in one transaction."""
        with self._sql.atomic():
            self._sql.executemany("DELETE FROM findings WHERE message_id = ?",
                                  [(j.message_id,) for j in judgements if j.again])
            self._sql.executemany("UPDATE messages SET verdict = ?, score = ? WHERE id = ?",
                                  [(j.verdict, j.score, j.message_id) for j in judgements])
            self._sql.executemany(
                "INSERT INTO findings (message_id, rule, name, severity, message, span_start, "
                "span_end) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(j.message_id, f.rule, f.name, str(f.severity), f.message, *_span(f))
                 for j in judgements for f in j.findings])

    def findings(self, message_id: int) -> list[FindingRow]:
        return [record(FindingRow, row) for row in self._sql.rows(
            "SELECT * FROM findings WHERE message_id = ? ORDER BY id", [message_id])]
