"""Shared setup for the platform tests: a strict emulator, raw calls, an adapter."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from dmguard.clock import SimulatedClock
from dmguard.config import XCredentials
from dmguard.platforms.sandbox.server import SandboxServer, running
from dmguard.platforms.sandbox.state import EmulatorOptions, SandboxState
from dmguard.platforms.x import XPlatform

CREDS = XCredentials(consumer_key="ck", consumer_secret="cs", access_token="at",
                     access_token_secret="ats")
#: An OAuth 1.0a header the emulator accepts (it checks the parameters are there).
OAUTH1 = {"Authorization": ", ".join(
    ['OAuth oauth_consumer_key="ck"', 'oauth_nonce="n"', 'oauth_signature="s"',
     'oauth_signature_method="HMAC-SHA1"', 'oauth_timestamp="1"', 'oauth_token="t"'])}
ALL_SCOPES = frozenset({"dm.read", "dm.write", "users.read", "tweet.read", "follows.read",
                        "offline.access"})


@contextmanager
def strict_emulator(clock: SimulatedClock, options: EmulatorOptions | None = None
                    ) -> Iterator[tuple[SandboxState, SandboxServer]]:
    """The emulator with its defaults: as strict as X."""
    state = SandboxState(clock, account_username="acme", options=options)
    with running(state, lifetime=120) as server:
        yield state, server


def adapter(server: SandboxServer, **kwargs: Any) -> XPlatform:
    """XPlatform on the emulator; retries and 'now' in the emulator's simulated time."""
    kwargs.setdefault("clock", server.state.clock)
    credentials = kwargs.pop("credentials", CREDS)
    return XPlatform(credentials, base_url=server.url, timeout=5, **kwargs)


def get(server: SandboxServer, path: str, headers: dict[str, str] | None = None,
        **params: str) -> requests.Response:
    return requests.get(server.url + path, params=params, headers=headers or OAUTH1, timeout=5)


def post(server: SandboxServer, path: str, body: dict[str, Any],
         headers: dict[str, str] | None = None) -> requests.Response:
    return requests.post(server.url + path, json=body, headers=headers or OAUTH1, timeout=5)
