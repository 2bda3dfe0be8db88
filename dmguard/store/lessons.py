"""Lessons: what the account's own people taught the judge by their decisions.

Each row is one decision about one text: a held draft released unchanged
(``acceptable``), rewritten or dismissed (``generic``, the draft as it was; the
rewrite a person released is ``acceptable``), or a personal reply a person sent
(``personal``). The audit reads an account's latest
lessons (:mod:`dmguard.learning` builds the judge's learned layer from them); the
owner can count and reset them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dmguard.store.connection import Connection, marks
from dmguard.store.rows import record

LABELS = ("acceptable", "generic", "personal")
DECISIONS = ("released", "rewritten", "dismissed", "replied")


@dataclass(frozen=True)
class Lesson:
    id: int
    account_id: str
    text: str
    label: str
    decision: str
    message_id: int | None
    actor: str
    at: str


@dataclass(frozen=True)
class LessonCount:
    account_id: str
    label: str
    count: int


class Lessons:
    def __init__(self, connection: Connection) -> None:
        self._sql = connection

    def add(self, account_id: str, text: str, label: str, decision: str, actor: str,
            message_id: int | None = None) -> int:
        """Record a lesson; its id. A decision the account's latest lesson about the same
        text already made (a draft released again, a failed reply sent again) is
        not a new lesson: the existing one's id is returned, so repeats do not outvote."""
        latest = self._latest_about(account_id, text)
        if latest is not None and latest["label"] == label:
            return int(latest["id"])
        return self._sql.insert("lessons", {
            "account_id": account_id, "text": text, "label": label, "decision": decision,
            "message_id": message_id, "actor": actor, "at": self._sql.now()})

    def _latest_about(self, account_id: str, text: str) -> dict[str, Any] | None:
        return self._sql.one("SELECT id, label FROM lessons WHERE account_id = ? AND text = ? "
                             "ORDER BY id DESC LIMIT 1", [account_id, text])

    def repeats(self, account_id: str, text: str, label: str) -> bool:
        """Whether :meth:`add` would record nothing new: the account's latest lesson about
        the same text made the same decision."""
        latest = self._latest_about(account_id, text)
        return latest is not None and latest["label"] == label

    def latest(self, account_id: str, limit: int) -> list[Lesson]:
        """The account's ``limit`` most recent lessons, newest first."""
        return [record(Lesson, row) for row in self._sql.rows(
            "SELECT * FROM lessons WHERE account_id = ? ORDER BY id DESC LIMIT ?",
            [account_id, limit])]

    def counts(self, account_ids: list[str], start: str | None = None,
               end: str | None = None) -> list[LessonCount]:
        """The accounts' lessons per label (learned from ``start`` to ``end`` when given)."""
        if not account_ids:
            return []
        return [record(LessonCount, row) for row in self._sql.rows(
            "SELECT account_id, label, COUNT(*) AS count FROM lessons "
            f"WHERE account_id IN ({marks(account_ids)}) "
            "AND (? IS NULL OR at >= ?) AND (? IS NULL OR at < ?) "
            "GROUP BY account_id, label ORDER BY account_id, label",
            [*account_ids, start, start, end, end])]

    def reset(self, account_id: str) -> int:
        """Forget every lesson of the account; how many there were."""
        return self._sql.execute("DELETE FROM lessons WHERE account_id = ?",
                                 [account_id]).rowcount
