"""Accounts: the platform accounts dmguard sends from."""

from __future__ import annotations

from dataclasses import dataclass

from dmguard.store.connection import Connection
from dmguard.store.rows import maybe


@dataclass(frozen=True)
class Account:
    id: str
    platform: str
    user_id: str | None
    username: str | None
    name: str | None
    paused_reason: str | None
    paused_at: str | None
    last_dm_event_id: str | None
    created_at: str
    sends_blocked_until: str | None
    sends_blocked_reason: str | None
    history_cursor: str | None
    history_synced_at: str | None
    last_check_at: str | None
    sender_seen_at: str | None = None


class Accounts:
    def __init__(self, connection: Connection) -> None:
        self._sql = connection

    def get(self, account_id: str) -> Account | None:
        return maybe(Account, self._sql.one("SELECT * FROM accounts WHERE id = ?", [account_id]))

    def ensure(self, account_id: str, platform: str) -> Account:
        """The account, created (with this platform) when it is not stored yet."""
        account = self.get(account_id)
        if account is None:
            self._sql.insert("accounts", {"id": account_id, "platform": platform,
                                          "created_at": self._sql.now()})
            account = self.get(account_id)
        assert account is not None
        return account

    def set_identity(self, account_id: str, user_id: str, username: str | None,
                     name: str | None) -> None:
        """Who the account is on the platform (learnt from the platform each tick)."""
        self._sql.update("accounts", account_id, user_id=user_id, username=username, name=name)

    def sender_seen(self, account_id: str) -> str | None:
        """Record that the sender goes over the account's queue now; when it last did."""
        with self._sql.atomic():
            before = self._sql.scalar("SELECT sender_seen_at FROM accounts WHERE id = ?",
                                      [account_id])
            self._sql.update("accounts", account_id, sender_seen_at=self._sql.now())
        return str(before) if before else None

    def set_last_dm_event(self, account_id: str, event_id: str) -> None:
        """Where the next inbox sync starts reading."""
        self._sql.update("accounts", account_id, last_dm_event_id=event_id)

    def pause(self, account_id: str, reason: str) -> None:
        self._sql.update("accounts", account_id, paused_reason=reason, paused_at=self._sql.now())

    def resume(self, account_id: str) -> bool:
        """Lift a pause; False when the account was not paused."""
        cursor = self._sql.execute(
            "UPDATE accounts SET paused_reason = NULL, paused_at = NULL "
            "WHERE id = ? AND paused_reason IS NOT NULL", [account_id])
        return cursor.rowcount > 0

    def note_check(self, account_id: str) -> None:
        """When a paused account was last checked live (checks are spaced, not every tick)."""
        self._sql.update("accounts", account_id, last_check_at=self._sql.now())

    def block_sends(self, account_id: str, until: str, reason: str) -> None:
        """No sends before ``until`` (a 24-hour or usage cap); reads go on."""
        self._sql.update("accounts", account_id, sends_blocked_until=until,
                         sends_blocked_reason=reason)

    def set_history_cursor(self, account_id: str, cursor: str | None) -> None:
        """The next page of the first sync's history read (None: start from the newest)."""
        self._sql.update("accounts", account_id, history_cursor=cursor)

    def history_done(self, account_id: str) -> None:
        self._sql.update("accounts", account_id, history_cursor=None,
                         history_synced_at=self._sql.now())
