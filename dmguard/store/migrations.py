"""Named, append-only migrations: the schema's history, applied under the write lock.

A database records each migration's name when it is applied, so a migration, once
released, is never edited, renamed or reordered: a change to the schema is a new
migration at the end. ``tests/store/test_migrations.py`` holds the hash of every
migration's text and fails when one is edited.

Several processes may start on one fresh file at once (the daemon, the CLI, the
web page): each checks and applies a migration inside one ``BEGIN IMMEDIATE``
transaction, re-reading the applied names once it holds the lock.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from dmguard.store.connection import Connection, StoreError

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

# The team that works the queue: people who log in (argon2 hashes, never passwords),
# the accounts an agent works on (none listed: every account), server-side sessions
# (the cookie holds a token whose SHA-256 is the id; CSRF token and a one-shot notice
# ride with it), and login attempts for rate limiting per user and per address.
USERS = """
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('agent', 'admin')),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    removed_at TEXT
);
CREATE UNIQUE INDEX idx_users_name ON users (name) WHERE removed_at IS NULL;
CREATE TABLE user_accounts (
    user_id INTEGER NOT NULL REFERENCES users(id),
    account_id TEXT NOT NULL,
    PRIMARY KEY (user_id, account_id)
);
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    address TEXT,
    notice TEXT
);
CREATE INDEX idx_sessions_user ON sessions (user_id);
CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    ok INTEGER NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX idx_login_attempts_key ON login_attempts (key, at);
"""

# Working the queue as a team: a task can be snoozed until a time (it leaves the
# list until then); a person has internal notes; an urgent or overdue task is
# announced once per channel (the row is taken before sending, so never twice).
TASK_ASSIGNMENT = """
ALTER TABLE tasks ADD COLUMN snoozed_until TEXT;
CREATE INDEX idx_tasks_open_contact ON tasks (state, contact_id, priority, due_at);
CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX idx_notes_contact ON notes (contact_id, id);
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    task_id INTEGER NOT NULL REFERENCES tasks(id),
    reason TEXT NOT NULL CHECK (reason IN ('urgent', 'overdue')),
    channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    state TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'failed')),
    error TEXT,
    at TEXT NOT NULL,
    UNIQUE (task_id, reason, channel)
);
"""


@dataclass(frozen=True)
class Migration:
    name: str
    sql: str

    def statements(self) -> list[str]:
        return [statement for statement in self.sql.split(";") if statement.strip()]


# Account-level outcomes of the platform's answers: a 24-hour or usage cap stops sends
# (not reads) until a moment; the first sync of an existing account reads its history
# page by page and must resume where a rate limit stopped it. An account that already
# polls (it has a cursor) counts as synced: its history is not read again.
ACCOUNT_STATE = """
ALTER TABLE accounts ADD COLUMN sends_blocked_until TEXT;
ALTER TABLE accounts ADD COLUMN sends_blocked_reason TEXT;
ALTER TABLE accounts ADD COLUMN history_cursor TEXT;
ALTER TABLE accounts ADD COLUMN history_synced_at TEXT;
ALTER TABLE accounts ADD COLUMN last_check_at TEXT;
UPDATE accounts SET history_synced_at = created_at WHERE last_dm_event_id IS NOT NULL;
"""

# One writer: the daemon holds a lease (holder, heartbeat, expiry) so a second
# `dmguard run`, or a redeploy that overlaps, cannot send beside it.
LEASES = """
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    acquired_at TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
"""

# What X bills: one row per resource, kind and UTC day (pricing.mdx, "Deduplication");
# a DM sent is its own resource (billed per request).
BILLING = """
CREATE TABLE billed_resources (
    account_id TEXT NOT NULL,
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    at TEXT NOT NULL,
    amount REAL NOT NULL,
    PRIMARY KEY (account_id, day, kind, resource_id)
);
CREATE INDEX billed_resources_at ON billed_resources (account_id, at);
"""

# What the account's own people taught the judge (looks-automated) by their decisions: one row per
# decision about one text (see dmguard/learning.py); the audit reads an account's latest.
LESSONS = """
CREATE TABLE lessons (
    id INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    text TEXT NOT NULL,
    label TEXT NOT NULL CHECK (label IN ('acceptable', 'generic', 'personal')),
    decision TEXT NOT NULL CHECK (decision IN ('released', 'rewritten', 'dismissed', 'replied')),
    message_id INTEGER REFERENCES messages(id),
    actor TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX idx_lessons_account ON lessons (account_id, id);
"""

# When the account's sender last went over its queue: a gap in it is an outage, after which
# automated DMs long overdue are given up (limits.give_up_after, dmguard/outbox.py).
SENDER_SEEN = """
ALTER TABLE accounts ADD COLUMN sender_seen_at TEXT;
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration("0001_initial", SCHEMA_V1),
    Migration("0002_transition_owner", TRANSITION_OWNER),
    Migration("0003_sending_claim", SENDING_CLAIM),
    Migration("0004_account_state", ACCOUNT_STATE),
    Migration("0005_leases", LEASES),
    # 0006-0009 were never used (two branches numbered apart); the next one is 0012.
    Migration("0010_users", USERS),
    Migration("0011_task_assignment", TASK_ASSIGNMENT),
    Migration("0012_billing", BILLING),
    Migration("0013_lessons", LESSONS),
    Migration("0014_sender_seen", SENDER_SEEN),
)


def _applied(connection: Connection) -> set[str]:
    return {row["name"] for row in connection.rows("SELECT name FROM migrations")}


def _refuse_unknown(applied: set[str], path: str) -> None:
    unknown = sorted(applied - {migration.name for migration in MIGRATIONS})
    if unknown:
        raise StoreError(
            f"{path}: made by a newer dmguard (migrations {', '.join(unknown)}); "
            "upgrade dmguard or point store.path at another file. Nothing was changed."
        )


def migrate(connection: Connection, path: str | None = None) -> list[str]:
    """Apply the migrations this database lacks, in order; return the names applied.

    Each one runs in its own immediate transaction together with its row in
    ``migrations``; whether it is still needed is decided inside that transaction,
    so a second process starting at the same moment waits, then finds it done.
    """
    where = path or connection.path
    try:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
        )
        applied = _applied(connection)
    except sqlite3.DatabaseError as error:
        raise StoreError(f"{where}: not a dmguard database ({error})") from None
    _refuse_unknown(applied, where)
    done = []
    for migration in MIGRATIONS:
        if migration.name in applied:
            continue
        with connection.atomic():
            applied = _applied(connection)
            _refuse_unknown(applied, where)
            if migration.name in applied:
                continue
            for statement in migration.statements():
                connection.execute(statement)
            connection.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)",
                                [migration.name, connection.now()])
        done.append(migration.name)
    return done
