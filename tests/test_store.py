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
