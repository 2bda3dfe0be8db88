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
#: The kinds of task the inbox filters and counts by (dmguard.tasks.KIND_PRIORITY's).
KINDS = ("human", "vip", "reply", "hold", "welcome")


@dataclass(frozen=True)
class ConversationRow:
    """One person in the inbox: their open tasks folded into one row."""

    contact_id: int
    account_id: str
    username: str | None
    contact_name: str | None
    open_tasks: int
    #: Comma-separated, most urgent kind first, e.g. ``"reply,hold,"``.
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
    def kind_list(self) -> list[str]:
        return [kind for kind in self.kinds.split(",") if kind]

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

    def open_for(self, contact_id: int, kind: str | None = None, *,
                 holds: bool = True) -> Task | None:
        """The oldest open (or claimed) task about this person, of this kind if given
        (with ``holds=False``, of any kind but ``hold``)."""
        if kind is None:
            drafts = "" if holds else "AND kind != 'hold' "
            row = self._sql.one(
                "SELECT * FROM tasks WHERE contact_id = ? AND state IN ('open', 'claimed') "
                f"{drafts}ORDER BY id LIMIT 1", [contact_id])
        else:
            row = self._sql.one(
                "SELECT * FROM tasks WHERE contact_id = ? AND kind = ? "
                "AND state IN ('open', 'claimed') ORDER BY id LIMIT 1", [contact_id, kind])
        return maybe(Task, row)

    def open_for_message(self, contact_id: int, message_id: int) -> Task | None:
        """The open (or claimed) task about this message to this person (a held draft)."""
        return maybe(Task, self._sql.one(
            "SELECT * FROM tasks WHERE contact_id = ? AND state IN ('open', 'claimed') "
            "AND message_id = ? ORDER BY id LIMIT 1", [contact_id, message_id]))

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

    def held_by_others(self, contact_id: int, who: str) -> list[str]:
        """Who other than ``who`` holds (has claimed, or was assigned) an open task about
        the person, by name; empty when nobody else has the conversation."""
        return [row["claimed_by"] for row in self._sql.rows(
            "SELECT DISTINCT claimed_by FROM tasks WHERE contact_id = ? "
            "AND state IN ('open', 'claimed') AND claimed_by IS NOT NULL AND claimed_by != ? "
            "ORDER BY claimed_by", [contact_id, who])]

    def held_by(self, who: str) -> list[Task]:
        """The open tasks ``who`` holds (claimed, or was assigned), by id."""
        return [record(Task, row) for row in self._sql.rows(
            "SELECT * FROM tasks WHERE state = 'claimed' AND claimed_by = ? ORDER BY id",
            [who])]

    def claim_conversation(self, contact_id: int, who: str, actor: str, *,
                           take_over: bool = False) -> tuple[int, list[str]]:
        """Claim every open task about a person for ``who``, unless (without
        ``take_over``) someone else holds one: check and set are one transaction, so of
        two people claiming at once one wins. (tasks changed, who else held them)."""
        now = self._sql.now()
        with self._sql.atomic():
            open_tasks = list(self._sql.rows(
                "SELECT id, state, claimed_by FROM tasks WHERE contact_id = ? "
                "AND state IN ('open', 'claimed') ORDER BY id", [contact_id]))
            others = self.held_by_others(contact_id, who)
            if others and not take_over:
                return 0, others
            changed = 0
            for task in open_tasks:
                if task["claimed_by"] == who:
                    continue
                was = f" (was {task['claimed_by']})" if task["claimed_by"] else ""
                changed += self.change(
                    task["id"], (task["state"],), "claimed" if who == actor else "assigned",
                    actor, note=f"to {who}{was}", state="claimed", claimed_by=who,
                    claimed_at=now)
            return changed, others

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
    #
    # ``people`` folds the open tasks into one row per person with a plain GROUP BY
    # (flags per kind, no window function); the lead task, the preview and the name
    # are looked up for the page's rows only. A search first collects the matching
    # people in one pass over names and messages. Counts are one more pass over
    # ``people``. With 10,000 open tasks the inbox renders in well under 200 ms
    # (bench/web.py).

    def _people(self, queue: QueueFilter, now: str) -> tuple[str, list[Any]]:
        """CTEs ending in ``people``: one row per person with open tasks, in scope."""
        params: list[Any] = []
        sql = "WITH "
        match = ""
        if queue.search:
            pattern = "%" + queue.search.replace("\\", "\\\\").replace("%", "\\%").replace(
                "_", "\\_") + "%"
            sql += ("matches AS (SELECT id AS contact_id FROM contacts WHERE name LIKE ? "
                    "ESCAPE '\\' OR username LIKE ? ESCAPE '\\' UNION SELECT contact_id "
                    "FROM messages WHERE text LIKE ? ESCAPE '\\'), ")
            params.extend([pattern, pattern, pattern])
            match = "AND t.contact_id IN (SELECT contact_id FROM matches) "
        scope = ""
        if queue.scope:
            scope = f"AND t.account_id IN ({marks(queue.scope)}) "
        flags = "".join(f"MAX(t.kind = '{kind}') AS has_{kind}, " for kind in KINDS)
        sql += (
            "people AS (SELECT t.contact_id, MIN(t.account_id) AS account_id, "
            f"COUNT(*) AS open_tasks, {flags}"
            "MAX(CASE WHEN t.snoozed_until > ? THEN NULL ELSE t.priority END) AS priority, "
            "MIN(CASE WHEN t.snoozed_until > ? THEN NULL ELSE t.due_at END) AS due_at, "
            "group_concat(DISTINCT t.claimed_by) AS owners, "
            "MIN(COALESCE(t.snoozed_until > ?, 0)) AS snoozed, "
            "MAX(t.snoozed_until) AS snoozed_until, "
            "MAX(t.claimed_by IS NOT NULL AND t.claimed_by = ?) AS mine "
            "FROM tasks t WHERE t.state IN ('open', 'claimed') " + scope + match +
            "GROUP BY t.contact_id) ")
        params.extend([now, now, now])
        params.extend(queue.scope)
        params.insert(len(params) - len(queue.scope), queue.me)
        return sql, params

    @staticmethod
    def _view(view: str) -> str:
        """The view as an SQL condition on ``p`` (``overdue`` takes one parameter: now)."""
        return {
            "all": "p.snoozed = 0",
            "mine": "p.snoozed = 0 AND p.mine",
            "unassigned": "p.snoozed = 0 AND p.owners IS NULL",
            "overdue": "p.snoozed = 0 AND p.due_at < ?",
            "snoozed": "p.snoozed = 1",
        }[view]

    def _where(self, queue: QueueFilter, now: str, *, view: bool = True,
               kind: bool = True) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if view:
            clauses.append(self._view(queue.view))
            if queue.view == "overdue":
                params.append(now)
        if kind and queue.kind:
            if queue.kind not in KINDS:
                clauses.append("0")
            else:
                clauses.append(f"p.has_{queue.kind}")
        if queue.account:
            clauses.append("p.account_id = ?")
            params.append(queue.account)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def conversations(self, queue: QueueFilter, now: str, *, limit: int = 50,
                      offset: int = 0) -> list[ConversationRow]:
        """The inbox's rows: most urgent first (snoozed: soonest back first)."""
        people, params = self._people(queue, now)
        where, more = self._where(queue, now)
        order = ("p.snoozed_until, p.contact_id" if queue.view == "snoozed"
                 else "p.priority DESC, p.due_at, p.contact_id")
        lead = ("(SELECT {column} FROM tasks l WHERE l.contact_id = p.contact_id "
                "AND l.state IN ('open', 'claimed') ORDER BY COALESCE(l.snoozed_until > ?, 0), "
                "l.priority DESC, l.due_at, l.id LIMIT 1)")
        last_in = ("(SELECT {column} FROM messages m WHERE m.contact_id = p.contact_id "
                   "AND m.direction = 'in' ORDER BY m.id DESC LIMIT 1)")
        return [record(ConversationRow, row) for row in self._sql.rows(
            people + ", page AS (SELECT p.* FROM people p" + where +
            f" ORDER BY {order} LIMIT ? OFFSET ?) "
            "SELECT p.contact_id, p.account_id, c.username, c.name AS contact_name, "
            "p.open_tasks, " + " || ".join(
                f"CASE WHEN p.has_{kind} THEN '{kind},' ELSE '' END" for kind in KINDS) +
            " AS kinds, " + lead.format(column="l.id") + " AS lead_task_id, " +
            lead.format(column="l.reason") + " AS lead_reason, "
            "COALESCE(p.priority, 0) AS priority, COALESCE(p.due_at, p.snoozed_until) AS due_at, "
            "p.owners, CASE WHEN p.snoozed THEN p.snoozed_until END AS snoozed_until, " +
            last_in.format(column="m.text") + " AS preview, " +
            last_in.format(column="m.sent_at") + " AS last_in_at "
            f"FROM page p JOIN contacts c ON c.id = p.contact_id ORDER BY {order}",
            [*params, *more, limit, offset, now, now])]

    def counts(self, queue: QueueFilter, now: str, *, accounts: bool = True) -> QueueCounts:
        """How many people each view and kind holds (kinds: in the current view), in one
        pass; per account too when asked."""
        people, params = self._people(queue, now)
        where, more = self._where(queue, now, view=False)
        current = self._view(queue.view)
        current_params = [now] if queue.view == "overdue" else []
        kind_sums = "".join(f", SUM(({current}) AND p.has_{kind}) AS kind_{kind}"
                            for kind in KINDS)
        row = self._sql.one(
            people + "SELECT SUM(p.snoozed = 0) AS v_all, SUM(p.snoozed = 0 AND p.mine) AS v_mine, "
            "SUM(p.snoozed = 0 AND p.owners IS NULL) AS v_unassigned, "
            "SUM(p.snoozed = 0 AND p.due_at < ?) AS v_overdue, SUM(p.snoozed) AS v_snoozed"
            f"{kind_sums} FROM people p{where}",
            [*params, now, *current_params * len(KINDS), *more]) or {}
        views = {view: int(row.get(f"v_{view}") or 0) for view in VIEWS}
        kinds = {kind: int(row.get(f"kind_{kind}") or 0) for kind in KINDS
                 if row.get(f"kind_{kind}")}
        by_account: dict[str, int] = {}
        if accounts:
            account_where, account_params = self._where(QueueFilter(
                me=queue.me, view=queue.view, kind=queue.kind, search=queue.search,
                scope=queue.scope), now)
            by_account = {r["account_id"]: r["n"] for r in self._sql.rows(
                people + "SELECT p.account_id, COUNT(*) AS n FROM people p"
                f"{account_where} GROUP BY p.account_id ORDER BY p.account_id",
                [*params, *account_params])}
        return QueueCounts(views, kinds, by_account)
