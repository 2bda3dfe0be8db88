"""Policy: what a platform allows automated DMs to do, and whether one may go now.

A policy pack says what the platform allows (X's rules built in; more in config);
caps and quiet hours bound how often and when one person hears from automation.
The functions below apply them to one recipient at one moment and say why not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator, model_validator

from dmguard.clock import iso
from dmguard.config_schema import ClockTime, Strict, check_clock_time
from dmguard.policy_values import BUILT_IN_POLICIES, PolicyValues, WelcomeDM

if TYPE_CHECKING:
    # Only for a type: importing the store would load sqlite-utils into every
    # `dmguard audit`, which never opens a database.
    from dmguard.store import Store


class CapsConfig(Strict):
    """Automated DMs one person may get; 0 is no cap."""

    per_recipient_day: int = Field(1, ge=0)
    per_recipient_week: int = Field(3, ge=0)

    @model_validator(mode="after")
    def _day_within_week(self) -> CapsConfig:
        if self.per_recipient_week and self.per_recipient_day > self.per_recipient_week:
            raise ValueError(f"per_recipient_day = {self.per_recipient_day} exceeds "
                             f"per_recipient_week = {self.per_recipient_week}")
        return self


class QuietHoursConfig(Strict):
    enabled: bool = True
    start: ClockTime = "21:00"
    end: ClockTime = "08:00"

    _check_times = field_validator("start", "end")(check_clock_time)

    @model_validator(mode="after")
    def _a_real_window(self) -> QuietHoursConfig:
        if self.enabled and self.start == self.end:
            raise ValueError(f"start and end are both {self.start!r}: quiet all day or never? "
                             "Give a window, or set enabled = false")
        return self


_DEFAULT = PolicyValues()


class PolicyPack(Strict):
    """What a platform allows automated DMs to do. Policy is data, not scattered ifs.
    The defaults are :class:`dmguard.policy_values.PolicyValues`'."""

    automated_requires_user_first: bool = _DEFAULT.automated_requires_user_first
    welcome_dm: WelcomeDM = _DEFAULT.welcome_dm
    require_disclosure: bool = _DEFAULT.require_disclosure
    require_opt_out: bool = _DEFAULT.require_opt_out
    max_length: int = Field(_DEFAULT.max_length, ge=20)


def built_in_policies() -> dict[str, PolicyPack]:
    """The packs every config has: ``x`` (X's rules) and ``sandbox`` (the demo's emulator),
    as :data:`dmguard.policy_values.BUILT_IN_POLICIES` states them (only the values that
    differ from the defaults are given, as a config file would give them)."""
    return {
        name: PolicyPack(**{key: value for key, value in vars(values).items()
                            if value != getattr(_DEFAULT, key)})
        for name, values in BUILT_IN_POLICIES.items()
    }


@dataclass(frozen=True)
class Deferral:
    until: datetime
    reason: str


def cap_deferral(store: Store, contact_id: int, caps: CapsConfig, now: datetime) -> Deferral | None:
    """Defer when this person already got their share of automated messages."""
    day = store.messages.automated_sent_to(contact_id, now - timedelta(days=1))
    day = [m for m in day if m.sent_at]
    if caps.per_recipient_day and len(day) >= caps.per_recipient_day:
        oldest = min(m.sent_at for m in day)
        return Deferral(_after(oldest, timedelta(days=1)),
                        f"{len(day)} automated DM(s) to this person in 24 h "
                        f"(cap {caps.per_recipient_day})")
    week = [m for m in store.messages.automated_sent_to(contact_id, now - timedelta(days=7)) if m.sent_at]
    if caps.per_recipient_week and len(week) >= caps.per_recipient_week:
        oldest = min(m.sent_at for m in week)
        return Deferral(_after(oldest, timedelta(days=7)),
                        f"{len(week)} automated DM(s) to this person in 7 days "
                        f"(cap {caps.per_recipient_week})")
    return None


def _after(stamp: str, delta: timedelta) -> datetime:
    from dmguard.clock import parse_iso

    return parse_iso(stamp) + delta + timedelta(seconds=1)


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
