"""Caps, quiet hours, consent under the X policy, hand-ins and releases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmguard import outbox
from dmguard.clock import SimulatedClock
from dmguard.places import zone_from_location
from dmguard.platforms.sandbox.server import SandboxServer, running
from dmguard.platforms.sandbox.state import SandboxState
from dmguard.policy import QuietHoursConfig, quiet_deferral
from dmguard.store import Contact, NewMessage, Origin, Store
from dmguard.tick import run_send, run_tick
from tests.conftest import START, add_person, world


@pytest.mark.parametrize(("location", "zone"), [
    ("Lisbon", "Europe/Lisbon"), ("São Paulo, Brasil", "America/Sao_Paulo"),
    ("New York City", "America/New_York"), ("the moon", None), ("", None)])
def test_zone_from_location(location: str, zone: str | None) -> None:
    assert zone_from_location(location) == zone


def test_quiet_hours_defer_to_the_morning_in_the_recipients_zone() -> None:
    quiet = QuietHoursConfig(start="21:00", end="08:00")
    late_in_tokyo = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # 23:00 in Tokyo
    deferral = quiet_deferral(quiet, "Asia/Tokyo", late_in_tokyo)
    assert deferral is not None
    assert deferral.until == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # 08:00 in Tokyo
    assert quiet_deferral(quiet, "Europe/Lisbon", late_in_tokyo) is None


def queue(store: Store, contact: Contact, text: str) -> int:
    return store.messages.add(NewMessage(account_id="demo", contact_id=contact.id,
                                         direction="out", origin=Origin.SUBMIT, kind="campaign",
                                         text=text, labelled_text=text + " [Automated]",
                                         state="queued"), actor="test")


def test_per_person_caps_defer_the_second_message_by_a_day(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    _, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    amy = add_person(store, sandbox_state, "Amy")
    queue(store, amy, "first")
    second = queue(store, amy, "second")
    for _ in range(10):
        clock.advance(timedelta(minutes=5))
        run_send(runtime)
    assert [e.text for e in sandbox_state.received_by(amy.user_id)] == ["first [Automated]"]
    deferred = store.messages.get(second)
    assert deferred is not None and deferred.send_after is not None
    assert deferred.state == "queued" and deferred.send_after > store.now()
    reasons = [t.reason or "" for t in store.messages.transitions(second)]
    assert any(r.startswith("deferred until") and "cap 1" in r for r in reasons)
    clock.advance(timedelta(days=1))
    run_send(runtime)
    assert len(sandbox_state.received_by(amy.user_id)) == 2


def test_quiet_hours_hold_a_message_until_morning(tmp_path: Path, clock: SimulatedClock,
                                                  sandbox_state: SandboxState,
                                                  sandbox: SandboxServer) -> None:
    clock.set(datetime(2026, 11, 23, 22, 30, tzinfo=UTC))  # 22:30 in Lisbon
    _, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    ana = add_person(store, sandbox_state, "Ana", location="Lisbon, Portugal")
    queue(store, ana, "good evening")
    run_send(runtime)
    assert sandbox_state.received_by(ana.user_id) == []
    clock.set(datetime(2026, 11, 24, 8, 1, tzinfo=UTC))
    run_send(runtime)
    assert len(sandbox_state.received_by(ana.user_id)) == 1


EVENTS = st.lists(st.sampled_from(["follow", "write", "campaign", "tick", "stop"]),
                  min_size=3, max_size=12)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=EVENTS)
def test_under_the_x_policy_nobody_who_has_not_written_gets_an_automated_dm(
        tmp_path_factory: pytest.TempPathFactory, events: list[str]) -> None:
    clock = SimulatedClock(START)
    state = SandboxState(clock, account_username="acme")
    tmp_path = tmp_path_factory.mktemp("x")
    with running(state, lifetime=60) as server:
        config, store, runtime = world(tmp_path, clock, state, server, policy="x")
        person = state.add_user(username="pat", name="Pat Doe", location="Oslo")
        wrote = False
        for event in events:
            clock.advance(timedelta(minutes=7))
            if event == "follow":
                state.follow(person.id)
            elif event == "write":
                state.user_writes(person.id, "Hi, do you ship to Oslo?")
                wrote = True
            elif event == "stop":
                state.user_writes(person.id, "STOP")
                wrote = True
            elif event == "campaign":
                contact = store.people.find_contact("demo", user_id=person.id)
                if contact:
                    outbox.submit(store, runtime.auditor, config, "demo", "x", contact,
                                  "Pat, our Oslo pop-up opens Friday: want an invite?",
                                  origin="submit", kind="campaign", actor="test")
            run_tick(runtime)
            run_send(runtime)
            automated = [e for e in state.received_by(person.id) if "[Automated" in e.text]
            if not wrote:
                assert automated == [], events
        store.close()


def test_the_built_in_packs_are_the_plain_values() -> None:
    """`dmguard audit` without a config judges by policy_values' packs; the config's
    PolicyPack defaults and built-in packs are the same values."""
    from dataclasses import asdict

    from dmguard.policy import PolicyPack, built_in_policies
    from dmguard.policy_values import BUILT_IN_POLICIES, PolicyValues

    packs = built_in_policies()
    assert set(packs) == set(BUILT_IN_POLICIES) == {"x", "sandbox"}
    for name, pack in packs.items():
        assert pack.model_dump() == asdict(BUILT_IN_POLICIES[name])
    assert PolicyPack().model_dump() == asdict(PolicyValues())
    assert packs["sandbox"].welcome_dm == "send" and packs["x"].welcome_dm == "task"
