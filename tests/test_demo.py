"""The demo's day lies in the past: it ends at the moment the demo is run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dmguard.clock import SimulatedClock, parse_iso
from dmguard.demo import demo_zone, run_demo
from dmguard.store import Store
from tests.conftest import START, make_config


@pytest.mark.parametrize("hour", range(24))
def test_the_demo_zone_puts_now_between_22_and_23(hour: int) -> None:
    now = datetime(2026, 11, 24, hour, 55, tzinfo=UTC)
    local = now.astimezone(ZoneInfo(demo_zone(now)))
    assert local.hour == 22
    start = (now - timedelta(hours=16)).astimezone(ZoneInfo(demo_zone(now)))
    assert start.date() == local.date() and start.hour == 6


@pytest.mark.slow
def test_everything_the_demo_writes_is_in_the_past(tmp_path: Path) -> None:
    """Issue 15: run at 00:55, the demo wrote its day at 06:00-22:00, hours ahead."""
    config = make_config(tmp_path)
    now = START.replace(hour=0, minute=55)
    run_demo(config, now, progress=lambda _: None)
    store = Store.open(config.store.path, SimulatedClock(now))
    try:
        newest = [store.connection.scalar(f"SELECT MAX({column}) FROM {table}")
                  for table, column in (("message_transitions", "at"), ("tasks", "created_at"),
                                        ("runs", "started_at"), ("api_calls", "at"))]
    finally:
        store.close()
    assert all(parse_iso(stamp) <= now for stamp in newest), newest


def _database_with_a_row(path: Path, clock: SimulatedClock) -> Store:
    store = Store.open(path, clock)
    store.accounts.ensure("demo", "sandbox")
    return store


def test_the_demo_keeps_the_database_it_replaces_with_what_its_log_held(tmp_path: Path) -> None:
    """QA: the demo moved the file and deleted its -wal unread, and a second demo
    overwrote the one backup."""
    from dmguard.demo import _fresh_database

    config = make_config(tmp_path)
    path = Path(config.store.path)
    live = _database_with_a_row(path, SimulatedClock(START))  # still open: the row is in the -wal
    try:
        told = _fresh_database(path, config, START)
    finally:
        live.close()
    (backup,) = tmp_path.rglob("*.bak")
    assert told == backup, "the demo names the copy it kept"
    kept = Store.open(backup, SimulatedClock(START))
    try:
        assert kept.accounts.get("demo") is not None
    finally:
        kept.close()
    assert not path.exists()
    _database_with_a_row(path, SimulatedClock(START)).close()
    _fresh_database(path, config, START + timedelta(minutes=5))
    assert len(list(tmp_path.rglob("*.bak"))) == 2


def test_the_demo_leaves_alone_a_database_a_daemon_is_using(tmp_path: Path) -> None:
    from dmguard import writer_lease
    from dmguard.demo import DemoError, _fresh_database
    from dmguard.process import process_tag

    config = make_config(tmp_path)
    path = Path(config.store.path)
    store = _database_with_a_row(path, SimulatedClock(START))
    writer_lease.take(store, process_tag())
    store.close()
    with pytest.raises(DemoError, match=r"daemon .* is using"):
        _fresh_database(path, config, START + timedelta(seconds=10))
    assert path.exists() and not list(tmp_path.rglob("*.bak"))
    _fresh_database(path, config, START + writer_lease.TTL * 2)  # the lease ran out
    assert not path.exists()
