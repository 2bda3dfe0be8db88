"""The judge learns from the account's own people (issue #16): decisions on the queue
become lessons, the next audit applies them, and they can be counted and forgotten."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dmguard import actions, learning, outbox
from dmguard.audit.model import Finding
from dmguard.cli import cli
from dmguard.clock import SimulatedClock
from dmguard.config import Config
from dmguard.platforms.sandbox.server import SandboxServer
from dmguard.platforms.sandbox.state import SandboxState
from dmguard.report import render
from dmguard.report.data import build_report
from dmguard.store import Origin, Store
from tests.conftest import START, config_file, make_config

#: The model alone holds this (p≈0.97) and no other rule does.
STUDIO = "Hi {}, we are a small print studio in town. Book a free visit with us today."
#: The model alone passes this (p≈0.44, threshold 0.73).
BAKERY = "Hi {}, we run a small bakery in town and our new bakes come out every Friday morning."
REWRITE = "Hi Bob, loved your shop window on Rua Augusta: could we feature it?"
SECOND = '\n[[accounts]]\nname = "other"\nplatform = "sandbox"\n'


@pytest.fixture
def two_accounts(tmp_path: Path) -> Config:
    return make_config(tmp_path, SECOND)


def draft(store: Store, config: Config, name: str, text: str, account: str = "demo") -> int:
    """Submit ``text`` (``{}`` is the name) to a new person; the message id."""
    settings = config.account(account)
    store.accounts.ensure(settings.name, settings.platform)
    contact_id, _ = store.people.upsert_contact(settings.name, f"{account}-{name}",
                                                name=f"{name} Doe", username=name.lower())
    contact = store.people.contact(contact_id)
    assert contact is not None
    auditor = outbox.auditor_for(store, config, settings)
    return outbox.submit(store, auditor, config, settings.name, settings.policy_name, contact,
                         text.format(name), origin=Origin.SUBMIT, kind="campaign",
                         actor="test").message_id


def reaudit(store: Store, config: Config, message_id: int) -> list[str]:
    """The rules that would hold or block the message at its next audit."""
    return [f"{f.rule}:{f.severity}" for f in findings(store, config, message_id)
            if f.severity != "warn"]


def reaudit_text(store: Store, config: Config, message_id: int, text: str) -> list[str]:
    """The rules that would hold or block ``text`` sent to the message's person."""
    return [f"{f.rule}:{f.severity}" for f in findings(store, config, message_id, text)
            if f.severity != "warn"]


def findings(store: Store, config: Config, message_id: int, text: str | None = None
             ) -> list[Finding]:
    """What the next audit of the message (or of ``text`` to its person) finds, without
    changing it."""
    message = store.messages.get(message_id)
    assert message is not None and message.contact_id is not None
    settings = config.account(message.account_id)
    contact = store.people.contact(message.contact_id)
    assert contact is not None
    item = outbox.audit_input(store, settings.name, contact, text or message.text,
                              message.kind, settings.policy_name)
    return outbox.auditor_for(store, config, settings).audit(item).findings


def hold_task(store: Store, message_id: int) -> int:
    (task,) = [t for t in store.tasks.listing() if t.message_id == message_id]
    assert task.kind == "hold"
    return task.id


def test_a_verdict_changes_after_a_few_decisions(store: Store, config: Config) -> None:
    amy, bob, cara = (draft(store, config, name, STUDIO) for name in ("Amy", "Bob", "Cara"))
    assert all(store.messages.get(m).state == "held" for m in (amy, bob, cara))  # type: ignore[union-attr]
    assert reaudit(store, config, bob) == ["DG095:hold"]
    # Amy's draft released unchanged: a person judged it acceptable, and it goes, labelled.
    released = actions.release(store, config, hold_task(store, amy), "sam")
    assert released.queued
    assert "Automated" in (store.messages.get(amy).labelled_text or "")  # type: ignore[union-attr]
    # One decision on a draft like Bob's moves his, not yet past the threshold...
    assert reaudit(store, config, bob) == ["DG095:hold"]
    (finding,) = [f for f in findings(store, config, bob) if f.rule == "DG095"]
    assert "learned -1.9 from 1 decision on drafts like it" in finding.message
    # ...a second one does: the next audit of Bob's draft passes.
    assert actions.release(store, config, hold_task(store, cara), "sam").queued
    assert reaudit(store, config, bob) == []


def test_drafts_like_a_dismissed_one_are_held(store: Store, config: Config) -> None:
    first = draft(store, config, "Amy", "Dear valued customer, " + BAKERY.split(", ", 1)[1])
    assert store.messages.get(first).state == "held"  # type: ignore[union-attr]
    assert store.messages.get(draft(store, config, "Bob", BAKERY)).state == "queued"  # type: ignore[union-attr]
    actions.resolve(store, config, hold_task(store, first), "sam", "dismissed")
    later = draft(store, config, "Cara", BAKERY)
    (finding,) = [f for f in store.messages.findings(later) if f.rule == "DG095"]
    assert store.messages.get(later).state == "held"  # type: ignore[union-attr]
    assert "learned +" in finding.message and "1 decision on drafts like it" in finding.message


def test_learning_lifts_no_other_rule(store: Store, config: Config) -> None:
    """Released unchanged, a draft the judge and a named rule hold passes the judge only."""
    text = "Dear valued customer, " + STUDIO.split(", ", 1)[1]
    message_id = draft(store, config, "Amy", text)
    assert set(reaudit(store, config, message_id)) == {"DG010:hold", "DG095:hold"}
    released = actions.release(store, config, hold_task(store, message_id), "sam")
    assert released.state == "held" and [f.rule for f in released.findings] == ["DG010"]


def test_a_refused_release_teaches_nothing_and_a_later_dismissal_counts(
        store: Store, config: Config) -> None:
    """QA 4: a release the audit refused (another rule still holds the draft) recorded an
    "acceptable" lesson anyway, and the dismissal afterwards only cancelled it out. Clicked
    once or three times, a refused release teaches nothing; the dismissal then teaches."""
    text = "Dear valued customer, " + STUDIO.split(", ", 1)[1]
    task_id = hold_task(store, draft(store, config, "Amy", text))
    for _ in range(3):
        released = actions.release(store, config, task_id, "sam")
        assert released.state == "held" and [f.rule for f in released.findings] == ["DG010"]
    edited = actions.release(store, config, task_id, "sam", "Dear valued customer, " + BAKERY)
    assert edited.state == "held" and edited.edited
    assert store.lessons.latest("demo", 10) == []
    assert learning.learned(store, ["demo"])[0].total == 0
    actions.close(store, config, task_id, "sam", "dismissed")
    assert [(lesson.label, lesson.decision) for lesson in store.lessons.latest("demo", 10)] \
        == [("generic", "dismissed")]


def test_a_release_records_its_lesson_with_the_queueing_or_not_at_all(
        store: Store, config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lesson and the state change are one transaction: a failure after the re-audit
    passed leaves neither the lesson nor a queued draft."""
    message_id = draft(store, config, "Amy", STUDIO)
    task_id = hold_task(store, message_id)
    change = store.tasks.change

    def crash_on_release(task: int, *args: object, **kwargs: object) -> bool:
        if args[1] == "released":
            raise RuntimeError("power cut")
        return change(task, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store.tasks, "change", crash_on_release)
    with pytest.raises(RuntimeError):
        actions.release(store, config, task_id, "sam")
    monkeypatch.undo()
    assert store.lessons.latest("demo", 10) == []
    assert store.messages.get(message_id).state == "held"  # type: ignore[union-attr]
    assert store.tasks.get(task_id).state == "open"  # type: ignore[union-attr]
    assert actions.release(store, config, task_id, "sam").queued
    assert [(lesson.label, lesson.decision) for lesson in store.lessons.latest("demo", 10)] \
        == [("acceptable", "released")]


def test_a_changed_decision_about_a_text_is_a_new_lesson(store: Store) -> None:
    store.accounts.ensure("demo", "sandbox")
    store.accounts.ensure("other", "sandbox")
    first = store.lessons.add("demo", "Hello there", "acceptable", "released", "sam")
    assert store.lessons.add("demo", "Hello there", "acceptable", "released", "kim") == first
    store.lessons.add("demo", "Hello there", "generic", "dismissed", "kim")
    store.lessons.add("demo", "Hello there", "acceptable", "released", "sam")
    store.lessons.add("other", "Hello there", "acceptable", "released", "sam")
    assert [lesson.label for lesson in store.lessons.latest("demo", 10)] == [
        "acceptable", "generic", "acceptable"]


def test_each_decision_teaches_its_label(store: Store, config: Config) -> None:
    unchanged, edited, dismissed, closed, done = (
        draft(store, config, name, STUDIO) for name in ("Amy", "Bob", "Cara", "Dan", "Eve"))
    # The page sends the draft back as it showed it, with CR LF line breaks: unchanged.
    actions.release(store, config, hold_task(store, unchanged), "sam",
                    STUDIO.format("Amy").replace(". ", ".\r\n") + "\r\n")
    actions.release(store, config, hold_task(store, edited), "kim", REWRITE)
    actions.resolve(store, config, hold_task(store, dismissed), "sam", "dismissed")
    actions.close(store, config, hold_task(store, closed), "sam", "dismissed")
    actions.close(store, config, hold_task(store, done), "sam", "done")
    taught = {(lesson.message_id, lesson.label, lesson.decision, lesson.actor, lesson.text)
              for lesson in store.lessons.latest("demo", 10)}
    assert taught == {
        (unchanged, "acceptable", "released", "sam", STUDIO.format("Amy")),
        (edited, "generic", "rewritten", "kim", STUDIO.format("Bob")),  # the draft as it was
        (edited, "acceptable", "released", "kim", REWRITE),  # and what was released instead
        (dismissed, "generic", "dismissed", "sam", STUDIO.format("Cara")),
        (closed, "generic", "dismissed", "sam", STUDIO.format("Dan")),
    }, "closing as done teaches nothing"


def test_a_rewrite_its_people_released_passes_the_judge(store: Store, config: Config) -> None:
    """The judge holds the rewrite too; released by a person, it goes, and the judge lets
    that text pass from then on, while the draft it replaced is still held."""
    held, rewritten = (draft(store, config, name, STUDIO) for name in ("Amy", "Bob"))
    rewrite = STUDIO.format("Bob").replace("Book a free call", "Grab a free call")
    assert "DG095:hold" in reaudit_text(store, config, rewritten, rewrite)
    released = actions.release(store, config, hold_task(store, rewritten), "kim", rewrite)
    assert released.queued, released.findings
    assert reaudit_text(store, config, rewritten, rewrite) == []
    assert "DG095:hold" in reaudit(store, config, held)


def test_a_personal_reply_teaches_personal(tmp_path: Path, clock: SimulatedClock,
                                           sandbox_state: SandboxState,
                                           sandbox: SandboxServer) -> None:
    from tests.test_actions import pat_asks

    config, store, runtime, _pat, task_id = pat_asks(tmp_path, clock, sandbox_state, sandbox)
    text = "Hi Pat, Sam here: yes, we ship to Oslo, usually in three days."
    message_id = actions.reply(store, config, task_id, "sam", text, platform=runtime.platform)
    (lesson,) = store.lessons.latest("demo", 10)
    assert (lesson.label, lesson.decision, lesson.message_id, lesson.text) == (
        "personal", "replied", message_id, text)


def test_one_accounts_lessons_leave_another_alone(store: Store, two_accounts: Config) -> None:
    config = two_accounts
    for message_id in [draft(store, config, name, STUDIO) for name in ("Amy", "Bob")]:
        actions.release(store, config, hold_task(store, message_id), "sam")
    assert store.messages.get(draft(store, config, "Cara", STUDIO)).state == "queued"  # type: ignore[union-attr]
    elsewhere = draft(store, config, "Cara", STUDIO, account="other")
    assert store.messages.get(elsewhere).state == "held"  # type: ignore[union-attr]
    assert learning.layer_for(store, "other") is None


def test_reset_forgets_one_account(store: Store, two_accounts: Config) -> None:
    config = two_accounts
    held = draft(store, config, "Amy", STUDIO)
    actions.release(store, config, hold_task(store, held), "sam")
    store.accounts.ensure("other", "sandbox")
    store.lessons.add("other", "Some other lesson entirely, about nothing much.", "generic",
                      "dismissed", "kim")
    assert [(c.account, c.total) for c in learning.learned(store, ["demo", "other"])] == [
        ("demo", 1), ("other", 1)]
    assert learning.reset(store, config, "demo") == 1
    assert [c.total for c in learning.learned(store, ["demo", "other"])] == [0, 1]
    assert store.messages.get(draft(store, config, "Amy", STUDIO)).state == "held"  # type: ignore[union-attr]
    with pytest.raises(learning.LearningError, match="no account named 'nope'"):
        learning.reset(store, config, "nope")


def test_the_report_says_how_much_was_learned(store: Store, config: Config) -> None:
    for name in ("Amy", "Bob"):
        draft(store, config, name, STUDIO)
    tasks = [t.id for t in store.tasks.listing()]
    actions.release(store, config, tasks[0], "sam")
    actions.resolve(store, config, tasks[1], "sam", "dismissed")
    report = build_report(store, ["demo"], START.date())
    (account,) = report.accounts
    assert account.learned == {"acceptable": 1, "generic": 1, "personal": 0}
    assert account.learned_on_day == 2
    assert "learned from this account's people: 1 acceptable, 1 generic, 0 personal (2 on " \
        "this day" in render.markdown(report)
    assert "1 acceptable, 1 generic, 0 personal (2 on this day)" in render.html(report, {})
    tomorrow = build_report(store, ["demo"], START.date().replace(day=START.day + 1))
    assert tomorrow.accounts[0].learned_on_day == 0
    assert tomorrow.accounts[0].learned["acceptable"] == 1


def test_cli_shows_and_resets_what_was_learned(tmp_path: Path, clock: SimulatedClock) -> None:
    conf = config_file(tmp_path)
    run = CliRunner().invoke
    listing = run(cli, ["rules", "--config", str(conf)])
    assert listing.exit_code == 0
    assert "DG095 looks-automated" in listing.output and "demo: nothing learned yet" in listing.output
    assert not (tmp_path / "d.db").exists(), "showing nothing made no database"
    store = Store.open(tmp_path / "d.db", clock)
    store.accounts.ensure("demo", "sandbox")
    store.lessons.add("demo", "Hi, book a free call today.", "generic", "dismissed", "sam")
    store.lessons.add("demo", "Hi, our menu is out.", "acceptable", "released", "sam")
    store.close()
    shown = run(cli, ["rules", "learned", "--config", str(conf)])
    assert shown.output == "  demo: 2 decisions: 1 acceptable, 1 generic, 0 personal\n"
    as_json = run(cli, ["rules", "learned", "--format", "json", "--config", str(conf)])
    assert '"acceptable": 1, "generic": 1, "personal": 0' in as_json.output
    forgot = run(cli, ["rules", "learned", "--reset", "--account", "demo", "--config", str(conf)])
    assert forgot.exit_code == 0 and forgot.output.startswith("demo: forgot 2 lessons")
    assert "demo: nothing learned yet" in run(cli, ["rules", "learned", "--config",
                                                    str(conf)]).output


@pytest.mark.parametrize(("args", "says"), [
    (["--reset", "--account", "nope"], "no account named 'nope' in the configuration"),
    (["--account", "nope"], "no account named 'nope' in the configuration"),
    (["--reset"], "--reset needs --account NAME"),
])
def test_cli_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], says: str) -> None:
    result = CliRunner().invoke(cli, ["rules", "learned", *args, "--config",
                                      str(config_file(tmp_path))])
    assert result.exit_code == 2 and says in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "d.db").exists(), "nothing was opened or made"
