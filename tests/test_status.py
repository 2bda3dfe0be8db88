"""`dmguard status` and `dmguard accounts resume`: what an operator sees and does."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner

from dmguard import writer_lease
from dmguard.cli import cli
from dmguard.clock import SimulatedClock, iso
from dmguard.platforms.sandbox.server import SandboxServer
from dmguard.platforms.sandbox.state import SandboxState
from dmguard.process import process_tag
from dmguard.status import status
from dmguard.store import NewMessage, Origin
from tests.conftest import add_person, config_file, world


def test_status_shows_pauses_ticks_states_deferrals_and_the_daemon(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    config, store, _runtime = world(tmp_path, clock, sandbox_state, sandbox)
    amy = add_person(store, sandbox_state, "Amy")
    later = iso(clock.now() + timedelta(hours=3))
    message_id = store.messages.add(
        NewMessage(account_id="demo", contact_id=amy.id, direction="out", origin=Origin.SUBMIT,
                   kind="campaign", text="hello", state="queued"), actor="test")
    store.messages.defer(message_id, later, "test", "quiet hours")
    store.accounts.pause("demo", "CreditsDepleted: out of credits")
    writer_lease.take(store, "host-a:42")
    report = status(store, config)
    (account,) = report.accounts
    assert account.paused and "credits" in account.paused
    assert account.last_tick_status == "ok"
    assert {line.state: line.count for line in account.messages}["queued"] == 1
    assert account.deferred == 1 and account.deferred_until == later
    assert report.daemon == "host-a:42"
    assert report.next_report.startswith("2026-11-24T08:00"), "09:00 now: tomorrow's 08:00"
    store.close()
    conf = config_file(tmp_path, db=config.store.path)
    result = CliRunner().invoke(cli, ["status", "--config", str(conf), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["accounts"][0]["paused"].startswith("CreditsDepleted")
    text = CliRunner().invoke(cli, ["status", "--config", str(conf)])
    assert "PAUSED" in text.output and "last tick" in text.output


def test_accounts_resume_checks_live_first(tmp_path: Path, clock: SimulatedClock,
                                           sandbox_state: SandboxState,
                                           sandbox: SandboxServer) -> None:
    config, store, _runtime = world(tmp_path, clock, sandbox_state, sandbox)
    store.accounts.pause("demo", "AuthBroken: refused")
    store.close()
    conf = config_file(tmp_path, db=config.store.path, sandbox_url=sandbox.url)
    sandbox_state.credentials = ("someone-else", "")
    refused = CliRunner().invoke(cli, ["accounts", "resume", "demo", "--config", str(conf)])
    assert refused.exit_code == 2 and "stays paused" in refused.output
    sandbox_state.credentials = None
    done = CliRunner().invoke(cli, ["accounts", "resume", "demo", "--config", str(conf)])
    assert done.exit_code == 0, done.output
    assert "resumed" in done.output
    unknown = CliRunner().invoke(cli, ["accounts", "resume", "nope", "--config", str(conf)])
    assert unknown.exit_code == 2 and "no account named 'nope'" in unknown.output


def test_resume_refused_for_another_user_says_what_to_do(tmp_path: Path, clock: SimulatedClock,
                                                         sandbox_state: SandboxState,
                                                         sandbox: SandboxServer) -> None:
    config, store, _runtime = world(tmp_path, clock, sandbox_state, sandbox)
    store.accounts.ensure("demo", "sandbox")
    store.accounts.set_identity("demo", "1", "someone_else", "Someone Else")
    store.accounts.pause("demo", "AccountChanged: the credentials sign in as another user")
    store.close()
    conf = config_file(tmp_path, db=config.store.path, sandbox_url=sandbox.url)
    refused = CliRunner().invoke(cli, ["accounts", "resume", "demo", "--config", str(conf)])
    assert refused.exit_code == 2
    assert "stays paused: the credentials sign in as user" in refused.output
    assert "give the account its own database (store.path) or its own credentials, then " \
           "`dmguard accounts resume NAME`" in refused.output


def test_status_on_a_mistyped_store_path_names_it_and_creates_nothing(tmp_path: Path) -> None:
    conf = config_file(tmp_path, db=tmp_path / "dmgaurd.db")
    for command in (["status"], ["users", "list"], ["tasks", "list"], ["tasks", "show", "1"],
                    ["report"], ["tasks", "done", "1"], ["tasks", "claim", "1"],
                    ["tasks", "reply", "1", "hi"], ["tasks", "notes", "1"],
                    ["users", "remove", "sam"], ["accounts", "resume", "demo"],
                    ["rules", "learned", "--reset", "--account", "demo"]):
        result = CliRunner().invoke(cli, [*command, "--config", str(conf)])
        assert (result.exit_code, result.output) == (
            2, f"dmguard: store.path = '{tmp_path / 'dmgaurd.db'}': no database there; "
               f"`dmguard {' '.join(command[:2])}` works on the daemon's database and creates "
               "none (check [store] path, or start the daemon with `dmguard run` to create it)\n"
        ), command
    assert not (tmp_path / "dmgaurd.db").exists()


def test_status_does_not_report_a_daemon_that_died_on_this_machine(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    config, store, _runtime = world(tmp_path, clock, sandbox_state, sandbox)
    host = process_tag().rpartition(":")[0]
    writer_lease.take(store, f"{host}:999999999")  # SIGKILLed: its lease is still fresh
    assert status(store, config).daemon is None
    assert status(store, config).daemon_heartbeat is None
    writer_lease.release(store, f"{host}:999999999")
    writer_lease.take(store, process_tag())
    report = status(store, config)
    assert report.daemon == process_tag() and report.daemon_heartbeat is not None
    store.close()
