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
