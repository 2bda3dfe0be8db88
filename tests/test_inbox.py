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
from dmguard.store import NewMessage, Origin, Store
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


def test_a_stop_with_a_question_opts_out_and_opens_a_task(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """QA 1: an opt-out beside a question applied the opt-out and dropped the question
    (opt_outs=2 tasks=0); a bare STOP still opens no task."""
    from dmguard import inbox

    config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    asks = {"bram": "Leave me alone with the ads please, but I still need an answer: where "
                    "is my refund for order 5531?",
            "mei": "Thanks for the reply! Please do not message me with promos though. Quick "
                   "question: is the sourdough workshop on Saturday still happening?"}
    bare = {"ann": "STOP", "bob": "stop please", "cy": "Unsubscribe me."}
    users = {name: sandbox_state.add_user(username=name, name=f"{name.title()} Doe")
             for name in {**asks, **bare}}
    for name, text in {**asks, **bare}.items():
        sandbox_state.user_writes(users[name].id, text)
    report = inbox.sync_inbox(store, config, "demo", runtime.platform)
    assert (report.opt_outs, report.tasks) == (5, 2)
    queued = store.messages.in_state("demo", "queued")
    for name in {**asks, **bare}:
        contact = store.people.find_contact("demo", user_id=users[name].id)
        assert contact is not None and store.people.is_opted_out(contact.id)
        confirmations = [m for m in queued if m.contact_id == contact.id]
        assert [m.kind for m in confirmations] == ["confirmation"], name
        open_tasks = store.tasks.for_contact(contact.id, open_only=True)
        if name in asks:
            (task,) = open_tasks
            assert task.kind == "reply" and "opted out" in task.reason
        else:
            assert open_tasks == [], name


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


def test_a_stop_the_platform_lists_before_a_send_always_wins(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """Issue 15, item 5: people who wrote STOP still got a queued DM 32-41 s later. The
    sender now reads the person's conversation (listed at once, unlike /2/dm_events)
    before an automated DM to anyone who wrote in the last day."""
    _config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    pat = sandbox_state.add_user(username="pat", name="Pat Doe")
    sandbox_state.user_writes(pat.id, "hi, do you ship to Oslo?")
    clock.advance(timedelta(minutes=1))
    run_tick(runtime, send=False)
    contact = store.people.find_contact("demo", user_id=pat.id)
    assert contact is not None
    campaign = store.messages.add(NewMessage(
        account_id="demo", contact_id=contact.id, direction="out", origin=Origin.SUBMIT,
        kind="campaign", text="Winter sale!", labelled_text="[Automated] Winter sale! STOP",
        state="queued", verdict="send"), actor="test")
    sandbox_state.user_writes(pat.id, "Ｓ\u200bＴＯＰ", listing_lag=timedelta(minutes=10))
    clock.advance(timedelta(seconds=30))
    run_send(runtime)
    assert store.messages.get(campaign).state == "cancelled"  # type: ignore[union-attr]
    assert not [e for e in sandbox_state.sent_by_account() if "Winter sale" in e.text]
    assert store.people.is_opted_out(contact.id)


def test_an_event_listed_late_below_a_newer_one_is_still_read(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """Issue 14, item 5: /2/dm_events lists late; polls re-read an overlap window."""
    _config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    ann = sandbox_state.add_user(username="ann", name="Ann Doe")
    ben = sandbox_state.add_user(username="ben", name="Ben Doe")
    sandbox_state.user_writes(ann.id, "STOP", listing_lag=timedelta(minutes=2))
    clock.advance(timedelta(seconds=10))
    sandbox_state.user_writes(ben.id, "Is the shop open on Sunday?")
    clock.advance(timedelta(seconds=20))
    run_tick(runtime, send=False)
    assert store.people.find_contact("demo", user_id=ann.id) is None, "not listed yet"
    clock.advance(timedelta(minutes=3))
    run_tick(runtime, send=False)
    ann_contact = store.people.find_contact("demo", user_id=ann.id)
    assert ann_contact is not None and store.people.is_opted_out(ann_contact.id)
    clock.advance(timedelta(minutes=30))
    run_tick(runtime, send=False)
    received = [m for m in store.messages.conversation(ann_contact.id) if m.direction == "in"]
    assert len(received) == 1, "re-read, stored once"


def test_the_first_sync_imports_history_as_history_and_resumes_after_a_rate_limit(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """Issue 14, item 3: 30 days of DMs are not news. An old STOP is honoured without a
    confirmation now, old questions open no task, a recent one does; the import saves
    its place page by page, so X's 15 reads per 15 minutes only pause it."""
    from dmguard.tick import build_runtime
    from tests.conftest import make_config

    now = clock.now()
    sam = sandbox_state.add_user(username="sam", name="Sam Doe")
    quinn = sandbox_state.add_user(username="quinn", name="Quinn Doe")
    rita = sandbox_state.add_user(username="rita", name="Rita Doe")
    chatty = sandbox_state.add_user(username="chatty", name="Chatty Doe")
    for minute in range(1600):
        sandbox_state.user_writes(chatty.id, f"old note {minute}",
                                  at=now - timedelta(days=25, minutes=-minute))
    sandbox_state.user_writes(sam.id, "STOP", at=now - timedelta(days=10))
    sandbox_state.user_writes(quinn.id, "Do you have this in blue?", at=now - timedelta(days=9))
    sandbox_state.user_writes(rita.id, "Is my order on its way?", at=now - timedelta(hours=1))
    config = make_config(tmp_path)
    store = Store.open(config.store.path, clock)
    runtime = build_runtime(config, config.accounts[0], store, sandbox_url=sandbox.url)
    first = run_tick(runtime, send=False)
    assert first.error and "rate limited" in first.error
    account = store.accounts.get("demo")
    assert account is not None and account.history_cursor and not account.history_synced_at
    clock.advance(timedelta(minutes=16))
    assert run_tick(runtime, send=False).error is None
    account = store.accounts.get("demo")
    assert account is not None and account.history_synced_at
    chatty_contact = store.people.find_contact("demo", user_id=chatty.id)
    assert chatty_contact is not None
    assert len(store.messages.conversation(chatty_contact.id, limit=5000)) == 1600
    sam_contact = store.people.find_contact("demo", user_id=sam.id)
    assert sam_contact is not None and store.people.is_opted_out(sam_contact.id)
    assert not [m for m in store.messages.conversation(sam_contact.id) if m.direction == "out"]
    asked = {store.people.contact(t.contact_id).user_id for t in store.tasks.listing()}  # type: ignore[union-attr]
    assert asked == {rita.id}


def _automated_dm_sent(store: Store, contact_id: int, at: str) -> None:
    store.messages.add(NewMessage(account_id="demo", contact_id=contact_id, direction="out",
                                  origin=Origin.SUBMIT, kind="campaign", text="Our news",
                                  state="sent", sent_at=at), actor="test")


def test_only_a_message_after_an_automated_dm_is_a_reply_to_it(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """QA finding 12: a message written before the automated DM (listed late) is not a reply."""
    _config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    early = sandbox_state.add_user(username="early", name="Early Doe")
    late = sandbox_state.add_user(username="late", name="Late Doe")
    for user in (early, late):
        contact_id, _ = store.people.upsert_contact("demo", user.id, username=user.username)
        if user is late:
            _automated_dm_sent(store, contact_id, store.now())
    sandbox_state.user_writes(early.id, "Do you ship to Oslo?", listing_lag=timedelta(minutes=2))
    clock.advance(timedelta(minutes=1))
    early_contact = store.people.find_contact("demo", user_id=early.id)
    assert early_contact is not None
    _automated_dm_sent(store, early_contact.id, store.now())
    sandbox_state.user_writes(late.id, "Thanks, what about Oslo?")
    clock.advance(timedelta(minutes=5))
    run_tick(runtime, send=False)
    reasons = {task.username: task.reason for task in store.tasks.listing()}
    assert reasons["early"].startswith("wrote to the account"), reasons
    assert reasons["late"].startswith("replied to an automated DM"), reasons


@pytest.mark.parametrize("settled_by_a_person", [False, True],
                         ids=["waiting for a person", "a person said it arrived"])
def test_a_reply_the_platform_lists_late_is_ours_not_another_tools(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer, settled_by_a_person: bool) -> None:
    """A reply parked for a person, and then listed by the platform, was recorded as a DM
    another tool sent (the sync only matched sends awaiting an answer); and so was one a
    person had already settled as arrived (`dmguard messages settle --arrived`). Now the
    listing settles the first as sent, with its event, and gives the second its event."""
    from dmguard import outbox

    _config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    pat = sandbox_state.add_user(username="pat", name="Pat Doe")
    sandbox_state.user_writes(pat.id, "Do you ship to Oslo?")
    run_tick(runtime)
    (task,) = store.tasks.listing()
    text = "Hi Pat, yes: Oslo in 3 days."
    message_id = store.messages.add(
        NewMessage(account_id="demo", contact_id=task.contact_id, direction="out",
                   origin=Origin.HUMAN, kind="manual", text=text, state="queued",
                   verdict="send"), actor="sam", reason="personal reply")
    store.tasks.set_reply(task.id, message_id)
    assert outbox.needs_attention(store, message_id, "reconcile", "history starts later")
    if settled_by_a_person:
        outbox.settle_by_person(store, message_id, "sam", arrived=True)
    event = sandbox_state.account_sends(pat.id, text)
    clock.advance(timedelta(minutes=10))
    run_tick(runtime)
    message = store.messages.get(message_id)
    assert message is not None and (message.state, message.platform_event_id) == ("sent",
                                                                                  event.id)
    assert store.tasks.get(task.id).state == "done"  # type: ignore[union-attr]
    others = [m for m in store.messages.conversation(task.contact_id)
              if m.origin == Origin.OTHER]
    assert others == [], "not another tool's DM"
