"""Follower sync against the strict emulator: small pages, re-follows, the daily full pass.

GET /2/users/:id/followers lists newest first; a person who unfollows and follows again
is listed at the top again, above followers who are new (issue #14, item 7). Own
followers are Owned Reads, billed once per resource per UTC day
(xdevplatform/docs x-api/getting-started/pricing.mdx, "Owned Reads", "Deduplication").
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from dmguard.clock import SimulatedClock
from dmguard.platforms.sandbox.server import SandboxServer
from dmguard.platforms.sandbox.state import SandboxState
from dmguard.platforms.x import FOLLOWER_PAGE
from dmguard.tick import FULL_FOLLOWER_PASS, run_tick
from tests.conftest import world
from tests.platforms.helpers import adapter


def _followers(state: SandboxState, count: int, prefix: str) -> list[str]:
    ids = []
    for i in range(count):
        user = state.add_user(username=f"{prefix}{i}", name=f"{prefix} {i}")
        state.follow(user.id)
        ids.append(user.id)
    return ids


def test_a_refollow_does_not_hide_the_new_followers_below_it(
        sandbox: SandboxServer, sandbox_state: SandboxState) -> None:
    """The old code stopped at the first known follower: the re-follower on top hid
    ``new``. Now the sync reads on until a whole page is known."""
    old = _followers(sandbox_state, 30, "old")
    newcomer = sandbox_state.add_user(username="new", name="New One")
    sandbox_state.follow(newcomer.id)
    sandbox_state.unfollow(old[3])
    sandbox_state.follow(old[3])  # back on top, above "new"
    calls: list[tuple[object, ...]] = []
    x = adapter(sandbox, recorder=lambda *call: calls.append(call))
    found = x.new_followers(set(old))
    assert [p.username for p in found] == ["new"]
    reads = [call for call in calls if call[0] == "followers"]
    assert all(call[3] <= FOLLOWER_PAGE for call in reads), "incremental pages are small"
    assert len(reads) == 2, "the first page held a new follower, the second none: stop"


def test_the_tick_welcomes_a_follower_a_refollow_covered(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    old = _followers(sandbox_state, 27, "old")
    _config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    assert store.people.known_follower_ids("demo") >= set(old)
    newcomer = sandbox_state.add_user(username="fresh", name="Fresh Face")
    sandbox_state.follow(newcomer.id)
    sandbox_state.unfollow(old[0])
    sandbox_state.follow(old[0])
    clock.advance(timedelta(minutes=5))
    summary = run_tick(runtime)
    assert summary.error is None and summary.new_followers == 1
    assert store.people.find_contact("demo", user_id=newcomer.id) is not None


def test_the_daily_full_pass_finds_a_follower_a_burst_of_refollows_hid(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """More re-follows than a page above a new follower: the incremental sync cannot see
    it (one all-known page ends it), the next UTC day's full pass does, and the pass is
    recorded in the store so it runs once a day."""
    old = _followers(sandbox_state, 60, "old")
    _config, store, runtime = world(tmp_path, clock, sandbox_state, sandbox)
    assert store.runs.last_of(FULL_FOLLOWER_PASS, "demo", status="ok") is not None
    hidden = sandbox_state.add_user(username="hidden", name="Hidden Person")
    sandbox_state.follow(hidden.id)
    for user_id in old[: FOLLOWER_PAGE + 5]:
        sandbox_state.unfollow(user_id)
        sandbox_state.follow(user_id)
    clock.advance(timedelta(minutes=5))
    assert run_tick(runtime).new_followers == 0, "hidden below a page of re-follows"
    passes = len(store.runs.of_job(FULL_FOLLOWER_PASS))
    clock.advance(timedelta(days=1))
    assert run_tick(runtime).new_followers == 1
    assert store.people.find_contact("demo", user_id=hidden.id) is not None
    assert len(store.runs.of_job(FULL_FOLLOWER_PASS)) == passes + 1
    clock.advance(timedelta(minutes=5))
    run_tick(runtime)
    assert len(store.runs.of_job(FULL_FOLLOWER_PASS)) == passes + 1, "once per UTC day"
