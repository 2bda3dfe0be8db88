"""The human queue: what the bot must not answer, a person answers, promptly.

Tasks carry why they exist, a priority and a due time; every action records who
and when. Claiming is a compare-and-set, so two people cannot both take a task,
and a reply is sent once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dmguard.clock import iso
from dmguard.config import Config
from dmguard.store import OPEN_TASK_STATES, Store

KIND_PRIORITY = {"human": 80, "vip": 70, "reply": 50, "hold": 30, "welcome": 20}
QUESTION = re.compile(r"\?|^(?:how|what|when|where|why|who|can|could|is|are|do|does)\b",
                      re.IGNORECASE)
URGENT = re.compile(r"(?i)\b(?:urgent|asap|immediately|broken|charged twice|refund|"
                    r"frustrat\w*|angry|terrible|worst)\b")


class TaskError(Exception):
    """A task action that cannot be done; the message says why."""


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
    """Open a task unless the same person already has an open one of this kind."""
    existing = store.open_task_for(contact_id, kind)
    if existing:
        return None
    priority, why = priority_for(kind, text)
    due = store.clock.now() + config.tasks.target(kind)
    return store.add_task(
        {"account_id": account_id, "contact_id": contact_id, "message_id": message_id,
         "kind": kind, "reason": f"{reason} [{', '.join(why)}]", "priority": priority,
         "due_at": iso(due)},
        actor=actor,
    )


@dataclass
class TaskView:
    task: dict[str, Any]
    contact: dict[str, Any]
    conversation: list[dict[str, Any]]
    draft: dict[str, Any] | None
    findings: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    overdue: bool


def view(store: Store, task_id: int) -> TaskView:
    task = store.get_task(task_id)
    if task is None:
        raise TaskError(f"no task {task_id} (see `dmguard tasks list`)")
    contact = store.get_contact(task["contact_id"]) or {}
    draft = store.get_message(task["message_id"]) if task["message_id"] else None
    return TaskView(
        task=task, contact=contact, conversation=store.conversation_messages(contact["id"]),
        draft=draft, findings=store.findings_for(draft["id"]) if draft else [],
        actions=store.task_actions(task_id),
        overdue=task["state"] in OPEN_TASK_STATES and task["due_at"] < store.now(),
    )


def _require(store: Store, task_id: int) -> dict[str, Any]:
    task = store.get_task(task_id)
    if task is None:
        raise TaskError(f"no task {task_id} (see `dmguard tasks list`)")
    if task["state"] not in OPEN_TASK_STATES:
        raise TaskError(f"task {task_id} is already {task['state']}")
    return task


def claim(store: Store, task_id: int, who: str) -> None:
    task = _require(store, task_id)
    if task["state"] == "claimed" and task["claimed_by"] != who:
        raise TaskError(f"task {task_id} is claimed by {task['claimed_by']}")
    if not store.change_task(task_id, ("open",), "claimed", who, state="claimed",
                             claimed_by=who, claimed_at=store.now()) and task["state"] == "open":
        raise TaskError(f"task {task_id} was claimed by someone else just now")


def close(store: Store, task_id: int, who: str, state: str, note: str | None = None) -> None:
    _require(store, task_id)
    if not store.change_task(task_id, OPEN_TASK_STATES, state, who, note=note, state=state,
                             closed_by=who, closed_at=store.now()):
        raise TaskError(f"task {task_id} was closed by someone else just now")


def check_reply_text(text: str, max_length: int) -> None:
    """A personal reply still may not carry template leftovers, be empty or too long."""
    from dmguard.audit.engine import Auditor
    from dmguard.audit.model import AuditInput
    from dmguard.audit.rules import rule_ids
    from dmguard.config import RuleSetting

    if not text.strip():
        raise TaskError("the reply is empty")
    if len(text) > max_length:
        raise TaskError(f"the reply is {len(text)} characters; the platform accepts {max_length}")
    leftovers = rule_ids(where=lambda r: r.template_leftover)
    only_template = {rule_id: RuleSetting(enabled=rule_id in leftovers)
                     for rule_id in _all_rule_ids()}
    result = Auditor(rules=only_template, record=False).audit(AuditInput(text))
    if result.findings:
        raise TaskError("the reply still has template leftovers: "
                        + "; ".join(f.message for f in result.findings))


def _all_rule_ids() -> list[str]:
    from dmguard.audit.rules import catalogue

    return [rule.id for rule in catalogue()]


def reply(store: Store, config: Config, account_id: str, platform: Any, task_id: int, who: str,
          text: str, max_length: int = 10_000) -> int:
    """Send a personal DM for a task (no automated label) and close the task.

    The task is claimed first (compare-and-set), so of two people replying at once
    only one sends. Returns the sent message's id.
    """
    from dmguard.clock import parse_duration
    from dmguard.outbox import Sender, SendReport

    check_reply_text(text, max_length)
    task = _require(store, task_id)
    if task["state"] == "claimed" and task["claimed_by"] != who:
        raise TaskError(f"task {task_id} is claimed by {task['claimed_by']}")
    if store.unsettled_replies(task["contact_id"]):
        raise TaskError(f"an earlier reply to this person is still on its way (queued, or "
                        f"waiting for the platform's answer); see `dmguard tasks show {task_id}` "
                        "instead of sending again")
    if task["state"] == "open":
        claim(store, task_id, who)
    with store.atomic():
        message_id = store.add_message(
            {"account_id": account_id, "contact_id": task["contact_id"], "direction": "out",
             "origin": "human", "kind": "manual", "text": text, "state": "queued",
             "verdict": "send"},
            actor=who, reason=f"personal reply to task {task_id}",
        )
        store.update("tasks", task_id, reply_message_id=message_id)
        # Automated messages hold back from the moment a person answers.
        conversation = store.conversation(account_id, task["contact_id"])
        cooldown = parse_duration(config.tasks.takeover_cooldown)
        store.update_conversation(conversation["id"],
                                  human_until=iso(store.clock.now() + cooldown))
    report = SendReport()
    Sender(store, config, account_id, platform).send_one(store.get_message(message_id) or {},
                                                         report)
    message = store.get_message(message_id) or {}
    state = message.get("state")
    if state != "sent":
        reason = report.stopped_by or message.get("failure") or "not sent"
        if state == "queued":
            raise TaskError(f"the reply to task {task_id} is queued ({reason}); it goes out "
                            "when the platform allows, and the task closes then")
        if state == "sending":
            raise TaskError(f"the platform did not answer ({reason}), so the reply may have "
                            "arrived; dmguard checks at the next tick, will not send it twice, "
                            "and closes the task once it is found")
        raise TaskError(f"the reply to task {task_id} failed: {reason}")
    return message_id


def close_replied(store: Store, message_id: int) -> bool:
    """Close the task a personal reply answers, once that reply is known to be sent.

    Called wherever a message becomes sent (the sender, reconcile, the inbox), since
    a reply whose answer was lost, or that waited in the queue, is settled later.
    """
    task = store.open_task_replied_by(message_id)
    if task is None:
        return False
    who = task["claimed_by"] or "dmguard"
    return store.change_task(task["id"], OPEN_TASK_STATES, "replied", who,
                             note=f"message {message_id}", state="done", closed_by=who,
                             closed_at=store.now())


def release(store: Store, auditor: Any, config: Config, account_id: str, platform_name: str,
            task_id: int, who: str, text: str | None = None) -> str:
    """Re-audit a held draft (edited first if ``text`` is given); queue it if it passes.

    Returns the message's new state. A draft that still does not pass stays held and
    the task stays open, with the new findings on the draft.
    """
    from dmguard.outbox import audit_message

    task = _require(store, task_id)
    message = store.get_message(task["message_id"]) if task["message_id"] else None
    if task["kind"] != "hold" or message is None or message["state"] != "held":
        raise TaskError(f"task {task_id} has no held draft to release")
    if text is not None:
        if not text.strip():
            raise TaskError("the edited draft is empty")
        store.update("messages", message["id"], text=text, updated_at=store.now())
    store.change_task(task_id, OPEN_TASK_STATES, "re-audit", who,
                      note="edited and re-audited" if text is not None else "re-audited")
    outcome = audit_message(store, auditor, config, account_id, platform_name, message["id"],
                            actor=who, reopen=False)
    if outcome.state == "queued":
        store.change_task(task_id, OPEN_TASK_STATES, "released", who,
                          note="passed the audit; queued to send", state="done",
                          closed_by=who, closed_at=store.now())
    return outcome.state
