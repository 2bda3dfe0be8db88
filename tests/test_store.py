from __future__ import annotations

from pathlib import Path

import pytest

from dmguard.clock import SimulatedClock
from dmguard.store import Store, StoreError


def test_migrations_apply_once_and_wal_is_on(tmp_path: Path, clock: SimulatedClock) -> None:
    store = Store.open(tmp_path / "a.db", clock)
    assert store.migrate() == []
    assert store.scalar("PRAGMA journal_mode") == "wal"
    store.close()


def test_newer_schema_is_refused_and_left_alone(tmp_path: Path, clock: SimulatedClock) -> None:
    store = Store.open(tmp_path / "a.db", clock)
    store.db.execute("INSERT INTO migrations VALUES ('0999_future', 'x')")
    store.close()
    with pytest.raises(StoreError, match="newer dmguard"):
        Store.open(tmp_path / "a.db", clock)
    import sqlite3

    rows = sqlite3.connect(tmp_path / "a.db").execute("SELECT name FROM migrations").fetchall()
    assert ("0999_future",) in rows


def test_not_a_database(tmp_path: Path, clock: SimulatedClock) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match=r"junk\.db"):
        Store.open(path, clock)


def test_transition_is_compare_and_set_and_recorded(store: Store) -> None:
    store.ensure_account("a", "sandbox")
    contact_id, _ = store.upsert_contact("a", {"user_id": "1", "name": "Amy"})
    message_id = store.add_message({"account_id": "a", "contact_id": contact_id,
                                    "direction": "out", "origin": "submit", "kind": "campaign",
                                    "text": "hi", "state": "queued"}, actor="test")
    assert store.transition(message_id, ("queued",), "sending", "w1")
    assert not store.transition(message_id, ("queued",), "sending", "w2")
    history = [(t["from_state"], t["to_state"], t["actor"]) for t in store.transitions(message_id)]
    assert history == [(None, "queued", "test"), ("queued", "sending", "w1")]


def test_migration_0002_backfills_existing_transitions(tmp_path: Path,
                                                        clock: SimulatedClock) -> None:
    import sqlite3

    import sqlite_utils

    from dmguard.store import MIGRATIONS

    path = tmp_path / "old.db"
    old = Store(sqlite_utils.Database(sqlite3.connect(path)), clock)
    first = MIGRATIONS[:1]
    old.db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    for statement in first[0][1].split(";"):
        if statement.strip():
            old.db.execute(statement)
    old.db.execute("INSERT INTO migrations VALUES ('0001_initial', 'then')")
    old.db.execute("INSERT INTO accounts (id, platform, created_at) VALUES ('a', 'x', 'then')")
    old.db.execute("INSERT INTO contacts (account_id, user_id, first_seen_at) VALUES ('a','1','t')")
    old.db.execute("INSERT INTO messages (account_id, contact_id, direction, origin, kind, text, "
                   "state, created_at, updated_at) VALUES ('a', 1, 'out', 'submit', 'campaign', "
                   "'hi', 'queued', 't', 't')")
    old.db.execute("INSERT INTO message_transitions (message_id, to_state, actor, at) "
                   "VALUES (1, 'queued', 'old', 't')")
    old.db.conn.commit()
    old.close()
    store = Store.open(path, clock)
    row = store.one("SELECT account_id, origin FROM message_transitions")
    assert row == {"account_id": "a", "origin": "submit"}
    assert store.transition(1, ("queued",), "sending", "new")
    store.close()
