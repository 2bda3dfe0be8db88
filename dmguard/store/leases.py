"""Leases: one holder at a time for a named role (the daemon), with a heartbeat.

A lease expires when its holder stops renewing it (a crash, a lost machine), so a
successor never waits for ever; while it is fresh nobody else may take it.
"""

from __future__ import annotations

from dataclasses import dataclass

from dmguard.store.connection import Connection
from dmguard.store.rows import maybe


@dataclass(frozen=True)
class Lease:
    name: str
    holder: str
    acquired_at: str
    heartbeat_at: str
    expires_at: str


class Leases:
    def __init__(self, connection: Connection) -> None:
        self._sql = connection

    def get(self, name: str) -> Lease | None:
        return maybe(Lease, self._sql.one("SELECT * FROM leases WHERE name = ?", [name]))

    def acquire(self, name: str, holder: str, expires_at: str) -> Lease:
        """Take the lease if it is free, expired or already ours; return who holds it now."""
        now = self._sql.now()
        with self._sql.atomic():
            self._sql.execute(
                "INSERT INTO leases (name, holder, acquired_at, heartbeat_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                "holder = excluded.holder, acquired_at = excluded.acquired_at, "
                "heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at "
                "WHERE leases.holder = excluded.holder OR leases.expires_at <= ?",
                [name, holder, now, now, expires_at, now])
            lease = self.get(name)
        assert lease is not None
        return lease

    def take_over(self, name: str, from_holder: str, holder: str, expires_at: str) -> bool:
        """Take the lease from a holder known to be gone; False if it changed hands meanwhile."""
        now = self._sql.now()
        cursor = self._sql.execute(
            "UPDATE leases SET holder = ?, acquired_at = ?, heartbeat_at = ?, expires_at = ? "
            "WHERE name = ? AND holder = ?", [holder, now, now, expires_at, name, from_holder])
        return cursor.rowcount == 1

    def renew(self, name: str, holder: str, expires_at: str) -> bool:
        """Extend our lease; False when it is no longer ours (it expired and was taken)."""
        cursor = self._sql.execute(
            "UPDATE leases SET heartbeat_at = ?, expires_at = ? WHERE name = ? AND holder = ?",
            [self._sql.now(), expires_at, name, holder])
        return cursor.rowcount == 1

    def release(self, name: str, holder: str) -> None:
        self._sql.execute("DELETE FROM leases WHERE name = ? AND holder = ?", [name, holder])
