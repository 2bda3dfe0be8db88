"""Opening, migrating, and the rule that migrations are append-only."""

from __future__ import annotations

import hashlib
import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from dmguard.clock import SimulatedClock
from dmguard.store import MIGRATIONS, Store, StoreError
from dmguard.store.connection import Connection
from tests.conftest import START

HASHES = Path(__file__).with_name("migration_hashes.txt")


def recorded_hashes() -> list[tuple[str, str]]:
    lines = [line.split() for line in HASHES.read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    return [(name, digest) for name, digest in lines]


def test_migrations_are_append_only() -> None:
    """Every released migration keeps its name, place and text; new ones go at the end.

    A database records migrations by name, so editing one that was applied would leave
    databases that ran the old text behind silently. Add a new migration instead (and
    its line to migration_hashes.txt).
    """
    names = [migration.name for migration in MIGRATIONS]
    assert names == sorted(names) and len(set(names)) == len(names), "names strictly ordered"
    numbers = [int(name[:4]) for name in names]
    assert all(name[:4].isdigit() and name[4] == "_" for name in names)
    # Numbers only grow; a gap is a range another branch took (0004-0009: the daemon's).
    assert numbers[0] == 1 and numbers == sorted(set(numbers))
    actual = [(m.name, hashlib.sha256(m.sql.encode()).hexdigest()) for m in MIGRATIONS]
    recorded = recorded_hashes()
    assert actual[:len(recorded)] == recorded, "a released migration was edited or reordered"
    assert len(actual) == len(recorded), "a new migration needs its line in migration_hashes.txt"


def test_migrations_apply_once_and_wal_is_on(tmp_path: Path, clock: SimulatedClock) -> None:
    store = Store.open(tmp_path / "a.db", clock)
    assert store.migrate() == []
    assert store.connection.scalar("PRAGMA journal_mode") == "wal"
    applied = [row["name"] for row in store.connection.rows("SELECT name FROM migrations")]
    assert applied == [migration.name for migration in MIGRATIONS]
    store.close()


def test_newer_schema_is_refused_and_left_alone(tmp_path: Path, clock: SimulatedClock) -> None:
    store = Store.open(tmp_path / "a.db", clock)
    store.connection.execute("INSERT INTO migrations VALUES ('0999_future', 'x')")
    store.close()
    with pytest.raises(StoreError, match="newer dmguard"):
        Store.open(tmp_path / "a.db", clock)
    rows = sqlite3.connect(tmp_path / "a.db").execute("SELECT name FROM migrations").fetchall()
    assert ("0999_future",) in rows


def test_not_a_database(tmp_path: Path, clock: SimulatedClock) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match=r"junk\.db"):
        Store.open(path, clock)


def test_migration_0002_backfills_existing_transitions(tmp_path: Path,
                                                        clock: SimulatedClock) -> None:
    path = tmp_path / "old.db"
    old = Connection.open(path, clock)
    old.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    for statement in MIGRATIONS[0].statements():
        old.execute(statement)
    old.execute("INSERT INTO migrations VALUES ('0001_initial', 'then')")
    old.execute("INSERT INTO accounts (id, platform, created_at) VALUES ('a', 'x', 'then')")
    old.execute("INSERT INTO contacts (account_id, user_id, first_seen_at) VALUES ('a','1','t')")
    old.execute("INSERT INTO messages (account_id, contact_id, direction, origin, kind, text, "
                "state, created_at, updated_at) VALUES ('a', 1, 'out', 'submit', 'campaign', "
                "'hi', 'queued', 't', 't')")
    old.execute("INSERT INTO message_transitions (message_id, to_state, actor, at) "
                "VALUES (1, 'queued', 'old', 't')")
    old.close()
    store = Store.open(path, clock)
    [transition] = store.messages.transitions(1)
    assert (transition.account_id, transition.origin) == ("a", "submit")
    assert store.messages.transition(1, ("queued",), "sending", "new")
    store.close()


def _open_and_migrate(path: str, ready: multiprocessing.synchronize.Barrier,
                      results: multiprocessing.Queue) -> None:
    try:
        ready.wait(timeout=60)
        Store.open(path, SimulatedClock(START)).close()
        results.put("ok")
    except BaseException as error:  # reported to the test, not lost in the child
        results.put(repr(error))


@pytest.mark.slow
def test_processes_starting_on_one_fresh_file_all_succeed(tmp_path: Path) -> None:
    """The daemon, the CLI and the web page may all start at once on a new database.

    Without the lock, about one round in three failed ("table accounts already exists").
    """
    context = multiprocessing.get_context("spawn")
    processes = 4
    for round_ in range(3):
        ready, results = context.Barrier(processes), context.Queue()
        path = str(tmp_path / f"fresh-{round_}.db")
        workers = [context.Process(target=_open_and_migrate, args=(path, ready, results))
                   for _ in range(processes)]
        for worker in workers:
            worker.start()
        outcomes = [results.get(timeout=120) for _ in workers]
        for worker in workers:
            worker.join(timeout=30)
        assert outcomes == ["ok"] * processes
        check = sqlite3.connect(path)
        names = [name for (name,) in check.execute("SELECT name FROM migrations ORDER BY name")]
        assert names == [migration.name for migration in MIGRATIONS]
        check.close()


def test_an_account_that_already_polls_is_not_imported_again(
        tmp_path: Path, clock: SimulatedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Upgrading a database from before 0004: an account with a DM cursor keeps polling
    from it; only an account that never synced reads its history page by page."""
    from dmguard.store import migrations

    path = tmp_path / "old.db"
    old = Connection.open(path, clock)
    monkeypatch.setattr(migrations, "MIGRATIONS",
                        tuple(m for m in MIGRATIONS if m.name < "0004"))
    migrations.migrate(old)
    monkeypatch.undo()
    old.execute("INSERT INTO accounts (id, platform, last_dm_event_id, created_at) "
                "VALUES ('polls', 'x', '42', '2026-01-01T00:00:00.000000Z')")
    old.execute("INSERT INTO accounts (id, platform, created_at) "
                "VALUES ('fresh', 'x', '2026-01-01T00:00:00.000000Z')")
    old.close()
    store = Store.open(path, clock)
    try:
        assert store.accounts.get("polls").history_synced_at  # type: ignore[union-attr]
        assert store.accounts.get("fresh").history_synced_at is None  # type: ignore[union-attr]
    finally:
        store.close()
