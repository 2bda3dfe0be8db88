"""The daemon's embedded emulator: every start on one database is the same world.

QA: each `dmguard run` seeded twelve people with user ids made from the start time,
so every restart brought the same people back as new followers (welcomed again) and
their open questions back as new DMs (a task each): three starts, 36 contacts.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from dmguard.cli import cli
from dmguard.clock import SimulatedClock
from dmguard.platforms.sandbox.launch import embedded_sandboxes, standalone_emulator, worlds_made
from dmguard.platforms.sandbox.scenario import seed_population
from dmguard.platforms.sandbox.state import SandboxState, snowflake_time
from dmguard.store import Store
from tests.conftest import START, config_file, make_config


def world(clock: SimulatedClock, since: datetime | None = None) -> SandboxState:
    state = SandboxState(clock, account_username="demo_sandbox")
    seed_population(state, since=since)
    return state


def test_the_seeded_people_and_their_dms_keep_their_ids(clock: SimulatedClock) -> None:
    made = clock.now()
    first = world(clock, made)
    clock.advance(timedelta(days=3))
    again = world(clock, made)
    assert list(again.users) == list(first.users), "the same people, with the same ids"
    assert [(e.id, e.text, e.created_at) for e in again.events] == [
        (e.id, e.text, e.created_at) for e in first.events]
    assert [snowflake_time(e.id) for e in again.events] == [made] * 3, "ids say when"
    people = [user for user in again.users.values() if user.id != again.me.id]
    for person in people:  # an account made years ago: its id says when, as X's do
        assert snowflake_time(person.id).isoformat(timespec="milliseconds")[:23] == \
            person.created_at[:23]
        assert snowflake_time(person.id) < made
    other = SandboxState(clock, account_username="demo_sandbox")
    seed_population(other, seed=8)
    assert not set(other.users) - {other.me.id} & set(first.users), "another seed, others"


def test_restarting_run_on_its_own_database_brings_no_one_back_as_new(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three starts of `dmguard run --once` with the embedded emulator (no sandbox_url):
    twelve contacts, three tasks and no welcome sent, as after the first."""
    for name in ("dmguard", "apscheduler"):  # `run` sets up logging; put it back after
        logger = logging.getLogger(name)
        monkeypatch.setattr(logger, "handlers", list(logger.handlers))
        monkeypatch.setattr(logger, "propagate", logger.propagate)
        monkeypatch.setattr(logger, "level", logger.level)
    conf = config_file(tmp_path)
    counts = []
    for _ in range(3):
        result = CliRunner().invoke(cli, ["run", "--once", "--config", str(conf)])
        assert result.exit_code == 0, result.output
        store = Store.open(tmp_path / "d.db", SimulatedClock(START))
        sql = store.connection
        counts.append((sql.scalar("SELECT COUNT(*) FROM contacts"),
                       sql.scalar("SELECT COUNT(*) FROM tasks"),
                       sql.scalar("SELECT COUNT(*) FROM messages WHERE direction = 'in'"),
                       sql.scalar("SELECT COUNT(*) FROM messages WHERE direction = 'out'")))
        store.close()
    assert counts == [(12, 3, 3, 0)] * 3


def test_the_world_is_made_when_the_database_first_stored_the_account(
        tmp_path: Path, clock: SimulatedClock) -> None:
    config = make_config(tmp_path)
    store = Store.open(tmp_path / "t.db", clock)
    made = worlds_made(store, config)
    assert made == {"demo": clock.now()}
    clock.advance(timedelta(days=2))
    assert worlds_made(store, config) == made
    with embedded_sandboxes(config, clock, made) as urls:
        assert list(urls) == ["demo"]
    store.close()


def test_a_standalone_emulator_lists_the_conversations_it_starts_with_at_once(
        clock: SimulatedClock) -> None:
    """`dmguard sandbox serve` is as strict as X (a new DM is listed 5-60 s late), but the
    DMs it starts with are history: the daemon's first sync reads them, not the next tick."""
    server = standalone_emulator(clock, 0, seed=7, empty=False, fault_rate=0.0,
                                 credentials=None)
    try:
        state = server.state
        assert state.options.listing_lag > timedelta(0), "strict"
        assert len(state.events) == 3 and all(e.listed(clock.now()) for e in state.events)
        later = state.user_writes(next(iter(state.followers))[0], "and another thing")
        assert not later.listed(clock.now()), "what is written later is listed late, as on X"
    finally:
        server.server_close()


def test_a_made_up_bio_names_two_different_interests() -> None:
    """A new user's probe: the demo showed "Into urban gardening and urban gardening."."""
    import random

    from dmguard.platforms.sandbox.scenario import Population

    population = Population(SandboxState(SimulatedClock(START)), random.Random(1))
    bios = [population.new_person().description for _ in range(300)]
    for bio in bios:
        liked, _, also = bio.split(". Into ", 1)[1].removesuffix(".").partition(" and ")
        assert liked != also, bio
