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


def test_conversations_fold_a_persons_tasks_into_one_row(store: Store, amy: int) -> None:
    from dmguard.store import QueueFilter

    bob, _ = store.people.upsert_contact("a", "2", name="Bob_%", username="bob")
    add(store, amy, origin=Origin.PERSON, direction="in", state="received", text="first")
    add(store, amy, origin=Origin.PERSON, direction="in", state="received", text="where is it?")
    now = store.now()
    store.tasks.add(NewTask("a", amy, "reply", "wrote", 60, "2026-11-23T10:00:00.000000Z"), "t")
    hold = store.tasks.add(NewTask("a", amy, "hold", "held", 30, "2026-11-24T09:00:00.000000Z"),
                           "t")
    other = store.tasks.add(NewTask("a", bob, "vip", "vip", 70, "2099-01-01T00:00:00.000000Z"),
                            "t")
    store.tasks.change(other, ("open",), "claimed", "sam", state="claimed", claimed_by="sam")
    rows = store.tasks.conversations(QueueFilter(me="sam"), now)
    assert [r.contact_id for r in rows] == [bob, amy]
    amy_row = rows[1]
    assert amy_row.open_tasks == 2 and set(amy_row.kind_list) == {"reply", "hold"}
    assert amy_row.preview == "where is it?" and amy_row.priority == 60
    assert amy_row.due_at.startswith("2026-11-23T10") and amy_row.owners is None
    mine = store.tasks.conversations(QueueFilter(me="sam", view="mine"), now)
    assert [r.contact_id for r in mine] == [bob]
    late = "2026-11-23T11:00:00.000000Z"
    assert [r.contact_id for r in store.tasks.conversations(
        QueueFilter(me="sam", view="overdue"), late)] == [amy]
    assert [r.contact_id for r in store.tasks.conversations(
        QueueFilter(me="sam", search="WHERE"), now)] == [amy], "search covers their messages"
    assert [r.contact_id for r in store.tasks.conversations(
        QueueFilter(me="sam", search="_%"), now)] == [bob], "LIKE wildcards are text"
    assert [r.contact_id for r in store.tasks.conversations(
        QueueFilter(me="sam", kind="hold"), now)] == [amy]
    assert store.tasks.conversations(QueueFilter(me="sam", scope=("b",)), now) == []
    counts = store.tasks.counts(QueueFilter(me="sam"), late)
    assert counts.views == {"all": 2, "mine": 1, "unassigned": 1, "overdue": 1, "snoozed": 0}
    assert counts.kinds == {"hold": 1, "reply": 1, "vip": 1} and counts.accounts == {"a": 2}
    for task_id in (hold, hold - 1):
        store.tasks.change(task_id, ("open",), "snoozed", "sam",
                           snoozed_until="2099-01-01T00:00:00.000000Z")
    assert [r.contact_id for r in store.tasks.conversations(QueueFilter(me="sam"), now)] == [bob]
    assert [r.contact_id for r in store.tasks.conversations(
        QueueFilter(me="sam", view="snoozed"), now)] == [amy]


def test_held_by_others_names_whoever_else_holds_an_open_task(store: Store, amy: int) -> None:
    first = store.tasks.add(NewTask("a", amy, "reply", "wrote", 50, store.now()), actor="t")
    second = store.tasks.add(NewTask("a", amy, "hold", "held", 30, store.now()), actor="t")
    assert store.tasks.held_by_others(amy, "sam") == []
    store.tasks.change(first, ("open",), "claimed", "kim", state="claimed", claimed_by="kim")
    store.tasks.change(second, ("open",), "claimed", "ann", state="claimed", claimed_by="ann")
    assert store.tasks.held_by_others(amy, "sam") == ["ann", "kim"]
    assert store.tasks.held_by_others(amy, "kim") == ["ann"]
    store.tasks.change(second, ("claimed",), "done", "ann", state="done")
    assert store.tasks.held_by_others(amy, "kim") == [], "a closed task holds nothing"
