"""Sessions of the web page, and login attempts (for rate limiting).

A session's id is the SHA-256 of the token in the browser's cookie, so a copy of
the database does not let anyone in. Each session has its own CSRF token, an
absolute expiry, and a one-shot notice shown on the next page.
"""

from __future__ import annotations

from dataclasses import dataclass

from dmguard.store.connection import Connection
from dmguard.store.rows import maybe


@dataclass(frozen=True)
class Session:
    id: str
    user_id: int
    csrf: str
    created_at: str
    expires_at: str
    address: str | None
    notice: str | None


class Sessions:
    def __init__(self, connection: Connection) -> None:
        self._sql = connection

    def start(self, session_id: str, user_id: int, csrf: str, expires_at: str,
              address: str | None) -> None:
        now = self._sql.now()
        with self._sql.atomic():
            # Expired sessions are swept whenever someone logs in.
            self._sql.execute("DELETE FROM sessions WHERE expires_at <= ?", [now])
            self._sql.insert("sessions", {"id": session_id, "user_id": user_id, "csrf": csrf,
                                          "created_at": now, "expires_at": expires_at,
                                          "address": address})

    def live(self, session_id: str) -> Session | None:
        """The session, unless it expired (or its user was removed)."""
        return maybe(Session, self._sql.one(
            "SELECT s.* FROM sessions s JOIN users u ON u.id = s.user_id "
            "WHERE s.id = ? AND s.expires_at > ? AND u.removed_at IS NULL",
            [session_id, self._sql.now()]))

    def end(self, session_id: str) -> None:
        self._sql.execute("DELETE FROM sessions WHERE id = ?", [session_id])

    def set_notice(self, session_id: str, notice: str | None) -> None:
        self._sql.update("sessions", session_id, notice=notice)

    def take_notice(self, session_id: str) -> str | None:
        """The notice for the next page, once."""
        if self._sql.scalar("SELECT notice FROM sessions WHERE id = ?", [session_id]) is None:
            return None  # the usual case: no write lock taken for a page view
        with self._sql.atomic():
            notice = self._sql.scalar("SELECT notice FROM sessions WHERE id = ?", [session_id])
            if notice is not None:
                self._sql.update("sessions", session_id, notice=None)
        return notice

    # --- login attempts -----------------------------------------------------------

    def record_attempt(self, keys: tuple[str, ...], ok: bool) -> None:
        now = self._sql.now()
        with self._sql.atomic():
            for key in keys:
                self._sql.insert("login_attempts", {"key": key, "ok": int(ok), "at": now})

    def failures_since(self, key: str, since: str) -> int:
        """Failed attempts for a key since a moment, not counting those before a success."""
        return int(self._sql.scalar(
            "SELECT COUNT(*) FROM login_attempts WHERE key = ? AND ok = 0 AND at > ? "
            "AND id > COALESCE((SELECT MAX(id) FROM login_attempts WHERE key = ? AND ok = 1), 0)",
            [key, since, key]))

    def forget_attempts_before(self, before: str) -> None:
        self._sql.execute("DELETE FROM login_attempts WHERE at < ?", [before])
