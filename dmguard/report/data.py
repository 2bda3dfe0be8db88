"""What happened on one day, per account, as plain data the renderers format."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dmguard.audit.rules import rule_ids, single
from dmguard.clock import iso, parse_iso
from dmguard.store import Store

AUTOMATED = ("sequence", "submit", "system")


@dataclass
class RuleCount:
    rule: str
    name: str
    count: int
    example: str


@dataclass
class DayCounts:
    day: str
    sent: int
    held: int
    blocked: int
    replies: int


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
    other_tools_automated: int = 0
    other_tools_undisclosed: int = 0
    other_tools_generic: int = 0
    other_tools_worst: list[RuleCount] = field(default_factory=list)
    skipped_events: int = 0
    attention: list[str] = field(default_factory=list)
    last_7_days: list[DayCounts] = field(default_factory=list)

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

    moves: dict[tuple[str, str], int] = {
        (row["to_state"], row["origin"]): row["n"]
        for row in store.all(
            "SELECT to_state, origin, COUNT(DISTINCT message_id) AS n FROM message_transitions "
            "WHERE account_id = ? AND at >= ? AND at < ? AND to_state IN "
            "('audited', 'held', 'blocked', 'cancelled', 'failed', 'sent') "
            "GROUP BY to_state, origin", [account_id, start, end])
    }

    def transitions(to_state: str, origins: tuple[str, ...] = ("sequence", "submit")) -> int:
        return sum(moves.get((to_state, origin), 0) for origin in origins)

    result.inspected = transitions("audited")
    result.held = transitions("held")
    result.blocked = transitions("blocked")
    result.cancelled = transitions("cancelled")
    result.failed = transitions("failed", ("sequence", "submit", "human", "system"))
    result.sent = transitions("sent", ("sequence", "submit", "system"))
    result.personal_replies = transitions("sent", ("human",))
    for row in store.all(
        "SELECT direction, origin, state, labelled_text IS NOT NULL AS labelled, COUNT(*) AS n "
        "FROM messages WHERE account_id = ? AND sent_at >= ? AND sent_at < ? "
        "GROUP BY direction, origin, state, labelled", [account_id, start, end]):
        if row["direction"] == "in":
            result.received += row["n"]
        elif row["origin"] == "other":
            result.other_tools_sent += row["n"]
        elif row["state"] == "sent" and row["labelled"] and row["origin"] in AUTOMATED:
            result.sent_labelled += row["n"]
    other_tools(store, result, account_id, start, end)
    for row in store.all(
        "SELECT f.rule, f.name, COUNT(*) AS n, MIN(m.text) AS example FROM findings f "
        "JOIN messages m ON m.id = f.message_id WHERE m.account_id = ? "
        "AND m.created_at >= ? AND m.created_at < ? AND f.severity != 'warn' "
        "AND m.origin != 'other' "
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


GENERIC_RULES = rule_ids(where=lambda r: r.generic)
UNDISCLOSED_RULE = single(lambda r: r.undisclosed).id


def other_tools(store: Store, result: AccountDay, account_id: str, start: str, end: str) -> None:
    """What DMs sent by other tools looked like: automated, undisclosed, generic, worst."""
    marks = ", ".join("?" for _ in GENERIC_RULES)
    row = store.one(
        "SELECT SUM(m.verdict IN ('hold', 'block')) AS automated, "
        "SUM(EXISTS (SELECT 1 FROM findings f WHERE f.message_id = m.id AND f.rule = ?)) "
        "AS undisclosed, "
        f"SUM(EXISTS (SELECT 1 FROM findings f WHERE f.message_id = m.id AND f.rule IN ({marks}))) "
        "AS generic FROM messages m WHERE m.account_id = ? AND m.origin = 'other' "
        "AND m.sent_at >= ? AND m.sent_at < ?",
        [UNDISCLOSED_RULE, *GENERIC_RULES, account_id, start, end]) or {}
    result.other_tools_automated = int(row.get("automated") or 0)
    result.other_tools_undisclosed = int(row.get("undisclosed") or 0)
    result.other_tools_generic = int(row.get("generic") or 0)
    for worst in store.all(
        "SELECT m.text, m.score, (SELECT GROUP_CONCAT(DISTINCT f.rule) FROM findings f "
        "WHERE f.message_id = m.id AND f.severity != 'warn') AS rules FROM messages m "
        "WHERE m.account_id = ? AND m.origin = 'other' AND m.sent_at >= ? AND m.sent_at < ? "
        "AND m.verdict IN ('hold', 'block') ORDER BY m.score DESC, m.id LIMIT 3",
        [account_id, start, end]):
        result.other_tools_worst.append(RuleCount(worst["rules"] or "", f"score {worst['score']}",
                                                  1, worst["text"]))
    result.skipped_events = _count(
        store, "SELECT COALESCE(SUM(json_extract(summary, '$.inbox.skipped')), 0) FROM runs "
        "WHERE job = 'tick' AND account_id = ? AND started_at >= ? AND started_at < ?",
        [account_id, start, end])


def week_counts(store: Store, account_id: str, day: date, zone: str) -> list[DayCounts]:
    """Sent / held / blocked / replies for the seven days ending on ``day`` (two scans)."""
    days = [day - timedelta(days=back) for back in range(6, -1, -1)]
    bounds = [day_bounds(current, zone)[0] for current in days] + [day_bounds(day, zone)[1]]
    bucket = "CASE " + " ".join(f"WHEN {{column}} < '{edge}' THEN {index}"
                                for index, edge in enumerate(bounds[1:])) + " END"
    counts = {(index, name): 0 for index in range(7) for name in ("sent", "held", "blocked")}
    for row in store.all(
        f"SELECT {bucket.format(column='at')} AS day, to_state, COUNT(*) AS n "
        "FROM message_transitions WHERE account_id = ? AND at >= ? AND at < ? "
        "AND ((to_state = 'sent' AND origin IN ('sequence', 'submit', 'system')) "
        "OR to_state IN ('held', 'blocked')) GROUP BY day, to_state",
        [account_id, bounds[0], bounds[-1]]):
        counts[(row["day"], row["to_state"])] = row["n"]
    replies = {row["day"]: row["n"] for row in store.all(
        f"SELECT {bucket.format(column='sent_at')} AS day, COUNT(*) AS n FROM messages "
        "WHERE account_id = ? AND sent_at >= ? AND sent_at < ? AND direction = 'in' "
        "GROUP BY day", [account_id, bounds[0], bounds[-1]])}
    return [DayCounts(current.isoformat(), counts[(index, "sent")], counts[(index, "held")],
                      counts[(index, "blocked")], replies.get(index, 0))
            for index, current in enumerate(days)]


def delivery_failures(store: Store, start: str, end: str) -> list[str]:
    """Report deliveries that failed since the last report (shown in the next one)."""
    return [f"report delivery failed at {row['started_at'][:16]}: {row['error']}"
            for row in store.all("SELECT started_at, error FROM runs WHERE job = 'delivery' "
                                 "AND status = 'error' AND started_at >= ? AND started_at < ? "
                                 "ORDER BY started_at", [start, end])]


def build_report(store: Store, accounts: list[str], day: date, zone: str = "UTC") -> DailyReport:
    start, end = day_bounds(day, zone)
    days = []
    previous_start = day_bounds(day - timedelta(days=1), zone)[0]
    failures = delivery_failures(store, previous_start, end)
    for account in accounts:
        summary = account_day(store, account, start, end)
        summary.last_7_days = week_counts(store, account, day, zone)
        summary.attention.extend(failures)
        days.append(summary)
    return DailyReport(day.isoformat(), zone, store.now(), days)
