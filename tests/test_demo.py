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
