"""The human queue as a plain queue: priorities, one task per kind, compare-and-set."""

from __future__ import annotations

import pytest

from dmguard import tasks
from dmguard.config import Config
from dmguard.platforms.sandbox.state import SandboxState
from dmguard.store import Store
from tests.conftest import add_person


def test_priority_rises_for_questions_urgency_and_anger() -> None:
    calm, why = tasks.priority_for("reply", "Thanks, all good.")
    asks, why_asks = tasks.priority_for("reply", "What time do you open?")
    angry, why_angry = tasks.priority_for("reply", "This is terrible, I was charged twice!")
    assert calm < asks < angry <= 100
    assert "asks a question" in why_asks and "sounds urgent" in why_angry
    assert why == ["reply task"], "nothing in a calm thank-you raises it"


def test_one_open_task_per_person_and_kind(store: Store, config: Config,
                                           sandbox_state: SandboxState) -> None:
    store.accounts.ensure("demo", "sandbox")
    amy = add_person(store, sandbox_state, "Amy")
    first = tasks.open_task(store, config, "demo", amy.id, "reply", "wrote", text="hi?")
    again = tasks.open_task(store, config, "demo", amy.id, "reply", "wrote again", text="hello?")
    other = tasks.open_task(store, config, "demo", amy.id, "hold", "make this personal")
    assert first and again is None and other and other != first


def test_claim_and_close_are_compare_and_set(store: Store, config: Config,
                                             sandbox_state: SandboxState) -> None:
    store.accounts.ensure("demo", "sandbox")
    amy = add_person(store, sandbox_state, "Amy")
    task_id = tasks.open_task(store, config, "demo", amy.id, "reply", "wrote", text="hi?")
    assert task_id
    tasks.claim(store, task_id, "sam")
    tasks.claim(store, task_id, "sam")  # claiming your own task again is fine
    with pytest.raises(tasks.TaskError, match="claimed by sam") as taken:
        tasks.claim(store, task_id, "kim")
    assert taken.value.code == "taken"
    tasks.close(store, task_id, "sam", "done", "answered by phone")
    with pytest.raises(tasks.TaskError, match="already done") as closed:
        tasks.close(store, task_id, "kim", "dismissed")
    assert closed.value.code == "closed"
    with pytest.raises(tasks.TaskError) as missing:
        tasks.view(store, 9999)
    assert missing.value.code == "missing"
    view = tasks.view(store, task_id)
    assert [a.action for a in view.actions] == ["opened", "claimed", "done"]
    assert view.contact.id == amy.id and not view.overdue


def test_held_drafts_left_without_a_task_are_tasked_or_settled(
        store: Store, config: Config, sandbox_state: SandboxState) -> None:
    """A database from before every held draft had its task (QA finding 2) holds drafts no
    task is about: one that never had a task gets one; one whose task closed is cancelled."""
    from dmguard.audit.model import Finding
    from dmguard.store import NewMessage, Origin

    store.accounts.ensure("demo", "sandbox")
    amy = add_person(store, sandbox_state, "Amy")

    def held(text: str) -> int:
        message_id = store.messages.add(NewMessage(
            account_id="demo", contact_id=amy.id, direction="out", origin=Origin.SUBMIT,
            kind="campaign", text=text, state="held"), actor="old dmguard")
        store.messages.add_findings(message_id, [
            Finding("DG010", "generic-salutation", "hold", "generic salutation", (0, 4))])
        return message_id

    never_tasked, task_closed, tasked = held("one"), held("two"), held("three")
    closed = tasks.open_task(store, config, "demo", amy.id, "hold", "old", message_id=task_closed)
    assert closed and tasks.open_task(store, config, "demo", amy.id, "hold", "old",
                                      message_id=tasked)
    tasks.close(store, closed, "sam", "done")
    store.messages.transition(task_closed, ("cancelled",), "held", "old dmguard")  # as it was

    assert tasks.settle_untasked_holds(store, config, "demo") == (1, 1)
    state = {m: store.messages.get(m).state for m in (never_tasked, task_closed, tasked)}  # type: ignore[union-attr]
    assert state == {never_tasked: "held", task_closed: "cancelled", tasked: "held"}
    (new,) = [t for t in store.tasks.listing() if t.message_id == never_tasked]
    assert new.reason.startswith("make this personal: DG010 generic salutation")
    assert tasks.settle_untasked_holds(store, config, "demo") == (0, 0)
