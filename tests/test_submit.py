"""Handing messages in: `dmguard submit` and the Python API."""


from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dmguard.cli import cli
from dmguard.clock import SimulatedClock
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
    ]
    lines = "\n".join("" if item is None else json.dumps(item) for item in items)
    result = CliRunner().invoke(cli, ["submit", "-", "--config", str(conf)], input=lines)
    out = [json.loads(line) for line in result.output.splitlines()]
    assert result.exit_code == 1
    assert [o["id"] for o in out] == ["a", "b", None, "c", "7", "8"], "ids as strings"
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
