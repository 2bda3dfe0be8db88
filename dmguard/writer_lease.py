"""One writer: the daemon's lease on the database.

Two daemons on one database (a second `dmguard run`, a redeploy that overlaps)
would each draft and send. Whoever runs the jobs first takes the lease, renews it
with every job and a heartbeat, and gives it back when it stops; a second one is
refused, naming the holder, or waits for the lease when asked to (a redeploy). A
holder that dies stops renewing, and its lease expires after ``TTL``; one that died
on this machine (SIGKILL, a crash) is known to be gone and is taken over at once.
"""

from __future__ import annotations

from datetime import timedelta

from dmguard.clock import iso, parse_iso
from dmguard.process import gone
from dmguard.store import Store

NAME = "daemon"
TTL = timedelta(seconds=60)
HEARTBEAT = timedelta(seconds=15)
POLL = timedelta(seconds=5)


class LeaseHeld(Exception):
    """Another process holds the lease; the message names it."""


def take(store: Store, holder: str, *, wait: timedelta = timedelta(0)) -> None:
    """Hold the lease, waiting up to ``wait`` for a holder to let go; LeaseHeld otherwise."""
    clock = store.clock
    deadline = clock.now() + wait
    while True:
        lease = store.leases.acquire(NAME, holder, iso(clock.now() + TTL))
        if lease.holder == holder:
            return
        if gone(lease.holder) and store.leases.take_over(NAME, lease.holder, holder,
                                                         iso(clock.now() + TTL)):
            return
        left = deadline - clock.now()
        if left <= timedelta(0):
            expires = parse_iso(lease.expires_at)
            raise LeaseHeld(
                f"another dmguard daemon holds this database: {lease.holder} (since "
                f"{lease.acquired_at[:19]}, last heartbeat {lease.heartbeat_at[:19]}); it is "
                f"free when that process stops, or from {expires:%H:%M:%S} if it died. "
                "Use --wait-for-lease to wait for it (a redeploy)")
        clock.sleep(min(left, POLL).total_seconds())


def renew(store: Store, holder: str) -> bool:
    """Extend the lease; False when it is no longer ours (then stop writing at once)."""
    return store.leases.renew(NAME, holder, iso(store.clock.now() + TTL))


def live_holder(store: Store) -> str | None:
    """Who holds the lease now (a daemon that renews it and has not died), if anyone."""
    lease = store.leases.get(NAME)
    if lease is None or parse_iso(lease.expires_at) <= store.clock.now() or gone(lease.holder):
        return None
    return lease.holder


def release(store: Store, holder: str) -> None:
    store.leases.release(NAME, holder)
