"""The connection: one SQLite file, its pragmas, its transactions and the injected clock.

Only the store's own modules run SQL through a :class:`Connection`; everything else
in dmguard talks to the aggregates on :class:`dmguard.store.Store`. A ``Connection``
belongs to the thread that opened it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_random_exponential

from dmguard.clock import Clock, iso


class StoreError(Exception):
    """The database cannot be used as it is; the message says what to do."""


class StoreBusy(StoreError):
    """Another process held the write lock longer than :data:`BUSY_TIMEOUT`; trying again
    later is the cure (the daemon's next job does; a command says so and exits)."""


#: Seconds a statement waits for another connection's write lock (SQLite's busy timeout)
#: before the store says the database is busy.
BUSY_TIMEOUT = 30.0


def _busy(error: BaseException) -> bool:
    """SQLITE_BUSY: another connection holds the lock ("database is locked")."""
    return "database is locked" in str(error) or "database is busy" in str(error)


def busy_error(path: str) -> StoreBusy:
    return StoreBusy(f"{path}: the database is busy (another process is writing); try again")


def sql_list(values: Iterable[str]) -> str:
    """A constant set as an SQL list literal, sorted: ``('a', 'b')``.

    For the store's own named sets only (origins, states), never for input: the
    statements then read, and are planned, exactly as when the list was spelled out.
    """
    quoted = []
    for value in sorted(values):
        if "'" in value:
            raise ValueError(f"not a constant: {value!r}")
        quoted.append(f"'{value}'")
    return "(" + ", ".join(quoted) + ")"


def marks(values: Sequence[Any]) -> str:
    """``?, ?, ?`` for a list of parameters."""
    return ", ".join("?" for _ in values)


def _enable_wal(db: sqlite_utils.Database) -> None:
    """Switch to WAL, waiting (up to the busy timeout) while another process does the same.

    Several processes opening one fresh file at once (a redeploy, the web page and
    the daemon) race to change the journal mode, and SQLite answers the losers
    "database is locked" at once instead of waiting for its busy timeout.
    """
    for attempt in Retrying(retry=retry_if_exception(_busy),
                            wait=wait_random_exponential(multiplier=0.05, max=1),
                            stop=stop_after_delay(BUSY_TIMEOUT), reraise=True):
        with attempt:
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.enable_wal()


class Connection:
    """A SQLite connection with dmguard's pragmas, immediate transactions and a clock."""

    def __init__(self, conn: sqlite3.Connection, clock: Clock, path: str = "database") -> None:
        self._db = sqlite_utils.Database(conn)
        self.clock = clock
        self.path = path

    @classmethod
    def open(cls, path: Path | str, clock: Clock) -> Connection:
        """Open (creating the folder if needed) with WAL and the pragmas; no migrations."""
        path = Path(path)
        if str(path) != ":memory:":
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreError(f"{path}: cannot create the database folder: {error}") from None
        try:
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT, check_same_thread=True)
            connection = cls(conn, clock, str(path))
            connection.execute("PRAGMA foreign_keys = ON")
            if str(path) != ":memory:":
                _enable_wal(connection._db)
            connection.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as error:
            if _busy(error):  # _enable_wal waited (and retried) that long already
                raise busy_error(str(path)) from None
            raise StoreError(
                f"{path}: cannot open the database ({error}); check the path and its permissions"
            ) from None
        return connection

    def close(self) -> None:
        self._db.close()

    def back_up(self, target: Path) -> None:
        """A consistent copy of the whole database (what the write-ahead log holds too)."""
        with closing(sqlite3.connect(str(target))) as copy:
            self._db.conn.backup(copy)

    def now(self) -> str:
        return iso(self.clock.now())

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """A transaction that takes the write lock at its start (nested: a savepoint).

        The daemon's threads and the CLI write to one file. A deferred transaction that
        reads and then writes fails at once ("database is locked") when another
        connection committed in between; an immediate one waits its turn instead.
        """
        if self._db.conn.in_transaction:
            with self._db.atomic():
                yield
            return
        with self._explained():
            self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.conn.rollback()
            raise
        try:
            with self._explained():
                self._db.execute("COMMIT")
        except BaseException:
            self._db.conn.rollback()
            raise

    # --- statements (the store's modules; tests may inspect through these) ------

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> sqlite3.Cursor:
        with self._explained():
            return self._db.execute(sql, list(params) if params is not None else [])

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Many rows of one statement; call inside :meth:`atomic`."""
        with self._explained():
            self._db.conn.executemany(sql, rows)

    @contextmanager
    def _explained(self) -> Iterator[None]:
        """A full disk or a read-only file is the owner's to fix, and a database another
        process kept locked for the whole busy timeout is worth another try: one line
        saying so (a StoreError), instead of sqlite3's OperationalError.

        The transaction it happened in is rolled back, so nothing stored is lost. The
        waiting itself is SQLite's (the busy timeout), before this is reached."""
        try:
            yield
        except sqlite3.OperationalError as error:
            text = str(error)
            if _busy(error):
                raise busy_error(self.path) from None
            if any(mark in text for mark in ("full", "readonly", "read-only", "disk I/O")):
                raise StoreError(f"{self.path}: the database cannot be written ({text}); "
                                 "free disk space or fix the file's permissions, then run "
                                 "again: nothing stored was lost") from None
            raise

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> Iterator[dict[str, Any]]:
        with self._explained():
            yield from self._db.query(sql, list(params) if params is not None else [])

    def one(self, sql: str, params: Sequence[Any] | None = None) -> dict[str, Any] | None:
        return next(iter(self.rows(sql, params)), None)

    def all(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        return list(self.rows(sql, params))

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        row = self.execute(sql, params).fetchone()
        return row[0] if row else None

    def insert(self, table: str, row: dict[str, Any]) -> int:
        columns = ", ".join(row)
        cursor = self.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks(list(row))})",
                              list(row.values()))
        return int(cursor.lastrowid or 0)

    def update(self, table: str, row_id: int | str, **values: Any) -> None:
        assignments = ", ".join(f"{column} = ?" for column in values)
        self.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", [*values.values(), row_id])
