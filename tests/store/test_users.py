"""Users, sessions, login attempts and notes as the store keeps them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from dmguard.clock import SimulatedClock, iso
from dmguard.config import WebConfig
from dmguard.store import Store
from dmguard.users import (
    UserError,
    add_user,
    authenticate,
    live_session,
    remove_user,
    start_session,
    viewer,
)
from tests.conftest import make_config

WEB = WebConfig()
PASSWORD = "correct horse battery"


def test_passwords_are_hashed_and_checked(store: Store) -> None:
    add_user(store, "sam", "admin", PASSWORD)
    user = store.users.named("sam")
    assert user and user.password_hash.startswith("$argon2id$") and PASSWORD not in \
        user.password_hash
    assert authenticate(store, WEB, "Sam", PASSWORD, "1.2.3.4").name == "sam"
    with pytest.raises(UserError, match="do not match"):
        authenticate(store, WEB, "sam", "wrong password", "1.2.3.4")
    with pytest.raises(UserError, match="do not match"):
        authenticate(store, WEB, "nobody", PASSWORD, "1.2.3.4")
    with pytest.raises(UserError, match="at least 10"):
        add_user(store, "amy", "agent", "short")
    with pytest.raises(UserError, match="already"):
        add_user(store, "sam", "agent", PASSWORD)
    with pytest.raises(UserError, match="lowercase"):
        add_user(store, "Sam Smith", "agent", PASSWORD)


def test_rate_limit_per_user_and_per_address(store: Store, clock: SimulatedClock) -> None:
    add_user(store, "sam", "admin", PASSWORD)
    add_user(store, "amy", "agent", PASSWORD)
    for _ in range(5):
        with pytest.raises(UserError):
            authenticate(store, WEB, "sam", "nope nope nope", "10.0.0.1")
    with pytest.raises(UserError, match="Too many"):
        authenticate(store, WEB, "sam", PASSWORD, "10.0.0.2")
    assert authenticate(store, WEB, "amy", PASSWORD, "10.0.0.1").name == "amy"
    for number in range(20):
        with pytest.raises(UserError):
            authenticate(store, WEB, f"u{number}", "nope nope nope", "10.0.0.9")
    with pytest.raises(UserError, match="Too many"):
        authenticate(store, WEB, "amy", PASSWORD, "10.0.0.9")
    clock.advance(timedelta(minutes=16))
    assert authenticate(store, WEB, "sam", PASSWORD, "10.0.0.1").name == "sam"


def test_sessions_expire_and_end_with_their_user(store: Store, clock: SimulatedClock,
                                                 tmp_path: Path) -> None:
    add_user(store, "sam", "admin", PASSWORD)
    add_user(store, "amy", "agent", PASSWORD, ("demo",))
    sam, amy = store.users.named("sam"), store.users.named("amy")
    assert sam and amy
    token = start_session(store, WEB, amy, "1.2.3.4")
    session = live_session(store, token)
    assert session and session.expires_at == iso(clock.now() + timedelta(hours=12))
    assert live_session(store, "forged") is None and live_session(store, None) is None
    store.sessions.set_notice(session.id, "hi")
    assert store.sessions.take_notice(session.id) == "hi"
    assert store.sessions.take_notice(session.id) is None
    assert viewer(store, amy).scope == ("demo",) and viewer(store, sam).scope == ()
    clock.advance(timedelta(hours=12))
    assert live_session(store, token) is None, "expired"
    token = start_session(store, WEB, amy, None)
    remove_user(store, make_config(tmp_path), "amy", "sam")
    assert live_session(store, token) is None
    with pytest.raises(UserError, match="no user"):
        remove_user(store, make_config(tmp_path), "amy", "sam")


def test_notes_about_a_person(store: Store) -> None:
    store.accounts.ensure("demo", "sandbox")
    contact, _ = store.people.upsert_contact("demo", "1", name="Tom")
    store.notes.add(contact, "sam", "called him")
    [note] = store.notes.about(contact)
    assert (note.author, note.text) == ("sam", "called him")
