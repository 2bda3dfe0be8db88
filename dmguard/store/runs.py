"""Runs of the daemon's jobs (tick, report, delivery) and the platform calls they made."""

from __future__ import annotations

from dataclasses import dataclass

from dmguard.store.connection import Connection
from dmguard.store.rows import maybe, record


@dataclass(frozen=True)
class Run:
    id: int
    job: str
    account_id: str | None
    started_at: str
    finished_at: str | None
    status: str
    summary: str | None
    error: str | None


@dataclass(frozen=True)
class ApiCall:
    id: int
    account_id: str
    endpoint: str
    method: str
    status: int | None
    cost: float
    at: str


class Runs:
    def __init__(self, connection: Connection) -> None:
        self._sql = connection

    def start(self, job: str, account_id: str | None) -> int:
        return self._sql.insert("runs", {"job": job, "account_id": account_id,
                                         "started_at": self._sql.now(), "status": "running"})

    def finish(self, run_id: int, status: str, summary: str | None = None,
               error: str | None = None) -> None:
        self._sql.update("runs", run_id, finished_at=self._sql.now(), status=status,
                         summary=summary, error=error)

    def done_with_summary(self, job: str, summary: str) -> bool:
        """Whether a run of this job ended ``ok`` with this summary (an idempotency key)."""
        return bool(self._sql.scalar("SELECT 1 FROM runs WHERE job = ? AND status = 'ok' "
                                     "AND summary = ?", [job, summary]))

    def claim(self, job: str, summary: str, running_since: str, *,
              again: bool = False) -> int | None:
        """Start a run of ``job`` keyed by ``summary``, or None when one with that key
        already ended ``ok`` (unless ``again``) or is still running (started at or after
        ``running_since``; an older one was cut short). Call inside ``atomic()`` so two
        cannot both claim."""
        taken = self._sql.scalar(
            "SELECT 1 FROM runs WHERE job = ? AND summary = ? AND ((status = 'ok' AND NOT ?) "
            "OR (status = 'running' AND started_at >= ?))", [job, summary, again, running_since])
        if taken:
            return None
        return self._sql.insert("runs", {"job": job, "account_id": None, "summary": summary,
                                         "started_at": self._sql.now(), "status": "running"})

    def last_with_summary(self, job: str, summary: str) -> Run | None:
        """The most recent run of a job with this summary (an idempotency key)."""
        return maybe(Run, self._sql.one(
            "SELECT * FROM runs WHERE job = ? AND summary = ? ORDER BY id DESC LIMIT 1",
            [job, summary]))

    def database_started_at(self) -> str | None:
        """When this database was created: its first migration."""
        value = self._sql.scalar("SELECT MIN(applied_at) FROM migrations")
        return str(value) if value else None

    def last(self, job: str, status: str = "ok") -> Run | None:
        return maybe(Run, self._sql.one(
            "SELECT * FROM runs WHERE job = ? AND status = ? ORDER BY started_at DESC LIMIT 1",
            [job, status]))

    def last_of(self, job: str, account_id: str | None, *, status: str) -> Run | None:
        """The most recent run of a job for an account that ended with ``status``."""
        return maybe(Run, self._sql.one(
            "SELECT * FROM runs WHERE job = ? AND account_id IS ? AND status = ? "
            "ORDER BY id DESC LIMIT 1", [job, account_id, status]))

    def latest(self, job: str, account_id: str | None) -> Run | None:
        """The most recent run of a job for an account, whatever its outcome."""
        return maybe(Run, self._sql.one(
            "SELECT * FROM runs WHERE job = ? AND account_id IS ? ORDER BY id DESC LIMIT 1",
            [job, account_id]))

    def of_job(self, job: str) -> list[Run]:
        """Every run of a job, oldest first."""
        return [record(Run, row) for row in self._sql.rows(
            "SELECT * FROM runs WHERE job = ? ORDER BY id", [job])]

    def record_api_call(self, account_id: str, endpoint: str, method: str, status: int | None,
                        cost: float) -> None:
        self._sql.insert("api_calls", {"account_id": account_id, "endpoint": endpoint,
                                       "method": method, "status": status, "cost": cost,
                                       "at": self._sql.now()})

    def api_calls(self, account_id: str | None = None, *,
                  status: int | None = None) -> list[ApiCall]:
        """Platform calls recorded, oldest first; of one account and answer if given."""
        clauses, params = [], []
        if account_id is not None:
            clauses.append("account_id = ?")
            params.append(account_id)
        if status is not None:
            clauses.append("status = ?")
            params.append(status)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        return [record(ApiCall, row) for row in self._sql.rows(
            f"SELECT * FROM api_calls{where} ORDER BY id", params)]
