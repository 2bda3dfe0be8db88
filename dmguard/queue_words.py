"""How the human queue is said: in the same words on the inbox page, in `dmguard tasks` and
in alerts. Who has a conversation, a snooze, an opt-out, a line of history, due times.
"""

from __future__ import annotations

from datetime import datetime

from dmguard.clock import parse_iso

NOBODY = "nobody has it"
OPTED_OUT = "opted out of automated messages"


def holder(claimed_by: str | None) -> str:
    """Who has the conversation: "with carol", or "nobody has it"."""
    return f"with {claimed_by}" if claimed_by else NOBODY


def moment(at: str) -> str:
    """A stored time as people read it (UTC, to the minute): "2026-11-23 14:00"."""
    return at[:16].replace("T", " ")


def snoozed_until(until: str | None, now: datetime) -> str | None:
    """The snooze still running at ``now``, as the end of it, e.g. "2026-11-23 14:00 UTC";
    None when there is none (or it has passed)."""
    if not until or parse_iso(until) <= now:
        return None
    return f"{moment(until)} UTC"


def history(what: str, who: str, note: str | None) -> str:
    """One line of a conversation's history: "claimed · bob — to bob (was alice)"."""
    return f"{what} · {who}" + (f" — {note}" if note else "")


def _span(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} h" if hours >= 10 or rest < 5 else f"{hours} h {rest} min"
    return f"{minutes // (24 * 60)} d"


def due_label(due_at: str, now: datetime) -> tuple[str, bool]:
    """("in 2 h", False) or ("overdue 40 min", True)."""
    seconds = (parse_iso(due_at) - now).total_seconds()
    if seconds >= 0:
        return f"in {_span(max(1, round(seconds / 60)))}", False
    return f"overdue {_span(max(1, round(-seconds / 60)))}", True


def ago_label(at: str | None, now: datetime) -> str:
    if not at:
        return ""
    minutes = round((now - parse_iso(at)).total_seconds() / 60)
    return "just now" if minutes < 1 else f"{_span(minutes)} ago"
