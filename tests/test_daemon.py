"""The daemon as a real process: it ticks, and SIGTERM ends it cleanly."""

from __future__ import annotations

import logging
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dmguard import writer_lease
from dmguard.clock import Clock, SimulatedClock, SystemClock, iso
from dmguard.config import load_config_text
from dmguard.daemon import (
    ConfigWatch,
    JobContext,
    alerts_job,
    heartbeat_job,
    report_job,
    run_daemon,
    send_job,
    tick_job,
)
from dmguard.platforms.sandbox.server import SandboxServer
from dmguard.store import Store
from tests.conftest import START, config_file
from tests.report.test_delivery import Inbox, free_port


def wait_for(process: subprocess.Popen[str], text: str, seconds: float) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + seconds
    assert process.stderr is not None
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if text in line:
            return seen
    raise AssertionError(f"{text!r} not logged within {seconds}s: {''.join(seen)[-2000:]}")


@pytest.mark.slow
def test_daemon_ticks_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    conf = config_file(tmp_path)
    process = subprocess.Popen([sys.executable, "-m", "dmguard", "run", "--config", str(conf)],
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                               cwd=tmp_path)
    try:
        wait_for(process, "tick account=demo", 60)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    rows = sqlite3.connect(tmp_path / "d.db").execute(
        "SELECT job, status FROM runs WHERE job = 'tick'").fetchall()
    assert rows and rows[0] == ("tick", "ok")
    contacts = sqlite3.connect(tmp_path / "d.db").execute("SELECT COUNT(*) FROM contacts")
    assert contacts.fetchone()[0] > 0, "the first tick synced the sandbox's followers"


@pytest.mark.slow
def test_a_bad_edit_of_the_config_is_one_line_and_the_daemon_keeps_its_lease(
        tmp_path: Path) -> None:
    conf = config_file(tmp_path)
    conf.write_text(conf.read_text().replace('spacing = "60s"', 'spacing = "1s"'))
    process = subprocess.Popen([sys.executable, "-m", "dmguard", "run", "--config", str(conf)],
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                               cwd=tmp_path)
    try:
        wait_for(process, "tick account=demo", 60)
        with conf.open("a", encoding="utf-8") as handle:
            handle.write("garbage = [\n")
        edited = iso(SystemClock().now())
        after = wait_for(process, "restart the daemon to apply it", 10)
        time.sleep(writer_lease.HEARTBEAT.total_seconds() + 3)
        (renewed,) = sqlite3.connect(tmp_path / "d.db").execute(
            "SELECT heartbeat_at FROM leases").fetchone()
        assert renewed > edited, "the lease was renewed after the edit"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert process.stderr is not None
        after += process.stderr.readlines()
    finally:
        if process.poll() is None:
            process.kill()
    text = "".join(after)
    assert "Traceback" not in text and "crashed" not in text, text[-2000:]
    assert text.count("changed;") == 1, text[-2000:]


@pytest.fixture
def mail() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def context_for(conf: Path, clock: Clock, urls: dict[str, str] | None = None) -> JobContext:
    config, text = load_config_text(conf)
    return JobContext(str(conf), urls or {}, clock, config, text)


def add_email(conf: Path, port: int) -> None:
    with conf.open("a", encoding="utf-8") as handle:
        handle.write(f'\n[report.email]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
                     'sender = "dmguard@example.org"\nrecipients = ["owner@example.org"]\n')


def test_run_once_delivers_the_finished_day_once_never_today(
        tmp_path: Path, sandbox: SandboxServer, mail: tuple[Inbox, int]) -> None:
    """Cron mode: each run delivers what is due and not delivered yet. The day the
    database was created on is reported once, the morning after report_time, by the
    first run then; never a day still going, never the same day twice."""
    inbox, port = mail
    conf = config_file(tmp_path, sandbox_url=sandbox.url)
    add_email(conf, port)
    clock = SimulatedClock(START)  # 2026-11-23 09:00 UTC, report_time 08:00
    config, text = load_config_text(conf)

    def once() -> int:
        return run_daemon(str(conf), config, {}, clock, once=True, config_text=text)

    assert once() == 0 and once() == 0
    assert inbox.messages == [], "no report for today, nor for days before the database"
    clock.set(START.replace(day=24, hour=7, minute=59))
    assert once() == 0 and inbox.messages == [], "before report_time: not due yet"
    clock.set(START.replace(day=24, hour=8, minute=5))
    assert once() == 0 and once() == 0
    assert [m["Subject"] for m in inbox.messages] == ["dmguard daily summary 2026-11-23"]
    assert (tmp_path / "reports" / "dmguard-2026-11-23.md").exists()
    assert not (tmp_path / "reports" / "dmguard-2026-11-24.md").exists()


def test_run_once_after_an_outage_delivers_every_missed_day_once(
        tmp_path: Path, sandbox: SandboxServer, mail: tuple[Inbox, int]) -> None:
    inbox, port = mail
    conf = config_file(tmp_path, sandbox_url=sandbox.url)
    add_email(conf, port)
    clock = SimulatedClock(START)
    config, text = load_config_text(conf)
    assert run_daemon(str(conf), config, {}, clock, once=True, config_text=text) == 0
    clock.set(START.replace(day=26, hour=8, minute=5))  # cron was off for three days
    for _ in range(2):
        assert run_daemon(str(conf), config, {}, clock, once=True, config_text=text) == 0
    assert [m["Subject"] for m in inbox.messages] == [
        f"dmguard daily summary 2026-11-{day}" for day in (23, 24, 25)]


def test_a_restart_before_report_time_does_not_deliver_early_or_twice(tmp_path: Path) -> None:
    conf = config_file(tmp_path)
    clock = SimulatedClock(START)
    context = context_for(conf, clock)
    assert report_job(context) is True
    assert not (tmp_path / "reports").exists(), "a new database has no yesterday to report"
    clock.set(START.replace(day=24, hour=7))  # a restart before report_time
    assert report_job(context) is True
    assert not (tmp_path / "reports").exists(), "the 23rd is not due before 08:00"
    clock.set(START.replace(day=24, hour=8, minute=1))
    assert report_job(context) is True
    written = tmp_path / "reports" / "dmguard-2026-11-23.html"
    first = written.stat().st_mtime_ns
    clock.set(START.replace(day=24, hour=10))  # restarted again, and the job runs again
    assert report_job(context_for(conf, clock)) is True
    assert written.stat().st_mtime_ns == first, "delivered once"
    store = Store.open(tmp_path / "d.db", clock)
    try:
        assert [run.status for run in store.runs.of_job("report")] == ["ok"]
    finally:
        store.close()


def test_the_jobs_run_on_the_config_they_started_with(
        tmp_path: Path, sandbox: SandboxServer, caplog: pytest.LogCaptureFixture) -> None:
    """A bad edit of the file does not reach a running daemon's jobs (the heartbeat
    least of all); it is logged once, and a restart applies the file."""
    conf = config_file(tmp_path, sandbox_url=sandbox.url)
    clock = SimulatedClock(START)
    context = context_for(conf, clock)
    watch = ConfigWatch(conf)
    assert watch.check() is False
    with conf.open("a", encoding="utf-8") as handle:
        handle.write("garbage = [\n")
    heartbeat_job(context)
    summary = tick_job(context, "demo")
    assert summary is not None and summary.error is None
    send_job(context, "demo")
    alerts_job(context)
    assert report_job(context) is True
    with caplog.at_level("WARNING", logger="dmguard.daemon"):
        assert watch.check() is True
        assert watch.check() is False, "once per edit, not once a second"
    (line,) = [r.getMessage() for r in caplog.records if "changed" in r.getMessage()]
    assert str(conf) in line and "restart" in line


def test_a_tick_cut_short_by_platform_trouble_is_brought_forward() -> None:
    from datetime import UTC, datetime, timedelta

    from apscheduler.schedulers.background import BackgroundScheduler

    from dmguard import daemon

    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.start(paused=True)
    try:
        scheduler.add_job(print, "interval", hours=1, id="tick-demo")
        daemon._scheduler = scheduler
        daemon._bring_forward("tick-demo", 30, SystemClock())
        due = scheduler.get_job("tick-demo").next_run_time
        assert due - datetime.now(UTC) < timedelta(seconds=31)
        daemon._bring_forward("tick-demo", 600, SystemClock())
        assert scheduler.get_job("tick-demo").next_run_time == due, "never pushed later"
    finally:
        daemon._scheduler = None
        scheduler.shutdown(wait=False)


def test_the_daemon_says_at_start_what_check_config_warns_about(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    conf = config_file(tmp_path)
    conf.write_text(conf.read_text().replace("tick_minutes = 5", "tick_minutes = 1"))
    config, text = load_config_text(conf)
    assert config.daemon.tick_minutes == 1
    with caplog.at_level(logging.WARNING, logger="dmguard"):
        run_daemon(str(conf), config, {}, SimulatedClock(START), once=True, config_text=text)
    assert [r.getMessage() for r in caplog.records if "tick_minutes = 1" in r.getMessage()]


def test_a_failed_report_process_is_one_log_line_not_a_cut_off_traceback() -> None:
    from dmguard.daemon import _problem_of

    assert _problem_of("wrote a.md\ndmguard: e-mail to o@example.org failed: refused\n") == (
        "e-mail to o@example.org failed: refused")
    traceback = "Traceback (most recent call last):\n  File \"x.py\", line 1\n" \
                "OSError: [Errno 28] No space left on device\n"
    assert _problem_of(traceback) == "OSError: [Errno 28] No space left on device"
    assert _problem_of("") == "(no output)"


def test_a_job_that_finds_the_database_busy_runs_again_and_is_not_a_crash(
        tmp_path: Path, sandbox: SandboxServer, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite waits out another writer (the busy timeout); past it the job fails with the
    store's StoreBusy, logged as one warning line, and the next tick does the work."""
    from types import SimpleNamespace

    from dmguard import daemon
    from dmguard.store import StoreBusy
    from dmguard.store import connection as connection_module

    conf = config_file(tmp_path, sandbox_url=sandbox.url, created=True)
    context = context_for(conf, SimulatedClock(START))
    monkeypatch.setattr(connection_module, "BUSY_TIMEOUT", 0.2)
    other = sqlite3.connect(tmp_path / "d.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreBusy) as busy:
            tick_job(context, "demo")
    finally:
        other.close()
    with caplog.at_level("WARNING", logger="dmguard.daemon"):
        daemon._job_failed(SimpleNamespace(job_id="tick-demo", exception=busy.value))
    (record,) = caplog.records
    assert record.levelname == "WARNING" and record.exc_info is None
    assert record.getMessage() == (f"job tick-demo: {tmp_path / 'd.db'}: the database is busy "
                                   "(another process is writing); try again; it runs again at "
                                   "its next turn")
    summary = tick_job(context, "demo")
    assert summary is not None and summary.error is None


def test_run_once_writes_every_missed_day_even_when_the_e_mail_fails(
        tmp_path: Path, sandbox: SandboxServer) -> None:
    """QA: run --once stopped at the first failed day, so later days' files never came."""
    conf = config_file(tmp_path, sandbox_url=sandbox.url)
    add_email(conf, free_port())  # nothing listens there
    clock = SimulatedClock(START)
    config, text = load_config_text(conf)
    assert run_daemon(str(conf), config, {}, clock, once=True, config_text=text) == 0
    clock.set(START.replace(day=26, hour=8, minute=5))
    assert run_daemon(str(conf), config, {}, clock, once=True, config_text=text) == 1
    written = sorted(path.name for path in (tmp_path / "reports").glob("*.md"))
    assert written == [f"dmguard-2026-11-{day}.md" for day in (23, 24, 25)]
