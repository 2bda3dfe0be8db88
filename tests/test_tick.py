"""One tick against the emulator: pauses, hostile profiles, fault storms, bugs."""


from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from dmguard import tick
from dmguard.clock import SimulatedClock
from dmguard.platforms.sandbox.server import SandboxServer
from dmguard.platforms.sandbox.state import Faults, SandboxState
from dmguard.store import NewMessage, Origin
from dmguard.tick import run_send, run_tick
from tests.conftest import START, world


def test_refused_credentials_pause_the_account_and_the_report_says_so(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    from dmguard.report.data import build_report

    _config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    sandbox_state.credentials = ("someone-else", "")
    runtime.platform._me = None  # type: ignore[attr-defined]
    summary = run_tick(runtime)
    assert summary.error and "401" in summary.error
    assert store.accounts.get("demo").paused_reason  # type: ignore[union-attr]
    report = build_report(store, ["demo"], START.date())
    assert any("paused" in line for line in report.accounts[0].attention)
    assert run_tick(runtime).error.startswith("paused"), "checked live, still refused"
    calls = len(store.runs.api_calls("demo"))
    clock.advance(timedelta(minutes=5))
    assert run_tick(runtime).error.startswith("paused")
    assert len(store.runs.api_calls("demo")) == calls, "a paused account is checked sparingly"
    sandbox_state.credentials = None
    clock.advance(tick.RECHECK_PAUSED)
    assert run_tick(runtime).error is None, "fixed: the live check passes and it resumes"
    assert store.accounts.get("demo").paused_reason is None  # type: ignore[union-attr]


def test_hostile_profiles_are_stored_and_sent_as_text(tmp_path: Path, clock: SimulatedClock,
                                                      sandbox_state: SandboxState,
                                                      sandbox: SandboxServer) -> None:
    _config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    odd = sandbox_state.add_user(username="odd", name="{{ 7*7 }} <script>x</script>",
                                 location="{% for x in range(3) %}L{% endfor %}",
                                 description="\x00\u202e" + "b" * 100_000)
    sandbox_state.follow(odd.id)
    run_tick(runtime)
    contact = store.people.find_contact("demo", user_id=odd.id)
    assert contact is not None and contact.name == "{{ 7*7 }} <script>x</script>"
    assert len(contact.bio) == 100_001, "the NUL is dropped, the RTL mark kept"
    texts = [e.text for e in sandbox_state.received_by(odd.id)]
    assert texts and "{{" in texts[0] and "49" not in texts[0]
    assert "{% for x in range(3) %}L{% endfor %}" in texts[0]


@pytest.mark.slow
def test_a_fault_storm_still_drains_the_queue_exactly_once(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    from dmguard import outbox

    _config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    people = []
    for index in range(25):
        user = sandbox_state.add_user(username=f"p{index}", name=f"Pat{index} Doe")
        contact_id, _ = store.people.upsert_contact("demo", user.id, name=user.name)
        store.messages.add(NewMessage(account_id="demo", contact_id=contact_id, direction="out",
                                      origin=Origin.SUBMIT, kind="campaign", text=f"note {index}",
                                      labelled_text=f"[Automated] note {index} Reply STOP",
                                      state="queued"), actor="test")
        people.append(user)
    sandbox_state.faults = Faults(rate=0.3, kinds=("429", "500", "503", "drop", "drop_after",
                                                  "slow"),
                                  slow_seconds=0.05, seed=11)
    for _ in range(240):
        clock.advance(timedelta(minutes=1))
        run_send(runtime)
        outbox.reconcile(store, "demo", runtime.platform)
    sent = [e.text for e in sandbox_state.sent_by_account()]
    assert sorted(sent) == sorted(f"[Automated] note {i} Reply STOP" for i in range(25))
    delivered = store.messages.in_state("demo", "sent")
    assert len(delivered) == 25
    settled_from_platform = sum(1 for message in delivered
                                for step in store.messages.transitions(message.id)
                                if step.actor == "reconcile" and step.to_state == "sent")
    assert settled_from_platform >= 1, "some answers were lost and settled from the platform"


def test_a_bug_in_a_tick_closes_its_run_as_crashed_and_is_raised(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from dmguard import sequences

    _config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(sequences, "advance", broken)
    with pytest.raises(ZeroDivisionError):
        run_tick(runtime)
    last = store.runs.of_job("tick")[-1]
    assert last.status == "crashed" and "a bug" in (last.error or "")


def test_credentials_of_another_user_pause_the_account_instead_of_mixing_two(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """A database that knows the account as one user, opened with credentials (or an
    emulator) that sign in as another, stops: its people and messages would be mixed."""
    _config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    assert run_tick(runtime).error is None
    account = store.accounts.get("demo")
    assert account is not None and account.user_id
    store.accounts.set_identity("demo", "1", "someone_else", "Someone Else")
    followers = store.people.known_follower_ids("demo")
    summary = run_tick(runtime)
    assert summary.error and "sign in as user" in summary.error and "someone_else" in summary.error
    paused = store.accounts.get("demo")
    assert paused is not None and paused.paused_reason and "AccountChanged" in paused.paused_reason
    assert paused.user_id == "1", "the database keeps the user it knew"
    clock.advance(tick.RECHECK_PAUSED)
    assert run_tick(runtime).error.startswith("paused"), "the live check does not lift it"
    assert store.people.known_follower_ids("demo") == followers, "nobody else's followers"
    store.accounts.set_identity("demo", account.user_id, account.username, account.name)
    clock.advance(tick.RECHECK_PAUSED)
    assert run_tick(runtime).error is None, "its own user again: it resumes"


def test_an_account_added_later_does_not_welcome_its_existing_followers(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """The first sync is per account: a database that already ticked for "demo" still
    treats the first sync of a new (or renamed) account as its existing audience."""
    from dmguard.platforms.sandbox.server import running
    from dmguard.platforms.sandbox.state import instant_listing
    from dmguard.tick import build_runtime
    from tests.conftest import make_config

    _config, store, _runtime = world(tmp_path, clock, sandbox_state, sandbox)
    second = SandboxState(clock, account_username="other", options=instant_listing())
    for index in range(5):
        second.follow(second.add_user(username=f"f{index}", name=f"Fan{index} Doe").id)
    config = make_config(tmp_path, extra='\n[[accounts]]\nname = "two"\nplatform = "sandbox"\n')
    with running(second, lifetime=60) as server:
        two = build_runtime(config, config.account("two"), store, sandbox_url=server.url)
        first = run_tick(two)
        assert first.new_followers == 5
        assert first.sequences.get("drafted", 0) == 0, "existing followers are not welcomed"
        assert second.sent_by_account() == []
        newcomer = second.add_user(username="newbie", name="Newbie Doe")
        second.follow(newcomer.id)
        clock.advance(timedelta(minutes=5))
        later = run_tick(two)
        assert later.new_followers == 1 and later.sequences.get("drafted", 0) == 1
