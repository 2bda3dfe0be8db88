"""The inbox: STOP and START at once, everything else to a person, through the real tick."""


from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmguard.clock import SimulatedClock
from dmguard.platforms.sandbox.server import SandboxServer, running
from dmguard.platforms.sandbox.state import SandboxState
from dmguard.tick import run_send, run_tick
from tests.conftest import START, world


def test_stop_cancels_pending_confirms_once_and_start_reverses(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    _config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    amy = sandbox_state.add_user(username="amy", name="Amy Lee")
    sandbox_state.follow(amy.id)
    run_tick(runtime)
    sandbox_state.user_writes(amy.id, "STOP!!")
    sandbox_state.user_writes(amy.id, "stop")
    for _ in range(3):
        clock.advance(timedelta(minutes=2))
        run_tick(runtime)
    texts = [e.text for e in sandbox_state.received_by(amy.id)]
    assert sum("won't get automated messages" in t for t in texts) == 1
    contact = store.people.find_contact("demo", user_id=amy.id)
    assert contact is not None and store.people.is_opted_out(contact.id)
    sandbox_state.user_writes(amy.id, "START")
    clock.advance(timedelta(minutes=2))
    run_tick(runtime)
    assert not store.people.is_opted_out(contact.id)


EVENTS = st.lists(st.sampled_from(["follow", "stop", "start", "question", "tick", "campaign"]),
                  min_size=3, max_size=14)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=EVENTS)
def test_no_automated_dm_after_stop_in_any_order(tmp_path_factory: pytest.TempPathFactory,
                                                 events: list[str]) -> None:
    from dmguard import outbox

    clock = SimulatedClock(START)
    state = SandboxState(clock, account_username="acme")
    tmp_path = tmp_path_factory.mktemp("prop")
    with running(state, lifetime=60) as server:
        config, store, runtime = world(tmp_path, clock, state, server)
        person = state.add_user(username="pat", name="Pat Doe")
        opted_out = False
        for event in events:
            clock.advance(timedelta(minutes=3))
            if event == "follow":
                state.follow(person.id)
            elif event in ("stop", "start", "question"):
                state.user_writes(person.id, {"stop": "STOP", "start": "START",
                                              "question": "Do you ship to Oslo?"}[event])
            elif event == "campaign" and store.people.find_contact("demo", user_id=person.id):
                contact = store.people.find_contact("demo", user_id=person.id)
                outbox.submit(store, runtime.auditor, config, "demo", "sandbox", contact,
                              "Pat, our Oslo pop-up opens Friday: want an invite?",
                              origin="submit", kind="campaign", actor="test")
            run_tick(runtime)
            run_send(runtime)
            contact = store.people.find_contact("demo", user_id=person.id)
            now_out = bool(contact) and store.people.is_opted_out(contact.id)
            if now_out and not opted_out:
                stop_at = len(state.received_by(person.id))
            if now_out:
                after = state.received_by(person.id)[stop_at:]
                assert all("[Automated" not in e.text for e in after)
            opted_out = now_out
        store.close()


def test_asking_for_a_human_opens_a_priority_task(tmp_path: Path, clock: SimulatedClock,
                                                  sandbox_state: SandboxState,
                                                  sandbox: SandboxServer) -> None:
    _config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    pat = sandbox_state.add_user(username="pat", name="Pat Doe")
    sandbox_state.user_writes(pat.id, "Do you ship to Oslo?")
    run_tick(runtime)
    clock.advance(timedelta(minutes=5))
    sandbox_state.user_writes(pat.id, "Can I talk to a real person please?")
    sandbox_state.user_writes(pat.id, "hello?")
    run_tick(runtime)
    (task,) = store.tasks.listing()
    assert task.kind == "human" and task.priority >= 80
    assert [a.action for a in store.tasks.actions(task.id)] == ["opened", "escalated"]
    assert sandbox_state.received_by(pat.id) == [], "the bot does not answer it itself"


def test_a_stop_is_stored_only_together_with_its_opt_out(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from dmguard import inbox

    _config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    pat = sandbox_state.add_user(username="pat", name="Pat Doe")
    sandbox_state.user_writes(pat.id, "STOP")

    def crash(*_: object) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(inbox.outbox, "cancel_pending", crash)
    with pytest.raises(RuntimeError):
        inbox.sync_inbox(store, runtime.config, "demo", runtime.platform)
    assert store.messages.in_state("demo", "received") == [], "nothing inbound was stored"
    monkeypatch.undo()
    inbox.sync_inbox(store, runtime.config, "demo", runtime.platform)
    contact = store.people.find_contact("demo", user_id=pat.id)
    assert contact is not None and store.people.is_opted_out(contact.id)
