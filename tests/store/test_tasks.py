"""store.tasks: the queue, compare-and-set changes, and the action log."""

from __future__ import annotations

from dmguard.store import NewTask, Origin, Store
from tests.store.conftest import add


def test_tasks_open_change_once_and_log_each_action(store: Store, amy: int) -> None:
    task_id = store.tasks.add(NewTask("a", amy, "reply", "wrote", 50, store.now()), actor="inbox")
    task = store.tasks.get(task_id)
    assert task is not None and task.state == "open" and task.is_open
    assert store.tasks.open_for(amy) == task and store.tasks.open_for(amy, "hold") is None
    assert store.tasks.change(task_id, ("open",), "claimed", "sam", state="claimed",
                              claimed_by="sam", claimed_at=store.now())
    assert not store.tasks.change(task_id, ("open",), "claimed", "kim", state="claimed",
                                  claimed_by="kim")
    reply = add(store, amy, origin=Origin.HUMAN, text="Hi Amy, Sam here")
    store.tasks.set_reply(task_id, reply)
    replied = store.tasks.open_replied_by(reply)
    assert replied is not None and replied.claimed_by == "sam"
    assert store.tasks.change(task_id, ("open", "claimed"), "replied", "sam", note="sent",
                              state="done", closed_by="sam", closed_at=store.now())
    assert store.tasks.open_for(amy) is None and store.tasks.open_replied_by(reply) is None
    actions = [(a.action, a.actor, a.note) for a in store.tasks.actions(task_id)]
    assert actions == [("opened", "inbox", "wrote"), ("claimed", "sam", None),
                       ("replied", "sam", "sent")]


def test_listing_is_most_urgent_first_with_the_person(store: Store, amy: int) -> None:
    low = store.tasks.add(NewTask("a", amy, "welcome", "new", 20, store.now()), actor="t")
    high = store.tasks.add(NewTask("a", amy, "human", "asked", 80, store.now()), actor="t")
    listed = store.tasks.listing()
    assert [t.id for t in listed] == [high, low]
    assert (listed[0].username, listed[0].contact_name) == ("amy", "Amy")
    assert store.tasks.listing(account_id="b") == []
    assert store.tasks.listing(states=("done",)) == []
