"""The injected time source.

Logic never calls ``datetime.now()`` itself: it is handed a :class:`Clock`, so the
daemon uses the wall clock while tests and the demo run simulated days.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None:
        """Wait (a retry's backoff): real time on the wall clock, simulated time otherwise."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class SimulatedClock:
    """A clock that only moves when told to; safe to share between threads."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("SimulatedClock needs a timezone-aware start time")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        self.advance(timedelta(seconds=seconds))

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now += delta
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when.astimezone(UTC)


def iso(when: datetime) -> str:
    """UTC ISO-8601 with seconds, the format of every ``*_at`` column."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


#: Longer than any delay, target or window dmguard has a use for; past it is a typo.
MAX_DURATION = timedelta(days=3650)


def parse_duration(text: str) -> timedelta:
    """Parse ``"now"``, ``"90s"``, ``"15m"``, ``"4h"``, ``"3d"``, ``"3 days later"``."""
    import re

    cleaned = text.strip().lower().removesuffix("later").strip()
    if cleaned in ("now", "0", "immediately"):
        return timedelta(0)
    match = re.fullmatch(
        r"(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?|w|weeks?)",
        cleaned,
    )
    if not match:
        raise ValueError(
            f"cannot read duration {text!r}: use 'now' or a number with s, m, h, d or w "
            "(e.g. '15m', '3 days later')"
        )
    amount = float(match.group(1))
    unit = match.group(2)[0]
    seconds = amount * {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[unit]
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError(f"duration {text!r} is longer than {MAX_DURATION.days} days")
    return timedelta(seconds=seconds)


def local_date(clock: Clock, zone: str, *, days_ago: int = 0) -> date:
    """The calendar date in a time zone, ``days_ago`` days before the clock's now."""
    from zoneinfo import ZoneInfo

    return (clock.now().astimezone(ZoneInfo(zone)) - timedelta(days=days_ago)).date()
