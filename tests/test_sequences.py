"""Sequences: who gets a welcome, who gets a person instead, through the real tick."""


from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from dmguard.clock import SimulatedClock
from dmguard.platforms.sandbox.server import SandboxServer
from dmguard.platforms.sandbox.state import SandboxState
from dmguard.tick import run_tick
from tests.conftest import world


def test_welcome_sent_under_sandbox_policy_and_reply_opens_task(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    _config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    amy = sandbox_state.add_user(username="amy", name="Amy Lee", location="Lisbon",
                                 description="Potter")
    sandbox_state.follow(amy.id)
    run_tick(runtime)
    received = sandbox_state.received_by(amy.id)
    assert len(received) == 1
    assert received[0].text.startswith("[Automated message from @acme]")
    assert "Lisbon" in received[0].text and received[0].text.endswith("automated messages.")
    clock.advance(timedelta(minutes=5))
    sandbox_state.user_writes(amy.id, "Why did you message me? This is annoying.")
    run_tick(runtime)
    task = store.tasks.listing()[0]
    assert task.kind == "reply" and "replied to an automated DM" in task.reason
    assert "negative sentiment" in task.reason


def test_x_policy_turns_welcome_into_a_personal_task(tmp_path: Path, clock: SimulatedClock,
                                                     sandbox_state: SandboxState,
                                                     sandbox: SandboxServer) -> None:
    _config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox, policy="x")
    amy = sandbox_state.add_user(username="amy", name="Amy Lee")
    sandbox_state.follow(amy.id)
    run_tick(runtime)
    assert sandbox_state.received_by(amy.id) == []
    (task,) = store.tasks.listing()
    assert task.kind == "welcome" and "welcome @amy yourself" in task.reason


def test_vip_follower_gets_a_task_not_a_dm(tmp_path: Path, clock: SimulatedClock,
                                           sandbox_state: SandboxState,
                                           sandbox: SandboxServer) -> None:
    _config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    star = sandbox_state.add_user(username="star", name="Big Star", followers_count=500_000)
    sandbox_state.follow(star.id)
    run_tick(runtime)
    assert sandbox_state.received_by(star.id) == []
    assert store.tasks.listing()[0].kind == "vip"
