"""Hostile input from the platform and from callers: stored and shown as text, never a crash."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from dmguard.cli import cli
from dmguard.clock import SimulatedClock
from dmguard.platforms.base import clean_text
from dmguard.platforms.sandbox.server import SandboxServer
from dmguard.platforms.sandbox.state import SandboxState
from dmguard.report.data import build_report
from dmguard.report.render import as_json, html, markdown
from dmguard.tick import run_tick
from tests.conftest import world

HOSTILE = {
    "template syntax": "{{ 7*7 }} {% for x in range(9) %}boom{% endfor %} {{ config }}",
    "markup": "<script>alert(1)</script><img src=x onerror=alert(2)>&amp;",
    "100 KB": "why " * 25_000,
    "NUL bytes": "hello\x00world\x00",
    "RTL override": "\u202eevil\u202c name?",
    "zero-width joiners": "fam\u200dily \u200b\u200c👩\u200d👩\u200d👧",
    "lone high surrogate": "broken \ud800 text",
    "lone low surrogate": "broken \udfff text",
    "surrogate pair escaped": "\ud83d\ude00 is fine",
    "control characters": "bell\x07 escape\x1b[31m red",
    "byte order mark": "\ufeffhello",
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_inbound_message_is_stored_and_becomes_a_task(
        kind: str, tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    _config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    person = sandbox_state.add_user(username="pat", name="Pat Doe")
    sandbox_state.user_writes(person.id, HOSTILE[kind])
    clock.advance(timedelta(minutes=5))
    assert run_tick(runtime).error is None
    contact = store.people.find_contact("demo", user_id=person.id)
    assert contact is not None
    stored = store.messages.last_inbound_text(contact.id)
    assert stored == clean_text(HOSTILE[kind])
    assert "\x00" not in stored and not any("\ud800" <= c <= "\udfff" for c in stored)
    (task,) = store.tasks.listing()
    assert task.contact_id == contact.id
    clock.advance(timedelta(minutes=5))
    assert run_tick(runtime).error is None, "the next tick does not trip over it either"


def test_hostile_profiles_are_welcomed_with_text_that_can_be_stored_and_reported(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    _config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    people = []
    for number, text in enumerate(HOSTILE.values()):
        user = sandbox_state.add_user(username=f"h{number}", name=text[:40] or "x",
                                      description=text, location=text[:30])
        sandbox_state.follow(user.id)
        sandbox_state.user_writes(user.id, text)
        people.append(user)
    clock.advance(timedelta(minutes=5))
    summary = run_tick(runtime)
    assert summary.error is None and summary.new_followers == len(HOSTILE)
    for user in people:
        contact = store.people.find_contact("demo", user_id=user.id)
        assert contact is not None and contact.name == clean_text(user.name)
    for event in sandbox_state.sent_by_account():
        assert "49" not in event.text and not any("\ud800" <= c <= "\udfff" for c in event.text)
    report = build_report(store, ["demo"], clock.now().date())
    page = html(report)
    assert "<script>alert(1)</script>" not in page
    json.loads(as_json(report))
    assert "dmguard daily summary" in markdown(report)


def test_audit_reads_hostile_jsonl_without_crashing(tmp_path: Path) -> None:
    lines = [json.dumps({"id": kind, "text": text}) for kind, text in HOSTILE.items()]
    lines.append('{"id": "raw escape", "text": "lone \\udc00 in the raw JSON"}')
    source = tmp_path / "hostile.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["audit", str(source), "--format", "jsonl"])
    assert result.exit_code in (0, 1), result.output
    out = [json.loads(line) for line in result.output.splitlines() if line.strip()]
    assert [row.get("id") for row in out] == [*HOSTILE, "raw escape"]
