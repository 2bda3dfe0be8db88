"""The store: every SQL statement dmguard runs, behind one object per aggregate.

``Store.open(path, clock)`` opens (and migrates) one SQLite file; the aggregates hang
off it and answer with small frozen records, never rows::

    store.messages.get(message_id)        # Message | None
    store.tasks.open_for(contact_id, "hold")
    store.people.contact(contact_id)
    store.runs.start("tick", account_id)

Modules: :mod:`~dmguard.store.connection` (the file, pragmas, ``atomic()``, the
clock), :mod:`~dmguard.store.migrations` (named, append-only, applied under the
write lock), then one module per aggregate: ``accounts``, ``people`` (contacts,
conversations, opt-outs), ``messages`` (with transitions and findings), ``tasks``
(with their actions), ``enrolments``, ``runs`` (with platform calls), ``reports``
(the daily report's queries) and ``bulk`` (seeding large databases for benchmarks).
:mod:`~dmguard.store.origins` holds the one ``Origin`` type and its named sets.
Tables are plain and plural so an owner can open the file in Datasette and read it.
Every multi-row change runs in :meth:`Store.atomic`. A ``Store`` belongs to the
thread that opened it.

Where PostgreSQL would go: nothing outside this package sees ``sqlite3`` or
``sqlite_utils``; callers get records and pass typed values. A second backend would
be a sibling ``Connection`` (psycopg, ``?`` placeholders become ``%s``) with its own
migration texts (``INTEGER PRIMARY KEY`` becomes ``GENERATED ... AS IDENTITY``,
``json_extract`` becomes ``->>``, ``INSERT OR IGNORE`` becomes ``ON CONFLICT DO
NOTHING``), and ``atomic()`` taking the same role with ``BEGIN`` plus row locks or
``SERIALIZABLE``. The aggregate classes would stay, with the few dialect-specific
statements (the report's day buckets, ``COUNT`` of booleans) moved behind the
connection; ``Store.open`` would pick the backend from the configured URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from dmguard.clock import Clock, iso
from dmguard.store.accounts import Account, Accounts
from dmguard.store.bulk import Bulk
from dmguard.store.connection import Connection, StoreError
from dmguard.store.enrolments import Enrolment, Enrolments
from dmguard.store.messages import (
    PENDING_MESSAGE_STATES,
    FindingRow,
    Judgement,
    Message,
    Messages,
    NewMessage,
    OutboundText,
    SentMessage,
    SentText,
    Transition,
)
from dmguard.store.migrations import MIGRATIONS, Migration, migrate
from dmguard.store.origins import AUTOMATED_ORIGINS, CAMPAIGN_ORIGINS, SENT_BY_DMGUARD, Origin
from dmguard.store.people import Contact, Conversation, People
from dmguard.store.reports import Reports
from dmguard.store.runs import ApiCall, Run, Runs
from dmguard.store.tasks import OPEN_TASK_STATES, NewTask, Task, TaskAction, TaskListing, Tasks

__all__ = [
    "AUTOMATED_ORIGINS",
    "CAMPAIGN_ORIGINS",
    "MIGRATIONS",
    "OPEN_TASK_STATES",
    "PENDING_MESSAGE_STATES",
    "SENT_BY_DMGUARD",
    "Account",
    "ApiCall",
    "Contact",
    "Conversation",
    "Enrolment",
    "FindingRow",
    "Judgement",
    "Message",
    "Migration",
    "NewMessage",
    "NewTask",
    "Origin",
    "OutboundText",
    "Run",
    "SentMessage",
    "SentText",
    "Store",
    "StoreError",
    "Task",
    "TaskAction",
    "TaskListing",
    "Transition",
]


class Store:
    """One open database: the aggregates, transactions and the clock."""

    def __init__(self, connection: Connection) -> None:
        #: For tests (setup and inspection) and the store's own modules only.
        self.connection = connection
        self.clock: Clock = connection.clock
        self.accounts = Accounts(connection)
        self.people = People(connection)
        self.messages = Messages(connection)
        self.tasks = Tasks(connection)
        self.enrolments = Enrolments(connection)
        self.runs = Runs(connection)
        self.reports = Reports(connection)
        self.bulk = Bulk(connection)
        self.db = connection._db  # legacy, removed once callers are converted

    @classmethod
    def open(cls, path: Path | str, clock: Clock) -> Store:
        """Open (creating if needed) and migrate; raise StoreError with what to do."""
        connection = Connection.open(path, clock)
        store = cls(connection)
        store.migrate(path)
        return store

    def migrate(self, path: Path | str | None = None) -> list[str]:
        """Apply missing migrations (see :mod:`dmguard.store.migrations`); return their names."""
        return migrate(self.connection, None if path is None else str(path))

    def close(self) -> None:
        self.connection.close()

    def now(self) -> str:
        """The injected clock's time, as stored."""
        return self.connection.now()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """A transaction that takes the write lock at its start (nested: a savepoint).

        The daemon's threads and the CLI write to one file. A deferred transaction that
        reads and then writes fails at once ("database is locked") when another
        connection committed in between; an immediate one waits its turn instead.
        """
        with self.connection.atomic():
            yield

    # --- legacy, removed once callers are converted --------------------------------

    def one(self, sql: str, params: Any = None) -> dict[str, Any] | None:
        return next(iter(self.db.query(sql, params or [])), None)

    def all(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        return list(self.db.query(sql, params or []))

    def scalar(self, sql: str, params: Any = None) -> Any:
        row = self.db.execute(sql, params or []).fetchone()
        return row[0] if row else None

    def insert(self, table: str, row: dict[str, Any]) -> int:
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        cursor = self.db.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values())
        )
        return int(cursor.lastrowid or 0)

    def update(self, table: str, row_id: int | str, **values: Any) -> None:
        assignments = ", ".join(f"{column} = ?" for column in values)
        self.db.execute(
            f"UPDATE {table} SET {assignments} WHERE id = ?", [*values.values(), row_id]
        )

    # --- accounts -----------------------------------------------------------------

    def ensure_account(self, account_id: str, platform: str) -> dict[str, Any]:
        row = self.one("SELECT * FROM accounts WHERE id = ?", [account_id])
        if row is None:
            self.insert(
                "accounts", {"id": account_id, "platform": platform, "created_at": self.now()}
            )
            row = self.one("SELECT * FROM accounts WHERE id = ?", [account_id])
        assert row is not None
        return row

    def get_account(self, account_id: str) -> dict[str, Any] | None:
        return self.one("SELECT * FROM accounts WHERE id = ?", [account_id])

    def update_account(self, account_id: str, **values: Any) -> None:
        self.update("accounts", account_id, **values)

    def pause_account(self, account_id: str, reason: str) -> None:
        self.update("accounts", account_id, paused_reason=reason, paused_at=self.now())

    # --- contacts -----------------------------------------------------------------

    def upsert_contact(self, account_id: str, profile: dict[str, Any]) -> tuple[int, bool]:
        """Store or refresh a profile; return (contact id, whether it is new)."""
        existing = self.one(
            "SELECT id FROM contacts WHERE account_id = ? AND user_id = ?",
            [account_id, profile["user_id"]],
        )
        fields = {
            key: profile.get(key)
            for key in ("username", "name", "bio", "location", "lang", "followers_count")
            if key in profile
        }
        if "verified" in profile:
            fields["verified"] = int(bool(profile["verified"]))
        if existing:
            if fields:
                self.update("contacts", existing["id"], **fields)
            if profile.get("followed_at"):
                self.db.execute(
                    "UPDATE contacts SET followed_at = COALESCE(followed_at, ?) WHERE id = ?",
                    [profile["followed_at"], existing["id"]],
                )
            return existing["id"], False
        contact_id = self.insert(
            "contacts",
            {
                "account_id": account_id,
                "user_id": profile["user_id"],
                **fields,
                "followed_at": profile.get("followed_at"),
                "first_seen_at": self.now(),
            },
        )
        return contact_id, True

    def get_contact(self, contact_id: int) -> dict[str, Any] | None:
        return self.one("SELECT * FROM contacts WHERE id = ?", [contact_id])

    def find_contact(self, account_id: str, *, user_id: str | None = None,
                     username: str | None = None) -> dict[str, Any] | None:
        if user_id is not None:
            return self.one(
                "SELECT * FROM contacts WHERE account_id = ? AND user_id = ?",
                [account_id, user_id],
            )
        return self.one(
            "SELECT * FROM contacts WHERE account_id = ? AND lower(username) = lower(?)",
            [account_id, (username or "").lstrip("@")],
        )

    def known_follower_ids(self, account_id: str) -> set[str]:
        return {
            row["user_id"]
            for row in self.db.query(
                "SELECT user_id FROM contacts WHERE account_id = ? AND followed_at IS NOT NULL",
                [account_id],
            )
        }

    # --- conversations ------------------------------------------------------------

    def conversation(self, account_id: str, contact_id: int) -> dict[str, Any]:
        row = self.one(
            "SELECT * FROM conversations WHERE account_id = ? AND contact_id = ?",
            [account_id, contact_id],
        )
        if row is None:
            self.insert(
                "conversations",
                {"account_id": account_id, "contact_id": contact_id, "created_at": self.now()},
            )
            row = self.one(
                "SELECT * FROM conversations WHERE account_id = ? AND contact_id = ?",
                [account_id, contact_id],
            )
        assert row is not None
        return row

    def update_conversation(self, conversation_id: int, **values: Any) -> None:
        self.update("conversations", conversation_id, **values)

    def user_dmed_first(self, account_id: str, contact_id: int) -> bool:
        return bool(
            self.scalar(
                "SELECT 1 FROM messages WHERE account_id = ? AND contact_id = ? "
                "AND direction = 'in' LIMIT 1",
                [account_id, contact_id],
            )
        )

    def human_silence_until(self, account_id: str, contact_id: int) -> str | None:
        """Until when the bot stays quiet: an open task, or the takeover cooling period."""
        if self.scalar(
            "SELECT 1 FROM tasks WHERE contact_id = ? AND state = 'claimed' LIMIT 1", [contact_id]
        ):
            return "9999-12-31T00:00:00.000000Z"
        return self.scalar(
            "SELECT human_until FROM conversations WHERE account_id = ? AND contact_id = ? "
            "AND human_until > ?",
            [account_id, contact_id, self.now()],
        )

    # --- messages -----------------------------------------------------------------

    def add_message(self, row: dict[str, Any], actor: str, reason: str | None = None) -> int:
        now = self.now()
        row = {"created_at": now, "updated_at": now, **row}
        with self.atomic():
            message_id = self.insert("messages", row)
            self.insert(
                "message_transitions",
                {
                    "message_id": message_id,
                    "account_id": row["account_id"],
                    "origin": row["origin"],
                    "from_state": None,
                    "to_state": row["state"],
                    "actor": actor,
                    "reason": reason,
                    "at": now,
                },
            )
        return message_id

    def transition(self, message_id: int, from_states: tuple[str, ...], to_state: str,
                   actor: str, reason: str | None = None, **fields: Any) -> bool:
        """Move a message to ``to_state`` if it is in one of ``from_states``; record why.

        Returns False (and changes nothing) when the message was not in an allowed
        state, which is how two workers racing for the same message are told apart.
        """
        now = self.now()
        marks = ", ".join("?" for _ in from_states)
        with self.atomic():
            row = self.db.execute("SELECT state, account_id, origin FROM messages WHERE id = ?",
                                  [message_id]).fetchone()
            current = row[0] if row else None
            if current not in from_states:
                return False
            assignments = ", ".join(f"{column} = ?" for column in fields)
            extra = f", {assignments}" if assignments else ""
            cursor = self.db.execute(
                f"UPDATE messages SET state = ?, updated_at = ?{extra} "
                f"WHERE id = ? AND state IN ({marks})",
                [to_state, now, *fields.values(), message_id, *from_states],
            )
            if cursor.rowcount != 1:
                return False
            self.insert(
                "message_transitions",
                {
                    "message_id": message_id,
                    "account_id": row[1],
                    "origin": row[2],
                    "from_state": current,
                    "to_state": to_state,
                    "actor": actor,
                    "reason": reason,
                    "at": now,
                },
            )
        return True

    def defer(self, message_id: int, until: str, actor: str, reason: str) -> bool:
        """Keep a queued message queued until ``until``; the wait and its reason are recorded."""
        return self.transition(message_id, ("queued",), "queued", actor,
                               f"deferred until {until[:16]}: {reason}", send_after=until)

    def note_failure(self, message_id: int, failure: str) -> None:
        self.db.execute("UPDATE messages SET failure = ? WHERE id = ?", [failure, message_id])

    def unsettled_replies(self, contact_id: int) -> int:
        """Personal replies to this person still queued or awaiting the platform's answer."""
        return int(self.scalar(
            "SELECT COUNT(*) FROM messages WHERE contact_id = ? AND origin = 'human' "
            "AND state IN ('queued', 'sending')", [contact_id]))

    def last_inbound_text(self, contact_id: int) -> str | None:
        return self.scalar("SELECT text FROM messages WHERE contact_id = ? AND direction = 'in' "
                           "ORDER BY id DESC LIMIT 1", [contact_id])

    def sent_messages(self, account_id: str, since: datetime) -> list[dict[str, Any]]:
        """Everything the account sent since a moment, oldest first, with the recipient."""
        return self.all(
            "SELECT m.id, m.contact_id, m.origin, m.kind, m.text, m.labelled_text, m.sent_at, "
            "m.verdict, c.user_id, c.username, c.name AS contact_name, c.bio, c.location, "
            "c.followed_at FROM messages m LEFT JOIN contacts c ON c.id = m.contact_id "
            "WHERE m.account_id = ? AND m.direction = 'out' AND m.state = 'sent' "
            "AND m.sent_at >= ? ORDER BY m.sent_at, m.id", [account_id, iso(since)])

    def followers(self, account_id: str, limit: int) -> list[dict[str, Any]]:
        return self.all("SELECT * FROM contacts WHERE account_id = ? AND followed_at IS NOT NULL "
                        "ORDER BY id LIMIT ?", [account_id, limit])

    def last_automated_recipient(self, account_id: str) -> str | None:
        """The platform id of the last person who got an automated DM and did not opt out."""
        return self.scalar(
            "SELECT c.user_id FROM messages m JOIN contacts c ON c.id = m.contact_id "
            "WHERE m.account_id = ? AND m.state = 'sent' AND m.origin IN ('sequence', 'submit') "
            "AND c.id NOT IN (SELECT contact_id FROM opt_outs WHERE reversed_at IS NULL) "
            "ORDER BY m.id DESC LIMIT 1", [account_id])

    def get_message(self, message_id: int) -> dict[str, Any] | None:
        return self.one("SELECT * FROM messages WHERE id = ?", [message_id])

    def messages_in_state(self, account_id: str, state: str, *, due_by: str | None = None,
                          limit: int = 1000) -> list[dict[str, Any]]:
        if due_by is None:
            return self.all(
                "SELECT * FROM messages WHERE account_id = ? AND state = ? ORDER BY id LIMIT ?",
                [account_id, state, limit],
            )
        return self.all(
            "SELECT * FROM messages WHERE account_id = ? AND state = ? "
            "AND (send_after IS NULL OR send_after <= ?) ORDER BY send_after, id LIMIT ?",
            [account_id, state, due_by, limit],
        )

    def transitions(self, message_id: int) -> list[dict[str, Any]]:
        return self.all(
            "SELECT * FROM message_transitions WHERE message_id = ? ORDER BY id", [message_id]
        )

    def conversation_messages(self, contact_id: int, limit: int = 20) -> list[dict[str, Any]]:
        rows = self.all(
            "SELECT * FROM messages WHERE contact_id = ? AND state IN ('sent', 'received') "
            "ORDER BY COALESCE(sent_at, created_at) DESC, id DESC LIMIT ?",
            [contact_id, limit],
        )
        return rows[::-1]

    def last_outbound_automated(self, contact_id: int) -> dict[str, Any] | None:
        return self.one(
            "SELECT * FROM messages WHERE contact_id = ? AND direction = 'out' "
            "AND origin IN ('sequence', 'submit') AND state = 'sent' "
            "ORDER BY sent_at DESC LIMIT 1",
            [contact_id],
        )

    def sent_count(self, account_id: str, since: datetime) -> int:
        """Messages this account sent (or is sending) since a moment: what limits count."""
        return int(
            self.scalar(
                "SELECT COUNT(*) FROM messages WHERE account_id = ? AND direction = 'out' "
                "AND state IN ('sending', 'sent') AND COALESCE(sent_at, updated_at) > ?",
                [account_id, iso(since)],
            )
        )

    def last_sent_at(self, account_id: str) -> str | None:
        return self.scalar(
            "SELECT MAX(COALESCE(sent_at, updated_at)) FROM messages WHERE account_id = ? "
            "AND direction = 'out' AND state IN ('sending', 'sent')",
            [account_id],
        )

    def automated_sent_to(self, contact_id: int, since: datetime) -> list[dict[str, Any]]:
        return self.all(
            "SELECT id, text, sent_at FROM messages WHERE contact_id = ? AND direction = 'out' "
            "AND origin IN ('sequence', 'submit', 'system') "
            "AND state IN ('queued', 'sending', 'sent') AND COALESCE(sent_at, updated_at) > ?",
            [contact_id, iso(since)],
        )

    def recent_outbound_texts(self, account_id: str, since: datetime) -> Iterator[dict[str, Any]]:
        yield from self.db.query(
            "SELECT m.text, m.contact_id, c.name FROM messages m "
            "LEFT JOIN contacts c ON c.id = m.contact_id "
            "WHERE m.account_id = ? AND m.direction = 'out' AND m.state IN ('queued', 'sending', "
            "'sent') AND m.created_at > ?",
            [account_id, iso(since)],
        )

    def pending_automated(self, contact_id: int) -> list[dict[str, Any]]:
        marks = ", ".join("?" for _ in PENDING_MESSAGE_STATES)
        return self.all(
            f"SELECT * FROM messages WHERE contact_id = ? AND direction = 'out' "
            f"AND origin IN ('sequence', 'submit') AND state IN ({marks})",
            [contact_id, *PENDING_MESSAGE_STATES],
        )

    def sending_to(self, contact_id: int) -> list[dict[str, Any]]:
        """Messages to this person awaiting the platform's answer, oldest first."""
        return self.all("SELECT * FROM messages WHERE contact_id = ? AND state = 'sending' "
                        "ORDER BY id", [contact_id])

    def has_event(self, account_id: str, event_id: str) -> bool:
        return bool(
            self.scalar(
                "SELECT 1 FROM messages WHERE account_id = ? AND platform_event_id = ?",
                [account_id, event_id],
            )
        )

    def add_findings(self, message_id: int, findings: list[dict[str, Any]]) -> None:
        with self.atomic():
            self.db.execute("DELETE FROM findings WHERE message_id = ?", [message_id])
            for finding in findings:
                span = finding.get("span") or [None, None]
                self.insert(
                    "findings",
                    {
                        "message_id": message_id,
                        "rule": finding["rule"],
                        "name": finding["name"],
                        "severity": finding["severity"],
                        "message": finding["message"],
                        "span_start": span[0],
                        "span_end": span[1],
                    },
                )

    def save_verdicts(
        self, verdicts: list[tuple[int, str, int, list[dict[str, Any]], bool]]
    ) -> None:
        """Store (message id, verdict, score, findings, judged before) in one transaction."""
        with self.atomic():
            again = [(message_id,) for message_id, *_, before in verdicts if before]
            self.db.conn.executemany("DELETE FROM findings WHERE message_id = ?", again)
            self.db.conn.executemany(
                "UPDATE messages SET verdict = ?, score = ? WHERE id = ?",
                [(verdict, score, message_id) for message_id, verdict, score, *_ in verdicts])
            self.db.conn.executemany(
                "INSERT INTO findings (message_id, rule, name, severity, message, span_start, "
                "span_end) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(message_id, f["rule"], f["name"], f["severity"], f["message"],
                  *(f.get("span") or (None, None)))
                 for message_id, _, _, found, _ in verdicts for f in found])

    def findings_for(self, message_id: int) -> list[dict[str, Any]]:
        return self.all("SELECT * FROM findings WHERE message_id = ? ORDER BY id", [message_id])

    # --- opt-outs -----------------------------------------------------------------

    def is_opted_out(self, contact_id: int) -> bool:
        return bool(
            self.scalar(
                "SELECT 1 FROM opt_outs WHERE contact_id = ? AND reversed_at IS NULL LIMIT 1",
                [contact_id],
            )
        )

    def opt_out(self, account_id: str, contact_id: int, via_message_id: int | None) -> bool:
        if self.is_opted_out(contact_id):
            return False
        self.insert(
            "opt_outs",
            {
                "account_id": account_id,
                "contact_id": contact_id,
                "opted_out_at": self.now(),
                "via_message_id": via_message_id,
            },
        )
        return True

    def opt_in(self, contact_id: int) -> bool:
        cursor = self.db.execute(
            "UPDATE opt_outs SET reversed_at = ? WHERE contact_id = ? AND reversed_at IS NULL",
            [self.now(), contact_id],
        )
        return cursor.rowcount > 0

    # --- tasks --------------------------------------------------------------------

    def add_task(self, row: dict[str, Any], actor: str) -> int:
        now = self.now()
        with self.atomic():
            task_id = self.insert("tasks", {"state": "open", "created_at": now, **row})
            self.insert(
                "task_actions",
                {"task_id": task_id, "action": "opened", "actor": actor,
                 "note": row["reason"], "at": now},
            )
        return task_id

    def open_task_for(self, contact_id: int, kind: str | None = None) -> dict[str, Any] | None:
        if kind is None:
            return self.one(
                "SELECT * FROM tasks WHERE contact_id = ? AND state IN ('open', 'claimed') "
                "ORDER BY id LIMIT 1",
                [contact_id],
            )
        return self.one(
            "SELECT * FROM tasks WHERE contact_id = ? AND kind = ? "
            "AND state IN ('open', 'claimed') ORDER BY id LIMIT 1",
            [contact_id, kind],
        )

    def open_task_replied_by(self, message_id: int) -> dict[str, Any] | None:
        return self.one("SELECT * FROM tasks WHERE reply_message_id = ? "
                        "AND state IN ('open', 'claimed')", [message_id])

    def get_task(self, task_id: int) -> dict[str, Any] | None:
        return self.one("SELECT * FROM tasks WHERE id = ?", [task_id])

    def list_tasks(self, *, states: tuple[str, ...] = OPEN_TASK_STATES,
                   account_id: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        marks = ", ".join("?" for _ in states)
        params: list[Any] = [*states]
        account_clause = ""
        if account_id:
            account_clause = "AND t.account_id = ? "
            params.append(account_id)
        params.append(limit)
        return self.all(
            "SELECT t.*, c.username, c.name AS contact_name FROM tasks t "
            f"JOIN contacts c ON c.id = t.contact_id WHERE t.state IN ({marks}) {account_clause}"
            "ORDER BY t.priority DESC, t.due_at, t.id LIMIT ?",
            params,
        )

    def change_task(self, task_id: int, from_states: tuple[str, ...], action: str, actor: str,
                    note: str | None = None, **fields: Any) -> bool:
        now = self.now()
        marks = ", ".join("?" for _ in from_states)
        with self.atomic():
            assignments = "".join(f", {column} = ?" for column in fields)
            cursor = self.db.execute(
                f"UPDATE tasks SET id = id{assignments} WHERE id = ? AND state IN ({marks})",
                [*fields.values(), task_id, *from_states],
            )
            if cursor.rowcount != 1:
                return False
            self.insert(
                "task_actions",
                {"task_id": task_id, "action": action, "actor": actor, "note": note, "at": now},
            )
        return True

    def task_actions(self, task_id: int) -> list[dict[str, Any]]:
        return self.all("SELECT * FROM task_actions WHERE task_id = ? ORDER BY id", [task_id])

    # --- enrolments ---------------------------------------------------------------

    def enrol(self, account_id: str, contact_id: int, sequence: str, next_at: str) -> bool:
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO enrolments (account_id, contact_id, sequence, next_step, "
            "next_at, state, created_at) VALUES (?, ?, ?, 1, ?, 'active', ?)",
            [account_id, contact_id, sequence, next_at, self.now()],
        )
        return cursor.rowcount > 0

    def due_enrolments(self, account_id: str) -> list[dict[str, Any]]:
        return self.all(
            "SELECT * FROM enrolments WHERE account_id = ? AND state = 'active' AND next_at <= ? "
            "ORDER BY next_at, id",
            [account_id, self.now()],
        )

    def stop_enrolments(self, contact_id: int, state: str) -> None:
        self.db.execute(
            "UPDATE enrolments SET state = ? WHERE contact_id = ? AND state = 'active'",
            [state, contact_id],
        )

    # --- runs and API calls -------------------------------------------------------

    def start_run(self, job: str, account_id: str | None) -> int:
        return self.insert(
            "runs",
            {"job": job, "account_id": account_id, "started_at": self.now(), "status": "running"},
        )

    def finish_run(self, run_id: int, status: str, summary: str | None = None,
                   error: str | None = None) -> None:
        self.update("runs", run_id, finished_at=self.now(), status=status, summary=summary,
                    error=error)

    def run_with_summary(self, job: str, summary: str) -> bool:
        return bool(self.scalar("SELECT 1 FROM runs WHERE job = ? AND status = 'ok' "
                                "AND summary = ?", [job, summary]))

    def last_run(self, job: str, status: str = "ok") -> dict[str, Any] | None:
        return self.one(
            "SELECT * FROM runs WHERE job = ? AND status = ? ORDER BY started_at DESC LIMIT 1",
            [job, status],
        )

    def record_api_call(self, account_id: str, endpoint: str, method: str, status: int | None,
                        cost: float) -> None:
        self.insert(
            "api_calls",
            {"account_id": account_id, "endpoint": endpoint, "method": method, "status": status,
             "cost": cost, "at": self.now()},
        )

