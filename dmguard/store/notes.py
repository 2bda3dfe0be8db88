"""Notes: what the team writes about a person for each other (never sent)."""

from __future__ import annotations

from dataclasses import dataclass

from dmguard.store.connection import Connection
from dmguard.store.rows import record


@dataclass(frozen=True)
class Note:
    id: int
    contact_id: int
    author: str
    text: str
    at: str


class Notes:
    def __init__(self, connection: Connection) -> None:
        self._sql = connection

    def add(self, contact_id: int, author: str, text: str) -> int:
        return self._sql.insert("notes", {"contact_id": contact_id, "author": author,
                                          "text": text, "at": self._sql.now()})

    def about(self, contact_id: int) -> list[Note]:
        return [record(Note, row) for row in self._sql.rows(
            "SELECT * FROM notes WHERE contact_id = ? ORDER BY id", [contact_id])]
