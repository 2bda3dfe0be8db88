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
    snoozed_until: str | None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_TASK_STATES


@dataclass(frozen=True)
class TaskListing(Task):
    """A task as the queue lists it: with whom it is about."""

    username: str | None
    contact_name: str | None


@dataclass(frozen=True)
class QueueFilter:
    """Which conversations the inbox shows.

    ``view``: ``all`` (not snoozed), ``mine`` (someone assigned it to ``me``),
    ``unassigned`` (nobody has it), ``overdue`` (due before now, not snoozed) or
    ``snoozed``. ``scope``: the accounts the viewer works on (empty: all).
    """

    me: str
    view: str = "all"
    kind: str | None = None
    account: str | None = None
    search: str | None = None
    scope: tuple[str, ...] = ()


VIEWS = ("all", "mine", "unassigned", "overdue", "snoozed")


@dataclass(frozen=True)
class ConversationRow:
    """One person in the inbox: their open tasks folded into one row."""

    contact_id: int
    account_id: str
    username: str | None
    contact_name: str | None
    open_tasks: int
    kinds: str
    lead_task_id: int
    lead_reason: str
    priority: int
    due_at: str
    owners: str | None
    snoozed_until: str | None
    preview: str | None
    last_in_at: str | None

    @property
    def owner_list(self) -> list[str]:
        return sorted(self.owners.split(",")) if self.owners else []


@dataclass(frozen=True)
class QueueCounts:
    views: dict[str, int]
    kinds: dict[str, int]
    accounts: dict[str, int]


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
        snoozed_until: str | Unset | None = UNSET,
    ) -> bool:
        """Record an action on a task in one of ``from_states``, writing the fields given.

        A compare-and-set: False (and nothing recorded) when the task was not in
        one of those states, which is how two people acting at once are told apart.
        """
        fields = given(state=state, kind=kind, priority=priority, claimed_by=claimed_by,
                       claimed_at=claimed_at, closed_by=closed_by, closed_at=closed_at,
                       snoozed_until=snoozed_until)
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

    def for_contact(self, contact_id: int, *, open_only: bool = False) -> list[Task]:
        """Every task about a person (or only the open ones), most urgent first."""
        states = OPEN_TASK_STATES if open_only else ("open", "claimed", "done", "dismissed")
        return [record(Task, row) for row in self._sql.rows(
            f"SELECT * FROM tasks WHERE contact_id = ? AND state IN ({marks(states)}) "
            "ORDER BY state IN ('open', 'claimed') DESC, priority DESC, due_at, id",
            [contact_id, *states])]

    def actions_about(self, contact_id: int) -> list[TaskAction]:
        """The history of every task about a person, oldest first."""
        return [record(TaskAction, row) for row in self._sql.rows(
            "SELECT a.* FROM task_actions a JOIN tasks t ON t.id = a.task_id "
            "WHERE t.contact_id = ? ORDER BY a.id", [contact_id])]

    def version(self) -> str:
        """Changes when any task changes or a message arrives (the inbox polls it)."""
        row = self._sql.one("SELECT (SELECT COALESCE(MAX(id), 0) FROM task_actions) AS a, "
                            "(SELECT COALESCE(MAX(id), 0) FROM messages) AS m")
        assert row is not None
        return f"{row['a']}.{row['m']}"

    # --- the inbox: one row per person --------------------------------------------

    def _people(self, queue: QueueFilter, now: str) -> tuple[str, list[Any]]:
        """A CTE ``people``: one row per person with open tasks, in the viewer's scope."""
        params: list[Any] = [now, now]
        scope = ""
        if queue.scope:
            scope = f"AND t.account_id IN ({marks(queue.scope)}) "
            params.extend(queue.scope)
        params.append(queue.me)
        sql = (
            "WITH open_tasks AS (SELECT t.id, t.contact_id, t.account_id, t.kind, t.reason, "
            "t.priority, t.due_at, t.claimed_by, t.snoozed_until, "
            "CASE WHEN t.snoozed_until > ? THEN 1 ELSE 0 END AS snoozed, "
            "ROW_NUMBER() OVER (PARTITION BY t.contact_id ORDER BY "
            "(t.snoozed_until > ?) ASC, t.priority DESC, t.due_at, t.id) AS rank "
            "FROM tasks t WHERE t.state IN ('open', 'claimed') " + scope + "), "
            "people AS (SELECT o.contact_id, MIN(o.account_id) AS account_id, "
            "COUNT(*) AS open_tasks, group_concat(DISTINCT o.kind) AS kinds, "
            "MAX(CASE WHEN o.rank = 1 THEN o.id END) AS lead_task_id, "
            "MAX(CASE WHEN o.rank = 1 THEN o.reason END) AS lead_reason, "
            "MAX(CASE WHEN o.snoozed = 0 THEN o.priority END) AS priority, "
            "MIN(CASE WHEN o.snoozed = 0 THEN o.due_at END) AS due_at, "
            "group_concat(DISTINCT o.claimed_by) AS owners, "
            "MIN(o.snoozed) AS snoozed, MAX(o.snoozed_until) AS snoozed_until, "
            "MAX(o.claimed_by IS NOT NULL AND o.claimed_by = ?) AS mine "
            "FROM open_tasks o GROUP BY o.contact_id) "
        )
        return sql, params

    @staticmethod
    def _where(queue: QueueFilter, now: str, *, view: bool = True,
               kind: bool = True) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if view:
            clauses.append({
                "all": "p.snoozed = 0",
                "mine": "p.snoozed = 0 AND p.mine",
                "unassigned": "p.snoozed = 0 AND p.owners IS NULL",
                "overdue": "p.snoozed = 0 AND p.due_at < ?",
                "snoozed": "p.snoozed = 1",
            }[queue.view])
            if queue.view == "overdue":
                params.append(now)
        if kind and queue.kind:
            clauses.append("EXISTS (SELECT 1 FROM open_tasks k WHERE k.contact_id = p.contact_id "
                           "AND k.kind = ?)")
            params.append(queue.kind)
        if queue.account:
            clauses.append("p.account_id = ?")
            params.append(queue.account)
        if queue.search:
            pattern = "%" + queue.search.replace("\\", "\\\\").replace("%", "\\%").replace(
                "_", "\\_") + "%"
            clauses.append("(c.name LIKE ? ESCAPE '\\' OR c.username LIKE ? ESCAPE '\\' "
                           "OR EXISTS (SELECT 1 FROM messages s WHERE s.contact_id = p.contact_id "
                           "AND s.text LIKE ? ESCAPE '\\'))")
            params.extend([pattern, pattern, pattern])
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def conversations(self, queue: QueueFilter, now: str, *, limit: int = 50,
                      offset: int = 0) -> list[ConversationRow]:
        """The inbox's rows: most urgent first (snoozed: soonest back first)."""
        people, params = self._people(queue, now)
        where, more = self._where(queue, now)
        order = ("p.snoozed_until, p.contact_id" if queue.view == "snoozed"
                 else "p.priority DESC, p.due_at, p.contact_id")
        return [record(ConversationRow, row) for row in self._sql.rows(
            people + "SELECT p.contact_id, p.account_id, c.username, c.name AS contact_name, "
            "p.open_tasks, p.kinds, p.lead_task_id, p.lead_reason, "
            "COALESCE(p.priority, 0) AS priority, COALESCE(p.due_at, p.snoozed_until) AS due_at, "
            "p.owners, CASE WHEN p.snoozed THEN p.snoozed_until END AS snoozed_until, "
            "(SELECT m.text FROM messages m WHERE m.contact_id = p.contact_id "
            "AND m.direction = 'in' ORDER BY m.id DESC LIMIT 1) AS preview, "
            "(SELECT m.sent_at FROM messages m WHERE m.contact_id = p.contact_id "
            "AND m.direction = 'in' ORDER BY m.id DESC LIMIT 1) AS last_in_at "
            f"FROM people p JOIN contacts c ON c.id = p.contact_id{where} "
            f"ORDER BY {order} LIMIT ? OFFSET ?", [*params, *more, limit, offset])]

    def counts(self, queue: QueueFilter, now: str) -> QueueCounts:
        """How many people each view, kind and account holds (with the other filters)."""
        people, params = self._people(queue, now)
        where, more = self._where(queue, now, view=False)
        join = " JOIN contacts c ON c.id = p.contact_id"
        row = self._sql.one(
            people + "SELECT SUM(p.snoozed = 0) AS \"all\", SUM(p.snoozed = 0 AND p.mine) AS mine, "
            "SUM(p.snoozed = 0 AND p.owners IS NULL) AS unassigned, "
            "SUM(p.snoozed = 0 AND p.due_at < ?) AS overdue, SUM(p.snoozed) AS snoozed "
            f"FROM people p{join}{where}", [*params, now, *more])
        views = {view: int((row or {}).get(view) or 0) for view in VIEWS}
        kind_where, kind_params = self._where(QueueFilter(
            me=queue.me, view=queue.view, account=queue.account, search=queue.search,
            scope=queue.scope), now)
        kinds = {r["kind"]: r["n"] for r in self._sql.rows(
            people + "SELECT k.kind, COUNT(DISTINCT p.contact_id) AS n FROM people p"
            f"{join} JOIN open_tasks k ON k.contact_id = p.contact_id{kind_where} "
            "GROUP BY k.kind ORDER BY k.kind", [*params, *kind_params])}
        account_where, account_params = self._where(QueueFilter(
            me=queue.me, view=queue.view, kind=queue.kind, search=queue.search,
            scope=queue.scope), now)
        accounts = {r["account_id"]: r["n"] for r in self._sql.rows(
            people + "SELECT p.account_id, COUNT(*) AS n FROM people p"
            f"{join}{account_where} GROUP BY p.account_id ORDER BY p.account_id",
            [*params, *account_params])}
        return QueueCounts(views, kinds, accounts)
