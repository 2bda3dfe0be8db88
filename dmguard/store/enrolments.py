"""Enrolments: who is in which welcome or drip sequence, and when their next step is due."""

from __future__ import annotations

from dataclasses import dataclass

from dmguard.store.connection import Connection
from dmguard.store.rows import record


@dataclass(frozen=True)
class Enrolment:
    id: int
    account_id: str
    contact_id: int
    sequence: str
    next_step: int
    next_at: str | None
    state: str
    created_at: str


class Enrolments:
    def __init__(self, connection: Connection) -> None:
        self._sql = connection

    def enrol(self, account_id: str, contact_id: int, sequence: str, next_at: str) -> bool:
        """Start a person on a sequence's first step; False if they were ever enrolled in it."""
        cursor = self._sql.execute(
            "INSERT OR IGNORE INTO enrolments (account_id, contact_id, sequence, next_step, "
            "next_at, state, created_at) VALUES (?, ?, ?, 1, ?, 'active', ?)",
            [account_id, contact_id, sequence, next_at, self._sql.now()],
        )
        return cursor.rowcount > 0

    def due(self, account_id: str) -> list[Enrolment]:
        """Active enrolments whose next step is due now, soonest first."""
        return [record(Enrolment, row) for row in self._sql.rows(
            "SELECT * FROM enrolments WHERE account_id = ? AND state = 'active' AND next_at <= ? "
            "ORDER BY next_at, id", [account_id, self._sql.now()])]

    def get(self, enrolment_id: int) -> Enrolment | None:
        row = self._sql.one("SELECT * FROM enrolments WHERE id = ?", [enrolment_id])
        return None if row is None else record(Enrolment, row)

    def for_contact(self, contact_id: int) -> list[Enrolment]:
        return [record(Enrolment, row) for row in self._sql.rows(
            "SELECT * FROM enrolments WHERE contact_id = ? ORDER BY id", [contact_id])]

    def end(self, enrolment_id: int, state: str) -> None:
        """Stop one enrolment: ``orphaned``, ``opted-out``, ``personal``."""
        self._sql.update("enrolments", enrolment_id, state=state)

    def postpone(self, enrolment_id: int, next_at: str) -> None:
        """Look at the same step again at ``next_at``."""
        self._sql.update("enrolments", enrolment_id, next_at=next_at)

    def next_step(self, enrolment_id: int, step: int, next_at: str) -> None:
        self._sql.update("enrolments", enrolment_id, next_step=step, next_at=next_at)

    def complete(self, enrolment_id: int) -> None:
        self._sql.update("enrolments", enrolment_id, state="completed", next_at=None)

    def stop_for_contact(self, contact_id: int, state: str) -> None:
        """End every active enrolment of this person (they opted out)."""
        self._sql.execute(
            "UPDATE enrolments SET state = ? WHERE contact_id = ? AND state = 'active'",
            [state, contact_id],
        )
