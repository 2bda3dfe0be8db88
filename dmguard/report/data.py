"""What happened on one day, per account, as plain data the renderers format."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dmguard.clock import iso, parse_iso
from dmguard.store import Store


@dataclass
class RuleCount:
    rule: str
    name: str
    count: int
    example: str


@dataclass
class AccountDay:
    account: str
    username: str | None
    inspected: int = 0
    sent: int = 0
    sent_labelled: int = 0
    held: int = 0
    blocked: int = 0
    cancelled: int = 0
    failed: int = 0
    personal_replies: int = 0
    received: int = 0
    top_rules: list[RuleCount] = field(default_factory=list)
    tasks_opened: int = 0
    tasks_closed: int = 0
    tasks_open: int = 0
    tasks_overdue: int = 0
    median_reply_minutes: float | None = None
    opt_outs: int = 0
    api_calls: int = 0
    api_cost: float = 0.0
    other_tools_sent: int = 0
    attention: list[str] = field(default_factory=list)

    @property
    def quiet(self) -> bool:
        return not any((self.inspected, self.sent, self.received, self.tasks_opened,
                        self.tasks_open, self.opt_outs, self.api_calls))


@dataclass
class DailyReport:
    day: str
    timezone: str
    generated_at: str
    accounts: list[AccountDay]

    @property
    def quiet(self) -> bool:
        return all(account.quiet for account in self.accounts)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["quiet"] = self.quiet
        return data


def day_bounds(day: date, zone: str) -> tuple[str, str]:
    tz = ZoneInfo(zone)
    start = datetime.combine(day, time(0), tz)
    return iso(start), iso(start + timedelta(days=1))


def _count(store: Store, sql: str, params: list[Any]) -> int:
    return int(store.scalar(sql, params) or 0)


def account_day(store: Store, account_id: str, start: str, end: str) -> AccountDay:
    account = store.get_account(account_id) or {}
    result = AccountDay(account_id, account.get("username"))

    def transitions(to_state: str, origins: tuple[str, ...] = ("sequence", "submit")) -> int:
        marks = ", ".join("?" for _ in origins)
        return _count(store,
                      "SELECT COUNT(DISTINCT t.message_id) FROM message_transitions t "
                      "JOIN messages m ON m.id = t.message_id WHERE m.account_id = ? "
                      f"AND t.to_state = ? AND t.at >= ? AND t.at < ? AND m.origin IN ({marks})",
                      [account_id, to_state, start, end, *origins])

    result.inspected = transitions("audited")
    result.held = transitions("held")
    result.blocked = transitions("blocked")
    result.cancelled = transitions("cancelled")
    result.failed = transitions("failed", ("sequence", "submit", "human", "system"))
    result.sent = transitions("sent", ("sequence", "submit", "system"))
    result.sent_labelled = _count(
        store, "SELECT COUNT(*) FROM messages WHERE account_id = ? AND state = 'sent' "
        "AND origin IN ('sequence', 'submit', 'system') AND sent_at >= ? AND sent_at < ? "
        "AND labelled_text IS NOT NULL", [account_id, start, end])
    result.personal_replies = transitions("sent", ("human",))
    result.received = _count(
        store, "SELECT COUNT(*) FROM messages WHERE account_id = ? AND direction = 'in' "
        "AND sent_at >= ? AND sent_at < ?", [account_id, start, end])
    result.other_tools_sent = _count(
        store, "SELECT COUNT(*) FROM messages WHERE account_id = ? AND origin = 'other' "
        "AND sent_at >= ? AND sent_at < ?", [account_id, start, end])
    for row in store.all(
        "SELECT f.rule, f.name, COUNT(*) AS n, MIN(m.text) AS example FROM findings f "
        "JOIN messages m ON m.id = f.message_id WHERE m.account_id = ? "
        "AND m.created_at >= ? AND m.created_at < ? AND f.severity != 'warn' "
        "GROUP BY f.rule, f.name ORDER BY n DESC, f.rule LIMIT 5", [account_id, start, end]):
        result.top_rules.append(RuleCount(row["rule"], row["name"], row["n"], row["example"]))
    result.tasks_opened = _count(
        store, "SELECT COUNT(*) FROM tasks WHERE account_id = ? AND created_at >= ? "
        "AND created_at < ?", [account_id, start, end])
    result.tasks_closed = _count(
        store, "SELECT COUNT(*) FROM tasks WHERE account_id = ? AND closed_at >= ? "
        "AND closed_at < ?", [account_id, start, end])
    result.tasks_open = _count(
        store, "SELECT COUNT(*) FROM tasks WHERE account_id = ? AND created_at < ? "
        "AND (closed_at IS NULL OR closed_at >= ?)", [account_id, end, end])
    result.tasks_overdue = _count(
        store, "SELECT COUNT(*) FROM tasks WHERE account_id = ? AND created_at < ? "
        "AND due_at < ? AND (closed_at IS NULL OR closed_at > due_at)",
        [account_id, end, min(end, store.now())])
    durations = [
        (parse_iso(row["closed_at"]) - parse_iso(row["created_at"])).total_seconds() / 60
        for row in store.all(
            "SELECT created_at, closed_at FROM tasks WHERE account_id = ? AND state = 'done' "
            "AND reply_message_id IS NOT NULL AND closed_at >= ? AND closed_at < ?",
            [account_id, start, end])
    ]
    result.median_reply_minutes = round(statistics.median(durations), 1) if durations else None
    result.opt_outs = _count(
        store, "SELECT COUNT(*) FROM opt_outs WHERE account_id = ? AND opted_out_at >= ? "
        "AND opted_out_at < ?", [account_id, start, end])
    row = store.one("SELECT COUNT(*) AS n, COALESCE(SUM(cost), 0) AS cost FROM api_calls "
                    "WHERE account_id = ? AND at >= ? AND at < ?", [account_id, start, end])
    result.api_calls, result.api_cost = int(row["n"]), round(float(row["cost"]), 3)
    if account.get("paused_reason"):
        result.attention.append(f"account paused since {account['paused_at']}: "
                                f"{account['paused_reason']}")
    for failure in store.all(
        "SELECT m.failure, c.username FROM messages m JOIN contacts c ON c.id = m.contact_id "
        "WHERE m.account_id = ? AND m.state = 'failed' AND m.updated_at >= ? "
        "AND m.updated_at < ? LIMIT 5", [account_id, start, end]):
        result.attention.append(f"DM to @{failure['username']} failed: {failure['failure']}")
    for run in store.all(
        "SELECT job, error FROM runs WHERE account_id IS ? AND status NOT IN ('ok', 'running') "
        "AND started_at >= ? AND started_at < ? GROUP BY error LIMIT 5",
        [account_id, start, end]):
        result.attention.append(f"{run['job']} failed: {run['error']}")
    return result


def build_report(store: Store, accounts: list[str], day: date, zone: str = "UTC") -> DailyReport:
    start, end = day_bounds(day, zone)
    return DailyReport(day.isoformat(), zone, store.now(),
                       [account_day(store, account, start, end) for account in accounts])
