"""What a person does to the human queue: claim, reply, release, close, and, for a
conversation (every open task about one person), assign, unassign, snooze, resolve
and notes.

Assignment is per person: assigning a task gives its person's whole conversation to
a teammate (their open tasks become ``claimed`` by them, so the bot stays quiet with
that person), and un-assigning opens them again. Snoozing hides a person's open
tasks from the inbox (and from alerts) until a time. A sent personal reply closes
its task and resolves the person's other open tasks (see
:func:`dmguard.tasks.close_replied`).

This sits above :mod:`dmguard.tasks` (a plain queue of work) and
:mod:`dmguard.outbox` (drafts on their way to sent); the CLI and the web page
call it and hold no flow of their own, so both behave the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dmguard import canned, learning, outbox, tasks
from dmguard.audit.engine import Auditor
from dmguard.audit.leftovers import leftovers
from dmguard.audit.model import Finding
from dmguard.audit.text import blank
from dmguard.clock import Clock, iso, parse_duration
from dmguard.config import Config, ConfigError
from dmguard.platforms.base import Platform
from dmguard.platforms.factory import build_platform
from dmguard.queue_words import moment
from dmguard.reply_check import check_personal
from dmguard.store import Message, NewMessage, Origin, Store, Task
from dmguard.tasks import TaskError, claim

__all__ = ["Released", "Seen", "TaskError", "add_note", "assign", "check_reply_text", "claim",
           "close", "release", "reply", "require_free", "require_seen", "resolve", "seen_now",
           "snooze", "take", "unassign"]

#: Farthest a task can be snoozed.
MAX_SNOOZE = timedelta(days=30)


def _task(store: Store, task_id: int) -> Task:
    task = store.tasks.get(task_id)
    if task is None:
        raise TaskError(f"no task {task_id}", "missing")
    return task


@dataclass(frozen=True)
class Seen:
    """What a page showed of a person: their open tasks and the last message they wrote.

    A form carries it (:meth:`token`), so what it does acts only on work its user saw
    (:func:`require_seen`)."""

    task_ids: frozenset[int]
    last_in: int

    def token(self) -> str:
        return f"{'.'.join(map(str, sorted(self.task_ids)))}:{self.last_in}"

    @classmethod
    def parse(cls, token: str) -> Seen:
        tasks_part, _, last_in = token.partition(":")
        ids = [part for part in tasks_part.split(".") if part]
        if not last_in.isdigit() or not all(part.isdigit() for part in ids):
            raise TaskError("this form does not say what its page showed (it is out of date); "
                            "the page is shown again now", "stale")
        return cls(frozenset(map(int, ids)), int(last_in))


def seen_now(store: Store, contact_id: int) -> Seen:
    """What a page about this person shows now."""
    open_ids = frozenset(t.id for t in store.tasks.for_contact(contact_id, open_only=True))
    return Seen(open_ids, store.messages.last_inbound_id(contact_id) or 0)


def require_seen(store: Store, contact_id: int, seen: Seen) -> None:
    """TaskError (``stale``) when the person has an open task or a message that the page
    the form came from did not show."""
    now = seen_now(store, contact_id)
    if now.last_in > seen.last_in:
        raise TaskError("they wrote again since this page was shown; nothing was done. Read "
                        "the new message below, then do it again", "stale")
    if now.task_ids - seen.task_ids:
        raise TaskError("there is new work about this person since this page was shown; "
                        "nothing was done. Look at it below, then do it again", "stale")


def _taken(others: list[str], task_id: int) -> TaskError:
    """The refusal of an action on a conversation a teammate holds, saying how to take it."""
    names = " and ".join(others)
    verb = "have" if len(others) > 1 else "has"
    return TaskError(f"{names} {verb} this conversation; take it over first (`dmguard tasks "
                     f"claim {task_id} --take-over`)", "taken")


def require_free(store: Store, task: Task, who: str) -> None:
    """TaskError (``taken``) when someone other than ``who`` holds the task's person's
    conversation: replying, releasing a held draft and closing (done, dismiss) are theirs
    until it is taken over (:func:`take`) or un-assigned. Call it in the transaction that
    makes the change, so the check and the change commit together.

    No role is exempt: an admin takes a conversation over (or assigns it) first, as the
    inbox's Take it over button does, so the claimer is never overruled without a trace.
    """
    others = store.tasks.held_by_others(task.contact_id, who)
    if others:
        raise _taken(others, task.id)


def take(store: Store, task_id: int, who: str, *, take_over: bool = False) -> int:
    """Claim the task's person's conversation for ``who`` (a teammate, when the team has
    users: :func:`~dmguard.tasks.require_teammate`); refused (``taken``) when a teammate
    has it, unless ``take_over``. How many tasks changed."""
    with store.atomic():  # a conversation closed meanwhile is not "yours" now
        tasks.require_teammate(store, who)
        task = tasks.require_open(store, task_id)
        changed, others = store.tasks.claim_conversation(task.contact_id, who, who,
                                                         take_over=take_over)
    if others and not take_over:
        raise _taken(others, task_id)
    return changed


def check_reply_text(text: str, max_length: int, clock: Clock) -> None:
    """A personal reply still may not carry template leftovers, be empty or too long."""
    if blank(text):
        raise TaskError("the reply is empty (nothing but whitespace or invisible characters)",
                        "text")
    if len(text) > max_length:
        raise TaskError(f"the reply is {len(text)} characters; the platform accepts {max_length}",
                        "text")
    # A person's words are not judged as a form letter, but template leftovers must
    # never reach anyone.
    found = leftovers(text, clock)
    if found:
        raise TaskError("the reply still has template leftovers: "
                        + "; ".join(f.message for f in found), "text")


def _platform_for(store: Store, config: Config, account_name: str) -> Platform:
    try:
        return build_platform(config, config.account(account_name), store)
    except ConfigError as error:
        raise TaskError(str(error), "platform") from None
    except ValueError as error:
        raise TaskError(f"{error}: replies need a reachable platform (for a sandbox account, "
                        "set accounts.sandbox_url to a running emulator)", "platform") from None


def reply(store: Store, config: Config, task_id: int, who: str, text: str, *,
          platform: Platform | None = None, seen: Seen | None = None) -> int:
    """Send a personal DM for a task (no automated label) and close the task.

    A reply that is one of the configured canned replies as it is (:mod:`dmguard.canned`)
    is recorded in the task's history as that canned reply and teaches the judge nothing.

    The task is claimed first (compare-and-set), so of two people replying at once
    only one sends. Returns the sent message's id; raises TaskError saying what
    happened when it was not (yet) sent, or (code ``not_personal``) why the text is
    not a personal reply (see :mod:`dmguard.reply_check`), or (code ``stale``, given
    ``seen``) that the person has something new the page did not show.
    """
    task = _task(store, task_id)
    account = config.account(task.account_id)
    check_reply_text(text, config.policy_for(account).max_length, store.clock)
    contact = store.people.contact(task.contact_id)
    used = canned.matching(config, contact, text) if contact else None
    # Not the held draft, nor a copy of what went to others (the queue is no back door):
    # checked first, so a text that is refused is said to be, whatever the platform's
    # state; and again below, under the write lock, where the answer counts.
    check_personal(store, config, task, text)
    # Whose conversation it is, too, before the platform is reached (both again below).
    tasks.require_teammate(store, who)
    require_free(store, task, who)
    platform = platform or _platform_for(store, config, account.name)
    # Checking and queueing are one transaction (it takes the write lock first): of two
    # submits at the same moment (a double click, two people, the CLI and the page),
    # the second sees the first's reply on its way, or the task closed; and of two
    # people sending one text to two people at once, the second counts the first's copy.
    with store.atomic():
        task = tasks.require_open(store, task_id)
        tasks.require_teammate(store, who)  # the reply claims the task for them
        if seen is not None:
            require_seen(store, task.contact_id, seen)
        check_personal(store, config, task, text)
        require_free(store, task, who)
        if store.messages.unsettled_replies(task.contact_id):
            raise TaskError("an earlier reply to this person is still on its way (queued, or "
                            "waiting for the platform's answer); it is not sent again, and the "
                            "task closes once it is known to have arrived", "unsettled")
        # The reply claims the person's conversation, every open task about them, as the
        # inbox's Claim does: one task claimed alone left the others saying "nobody has it".
        _, others = store.tasks.claim_conversation(task.contact_id, who, who)
        if others:
            raise _taken(others, task_id)
        message_id = store.messages.add(
            NewMessage(account_id=account.name, contact_id=task.contact_id, direction="out",
                       origin=Origin.HUMAN, kind="manual", text=text, state="queued",
                       verdict="send"),
            actor=who, reason=f"personal reply to task {task_id}"
            + (f" (canned reply {used.name!r})" if used else ""),
        )
        store.tasks.set_reply(task_id, message_id)
        if used is None:
            learning.learn_reply(store, account.name, text, message_id, who)
        else:  # the owner's text: recorded as canned, and no lesson about this person
            store.tasks.change(task_id, tasks.OPEN_TASK_STATES, "canned reply", who,
                               note=f"{used.name!r} as message {message_id}")
        # Automated messages hold back from the moment a person answers.
        conversation = store.people.conversation(account.name, task.contact_id)
        cooldown = parse_duration(config.tasks.takeover_cooldown)
        store.people.hand_to_human(conversation.id, iso(store.clock.now() + cooldown))
    report = outbox.SendReport()
    queued = store.messages.get(message_id)
    assert queued is not None
    outbox.Sender(store, config, account.name, platform).send_one(queued, report)
    tasks.resume_after_takeover(store, config, account.name, task.contact_id)
    message = store.messages.get(message_id)
    assert message is not None
    state = message.state
    if state != "sent":
        reason = report.stopped_by or message.failure or "not sent"
        if state == "queued":
            raise TaskError(f"the reply to task {task_id} is queued ({reason}); it goes out "
                            "when the platform allows, and the task closes then", "queued")
        if state == "sending":
            raise TaskError(f"the platform did not answer ({reason}), so the reply may have "
                            "arrived; dmguard checks at the next tick, will not send it twice, "
                            "and closes the task once it is found", "in_flight")
        raise TaskError(f"the reply to task {task_id} failed: {reason}", "failed")
    return message_id


@dataclass(frozen=True)
class Released:
    """A re-audited draft: ``queued`` to send, or still held/blocked for ``findings``."""

    state: str
    findings: list[Finding]
    edited: bool = False
    """Whether it went back to the audit with other text than the held draft's."""

    def refusal(self, draft: str = "the draft") -> str:
        """Why it was not queued, for a person: a held draft stays held; one the audit
        would block was left as it was (see :func:`release`)."""
        found = "; ".join(f"{f.rule} {f.message}" for f in self.findings)
        if self.state == "blocked":
            return (f"{draft} would be blocked, so nothing was changed and the held draft "
                    f"stays as it was: {found}")
        return f"{draft} is still {self.state}: {found}"

    @property
    def queued(self) -> bool:
        return self.state == "queued"


class _Blocked(Exception):
    """A re-audit that would block the draft: undoes the release's transaction."""

    def __init__(self, outcome: outbox.Outcome) -> None:
        super().__init__("blocked")
        self.outcome = outcome


def release(store: Store, config: Config, task_id: int, who: str, text: str | None = None, *,
            auditor: Auditor | None = None) -> Released:
    """Re-audit a held draft (edited first if ``text`` is given); queue it if it passes.

    A draft that still does not pass stays held (edited, if it was) and the task stays
    open, with the new findings on the draft. A draft the audit would block (an edit with
    a placeholder left in, or too long) changes nothing at all: a blocked draft could no
    longer be edited or released, and the task would wait for good. The decision is a lesson
    (:mod:`dmguard.learning`): the re-audit hears it (what is released teaches
    "acceptable", so the judge lets that text pass from this very re-audit on; a
    rewritten draft "generic"), but it is recorded only together with the draft's
    queueing: a release the audit refuses teaches nothing.
    """
    task = tasks.require_open(store, task_id)
    account = config.account(task.account_id)
    message = store.messages.get(task.message_id) if task.message_id else None
    if task.kind != "hold" or message is None or message.state != "held":
        raise TaskError(f"task {task_id} has no held draft to release", "closed")
    if text is not None and blank(text):
        raise TaskError("the edited draft is empty (nothing but whitespace or invisible "
                        "characters)", "text")
    edited = not learning.unchanged(message, text)
    decisions = learning.release_decisions(message, text)
    given = auditor is not None
    if auditor is None:
        auditor = outbox.auditor_for(store, config, account)
    # One transaction: a teammate's claim, a second release or a crash in between never
    # leaves a lesson without its release, nor a release half done.
    try:
        outcome = _released(store, config, auditor, task_id, who, message, text, edited,
                            decisions)
    except _Blocked as blocked:
        outcome = blocked.outcome
    if outcome.state == "queued" and given:  # a long-lived auditor hears the lesson recorded
        auditor.learned = learning.layer_for(store, account.name)
    blocking = [f for f in outcome.result.findings if f.severity != "warn"]
    return Released(outcome.state, blocking, edited)


def _released(store: Store, config: Config, auditor: Auditor, task_id: int, who: str,
              held: Message, text: str | None, edited: bool,
              decisions: list[learning.Decision]) -> outbox.Outcome:
    """:func:`release`'s transaction: the checks, the edit, the re-audit, the lesson and
    the task's end. A re-audit that would block the draft raises :class:`_Blocked`, which
    undoes all of it."""
    recorded = auditor.learned
    with store.atomic():
        task = tasks.require_open(store, task_id)
        require_free(store, task, who)
        message = store.messages.get(held.id)
        if message is None or message.state != "held":
            raise TaskError(f"task {task_id} has no held draft to release", "closed")
        account = config.account(task.account_id)
        if edited:
            assert text is not None
            store.messages.edit_text(message.id, text)
        store.tasks.change(task_id, tasks.OPEN_TASK_STATES, "re-audit", who,
                           note="edited and re-audited" if edited else "re-audited")
        auditor.learned = learning.layer_for(store, account.name, pending=decisions)
        try:
            outcome = outbox.audit_message(store, auditor, config, account.name,
                                           account.policy_name, message.id, actor=who,
                                           reopen=False)
        finally:
            auditor.learned = recorded  # what is recorded, not what might have been
        if outcome.state == "blocked":
            raise _Blocked(outcome)
        if outcome.state == "queued":
            learning.learn_release(store, message, text, who)
            store.tasks.change(task_id, tasks.OPEN_TASK_STATES, "released", who,
                               note="passed the audit; queued to send", state="done",
                               closed_by=who, closed_at=store.now())
            tasks.resume_after_takeover(store, config, account.name, task.contact_id)
    return outcome


# --- a conversation: every open task about the task's person ---------------------------


def _conversation(store: Store, task_id: int) -> list[Task]:
    """The open tasks of the person an open task is about. A closed task names no
    conversation to act on (as claiming or closing it says): acting on its person's other
    tasks through a stale id would surprise whoever typed it."""
    task = _task(store, task_id)
    open_tasks = store.tasks.for_contact(task.contact_id, open_only=True)
    if not task.is_open:
        others = ", ".join(str(other.id) for other in open_tasks[:5])
        more = f"; the person's open tasks: {others}" if others else \
            " and the person has no other open task"
        raise TaskError(f"task {task_id} is already {task.state}{more}", "closed")
    return open_tasks


def assign(store: Store, task_id: int, actor: str, to: str) -> int:
    """Give the person's conversation to ``to`` (``actor`` itself: claim); tasks changed.

    ``to`` must be a user when the team has users (``dmguard users add``;
    :func:`~dmguard.tasks.require_teammate`). Taking a conversation someone else has is
    allowed (a lead re-balancing work), and recorded.
    """
    tasks.require_teammate(store, to)
    changed = 0
    with store.atomic():
        for task in _conversation(store, task_id):
            if task.claimed_by == to:
                continue
            note = f"to {to}" + (f" (was {task.claimed_by})" if task.claimed_by else "")
            changed += store.tasks.change(
                task.id, (task.state,), "claimed" if to == actor else "assigned", actor,
                note=note, state="claimed", claimed_by=to, claimed_at=store.now())
    return changed


def unassign(store: Store, config: Config, task_id: int, actor: str) -> int:
    """Nobody has the person's conversation any more; the tasks are open again (and the
    bot waits out the takeover cooldown before writing to them)."""
    changed = 0
    with store.atomic():
        for task in _conversation(store, task_id):
            if task.state == "claimed":
                changed += store.tasks.change(
                    task.id, ("claimed",), "unassigned", actor, note=f"was {task.claimed_by}",
                    state="open", claimed_by=None, claimed_at=None)
        _resume(store, config, task_id)
    return changed


def snooze(store: Store, task_id: int, actor: str, until: datetime) -> int:
    """Hide the person's open tasks from the inbox and from alerts until ``until``."""
    now = store.clock.now()
    if until <= now:
        raise TaskError("the snooze time has already passed; pick a later time", "time")
    if until - now > MAX_SNOOZE:
        raise TaskError(f"a task can be snoozed for at most {MAX_SNOOZE.days} days", "time")
    changed = 0
    with store.atomic():
        for task in _conversation(store, task_id):
            changed += store.tasks.change(task.id, tasks.OPEN_TASK_STATES, "snoozed", actor,
                                          note=f"until {moment(iso(until))} UTC",
                                          snoozed_until=iso(until))
    return changed


def _resume(store: Store, config: Config, task_id: int) -> None:
    """The task's person's automated DMs resume once nobody holds the conversation."""
    task = _task(store, task_id)
    tasks.resume_after_takeover(store, config, task.account_id, task.contact_id)


def _settle_draft(store: Store, task: Task, who: str, state: str) -> None:
    """A closed hold's draft: a dismissal teaches "generic" (once), and the draft is
    cancelled either way."""
    if state == "dismissed":
        learning.learn_dismissal(store, task, who)
    tasks.cancel_draft(store, task, who, f"task {task.id} {state} by {who}; the draft was "
                                         "not released")


def close(store: Store, config: Config, task_id: int, who: str, state: str,
          note: str | None = None) -> None:
    """Close one task (``done`` or ``dismissed``); a closed hold's draft is cancelled, and
    a dismissed one teaches "generic". Refused while a teammate holds the conversation."""
    note = _closing_note(note)
    with store.atomic():
        require_free(store, tasks.require_open(store, task_id), who)
        tasks.close(store, task_id, who, state, note)
        _settle_draft(store, _task(store, task_id), who, state)
        _resume(store, config, task_id)


def resolve(store: Store, config: Config, task_id: int, who: str, state: str,
            note: str | None = None) -> int:
    """Close every open task about the person (``done`` or ``dismissed``); how many.

    A closed hold's draft is cancelled; a dismissed one teaches the judge that its draft
    is generic (:mod:`dmguard.learning`). Refused while a teammate holds the conversation."""
    if state not in ("done", "dismissed"):
        raise ValueError(state)
    note = _closing_note(note)
    closed = 0
    with store.atomic():
        conversation = _conversation(store, task_id)
        require_free(store, _task(store, task_id), who)
        for task in conversation:
            changed = store.tasks.change(task.id, tasks.OPEN_TASK_STATES, state, who, note=note,
                                         state=state, closed_by=who, closed_at=store.now())
            if changed:
                _settle_draft(store, task, who, state)
            closed += changed
        _resume(store, config, task_id)
    return closed


def _closing_note(note: str | None) -> str | None:
    """A closing note that says nothing (whitespace, invisible characters) is no note: the
    history shows none rather than a dash and spaces."""
    return None if note is None or blank(note) else note


def add_note(store: Store, contact_id: int, author: str, text: str) -> int:
    """An internal note about a person, for the team (never sent)."""
    if blank(text):
        raise TaskError("the note is empty", "text")
    if len(text) > 5000:
        raise TaskError("a note can be at most 5000 characters", "text")
    if store.people.contact(contact_id) is None:
        raise TaskError(f"no person {contact_id}", "missing")
    return store.notes.add(contact_id, author, text.strip())
