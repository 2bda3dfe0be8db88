"""dmguard against an emulator that restarts with its state lost: never twice, never
after a STOP, and no crash when the platform's history shrinks under a saved place."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from dmguard import outbox
from dmguard.clock import SimulatedClock
from dmguard.platforms.sandbox.server import SandboxServer, running
from dmguard.platforms.sandbox.state import DmEvent, Limit, SandboxState, instant_listing
from dmguard.store import NewMessage, Origin, Store
from dmguard.tick import run_tick, sender_for
from tests.conftest import add_person, world

CAMPAIGN = "[Automated] Our workshop moved to Saturday. Reply STOP to opt out"


def queue(store: Store, contact_id: int) -> int:
    return store.messages.add(NewMessage(
        account_id="demo", contact_id=contact_id, direction="out", origin=Origin.SUBMIT,
        kind="campaign", text=CAMPAIGN, labelled_text=CAMPAIGN, state="queued"), actor="test")


def test_a_stop_written_after_a_restart_is_heard_though_the_ids_began_again(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """With counter ids the new emulator handed out the ids of events dmguard had
    stored: the STOP was taken for one already seen, and the campaign went out."""
    _config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    amy = add_person(store, sandbox_state, "Amy")
    for text in ("hi", "are you open on Sunday?", "thanks"):
        sandbox_state.user_writes(amy.user_id, text)
        clock.advance(timedelta(minutes=10))
        run_tick(runtime, send=False)
    fresh = sandbox.restart()
    for text in ("one more thing", "actually no", "STOP"):
        fresh.user_writes(amy.user_id, text)
    message_id = queue(store, amy.id)
    clock.advance(timedelta(minutes=1))
    run_tick(runtime)
    assert store.people.is_opted_out(amy.id)
    assert store.messages.get(message_id).state == "cancelled"  # type: ignore[union-attr]
    assert CAMPAIGN not in [e.text for e in fresh.phones.received(amy.user_id)]


def test_a_send_lost_with_the_emulators_memory_is_parked_not_sent_again(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """The DM reached the phone, the answer never came, and the restarted emulator does
    not list it: "not listed" proves nothing when the platform lists nothing older."""
    _config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    amy = add_person(store, sandbox_state, "Amy")
    sandbox_state.user_writes(amy.user_id, "hello from long ago",
                              at=clock.now() - timedelta(days=40))
    message_id = queue(store, amy.id)

    def die_once(event: DmEvent) -> None:
        sandbox.state.on_account_send = None
        sandbox.restart(mid_request=True)

    sandbox_state.on_account_send = die_once
    sender = sender_for(runtime)
    sender.send_due()
    for _ in range(outbox.MAX_ATTEMPTS + 1):
        clock.advance(timedelta(minutes=2))
        outbox.reconcile(store, "demo", runtime.platform)
        sender.send_due()
    message = store.messages.get(message_id)
    assert message is not None and message.state == "needs_attention"
    assert "lists nothing from before this send" in (message.failure or "")
    assert [e.text for e in sandbox.state.phones.received(amy.user_id)] == [CAMPAIGN]


def test_a_lost_send_on_a_platform_that_remembers_is_still_sent_once(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """The other side: history reaching back past the send proves the DM is not there."""
    _config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    amy = add_person(store, sandbox_state, "Amy")
    sandbox_state.user_writes(amy.user_id, "hello from long ago",
                              at=clock.now() - timedelta(days=40))
    message_id = queue(store, amy.id)
    store.messages.transition(message_id, ("queued",), "sending", "sender")
    clock.advance(timedelta(minutes=1))
    assert outbox.reconcile(store, "demo", runtime.platform) == (0, 1)
    sender_for(runtime).send_due()
    assert store.messages.get(message_id).state == "sent"  # type: ignore[union-attr]
    assert [e.text for e in sandbox_state.phones.received(amy.user_id)] == [CAMPAIGN]


def test_a_history_import_resumes_when_its_saved_page_token_is_refused(
        tmp_path: Path, clock: SimulatedClock) -> None:
    """The first sync pauses at a rate limit with a page token saved; the emulator then
    restarts and refuses that token (400). The import starts again from the newest page
    instead of failing every tick, and a STOP written meanwhile is heard."""
    state = SandboxState(clock, account_username="acme", options=instant_listing(),
                         limits={"dm_events": Limit(2)})
    old_friend = state.add_user(username="old", name="Old Friend")
    for number in range(250):
        state.user_writes(old_friend.id, f"old message {number}",
                          at=clock.now() - timedelta(days=20, minutes=number))
    with running(state, lifetime=60) as server:
        _config, store, runtime = world(tmp_path, clock, state, server)
        account = store.accounts.get("demo")
        assert account is not None and account.history_cursor, "paused with a saved place"
        assert account.history_synced_at is None
        fresh = server.restart()
        fresh.user_writes(old_friend.id, "STOP")
        clock.advance(timedelta(minutes=15))
        summary = run_tick(runtime, send=False)
        assert summary.error is None, summary.error
        account = store.accounts.get("demo")
        assert account is not None and account.history_synced_at is not None
        contact = store.people.find_contact("demo", user_id=old_friend.id)
        assert contact is not None and store.people.is_opted_out(contact.id)
