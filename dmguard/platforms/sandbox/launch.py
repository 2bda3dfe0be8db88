"""Starting the emulator: in-process for sandbox accounts, or standalone to serve.

The emulator keeps its own clock (passed in): the daemon's emulator runs on the
wall clock, the demo's and the tests' on a simulated one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from dmguard.clock import Clock, parse_iso
from dmguard.config import Config, ConfigError, load_dotenv_once
from dmguard.platforms.sandbox.scenario import seed_population
from dmguard.platforms.sandbox.server import SandboxServer, running
from dmguard.platforms.sandbox.state import Faults, SandboxState, instant_listing

if TYPE_CHECKING:
    from dmguard.store import Store

TEN_YEARS = 10 * 365 * 86400


def embedded(config: Config) -> list[str]:
    """The accounts that get an in-process emulator: sandbox accounts without a sandbox_url."""
    return [account.name for account in config.accounts
            if account.platform == "sandbox" and not account.sandbox_url]


def worlds_made(store: Store, config: Config) -> dict[str, datetime]:
    """When each embedded emulator's world was made: when this database first stored the
    account (stored now, when it is new).

    An embedded emulator forgets everything when the daemon stops; seeded again from
    this moment, it is the same world at every start on this database: the same
    people with the same ids, and the same past DMs with the same event ids, which
    the daemon has read already (X keeps its users and DMs; a restart of dmguard
    does not make them new)."""
    return {name: parse_iso(store.accounts.ensure(name, "sandbox").created_at)
            for name in embedded(config)}


@contextmanager
def embedded_sandboxes(config: Config, clock: Clock,
                       since: Mapping[str, datetime] | None = None) -> Iterator[dict[str, str]]:
    """Start an in-process emulator for each sandbox account without a sandbox_url,
    seeded as it was made at ``since[account]`` (:func:`worlds_made`; default: now).

    Yields {account name: emulator URL}; the emulators stop when the block ends.
    """
    urls: dict[str, str] = {}
    with ExitStack() as stack:
        for account in config.accounts:
            if account.name in embedded(config):
                # Lenient on purpose: a trial account's inbox should not miss a DM listed
                # late until the inbox re-reads an overlap (issue #14).
                state = SandboxState(clock, account_username=f"{account.name}_sandbox",
                                     options=instant_listing())
                seed_population(state, since=(since or {}).get(account.name))
                server = stack.enter_context(running(state, lifetime=TEN_YEARS))
                urls[account.name] = server.url
        yield urls


def emulator_problem(url: str, timeout: float = 5.0) -> str | None:
    """Why the emulator at ``url`` does not answer (asked for its ledger, which every
    emulator serves), in a few words; None when it answers."""
    import requests

    try:
        requests.get(url.rstrip("/") + "/_sandbox/ledger", timeout=timeout).raise_for_status()
    except requests.HTTPError as error:
        status = error.response.status_code if error.response is not None else "?"
        return f"HTTP {status} from its ledger: is it an emulator?"
    except requests.Timeout:
        return f"no answer within {timeout:g} s"
    except requests.ConnectionError:
        return "nothing accepts a connection there"
    except requests.RequestException as error:
        return type(error).__name__
    return None


def credentials_from_environment() -> tuple[str, str]:
    """The (consumer key, bearer token) a standalone emulator should insist on."""
    load_dotenv_once()
    key, token = os.environ.get("DMGUARD_X_CONSUMER_KEY"), os.environ.get("DMGUARD_X_BEARER_TOKEN")
    if not key and not token:
        raise ConfigError("--require-credentials: set DMGUARD_X_CONSUMER_KEY or "
                          "DMGUARD_X_BEARER_TOKEN to the values the emulator should accept")
    return key or "", token or ""


def standalone_emulator(clock: Clock, port: int, *, seed: int, empty: bool, fault_rate: float,
                        credentials: tuple[str, str] | None) -> SandboxServer:
    """An emulator bound to 127.0.0.1:port, seeded unless ``empty``; raises SandboxPortError."""
    state = SandboxState(clock, credentials=credentials)
    if not empty:
        seed_population(state, seed=seed)
    state.faults = Faults(rate=fault_rate, seed=seed)
    return SandboxServer(state, port)
