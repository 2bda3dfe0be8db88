"""The daemon as a real process: it ticks, and SIGTERM ends it cleanly."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dmguard.clock import SimulatedClock, SystemClock
from dmguard.daemon import JobContext, missed_report_day, report_job
from tests.conftest import START, config_file


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


def test_a_missed_report_is_written_once(tmp_path: Path) -> None:
    from dmguard.config import load_config

    conf = config_file(tmp_path)
    config = load_config(conf)
    clock = SimulatedClock(START)
    day = missed_report_day(config, clock)
    assert day is not None and day < START.date()
    report_job(JobContext(str(conf), {}, clock), day)
    assert (tmp_path / "reports" / f"dmguard-{day.isoformat()}.html").exists()
    assert missed_report_day(config, clock) is None


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
