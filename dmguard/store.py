"""The store: one SQLite file through sqlite-utils, and every SQL statement dmguard runs.

Tables are plain and plural so an owner can open the file in Datasette and read
it. Migrations are named and append-only; each runs in a transaction together
with its row in ``migrations``. Every multi-row change runs in :meth:`Store.atomic`.
A ``Store`` belongs to the thread that opened it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from dmguard.clock import Clock, iso


class StoreError(Exception):
    """The database cannot be used as it is; the message says what to do."""


SCHEMA_V1 = """
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    platform TEXT NOT NULL,
    user_id TEXT,
    username TEXT,
    name TEXT,
    paused_reason TEXT,
    paused_at TEXT,
    last_dm_event_id TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    user_id TEXT NOT NULL,
    username TEXT,
    name TEXT,
    bio TEXT,
    location TEXT,
    lang TEXT,
    followers_count INTEGER,
    verified INTEGER NOT NULL DEFAULT 0,
    followed_at TEXT,
    first_seen_at TEXT NOT NULL,
    UNIQUE (account_id, user_id)
);
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    platform_conversation_id TEXT,
    first_inbound_at TEXT,
    human_until TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (account_id, contact_id)
);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    contact_id INTEGER REFERENCES contacts(id),
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    origin TEXT NOT NULL,
    kind TEXT NOT NULL,
    external_id TEXT,
    sequence TEXT,
    step INTEGER,
    text TEXT NOT NULL,
    labelled_text TEXT,
    state TEXT NOT NULL,
    verdict TEXT,
    score INTEGER,
    platform_event_id TEXT,
    failure TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    send_after TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX idx_messages_state ON messages (account_id, state, send_after);
CREATE INDEX idx_messages_contact ON messages (contact_id, direction, sent_at);
CREATE INDEX idx_messages_created ON messages (account_id, created_at);
CREATE INDEX idx_messages_sent ON messages (account_id, sent_at);
CREATE UNIQUE INDEX idx_messages_event ON messages (account_id, platform_event_id)
    WHERE platform_event_id IS NOT NULL;
CREATE TABLE message_transitions (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages(id),
    from_state TEXT,
    to_state TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT,
    at TEXT NOT NULL
);
CREATE INDEX idx_transitions_message ON message_transitions (message_id);
CREATE INDEX idx_transitions_at ON message_transitions (at, to_state);
CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages(id),
    rule TEXT NOT NULL,
    name TEXT NOT NULL,
    severity TEXT NOT NULL,
    message TEXT NOT NULL,
    span_start INTEGER,
    span_end INTEGER
);
CREATE INDEX idx_findings_message ON findings (message_id);
CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    message_id INTEGER REFERENCES messages(id),
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    priority INTEGER NOT NULL,
    state TEXT NOT NULL,
    due_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    claimed_by TEXT,
    claimed_at TEXT,
    closed_by TEXT,
    closed_at TEXT,
    reply_message_id INTEGER REFERENCES messages(id)
);
CREATE INDEX idx_tasks_state ON tasks (account_id, state, priority, due_at);
CREATE INDEX idx_tasks_contact ON tasks (contact_id, state);
CREATE TABLE task_actions (
    id INTEGER PRIMARY KEY,
    task_id INTEGER NOT NULL REFERENCES tasks(id),
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    note TEXT,
    at TEXT NOT NULL
);
CREATE TABLE opt_outs (
    id INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    opted_out_at TEXT NOT NULL,
    via_message_id INTEGER REFERENCES messages(id),
    reversed_at TEXT
);
CREATE INDEX idx_opt_outs_contact ON opt_outs (contact_id, reversed_at);
CREATE TABLE enrolments (
    id INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    sequence TEXT NOT NULL,
    next_step INTEGER NOT NULL,
    next_at TEXT,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (contact_id, sequence)
);
CREATE INDEX idx_enrolments_due ON enrolments (account_id, state, next_at);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    job TEXT NOT NULL,
    account_id TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    summary TEXT,
    error TEXT
);
CREATE INDEX idx_runs_job ON runs (job, started_at);
CREATE TABLE api_calls (
    id INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    method TEXT NOT NULL,
    status INTEGER,
    cost REAL NOT NULL DEFAULT 0,
    at TEXT NOT NULL
);
CREATE INDEX idx_api_calls_at ON api_calls (account_id, at);
"""

# A message's account and origin never change, so each transition carries them too:
# the daily report then counts transitions from one covering index, without a join.
TRANSITION_OWNER = """
ALTER TABLE message_transitions ADD COLUMN account_id TEXT;
ALTER TABLE message_transitions ADD COLUMN origin TEXT;
UPDATE message_transitions SET
    account_id = (SELECT account_id FROM messages WHERE messages.id = message_id),
    origin = (SELECT origin FROM messages WHERE messages.id = message_id);
CREATE INDEX idx_transitions_owner
    ON message_transitions (account_id, at, to_state, origin, message_id);
CREATE INDEX idx_messages_sent_kind ON messages (account_id, sent_at, direction, origin, state);
"""

# Who is calling the platform for a message in ``sending`` ("host:pid"): reconcile
# must not settle a send that is still in flight in another thread or process.
SENDING_CLAIM = """
ALTER TABLE messages ADD COLUMN sending_by TEXT;
"""

MIGRATIONS: list[tuple[str, str]] = [
    ("0001_initial", SCHEMA_V1),
    ("0002_transition_owner", TRANSITION_OWNER),
    ("0003_sending_claim", SENDING_CLAIM),
]

OPEN_TASK_STATES = ("open", "claimed")
PENDING_MESSAGE_STATES = ("draft", "audited", "queued", "held")


def _known_migrations() -> list[str]:
    return [name for name, _ in MIGRATIONS]


class Store:
    def __init__(self, db: sqlite_utils.Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    # --- opening and migrations ---------------------------------------------------

    @classmethod
    def open(cls, path: Path | str, clock: Clock) -> Store:
        """Open (creating if needed) and migrate; raise StoreError with what to do."""
        path = Path(path)
        if str(path) != ":memory:":
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreError(f"{path}: cannot create the database folder: {error}") from None
        try:
            conn = sqlite3.connect(str(path), timeout=30, check_same_thread=True)
            db = sqlite_utils.Database(conn)
            db.execute("PRAGMA foreign_keys = ON")
            if str(path) != ":memory:":
                db.enable_wal()
            db.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as error:
            raise StoreError(
                f"{path}: cannot open the database ({error}); check the path and its permissions"
            ) from None
        store = cls(db, clock)
        store.migrate(path)
        return store

    def migrate(self, path: Path | str = "database") -> list[str]:
        try:
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
            )
            applied = {row["name"] for row in self.db.query("SELECT name FROM migrations")}
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{path}: not a dmguard database ({error})") from None
        unknown = sorted(applied - set(_known_migrations()))
        if unknown:
            raise StoreError(
                f"{path}: made by a newer dmguard (migrations {', '.join(unknown)}); "
                "upgrade dmguard or point store.path at another file. Nothing was changed."
            )
        done = []
        for name, sql in MIGRATIONS:
            if name in applied:
                continue
            with self.atomic():
                for statement in sql.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute(
                    "INSERT INTO migrations (name, applied_at) VALUES (?, ?)",
                    [name, self.now()],
                )
            done.append(name)
        return done

    def close(self) -> None:
        self.db.close()

    def now(self) -> str:
        return iso(self.clock.now())

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """A transaction that takes the write lock at its start (nested: a savepoint).

        The daemon's threads and the CLI write to one file. A deferred transaction that
        reads and then writes fails at once ("database is locked") when another
        connection committed in between; an immediate one waits its turn instead.
        """
        if self.db.conn.in_transaction:
            with self.db.atomic():
                yield
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.conn.rollback()
            raise
        try:
            self.db.execute("COMMIT")
        except BaseException:
            self.db.conn.rollback()
            raise

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

