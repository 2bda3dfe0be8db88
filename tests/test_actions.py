"""What a person does to the queue: claim and reply once, and never twice after a lost answer."""


from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from dmguard import actions, tasks
from dmguard.clock import SimulatedClock, iso
from dmguard.config import Config
from dmguard.platforms.sandbox.server import SandboxServer
from dmguard.platforms.sandbox.state import Faults, SandboxState, SandboxUser
from dmguard.store import NewMessage, Origin, Store
from dmguard.store.people import FOREVER
from dmguard.tick import AccountRuntime, run_send, run_tick
from tests.conftest import world


def at_once(path: Path, clock: SimulatedClock, who: tuple[str, str],
            act: Callable[[Store, str], str]) -> dict[str, str]:
    """``act(store, name)`` for both names at the same moment, each on its own connection
    (as the web server's threads and the CLI have): what each got, "refused: …" for a
    :class:`actions.TaskError`."""
    start = threading.Barrier(len(who))
    outcomes: dict[str, str] = {}

    def run(name: str) -> None:
        own = Store.open(path, clock)
        try:
            start.wait()
            outcomes[name] = act(own, name)
        except actions.TaskError as error:
            outcomes[name] = f"refused: {error}"
        finally:
            own.close()

    threads = [threading.Thread(target=run, args=(name,)) for name in who]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


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
    assert taken.exit_code == 2 and "sam has this conversation" in taken.output
    sent = run(cli, ["tasks", "reply", str(task_id), "Hi Pat, Sam here: yes, Oslo is fine.",
                     "--who", "sam", "--config", str(conf)])
    assert sent.exit_code == 0, sent.output
    again = run(cli, ["tasks", "reply", str(task_id), "Hi again", "--who", "sam",
                      "--config", str(conf)])
    assert again.exit_code == 2 and "already done" in again.output
    assert [e.text for e in sandbox_state.received_by(pat.id)] == [
        "Hi Pat, Sam here: yes, Oslo is fine."]


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


@pytest.mark.parametrize("trial", range(4))
def test_two_replies_submitted_at_the_same_moment_send_one_dm(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer, trial: int) -> None:
    """Issue 15, item 2: a double-submitted reply form delivered two DMs in 3 of 4 trials.
    Two actors, each with its own connection (as the web server's threads and the CLI have),
    reply to one task at once: one DM reaches the person, the other is refused."""
    from dmguard.platforms.factory import build_platform

    config, store, _runtime, pat, task_id = pat_asks(tmp_path, clock, sandbox_state, sandbox)
    store.close()

    def submit(own: Store, _: str) -> str:
        platform = build_platform(config, config.accounts[0], own, sandbox_url=sandbox.url)
        actions.reply(own, config, task_id, "sam", "Yes, we ship to Oslo.", platform=platform)
        return "sent"

    outcomes = list(at_once(config.store.path, clock, ("first", "second"), submit).values())
    to_pat = [e for e in sandbox_state.sent_by_account() if e.recipient_id == pat.id]
    assert len(to_pat) == 1, outcomes
    assert sorted(outcome.split(":")[0] for outcome in outcomes) == ["refused", "sent"]


def test_a_reply_for_a_paused_account_waits_in_the_queue_and_is_not_sent(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """A paused account sends nothing, a person's reply included: paused because its
    credentials sign in as another user, a reply would reach someone from the wrong account."""
    config, store, runtime, pat, task_id = pat_asks(tmp_path, clock, sandbox_state, sandbox)
    store.accounts.pause("demo", "AccountChanged: the credentials sign in as user 1")
    with pytest.raises(actions.TaskError, match=r"queued \(account paused: AccountChanged") as caught:
        actions.reply(store, config, task_id, "sam", "Yes, Oslo is fine.", platform=runtime.platform)
    assert caught.value.code == "queued"
    assert sandbox_state.received_by(pat.id) == [], "the platform was not called"
    store.accounts.resume("demo")
    assert run_send(runtime) == 1
    assert [e.text for e in sandbox_state.received_by(pat.id)] == ["Yes, Oslo is fine."]


def _automated(store: Store, contact_id: int, text: str) -> int:
    return store.messages.add(NewMessage(
        account_id="demo", contact_id=contact_id, direction="out", origin=Origin.SUBMIT,
        kind="campaign", text=text, labelled_text=f"[Automated] {text} Reply STOP",
        state="queued", verdict="send"), actor="test")


def _send_after(store: Store, message_ids: list[int]) -> set[str | None]:
    return {message.send_after for message in map(store.messages.get, message_ids)
            if message is not None and message.state == "queued"}


def _claimed_with_two_waiting(tmp_path: Path, clock: SimulatedClock,
                              sandbox_state: SandboxState, sandbox: SandboxServer
                              ) -> tuple[Config, Store, AccountRuntime, SandboxUser, int, list[int]]:
    """Pat asks; sam claims the task; two automated DMs to Pat wait while sam has it."""
    config, store, runtime, pat, task_id = pat_asks(tmp_path, clock, sandbox_state, sandbox)
    contact_id = store.tasks.get(task_id).contact_id  # type: ignore[union-attr]
    waiting = [_automated(store, contact_id, f"Our news number {n}") for n in (1, 2)]
    tasks.claim(store, task_id, "sam")
    clock.advance(timedelta(minutes=1))
    run_send(runtime)
    assert _send_after(store, waiting) == {FOREVER}
    return config, store, runtime, pat, task_id, waiting


COOLDOWN = timedelta(hours=72)


@pytest.mark.parametrize("end", ["reply", "done", "dismiss", "unassign"])
def test_a_claimed_persons_automated_dms_resume_after_the_cooldown(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer, end: str) -> None:
    """QA finding 1: once the claim ends, the DMs wait out takeover_cooldown, then go."""
    config, store, runtime, pat, task_id, waiting = _claimed_with_two_waiting(
        tmp_path, clock, sandbox_state, sandbox)
    clock.advance(timedelta(hours=1))
    ended = clock.now()
    if end == "reply":
        actions.reply(store, config, task_id, "sam", "Hi Pat, Sam here: yes, Oslo is fine.",
                      platform=runtime.platform)
    elif end == "unassign":
        actions.unassign(store, config, task_id, "sam")
    else:
        actions.close(store, config, task_id, "sam", "done" if end == "done" else "dismissed")
    assert _send_after(store, waiting) == {iso(ended + COOLDOWN)}, "at once, not at 9999"
    clock.advance(COOLDOWN - timedelta(minutes=1))
    run_send(runtime)
    assert not any("news" in e.text for e in sandbox_state.received_by(pat.id))
    for _ in range(3):
        clock.advance(timedelta(minutes=1))
        run_send(runtime)
    news = [e.text for e in sandbox_state.received_by(pat.id) if "news" in e.text]
    assert news == ["[Automated] Our news number 1 Reply STOP"], "the second waits for the caps"


def test_the_sender_resumes_dms_whose_claim_ended_anywhere(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """A claim closed by any path (an older dmguard's stuck 9999 too) is resumed by the sender."""
    _config, store, runtime, _pat, task_id, waiting = _claimed_with_two_waiting(
        tmp_path, clock, sandbox_state, sandbox)
    tasks.close(store, task_id, "sam", "done")
    ended = clock.now()
    clock.advance(timedelta(minutes=1))
    run_send(runtime)
    assert _send_after(store, waiting) == {iso(ended + COOLDOWN)}


def _held_to_one_person(store: Store, config: Config, texts: list[str]) -> list[int]:
    """Drafts to one person (Amy) that the audit holds; their message ids."""
    from dmguard import outbox

    settings = config.accounts[0]
    store.accounts.ensure(settings.name, settings.platform)
    contact_id, _ = store.people.upsert_contact(settings.name, "amy", name="Amy Doe",
                                                username="amy")
    contact = store.people.contact(contact_id)
    assert contact is not None
    auditor = outbox.auditor_for(store, config, settings)
    held = [outbox.submit(store, auditor, config, settings.name, settings.policy_name, contact,
                          text, origin=Origin.SUBMIT, kind="campaign", actor="test")
            for text in texts]
    assert [outcome.state for outcome in held] == ["held"] * len(texts)
    return [outcome.message_id for outcome in held]


STUDIO = "Hi Amy, we are a small print studio in town. Book a free call with us {}."


def test_every_held_draft_has_its_task_and_closing_it_settles_the_draft(
        store: Store, config: Config) -> None:
    """QA finding 2: the 2nd and later held drafts to a person had no task and stayed held."""
    drafts = _held_to_one_person(store, config, [STUDIO.format(day) for day in
                                                 ("today", "this week", "on Monday", "soon")])
    by_draft = {task.message_id: task for task in store.tasks.listing()}
    assert set(by_draft) == set(drafts) and {t.kind for t in by_draft.values()} == {"hold"}
    dismissed, done, resolved, kept = (by_draft[m].id for m in drafts)
    actions.close(store, config, dismissed, "sam", "dismissed")
    actions.close(store, config, done, "sam", "done")
    assert [store.messages.get(m).state for m in drafts] == [  # type: ignore[union-attr]
        "cancelled", "cancelled", "held", "held"], "only the closed tasks' drafts"
    assert actions.resolve(store, config, resolved, "kim", "dismissed") == 2
    assert {m.state for m in map(store.messages.get, drafts)} == {"cancelled"}  # type: ignore[union-attr]
    taught = sorted((lesson.message_id, lesson.actor) for lesson in store.lessons.latest("demo", 10))
    assert taught == [(drafts[0], "sam"), (drafts[2], "kim"), (drafts[3], "kim")], \
        "each dismissed draft teaches once; done teaches nothing"
    assert store.tasks.get(kept).state == "dismissed"  # type: ignore[union-attr]


def test_a_message_to_a_person_with_a_held_draft_opens_its_own_task(
        store: Store, config: Config) -> None:
    from dmguard.inbox import InboxReport, handle_inbound
    from dmguard.platforms.base import DmEventData

    (draft,) = _held_to_one_person(store, config, [STUDIO.format("today")])
    hold = store.tasks.open_for(store.messages.get(draft).contact_id)  # type: ignore[union-attr]
    assert hold is not None
    event = DmEventData(id="e1", text="Can I talk to a real person?", sender_id="amy",
                        participant_ids=("amy", "me"), created_at=store.clock.now(),
                        conversation_id=None)
    handle_inbound(store, config, "demo", event, InboxReport())
    kinds = sorted(task.kind for task in store.tasks.listing())
    assert kinds == ["hold", "human"], "the hold stays about its draft"


@pytest.mark.parametrize("trial", range(3))
def test_of_two_people_taking_a_conversation_at_once_one_wins(
        tmp_path: Path, clock: SimulatedClock, config: Config, trial: int) -> None:
    """QA finding 13: two simultaneous "Take it" clicks both got "It is yours"."""
    path = tmp_path / "take.db"
    store = Store.open(path, clock)
    store.accounts.ensure("demo", "sandbox")
    contact_id, _ = store.people.upsert_contact("demo", "amy", username="amy")
    task_ids = [tasks.open_task(store, config, "demo", contact_id, kind, "wrote")
                for kind in ("reply", "welcome")]
    store.close()

    def take(own: Store, who: str) -> str:
        actions.take(own, task_ids[0] or 0, who)
        return "took it"

    outcomes = at_once(path, clock, ("ann", "sam"), take)
    assert sorted(outcome.split(":")[0] for outcome in outcomes.values()) == [
        "refused", "took it"], outcomes
    (winner,) = [who for who, outcome in outcomes.items() if outcome == "took it"]
    store = Store.open(path, clock)
    assert {t.claimed_by for t in store.tasks.for_contact(contact_id, open_only=True)} == {winner}
    store.close()


def test_a_teammates_conversation_is_closed_released_or_answered_only_once_taken_over(
        store: Store, config: Config) -> None:
    """QA 2: bob could close (Done / Dismiss) the conversation alice had claimed, and then
    her answer was refused. Every closing action is refused like claim and reply, whatever
    the role, until it is taken over."""
    (draft,) = _held_to_one_person(store, config, [STUDIO.format("today")])
    hold = store.tasks.open_for(store.messages.get(draft).contact_id)  # type: ignore[union-attr]
    assert hold is not None
    question = tasks.open_task(store, config, "demo", hold.contact_id, "reply", "wrote",
                               text="Is the studio open on Sunday?")
    assert question
    actions.take(store, question, "alice")
    before = [(t.id, t.state, t.claimed_by) for t in store.tasks.for_contact(hold.contact_id)]
    for attempt in (lambda: actions.resolve(store, config, question, "bob", "done"),
                    lambda: actions.resolve(store, config, hold.id, "bob", "dismissed"),
                    lambda: actions.close(store, config, hold.id, "bob", "dismissed"),
                    lambda: actions.close(store, config, question, "bob", "done"),
                    lambda: actions.release(store, config, hold.id, "bob"),
                    lambda: actions.take(store, question, "bob")):
        with pytest.raises(actions.TaskError, match="alice has this conversation; take it over "
                           "first") as refused:
            attempt()
        assert refused.value.code == "taken" and "--take-over`" in str(refused.value)
    after = [(t.id, t.state, t.claimed_by) for t in store.tasks.for_contact(hold.contact_id)]
    assert after == before, "nothing changed"
    assert store.messages.get(draft).state == "held"  # type: ignore[union-attr]
    assert store.lessons.latest("demo", 10) == [], "nothing was taught"
    assert actions.take(store, question, "bob", take_over=True) == 2
    assert actions.resolve(store, config, question, "bob", "done") == 2
    assert {t.closed_by for t in store.tasks.for_contact(hold.contact_id)} == {"bob"}


@pytest.mark.parametrize("trial", range(3))
def test_of_a_claim_and_a_close_by_another_at_once_one_wins(
        tmp_path: Path, clock: SimulatedClock, config: Config, trial: int) -> None:
    """The check and the close are one transaction: never both "yours" and "closed"."""
    path = tmp_path / "close.db"
    store = Store.open(path, clock)
    store.accounts.ensure("demo", "sandbox")
    contact_id, _ = store.people.upsert_contact("demo", "amy", username="amy")
    task_id = tasks.open_task(store, config, "demo", contact_id, "reply", "wrote") or 0
    store.close()

    def act(own: Store, who: str) -> str:
        if who == "ann":
            actions.take(own, task_id, who)
        else:
            actions.resolve(own, config, task_id, who, "done")
        return "done it"

    outcomes = at_once(path, clock, ("ann", "sam"), act)
    assert sorted(outcome.split(":")[0] for outcome in outcomes.values()) == [
        "done it", "refused"], outcomes
    store = Store.open(path, clock)
    task = store.tasks.get(task_id)
    assert task is not None
    if outcomes["ann"] == "done it":
        assert (task.state, task.claimed_by) == ("claimed", "ann")
    else:
        assert (task.state, task.closed_by) == ("done", "sam")
    store.close()


def test_a_conversation_is_held_by_a_teammate_when_there_is_a_team(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """QA 5 (queue 2): a claim (and a reply, which claims) by a name that is no user held
    the conversation for nobody; an assignment to one was already refused."""
    from dmguard.users import add_user

    config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    pat = sandbox_state.add_user(username="pat", name="Pat Doe")
    sandbox_state.user_writes(pat.id, "Do you ship to Oslo?")
    run_tick(runtime)
    task_id = store.tasks.listing()[0].id
    assert actions.take(store, task_id, "anyone") == 1, "no team yet: any name"
    actions.unassign(store, config, task_id, "anyone")
    add_user(store, "alice", "agent", "correct horse battery")
    for attempt in (lambda: actions.take(store, task_id, "nobody_here"),
                    lambda: actions.assign(store, task_id, "alice", "nobody_here"),
                    lambda: actions.reply(store, config, task_id, "nobody_here", "Yes, Oslo!",
                                          platform=runtime.platform)):
        with pytest.raises(actions.TaskError, match="there is no teammate named "
                           r"'nobody_here' \(the team: alice\)") as refused:
            attempt()
        assert refused.value.code == "no_user"
    task = store.tasks.get(task_id)
    assert task is not None and (task.state, task.claimed_by) == ("open", None)
    assert sandbox_state.sent_by_account() == []


def test_an_edit_the_audit_would_block_changes_nothing(store: Store, config: Config) -> None:
    """A new user's probe: an edit with a placeholder left in turned the held draft into a
    blocked one, which no command could edit or release any more; the task waited for good.
    Now the held draft, its findings and the task stay as they were, and the next edit is
    released."""
    from tests.test_learning import STUDIO, draft, hold_task

    message_id = draft(store, config, "Amy", STUDIO)
    task_id = hold_task(store, message_id)
    held = store.messages.get(message_id)
    assert held is not None and held.state == "held"
    before = [(f.rule, f.message) for f in store.messages.findings(message_id)]
    history = store.tasks.actions(task_id)

    refused = actions.release(store, config, task_id, "sam",
                              "Hi {first_name}, the Berlin meetup is Friday, want to come?")
    assert refused.state == "blocked" and not refused.queued and refused.edited
    assert [f.rule for f in refused.findings] == ["DG001"]
    assert refused.refusal("the edited draft").startswith(
        "the edited draft would be blocked, so nothing was changed and the held draft stays "
        "as it was: DG001 ")
    kept = store.messages.get(message_id)
    assert kept is not None and (kept.state, kept.text) == ("held", held.text)
    assert [(f.rule, f.message) for f in store.messages.findings(message_id)] == before
    assert store.tasks.actions(task_id) == history
    assert store.tasks.get(task_id).state == "open"  # type: ignore[union-attr]

    released = actions.release(store, config, task_id, "sam",
                               "Hi Amy, the Berlin meetup is Friday at the community garden, "
                               "want to come?")
    assert released.queued


def test_a_closed_task_names_no_conversation_to_assign_snooze_or_unassign(
        store: Store, config: Config) -> None:
    """A new user's probe: `tasks assign 1 --to amy` on a task already done said nothing of
    it and handed the person's 28 other open tasks to amy (so did snooze and unassign), while
    claiming or closing it said "already done"."""
    from tests.test_learning import STUDIO, draft, hold_task

    done = hold_task(store, draft(store, config, "Amy", STUDIO))
    actions.close(store, config, done, "sam", "dismissed")
    other = hold_task(store, draft(store, config, "Amy", STUDIO.replace("today", "this week")))
    until = store.clock.now() + timedelta(hours=1)
    for attempt in (lambda: actions.assign(store, done, "sam", "amy"),
                    lambda: actions.snooze(store, done, "sam", until),
                    lambda: actions.unassign(store, config, done, "sam")):
        with pytest.raises(actions.TaskError,
                           match=rf"task {done} is already dismissed; the person's open "
                                 rf"tasks: {other}$"):
            attempt()
    untouched = store.tasks.get(other)
    assert untouched is not None and (untouched.state, untouched.claimed_by) == ("open", None)
    assert actions.assign(store, other, "sam", "amy") == 1


@pytest.mark.parametrize("note", ["   ", "\u200b", ""])
def test_a_closing_note_that_says_nothing_is_no_note(store: Store, config: Config,
                                                      note: str) -> None:
    """A new user's probe: `tasks dismiss 8 --note "   "` put "dismissed · root —    " in
    the history."""
    from tests.test_learning import STUDIO, draft, hold_task

    one = hold_task(store, draft(store, config, "Amy", STUDIO))
    two = hold_task(store, draft(store, config, "Bob", STUDIO))
    actions.close(store, config, one, "sam", "dismissed", note)
    actions.resolve(store, config, two, "sam", "done", note)
    for task_id in (one, two):
        assert store.tasks.actions(task_id)[-1].note is None


def test_a_reply_to_a_teammates_conversation_is_refused_before_the_platform_is_reached(
        store: Store, config: Config) -> None:
    """A new user's probe: while alice held the conversation, bob's reply was told that
    there was no sandbox URL, not that alice has it."""
    from tests.test_learning import STUDIO, draft, hold_task

    task_id = hold_task(store, draft(store, config, "Amy", STUDIO))
    actions.take(store, task_id, "alice")
    with pytest.raises(actions.TaskError, match="alice has this conversation") as refused:
        actions.reply(store, config, task_id, "bob", "Hi Amy, yes, Friday works.")
    assert refused.value.code == "taken"


def test_a_reply_claims_every_open_task_about_the_person(
        store: Store, config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new user's probe: after a reply whose answer was lost, `tasks list` said the task
    was "with sam" and the web page said "nobody has it": the reply had claimed its own task
    only, and the page shows the person's first open task (here a held draft's)."""
    from dmguard import outbox
    from tests.test_learning import STUDIO, draft, hold_task

    hold = hold_task(store, draft(store, config, "Amy", STUDIO))
    held = store.tasks.get(hold)
    assert held is not None
    asked = tasks.open_task(store, config, "demo", held.contact_id, "reply", "wrote",
                            text="Is Friday still on?")
    assert asked is not None
    monkeypatch.setattr(outbox.Sender, "send_one", lambda self, message, report: None)
    with pytest.raises(actions.TaskError, match="is queued"):
        actions.reply(store, config, asked, "sam", "Hi Amy, yes, Friday at 10.",
                      platform=object())  # type: ignore[arg-type]
    for task_id in (hold, asked):
        task = store.tasks.get(task_id)
        assert task is not None and (task.state, task.claimed_by) == ("claimed", "sam")
