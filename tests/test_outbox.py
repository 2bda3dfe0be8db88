"""The sender: limits, spacing, exactly-once across a crash, failure outcomes."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import timedelta

import pytest

from dmguard import outbox
from dmguard.clock import SimulatedClock, iso
from dmguard.config import Config
from dmguard.platforms.sandbox.server import SandboxServer
from dmguard.platforms.sandbox.state import SandboxState
from dmguard.store import Contact, NewMessage, Origin, Store
from dmguard.tick import build_runtime


def queue(store: Store, contact_id: int, text: str, origin: Origin = Origin.SUBMIT) -> int:
    return store.messages.add(NewMessage(account_id="demo", contact_id=contact_id, direction="out",
                                         origin=origin, kind="campaign", text=text,
                                         labelled_text=f"[Automated] {text} Reply STOP",
                                         state="queued"), actor="test")


def setup(store: Store, config: Config, clock: SimulatedClock, state: SandboxState,
          server: SandboxServer, people: int) -> tuple[outbox.Sender, list[Contact]]:
    runtime = build_runtime(config, config.accounts[0], store, sandbox_url=server.url)
    # The account's DM history goes back past every send here, so a send the platform
    # does not list was not delivered (see outbox.history_reaches_back).
    earlier = state.add_user(username="earlier", name="Someone Earlier")
    state.user_writes(earlier.id, "an older conversation", at=clock.now() - timedelta(days=40))
    contacts = []
    for index in range(people):
        user = state.add_user(username=f"p{index}", name=f"Person {index}")
        contact_id, _ = store.people.upsert_contact("demo", user.id, name=user.name,
                                                    username=user.username)
        contact = store.people.contact(contact_id)
        assert contact is not None
        contacts.append(contact)
    return outbox.Sender(store, config, "demo", runtime.platform), contacts


def test_sends_are_spaced_and_stay_within_the_window(store: Store, config: Config,
                                                      clock: SimulatedClock,
                                                      sandbox_state: SandboxState,
                                                      sandbox: SandboxServer) -> None:
    sender, contacts = setup(store, config, clock, sandbox_state, sandbox, 40)
    for contact in contacts:
        queue(store, contact.id, f"news for {contact.name}")
    sent_per_minute = []
    for _ in range(30):
        sent_per_minute.append(sender.send_due(max_messages=5).sent)
        clock.advance(timedelta(minutes=1))
    assert max(sent_per_minute) == 1
    assert sum(sent_per_minute[:15]) == 15
    assert len(sandbox_state.sent_by_account()) == sum(sent_per_minute)


def test_a_send_job_firing_on_time_is_not_skipped_for_spacing(
        store: Store, config: Config, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """The last send is stamped just after its job fired; the next turn must still send."""
    sender, (amy, bob) = setup(store, config, clock, sandbox_state, sandbox, 2)
    queue(store, amy.id, "first")
    queue(store, bob.id, "second")
    clock.advance(timedelta(milliseconds=300))
    assert sender.send_due().sent == 1
    clock.advance(timedelta(seconds=59, milliseconds=700))
    assert sender.send_due().sent == 1
    assert len(sandbox_state.sent_by_account()) == 2


def test_crash_between_sending_and_sent_is_reconciled_without_resending(
        store: Store, config: Config, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    sender, (amy, bob) = setup(store, config, clock, sandbox_state, sandbox, 2)
    delivered = queue(store, amy.id, "delivered before the crash")
    lost = queue(store, bob.id, "never reached the platform")
    message = store.messages.get(delivered)
    assert message is not None
    store.messages.transition(delivered, ("queued",), "sending", "sender")
    sandbox_state.account_sends(amy.user_id, message.labelled_text)
    store.messages.transition(lost, ("queued",), "sending", "sender")
    found, requeued = outbox.reconcile(store, "demo", sender.platform)
    assert (found, requeued) == (1, 1)
    assert store.messages.get(delivered).state == "sent"  # type: ignore[union-attr]
    assert store.messages.get(lost).state == "queued"  # type: ignore[union-attr]
    for _ in range(3):
        sender.send_due()
        clock.advance(timedelta(minutes=2))
    texts = [e.text for e in sandbox_state.sent_by_account()]
    assert texts.count(message.labelled_text) == 1
    assert sum("never reached" in t for t in texts) == 1


def test_a_send_in_flight_elsewhere_is_not_settled_until_its_process_ends(
        store: Store, config: Config, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """Settling a send another live process is still making would requeue it: a duplicate."""
    sender, (amy,) = setup(store, config, clock, sandbox_state, sandbox, 1)
    message_id = queue(store, amy.id, "in flight in the other process")
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        store.messages.transition(message_id, ("queued",), "sending", "sender",
                         sending_by=f"{socket.gethostname()}:{other.pid}")
        assert outbox.reconcile(store, "demo", sender.platform) == (0, 0)
    finally:
        other.kill()
        other.wait()
    assert outbox.reconcile(store, "demo", sender.platform) == (0, 1)


def test_a_claim_older_than_any_call_is_settled_even_if_its_process_runs(
        store: Store, config: Config, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    sender, (amy,) = setup(store, config, clock, sandbox_state, sandbox, 1)
    message_id = queue(store, amy.id, "claimed on another machine")
    store.messages.transition(message_id, ("queued",), "sending", "sender", sending_by="elsewhere:1")
    assert outbox.reconcile(store, "demo", sender.platform) == (0, 0)
    clock.advance(outbox.SEND_LEASE + timedelta(seconds=1))
    assert outbox.reconcile(store, "demo", sender.platform) == (0, 1)


def test_this_process_settles_its_own_send_only_once_the_call_returned(
        store: Store, config: Config, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    sender, (amy,) = setup(store, config, clock, sandbox_state, sandbox, 1)
    message = store.messages.get(queue(store, amy.id, "mine"))
    assert message is not None and sender.claim(message)
    assert outbox.reconcile(store, "demo", sender.platform) == (0, 0)
    outbox._forget(message.id)
    assert outbox.reconcile(store, "demo", sender.platform) == (0, 1)


def test_a_lost_send_is_declared_missing_only_after_the_platform_could_list_it(
        store: Store, config: Config, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """X may list a DM a little after accepting it; requeueing sooner could send it twice."""
    sender, (amy,) = setup(store, config, clock, sandbox_state, sandbox, 1)
    sender.platform.listing_lag = timedelta(minutes=1)  # type: ignore[misc]
    message_id = queue(store, amy.id, "answer lost")
    store.messages.transition(message_id, ("queued",), "sending", "sender")
    assert outbox.reconcile(store, "demo", sender.platform) == (0, 0)
    clock.advance(timedelta(seconds=61))
    assert outbox.reconcile(store, "demo", sender.platform) == (0, 1)


def test_the_inbox_settles_a_send_awaiting_its_answer_instead_of_blaming_another_tool(
        store: Store, config: Config, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    from dmguard.inbox import sync_inbox

    sender, (amy,) = setup(store, config, clock, sandbox_state, sandbox, 1)
    message = store.messages.get(queue(store, amy.id, "see https://example.org/a?b=1 soon"))
    assert message is not None and sender.claim(message)
    sandbox_state.account_sends(amy.user_id,
                                message.labelled_text.replace("https://example.org/a?b=1",
                                                                 "https://t.co/xYz12"))
    report = sync_inbox(store, config, "demo", sender.platform)
    assert report.other_tools == 0
    settled = store.messages.get(message.id)
    assert settled is not None and settled.state == "sent" and settled.platform_event_id
    assert not [m for m in store.messages.sent_since("demo", clock.now() - timedelta(days=30))
                if m.origin == Origin.OTHER]


@pytest.mark.parametrize(("sent", "seen", "same"), [
    ("Hi Amy", "Hi Amy", True),
    ("Read https://example.org/guide now", "Read https://t.co/AbC now", True),
    ("Hi Amy ", "Hi Amy", True),
    ("Hi Amy", "Hi Bob", False),
    ("Read https://example.org/guide now", "Read now", False),
])
def test_platform_text_matching_allows_for_link_rewriting(sent: str, seen: str,
                                                          same: bool) -> None:
    assert outbox.same_dm_text(sent, seen) is same


def test_refused_recipient_fails_permanently(store: Store, config: Config, clock: SimulatedClock,
                                             sandbox_state: SandboxState,
                                             sandbox: SandboxServer) -> None:
    sender, (amy,) = setup(store, config, clock, sandbox_state, sandbox, 1)
    sandbox_state.users[amy.user_id].accepts_dms = False
    message_id = queue(store, amy.id, "hello")
    report = sender.send_due()
    assert report.failed == 1
    message = store.messages.get(message_id)
    assert message is not None and message.state == "failed"
    assert "not permitted" in message.failure


def test_opted_out_recipient_is_never_sent_to(store: Store, config: Config, clock: SimulatedClock,
                                              sandbox_state: SandboxState,
                                              sandbox: SandboxServer) -> None:
    sender, (amy,) = setup(store, config, clock, sandbox_state, sandbox, 1)
    message_id = queue(store, amy.id, "offer")
    store.people.opt_out("demo", amy.id, None)
    sender.send_due()
    assert store.messages.get(message_id).state == "cancelled"  # type: ignore[union-attr]
    assert sandbox_state.sent_by_account() == []


def test_an_unknown_recipient_fails_only_that_message_and_the_queue_goes_on(
        store: Store, config: Config, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """X answers 400/404 for a user that does not exist (response-codes-and-errors.mdx);
    that message fails with X's words, is never resent, and the next one goes out."""
    sender, (amy,) = setup(store, config, clock, sandbox_state, sandbox, 1)
    ghost_id, _ = store.people.upsert_contact("demo", "424242424242", username="ghost")
    ghost = queue(store, ghost_id, "hello ghost")
    queue(store, amy.id, "hello amy")
    report = sender.send_due()
    assert report.failed == 1 and report.sent == 1, "the queue goes on in the same turn"
    failed = store.messages.get(ghost)
    assert failed is not None and failed.state == "failed"
    assert "Could not find user" in (failed.failure or ""), "X's own words"
    assert [e.text for e in sandbox_state.sent_by_account()] == ["[Automated] hello amy Reply STOP"]
    clock.advance(timedelta(minutes=10))
    outbox.reconcile(store, "demo", sender.platform)
    assert store.messages.get(ghost).state == "failed"  # type: ignore[union-attr]


def test_a_send_accepted_but_not_recorded_needs_attention_and_is_never_resent(
        store: Store, config: Config, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15, item 1: a UNIQUE constraint after X accepted the DM requeued it every minute."""
    import sqlite3

    sender, (amy,) = setup(store, config, clock, sandbox_state, sandbox, 1)
    message_id = queue(store, amy.id, "offer")
    original = store.messages.transition

    def refuse_sent(message_id: int, from_states: tuple[str, ...], to_state: str,
                    *args: object, **kwargs: object) -> bool:
        if to_state == "sent":
            raise sqlite3.IntegrityError(
                "UNIQUE constraint failed: messages.account_id, messages.platform_event_id")
        return original(message_id, from_states, to_state, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store.messages, "transition", refuse_sent)
    sender.send_due()
    monkeypatch.undo()
    message = store.messages.get(message_id)
    assert message is not None and message.state == "needs_attention"
    assert "will not be sent again" in (message.failure or "")
    for _ in range(5):
        clock.advance(timedelta(minutes=2))
        outbox.reconcile(store, "demo", sender.platform)
        sender.send_due()
    assert len(sandbox_state.sent_by_account()) == 1


def test_an_answer_nobody_mapped_leaves_the_send_unknown_and_attempts_are_capped(
        store: Store, config: Config, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Any exception from the platform is a lost answer: reconcile looks before resending,
    and a message never listed after MAX_ATTEMPTS calls waits for a person."""
    sender, (amy,) = setup(store, config, clock, sandbox_state, sandbox, 1)
    message_id = queue(store, amy.id, "offer")

    def strange(participant_id: str, text: str) -> None:
        raise ValueError("a shape of answer nobody has seen")

    monkeypatch.setattr(sender.platform, "send_dm", strange)
    for _ in range(outbox.MAX_ATTEMPTS + 2):
        report = sender.send_due()
        assert report.stopped_by in (None, "unexpected answer from the platform", "spacing")
        clock.advance(timedelta(minutes=2))
        outbox.reconcile(store, "demo", sender.platform)
    message = store.messages.get(message_id)
    assert message is not None and message.state == "needs_attention"
    assert message.attempts == outbox.MAX_ATTEMPTS


def test_an_account_problem_pauses_the_account_and_the_message_waits(
        store: Store, config: Config, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """402 credits depleted (pricing.mdx): nothing fails for good; the account pauses."""
    sender, (amy,) = setup(store, config, clock, sandbox_state, sandbox, 1)
    message_id = queue(store, amy.id, "offer")
    sandbox_state.problems.credits_depleted = True
    report = sender.send_due()
    assert report.stopped_by and "paused" in report.stopped_by
    assert store.messages.get(message_id).state == "queued"  # type: ignore[union-attr]
    account = store.accounts.get("demo")
    assert account is not None and "credits" in (account.paused_reason or "").lower()


def test_a_daily_cap_stops_sends_until_it_resets(
        store: Store, config: Config, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """The 24-hour DM cap (rate-limits.mdx, x-user-limit-24hour-reset): no retry every
    minute all day; the account's sends wait for the reset, reads go on."""
    sender, (amy, bob) = setup(store, config, clock, sandbox_state, sandbox, 2)
    queue(store, amy.id, "first")
    queue(store, bob.id, "second")
    sandbox_state.problems.usage_capped = True
    sender.send_due()
    account = store.accounts.get("demo")
    assert account is not None and account.sends_blocked_until
    sandbox_state.problems.usage_capped = False
    clock.advance(timedelta(minutes=2))
    assert "sends blocked" in (sender.send_due().stopped_by or "")
    assert sandbox_state.sent_by_account() == []


def test_the_daemon_s_near_duplicates_are_said_to_be_written_not_sent(store: Store) -> None:
    """Its history holds drafts (held, queued) as well as sent DMs: "already went" was wrong."""
    from dmguard.outbox import StoreHistory

    assert StoreHistory(store, "a", 30).near_duplicates_were(3) == (
        "similar text was written for about 3 other recipient(s) lately (sent, queued or held)")


def test_automated_dms_long_overdue_are_cancelled_not_sent_late(
        store: Store, config: Config, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """Before: after a three-day outage, Tuesday's "today only" campaign went out on Friday."""
    sender, (amy, bob, cat) = setup(store, config, clock, sandbox_state, sandbox, 3)
    sender.send_due()  # the sender was running, then the daemon went down
    stale = queue(store, amy.id, "today only: 20% off")
    later = queue(store, bob.id, "our spring news")
    store.messages.defer(later, iso(clock.now() + timedelta(days=3)), "test", "quiet hours")
    answer = queue(store, cat.id, "Sorry, that was our mistake", origin=Origin.HUMAN)
    clock.advance(timedelta(days=3, minutes=1))  # the daemon was down
    report = sender.send_due(max_messages=5)
    assert report.given_up == 1
    for _ in range(3):  # one send a minute
        clock.advance(timedelta(minutes=2))
        sender.send_due()
    gone = store.messages.get(stale)
    assert gone is not None and gone.state == "cancelled"
    assert store.messages.transitions(stale)[-1].reason.startswith("too late to send")  # type: ignore[union-attr]
    assert store.messages.get(later).state == "sent", "deferred: its time has just come"  # type: ignore[union-attr]
    assert store.messages.get(answer).state == "sent", "a person's reply is never given up"  # type: ignore[union-attr]


def test_a_backlog_waiting_for_the_daily_limit_is_not_given_up_while_the_daemon_runs(
        store: Store, config: Config, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """QA: with the daemon running, DMs waiting for [limits] per_24h were cancelled as
    "too late (after an outage)" the moment the window let them go."""
    small = config.model_copy(update={"limits": config.limits.model_copy(
        update={"per_24h": 2, "per_15min": 2})})
    sender, people = setup(store, small, clock, sandbox_state, sandbox, 4)
    ids = [queue(store, person.id, f"our news, {person.name}") for person in people]
    for _ in range(8):  # every 6 hours for two days
        sender.send_due()
        clock.advance(timedelta(hours=6))
    sender.send_due()
    states = [store.messages.get(i).state for i in ids]  # type: ignore[union-attr]
    assert states == ["sent"] * 4


def test_a_draft_released_from_an_old_hold_is_not_too_late(
        store: Store, config: Config, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    sender, (amy,) = setup(store, config, clock, sandbox_state, sandbox, 1)
    message_id = store.messages.add(NewMessage(
        account_id="demo", contact_id=amy.id, direction="out", origin=Origin.SUBMIT,
        kind="campaign", text="our news", labelled_text="[Automated] our news",
        state="held"), actor="test")
    clock.advance(timedelta(days=3))  # a person looks at it three days later, and releases it
    store.messages.transition(message_id, ("held",), "queued", "sam", "released")
    assert sender.send_due().sent == 1


def test_give_up_after_zero_sends_whatever_is_late(
        store: Store, config: Config, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    patient = config.model_copy(update={"limits": config.limits.model_copy(
        update={"give_up_after": "0"})})
    sender, (amy,) = setup(store, patient, clock, sandbox_state, sandbox, 1)
    message_id = queue(store, amy.id, "our news")
    clock.advance(timedelta(days=10))
    assert sender.send_due().sent == 1
    assert store.messages.get(message_id).state == "sent"  # type: ignore[union-attr]


def test_a_message_settled_meanwhile_is_not_reported_as_needing_attention(
        store: Store, caplog: pytest.LogCaptureFixture) -> None:
    """Before: when the tick and the sender reconciled at once, the one that came second
    logged an ERROR for a message the first had just settled as sent."""
    import logging

    store.accounts.ensure("demo", "sandbox")
    amy, _ = store.people.upsert_contact("demo", "1", name="Amy", username="amy")
    message_id = queue(store, amy, "hi")
    store.messages.transition(message_id, ("queued",), "sending", "sender")
    store.messages.transition(message_id, ("sending",), "sent", "sender", sent_at=store.now())
    with caplog.at_level(logging.INFO, logger="dmguard.outbox"):
        assert not outbox.needs_attention(store, message_id, "reconcile", "lists it twice")
    assert [r.levelname for r in caplog.records] == ["INFO"]
    assert store.messages.get(message_id).state == "sent"  # type: ignore[union-attr]


def _waiting_reply(store: Store, config: Config) -> tuple[int, int]:
    """A person's reply to Diego whose answer was lost and that the platform could not rule
    out: parked for a person (the task it answers, and the message)."""
    from dmguard import tasks

    store.accounts.ensure("demo", "sandbox")
    contact_id, _ = store.people.upsert_contact("demo", "501", name="Diego", username="diego")
    task_id = tasks.open_task(store, config, "demo", contact_id, "reply", "wrote", text="seat?")
    assert task_id is not None
    message_id = store.messages.add(
        NewMessage(account_id="demo", contact_id=contact_id, direction="out",
                   origin=Origin.HUMAN, kind="manual", text="Hi Diego, I'll hold a seat.",
                   state="queued", verdict="send"), actor="sam", reason="personal reply")
    store.tasks.set_reply(task_id, message_id)
    assert outbox.needs_attention(store, message_id, "reconcile", "not listed, history starts "
                                  "later; not sent again")
    return task_id, message_id


def test_a_person_settles_a_reply_that_waits_for_one(store: Store, config: Config) -> None:
    """A new user's probe: a personal reply parked in needs_attention showed nowhere but a
    count in `status`, and nothing could settle it."""
    from dmguard.report.data import waiting_for_a_person

    task_id, message_id = _waiting_reply(store, config)
    end = iso(store.clock.now() + timedelta(days=1))
    (line,) = waiting_for_a_person(store, "demo", end)
    assert line.startswith(f"personal reply {message_id} to @diego waits for a person: not "
                           "listed")
    assert line.endswith(f"`dmguard messages settle {message_id} --arrived` (or `--lost`)")
    sent = outbox.settle_by_person(store, message_id, "sam", arrived=True)
    assert (sent.state, sent.failure) == ("sent", None)
    assert store.tasks.get(task_id).state == "done"  # type: ignore[union-attr]
    assert waiting_for_a_person(store, "demo", end) == []
    with pytest.raises(outbox.SettleError, match=f"message {message_id} is sent, not waiting "
                                                 "for a person"):
        outbox.settle_by_person(store, message_id, "sam", arrived=False)


def test_a_reply_that_did_not_arrive_leaves_its_task_open_to_answer_again(
        store: Store, config: Config) -> None:
    task_id, message_id = _waiting_reply(store, config)
    lost = outbox.settle_by_person(store, message_id, "sam", arrived=False)
    assert lost.state == "failed" and lost.failure == "did not arrive (a person looked: sam)"
    assert store.tasks.get(task_id).state == "open"  # type: ignore[union-attr]
    assert store.messages.unsettled_replies(lost.contact_id) == 0, "a new reply may go"
    with pytest.raises(outbox.SettleError, match="no message 999"):
        outbox.settle_by_person(store, 999, "sam", arrived=True)
