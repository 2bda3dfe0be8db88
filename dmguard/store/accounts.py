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

    def set_last_dm_event(self, account_id: str, event_id: str) -> None:
        """Where the next inbox sync starts reading."""
        self._sql.update("accounts", account_id, last_dm_event_id=event_id)

    def pause(self, account_id: str, reason: str) -> None:
        self._sql.update("accounts", account_id, paused_reason=reason, paused_at=self._sql.now())
