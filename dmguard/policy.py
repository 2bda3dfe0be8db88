"""Whether an automated message may go now: consent, caps, quiet hours, human takeover.

The policy pack (config) says what the platform allows; this module applies it to
one recipient at one moment and says why not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from dmguard.audit.text import fold
from dmguard.clock import iso
from dmguard.config import CapsConfig, QuietHoursConfig
from dmguard.store import Store


@dataclass(frozen=True)
class Deferral:
    until: datetime
    reason: str


def cap_deferral(store: Store, contact_id: int, caps: CapsConfig, now: datetime) -> Deferral | None:
    """Defer when this person already got their share of automated messages."""
    day = store.automated_sent_to(contact_id, now - timedelta(days=1))
    day = [m for m in day if m["sent_at"]]
    if caps.per_recipient_day and len(day) >= caps.per_recipient_day:
        oldest = min(m["sent_at"] for m in day)
        return Deferral(_after(oldest, timedelta(days=1)),
                        f"{len(day)} automated DM(s) to this person in 24 h "
                        f"(cap {caps.per_recipient_day})")
    week = [m for m in store.automated_sent_to(contact_id, now - timedelta(days=7)) if m["sent_at"]]
    if caps.per_recipient_week and len(week) >= caps.per_recipient_week:
        oldest = min(m["sent_at"] for m in week)
        return Deferral(_after(oldest, timedelta(days=7)),
                        f"{len(week)} automated DM(s) to this person in 7 days "
                        f"(cap {caps.per_recipient_week})")
    return None


def _after(stamp: str, delta: timedelta) -> datetime:
    from dmguard.clock import parse_iso

    return parse_iso(stamp) + delta + timedelta(seconds=1)


@lru_cache(maxsize=1)
def _city_zones() -> dict[str, str]:
    """City names from the IANA time zone database: "lisbon" -> "Europe/Lisbon"."""
    zones: dict[str, str] = {}
    for name in available_timezones():
        area, _, city = name.rpartition("/")
        if area and area.split("/")[0] in ("Europe", "America", "Asia", "Africa", "Australia",
                                           "Pacific", "Atlantic", "Indian"):
            zones.setdefault(city.replace("_", " ").lower(), name)
    return zones


def zone_from_location(location: str | None) -> str | None:
    """The recipient's time zone when their profile location names a city the tz database knows."""
    if not location:
        return None
    zones = _city_zones()
    words = [w for w in re.split(r"[^\w']+", fold(location)) if w]
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            zone = zones.get(" ".join(words[start:start + size]))
            if zone:
                return zone
    return None


def quiet_deferral(quiet: QuietHoursConfig, zone: str | None, now: datetime) -> Deferral | None:
    """Defer to the end of quiet hours in the recipient's time zone, when known."""
    if not quiet.enabled or not zone:
        return None
    try:
        local = now.astimezone(ZoneInfo(zone))
    except (KeyError, ValueError):
        return None
    start = time.fromisoformat(quiet.start)
    end = time.fromisoformat(quiet.end)
    current = local.time()
    inside = (start <= current or current < end) if start > end else (start <= current < end)
    if not inside:
        return None
    wake = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if wake <= local:
        wake += timedelta(days=1)
    return Deferral(wake.astimezone(now.tzinfo), f"quiet hours {quiet.start}-{quiet.end} "
                                                  f"in {zone} (until {iso(wake)})")
