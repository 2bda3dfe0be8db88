"""The connection: a database another process keeps locked is one plain StoreBusy line."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from dmguard.clock import SimulatedClock
from dmguard.store import Store, StoreBusy, StoreError
from dmguard.store import connection as connection_module


@pytest.fixture
def writer(tmp_path: Path, clock: SimulatedClock,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[sqlite3.Connection]:
    """Another process's connection holding the write lock; the busy timeout made short."""
    Store.open(tmp_path / "t.db", clock).close()
    monkeypatch.setattr(connection_module, "BUSY_TIMEOUT", 0.2)
    other = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield other
    other.close()


def test_a_write_that_waited_out_the_busy_timeout_is_a_store_busy_line(
        tmp_path: Path, clock: SimulatedClock, writer: sqlite3.Connection) -> None:
    store = Store.open(tmp_path / "t.db", clock)  # reading is not held up (WAL)
    assert store.accounts.get("demo") is None
    busy = f"{tmp_path / 't.db'}: the database is busy (another process is writing); try again"
    with pytest.raises(StoreBusy) as error:
        store.accounts.ensure("demo", "sandbox")
    assert str(error.value) == busy
    with pytest.raises(StoreBusy), store.atomic():
        store.accounts.ensure("demo", "sandbox")
    assert isinstance(error.value, StoreError), "the CLI's one line, exit 2"
    writer.execute("COMMIT")
    store.accounts.ensure("demo", "sandbox")  # the lock is gone: it works, nothing lost
    assert store.accounts.get("demo") is not None
    store.close()


def test_opening_a_new_file_another_process_keeps_locked_says_busy(
        tmp_path: Path, clock: SimulatedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not "not a dmguard database" or "check the path and its permissions"."""
    monkeypatch.setattr(connection_module, "BUSY_TIMEOUT", 0.2)
    other = sqlite3.connect(tmp_path / "new.db", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # a rollback-journal file, locked even to readers
    try:
        with pytest.raises(StoreBusy, match="the database is busy"):
            Store.open(tmp_path / "new.db", clock)
    finally:
        other.close()
