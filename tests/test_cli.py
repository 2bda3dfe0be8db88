from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from dmguard.cli import cli
from dmguard.demo import run_demo
from tests.conftest import START, config_file, make_config

COMMANDS = ["demo", "run", "audit", "submit", "tasks", "messages", "report", "rules", "sandbox",
            "web", "users", "check-config"]


def tom_asks(tmp_path: Path) -> int:
    """A database at ``tmp_path/d.db`` where Tom wrote "hi?" to the demo account: the id
    of the reply task that opened."""
    from dmguard import tasks as queue
    from dmguard.clock import SystemClock
    from dmguard.store import Store

    store = Store.open(tmp_path / "d.db", SystemClock())
    store.accounts.ensure("demo", "sandbox")
    contact, _ = store.people.upsert_contact("demo", "1", name="Tom")
    task_id = queue.open_task(store, make_config(tmp_path), "demo", contact, "reply", "wrote",
                              text="hi?")
    store.close()
    assert task_id is not None
    return task_id


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert f"  {name}" in result.output


def _commands(command: click.Command, path: list[str]) -> Iterator[tuple[list[str], str]]:
    yield path, command.help or ""
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _commands(sub, [*path, name])


@pytest.mark.parametrize(("path", "doc"), list(_commands(cli, [])),
                         ids=lambda value: " ".join(value) if isinstance(value, list) else "")
def test_every_commands_help_shows_its_example_lines_as_written(path: list[str],
                                                                 doc: str) -> None:
    """click rewraps a paragraph into one unless a \\b line comes before it."""
    result = CliRunner().invoke(cli, [*path, "--help"], terminal_width=80)
    assert result.exit_code == 0
    _, found, example = doc.partition("Example:")
    assert found, f"dmguard {' '.join(path)} --help has no example"
    lines = [line.strip() for line in example.strip().splitlines()]
    assert lines[0] == "\b" and len(lines) > 1
    shown = [line.strip() for line in result.output.splitlines()]
    for line in lines[1:]:
        assert line in shown, f"{line!r} is rewrapped in dmguard {' '.join(path)} --help"


def test_rules_lists_the_catalogue() -> None:
    out = CliRunner().invoke(cli, ["rules"]).output
    assert "DG001  unfilled-placeholder" in out and "DG090  too-generic" in out


@pytest.mark.slow
def test_demo_runs_a_day_and_leaves_a_database(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    result = run_demo(config, START, progress=lambda _: None)
    account = result.report.accounts[0]
    assert account.inspected > 0 and account.sent > 0 and account.sent == account.sent_labelled
    assert account.held > 0 and account.blocked > 0
    assert account.tasks_opened > 0 and account.opt_outs == 1 and account.personal_replies == 1
    assert "dmguard daily summary" in result.markdown
    assert result.html_path.exists()
    conf = config_file(tmp_path, db=config.store.path)
    listed = CliRunner().invoke(cli, ["tasks", "list", "--config", str(conf), "--format",
                                      "json"])
    tasks = json.loads(listed.output)
    assert tasks and tasks[0]["priority"] >= tasks[-1]["priority"]
    shown = CliRunner().invoke(cli, ["tasks", "show", str(tasks[0]["id"]), "--config", str(conf)])
    assert "Why:" in shown.output
    report = CliRunner().invoke(cli, ["report", "--config", str(conf), "--date",
                                      result.report.day, "--format", "json"])
    assert json.loads(report.output)["accounts"][0]["opt_outs"] == 1
    done = CliRunner().invoke(cli, ["tasks", "dismiss", str(tasks[0]["id"]), "--config",
                                    str(conf), "--who", "sam"])
    assert done.exit_code == 0
    again = CliRunner().invoke(cli, ["tasks", "done", str(tasks[0]["id"]), "--config", str(conf)])
    assert again.exit_code == 2 and "already dismissed" in again.output


@pytest.mark.slow
def test_run_once_as_a_real_process(tmp_path: Path) -> None:
    conf = config_file(tmp_path)
    done = subprocess.run([sys.executable, "-m", "dmguard", "run", "--once", "--config",
                           str(conf), "--log-format", "json"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert any(line["message"].startswith("tick account=demo") for line in lines)
    assert not (tmp_path / "reports").exists(), "no finished day yet: no report (not today's)"


@pytest.mark.slow
def test_run_once_exits_1_when_a_job_failed_so_cron_notices(tmp_path: Path) -> None:
    """The emulator is not there: the tick fails with platform trouble, logged as a warning."""
    conf = config_file(tmp_path, sandbox_url="http://127.0.0.1:9")
    done = subprocess.run([sys.executable, "-m", "dmguard", "run", "--once", "--config",
                           str(conf), "--log-format", "json"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    tick = next(line for line in lines if line["message"].startswith("tick account=demo"))
    assert tick["level"] == "warning" and tick["account"] == "demo" and tick["status"] == "error"
    assert lines[-1]["level"] == "error" and lines[-1]["failed"] == ["tick demo"]


@pytest.mark.slow
def test_secrets_appear_in_no_log_report_or_row(tmp_path: Path) -> None:
    secrets = {f"DMGUARD_X_{name}": f"topsecret-{name.lower()}-9f3a" for name in
               ("CONSUMER_KEY", "CONSUMER_SECRET", "ACCESS_TOKEN", "ACCESS_TOKEN_SECRET",
                "BEARER_TOKEN")}
    secrets["DMGUARD_SMTP_PASSWORD"] = "topsecret-smtp-9f3a"
    conf = config_file(tmp_path)
    import os

    done = subprocess.run([sys.executable, "-m", "dmguard", "demo", "--config", str(conf)],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, **secrets})
    assert done.returncode == 0, done.stderr
    # the demo ends with the commands to try next, as this run wrote the program
    assert "Next: `python -m dmguard tasks list`" in done.stderr
    assert "`python -m dmguard report --date 20" in done.stderr
    everything = done.stdout + done.stderr
    everything += "".join(p.read_text() for p in (tmp_path / "reports").iterdir())
    everything += (tmp_path / "d.db").read_bytes().decode("utf-8", "replace")
    for value in secrets.values():
        assert value not in everything


def test_users_and_the_team_commands_of_tasks(tmp_path: Path) -> None:

    conf = config_file(tmp_path)
    runner = CliRunner()
    added = runner.invoke(cli, ["users", "add", "amy", "--role", "agent", "--account", "demo",
                                "--password-stdin", "--config", str(conf)],
                          input="correct horse battery\n")
    assert added.exit_code == 0, added.output
    short = runner.invoke(cli, ["users", "add", "bob", "--password-stdin", "--config",
                                str(conf)], input="short\n")
    assert short.exit_code == 2 and "at least 10" in short.output
    listed = json.loads(runner.invoke(cli, ["users", "list", "--format", "json", "--config",
                                            str(conf)]).output)
    assert listed[0]["name"] == "amy" and listed[0]["accounts"] == ["demo"]
    task_id = tom_asks(tmp_path)
    base = ["--config", str(conf)]
    assigned = runner.invoke(cli, ["tasks", "assign", str(task_id), "--to", "amy", "--who",
                                   "amy", *base])
    assert assigned.exit_code == 0 and "amy's" in assigned.output
    nobody = runner.invoke(cli, ["tasks", "assign", str(task_id), "--to", "zed", "--who",
                                 "amy", *base])
    assert nobody.exit_code == 2 and "no teammate named 'zed'" in nobody.output
    snoozed = runner.invoke(cli, ["tasks", "snooze", str(task_id), "--for", "2h", "--who",
                                  "amy", *base])
    assert snoozed.exit_code == 0 and "snoozed until" in snoozed.output
    noted = runner.invoke(cli, ["tasks", "notes", str(task_id), "--add", "called him",
                                "--who", "amy", "--format", "json", *base])
    assert json.loads(noted.output)[0]["text"] == "called him"
    shown = json.loads(runner.invoke(cli, ["tasks", "list", "--format", "json", *base]).output)
    assert shown[0]["claimed_by"] == "amy" and shown[0]["snoozed_until"]
    assert runner.invoke(cli, ["tasks", "unassign", str(task_id), "--who", "amy",
                               *base]).exit_code == 0
    removed = runner.invoke(cli, ["users", "remove", "amy", *base])
    assert removed.exit_code == 0


def test_tasks_done_refuses_a_teammates_conversation_until_claim_take_over(
        tmp_path: Path) -> None:
    """QA 2: `tasks claim 2 --who alice`, `tasks claim 2 --who bob` (exit 2), then
    `tasks done 2 --who bob` closed alice's conversation (exit 0)."""

    conf = config_file(tmp_path)
    task_id = str(tom_asks(tmp_path))
    runner = CliRunner()

    def run(*args: str) -> click.testing.Result:
        return runner.invoke(cli, ["tasks", *args, "--config", str(conf)])

    assert run("claim", task_id, "--who", "alice").exit_code == 0
    claimed = run("claim", task_id, "--who", "bob")
    hint = f"take it over first (`dmguard tasks claim {task_id} --take-over`)"
    assert claimed.exit_code == 2 and f"alice has this conversation; {hint}" in claimed.output
    for close in ("done", "dismiss"):
        refused = run(close, task_id, "--who", "bob")
        assert refused.exit_code == 2 and f"alice has this conversation; {hint}" in refused.output
        assert len(refused.output.strip().splitlines()) == 1 and "Traceback" not in refused.output
    listed = json.loads(run("list", "--format", "json").output)
    assert [(t["state"], t["claimed_by"]) for t in listed] == [("claimed", "alice")]
    taken = run("claim", task_id, "--who", "bob", "--take-over")
    assert taken.exit_code == 0 and "claimed by bob" in taken.output
    assert run("done", task_id, "--who", "bob").exit_code == 0
    assert run("list", "--format", "json").output.strip() == "[]"


@pytest.mark.parametrize("pragma", ["max_page_count = {pages}", "query_only = ON"],
                         ids=["full disk", "read-only"])
def test_a_full_disk_or_a_read_only_database_is_one_line_and_loses_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pragma: str) -> None:
    """SQLite's own limits stand in for a full disk and a read-only file (root ignores
    file modes): today's 41-line traceback becomes one line, exit 2."""
    from dmguard.clock import SystemClock
    from dmguard.store import Store
    from dmguard.store.connection import Connection

    conf = config_file(tmp_path)
    store = Store.open(tmp_path / "d.db", SystemClock())
    store.accounts.ensure("demo", "sandbox")
    for number in range(50):
        store.people.upsert_contact("demo", str(number), username=f"p{number}")
    store.close()
    opened = Connection.open

    def cramped(path: Path | str, clock: object) -> Connection:
        connection = opened(path, clock)  # type: ignore[arg-type]
        pages = connection.scalar("PRAGMA page_count")
        connection.execute("PRAGMA " + pragma.format(pages=pages))
        return connection

    monkeypatch.setattr(Connection, "open", staticmethod(cramped))
    lines = "\n".join(json.dumps({"text": f"Hello number {n}", "recipient": {"id": str(n)}})
                      for n in range(50))
    result = CliRunner().invoke(cli, ["submit", "-", "--config", str(conf)], input=lines)
    assert result.exit_code == 2, result.output
    *accepted, error = result.output.strip().splitlines()
    assert "cannot be written" in error and "Traceback" not in result.output
    assert all(json.loads(line)["state"] == "queued" for line in accepted), "those are stored"
    monkeypatch.undo()
    store = Store.open(tmp_path / "d.db", SystemClock())
    assert store.people.find_contact("demo", user_id="49") is not None, "nothing was lost"
    store.close()


@pytest.mark.parametrize("once", [["--once"], []], ids=["run --once", "run"])
def test_run_on_a_read_only_database_is_one_line_and_exit_2(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, once: list[str]) -> None:
    """QA: taking the writer lease is the daemon's first write; on a read-only file it was
    a StoreError traceback and exit 1 (query_only stands in for the file: root ignores
    file modes)."""
    import logging

    from dmguard.store.connection import Connection

    for name in ("dmguard", "apscheduler"):  # `run` sets up logging; put it back after
        logger = logging.getLogger(name)
        monkeypatch.setattr(logger, "handlers", list(logger.handlers))
        monkeypatch.setattr(logger, "propagate", logger.propagate)
        monkeypatch.setattr(logger, "level", logger.level)
    conf = config_file(tmp_path, created=True)
    opened = Connection.open

    def read_only(path: Path | str, clock: object) -> Connection:
        connection = opened(path, clock)  # type: ignore[arg-type]
        connection.execute("PRAGMA query_only = ON")
        return connection

    monkeypatch.setattr(Connection, "open", staticmethod(read_only))
    result = CliRunner().invoke(cli, ["run", *once, "--config", str(conf)])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-1].startswith(
        f"dmguard: {tmp_path / 'd.db'}: the database cannot be written (attempt to write a "
        "readonly database)")
    assert "Traceback" not in result.output


def test_a_database_another_process_keeps_locked_is_one_line_and_exit_2(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """QA: `tasks claim`, `users add` printed sqlite3's 'database is locked' traceback."""
    import sqlite3

    from dmguard.store import connection as connection_module

    conf = config_file(tmp_path)
    task_id = tom_asks(tmp_path)
    monkeypatch.setattr(connection_module, "BUSY_TIMEOUT", 0.2)  # SQLite waits 30 s
    other = sqlite3.connect(tmp_path / "d.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    busy = (f"dmguard: {tmp_path / 'd.db'}: the database is busy (another process is "
            "writing); try again\n")
    try:
        for command, given in ((["tasks", "claim", str(task_id), "--who", "amy"], None),
                               (["users", "add", "carl"], "correct horse battery\n")):
            result = CliRunner().invoke(cli, [*command, "--config", str(conf)], input=given)
            assert (result.exit_code, result.output) == (2, busy), command
    finally:
        other.close()
    claimed = CliRunner().invoke(cli, ["tasks", "claim", str(task_id), "--who", "amy",
                                       "--config", str(conf)])
    assert claimed.exit_code == 0, claimed.output


def test_report_out_into_a_missing_folder_is_one_line_and_exit_2(tmp_path: Path) -> None:
    conf = config_file(tmp_path, created=True)
    out = tmp_path / "missing" / "x.md"
    result = CliRunner().invoke(cli, ["report", "--config", str(conf), "--out", str(out)])
    assert (result.exit_code, result.output.strip()) == (
        2, f"dmguard: --out {out}: cannot write (No such file or directory)")


def test_report_out_names_a_file_not_a_folder_and_dash_is_standard_output(
        tmp_path: Path) -> None:
    conf = config_file(tmp_path, created=True)
    for folder in (f"{tmp_path / 'nope'}/", str(tmp_path)):
        result = CliRunner().invoke(cli, ["report", "--config", str(conf), "--out", folder])
        assert result.exit_code == 2, result.output
        assert result.output.startswith(f"dmguard: --out {folder}: is a folder; give a file name")
    assert not (tmp_path / "nope").exists(), "no file named like the folder was made"
    dash = CliRunner().invoke(cli, ["report", "--config", str(conf), "--out", "-"],
                              catch_exceptions=False)
    assert dash.exit_code == 0 and dash.stdout.startswith("#") and not Path("-").exists()


@pytest.mark.parametrize(("args", "named"), [(["--out", "x.html"], "--out"),
                                             (["--format", "html"], "--format")])
def test_report_deliver_refuses_out_and_format_it_would_ignore(
        tmp_path: Path, args: list[str], named: str) -> None:
    conf = config_file(tmp_path)
    result = CliRunner().invoke(cli, ["report", "--config", str(conf), "--deliver", *args])
    assert result.exit_code == 2
    assert result.output.strip() == (f"dmguard: --deliver writes md, html and json to the "
                                     f"configured reports folder and e-mails them, so it takes "
                                     f"no {named}: leave it out, or --deliver")
    assert not (tmp_path / "reports").exists()


@pytest.mark.parametrize(("day", "said"), [
    ("", "--date is empty: give a day, YYYY-MM-DD (leave --date out for today)"),
    ("20261124", "--date '20261124': use YYYY-MM-DD"),
    ("2026-02-30", "--date '2026-02-30': no such day (day is out of range for month)")])
def test_report_date_is_a_real_day_written_yyyy_mm_dd(tmp_path: Path, day: str,
                                                     said: str) -> None:
    """A new user's probe: an empty --date meant today, 20261124 was taken, and 2026-02-30
    was told to "use YYYY-MM-DD", which it does."""
    conf = config_file(tmp_path, created=True)
    result = CliRunner().invoke(cli, ["report", "--config", str(conf), "--date", day])
    assert (result.exit_code, result.output.strip()) == (2, f"dmguard: {said}")


def test_report_deliver_refuses_a_day_before_the_database(tmp_path: Path) -> None:
    """The README: days that ended before the database was created get no report; asked
    for one, --deliver wrote and would have e-mailed it."""
    conf = config_file(tmp_path, created=True)
    result = CliRunner().invoke(cli, ["report", "--config", str(conf), "--deliver",
                                      "--date", "2020-01-01"])
    assert result.exit_code == 2
    assert result.output.strip() == ("dmguard: --deliver: 2020-01-01 ended before this "
                                     "database was created; a day before it gets no report "
                                     "(leave out --deliver to see it)")
    assert not (tmp_path / "reports").exists()
    shown = CliRunner().invoke(cli, ["report", "--config", str(conf), "--date", "2020-01-01"])
    assert shown.exit_code == 0 and shown.stdout.startswith("#")


def test_report_deliver_says_once_what_failed_and_exits_non_zero(tmp_path: Path) -> None:
    """Before: an unreachable SMTP server was said twice and exited 0; an unwritable
    report folder was a 30-line traceback."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    conf = config_file(tmp_path)
    from dmguard.clock import SimulatedClock
    from dmguard.store import Store

    # a database from a week before, so that both days reported are after its start
    Store.open(tmp_path / "d.db", SimulatedClock(START - timedelta(days=7))).close()
    with conf.open("a", encoding="utf-8") as handle:
        handle.write(f'\n[report.email]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
                     'sender = "d@example.org"\nrecipients = ["o@example.org"]\n')
    args = ["report", "--config", str(conf), "--deliver", "--date", "2026-11-23"]
    mail = CliRunner().invoke(cli, args)
    assert mail.exit_code == 1
    problems = [line for line in mail.output.splitlines() if "failed" in line]
    assert len(problems) == 1 and problems[0].startswith(
        f"dmguard: e-mail to o@example.org via 127.0.0.1:{port} failed")
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be")
    text = conf.read_text().replace(f'dir = "{tmp_path / "reports"}"',
                                    f'dir = "{blocked / "reports"}"')
    conf.write_text(text.split("[report.email]")[0])
    folder = CliRunner().invoke(cli, [*args, "--date", "2026-11-22"])
    assert (folder.exit_code, folder.output) == (
        2, f"dmguard: report folder {blocked / 'reports'}: cannot write dmguard-2026-11-22.md "
           "(Not a directory); nothing was delivered, the daemon tries again in 15 minutes\n")


@pytest.mark.parametrize("bind", ["999.1.1.1", "not an address"])
def test_web_bind_option_is_checked_before_anything_starts(tmp_path: Path, bind: str) -> None:
    conf = config_file(tmp_path)
    result = CliRunner().invoke(cli, ["web", "--config", str(conf), "--bind", bind])
    assert (result.exit_code, result.output) == (
        2, f"dmguard: --bind {bind!r} is not an address to listen on: give an IP address such "
           "as 127.0.0.1, 0.0.0.0 or ::1, or a host name such as localhost\n")
    assert not (tmp_path / "d.db").exists(), "refused before the database is opened"


def test_users_add_refuses_an_unknown_account_and_reads_a_piped_password(
        tmp_path: Path) -> None:
    conf = config_file(tmp_path)
    runner = CliRunner()
    unknown = runner.invoke(cli, ["users", "add", "carl", "--account", "nosuch", "--config",
                                  str(conf)], input="correct horse battery\n")
    assert (unknown.exit_code, unknown.output) == (
        2, "dmguard: --account: no account named 'nosuch' in the configuration (known: demo)\n")
    piped = runner.invoke(cli, ["users", "add", "carl", "--config", str(conf)],
                          input="correct horse battery\n")
    assert (piped.exit_code, piped.output) == (0, "added carl (agent)\n"), \
        "a piped password is read as the help says, without --password-stdin"
    helped = runner.invoke(cli, ["users", "add", "--help"]).output
    assert "when standard input is not a terminal" in " ".join(helped.split())


def test_tasks_list_and_show_say_who_has_it_the_snooze_the_opt_out_and_the_notes(
        tmp_path: Path) -> None:
    """QA 4 (queue 2): the CLI printed "claimed" but not by whom, a snoozed task as plain
    "open", history without its notes, and never that the person opted out."""
    from datetime import timedelta

    from dmguard import actions
    from dmguard import tasks as queue
    from dmguard.clock import SystemClock, iso
    from dmguard.store import NewMessage, Origin, Store
    from dmguard.users import add_user

    conf = config_file(tmp_path)
    config = make_config(tmp_path)
    store = Store.open(tmp_path / "d.db", SystemClock())
    store.accounts.ensure("demo", "sandbox")
    for name in ("alice", "bob"):
        add_user(store, name, "agent", "correct horse battery")
    mei, _ = store.people.upsert_contact("demo", "1", name="Mei Chen", username="mei")
    zoe, _ = store.people.upsert_contact("demo", "2", name="Zoë Roe", username="zoe")
    stop = store.messages.add(NewMessage(account_id="demo", contact_id=zoe, direction="in",
                                         origin=Origin.PERSON, kind="inbound", text="STOP",
                                         state="received", sent_at=store.now()), actor="t")
    store.people.opt_out("demo", zoe, stop)
    mei_task = queue.open_task(store, config, "demo", mei, "reply", "wrote", text="hi?")
    zoe_task = queue.open_task(store, config, "demo", zoe, "reply", "wrote", text="hi?")
    assert mei_task and zoe_task
    actions.take(store, mei_task, "alice")
    actions.take(store, mei_task, "bob", take_over=True)
    until = store.clock.now() + timedelta(hours=4)
    actions.snooze(store, zoe_task, "bob", until)
    store.close()
    base = ["--config", str(conf)]
    runner = CliRunner()
    listed = runner.invoke(cli, ["tasks", "list", *base])
    assert listed.exit_code == 0, listed.output
    [mei_line] = [line for line in listed.output.splitlines() if "@mei" in line]
    [zoe_line] = [line for line in listed.output.splitlines() if "@zoe" in line]
    when = iso(until)[:16].replace("T", " ")
    assert "with bob" in mei_line and "nobody has it" in zoe_line
    assert f"snoozed until {when} UTC" in zoe_line and "due" not in zoe_line
    mei_shown = runner.invoke(cli, ["tasks", "show", str(mei_task), *base]).output
    assert "with bob" in mei_shown
    assert "claimed · bob — to bob (was alice)" in mei_shown
    assert "opted out" not in mei_shown
    zoe_shown = runner.invoke(cli, ["tasks", "show", str(zoe_task), *base]).output
    assert "nobody has it" in zoe_shown and f"Snoozed until {when} UTC" in zoe_shown
    assert "Opted out of automated messages" in zoe_shown
    assert f"snoozed · bob — until {when} UTC" in zoe_shown
    as_json = json.loads(runner.invoke(cli, ["tasks", "show", str(zoe_task), "--format",
                                             "json", *base]).output)
    assert as_json["opted_out"] is True and as_json["task"]["snoozed_until"]


def test_claim_names_a_teammate_as_assign_does(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """QA 5 (queue 2): `tasks claim 26 --who nobody_here` printed "claimed by nobody_here",
    while `tasks assign --to nobody_here` was refused. With no users at all, one person
    works from the command line under any name (their login name by default)."""
    import getpass

    from dmguard.clock import SystemClock
    from dmguard.store import Store
    from dmguard.users import add_user

    conf = config_file(tmp_path)
    task_id = tom_asks(tmp_path)
    base = [str(task_id), "--config", str(conf)]
    runner = CliRunner()
    monkeypatch.setattr(getpass, "getuser", lambda: "sam")
    alone = runner.invoke(cli, ["tasks", "claim", *base])
    assert alone.exit_code == 0 and alone.output == f"task {task_id} claimed by sam\n"
    assert runner.invoke(cli, ["tasks", "unassign", *base]).exit_code == 0
    store = Store.open(tmp_path / "d.db", SystemClock())
    for name in ("alice", "bob"):
        add_user(store, name, "agent", "correct horse battery")
    store.close()
    team = "(the team: alice, bob)"
    claimed = runner.invoke(cli, ["tasks", "claim", *base, "--who", "nobody_here"])
    assigned = runner.invoke(cli, ["tasks", "assign", *base, "--to", "nobody_here",
                                   "--who", "alice"])
    assert claimed.exit_code == assigned.exit_code == 2
    assert claimed.output == f"dmguard: --who: there is no teammate named 'nobody_here' {team}\n"
    assert assigned.output == f"dmguard: there is no teammate named 'nobody_here' {team}\n"
    login = runner.invoke(cli, ["tasks", "claim", *base])
    assert login.exit_code == 2 and login.output == (
        f"dmguard: --who: there is no teammate named 'sam' {team}; without --who you act as "
        "your login name, 'sam': give --who NAME\n")
    for command, *extra in (["done"], ["dismiss"], ["unassign"], ["snooze", "--for", "1h"],
                            ["notes", "--add", "called him"], ["reply", "Hi Tom!"],
                            ["release"]):
        refused = runner.invoke(cli, ["tasks", command, str(task_id), *extra, "--config",
                                      str(conf), "--who", "nobody_here"])
        assert refused.exit_code == 2, (command, refused.output)
        assert "no teammate named 'nobody_here'" in refused.output, command
    store = Store.open(tmp_path / "d.db", SystemClock())
    task = store.tasks.get(task_id or 0)
    assert task is not None and (task.state, task.claimed_by) == ("open", None)
    assert store.notes.about(task.contact_id) == []
    store.close()
    ok = runner.invoke(cli, ["tasks", "claim", *base, "--who", "bob"])
    assert ok.exit_code == 0 and "claimed by bob" in ok.output


def _task_database(tmp_path: Path) -> tuple[Path, int]:
    """A config and database with alice on the team and a reply task about Zoë."""
    from dmguard import tasks as queue
    from dmguard.clock import SystemClock
    from dmguard.store import Store
    from dmguard.users import add_user

    conf = config_file(tmp_path)
    store = Store.open(tmp_path / "d.db", SystemClock())
    store.accounts.ensure("demo", "sandbox")
    add_user(store, "alice", "admin", "correct horse battery")
    contact, _ = store.people.upsert_contact("demo", "1", name="Zoë Roe")
    task_id = queue.open_task(store, make_config(tmp_path), "demo", contact, "reply", "wrote",
                              text="hi?")
    store.close()
    assert task_id
    return conf, task_id


BAD = "caf\udce9 au lait"
"""What Python makes of the bytes ``caf\\xe9 au lait`` on a command line (Latin-1, not
UTF-8): the byte kept as U+DCE9, which nothing can store or print as UTF-8."""


@pytest.mark.parametrize(("args", "named"), [
    (["tasks", "reply", "{task}", BAD, "--who", "alice"], "the reply"),
    (["tasks", "reply", "{task}", "--canned", BAD, "--who", "alice"], "--canned"),
    (["tasks", "reply", "{task}", "Hi Zoë", "--who", BAD], "--who"),
    (["tasks", "notes", "{task}", "--add", BAD, "--who", "alice"], "--add"),
    (["tasks", "release", "{task}", "--text", BAD, "--who", "alice"], "--text"),
    (["tasks", "done", "{task}", "--note", BAD, "--who", "alice"], "--note"),
    (["tasks", "dismiss", "{task}", "--note", BAD, "--who", "alice"], "--note"),
    (["tasks", "claim", "{task}", "--who", BAD], "--who"),
    (["tasks", "assign", "{task}", "--to", BAD, "--who", "alice"], "--to"),
    (["tasks", "unassign", "{task}", "--who", BAD], "--who"),
    (["tasks", "snooze", "{task}", "--for", BAD, "--who", "alice"], "--for"),
    (["users", "add", BAD, "--password-stdin"], "the user name"),
    (["users", "add", "zedd", "--account", BAD, "--password-stdin"], "--account"),
    (["users", "remove", BAD], "the user name"),
    (["accounts", "resume", BAD], "the account name"),
    (["audit", "--account", BAD], "--account"),
    (["audit", "--sent", "--since", BAD], "--since"),
    (["submit", "--account", BAD], "--account"),
    (["rules", "learned", "--account", BAD], "--account"),
    (["report", "--date", BAD], "--date"),
    (["auth", "x", "--account", BAD], "--account"),
    (["run", "--wait-for-lease", BAD], "--wait-for-lease"),
    (["web", "--bind", BAD], "--bind"),
])
def test_text_that_is_not_utf8_on_the_command_line_is_one_line(
        tmp_path: Path, args: list[str], named: str) -> None:
    """QA 7 (queue 2): non-UTF-8 bytes in a reply, a note or a password were a traceback
    (UnicodeEncodeError: surrogates not allowed), exit 1; `audit` and `submit` already
    named such bytes in one line."""
    conf, task_id = _task_database(tmp_path)
    argv = [arg.replace("{task}", str(task_id)) for arg in args]
    result = CliRunner().invoke(cli, [*argv, "--config", str(conf)],
                                input="correct horse battery\n")
    assert result.exit_code == 2, (result.output, result.exception)
    assert result.output == f"dmguard: {named} is not UTF-8 text (byte 0xE9 at column 4)\n"


def test_a_password_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    conf, _ = _task_database(tmp_path)
    result = CliRunner().invoke(cli, ["users", "add", "zedd", "--config", str(conf)],
                                input=b"pass\xffword-long-123\n")
    assert result.exit_code == 2, (result.output, result.exception)
    assert result.output == ("dmguard: the password is not UTF-8 text (byte 0xFF at column "
                             "5)\n")


def test_bytes_that_are_not_utf8_in_a_real_command_line_or_pipe(tmp_path: Path) -> None:
    """As the tester typed them: the bytes in the arguments, the password piped."""
    conf, task_id = _task_database(tmp_path)
    dmguard = [sys.executable, "-m", "dmguard"]
    reply = subprocess.run([*dmguard, "tasks", "reply", str(task_id),
                            b"Hi Zo\xeb, the workshop is on", "--who", "alice", "--config",
                            str(conf)], capture_output=True, timeout=60)
    note = subprocess.run([*dmguard, "tasks", "notes", str(task_id), "--add", b"caf\xe9 note",
                           "--who", "alice", "--config", str(conf)], capture_output=True,
                          timeout=60)
    password = subprocess.run([*dmguard, "users", "add", "zedd", "--config", str(conf)],
                              input=b"pass\xffword-long-123\n", capture_output=True, timeout=60)
    assert (reply.returncode, reply.stderr) == (
        2, b"dmguard: the reply is not UTF-8 text (byte 0xEB at column 6)\n")
    assert (note.returncode, note.stderr) == (
        2, b"dmguard: --add is not UTF-8 text (byte 0xE9 at column 4)\n")
    assert (password.returncode, password.stderr) == (
        2, b"dmguard: the password is not UTF-8 text (byte 0xFF at column 5)\n")


@pytest.mark.parametrize("duration", ["forever", "now", "0"])
def test_a_snooze_needs_a_length_of_time(tmp_path: Path, duration: str) -> None:
    """A new user's probe: `--for forever` suggested 'now' and '3 days later'."""
    conf, task_id = _task_database(tmp_path)
    result = CliRunner().invoke(cli, ["tasks", "snooze", str(task_id), "--for", duration,
                                      "--who", "alice", "--config", str(conf)])
    assert result.exit_code == 2
    assert f"--for {duration!r}: how long to snooze" in result.output


@pytest.mark.parametrize("lines", [3, 2_500], ids=["one process", "one process per core"])
def test_output_closed_early_ends_quietly_with_the_sigpipe_code(tmp_path: Path,
                                                                 lines: int) -> None:
    """`dmguard audit … | head -1`: the reader goes away; no traceback, and not exit 1
    ("a line could not be read"), but 141, as a shell reports a command a closed pipe
    ended. The large file is the one audited by forked workers."""
    from dmguard.cli import OUTPUT_CLOSED

    batch = tmp_path / "drafts.jsonl"
    batch.write_text("".join(json.dumps({"id": str(n), "text": f"Hi there, offer number {n}! "
                                         "Check out our shop now."}) + "\n"
                             for n in range(lines)), encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "dmguard", "audit", str(batch)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline()
    process.stdout.close()
    errors = process.stderr.read().decode()
    assert process.wait(timeout=120) == OUTPUT_CLOSED, errors
    assert errors == ""


def test_a_broken_connection_elsewhere_is_not_taken_for_a_closed_output(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Only a reader that went away ends quietly: a broken pipe with standard output still
    open is an error to show."""
    def breaks() -> None:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setitem(cli.commands, "breaks", click.Command("breaks", callback=breaks))
    result = CliRunner().invoke(cli, ["breaks"])
    assert result.exit_code == 1
    assert "Error: a connection broke: [Errno 32] Broken pipe" in result.output


@pytest.mark.parametrize("command", [
    ["show"], ["reply", "{id}", "hi"], ["claim"], ["done"], ["dismiss"], ["release"],
    ["snooze", "{id}", "--for", "1h"], ["notes"], ["assign", "{id}", "--to", "amy"],
    ["unassign"]], ids=lambda command: command[0])
def test_a_task_id_past_what_sqlite_holds_is_a_usage_error(command: list[str]) -> None:
    """A new user's probe: `tasks show 99999999999999999999` ended in an OverflowError
    traceback from SQLite, for every command that takes a task id."""
    huge = "99999999999999999999"
    args = [huge if part == "{id}" else part for part in command]
    if "{id}" not in command:
        args.insert(1, huge)
    result = CliRunner().invoke(cli, ["tasks", *args])
    assert result.exit_code == 2, result.output
    assert f"{huge} is not in the range 1<=x<=9223372036854775807" in result.output
    assert not isinstance(result.exception, OverflowError)


def test_messages_waiting_lists_and_settle_settles(tmp_path: Path) -> None:
    from dmguard.clock import SimulatedClock
    from dmguard.store import Store
    from tests.test_outbox import _waiting_reply

    conf = config_file(tmp_path)
    store = Store.open(tmp_path / "d.db", SimulatedClock(START))
    _task, message_id = _waiting_reply(store, make_config(tmp_path))
    store.close()
    listed = CliRunner().invoke(cli, ["messages", "waiting", "--config", str(conf)])
    assert listed.exit_code == 0
    assert listed.stdout.startswith(f"{message_id}  demo  to @diego  personal reply  since ")
    settled = CliRunner().invoke(cli, ["messages", "settle", str(message_id), "--lost",
                                       "--who", "sam", "--config", str(conf)])
    assert (settled.exit_code, settled.stdout) == (0, f"message {message_id}: failed\n")
    again = CliRunner().invoke(cli, ["messages", "settle", str(message_id), "--arrived",
                                     "--who", "sam", "--config", str(conf)])
    assert (again.exit_code, again.output) == (
        2, f"dmguard: message {message_id} is failed, not waiting for a person\n")
    empty = CliRunner().invoke(cli, ["messages", "waiting", "--config", str(conf)])
    assert (empty.exit_code, empty.stdout, empty.stderr) == (0, "", "no message waits for a "
                                                                    "person\n")


def test_tasks_show_says_its_reply_waits_for_a_person(tmp_path: Path) -> None:
    from dmguard.clock import SimulatedClock
    from dmguard.store import Store
    from tests.test_outbox import _waiting_reply

    conf = config_file(tmp_path)
    store = Store.open(tmp_path / "d.db", SimulatedClock(START))
    task_id, message_id = _waiting_reply(store, make_config(tmp_path))
    store.close()
    shown = CliRunner().invoke(cli, ["tasks", "show", str(task_id), "--config", str(conf)])
    assert shown.exit_code == 0
    assert (f"Reply {message_id} (needs attention: not listed, history starts later; not sent "
            f"again; look on the platform, then `dmguard messages settle {message_id} "
            "--arrived` (or `--lost`)): Hi Diego, I'll hold a seat.") in shown.stdout


def test_rules_with_a_config_shows_what_it_sets_and_its_errors_first(tmp_path: Path) -> None:
    """A new user's probe: `rules --config` listed DG010 as hold and DG044 as warn with a
    config that switched DG010 off and made DG044 block; and with a config that could not be
    read it printed the whole catalogue and a dangling header before the error."""
    conf = config_file(tmp_path)
    with conf.open("a", encoding="utf-8") as handle:
        handle.write('\n[audit.rules.DG010]\nenabled = false\n[audit.rules.DG044]\n'
                     'severity = "block"\n')
    shown = CliRunner().invoke(cli, ["rules", "--config", str(conf)])
    assert shown.exit_code == 0
    lines = {line[:5]: line for line in shown.stdout.splitlines()}
    assert lines["DG010"].split()[2] == "off*" and lines["DG044"].split()[2] == "block*"
    assert lines["DG001"].split()[2] == "block", "what the config leaves alone is unmarked"
    assert f"* as {conf} sets it ([audit.rules])" in shown.stdout
    missing = CliRunner().invoke(cli, ["rules", "--config", str(tmp_path / "nope.toml")])
    assert missing.exit_code == 2
    assert missing.stdout == "" and "config file not found" in missing.output


@pytest.mark.parametrize("rate", ["nan", "NaN", "1.5", "-0.1"])
def test_a_fault_rate_is_a_number_from_0_to_1(rate: str) -> None:
    """A new user's probe: `sandbox serve --fault-rate nan` was taken (click's range lets NaN
    through)."""
    result = CliRunner().invoke(cli, ["sandbox", "serve", "--fault-rate", rate, "--port", "0"])
    assert result.exit_code == 2
    assert "Invalid value for '--fault-rate'" in result.output
