from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dmguard.clock import SimulatedClock
from dmguard.config import Config, parse_config
from dmguard.platforms.sandbox.server import SandboxServer, running
from dmguard.platforms.sandbox.state import SandboxState, instant_listing
from dmguard.store import Contact, Store
from dmguard.tick import AccountRuntime, build_runtime, run_tick

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def make_config(tmp_path: Path, extra: str = "", policy: str = "sandbox") -> Config:
    text = (ROOT / "config" / "dmguard.toml").read_text()
    text = text.replace('path = "var/dmguard.db"', f'path = "{tmp_path / "t.db"}"')
    text = text.replace('dir = "var/reports"', f'dir = "{tmp_path / "reports"}"')
    if policy == "x":
        text = text.replace('platform = "sandbox"          # "x" for a real account',
                            'platform = "sandbox"\npolicy = "x"')
    return parse_config(text + extra, tmp_path / "dmguard.toml")


def config_file(folder: Path, db: Path | str | None = None, sandbox_url: str | None = None,
                reports: Path | None = None, *, created: bool = False) -> Path:
    """The default config written to ``folder``, pointed at a test database and emulator;
    ``created``: the database is created too (commands that need the daemon's database)."""
    text = (ROOT / "config" / "dmguard.toml").read_text()
    text = text.replace('path = "var/dmguard.db"', f'path = "{db or folder / "d.db"}"')
    text = text.replace('dir = "var/reports"', f'dir = "{reports or folder / "reports"}"')
    if sandbox_url:
        text = text.replace('platform = "sandbox" ',
                            f'sandbox_url = "{sandbox_url}"\nplatform = "sandbox" ', 1)
    path = folder / "dmguard-test.toml"
    path.write_text(text)
    if created:
        Store.open(Path(db or folder / "d.db"), SimulatedClock(START)).close()
    return path


def world(tmp_path: Path, clock: SimulatedClock, state: SandboxState, server: SandboxServer,
          policy: str = "sandbox") -> tuple[Config, Store, AccountRuntime]:
    """A store and an account runtime talking to the emulator, after a first tick."""
    config = make_config(tmp_path, policy=policy)
    store = Store.open(config.store.path, clock)
    runtime = build_runtime(config, config.accounts[0], store, sandbox_url=server.url)
    run_tick(runtime)
    return config, store, runtime


def add_person(store: Store, state: SandboxState, name: str, location: str = "") -> Contact:
    """A follower of the account, known to the emulator and to the store."""
    user = state.add_user(username=name.lower(), name=f"{name} Doe", location=location)
    state.follow(user.id)
    contact_id, _ = store.people.upsert_contact("demo", user.id, name=f"{name} Doe",
                                                username=user.username, location=location)
    contact = store.people.contact(contact_id)
    assert contact is not None
    return contact


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(START)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


@pytest.fixture
def store(tmp_path: Path, clock: SimulatedClock) -> Iterator[Store]:
    opened = Store.open(tmp_path / "t.db", clock)
    yield opened
    opened.close()


@pytest.fixture
def sandbox_state(clock: SimulatedClock) -> SandboxState:
    # Lenient on purpose: these tests write a DM and tick at the same simulated instant
    # (see tests/platforms/test_strict_emulator.py::test_instant_listing_is_the_only_leniency).
    return SandboxState(clock, account_username="acme", options=instant_listing())


@pytest.fixture
def sandbox(sandbox_state: SandboxState) -> Iterator[SandboxServer]:
    with running(sandbox_state, lifetime=120) as server:
        yield server
