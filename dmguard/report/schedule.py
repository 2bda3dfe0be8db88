"""When a day's report is due, and whether it still has to be delivered.

A day's report is due once the day is over *and* the next day's ``report_time`` has
passed, in the report's time zone. It is delivered once (:func:`delivery.deliver_once`
records that in the store), by the daemon or by `run --once`, whichever comes first;
a failed attempt is tried again after :data:`delivery.RETRY_AFTER`. Days that ended
before the database was created have nothing to report and are never delivered.
After an outage the days missed are delivered too, oldest first, as far back as
:data:`CATCH_UP_DAYS`: each day's report is its own (a week-old report still says what
happened that day), and an owner back from a week away reads them in order.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dmguard.clock import iso, parse_iso
from dmguard.report.data import day_bounds
from dmguard.report.delivery import REPORT_JOB, RETRY_AFTER, run_key
from dmguard.store import Store

#: The earliest day a report can be asked for (before it, no X, no dmguard).
FIRST_DAY = date(2000, 1, 1)
CATCH_UP_DAYS = 7
"""How many due days (the latest included) are still delivered when they were missed."""


def latest_due_day(now: datetime, zone: str, report_time: str) -> date:
    """The most recent day whose report is due at ``now``: yesterday once today's
    ``report_time`` has passed, the day before yesterday until then."""
    local = now.astimezone(ZoneInfo(zone))
    hour, minute = (int(part) for part in report_time.split(":"))
    passed = (local.hour, local.minute) >= (hour, minute)
    return local.date() - timedelta(days=1 if passed else 2)


def day_is_over(day: date, zone: str, now: datetime) -> bool:
    return day_bounds(day, zone)[1] <= iso(now)


def before_database(store: Store, day: date, zone: str) -> bool:
    """Whether ``day`` ended before this database existed (nothing can have happened)."""
    started = store.runs.database_started_at()
    return started is not None and day_bounds(day, zone)[1] <= started


def day_to_deliver(store: Store, zone: str, report_time: str) -> date | None:
    """The day whose report should be delivered now, or None: the oldest of the last
    :data:`CATCH_UP_DAYS` due days that is not delivered, not before the database, and not
    an attempt that is running or failed a moment ago."""
    now = store.clock.now()
    latest = latest_due_day(now, zone, report_time)
    for back in range(CATCH_UP_DAYS - 1, -1, -1):
        day = latest - timedelta(days=back)
        if before_database(store, day, zone):
            continue
        last = store.runs.last_with_summary(REPORT_JOB, run_key(day.isoformat()))
        if last is None or (last.status != "ok"
                            and now - parse_iso(last.started_at) >= RETRY_AFTER):
            return day
    return None


def check_report_day(day: date, zone: str, now: datetime) -> str | None:
    """Why a report cannot be made for ``day`` (one line), or None when it can."""
    today = now.astimezone(ZoneInfo(zone)).date()
    if day < FIRST_DAY:
        return f"{day.isoformat()} is out of range: give a day from {FIRST_DAY.isoformat()} on"
    if day > today:
        return (f"{day.isoformat()} is in the future (today is {today.isoformat()} in {zone}): "
                "nothing has happened on it yet")
    return None
