"""Watching what other tools send: history signals, the sent review, the report section."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner

from dmguard.cli import cli
from dmguard.clock import SimulatedClock
from dmguard.inbox import InboxReport, sync_inbox
from dmguard.platforms.base import DmEventData, Profile
from dmguard.platforms.sandbox.server import SandboxServer
from dmguard.platforms.sandbox.state import SandboxState
from dmguard.report.data import build_report
from dmguard.store import Origin, Store
from dmguard.tick import run_tick
from tests.conftest import START, config_file, world


def other_tool_history(clock: SimulatedClock, state: SandboxState, store: Store,
                       runtime) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A welcome bot, a bulk blast and a person, all sending from the account."""
    people = {}
    newcomer = state.add_user(username="newbie", name="New Bie")
    state.follow(newcomer.id)
    run_tick(runtime)  # dmguard sees the follow
    clock.advance(timedelta(seconds=20))
    state.account_sends(newcomer.id, "Hi New! Thanks for following 😊😊 Check out my site!")
    people["welcome"] = newcomer.id
    for index in range(8):
        user = state.add_user(username=f"list{index}", name=f"List {index}")
        clock.advance(timedelta(seconds=3))
        state.account_sends(user.id, f"Big news {index}: our spring sale starts today")
    people["blast"] = user.id
    friend = state.add_user(username="friend", name="Old Friend")
    clock.advance(timedelta(hours=3))
    state.account_sends(friend.id, "See you at dinner tonight? I'll bring the wine.")
    people["friend"] = friend.id
    clock.advance(timedelta(minutes=5))
    run_tick(runtime)
    return people


def verdicts(store: Store, user_id: str) -> tuple[str, set[str]]:
    row = next((m for m in store.messages.sent_since("demo", START - timedelta(days=365))
                if m.user_id == user_id and m.origin == Origin.OTHER), None)
    assert row is not None, "the other tool's DM was recorded at sync"
    assert row.verdict is not None
    return row.verdict, {f.rule for f in store.messages.findings(row.id)}


def test_each_history_signal(tmp_path: Path, clock: SimulatedClock,
                             sandbox_state: SandboxState, sandbox: SandboxServer) -> None:
    _, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    people = other_tool_history(clock, sandbox_state, store, runtime)
    verdict, rules = verdicts(store, people["welcome"])
    assert verdict == "block" and {"DG100", "DG020", "DG102"} <= rules
    verdict, rules = verdicts(store, people["blast"])
    assert {"DG101", "DG102"} <= rules and verdict == "block"
    verdict, rules = verdicts(store, people["friend"])
    assert verdict == "send" and not rules & {"DG100", "DG101", "DG102"}


def test_report_has_a_section_for_other_tools(tmp_path: Path, clock: SimulatedClock,
                                              sandbox_state: SandboxState,
                                              sandbox: SandboxServer) -> None:
    _, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    other_tool_history(clock, sandbox_state, store, runtime)
    day = build_report(store, ["demo"], START.date()).accounts[0]
    assert day.other_tools_sent == 10
    assert day.other_tools_automated == 9 and day.other_tools_undisclosed == 9
    assert day.other_tools_worst and "DG1" in day.other_tools_worst[0].rule


def test_audit_sent_over_the_emulator_history(tmp_path: Path, clock: SimulatedClock,
                                              sandbox_state: SandboxState,
                                              sandbox: SandboxServer) -> None:
    config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    other_tool_history(clock, sandbox_state, store, runtime)
    late = sandbox_state.add_user(username="late", name="Late Comer")
    sandbox_state.account_sends(late.id, "Hello Late, this went out after the last sync")
    store.close()
    conf = config_file(tmp_path, db=config.store.path, sandbox_url=sandbox.url)
    result = CliRunner().invoke(cli, ["audit", "--sent", "--since", "30d", "--format", "jsonl",
                                      "--config", str(conf)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert {line["sent_by"] for line in lines} == {"other", "dmguard"}
    ours = [line for line in lines if line["sent_by"] == "dmguard"]
    assert ours and all(line["verdict"] == "send" for line in ours), "labelled welcomes pass"
    assert lines[-1]["recipient"]["id"] == late.id, "missing events were fetched first"
    first = lines[0]
    assert set(first) >= {"id", "verdict", "score", "findings", "sent_at", "recipient"}
    just_demo = CliRunner().invoke(cli, ["audit", "--sent", "--since", "30d", "--format",
                                         "jsonl", "--config", str(conf), "--account", "demo"])
    assert just_demo.exit_code == 0 and just_demo.output == result.output
    unknown = CliRunner().invoke(cli, ["audit", "--sent", "--config", str(conf),
                                       "--account", "shop"])
    assert unknown.exit_code == 2 and "--account: no account named 'shop'" in unknown.output


def test_audit_sent_reads_nothing_for_another_user_or_a_paused_account(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """The credentials sign in as another user than the database holds (QA: the review
    merged another sandbox's people and DMs into the demo's database), or the account is
    paused: the review covers stored history only and says why."""
    config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    run_tick(runtime)
    account = store.accounts.get("demo")
    assert account is not None
    store.accounts.set_identity("demo", "1", "someone_else", "Someone Else")
    late = sandbox_state.add_user(username="late", name="Late Comer")
    sandbox_state.user_writes(late.id, "What are your opening hours on Sunday?")
    people = store.people.known_follower_ids("demo")
    messages = store.messages.by_state("demo")
    store.close()
    conf = config_file(tmp_path, db=config.store.path, sandbox_url=sandbox.url)
    result = CliRunner().invoke(cli, ["audit", "--sent", "--config", str(conf)])
    assert result.exit_code == 0
    assert "could not fetch new DM events (the credentials sign in as user" in result.stderr
    store = Store.open(config.store.path, clock)
    assert store.messages.by_state("demo") == messages and \
        store.people.known_follower_ids("demo") == people, "nothing of the other user's stored"
    store.accounts.set_identity("demo", account.user_id or "", account.username, account.name)
    store.accounts.pause("demo", "AuthBroken: 401")
    store.close()
    result = CliRunner().invoke(cli, ["audit", "--sent", "--config", str(conf)])
    assert "could not fetch new DM events (the account is paused (AuthBroken: 401))" \
        in result.stderr


class BrokenEvents:
    """A platform that returns events with missing fields and a deleted recipient."""

    name = "x"

    def whoami(self) -> Profile:
        return Profile("1", "acme", "Acme")

    def dm_events(self, after_id: str | None) -> list[DmEventData]:
        return [DmEventData("10", "", "", None, None),
                DmEventData("11", "hello", "1", None, None, ()),
                DmEventData("12", "from a deleted account", "999", None, None, ("999", "1"))]

    def dm_event_pages(self, pagination_token: str | None = None
                       ) -> Iterator[tuple[list[DmEventData], str | None]]:
        """The first sync reads history page by page, newest first."""
        yield self.dm_events(None)[::-1], None


def test_malformed_events_are_skipped_and_counted(store: Store, config) -> None:  # type: ignore[no-untyped-def]
    store.accounts.ensure("demo", "sandbox")
    report: InboxReport = sync_inbox(store, config, "demo", BrokenEvents())  # type: ignore[arg-type]
    assert report.skipped == 2 and report.received == 1
    account = store.accounts.get("demo")
    assert account is not None and account.last_dm_event_id == "12"


# --- what dmguard sent on a person's behalf is not an automated form letter ------------


def _sent(store: Store, contact_id: int, origin: Origin, text: str, minutes: int) -> int:
    from dmguard.clock import iso
    from dmguard.store import NewMessage

    automated = origin != Origin.HUMAN
    return store.messages.add(NewMessage(
        account_id="demo", contact_id=contact_id, direction="out", origin=origin,
        kind="confirmation" if automated else "manual", text=text,
        labelled_text=text if automated else None, state="sent",
        sent_at=iso(START + timedelta(minutes=minutes))), actor="test")


def _people(store: Store, count: int) -> list[int]:
    store.accounts.ensure("demo", "sandbox")
    return [store.people.upsert_contact("demo", str(500 + index), name=f"Person{index} Roe",
                                        username=f"person{index}")[0]
            for index in range(count)]


def _reviewed(store: Store, config) -> dict[int, tuple[str, set[str]]]:  # type: ignore[no-untyped-def]
    from dmguard.audit.sent import review

    return {item.message.id: (item.result.verdict, {f.rule for f in item.result.findings})
            for item in review(store, config, "demo", START - timedelta(days=1),
                               persist=False)}


def test_stop_and_start_confirmations_are_not_flagged(store: Store, config) -> None:  # type: ignore[no-untyped-def]
    from dmguard.inbox import OPT_IN_CONFIRMATION, OPT_OUT_CONFIRMATION

    people = _people(store, 6)
    ids = [_sent(store, person, Origin.SYSTEM, OPT_OUT_CONFIRMATION, index)
           for index, person in enumerate(people)]
    ids += [_sent(store, people[0], Origin.SYSTEM, OPT_IN_CONFIRMATION, 30)]
    reviewed = _reviewed(store, config)
    assert all(reviewed[i] == ("send", set()) for i in ids), reviewed


def test_a_persons_own_replies_are_not_flagged(store: Store, config) -> None:  # type: ignore[no-untyped-def]
    people = _people(store, 5)
    text = "Hi there, thanks for your message! Yes, we ship there within three days."
    ids = [_sent(store, person, Origin.HUMAN, text, index * 7)
           for index, person in enumerate(people)]
    reviewed = _reviewed(store, config)
    assert all(reviewed[i] == ("send", set()) for i in ids), reviewed
    assert len(reviewed) == len(ids), "inbound messages are not reviewed as sent"


def test_a_persons_reply_is_still_checked_for_template_leftovers(store: Store, config) -> None:  # type: ignore[no-untyped-def]
    [person] = _people(store, 1)
    leftover = _sent(store, person, Origin.HUMAN, "Hi {first_name}, yes we do!", 1)
    verdict, rules = _reviewed(store, config)[leftover]
    assert verdict != "send" and rules, "what check_reply_text refuses is still found"


def test_inbound_messages_are_never_reviewed_or_judged(store: Store, config) -> None:  # type: ignore[no-untyped-def]
    from dmguard.clock import iso
    from dmguard.store import NewMessage

    people = _people(store, 4)
    inbound = [store.messages.add(NewMessage(
        account_id="demo", contact_id=person, direction="in", origin=Origin.PERSON,
        kind="inbound", text="Thanks for the follow! Check out my shop, link in bio",
        state="received", sent_at=iso(START)), actor="test") for person in people]
    assert _reviewed(store, config) == {}
    assert all(store.messages.get(i).verdict is None for i in inbound)  # type: ignore[union-attr]


def test_the_review_reads_what_the_accounts_people_taught_the_judge(store: Store, config) -> None:  # type: ignore[no-untyped-def]
    """A text the account's people released as acceptable is not reported as generic when
    another tool sends it; the same review without the lesson reports it."""
    [person] = _people(store, 1)
    text = "We are a digital agency helping brands grow. Book a free strategy call today."
    sent = _sent(store, person, Origin.OTHER, text, 1)
    assert "DG095" in _reviewed(store, config)[sent][1]
    store.lessons.add("demo", text, "acceptable", "released", "owner")
    assert "DG095" not in _reviewed(store, config)[sent][1]
