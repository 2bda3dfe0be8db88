"""What a person does to the human queue: claim, reply, release, close.

This sits above :mod:`dmguard.tasks` (a plain queue of work) and
:mod:`dmguard.outbox` (drafts on their way to sent); the CLI and the web page
call it and hold no flow of their own, so both behave the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from dmguard import outbox, tasks
from dmguard.audit.engine import Auditor
from dmguard.audit.model import AuditInput, Finding
from dmguard.audit.rules import catalogue
from dmguard.clock import iso, parse_duration
from dmguard.config import Config, ConfigError, RuleSetting
from dmguard.platforms.base import Platform
from dmguard.platforms.factory import build_platform
from dmguard.store import NewMessage, Origin, Store, Task
from dmguard.tasks import TaskError, claim, close

__all__ = ["Released", "TaskError", "check_reply_text", "claim", "close", "release", "reply"]


def _task(store: Store, task_id: int) -> Task:
    task = store.tasks.get(task_id)
    if task is None:
        raise TaskError(f"no task {task_id}")
    return task


def check_reply_text(text: str, max_length: int) -> None:
    """A personal reply still may not carry template leftovers, be empty or too long."""
    if not text.strip():
        raise TaskError("the reply is empty")
    if len(text) > max_length:
        raise TaskError(f"the reply is {len(text)} characters; the platform accepts {max_length}")
    # A person's words are not judged as a form letter, but template leftovers must
    # never reach anyone.
    only_template = {rule.id: RuleSetting(enabled=rule.template_leftover) for rule in catalogue()}
    result = Auditor(rules=only_template, record=False).audit(AuditInput(text))
    if result.findings:
        raise TaskError("the reply still has template leftovers: "
                        + "; ".join(f.message for f in result.findings))


def _platform_for(store: Store, config: Config, account_name: str) -> Platform:
    try:
        return build_platform(config, config.account(account_name), store)
    except ConfigError as error:
        raise TaskError(str(error)) from None
    except ValueError as error:
        raise TaskError(f"{error}: replies need a reachable platform (for a sandbox account, "
                        "set accounts.sandbox_url to a running emulator)") from None


def reply(store: Store, config: Config, task_id: int, who: str, text: str, *,
          platform: Platform | None = None) -> int:
    """Send a personal DM for a task (no automated label) and close the task.

    The task is claimed first (compare-and-set), so of two people replying at once
    only one sends. Returns the sent message's id; raises TaskError saying what
    happened when it was not (yet) sent.
    """
    task = _task(store, task_id)
    account = config.account(task.account_id)
    check_reply_text(text, config.policy_for(account).max_length)
    platform = platform or _platform_for(store, config, account.name)
    # Checking and queueing are one transaction (it takes the write lock first): of two
    # submits at the same moment (a double click, two people, the CLI and the page),
    # the second sees the first's reply on its way, or the task closed.
    with store.atomic():
        task = tasks.require_open(store, task_id)
        if task.state == "claimed" and task.claimed_by != who:
            raise TaskError(f"task {task_id} is claimed by {task.claimed_by}")
        if store.messages.unsettled_replies(task.contact_id):
            raise TaskError("an earlier reply to this person is still on its way (queued, or "
                            "waiting for the platform's answer); it is not sent again, and the "
                            "task closes once it is known to have arrived")
        if task.state == "open":
            claim(store, task_id, who)
        message_id = store.messages.add(
            NewMessage(account_id=account.name, contact_id=task.contact_id, direction="out",
                       origin=Origin.HUMAN, kind="manual", text=text, state="queued",
                       verdict="send"),
            actor=who, reason=f"personal reply to task {task_id}",
        )
        store.tasks.set_reply(task_id, message_id)
        # Automated messages hold back from the moment a person answers.
        conversation = store.people.conversation(account.name, task.contact_id)
        cooldown = parse_duration(config.tasks.takeover_cooldown)
        store.people.hand_to_human(conversation.id, iso(store.clock.now() + cooldown))
    report = outbox.SendReport()
    queued = store.messages.get(message_id)
    assert queued is not None
    outbox.Sender(store, config, account.name, platform).send_one(queued, report)
    message = store.messages.get(message_id)
    assert message is not None
    state = message.state
    if state != "sent":
        reason = report.stopped_by or message.failure or "not sent"
        if state == "queued":
            raise TaskError(f"the reply to task {task_id} is queued ({reason}); it goes out "
                            "when the platform allows, and the task closes then")
        if state == "sending":
            raise TaskError(f"the platform did not answer ({reason}), so the reply may have "
                            "arrived; dmguard checks at the next tick, will not send it twice, "
                            "and closes the task once it is found")
        raise TaskError(f"the reply to task {task_id} failed: {reason}")
    return message_id


@dataclass(frozen=True)
class Released:
    """A re-audited draft: ``queued`` to send, or still held/blocked for ``findings``."""

    state: str
    findings: list[Finding]

    @property
    def queued(self) -> bool:
        return self.state == "queued"


def release(store: Store, config: Config, task_id: int, who: str, text: str | None = None, *,
            auditor: Auditor | None = None) -> Released:
    """Re-audit a held draft (edited first if ``text`` is given); queue it if it passes.

    A draft that still does not pass stays held and the task stays open, with the
    new findings on the draft.
    """
    task = tasks.require_open(store, task_id)
    account = config.account(task.account_id)
    message = store.messages.get(task.message_id) if task.message_id else None
    if task.kind != "hold" or message is None or message.state != "held":
        raise TaskError(f"task {task_id} has no held draft to release")
    if text is not None:
        if not text.strip():
            raise TaskError("the edited draft is empty")
        store.messages.edit_text(message.id, text)
    store.tasks.change(task_id, tasks.OPEN_TASK_STATES, "re-audit", who,
                      note="edited and re-audited" if text is not None else "re-audited")
    auditor = auditor or outbox.auditor_for(store, config, account)
    outcome = outbox.audit_message(store, auditor, config, account.name, account.policy_name,
                                   message.id, actor=who, reopen=False)
    if outcome.state == "queued":
        store.tasks.change(task_id, tasks.OPEN_TASK_STATES, "released", who,
                          note="passed the audit; queued to send", state="done",
                          closed_by=who, closed_at=store.now())
    blocking = [f for f in outcome.result.findings if f.severity != "warn"]
    return Released(outcome.state, blocking)
