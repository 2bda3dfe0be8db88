"""Handing messages in: `dmguard submit` and the Python API."""


from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dmguard.cli import cli
from dmguard.clock import SimulatedClock
from dmguard.config import ConfigError
from dmguard.platforms.sandbox.server import SandboxServer
from dmguard.platforms.sandbox.state import SandboxState
from dmguard.submit import submit_messages
from tests.conftest import add_person, config_file, world


def test_submit_accepts_the_rest_when_a_recipient_is_unknown(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    config, store, _runtime = world(tmp_path, clock, sandbox_state, sandbox)
    add_person(store, sandbox_state, "Amy", location="Lisbon")
    store.close()
    conf = config_file(tmp_path, db=config.store.path)
    items = [
        {"id": "a", "text": "Hi Amy, our Lisbon pop-up opens Friday. Want an invite?",
         "recipient": {"username": "amy"}},
        {"id": "b", "text": "Hi Zed", "recipient": {"username": "nobody"}},
        "not an object",
        {"id": "c", "text": "Dear valued customer, 20% off!", "recipient": {"username": "amy"}},
        {"id": 7, "text": "Hi Amy, see you Friday?", "recipient": {"username": "amy"}},
        None,  # a blank line
        {"id": 8, "text": "Hi Zed", "recipient": {"username": "nobody"}},
        # QA 5: a platform no policy pack is called was taken silently.
        {"id": "p", "text": "Hi Amy, see you Friday?", "platform": "twitter",
         "recipient": {"username": "amy"}},
        {"id": "q", "text": "Hi Amy, see you on Saturday then?", "platform": "SANDBOX",
         "recipient": {"username": "amy"}},
    ]
    lines = "\n".join("" if item is None else json.dumps(item) for item in items)
    result = CliRunner().invoke(cli, ["submit", "-", "--config", str(conf)], input=lines)
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 1
    assert [o["id"] for o in out] == ["a", "b", None, "c", "7", "8", "p", "q"], "ids as strings"
    assert result.stderr == "submit: 8 lines: 3 queued, 1 held, 4 error\n"
    assert out[6]["error"] == "line 8: platform: must be 'sandbox' or 'x'"
    assert out[7]["state"] == "queued"
    assert out[0]["state"] == "queued" and "Automated" in out[0]["labelled_text"]
    assert "unknown recipient" in out[1]["error"] and out[1]["line"] == 2
    assert out[5]["line"] == 7 and out[5]["error"].startswith("line 7: unknown recipient"), \
        "the file's line, counting the blank one"
    assert "expected a JSON object" in out[2]["error"]
    assert out[3]["state"] == "held"


def test_python_api_and_release_of_an_edited_hold(tmp_path: Path, clock: SimulatedClock,
                                                  sandbox_state: SandboxState,
                                                  sandbox: SandboxServer) -> None:
    from dmguard import actions

    config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    add_person(store, sandbox_state, "Amy", location="Lisbon")
    (held,) = submit_messages(config, [{"id": "x", "text": "Dear valued customer, hello!",
                                        "recipient": {"username": "amy"}}], clock=clock)
    assert held["state"] == "held"
    (task,) = store.tasks.listing()
    assert task.kind == "hold" and "DG010" in task.reason
    with pytest.raises(actions.TaskError, match="empty"):
        actions.release(store, config, task.id, "sam", " ", auditor=runtime.auditor)
    released = actions.release(store, config, task.id, "sam",
                               "Dear valued customer, hello again!", auditor=runtime.auditor)
    assert released.state == "held" and any(f.rule == "DG010" for f in released.findings)
    assert store.tasks.get(task.id).state == "open"  # type: ignore[union-attr]
    released = actions.release(store, config, task.id, "sam",
                               "Hi Amy, the Lisbon pop-up opens on Friday. Would you like to come?")
    assert released.queued and store.tasks.get(task.id).state == "done"  # type: ignore[union-attr]
    history = [t.to_state for t in store.messages.transitions(held["message_id"])]
    assert history == ["draft", "audited", "held", "audited", "held", "audited", "queued"]


# --- the same draft twice ---------------------------------------------------------------

def _submit_file(conf: Path, lines: list[dict[str, object]]) -> tuple[int, list[dict[str, object]],
                                                                      str]:
    text = "\n".join(json.dumps(line) for line in lines)
    result = CliRunner().invoke(cli, ["submit", "-", "--config", str(conf)], input=text)
    return result.exit_code, [json.loads(line) for line in result.stdout.splitlines()], result.stderr


def test_submitting_the_same_file_twice_queues_each_line_once(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    config, store, _runtime = world(tmp_path, clock, sandbox_state, sandbox)
    add_person(store, sandbox_state, "Amy", location="Lisbon")
    add_person(store, sandbox_state, "Bob", location="Porto")
    conf = config_file(tmp_path, db=config.store.path)
    lines: list[dict[str, object]] = [
        {"id": "c1", "text": "Hi Amy, our Lisbon pop-up opens Friday. Want an invite?",
         "recipient": {"username": "amy"}},
        {"id": "c1", "text": "Hi Bob, our Porto pop-up opens Friday. Want an invite?",
         "recipient": {"username": "bob"}},
    ]
    code, first, summary = _submit_file(conf, lines)
    assert (code, [o["state"] for o in first]) == (0, ["queued", "queued"]), first
    assert summary == "submit: 2 lines: 2 queued\n", "one id may go to several people"
    code, again, summary = _submit_file(conf, lines)
    assert code == 1 and summary == "submit: 2 lines: 2 duplicate (not queued again)\n"
    assert again[0] == {"id": "c1", "line": 1, "duplicate_of": first[0]["message_id"],
                        "error": f"line 1: duplicate: id 'c1' was already submitted to @amy as "
                                 f"message {first[0]['message_id']} (queued); not queued again"}
    assert again[1]["duplicate_of"] == first[1]["message_id"]
    assert sum(c.count for c in store.messages.by_state("demo")) == 2, "nothing new stored"


def test_without_an_id_the_same_text_still_waiting_for_that_person_is_a_duplicate(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    config, store, _runtime = world(tmp_path, clock, sandbox_state, sandbox)
    amy = add_person(store, sandbox_state, "Amy", location="Lisbon")
    text = "Hi Amy, our Lisbon pop-up opens Friday. Want an invite?"
    results = submit_messages(config, [
        {"text": text, "recipient": {"username": "amy"}},
        {"text": text, "recipient": {"username": "amy"}},
        {"id": "x", "text": text, "recipient": {"username": "amy"}},
    ], clock=clock)
    assert results[0]["state"] == "queued"
    assert results[1]["error"] == (
        f"line 2: duplicate: the same text to @amy is already waiting to be sent (give an id to "
        f"tell them apart) as message {results[0]['message_id']} (queued); not queued again")
    assert "error" not in results[2], "with an id, the id says which draft it is"
    for done in (results[0], results[2]):
        store.messages.transition(done["message_id"], ("queued",), "cancelled", "test")
    (later,) = submit_messages(config, [{"text": text, "recipient": {"username": "amy"}}],
                               clock=clock)
    assert later["state"] == "queued", "once the first is no longer waiting, the text is new"
    assert len(store.messages.pending_automated(amy.id)) == 1


def test_two_submits_at_once_queue_a_line_once(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    import threading

    config, store, _runtime = world(tmp_path, clock, sandbox_state, sandbox)
    amy = add_person(store, sandbox_state, "Amy", location="Lisbon")
    lines = [{"id": f"c{n}", "text": f"Hi Amy, pop-up number {n} opens Friday. Want to come?",
              "recipient": {"username": "amy"}} for n in range(5)]
    start = threading.Barrier(3)
    results: list[list[dict[str, object]]] = []

    def submit_all() -> None:
        start.wait()
        results.append(submit_messages(config, lines, clock=clock))

    workers = [threading.Thread(target=submit_all) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    outcomes = [o for run in results for o in run]
    assert sum("duplicate_of" in o for o in outcomes) == 10
    assert sum("duplicate_of" not in o for o in outcomes) == 5
    assert len(store.messages.automated_unsent(amy.id)) == 5


def test_submitting_a_file_shows_progress_from_100_kb(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: 15,000 lines took minutes with nothing on the terminal."""
    from contextlib import contextmanager

    from dmguard import cli as cli_module

    read: list[int] = []
    asked: list[tuple[str, str, int]] = []

    @contextmanager
    def recording(source: str, doing: str = "auditing", from_size: int = 1_000_000):  # type: ignore[no-untyped-def]
        asked.append((source, doing, from_size))
        yield read.append

    monkeypatch.setattr(cli_module, "_progress", recording)
    campaign = tmp_path / "campaign.jsonl"
    campaign.write_text('{"text": "Hi", "recipient": {"username": "nobody"}}\n' * 3)
    conf = config_file(tmp_path, created=True)
    CliRunner().invoke(cli, ["submit", str(campaign), "--config", str(conf)])
    assert asked == [(str(campaign), "submitting", 100_000)]
    assert sum(read) == campaign.stat().st_size


def test_the_progress_bar_is_for_a_terminal_and_a_large_enough_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    from dmguard.cli import _progress

    big = tmp_path / "big.jsonl"
    big.write_text("x" * 200_000)

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", Terminal())
    with _progress(str(big), "submitting", 100_000) as bar:
        bar(200_000)
    assert "submitting" in sys.stderr.getvalue()
    with _progress(str(big), "auditing") as quiet:  # under the 1 MB of `audit`
        quiet(200_000)
    assert "auditing" not in sys.stderr.getvalue()


def test_an_unknown_account_is_one_line_exit_2_and_creates_no_database(tmp_path: Path) -> None:
    """QA: `submit --account nosuch` printed a ConfigError traceback after creating the file."""
    conf = config_file(tmp_path, db=tmp_path / "new.db")
    result = CliRunner().invoke(cli, ["submit", "-", "--account", "nosuch", "--config",
                                      str(conf)], input="")
    assert (result.exit_code, result.output) == (
        2, "dmguard: --account: no account named 'nosuch' in the configuration "
           "(accounts: demo)\n")
    with pytest.raises(ConfigError, match="no account named 'nosuch'"):
        submit_messages(conf, [], account="nosuch")
    assert not (tmp_path / "new.db").exists()


def test_a_text_with_a_control_character_or_an_unreadable_one_is_not_queued(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """A new user's probe: a lone surrogate (``\\ud800``, valid JSON) was queued as "�",
    and a NUL character as it was; each line is now an error naming what and where, and
    the rest are queued."""
    config, store, _runtime = world(tmp_path, clock, sandbox_state, sandbox)
    add_person(store, sandbox_state, "Amy", location="Lisbon")
    store.close()
    conf = config_file(tmp_path, db=config.store.path)
    lines = "\n".join([
        '{"id": "s", "text": "Hi Amy, fine \\ud800 x", "recipient": {"username": "amy"}}',
        '{"id": "n", "text": "Hi Amy\\u0000 see you", "recipient": {"username": "amy"}}',
        '{"id": "ok", "text": "Hi Amy,\\tsee you \\ud83d\\ude00\\nFriday?", '
        '"recipient": {"username": "amy"}}'])
    result = CliRunner().invoke(cli, ["submit", "-", "--config", str(conf)], input=lines)
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 1
    assert out[0]["error"].startswith("line 1: text holds U+FFFD, a character that could not "
                                      "be read (a lone UTF-16 surrogate such as \\ud800")
    assert out[0]["error"].endswith("at column 14; a DM cannot carry it")
    assert out[1]["error"] == ("line 2: text holds the control character U+0000 at column 7; "
                               "a DM cannot carry it")
    assert out[2]["state"] == "queued", "tab, newline and emoji are fine"
