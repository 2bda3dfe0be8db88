"""Inbox, sequences and policy through the real tick against the emulator."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmguard import actions
from dmguard.clock import SimulatedClock
from dmguard.config import Config
from dmguard.platforms.sandbox.server import SandboxServer, running
from dmguard.platforms.sandbox.state import Faults, SandboxState, SandboxUser
from dmguard.store import NewMessage, Origin, Store
from dmguard.tick import AccountRuntime, run_send, run_tick
from tests.conftest import START, world


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
    sandbox_state.credentials = None
    assert run_tick(runtime).error is not None, "a paused account stays paused until fixed"


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


def test_cli_claim_and_reply_send_once(tmp_path: Path, clock: SimulatedClock,
                                       sandbox_state: SandboxState,
                                       sandbox: SandboxServer) -> None:
    from click.testing import CliRunner

    from dmguard.cli import cli
    from tests.conftest import config_file

    config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    pat = sandbox_state.add_user(username="pat", name="Pat Doe")
    sandbox_state.user_writes(pat.id, "Do you ship to Oslo?")
    run_tick(runtime)
    task_id = store.tasks.listing()[0].id
    store.close()
    conf = config_file(tmp_path, db=config.store.path, sandbox_url=sandbox.url)
    run = CliRunner().invoke
    assert run(cli, ["tasks", "claim", str(task_id), "--who", "sam", "--config", str(conf)]
               ).exit_code == 0
    taken = run(cli, ["tasks", "reply", str(task_id), "Hi", "--who", "kim", "--config", str(conf)])
    assert taken.exit_code == 2 and "claimed by sam" in taken.output
    sent = run(cli, ["tasks", "reply", str(task_id), "Hi Pat, Sam here: yes, Oslo is fine.",
                     "--who", "sam", "--config", str(conf)])
    assert sent.exit_code == 0, sent.output
    again = run(cli, ["tasks", "reply", str(task_id), "Hi again", "--who", "sam",
                      "--config", str(conf)])
    assert again.exit_code == 2 and "already done" in again.output
    assert [e.text for e in sandbox_state.received_by(pat.id)] == [
        "Hi Pat, Sam here: yes, Oslo is fine."]


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


def pat_asks(tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
             sandbox: SandboxServer) -> tuple[Config, Store, AccountRuntime, SandboxUser, int]:
    """Pat writes a question; the tick turns it into a task (returned last, by id)."""
    config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    pat = sandbox_state.add_user(username="pat", name="Pat Doe")
    sandbox_state.user_writes(pat.id, "Do you ship to Oslo?")
    run_tick(runtime)
    return config, store, runtime, pat, store.tasks.listing()[0].id


def test_a_reply_whose_answer_was_lost_is_not_sent_twice(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    from dmguard.outbox import reconcile

    config, store, runtime, pat, task_id = pat_asks(tmp_path, clock, sandbox_state, sandbox)
    sandbox_state.faults = Faults(rate=1.0, kinds=("drop_after",))
    with pytest.raises(actions.TaskError, match="may have arrived"):
        actions.reply(store, config, task_id, "sam", "Yes, Oslo is fine.", platform=runtime.platform)
    sandbox_state.faults = Faults()
    with pytest.raises(actions.TaskError, match="still on its way"):
        actions.reply(store, config, task_id, "sam", "Yes, Oslo is fine.", platform=runtime.platform)
    assert store.tasks.get(task_id).state == "claimed"  # type: ignore[union-attr]
    assert reconcile(store, "demo", runtime.platform) == (1, 0)
    assert [e.text for e in sandbox_state.received_by(pat.id)] == ["Yes, Oslo is fine."]
    task = store.tasks.get(task_id)
    assert task is not None and task.state == "done" and task.closed_by == "sam", \
        "the reply was found on the platform, so its task is closed"


def test_a_reply_that_waited_in_the_queue_closes_its_task_when_it_goes_out(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:

    config, store, runtime, _pat, task_id = pat_asks(tmp_path, clock, sandbox_state, sandbox)
    sandbox_state.faults = Faults(rate=1.0, kinds=("429",))
    with pytest.raises(actions.TaskError, match="task closes then"):
        actions.reply(store, config, task_id, "sam", "Yes, Oslo works.", platform=runtime.platform)
    sandbox_state.faults = Faults()
    clock.advance(timedelta(minutes=1))
    assert run_send(runtime) == 1
    task = store.tasks.get(task_id)
    assert task is not None and task.state == "done" and task.reply_message_id


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
