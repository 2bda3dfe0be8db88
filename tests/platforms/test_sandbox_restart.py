"""The emulator's ids are X's snowflakes, and it can restart with its state lost.

fundamentals/x-ids.mdx: every object (DM events included) has a 64-bit id encoding a
timestamp, a worker number and a sequence number, unique across all of X and roughly
time-ordered. x-api/fundamentals/pagination.mdx: tokens are opaque and may expire.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import requests

from dmguard.clock import SimulatedClock
from dmguard.platforms.sandbox.state import (
    TWITTER_EPOCH_MS,
    Snowflakes,
    instant_listing,
    snowflake_time,
)
from tests.platforms.helpers import get, post, strict_emulator


def test_ids_are_snowflakes_from_the_emulators_clock(clock: SimulatedClock) -> None:
    with strict_emulator(clock) as (state, _server):
        amy = state.add_user(username="amy", name="Amy")
        first = state.user_writes(amy.id, "hi")
        clock.advance(timedelta(seconds=3))
        later = state.user_writes(amy.id, "again")
    assert snowflake_time(first.id) == clock.now() - timedelta(seconds=3)
    assert snowflake_time(later.id) == clock.now()
    assert int(later.id) > int(first.id) > int(amy.id)
    assert (int(first.id) >> 22) + TWITTER_EPOCH_MS == int(
        (clock.now() - timedelta(seconds=3)).timestamp() * 1000)
    assert int(first.id) < 2 ** 63, "fits SQLite's INTEGER and X's 64-bit ids"


def test_a_frozen_clock_still_gives_unique_growing_ids_past_4096_a_millisecond(
        clock: SimulatedClock) -> None:
    ids = Snowflakes(worker=0)
    made = [int(ids.make(clock.now())) for _ in range(5000)]
    assert made == sorted(made) and len(set(made)) == 5000
    assert snowflake_time(str(made[-1])) == clock.now() + timedelta(milliseconds=1)


def test_a_backdated_dm_gets_an_id_from_its_own_time(clock: SimulatedClock) -> None:
    with strict_emulator(clock) as (state, _server):
        amy = state.add_user(username="amy", name="Amy")
        now = state.user_writes(amy.id, "now")
        old = state.user_writes(amy.id, "last week", at=clock.now() - timedelta(days=7))
    assert int(old.id) < int(now.id)
    assert snowflake_time(old.id) == clock.now() - timedelta(days=7)


def test_a_restart_loses_the_dms_followers_and_bill_keeps_the_people_and_never_reuses_ids(
        clock: SimulatedClock) -> None:
    with strict_emulator(clock, instant_listing()) as (state, server):
        amy = state.add_user(username="amy", name="Amy")
        state.follow(amy.id)
        before = [state.user_writes(amy.id, "hi").id, state.account_sends(amy.id, "hello").id]
        assert get(server, "/2/dm_events").json()["meta"]["result_count"] == 2
        restarted = server.restart()
        assert restarted is server.state and restarted.incarnation == 1
        assert restarted.me.id == state.me.id and restarted.users[amy.id].username == "amy"
        assert restarted.events == [] and restarted.followers == []
        assert restarted.ledger.total() == 0
        assert get(server, "/2/dm_events").json()["meta"] == {"result_count": 0}
        # Same simulated millisecond, yet another worker: no id comes back.
        after = [restarted.user_writes(amy.id, "hi").id,
                 restarted.account_sends(amy.id, "hello").id]
        assert not set(after) & set(before)
        listed = get(server, "/2/dm_events").json()["data"]
        assert [e["id"] for e in listed] == after[::-1]
        # The phones remember every DM, across the restart.
        assert [e.text for e in restarted.phones.received(amy.id)] == ["hello", "hello"]
        assert [e.incarnation for e in restarted.phones.written(amy.id)] == [0, 1]


def test_a_page_token_from_before_a_restart_is_refused_as_x_refuses_an_unknown_one(
        clock: SimulatedClock) -> None:
    """pagination.mdx, "Notes": tokens are opaque and may expire; an unknown one is a
    400 invalid-request naming pagination_token (openapi.json: base32hex, >= 16 chars)."""
    with strict_emulator(clock, instant_listing()) as (state, server):
        amy = state.add_user(username="amy", name="Amy")
        for number in range(3):
            state.user_writes(amy.id, f"message {number}")
        token = get(server, "/2/dm_events", max_results="2").json()["meta"]["next_token"]
        assert len(token) >= 16
        assert get(server, "/2/dm_events", pagination_token=token).status_code == 200
        server.restart()
        refused = get(server, "/2/dm_events", pagination_token=token)
        assert refused.status_code == 400
        body = refused.json()
        assert body["type"] == "https://api.x.com/2/problems/invalid-request"
        assert body["errors"] == [{
            "parameters": {"pagination_token": [token]},
            "message": f"The `pagination_token` query parameter value [{token}] is not valid"}]


def test_a_restart_mid_send_delivers_the_dm_and_drops_the_answer(
        clock: SimulatedClock) -> None:
    with strict_emulator(clock, instant_listing()) as (state, server):
        amy = state.add_user(username="amy", name="Amy")
        state.on_account_send = lambda event: server.restart(mid_request=True)
        with pytest.raises(requests.ConnectionError):
            post(server, f"/2/dm_conversations/with/{amy.id}/messages", {"text": "hello"})
        assert [e.text for e in server.state.phones.received(amy.id)] == ["hello"]
        assert server.state.events == [], "the new emulator does not list it"


def test_a_graceful_restart_waits_for_the_request_in_flight(clock: SimulatedClock) -> None:
    with strict_emulator(clock, instant_listing()) as (state, server):
        amy = state.add_user(username="amy", name="Amy")
        inside, release = threading.Event(), threading.Event()

        def slow_send(event: object) -> None:
            inside.set()
            release.wait(5)

        state.on_account_send = slow_send
        answers: list[int] = []
        sender = threading.Thread(target=lambda: answers.append(post(
            server, f"/2/dm_conversations/with/{amy.id}/messages", {"text": "hi"}).status_code))
        sender.start()
        assert inside.wait(5)
        restarter = threading.Thread(target=server.restart)
        restarter.start()
        restarter.join(0.3)
        assert restarter.is_alive(), "the restart waits while a request is inside"
        release.set()
        sender.join(5)
        restarter.join(5)
        assert answers == [201], "the request in flight was answered before the restart"
        assert server.state.incarnation == 1


def test_every_start_of_the_emulator_is_the_same_account_for_one_username() -> None:
    """A real account keeps its user id; dmguard's database checks it (dmguard.identity), so
    the in-process emulator started again for the same account must be the same user."""
    from dmguard.platforms.sandbox.state import SandboxState
    from tests.conftest import START

    first = SandboxState(SimulatedClock(START), account_username="shop_sandbox")
    later = SimulatedClock(START + timedelta(days=3))
    again = SandboxState(later, account_username="shop_sandbox")
    other = SandboxState(SimulatedClock(START), account_username="shop_demo")
    assert first.me.id == again.me.id != other.me.id
    assert int(first.me.id) < int(first.next_id()), "made long before anything made now"
