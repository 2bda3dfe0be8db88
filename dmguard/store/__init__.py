"""The store: every SQL statement dmguard runs, behind one object per aggregate.

``Store.open(path, clock)`` opens (and migrates) one SQLite file; the aggregates hang
off it and answer with small frozen records, never rows::

    store.messages.get(message_id)        # Message | None
    store.tasks.open_for(contact_id, "hold")
    store.people.contact(contact_id)
    store.runs.start("tick", account_id)

Modules: :mod:`~dmguard.store.connection` (the file, pragmas, ``atomic()``, the
clock), :mod:`~dmguard.store.migrations` (named, append-only, applied under the
write lock), then one module per aggregate: ``accounts``, ``people`` (contacts,
conversations, opt-outs), ``messages`` (with transitions and findings), ``tasks``
(with their actions, and the inbox's one-row-per-person listing), ``users`` (the
team, roles, the accounts an agent works on), ``sessions`` (web sessions and login
attempts), ``notes`` (internal notes about a person), ``alerts`` (urgent or overdue
tasks announced once per channel), ``lessons`` (what the account's people taught
the judge by their decisions), ``enrolments``, ``runs`` (with platform calls), ``reports``
(the daily report's queries) and ``bulk`` (seeding large databases for benchmarks,
and the counts they read back).
:mod:`~dmguard.store.origins` holds the one ``Origin`` type and its named sets.
Tables are plain and plural so an owner can open the file in Datasette and read it.
Every multi-row change runs in :meth:`Store.atomic`. A ``Store`` belongs to the
thread that opened it.

Where PostgreSQL would go: nothing outside this package sees ``sqlite3`` or
``sqlite_utils``; callers get records and pass typed values. A second backend would
be a sibling ``Connection`` (psycopg, ``?`` placeholders become ``%s``) with its own
migration texts (``INTEGER PRIMARY KEY`` becomes ``GENERATED ... AS IDENTITY``,
``json_extract`` becomes ``->>``, ``INSERT OR IGNORE`` becomes ``ON CONFLICT DO
NOTHING``), and ``atomic()`` taking the same role with ``BEGIN`` plus row locks or
``SERIALIZABLE``. The aggregate classes would stay, with the few dialect-specific
statements (the report's day buckets, ``COUNT`` of booleans) moved behind the
connection; ``Store.open`` would pick the backend from the configured URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dmguard.clock import Clock
from dmguard.store.accounts import Account, Accounts
from dmguard.store.alerts import AlertCandidate, Alerts
from dmguard.store.billing import Billing, BillLine
from dmguard.store.bulk import Bulk
from dmguard.store.connection import Connection, StoreBusy, StoreError
from dmguard.store.enrolments import Enrolment, Enrolments
from dmguard.store.leases import Lease, Leases
from dmguard.store.lessons import Lesson, LessonCount, Lessons
from dmguard.store.messages import (
    PENDING_MESSAGE_STATES,
    DraftText,
    FindingLike,
    FindingRow,
    Judgement,
    Message,
    Messages,
    NewMessage,
    OutboundText,
    SentMessage,
    SentText,
    Transition,
)
from dmguard.store.migrations import MIGRATIONS, Migration, migrate
from dmguard.store.notes import Note, Notes
from dmguard.store.origins import (
    AUTOMATED_ORIGINS,
    CAMPAIGN_ORIGINS,
    SENT_BY_DMGUARD,
    TOO_LATE,
    Origin,
)
from dmguard.store.people import Contact, Conversation, People
from dmguard.store.reports import Reports
from dmguard.store.runs import ApiCall, Run, Runs
from dmguard.store.sessions import Session, Sessions
from dmguard.store.tasks import (
    OPEN_TASK_STATES,
    VIEWS,
    ConversationRow,
    NewTask,
    QueueCounts,
    QueueFilter,
    Task,
    TaskAction,
    TaskListing,
    Tasks,
)
from dmguard.store.users import ROLES, User, Users

__all__ = [
    "AUTOMATED_ORIGINS",
    "CAMPAIGN_ORIGINS",
    "MIGRATIONS",
    "OPEN_TASK_STATES",
    "PENDING_MESSAGE_STATES",
    "ROLES",
    "SENT_BY_DMGUARD",
    "TOO_LATE",
    "VIEWS",
    "Account",
    "AlertCandidate",
    "ApiCall",
    "BillLine",
    "Billing",
    "Contact",
    "Conversation",
    "ConversationRow",
    "DraftText",
    "Enrolment",
    "FindingLike",
    "FindingRow",
    "Judgement",
    "Lease",
    "Lesson",
    "LessonCount",
    "Message",
    "Migration",
    "NewMessage",
    "NewTask",
    "Note",
    "Origin",
    "OutboundText",
    "QueueCounts",
    "QueueFilter",
    "Run",
    "SentMessage",
    "SentText",
    "Session",
    "Store",
    "StoreBusy",
    "StoreError",
    "Task",
    "TaskAction",
    "TaskListing",
    "Transition",
    "User",
]


class Store:
    """One open database: the aggregates, transactions and the clock."""

    def __init__(self, connection: Connection) -> None:
        #: For tests (setup and inspection) and the store's own modules only.
        self.connection = connection
        self.clock: Clock = connection.clock
        self.accounts = Accounts(connection)
        self.people = People(connection)
        self.messages = Messages(connection)
        self.tasks = Tasks(connection)
        self.enrolments = Enrolments(connection)
        self.runs = Runs(connection)
        self.billing = Billing(connection)
        self.leases = Leases(connection)
        self.reports = Reports(connection)
        self.bulk = Bulk(connection)
        self.users = Users(connection)
        self.sessions = Sessions(connection)
        self.notes = Notes(connection)
        self.alerts = Alerts(connection)
        self.lessons = Lessons(connection)

    @classmethod
    def open(cls, path: Path | str, clock: Clock) -> Store:
        """Open (creating if needed) and migrate; raise StoreError with what to do."""
        connection = Connection.open(path, clock)
        store = cls(connection)
        store.migrate(path)
        return store

    def migrate(self, path: Path | str | None = None) -> list[str]:
        """Apply missing migrations (see :mod:`dmguard.store.migrations`); return their names."""
        return migrate(self.connection, None if path is None else str(path))

    def close(self) -> None:
        self.connection.close()

    def back_up(self, target: Path) -> None:
        """Copy the database, as it stands, to ``target`` (a new file)."""
        self.connection.back_up(target)

    def now(self) -> str:
        """The injected clock's time, as stored."""
        return self.connection.now()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """A transaction that takes the write lock at its start (nested: a savepoint).

        The daemon's threads and the CLI write to one file. A deferred transaction that
        reads and then writes fails at once ("database is locked") when another
        connection committed in between; an immediate one waits its turn instead.
        """
        with self.connection.atomic():
            yield
