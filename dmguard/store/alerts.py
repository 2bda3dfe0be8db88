"""Alerts: the record that an urgent or overdue task was announced on a channel.

A row is taken (``sending``) before anything is sent, under the unique key
(task, reason, channel), so two daemons or two ticks never announce a task twice;
then it becomes ``sent`` or ``failed`` (with the error, retried by a later call).
"""

from __future__ import annotations

from dataclasses import dataclass

from dmguard.store.connection import Connection, marks
from dmguard.store.rows import record


@dataclass(frozen=True)
class AlertCandidate:
    """An open task that is urgent (high priority) or overdue, with whom it is about."""

    task_id: int
    account_id: str
    contact_id: int
    kind: str
    reason: str
    priority: int
    due_at: str
    claimed_by: str | None
    username: str | None
    contact_name: str | None


class Alerts:
    def __init__(self, connection: Connection) -> None:
        self._sql = connection

    def candidates(self, reason: str, channel: str, *, min_priority: int, now: str,
                   limit: int) -> list[AlertCandidate]:
        """Open tasks that are ``urgent`` (priority at least ``min_priority``) or ``overdue``
        (due before ``now``) and not yet announced (or whose announcement failed) there."""
        condition = "t.priority >= ?" if reason == "urgent" else "t.due_at < ?"
        value: object = min_priority if reason == "urgent" else now
        return [record(AlertCandidate, row) for row in self._sql.rows(
            "SELECT t.id AS task_id, t.account_id, t.contact_id, t.kind, t.reason, t.priority, "
            "t.due_at, t.claimed_by, c.username, c.name AS contact_name FROM tasks t "
            "JOIN contacts c ON c.id = t.contact_id "
            f"WHERE t.state IN ('open', 'claimed') AND {condition} "
            "AND (t.snoozed_until IS NULL OR t.snoozed_until <= ?) "
            "AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.task_id = t.id AND a.reason = ? "
            "AND a.channel = ? AND a.state IN ('sending', 'sent')) "
            "ORDER BY t.priority DESC, t.due_at, t.id LIMIT ?",
            [value, now, reason, channel, limit])]

    def take(self, task_id: int, reason: str, channel: str) -> bool:
        """Take the right to announce; False when it was (being) announced already."""
        now = self._sql.now()
        with self._sql.atomic():
            cursor = self._sql.execute(
                "UPDATE alerts SET state = 'sending', error = NULL, at = ? "
                "WHERE task_id = ? AND reason = ? AND channel = ? AND state = 'failed'",
                [now, task_id, reason, channel])
            if cursor.rowcount == 1:
                return True
            cursor = self._sql.execute(
                "INSERT OR IGNORE INTO alerts (task_id, reason, channel, state, at) "
                "VALUES (?, ?, ?, 'sending', ?)", [task_id, reason, channel, now])
            return cursor.rowcount == 1

    def settle(self, keys: list[tuple[int, str]], channel: str, error: str | None) -> None:
        """Mark taken alerts (task id, reason) as sent, or failed with the error."""
        if not keys:
            return
        state = "sent" if error is None else "failed"
        with self._sql.atomic():
            for task_id, reason in keys:
                self._sql.execute(
                    "UPDATE alerts SET state = ?, error = ?, at = ? WHERE task_id = ? "
                    "AND reason = ? AND channel = ?",
                    [state, error, self._sql.now(), task_id, reason, channel])

    def sent(self, task_ids: list[int]) -> list[tuple[int, str, str, str]]:
        """(task id, reason, channel, state) recorded for these tasks."""
        if not task_ids:
            return []
        return [(row["task_id"], row["reason"], row["channel"], row["state"]) for row in
                self._sql.rows(f"SELECT task_id, reason, channel, state FROM alerts "
                               f"WHERE task_id IN ({marks(task_ids)}) ORDER BY id", task_ids)]
