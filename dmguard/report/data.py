"""What happened on one day, per account, as plain data the renderers format."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dmguard import learning
from dmguard.audit.rules import rule_ids, single
from dmguard.clock import iso, parse_iso
from dmguard.store import CAMPAIGN_ORIGINS, SENT_BY_DMGUARD, Origin, Store


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
    #: Campaign messages (sequences, submitted drafts): inspected is sent + held +
    #: blocked (+ still queued, cancelled or failed) for the day's own drafts.
    inspected: int = 0
    sent: int = 0
    sent_labelled: int = 0
    #: dmguard's own STOP/START confirmations sent: never inspected, never labelled.
    confirmations: int = 0
    held: int = 0
    blocked: int = 0
    #: Drafts cancelled because their person opted out, as too late to send (after an
    #: outage: ``limits.give_up_after``), and by a person of the team (answered
    #: personally, or a hold dismissed).
    cancelled_opt_out: int = 0
    cancelled_too_late: int = 0
    cancelled_by_team: int = 0
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
    #: What X bills for the day: each resource once per UTC day, DMs sent per request.
    api_cost: float = 0.0
    bill: dict[str, float] = field(default_factory=dict)
    other_tools_sent: int = 0
    other_tools_automated: int = 0
    other_tools_undisclosed: int = 0
    other_tools_generic: int = 0
    other_tools_worst: list[RuleCount] = field(default_factory=list)
    skipped_events: int = 0
    #: What the judge has learned from the account's people so far, by label, and how
    #: many of those decisions were made on the day (see dmguard/learning.py).
    learned: dict[str, int] = field(default_factory=dict)
    learned_on_day: int = 0
    attention: list[str] = field(default_factory=list)
    last_7_days: list[DayCounts] = field(default_factory=list)

    @property
    def quiet(self) -> bool:
        return not any((self.inspected, self.sent, self.confirmations, self.received, self.tasks_opened,
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


def account_day(store: Store, account_id: str, start: str, end: str,
                budget: float | None = None) -> AccountDay:
    reports = store.reports
    account = store.accounts.get(account_id)
    result = AccountDay(account_id, account.username if account else None)

    moves = {(row.to_state, row.origin): row.messages
             for row in reports.moves(account_id, start, end)}

    def transitions(to_state: str, origins: frozenset[Origin] = CAMPAIGN_ORIGINS) -> int:
        return sum(moves.get((to_state, origin), 0) for origin in origins)

    result.inspected = transitions("audited")
    result.held = transitions("held")
    result.blocked = transitions("blocked")
    cancellations = reports.cancellations(account_id, start, end)
    result.cancelled_opt_out = cancellations.opt_out
    result.cancelled_too_late = cancellations.too_late
    result.cancelled_by_team = (transitions("cancelled") - cancellations.opt_out
                                - cancellations.too_late)
    result.failed = transitions("failed", SENT_BY_DMGUARD)
    result.sent = transitions("sent")
    result.confirmations = transitions("sent", frozenset({Origin.SYSTEM}))
    result.personal_replies = transitions("sent", frozenset({Origin.HUMAN}))
    for tally in reports.message_tallies(account_id, start, end):
        if tally.direction == "in":
            result.received += tally.count
        elif tally.origin == Origin.OTHER:
            result.other_tools_sent += tally.count
        elif tally.state == "sent" and tally.labelled and tally.origin in CAMPAIGN_ORIGINS:
            result.sent_labelled += tally.count
    other_tools(store, result, account_id, start, end)
    for rule in reports.top_rules(account_id, start, end):
        result.top_rules.append(RuleCount(rule.rule, rule.name, rule.count, rule.example))
    [so_far] = learning.learned(store, [account_id])
    [on_day] = learning.learned(store, [account_id], start, end)
    result.learned = {"acceptable": so_far.acceptable, "generic": so_far.generic,
                      "personal": so_far.personal}
    result.learned_on_day = on_day.total
    tally = reports.task_tally(account_id, start, end, store.now())
    result.tasks_opened, result.tasks_closed = tally.opened, tally.closed
    result.tasks_open, result.tasks_overdue = tally.open, tally.overdue
    durations = [
        (parse_iso(reply.closed_at) - parse_iso(reply.created_at)).total_seconds() / 60
        for reply in reports.closed_replies(account_id, start, end)
    ]
    result.median_reply_minutes = round(statistics.median(durations), 1) if durations else None
    result.opt_outs = reports.opt_outs(account_id, start, end)
    usage = reports.api_usage(account_id, start, end)
    result.api_calls = usage.calls
    result.api_cost = round(store.billing.total(account_id, start, end), 3)
    result.bill = {line.kind: line.amount for line in store.billing.by_kind(account_id, start, end)}
    if budget is not None and store.billing.total(account_id, start, end) >= budget:
        result.attention.append(f"daily budget ${budget:.2f} reached: follower syncs and "
                                "reviews of other tools' DMs stopped for the rest of the day")
    if account and account.paused_reason:
        result.attention.append(f"account paused since {account.paused_at}: "
                                f"{account.paused_reason}")
    for failure in reports.failed_sends(account_id, start, end):
        result.attention.append(f"DM to @{failure.username} failed: {failure.failure}")
    result.attention.extend(waiting_for_a_person(store, account_id, end))
    for run in reports.failed_runs(account_id, start, end):
        result.attention.append(f"{run.job} failed: {run.error}")
    return result


WAITING_SHOWN = 10
"""How many messages waiting for a person the report names; it counts the rest."""


def waiting_for_a_person(store: Store, account_id: str, end: str) -> list[str]:
    """A line for each message parked for a person (``needs_attention``) by ``end`` and
    still waiting: what it is, to whom, why, and the command that settles it."""
    waiting = [m for m in store.messages.in_state(account_id, "needs_attention")
               if m.updated_at < end]
    lines = []
    for message in waiting[:WAITING_SHOWN]:
        contact = store.people.contact(message.contact_id) if message.contact_id else None
        who = f"@{contact.username}" if contact and contact.username else "a person"
        what = "personal reply" if message.origin == Origin.HUMAN else "DM"
        lines.append(f"{what} {message.id} to {who} waits for a person: {message.failure}; "
                     f"look at the conversation on the platform, then `dmguard messages "
                     f"settle {message.id} --arrived` (or `--lost`)")
    if len(waiting) > WAITING_SHOWN:
        lines.append(f"and {len(waiting) - WAITING_SHOWN} more messages wait for a person "
                     "(`dmguard messages waiting`)")
    return lines


GENERIC_RULES = rule_ids(where=lambda r: r.generic)
UNDISCLOSED_RULE = single(lambda r: r.undisclosed).id


def other_tools(store: Store, result: AccountDay, account_id: str, start: str, end: str) -> None:
    """What DMs sent by other tools looked like: automated, undisclosed, generic, worst."""
    reports = store.reports
    seen = reports.other_tools(account_id, start, end, generic_rules=GENERIC_RULES,
                               undisclosed_rule=UNDISCLOSED_RULE)
    result.other_tools_automated = seen.automated
    result.other_tools_undisclosed = seen.undisclosed
    result.other_tools_generic = seen.generic
    for worst in reports.worst_other(account_id, start, end):
        result.other_tools_worst.append(RuleCount(worst.rules, f"score {worst.score}", 1,
                                                  worst.text))
    result.skipped_events = reports.skipped_events(account_id, start, end)


def week_counts(store: Store, account_id: str, day: date, zone: str) -> list[DayCounts]:
    """Sent / held / blocked / replies for the seven days ending on ``day`` (two scans)."""
    days = [day - timedelta(days=back) for back in range(6, -1, -1)]
    bounds = [day_bounds(current, zone)[0] for current in days] + [day_bounds(day, zone)[1]]
    return [DayCounts(current.isoformat(), tally.sent, tally.held, tally.blocked, tally.replies)
            for current, tally in zip(days, store.reports.days(account_id, bounds), strict=True)]


def delivery_failures(store: Store, start: str, end: str) -> list[str]:
    """Report deliveries that failed since the last report (shown in the next one), one
    line per distinct error: a failed e-mail is tried again every 15 minutes, and an
    outage of a morning should not fill the report with the same line."""
    times: dict[str, list[str]] = {}
    for row in store.reports.delivery_failures(start, end):
        times.setdefault(row.error or "", []).append(row.started_at[:16])
    return [f"report delivery failed at {at[0]}: {error}" if len(at) == 1 else
            f"report delivery failed {len(at)} times from {at[0]} to {at[-1]}: {error}"
            for error, at in times.items()]


def build_report(store: Store, accounts: list[str], day: date, zone: str = "UTC",
                 budget: float | None = None) -> DailyReport:
    start, end = day_bounds(day, zone)
    days = []
    previous_start = day_bounds(day - timedelta(days=1), zone)[0]
    failures = delivery_failures(store, previous_start, end)
    for account in accounts:
        summary = account_day(store, account, start, end, budget)
        summary.last_7_days = week_counts(store, account, day, zone)
        summary.attention.extend(failures)
        days.append(summary)
    return DailyReport(day.isoformat(), zone, store.now(), days)
