"""The human queue: what the bot must not answer, a person answers, promptly.

Tasks carry why they exist, a priority and a due time; every action records who
and when. Claiming is a compare-and-set, so two people cannot both take a task,
and a reply is sent once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from dmguard.clock import iso, parse_duration
from dmguard.config import Config
from dmguard.store import (
    OPEN_TASK_STATES,
    Contact,
    FindingLike,
    FindingRow,
    Message,
    NewTask,
    QueueFilter,
    Store,
    Task,
    TaskAction,
)

KIND_PRIORITY = {"human": 80, "vip": 70, "reply": 50, "hold": 30, "welcome": 20}
QUESTION = re.compile(r"\?|^(?:how|what|when|where|why|who|can|could|is|are|do|does)\b",
                      re.IGNORECASE)
URGENT = re.compile(r"(?i)\b(?:urgent|asap|immediately|broken|charged twice|refund|"
                    r"frustrat\w*|angry|terrible|worst)\b")


class TaskError(Exception):
    """A task action that cannot be done; the message says why.

    ``code`` names the kind of trouble, so a page can say what to do in its own words
    (the message may name CLI commands): ``missing``, ``closed``, ``taken``, ``text``,
    ``not_personal``, ``unsettled``, ``queued``, ``in_flight``, ``failed``, ``platform``,
    ``no_user``, ``time``, ``stale`` (a form from a page that did not show something
    new) or ``other``.
    """

    def __init__(self, message: str, code: str = "other") -> None:
        super().__init__(message)
        self.code = code


def sentiment(text: str) -> float:
    """TextBlob's PatternAnalyzer polarity (-1..1); needs no NLTK corpora."""
    from textblob import TextBlob

    return float(TextBlob(text).sentiment.polarity)


def priority_for(kind: str, text: str | None = None) -> tuple[int, list[str]]:
    """Priority 0-100 and the reasons for it: kind, questions, urgency, negative sentiment."""
    score = KIND_PRIORITY.get(kind, 40)
    why = [f"{kind} task"]
    if text:
        if QUESTION.search(text):
            score += 10
            why.append("asks a question")
        if URGENT.search(text):
            score += 10
            why.append("sounds urgent")
        polarity = sentiment(text)
        if polarity < -0.2:
            score += 15
            why.append(f"negative sentiment ({polarity:.2f})")
    return min(score, 100), why


def open_task(store: Store, config: Config, account_id: str, contact_id: int, kind: str,
              reason: str, *, message_id: int | None = None, text: str | None = None,
              actor: str = "dmguard") -> int | None:
    """Open a task unless one is open about the same message (a held draft: one task
    each), or, for a task about no message, the same person has an open one of this kind."""
    if message_id is not None:
        existing = store.tasks.open_for_message(contact_id, message_id)
    else:
        existing = store.tasks.open_for(contact_id, kind)
    if existing:
        return None
    priority, why = priority_for(kind, text)
    due = store.clock.now() + config.tasks.target(kind)
    return store.tasks.add(
        NewTask(account_id=account_id, contact_id=contact_id, message_id=message_id,
                kind=kind, reason=f"{reason} [{', '.join(why)}]", priority=priority,
                due_at=iso(due)),
        actor=actor,
    )


@dataclass
class TaskView:
    task: Task
    contact: Contact
    conversation: list[Message]
    draft: Message | None
    findings: list[FindingRow]
    actions: list[TaskAction]
    overdue: bool
    opted_out: bool
    """Whether the person opted out of automated messages."""


def view(store: Store, task_id: int) -> TaskView:
    task = store.tasks.get(task_id)
    if task is None:
        raise TaskError(f"no task {task_id} (see `dmguard tasks list`)", "missing")
    contact = store.people.contact(task.contact_id)
    assert contact is not None
    draft = store.messages.get(task.message_id) if task.message_id else None
    return TaskView(
        task=task, contact=contact, conversation=store.messages.conversation(contact.id),
        draft=draft, findings=store.messages.findings(draft.id) if draft else [],
        actions=store.tasks.actions(task_id),
        overdue=task.is_open and task.due_at < store.now(),
        opted_out=store.people.is_opted_out(contact.id),
    )


def require_teammate(store: Store, name: str) -> None:
    """TaskError (``no_user``) when the team has users (``dmguard users add``) and ``name``
    is none of them: a conversation is held by, and the history names, a teammate. With
    no users at all (one person working from the command line), any name goes."""
    if store.users.count() and store.users.named(name) is None:
        team = ", ".join(user.name for user in store.users.active())
        raise TaskError(f"there is no teammate named {name!r} (the team: {team})", "no_user")


def require_open(store: Store, task_id: int) -> Task:
    """The task, if it is still open or claimed; TaskError naming what it is otherwise."""
    task = store.tasks.get(task_id)
    if task is None:
        raise TaskError(f"no task {task_id} (see `dmguard tasks list`)", "missing")
    if not task.is_open:
        raise TaskError(f"task {task_id} is already {task.state}", "closed")
    return task


def claim(store: Store, task_id: int, who: str) -> None:
    task = require_open(store, task_id)
    if task.state == "claimed" and task.claimed_by != who:
        raise TaskError(f"task {task_id} is claimed by {task.claimed_by}", "taken")
    if not store.tasks.change(task_id, ("open",), "claimed", who, state="claimed",
                              claimed_by=who, claimed_at=store.now()) and task.state == "open":
        raise TaskError(f"task {task_id} was claimed by someone else just now", "taken")


def close(store: Store, task_id: int, who: str, state: str, note: str | None = None) -> None:
    require_open(store, task_id)
    if not store.tasks.change(task_id, OPEN_TASK_STATES, state, who, note=note, state=state,
                              closed_by=who, closed_at=store.now()):
        raise TaskError(f"task {task_id} was closed by someone else just now", "closed")


def close_replied(store: Store, message_id: int) -> bool:
    """Close the task a personal reply answers, once that reply is known to be sent,
    and resolve the person's other open tasks: one answer settles the conversation.

    Called wherever a message becomes sent (the sender, reconcile, the inbox), since
    a reply whose answer was lost, or that waited in the queue, is settled later.
    The other open tasks about the person close as ``done`` ("answered by message
    N"); a ``hold`` among them also has its held automated draft cancelled, since a
    person has now answered in person (the takeover cooldown would hold it anyway,
    and sending it after a personal answer would read as a bot talking over them).
    Tasks opened later (the person writes again) are new work and stay open.
    """
    task = store.tasks.open_replied_by(message_id)
    if task is None:
        return False
    who = task.claimed_by or "dmguard"
    with store.atomic():
        closed = store.tasks.change(task.id, OPEN_TASK_STATES, "replied", who,
                                    note=f"message {message_id}", state="done", closed_by=who,
                                    closed_at=store.now())
        if closed:
            cancel_draft(store, task, who, f"a person answered personally (message {message_id})")
            resolve_others(store, task, message_id, who)
    return closed


def cancel_draft(store: Store, task: Task, who: str, why: str) -> bool:
    """A hold task that closes without a release takes its held draft with it: the draft
    is cancelled (never sent), so no held draft outlives its task. Whether it was."""
    if task.kind != "hold" or task.message_id is None:
        return False
    return store.messages.transition(task.message_id, ("held",), "cancelled", who, why)


def held_because(findings: Iterable[FindingLike]) -> str:
    """What held or blocked a draft: its findings that are more than warnings."""
    return "; ".join(f"{f.rule} {f.message}" for f in findings
                     if f.severity != "warn") or "no findings"


def settle_untasked_holds(store: Store, config: Config, account_id: str) -> tuple[int, int]:
    """Give every held draft of the account that no open task is about its due: a task, when
    it never had one; cancelled, when its task closed (as closing one does now). Databases
    from before each held draft had its task hold such drafts, which nobody would ever see.
    The counts (tasks opened, drafts cancelled)."""
    opened = cancelled = 0
    for message, had_task in store.messages.held_without_open_task(account_id):
        with store.atomic():
            if had_task:
                cancelled += store.messages.transition(
                    message.id, ("held",), "cancelled", "dmguard",
                    "its task was closed before closing a task cancelled its draft")
            elif open_task(store, config, account_id, message.contact_id, "hold",
                           "make this personal: "
                           + held_because(store.messages.findings(message.id)),
                           message_id=message.id, text=message.text):
                opened += 1
    return opened, cancelled


def resolve_others(store: Store, answered: Task, message_id: int, who: str) -> list[int]:
    """Close the person's other open tasks that the personal reply answered; their ids."""
    resolved = []
    reply = store.messages.get(message_id)
    cutoff = reply.created_at if reply else store.now()
    for other in store.tasks.for_contact(answered.contact_id, open_only=True):
        if other.id == answered.id or other.created_at > cutoff:
            continue
        note = f"answered by message {message_id} (the reply to task {answered.id})"
        if cancel_draft(store, other, who, f"a person answered personally (message {message_id})"):
            note += "; the held automated draft is cancelled"
        if store.tasks.change(other.id, OPEN_TASK_STATES, "resolved", who, note=note,
                              state="done", closed_by=who, closed_at=store.now()):
            resolved.append(other.id)
    return resolved



def resume_after_takeover(store: Store, config: Config, account_id: str,
                          contact_id: int | None = None) -> int:
    """Automated DMs that waited while a person held the conversation wait out
    ``tasks.takeover_cooldown`` from the end of the claim instead (or go at once, if it
    has passed); of one person, or of every person of the account. How many."""
    cooldown = parse_duration(config.tasks.takeover_cooldown)
    resumed = 0
    for message in store.messages.waiting_for_a_claim(account_id, contact_id):
        assert message.contact_id is not None
        until = store.people.human_silence_until(account_id, message.contact_id, cooldown)
        why = ("the person's conversation is no longer claimed; automated messages wait "
               "for the takeover cooldown" if until else
               "the person's conversation is no longer claimed, and the takeover cooldown "
               "has passed")
        resumed += store.messages.defer(message.id, until or store.now(), "tasks", why)
    return resumed


def unassign_holder(store: Store, config: Config, holder: str, actor: str,
                    why: str) -> int:
    """Every open task ``holder`` holds (claimed, or assigned to them) is open again, the
    change recorded by ``actor`` with ``why``; the people's automated DMs wait out the
    takeover cooldown from now, as after any un-assigning. How many people's conversations
    were theirs. Call it in the transaction that makes ``holder`` go."""
    people: set[tuple[str, int]] = set()
    with store.atomic():
        for task in store.tasks.held_by(holder):
            if store.tasks.change(task.id, ("claimed",), "unassigned", actor,
                                  note=f"was {holder}, {why}", state="open", claimed_by=None,
                                  claimed_at=None):
                people.add((task.account_id, task.contact_id))
        for account_id, contact_id in people:
            resume_after_takeover(store, config, account_id, contact_id)
    return len(people)


def next_conversation(store: Store, me: str, scope: tuple[str, ...] = (),
                      after: int | None = None) -> int | None:
    """The person to work on next: the most urgent of mine, else of nobody's; not ``after``."""
    now = store.now()
    for view in ("mine", "unassigned"):
        for row in store.tasks.conversations(QueueFilter(me=me, view=view, scope=scope), now,
                                             limit=2):
            if row.contact_id != after:
                return row.contact_id
    return None
