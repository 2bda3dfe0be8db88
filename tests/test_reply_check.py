"""No back door through the queue: a personal reply is not the held draft, nor a form letter."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from dmguard import actions, tasks
from dmguard.cli import cli
from dmguard.clock import SimulatedClock
from dmguard.config import Config
from dmguard.platforms.base import Platform
from dmguard.platforms.sandbox.server import SandboxServer
from dmguard.platforms.sandbox.state import SandboxState
from dmguard.reply_check import MIN_WORDS, check_personal, same_as_draft
from dmguard.store import NewMessage, Origin, Store
from dmguard.tick import build_runtime, run_tick
from tests.conftest import add_person, config_file, world

DRAFT = "Hi Pat, thanks for following! Check out our spring collection at acme.example/shop"
NEWS = "We are opening a second shop in Lisbon next Friday with live music and free coffee"


@dataclass
class Queue:
    pat: int
    reply_task: int
    hold_task: int
    draft: int


def _queue(store: Store, config: Config) -> Queue:
    """Pat wrote to the account (a reply task) and has a held automated welcome (a hold task)."""
    store.accounts.ensure("demo", "sandbox")
    pat, _ = store.people.upsert_contact("demo", "42", name="Pat Doe", username="pat")
    store.messages.add(NewMessage(account_id="demo", contact_id=pat, direction="in",
                                  origin=Origin.PERSON, kind="inbound", text="Hello?",
                                  state="received", sent_at=store.now()), actor="test")
    draft = store.messages.add(NewMessage(
        account_id="demo", contact_id=pat, direction="out", origin=Origin.SEQUENCE,
        kind="welcome", text=DRAFT, state="held", verdict="hold"), actor="test")
    hold = tasks.open_task(store, config, "demo", pat, "hold", "held", message_id=draft)
    reply = tasks.open_task(store, config, "demo", pat, "reply", "wrote to the account",
                            text="Hello?")
    assert hold and reply
    return Queue(pat, reply, hold, draft)


def _sent_to_others(store: Store, text: str, count: int, origin: Origin = Origin.HUMAN) -> None:
    for index in range(count):
        first = f"Name{index}"
        contact, _ = store.people.upsert_contact("demo", str(900 + index),
                                                 name=f"{first} Roe", username=f"n{index}")
        store.messages.add(NewMessage(
            account_id="demo", contact_id=contact, direction="out", origin=origin,
            kind="manual", text=text.replace("Pat", first), state="sent",
            sent_at=store.now()), actor="test")


def _refusal(store: Store, config: Config, task_id: int, text: str,
             platform: Platform | None = None) -> str:
    before = store.messages.by_state("demo")
    with pytest.raises(actions.TaskError) as caught:
        actions.reply(store, config, task_id, "sam", text, platform=platform)
    assert caught.value.code == "not_personal"
    assert store.messages.by_state("demo") == before, "nothing was queued"
    assert store.lessons.latest("demo", 10) == [], "a refused reply teaches nothing"
    task = store.tasks.get(task_id)
    assert task is not None and task.state == "open", "the task stays open and unclaimed"
    return str(caught.value)


@pytest.mark.parametrize("text", [
    DRAFT,
    "  hi pat,\n\nTHANKS for following!  check out our spring collection at acme.example/shop ",
    "Hi Pat! Thanks for following. Check out our spring collection at acme.example/shop!!",
    "Hi Pat, thanks for following! Check out our summer collection at acme.example/shop",
], ids=["exact", "whitespace-and-case", "punctuation", "one-word-changed"])
def test_the_held_draft_is_refused_as_a_personal_reply(store: Store, config: Config,
                                                       text: str) -> None:
    queue = _queue(store, config)
    for task_id in (queue.hold_task, queue.reply_task):  # the draft's own task, or another
        message = _refusal(store, config, task_id, text)
        assert f"the automated draft held for this person (message {queue.draft})" in message
        assert message.endswith("release it labelled as automated (edit it first if the audit "
                                "still holds it as it is), or write to the person yourself")
        assert "\n" not in message


def test_a_cancelled_automated_message_is_not_sent_as_personal_either(
        store: Store, config: Config) -> None:
    queue = _queue(store, config)
    assert store.messages.transition(queue.draft, ("held",), "cancelled", "test", "stop")
    message = _refusal(store, config, queue.reply_task, DRAFT)
    assert "was cancelled" in message and "release" not in message


def test_a_reply_that_only_borrows_from_the_draft_is_personal(store: Store,
                                                              config: Config) -> None:
    queue = _queue(store, config)
    task = store.tasks.get(queue.reply_task)
    assert task is not None
    check_personal(store, config, task, "Hi Pat, Sam here. The spring collection is at "
                   "acme.example/shop; the blue linen shirt you asked about is back in "
                   "your size, want me to hold one for you?")


def test_a_near_copy_of_what_went_to_three_other_people_is_refused(
        store: Store, config: Config) -> None:
    queue = _queue(store, config)
    _sent_to_others(store, f"Hi Pat, {NEWS}", 3)
    message = _refusal(store, config, queue.reply_task, f"Hi Pat! {NEWS}, see you there")
    assert "nearly the same text already went to 3 other people in the last 30 days" in message
    assert message.endswith("submit it for this person as an automated message (`dmguard "
                            "submit`), which is audited, labelled and never sent after an "
                            "opt-out, or write to the person yourself (an acknowledgement the "
                            "team sends often can be a canned reply, [[web.canned]], sent as it "
                            "is)"), "something a reply task can do (QA 2, queue 2)"


def test_copies_below_the_form_letter_count_or_too_old_or_to_the_same_person_are_allowed(
        store: Store, config: Config, clock: SimulatedClock) -> None:
    queue = _queue(store, config)
    task = store.tasks.get(queue.reply_task)
    assert task is not None
    _sent_to_others(store, f"Hi Pat, {NEWS}", 2)
    store.messages.add(NewMessage(account_id="demo", contact_id=queue.pat, direction="out",
                                  origin=Origin.HUMAN, kind="manual", text=f"Hi Pat, {NEWS}",
                                  state="sent", sent_at=store.now()), actor="test")
    check_personal(store, config, task, f"Hi Pat, {NEWS}")  # two others, and Pat himself
    clock.advance(timedelta(days=config.audit.history_days + 1))
    _sent_to_others(store, f"Hi Pat, {NEWS}", 1)
    check_personal(store, config, task, f"Hi Pat, {NEWS}")  # the first two are too old


@pytest.mark.parametrize("text", ["Thanks!", "You're welcome", "You're welcome, glad I could help!",
                                  "Thanks so much, have a great weekend!"])
def test_a_short_common_reply_to_many_people_is_allowed(store: Store, config: Config,
                                                        text: str) -> None:
    queue = _queue(store, config)
    _sent_to_others(store, text, 12)
    task = store.tasks.get(queue.reply_task)
    assert task is not None
    check_personal(store, config, task, text)


def test_the_short_reply_allowance_stops_at_min_words(store: Store, config: Config) -> None:
    queue = _queue(store, config)
    text = "Thanks so much for your help today, have a great weekend with the family!"
    assert len(text.split()) >= MIN_WORDS
    _sent_to_others(store, text, 3)
    _refusal(store, config, queue.reply_task, text)


def test_same_as_draft_ignores_names_but_not_emoji_only_difference() -> None:
    assert same_as_draft("Hi Pat, welcome aboard", "Hi Amy, welcome aboard", ["Pat Doe", "Amy"])
    assert not same_as_draft("👍", "😊", [])
    assert same_as_draft("😊 ", "😊", [])


def test_a_short_reply_to_many_still_goes_out(tmp_path: Path, clock: SimulatedClock,
                                              sandbox_state: SandboxState,
                                              sandbox: SandboxServer) -> None:
    config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    sent = []
    for index in range(4):
        user = sandbox_state.add_user(username=f"fan{index}", name=f"Fan{index} Doe")
        sandbox_state.user_writes(user.id, f"Thanks for the tip about item {index}")
        run_tick(runtime)
        task = store.tasks.listing()[0]
        sent.append(actions.reply(store, config, task.id, "sam", "You're welcome!",
                                  platform=runtime.platform))
        clock.advance(timedelta(minutes=2))
    assert len(sent) == 4 and [e.text for e in sandbox_state.sent_by_account()] == [
        "You're welcome!"] * 4


def test_cli_refuses_the_draft_in_one_line_with_exit_code_2(tmp_path: Path, store: Store,
                                                            config: Config) -> None:
    queue = _queue(store, config)
    conf = config_file(tmp_path, db=config.store.path)
    result = CliRunner().invoke(cli, ["tasks", "reply", str(queue.reply_task), DRAFT.upper(),
                                      "--who", "sam", "--config", str(conf)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dmguard: not sent: this is the automated "
                                                   "draft held for this person")
    assert lines[0].endswith("release it labelled as automated (edit it first if the audit still "
                             "holds it as it is), or write to the person yourself")


def test_the_word_filter_never_drops_a_near_copy() -> None:
    """Texts the SQL filter skips (none of the needles) never hold 70% of the reply."""
    import random

    from dmguard.reply_check import needles, others_with_copies
    from dmguard.store import OutboundText

    rng = random.Random(7)
    filler = ["ok", "so", "and", "big", "red", "cat", "sun", "day", "fun", "top"]
    reply = f"Hi Pat! {NEWS}, and bring your friends along if they like jazz"
    words = reply.split()
    found = needles(reply, ["Pat Doe"])
    assert found, "a long reply has needles"
    # Edits hit the needles first, so many variants lose them all.
    rare = [i for i, word in enumerate(words) if word.strip("!,").lower() in found]
    copied = skipped = 0
    for _ in range(400):
        variant = list(words)
        edits = rng.sample(rare, rng.randint(0, len(rare)))
        edits += rng.sample(range(len(words)), rng.randint(0, 4))
        for position in edits:
            variant[position] = rng.choice(filler)
        other = OutboundText(" ".join(variant), 7, "Sam Roe")
        kept = any(word in other.text.lower() for word in found)
        copied += others_with_copies(reply, ["Pat Doe"], 1, [other])
        skipped += not kept
        assert kept or not others_with_copies(reply, ["Pat Doe"], 1, [other]), other.text
    assert copied and skipped, (copied, skipped)


def test_the_filters_never_drop_a_copy_with_words_taken_out() -> None:
    """A DM others got that the reply holds in order with words put in (the reply is the
    DM with fillers) is read by the store's filter (a needle) and not ruled out unread."""
    import random

    from dmguard.reply_check import needles, reply_for

    rng = random.Random(11)
    reply = (f"Hi Pat! So, {NEWS}, and really do bring your friends along if they like jazz "
             "and good food")
    words = reply.split()
    found = needles(reply, ["Pat Doe"])
    summary = reply_for(reply, ["Pat Doe"])
    assert found and summary is not None
    copies = ruled_out = 0
    for _ in range(400):
        kept = [word for word in words if rng.random() > rng.choice((0.1, 0.3, 0.5, 0.7))]
        other = " ".join(kept)
        copy = summary.is_copy(other, ["Sam Roe"])
        copies += copy
        if copy:
            assert any(word in other.lower() for word in found), other
            assert summary.could_copy(other), other
        else:
            ruled_out += not summary.could_copy(other)
    assert copies and ruled_out, (copies, ruled_out)


def test_two_replies_at_once_cannot_both_slip_under_the_form_letter_count(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two people send one text to two people at the same instant, each copy the third:
    one goes out, the other is refused as a form letter (the check that counts runs
    under the write lock, with the queueing)."""
    config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    for name in ("Pat", "Quinn"):
        user = sandbox_state.add_user(username=name.lower(), name=f"{name} Doe")
        sandbox_state.user_writes(user.id, "Anything new at the shop?")
        run_tick(runtime)
    first, second = sorted(task.id for task in store.tasks.listing())
    _sent_to_others(store, NEWS, 2)
    text = f"Hi there! {NEWS}, see you there"
    real_check = actions.check_personal
    outcomes: list[object] = []
    racers: list[threading.Thread] = []

    def reply(task_id: int, who: str) -> None:
        own = Store.open(config.store.path, clock)  # a Store belongs to its thread
        try:
            platform = build_runtime(config, config.accounts[0], own,
                                     sandbox_url=sandbox.url).platform
            outcomes.append(actions.reply(own, config, task_id, who, text, platform=platform))
        except actions.TaskError as error:
            outcomes.append(error)
        finally:
            own.close()

    def check_then_race(*args: object) -> None:
        real_check(*args)  # type: ignore[arg-type]
        if not racers:  # the first reply passed a check: the second one starts now
            racers.append(threading.Thread(target=reply, args=(second, "kim")))
            racers[0].start()
            racers[0].join(timeout=1.0)

    monkeypatch.setattr(actions, "check_personal", check_then_race)
    reply(first, "sam")
    racers[0].join(timeout=30)
    refused = [o for o in outcomes if isinstance(o, actions.TaskError)]
    assert len(outcomes) == 2 and len(refused) == 1, outcomes
    assert refused[0].code == "not_personal"
    assert [e.text for e in sandbox_state.sent_by_account()] == [text]


def test_the_held_draft_inside_the_automated_label_or_other_words_is_refused(
        store: Store, config: Config) -> None:
    queue = _queue(store, config)
    wrapped = f"[Automated message from @demo]\n{DRAFT}\n\nReply STOP to stop automated messages."
    message = _refusal(store, config, queue.reply_task, wrapped)
    assert "disclosure of automated messages" in message
    padded = f"Quick note before the weekend. {DRAFT} Talk soon, and have a lovely Sunday!"
    assert f"message {queue.draft}" in _refusal(store, config, queue.reply_task, padded)


def test_a_reply_carrying_the_disclosure_line_is_refused(store: Store, config: Config) -> None:
    queue = _queue(store, config)
    store.accounts.set_identity("demo", "7001", "demo_shop", "Demo Shop")
    message = _refusal(store, config, queue.reply_task,
                       "[Automated message from @demo_shop] Hi Pat, your parcel left today.")
    assert "disclosure of automated messages" in message
    other = _refusal(store, config, queue.reply_task,
                     "[automated message  from @another_shop]\nHi Pat, your parcel left today.")
    assert "'[automated message from @another_shop]'" in other, "another account's label too"
    unnamed = _refusal(store, config, queue.reply_task,
                       "[Automated message from this account]\nHi Pat, your parcel left today.")
    assert "'[Automated message from this account]'" in unnamed, \
        "the label `dmguard audit` gives without --account"


def test_telling_someone_how_to_opt_out_is_still_personal(store: Store, config: Config) -> None:
    queue = _queue(store, config)
    task = store.tasks.get(queue.reply_task)
    assert task is not None
    check_personal(store, config, task, "Sorry Pat, that was our bot. Reply STOP to stop "
                   "automated messages, or tell me and I will switch them off for you.")


@pytest.mark.parametrize("text", ["\u200b", " \u200b\u2060 ", "\u3164"])
def test_a_reply_of_invisible_characters_is_empty(store: Store, config: Config, text: str) -> None:
    queue = _queue(store, config)
    with pytest.raises(actions.TaskError) as caught:
        actions.reply(store, config, queue.reply_task, "sam", text)
    assert caught.value.code == "text" and "empty" in str(caught.value)


def test_the_draft_retyped_with_lookalike_letters_is_still_the_draft() -> None:
    lookalike = DRAFT.replace("a", "\u0430").replace("o", "\u043e").replace("e", "\u0435")
    assert lookalike != DRAFT and same_as_draft(lookalike, DRAFT, ["Pat"])
    russian = "Привет, Пэт! Спасибо за подписку, загляните в нашу весеннюю коллекцию"
    assert same_as_draft(russian, russian, ["Pat"]), "a draft in Cyrillic is still itself"
    assert not same_as_draft(russian, DRAFT, ["Pat"])


BRAM = "Hi Bram, thanks for following! We have new bike gear every week, check out our shop."
WINTER = "Dear valued customer, our winter sale is on: 20% off everything, today only!"
#: (held draft, the person's name, reply, whether it is the draft). The first two are QA 3:
#: a filler word every few words broke the trigrams, and the draft went out as personal.
PADDED_OR_PERSONAL = [
    (BRAM, "Bram Smit", "Hi Bram! Thanks so much for following! We have new bike gear in "
                        "every single week, so check out our shop.", True),
    (WINTER, "Mei Chen", "Hi Mei! Our winter sale is on right now: 20% off everything in the "
                         "shop, but today only.", True),
    (BRAM, "Bram Smit", "Hey Bram, thanks a lot for following us! We really have new bike "
                        "gear every week, so do check out our shop.", True),
    (WINTER, "Mei Chen", "Hello Mei, our big winter sale is on: 20% off just about everything, "
                         "and today only!", True),
    (BRAM, "Bram Smit", "Hi Bram, sorry about the automatic message. Your question about the "
                        "gear ratio: the 11-32 cassette fits your bike.", False),
    (BRAM, "Bram Smit", "Thanks for following, Bram! Your question about the gear: yes, we "
                        "have new bike gear every week and the 11-32 cassette is in.", False),
    (WINTER, "Mei Chen", "Hi Mei, sorry for the automated note about our winter sale. The boots "
                         "you asked about are in it too: size 38 is back, want me to hold a "
                         "pair?", False),
    (WINTER, "Mei Chen", "Hi Mei, yes: the 20% off is on everything today, the boots too. I "
                         "have put a pair in size 38 aside for you.", False),
]


def _held_for(store: Store, config: Config, name: str, draft: str) -> tuple[int, int]:
    """A person with a held draft and a message of theirs: (reply task, draft id)."""
    store.accounts.ensure("demo", "sandbox")
    contact, _ = store.people.upsert_contact("demo", name.lower(), name=name,
                                             username=name.split()[0].lower())
    store.messages.add(NewMessage(account_id="demo", contact_id=contact, direction="in",
                                  origin=Origin.PERSON, kind="inbound", text="Hello?",
                                  state="received", sent_at=store.now()), actor="test")
    draft_id = store.messages.add(NewMessage(
        account_id="demo", contact_id=contact, direction="out", origin=Origin.SUBMIT,
        kind="campaign", text=draft, state="held", verdict="hold"), actor="test")
    assert tasks.open_task(store, config, "demo", contact, "hold", "held", message_id=draft_id)
    task = tasks.open_task(store, config, "demo", contact, "reply", "wrote", text="Hello?")
    assert task
    return task, draft_id


CASES = ["qa-bram", "qa-mei", "bram-fillers", "mei-fillers", "bram-personal", "bram-reuses",
         "mei-personal", "mei-reuses"]


@pytest.mark.parametrize(("draft", "name", "reply", "is_draft"), PADDED_OR_PERSONAL, ids=CASES)
def test_the_draft_with_words_put_in_is_refused_and_a_reply_that_reuses_some_is_not(
        store: Store, config: Config, draft: str, name: str, reply: str, is_draft: bool) -> None:
    assert same_as_draft(reply, draft, [name]) is is_draft
    task_id, draft_id = _held_for(store, config, name, draft)
    if is_draft:
        assert f"the automated draft held for this person (message {draft_id})" in _refusal(
            store, config, task_id, reply)
    else:
        task = store.tasks.get(task_id)
        assert task is not None
        check_personal(store, config, task, reply)


@pytest.mark.parametrize(("draft", "name", "reply", "is_draft"), PADDED_OR_PERSONAL, ids=CASES)
def test_what_went_to_three_others_with_words_put_in_is_a_form_letter(
        store: Store, config: Config, draft: str, name: str, reply: str, is_draft: bool) -> None:
    """The same comparison for what other people got: the draft sent to three others, then
    typed in with fillers for a fourth, is a form letter; a reply reusing a few of its
    words is not."""
    queue = _queue(store, config)
    first = name.split()[0]
    _sent_to_others(store, draft.replace(first, "Pat"), 3, origin=Origin.SUBMIT)
    words = reply.replace(first, "Pat")
    if is_draft:
        assert "already went to 3 other people" in _refusal(store, config, queue.reply_task,
                                                             words)
    else:
        task = store.tasks.get(queue.reply_task)
        assert task is not None
        check_personal(store, config, task, words)


BLACK_FRIDAY = ("Black Friday is here: 40% off every mug and vase in the shop, this weekend "
                "only. Grab yours before they are gone!")


def test_a_campaign_held_for_other_people_is_not_a_personal_reply_to_someone_else(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """QA 1 (queue 2): the campaign submitted to three people is held for all three; pasted
    into the reply to Mei (who asked about a workshop) or to Zoë (who opted out of sales)
    it went out unlabelled as a personal reply. It is refused, naming whose draft it is."""
    from dmguard.submit import submit_into

    config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    people = [add_person(store, sandbox_state, name) for name in ("Ann", "Bo", "Cyd")]
    results = list(submit_into(store, config, [
        {"id": f"bf-{p.username}", "text": BLACK_FRIDAY, "recipient": {"username": p.username}}
        for p in people]))
    assert [r["state"] for r in results] == ["held"] * 3, results
    mei = sandbox_state.add_user(username="mei", name="Mei Chen")
    sandbox_state.user_writes(mei.id, "Is there still room in Saturday's glazing workshop?")
    zoe = sandbox_state.add_user(username="zoe", name="Zoë Roe")
    sandbox_state.user_writes(zoe.id, "STOP")
    run_tick(runtime)
    clock.advance(timedelta(minutes=5))
    sandbox_state.user_writes(zoe.id, "Has my order shipped yet?")
    run_tick(runtime)
    replies = sorted(t.id for t in store.tasks.listing() if t.kind != "hold")
    tasks_by_name = dict(zip(("Mei", "Zoë"), replies, strict=True))
    zoe_task = store.tasks.get(tasks_by_name["Zoë"])
    assert zoe_task is not None and store.people.is_opted_out(zoe_task.contact_id)
    for name in ("Mei", "Zoë"):
        for text in (BLACK_FRIDAY, f"Hi {name}! {BLACK_FRIDAY}",
                     BLACK_FRIDAY.replace("every mug", "every single mug")):
            message = _refusal(store, config, tasks_by_name[name], text, runtime.platform)
            assert "automated message written for 3 other people" in message, message
            assert "(message " in message and ", held" in message
            assert message.endswith("or write to the person yourself"), message
    assert not [e.text for e in sandbox_state.sent_by_account() if "Black Friday" in e.text]
    # A reply that only mentions the sale is the team's own words.
    task = store.tasks.get(tasks_by_name["Mei"])
    assert task is not None
    check_personal(store, config, task, "Hi Mei, yes, there are two places left on Saturday; "
                   "and the Black Friday sale covers the workshop's mugs too.")


def _draft_for(store: Store, name: str, text: str, state: str = "held",
               origin: Origin = Origin.SUBMIT) -> int:
    contact, _ = store.people.upsert_contact("demo", name.lower(), name=f"{name} Roe",
                                             username=name.lower())
    return store.messages.add(NewMessage(
        account_id="demo", contact_id=contact, direction="out", origin=origin,
        kind="campaign", text=text.replace("Pat", name), state=state,
        sent_at=store.now() if state == "sent" else None), actor="test")


@pytest.mark.parametrize("state", ["held", "blocked", "queued", "cancelled", "failed"])
def test_one_automated_draft_for_someone_else_is_enough(store: Store, config: Config,
                                                        state: str) -> None:
    queue = _queue(store, config)
    draft = _draft_for(store, "Quinn", f"Hi Pat, {NEWS}", state)
    message = _refusal(store, config, queue.reply_task, f"Hi Pat! {NEWS}")
    assert f"written for someone else (message {draft} for @quinn, {state})" in message


def test_what_is_not_an_unsent_draft_for_someone_else_is_left_to_the_other_checks(
        store: Store, config: Config, clock: SimulatedClock) -> None:
    """A campaign DM that went out is a form letter from min_recipients people on (as
    before); a confirmation is no campaign draft, nor one left long ago (still held: it
    is); a reply under six words is not compared with others' drafts."""
    queue = _queue(store, config)
    task = store.tasks.get(queue.reply_task)
    assert task is not None
    _draft_for(store, "Quinn", f"Hi Pat, {NEWS}", "sent")
    _draft_for(store, "Sol", f"Hi Pat, {NEWS}", "queued", Origin.SYSTEM)
    _draft_for(store, "Tam", "Thanks for the follow!", "held")
    check_personal(store, config, task, f"Hi Pat! {NEWS}")
    check_personal(store, config, task, "Thanks for the follow!")
    old = _draft_for(store, "Uma", f"Hi Pat, {NEWS}, and more", "cancelled")
    held = _draft_for(store, "Vic", f"Hi Pat, {NEWS}, and so on", "held")
    clock.advance(timedelta(days=config.audit.history_days + 1))
    assert f"(message {held} for @vic, held)" in _refusal(store, config, queue.reply_task,
                                                          f"Hi Pat! {NEWS}")
    store.messages.transition(held, ("held",), "cancelled", "test", "dismissed")
    check_personal(store, config, task, f"Hi Pat! {NEWS}")  # both left a month ago
    assert old


def test_the_word_count_never_rules_out_a_draft_that_is_the_reply() -> None:
    """:meth:`Compared.could_be` only skips drafts :func:`same` would not find the same:
    drafts with words changed, taken out, put in and moved, against the reply."""
    import random

    from dmguard.reply_check import compared, same

    rng = random.Random(13)
    filler = ["ok", "so", "and", "big", "red", "sale", "sun", "day", "fun", "top", "the"]
    originals = [f"Hi Pat! {NEWS}, and bring your friends along if they like jazz", BRAM,
                 WINTER, BLACK_FRIDAY, DRAFT]
    found = skipped = 0
    for _ in range(3000):
        words = rng.choice(originals).split()
        for _ in range(rng.randint(0, 8)):
            edit = rng.random()
            at = rng.randrange(len(words))
            if edit < 0.35:
                words[at] = rng.choice(filler)
            elif edit < 0.6 and len(words) > 3:
                del words[at]
            elif edit < 0.85:
                words.insert(at, rng.choice(filler))
            else:
                words.insert(rng.randrange(len(words)), words.pop(at))
        reply, draft = rng.sample([" ".join(words), rng.choice(originals)], 2)
        mine, theirs = compared(reply, ["Pat Doe"]), compared(draft, ["Quinn Roe", "Pat Doe"])
        alike = same(mine, theirs)
        found += alike
        if not mine.could_be(theirs):
            skipped += 1
            assert not alike, (reply, draft)
    assert found > 300 and skipped > 300, (found, skipped)
