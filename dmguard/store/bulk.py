"""Writing many rows at once, for benchmarks and load tests.

These bypass the aggregates' bookkeeping on purpose (no transitions are recorded
for a seeded message unless given, nothing is checked): they build large
databases fast. dmguard itself never calls them. Call inside ``Store.atomic()``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from operator import attrgetter

from dmguard.store.connection import Connection, marks


@dataclass(frozen=True)
class SeedContact:
    account_id: str
    user_id: str
    first_seen_at: str
    username: str | None = None
    name: str | None = None
    followed_at: str | None = None


@dataclass(frozen=True)
class SeedMessage:
    account_id: str
    contact_id: int | None
    direction: str
    origin: str
    kind: str
    text: str
    state: str
    created_at: str
    updated_at: str
    sent_at: str | None = None
    labelled_text: str | None = None
    id: int | None = None


@dataclass(frozen=True)
class SeedTask:
    account_id: str
    contact_id: int
    kind: str
    reason: str
    priority: int
    state: str
    due_at: str
    created_at: str
    claimed_by: str | None = None


@dataclass(frozen=True)
class SeedTransition:
    """A transition as the store writes it, with its message's account and origin (which
    the report's queries read: without them a seeded transition counts nowhere)."""

    message_id: int
    from_state: str | None
    to_state: str
    actor: str
    at: str
    account_id: str
    origin: str


@dataclass(frozen=True)
class SeedFinding:
    message_id: int
    rule: str
    name: str
    severity: str
    message: str
    span_start: int | None
    span_end: int | None


def _insert(table: str, cls: type) -> tuple[str, attrgetter[tuple[object, ...]]]:
    columns = list(cls.__dataclass_fields__)
    return (f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})", attrgetter(*columns))


_CONTACT, _contact = _insert("contacts", SeedContact)
_MESSAGE, _message = _insert("messages", SeedMessage)
_TRANSITION, _transition = _insert("message_transitions", SeedTransition)
_FINDING, _finding = _insert("findings", SeedFinding)
_TASK, _task = _insert("tasks", SeedTask)


class Bulk:
    def __init__(self, connection: Connection) -> None:
        self._sql = connection

    def contact(self, row: SeedContact) -> int:
        return int(self._sql.execute(_CONTACT, _contact(row)).lastrowid or 0)

    def message(self, row: SeedMessage) -> int:
        return int(self._sql.execute(_MESSAGE, _message(row)).lastrowid or 0)

    def contacts(self, rows: Iterable[SeedContact]) -> None:
        self._sql.executemany(_CONTACT, map(_contact, rows))

    def messages(self, rows: Iterable[SeedMessage]) -> None:
        self._sql.executemany(_MESSAGE, map(_message, rows))

    def tasks(self, rows: Iterable[SeedTask]) -> None:
        self._sql.executemany(_TASK, map(_task, rows))

    def transitions(self, rows: Iterable[SeedTransition]) -> None:
        self._sql.executemany(_TRANSITION, map(_transition, rows))

    def findings(self, rows: Iterable[SeedFinding]) -> None:
        self._sql.executemany(_FINDING, map(_finding, rows))

    def analyze(self) -> None:
        """Refresh the query planner's statistics after a large load."""
        self._sql.execute("ANALYZE")

    def message_count(self, states: tuple[str, ...] | None = None) -> int:
        """Messages stored (in these states, if given): how far a load or a drain got."""
        if states is None:
            return int(self._sql.scalar("SELECT COUNT(*) FROM messages"))
        return int(self._sql.scalar(
            f"SELECT COUNT(*) FROM messages WHERE state IN ({marks(states)})", list(states)))

    def sent_times(self) -> list[str]:
        """When every sent message went out, as stored."""
        return [row["sent_at"] for row in self._sql.rows(
            "SELECT sent_at FROM messages WHERE state = 'sent'")]
