"""Users: the team that works the queue, their roles and the accounts an agent works on.

Only password hashes are stored (argon2, made by :mod:`dmguard.users`). A removed user
keeps their row (their name stays in the history of what they did) but cannot log in,
and the name can be given to someone new.
"""

from __future__ import annotations

from dataclasses import dataclass

from dmguard.store.connection import Connection
from dmguard.store.rows import maybe, record

ROLES = ("agent", "admin")


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    password_hash: str
    created_at: str
    removed_at: str | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class Users:
    def __init__(self, connection: Connection) -> None:
        self._sql = connection

    def add(self, name: str, role: str, password_hash: str,
            accounts: tuple[str, ...] = ()) -> int:
        with self._sql.atomic():
            user_id = self._sql.insert("users", {"name": name, "role": role,
                                                 "password_hash": password_hash,
                                                 "created_at": self._sql.now()})
            for account_id in accounts:
                self._sql.insert("user_accounts", {"user_id": user_id, "account_id": account_id})
        return user_id

    def get(self, user_id: int) -> User | None:
        return maybe(User, self._sql.one(
            "SELECT * FROM users WHERE id = ? AND removed_at IS NULL", [user_id]))

    def named(self, name: str) -> User | None:
        """The active user with this name."""
        return maybe(User, self._sql.one(
            "SELECT * FROM users WHERE name = ? AND removed_at IS NULL", [name]))

    def active(self) -> list[User]:
        return [record(User, row) for row in self._sql.rows(
            "SELECT * FROM users WHERE removed_at IS NULL ORDER BY name")]

    def count(self) -> int:
        return int(self._sql.scalar("SELECT COUNT(*) FROM users WHERE removed_at IS NULL"))

    def accounts(self, user_id: int) -> tuple[str, ...]:
        """The accounts this user works on; empty means every account."""
        return tuple(row["account_id"] for row in self._sql.rows(
            "SELECT account_id FROM user_accounts WHERE user_id = ? ORDER BY account_id",
            [user_id]))

    def set_password(self, user_id: int, password_hash: str) -> None:
        self._sql.update("users", user_id, password_hash=password_hash)

    def remove(self, user_id: int) -> None:
        """The user can no longer log in; their sessions end with them."""
        with self._sql.atomic():
            self._sql.update("users", user_id, removed_at=self._sql.now())
            self._sql.execute("DELETE FROM sessions WHERE user_id = ?", [user_id])
