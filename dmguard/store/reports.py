"""The daily report's queries: counts over one account's day, read-only.

Each method takes the day as ``start``/``end`` ISO bounds (``start`` inclusive) and
answers with small records; :mod:`dmguard.report.data` turns them into the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dmguard.store.connection import Connection, marks, sql_list
from dmguard.store.origins import CAMPAIGN_ORIGINS, TOO_LATE
from dmguard.store.rows import record

_CAMPAIGN = sql_list(CAMPAIGN_ORIGINS)


@dataclass(frozen=True)
class StateMoves:
    """How many messages of an origin moved into a state."""

    to_state: str
    origin: str | None
    messages: int


@dataclass(frozen=True)
class MessageTally:
    """Messages sent or received in the day, by direction, origin, state and label."""

    direction: str
    origin: str
    state: str
    labelled: bool
    count: int


@dataclass(frozen=True)
class RuleTally:
    rule: str
    name: str
    count: int
    example: str


@dataclass(frozen=True)
class TaskTally:
    opened: int
    closed: int
    open: int
    overdue: int


@dataclass(frozen=True)
class Cancellations:
    opt_out: int
    too_late: int


@dataclass(frozen=True)
class ClosedReply:
    """A task closed by a personal reply: how long the person took."""

    created_at: str
    closed_at: str


@dataclass(frozen=True)
class ApiUsage:
    calls: int
    cost: float


@dataclass(frozen=True)
class FailedSend:
    username: str | None
    failure: str | None


@dataclass(frozen=True)
class FailedRun:
    job: str
    error: str | None


@dataclass(frozen=True)
class OtherTools:
    """DMs other tools sent: how many look automated, lack a disclosure, are generic."""

    automated: int
    undisclosed: int
    generic: int


@dataclass(frozen=True)
class WorstOther:
    rules: str
    score: int | None
    text: str


@dataclass(frozen=True)
class DayTally:
    sent: int
    held: int
    blocked: int
    replies: int


@dataclass(frozen=True)
class DeliveryFailure:
    started_at: str
    error: str | None


class Reports:
    def __init__(self, connection: Connection) -> None:
        self._sql = connection

    def _count(self, sql: str, params: list[object]) -> int:
        return int(self._sql.scalar(sql, params) or 0)

    def moves(self, account_id: str, start: str, end: str) -> list[StateMoves]:
        """Distinct messages moved into each audit or send outcome, by origin."""
        return [StateMoves(row["to_state"], row["origin"], row["n"]) for row in self._sql.rows(
            "SELECT to_state, origin, COUNT(DISTINCT message_id) AS n FROM message_transitions "
            "WHERE account_id = ? AND at >= ? AND at < ? AND to_state IN "
            "('audited', 'held', 'blocked', 'cancelled', 'failed', 'sent') "
            "GROUP BY to_state, origin", [account_id, start, end])]

    def cancellations(self, account_id: str, start: str, end: str) -> Cancellations:
        """Automated drafts cancelled in the day because their person had opted out (the
        inbox heard the STOP, or the sender found it) and because they were too late to
        send (:data:`TOO_LATE`); the rest of the day's cancellations are a person's doing
        (answered personally, dismissed)."""
        row = self._sql.one(
            "SELECT COUNT(DISTINCT CASE WHEN actor = 'opt-out' OR reason = 'recipient opted out' "
            "THEN message_id END) AS opt_out, COUNT(DISTINCT CASE WHEN reason LIKE ? "
            "THEN message_id END) AS too_late FROM message_transitions WHERE account_id = ? "
            f"AND at >= ? AND at < ? AND to_state = 'cancelled' AND origin IN {_CAMPAIGN}",
            [TOO_LATE + "%", account_id, start, end])
        assert row is not None
        return Cancellations(int(row["opt_out"]), int(row["too_late"]))

    def message_tallies(self, account_id: str, start: str, end: str) -> list[MessageTally]:
        return [MessageTally(row["direction"], row["origin"], row["state"], bool(row["labelled"]),
                             row["n"]) for row in self._sql.rows(
            "SELECT direction, origin, state, labelled_text IS NOT NULL AS labelled, "
            "COUNT(*) AS n FROM messages WHERE account_id = ? AND sent_at >= ? AND sent_at < ? "
            "GROUP BY direction, origin, state, labelled", [account_id, start, end])]

    def top_rules(self, account_id: str, start: str, end: str, limit: int = 5) -> list[RuleTally]:
        """The rules that held or blocked most of the day's own drafts, with an example."""
        return [RuleTally(row["rule"], row["name"], row["n"], row["example"])
                for row in self._sql.rows(
            "SELECT f.rule, f.name, COUNT(*) AS n, MIN(m.text) AS example FROM findings f "
            "JOIN messages m ON m.id = f.message_id WHERE m.account_id = ? "
            "AND m.created_at >= ? AND m.created_at < ? AND f.severity != 'warn' "
            "AND m.origin != 'other' "
            "GROUP BY f.rule, f.name ORDER BY n DESC, f.rule LIMIT ?",
            [account_id, start, end, limit])]

    def task_tally(self, account_id: str, start: str, end: str, now: str) -> TaskTally:
        """Opened and closed in the day; open at its end; of those open at its end (or now,
        for today), the ones past their due time (overdue is a part of open: a task answered
        late is not overdue any more once it is closed)."""
        cut = min(end, now)
        return TaskTally(
            opened=self._count(
                "SELECT COUNT(*) FROM tasks WHERE account_id = ? AND created_at >= ? "
                "AND created_at < ?", [account_id, start, end]),
            closed=self._count(
                "SELECT COUNT(*) FROM tasks WHERE account_id = ? AND closed_at >= ? "
                "AND closed_at < ?", [account_id, start, end]),
            open=self._count(
                "SELECT COUNT(*) FROM tasks WHERE account_id = ? AND created_at < ? "
                "AND (closed_at IS NULL OR closed_at >= ?)", [account_id, end, end]),
            overdue=self._count(
                "SELECT COUNT(*) FROM tasks WHERE account_id = ? AND created_at < ? "
                "AND due_at < ? AND (closed_at IS NULL OR closed_at >= ?)",
                [account_id, cut, cut, cut]),
        )

    def closed_replies(self, account_id: str, start: str, end: str) -> list[ClosedReply]:
        return [record(ClosedReply, row) for row in self._sql.rows(
            "SELECT created_at, closed_at FROM tasks WHERE account_id = ? AND state = 'done' "
            "AND reply_message_id IS NOT NULL AND closed_at >= ? AND closed_at < ?",
            [account_id, start, end])]

    def opt_outs(self, account_id: str, start: str, end: str) -> int:
        return self._count(
            "SELECT COUNT(*) FROM opt_outs WHERE account_id = ? AND opted_out_at >= ? "
            "AND opted_out_at < ?", [account_id, start, end])

    def api_usage(self, account_id: str, start: str, end: str) -> ApiUsage:
        row = self._sql.one("SELECT COUNT(*) AS n, COALESCE(SUM(cost), 0) AS cost FROM api_calls "
                            "WHERE account_id = ? AND at >= ? AND at < ?", [account_id, start, end])
        assert row is not None
        return ApiUsage(int(row["n"]), float(row["cost"]))

    def failed_sends(self, account_id: str, start: str, end: str) -> list[FailedSend]:
        return [FailedSend(row["username"], row["failure"]) for row in self._sql.rows(
            "SELECT m.failure, c.username FROM messages m JOIN contacts c ON c.id = m.contact_id "
            "WHERE m.account_id = ? AND m.state = 'failed' AND m.updated_at >= ? "
            "AND m.updated_at < ? LIMIT 5", [account_id, start, end])]

    def failed_runs(self, account_id: str | None, start: str, end: str) -> list[FailedRun]:
        return [FailedRun(row["job"], row["error"]) for row in self._sql.rows(
            "SELECT job, error FROM runs WHERE account_id IS ? AND status NOT IN ('ok', 'running') "
            "AND started_at >= ? AND started_at < ? GROUP BY error LIMIT 5",
            [account_id, start, end])]

    def other_tools(self, account_id: str, start: str, end: str, *,
                    generic_rules: Sequence[str], undisclosed_rule: str) -> OtherTools:
        """DMs other tools sent in the day: automated-looking, undisclosed, generic."""
        row = self._sql.one(
            "SELECT SUM(m.verdict IN ('hold', 'block')) AS automated, "
            "SUM(EXISTS (SELECT 1 FROM findings f WHERE f.message_id = m.id AND f.rule = ?)) "
            "AS undisclosed, "
            "SUM(EXISTS (SELECT 1 FROM findings f WHERE f.message_id = m.id "
            f"AND f.rule IN ({marks(generic_rules)}))) "
            "AS generic FROM messages m WHERE m.account_id = ? AND m.origin = 'other' "
            "AND m.sent_at >= ? AND m.sent_at < ?",
            [undisclosed_rule, *generic_rules, account_id, start, end]) or {}
        return OtherTools(int(row.get("automated") or 0), int(row.get("undisclosed") or 0),
                          int(row.get("generic") or 0))

    def worst_other(self, account_id: str, start: str, end: str) -> list[WorstOther]:
        """The three highest-scoring DMs other tools sent that look automated."""
        return [WorstOther(row["rules"] or "", row["score"], row["text"])
                for row in self._sql.rows(
            "SELECT m.text, m.score, (SELECT GROUP_CONCAT(DISTINCT f.rule) FROM findings f "
            "WHERE f.message_id = m.id AND f.severity != 'warn') AS rules FROM messages m "
            "WHERE m.account_id = ? AND m.origin = 'other' AND m.sent_at >= ? AND m.sent_at < ? "
            "AND m.verdict IN ('hold', 'block') ORDER BY m.score DESC, m.id LIMIT 3",
            [account_id, start, end])]

    def skipped_events(self, account_id: str, start: str, end: str) -> int:
        """Platform DM events the inbox sync could not read, summed over the day's ticks."""
        return self._count(
            "SELECT COALESCE(SUM(json_extract(summary, '$.inbox.skipped')), 0) FROM runs "
            "WHERE job = 'tick' AND account_id = ? AND started_at >= ? AND started_at < ?",
            [account_id, start, end])

    def days(self, account_id: str, bounds: Sequence[str]) -> list[DayTally]:
        """Sent / held / blocked / replies for consecutive days between ``bounds`` (two scans);
        sent counts campaign messages, as the report's rows do (not confirmations)."""
        count = len(bounds) - 1
        bucket = "CASE " + " ".join(f"WHEN {{column}} < '{edge}' THEN {index}"
                                    for index, edge in enumerate(bounds[1:])) + " END"
        counts = {(index, name): 0 for index in range(count) for name in ("sent", "held",
                                                                           "blocked")}
        for row in self._sql.rows(
            f"SELECT {bucket.format(column='at')} AS day, to_state, COUNT(*) AS n "
            "FROM message_transitions WHERE account_id = ? AND at >= ? AND at < ? "
            f"AND ((to_state = 'sent' AND origin IN {_CAMPAIGN}) "
            "OR to_state IN ('held', 'blocked')) GROUP BY day, to_state",
            [account_id, bounds[0], bounds[-1]]):
            counts[(row["day"], row["to_state"])] = row["n"]
        replies = {row["day"]: row["n"] for row in self._sql.rows(
            f"SELECT {bucket.format(column='sent_at')} AS day, COUNT(*) AS n FROM messages "
            "WHERE account_id = ? AND sent_at >= ? AND sent_at < ? AND direction = 'in' "
            "GROUP BY day", [account_id, bounds[0], bounds[-1]])}
        return [DayTally(counts[(index, "sent")], counts[(index, "held")],
                         counts[(index, "blocked")], replies.get(index, 0))
                for index in range(count)]

    def delivery_failures(self, start: str, end: str) -> list[DeliveryFailure]:
        """Report deliveries that failed between two moments, oldest first."""
        return [record(DeliveryFailure, row) for row in self._sql.rows(
            "SELECT started_at, error FROM runs WHERE job = 'delivery' "
            "AND status = 'error' AND started_at >= ? AND started_at < ? "
            "ORDER BY started_at", [start, end])]
