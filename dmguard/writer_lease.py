"""One writer: the daemon's lease on the database.

Two daemons on one database (a second `dmguard run`, a redeploy that overlaps)
would each draft and send. Whoever runs the jobs first takes the lease, renews it
with every job and a heartbeat, and gives it back when it stops; a second one is
refused, naming the holder, or waits for the lease when asked to (a redeploy). A
holder that dies stops renewing, and its lease expires after ``TTL``; one that died
on this machine (SIGKILL, a crash) is known to be gone and is taken over at once.
"""

from __future__ import annotations

from collections.abc import Callable
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


def take(store: Store, holder: str, *, wait: timedelta = timedelta(0),
         waiting: Callable[[str], None] | None = None) -> None:
    """Hold the lease, waiting up to ``wait`` for a holder to let go; LeaseHeld otherwise.
    ``waiting`` is told once, in a line naming the holder, when the wait begins."""
    clock = store.clock
    deadline = clock.now() + wait
    told = False
    while True:
        lease = store.leases.acquire(NAME, holder, iso(clock.now() + TTL))
        if lease.holder == holder:
            return
        if gone(lease.holder) and store.leases.take_over(NAME, lease.holder, holder,
                                                         iso(clock.now() + TTL)):
            return
        held = (f"another dmguard daemon holds this database: {lease.holder} (since "
                f"{lease.acquired_at[:19]}, last heartbeat {lease.heartbeat_at[:19]})")
        left = deadline - clock.now()
        if left <= timedelta(0):
            expires = parse_iso(lease.expires_at)
            then = (f"still held after waiting {_duration(wait)}" if wait
                    else "Use --wait-for-lease to wait for it (a redeploy)")
            raise LeaseHeld(f"{held}; it is free when that process stops, or from "
                            f"{expires:%H:%M:%S} if it died. {then}")
        if waiting is not None and not told:
            waiting(f"{held}; waiting up to {_duration(wait)} for it to let go")
            told = True
        clock.sleep(min(left, POLL).total_seconds())


def _duration(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"


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
