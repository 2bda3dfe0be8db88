"""Tasks: the human queue, and every action taken on a task (who, what, when)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dmguard.store.connection import Connection, marks
from dmguard.store.rows import UNSET, Unset, given, maybe, record

#: A task someone still has to act on.
OPEN_TASK_STATES = ("open", "claimed")


@dataclass(frozen=True)
class Task:
    id: int
    account_id: str
    contact_id: int
    message_id: int | None
    kind: str
    reason: str
    priority: int
    state: str
    due_at: str
    created_at: str
    claimed_by: str | None
    claimed_at: str | None
    closed_by: str | None
    closed_at: str | None
    reply_message_id: int | None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_TASK_STATES


@dataclass(frozen=True)
class TaskListing(Task):
    """A task as the queue lists it: with whom it is about."""

    username: str | None
    contact_name: str | None


@dataclass(frozen=True)
class NewTask:
    account_id: str
    contact_id: int
    kind: str
    reason: str
    priority: int
    due_at: str
    message_id: int | None = None


@dataclass(frozen=True)
class TaskAction:
    id: int
    task_id: int
    action: str
    actor: str
    note: str | None
    at: str


class Tasks:
    def __init__(self, connection: Connection) -> None:
        self._sql = connection

    def add(self, new: NewTask, actor: str) -> int:
        """Open a task and record who opened it and why; return its id."""
        now = self._sql.now()
        with self._sql.atomic():
            task_id = self._sql.insert("tasks", {
                "state": "open", "created_at": now, "account_id": new.account_id,
                "contact_id": new.contact_id, "message_id": new.message_id, "kind": new.kind,
                "reason": new.reason, "priority": new.priority, "due_at": new.due_at})
            self._sql.insert("task_actions", {"task_id": task_id, "action": "opened",
                                              "actor": actor, "note": new.reason, "at": now})
        return task_id

    def get(self, task_id: int) -> Task | None:
        return maybe(Task, self._sql.one("SELECT * FROM tasks WHERE id = ?", [task_id]))

    def open_for(self, contact_id: int, kind: str | None = None) -> Task | None:
        """The oldest open (or claimed) task about this person, of this kind if given."""
        if kind is None:
            row = self._sql.one(
                "SELECT * FROM tasks WHERE contact_id = ? AND state IN ('open', 'claimed') "
                "ORDER BY id LIMIT 1", [contact_id])
        else:
            row = self._sql.one(
                "SELECT * FROM tasks WHERE contact_id = ? AND kind = ? "
                "AND state IN ('open', 'claimed') ORDER BY id LIMIT 1", [contact_id, kind])
        return maybe(Task, row)

    def open_replied_by(self, message_id: int) -> Task | None:
        """The open task this personal reply answers."""
        return maybe(Task, self._sql.one("SELECT * FROM tasks WHERE reply_message_id = ? "
                                         "AND state IN ('open', 'claimed')", [message_id]))

    def listing(self, *, states: tuple[str, ...] = OPEN_TASK_STATES,
                account_id: str | None = None, limit: int = 200) -> list[TaskListing]:
        """Tasks in these states, most urgent first, with the person's name."""
        params: list[Any] = [*states]
        account_clause = ""
        if account_id:
            account_clause = "AND t.account_id = ? "
            params.append(account_id)
        params.append(limit)
        return [record(TaskListing, row) for row in self._sql.rows(
            "SELECT t.*, c.username, c.name AS contact_name FROM tasks t "
            f"JOIN contacts c ON c.id = t.contact_id WHERE t.state IN ({marks(states)}) "
            f"{account_clause}ORDER BY t.priority DESC, t.due_at, t.id LIMIT ?", params)]

    def change(
        self, task_id: int, from_states: tuple[str, ...], action: str, actor: str,
        note: str | None = None, *,
        state: str | Unset = UNSET, kind: str | Unset = UNSET, priority: int | Unset = UNSET,
        claimed_by: str | Unset | None = UNSET, claimed_at: str | Unset | None = UNSET,
        closed_by: str | Unset | None = UNSET, closed_at: str | Unset | None = UNSET,
    ) -> bool:
        """Record an action on a task in one of ``from_states``, writing the fields given.

        A compare-and-set: False (and nothing recorded) when the task was not in
        one of those states, which is how two people acting at once are told apart.
        """
        fields = given(state=state, kind=kind, priority=priority, claimed_by=claimed_by,
                       claimed_at=claimed_at, closed_by=closed_by, closed_at=closed_at)
        now = self._sql.now()
        with self._sql.atomic():
            assignments = "".join(f", {column} = ?" for column in fields)
            cursor = self._sql.execute(
                f"UPDATE tasks SET id = id{assignments} WHERE id = ? "
                f"AND state IN ({marks(from_states)})",
                [*fields.values(), task_id, *from_states],
            )
            if cursor.rowcount != 1:
                return False
            self._sql.insert("task_actions", {"task_id": task_id, "action": action,
                                              "actor": actor, "note": note, "at": now})
        return True

    def set_reply(self, task_id: int, message_id: int) -> None:
        """The personal reply written for this task (the task closes once it is sent)."""
        self._sql.update("tasks", task_id, reply_message_id=message_id)

    def actions(self, task_id: int) -> list[TaskAction]:
        return [record(TaskAction, row) for row in self._sql.rows(
            "SELECT * FROM task_actions WHERE task_id = ? ORDER BY id", [task_id])]
