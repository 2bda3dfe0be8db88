"""What the daemon is doing, per account: `dmguard status`.

Paused (and why), sends blocked (and until when), the last tick and its outcome,
messages by state with the oldest in each, what is deferred and until when, who
holds the database, and when the next daily report is due.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dmguard import writer_lease
from dmguard.config import Config
from dmguard.store import Store


@dataclass(frozen=True)
class StateLine:
    state: str
    count: int
    oldest_change: str
    oldest_id: int


@dataclass
class AccountStatus:
    account: str
    platform: str
    paused: str | None = None
    #: What X bills today (UTC) and the daily budget, if one is set.
    billed_today: float = 0.0
    daily_budget: float | None = None
    paused_at: str | None = None
    sends_blocked_until: str | None = None
    sends_blocked_reason: str | None = None
    last_tick_at: str | None = None
    last_tick_status: str | None = None
    last_tick_error: str | None = None
    messages: list[StateLine] = field(default_factory=list)
    deferred: int = 0
    deferred_until: str | None = None


@dataclass
class Status:
    now: str
    daemon: str | None
    daemon_heartbeat: str | None
    next_report: str
    accounts: list[AccountStatus]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def next_report_at(config: Config, now: datetime) -> datetime:
    """The next moment the daily report is due (report_time in the report's time zone)."""
    zone = ZoneInfo(config.daemon.timezone)
    local = now.astimezone(zone)
    hour, minute = (int(part) for part in config.daemon.report_time.split(":"))
    due = datetime.combine(local.date(), time(hour, minute), zone)
    return due if due > local else due + timedelta(days=1)


def status(store: Store, config: Config) -> Status:
    now = store.now()
    # A holder that died on this machine (SIGKILL) is not running, even while its lease
    # has not yet expired; live_holder asks the process table, as taking the lease does.
    holder = writer_lease.live_holder(store)
    lease = store.leases.get(writer_lease.NAME) if holder else None
    accounts = []
    for account_config in config.accounts:
        line = AccountStatus(account_config.name, account_config.platform)
        account = store.accounts.get(account_config.name)
        if account is not None:
            line.paused, line.paused_at = account.paused_reason, account.paused_at
            if account.sends_blocked_until and account.sends_blocked_until > now:
                line.sends_blocked_until = account.sends_blocked_until
                line.sends_blocked_reason = account.sends_blocked_reason
        today = store.clock.now().astimezone(UTC).date().isoformat()
        line.billed_today = round(store.billing.on_day(account_config.name, today), 3)
        line.daily_budget = config.costs.daily_budget
        tick = store.runs.latest("tick", account_config.name)
        if tick is not None:
            line.last_tick_at = tick.finished_at or tick.started_at
            line.last_tick_status, line.last_tick_error = tick.status, tick.error
        line.messages = [StateLine(row.state, row.count, row.oldest, row.oldest_id)
                         for row in store.messages.by_state(account_config.name)]
        line.deferred, line.deferred_until = store.messages.deferred(account_config.name, now)
        accounts.append(line)
    return Status(now, holder, lease.heartbeat_at if lease and lease.holder == holder else None,
                  next_report_at(config, store.clock.now()).isoformat(timespec="minutes"),
                  accounts)


def render_text(report: Status) -> str:
    lines = [f"daemon: {report.daemon or 'not running'}"
             + (f" (heartbeat {report.daemon_heartbeat[:19]})" if report.daemon_heartbeat else ""),
             f"next daily report: {report.next_report}"]
    for account in report.accounts:
        lines.append(f"\naccount {account.account} ({account.platform})")
        if account.daily_budget is not None and account.billed_today >= account.daily_budget:
            lines.append(f"  BUDGET reached: ${account.billed_today:.2f} billed today (UTC) of "
                         f"${account.daily_budget:.2f}; follower syncs and reviews of other "
                         "tools' DMs wait for the next UTC day, the inbox is still read")
        else:
            budget = f" of ${account.daily_budget:.2f}" if account.daily_budget else ""
            lines.append(f"  billed today (UTC): ${account.billed_today:.3f}{budget}")
        if account.paused:
            lines.append(f"  PAUSED since {(account.paused_at or '')[:16]}: {account.paused}")
        if account.sends_blocked_until:
            lines.append(f"  sends blocked until {account.sends_blocked_until[:16]}: "
                         f"{account.sends_blocked_reason}")
        if account.last_tick_at:
            outcome = account.last_tick_status or "?"
            if account.last_tick_error:
                outcome += f" ({account.last_tick_error})"
            lines.append(f"  last tick {account.last_tick_at[:19]}: {outcome}")
        else:
            lines.append("  no tick yet")
        for state in account.messages:
            lines.append(f"  {state.state:<16} {state.count:>6}  oldest #{state.oldest_id} "
                         f"(since {state.oldest_change[:16]})")
        if account.deferred:
            lines.append(f"  deferred: {account.deferred}, the first until "
                         f"{(account.deferred_until or '')[:16]}")
    return "\n".join(lines)
