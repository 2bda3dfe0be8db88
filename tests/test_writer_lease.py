"""One writer: a second daemon is refused, naming the first; a dead holder is replaced."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from dmguard import writer_lease
from dmguard.clock import SimulatedClock
from dmguard.process import process_tag
from dmguard.store import Store


def test_a_second_holder_is_refused_naming_the_first(store: Store) -> None:
    writer_lease.take(store, "alpha:1")
    with pytest.raises(writer_lease.LeaseHeld, match="alpha:1"):
        writer_lease.take(store, "beta:2")
    assert writer_lease.renew(store, "alpha:1")
    writer_lease.take(store, "alpha:1")  # taking it again is renewing it


def test_a_lease_nobody_renews_expires_and_its_old_holder_learns_it_lost_it(
        store: Store, clock: SimulatedClock) -> None:
    writer_lease.take(store, "alpha:1")
    clock.advance(writer_lease.TTL + timedelta(seconds=1))
    writer_lease.take(store, "beta:2")
    assert not writer_lease.renew(store, "alpha:1"), "the old holder must stop writing"
    assert writer_lease.renew(store, "beta:2")


def test_a_holder_that_died_on_this_machine_is_taken_over_at_once(store: Store) -> None:
    host = process_tag().rpartition(":")[0]
    writer_lease.take(store, f"{host}:999999999")
    writer_lease.take(store, process_tag())
    lease = store.leases.get(writer_lease.NAME)
    assert lease is not None and lease.holder == process_tag()


def test_a_redeploy_waits_for_the_lease(store: Store, clock: SimulatedClock) -> None:
    writer_lease.take(store, "old-host:1")
    start = clock.now()
    writer_lease.take(store, "new-host:2", wait=timedelta(minutes=5))
    waited = clock.now() - start
    assert writer_lease.TTL <= waited <= writer_lease.TTL + writer_lease.POLL


def test_a_wait_says_once_whom_it_waits_for_and_how_long_it_waited(
        store: Store, clock: SimulatedClock) -> None:
    """A new user's probe: `run --wait-for-lease 2m` said nothing while it waited, and gave up
    with the words of a run that had not waited ("Use --wait-for-lease")."""
    writer_lease.take(store, "alpha:1")
    told: list[str] = []
    with pytest.raises(writer_lease.LeaseHeld) as held:
        writer_lease.take(store, "beta:2", wait=timedelta(seconds=30), waiting=told.append)
    assert str(held.value).endswith("still held after waiting 30 s")
    assert "--wait-for-lease" not in str(held.value)
    assert len(told) == 1 and told[0].startswith("another dmguard daemon holds this database: "
                                                 "alpha:1 (since ")
    assert told[0].endswith("waiting up to 30 s for it to let go")
    assert writer_lease.renew(store, "alpha:1")


def test_released_leases_are_free(store: Store) -> None:
    writer_lease.take(store, "alpha:1")
    writer_lease.release(store, "alpha:1")
    writer_lease.take(store, "beta:2")


@pytest.mark.slow
def test_a_second_run_exits_2_naming_the_daemon_that_holds_the_database(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.conftest import config_file
    from tests.test_daemon import wait_for

    conf = config_file(tmp_path)
    first = subprocess.Popen([sys.executable, "-m", "dmguard", "run", "--config", str(conf)],
                             stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                             cwd=tmp_path)
    try:
        wait_for(first, "tick account=demo", 60)
        second = subprocess.run([sys.executable, "-m", "dmguard", "run", "--once", "--config",
                                 str(conf)], capture_output=True, text=True, timeout=60,
                                cwd=tmp_path)
        assert second.returncode == 2, second.stderr
        assert f":{first.pid}" in second.stderr and "--wait-for-lease" in second.stderr
        assert "Traceback" not in second.stderr
        # waiting for it: said at once, and SIGTERM ends the wait cleanly (exit 0)
        third = subprocess.Popen([sys.executable, "-m", "dmguard", "run", "--config", str(conf),
                                  "--wait-for-lease", "2m"], stderr=subprocess.PIPE,
                                 stdout=subprocess.DEVNULL, text=True, cwd=tmp_path)
        try:
            wait_for(third, "waiting up to 2 min 0 s for it to let go", 60)
            third.terminate()
            assert third.wait(timeout=30) == 0
        finally:
            if third.poll() is None:
                third.kill()
    finally:
        first.terminate()
        first.wait(timeout=30)
    after = subprocess.run([sys.executable, "-m", "dmguard", "run", "--once", "--config",
                            str(conf)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert after.returncode == 0, after.stderr[-2000:]
