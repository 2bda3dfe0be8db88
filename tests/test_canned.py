"""Canned replies: the team's short acknowledgements go out as often as they are needed,
labelled as canned in the history, and no campaign rides through them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from dmguard import actions, canned
from dmguard.cli import cli
from dmguard.clock import SimulatedClock
from dmguard.config import Config
from dmguard.platforms.sandbox.server import SandboxServer
from dmguard.platforms.sandbox.state import SandboxState
from dmguard.store import Store
from dmguard.tick import AccountRuntime, run_tick
from tests.conftest import config_file, make_config, world

LOOKING = "I'm looking into this now and will get back to you today."


def _writes(store: Store, runtime: AccountRuntime, state: SandboxState, clock: SimulatedClock,
            name: str, text: str = "My order has not arrived, can you check?") -> int:
    """``name`` writes to the account; the reply task opened for them."""
    user = state.add_user(username=name.lower(), name=f"{name} Doe")
    state.user_writes(user.id, text)
    run_tick(runtime)
    clock.advance(timedelta(minutes=2))
    contact_id, _ = store.people.upsert_contact("demo", user.id, name=f"{name} Doe",
                                                username=name.lower())
    task = store.tasks.open_for(contact_id)
    assert task is not None
    return task.id


def test_the_shipped_canned_reply_goes_to_as_many_people_as_need_it(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """QA 2 (queue 2): "Looking into it" was refused as a form letter from its fourth use."""
    config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    for name in ("Ann", "Bo", "Cyd", "Dee", "Eli"):
        task_id = _writes(store, runtime, sandbox_state, clock, name)
        task = store.tasks.get(task_id)
        assert task is not None
        contact = store.people.contact(task.contact_id)
        assert contact is not None
        text = canned.chosen(config, contact, "Looking into it").text
        assert text == f"Hi {name}, {LOOKING}"
        message_id = actions.reply(store, config, task_id, "sam", text,
                                   platform=runtime.platform)
        history = [(a.action, a.note) for a in store.tasks.actions(task_id)]
        assert ("canned reply", f"'Looking into it' as message {message_id}") in history
    assert [e.text for e in sandbox_state.sent_by_account()] == [
        f"Hi {name}, {LOOKING}" for name in ("Ann", "Bo", "Cyd", "Dee", "Eli")]
    assert store.lessons.latest("demo", 10) == [], "the owner's text teaches the judge nothing"


def test_a_canned_reply_with_a_line_of_ones_own_is_not_a_form_letter_either(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    for name in ("Ann", "Bo", "Cyd"):
        task_id = _writes(store, runtime, sandbox_state, clock, name)
        actions.reply(store, config, task_id, "sam", f"Hi {name}, {LOOKING}",
                      platform=runtime.platform)
    task_id = _writes(store, runtime, sandbox_state, clock, "Dee")
    text = f"Hi Dee, {LOOKING} Your parcel number is 4417."
    actions.reply(store, config, task_id, "sam", text, platform=runtime.platform)
    assert [a.action for a in store.tasks.actions(task_id)].count("canned reply") == 0
    assert [lesson.text for lesson in store.lessons.latest("demo", 10)] == [text], \
        "words of one's own are a personal reply, and teach as one"


def test_no_campaign_rides_through_the_canned_door(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """A configured canned text is still refused when it is automated text: the same text
    submitted as a campaign to three people (sent) makes it a form letter; held for
    someone, it is that draft; and a hand-pasted text that is not a canned reply counts
    its earlier copies, even with a canned reply's words in it."""
    config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    from dmguard.submit import submit_into

    people = {}
    for name in ("Ann", "Bo", "Cyd"):
        user = sandbox_state.add_user(username=name.lower(), name=f"{name} Doe")
        sandbox_state.user_writes(user.id, "Hello!")
        people[name] = user.id
    run_tick(runtime)
    results = list(submit_into(store, config, [{"text": f"Hi {name}, {LOOKING}",
                                                "recipient": {"id": user_id}}
                                               for name, user_id in people.items()]))
    assert [r.get("state") for r in results] == ["queued"] * 3, results
    for _ in range(6):  # the sender paces its sends
        clock.advance(timedelta(minutes=10))
        run_tick(runtime)
    assert len([e for e in sandbox_state.sent_by_account() if LOOKING in e.text]) == 3
    task_id = _writes(store, runtime, sandbox_state, clock, "Dee")
    with pytest.raises(actions.TaskError) as caught:
        actions.reply(store, config, task_id, "sam", f"Hi Dee, {LOOKING}",
                      platform=runtime.platform)
    assert "already went to 3 other people" in str(caught.value)
    campaign = ("Black Friday is here: 40% off every mug and vase in the shop, this weekend "
                "only. Grab yours before they are gone!")
    for name in ("Eli", "Fay", "Gus"):
        task_id = _writes(store, runtime, sandbox_state, clock, name)
        actions.reply(store, config, task_id, "sam", f"Hi {name}, thanks for writing! {campaign}",
                      platform=runtime.platform)
        clock.advance(timedelta(minutes=1))
    task_id = _writes(store, runtime, sandbox_state, clock, "Hal")
    with pytest.raises(actions.TaskError) as caught:
        actions.reply(store, config, task_id, "sam", f"Hi Hal, thanks for writing! {campaign}",
                      platform=runtime.platform)
    assert "already went to 3 other people" in str(caught.value)
    assert "canned reply" in str(caught.value), "the refusal says where acknowledgements go"


@pytest.mark.parametrize("text", [
    " ".join(["word"] * 31),
    "Hi {{ first_name }}, " + " ".join(["sale"] * 29),
])
def test_a_canned_reply_is_short(tmp_path: Path, text: str) -> None:
    from dmguard.config import ConfigError

    extra = f'\n[[web.canned]]\nname = "Long"\ntext = "{text}"\n'
    with pytest.raises(ConfigError, match="at most 30 words"):
        make_config(tmp_path, extra)
    make_config(tmp_path, extra.replace(" word\"", "\"").replace(" sale\"", "\""))


def test_two_canned_replies_of_one_name_are_a_config_error(tmp_path: Path) -> None:
    from dmguard.config import ConfigError

    with pytest.raises(ConfigError, match="two canned replies are named 'thanks'"):
        make_config(tmp_path, '\n[[web.canned]]\nname = "thanks"\ntext = "Thank you!"\n')


def test_cli_reply_with_a_canned_reply_by_name(tmp_path: Path, clock: SimulatedClock,
                                               sandbox_state: SandboxState,
                                               sandbox: SandboxServer) -> None:
    config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    conf = config_file(tmp_path, db=config.store.path, sandbox_url=sandbox.url)
    task_id = _writes(store, runtime, sandbox_state, clock, "Ann")
    runner = CliRunner()
    base = ["tasks", "reply", str(task_id), "--who", "sam", "--config", str(conf)]
    unknown = runner.invoke(cli, [*base, "--canned", "Lookin"])
    assert unknown.exit_code == 2
    assert unknown.output == ("dmguard: --canned: no canned reply named 'Lookin' for this person "
                              "(configured: 'Thanks', 'Looking into it')\n")
    both = runner.invoke(cli, [*base, "Hi Ann", "--canned", "Thanks"])
    assert both.exit_code == 2 and both.output.count("\n") == 1
    assert "give the reply's text or --canned NAME, not both" in both.output
    neither = runner.invoke(cli, base)
    assert neither.exit_code == 2 and "give the reply's text or --canned NAME" in neither.output
    sent = runner.invoke(cli, [*base, "--canned", "looking into it"])
    assert sent.exit_code == 0, sent.output
    assert "(canned reply 'Looking into it')" in sent.output
    assert [e.text for e in sandbox_state.sent_by_account()] == [f"Hi Ann, {LOOKING}"]


def test_for_person_fills_each_canned_reply(config: Config, store: Store) -> None:
    store.accounts.ensure("demo", "sandbox")
    contact_id, _ = store.people.upsert_contact("demo", "1", name="Zoë Roe", username="zoe")
    contact = store.people.contact(contact_id)
    assert contact is not None
    assert [(c.name, c.text) for c in canned.for_person(config, contact)] == [
        ("Thanks", "Hi Zoë, thanks for writing!"), ("Looking into it", f"Hi Zoë, {LOOKING}")]
    assert canned.matching(config, contact, f"  Hi Zoë,\n{LOOKING} ") is not None
    assert canned.matching(config, contact, f"Hi Amy, {LOOKING}") is None
    assert canned.is_canned_text(config, f"Hi Amy, {LOOKING}")
    assert canned.is_canned_text(config, f"Hi , {LOOKING}"), "a person with no name"
    assert not canned.is_canned_text(config, f"Hi Amy, {LOOKING} And a sale!")
