"""Build the platform client an account talks to: X itself, or the sandbox emulator.

Both are tweepy's ``Client`` behind :class:`XPlatform`; only the base URL, the
credentials and the listing lag differ. Every call is recorded in the store with
what X would bill for it.
"""

from __future__ import annotations

from datetime import timedelta

from dmguard.config import AccountConfig, Config, XCredentials, load_x_credentials
from dmguard.platforms.base import Platform, Profile
from dmguard.platforms.x import XPlatform
from dmguard.store import Store

SANDBOX_CREDENTIALS = XCredentials(consumer_key="sandbox", consumer_secret="sandbox",
                                   access_token="sandbox", access_token_secret="sandbox")


class NoSandboxUrl(ValueError):
    """A sandbox account with no emulator to talk to."""


def build_platform(config: Config, account: AccountConfig, store: Store,
                   sandbox_url: str | None = None) -> Platform:
    """tweepy's Client for the account, pointed at X or at the sandbox emulator."""
    costs = config.costs
    price = {"send_dm": costs.dm_sent, "dm_events": costs.dm_event_read,
             "dm_conversation_events": costs.dm_event_read, "followers": costs.follower_read}

    def record(endpoint: str, method: str, status: int | None, units: int) -> None:
        billed = price.get(endpoint, 0.0) * units if status is not None and status < 300 else 0.0
        store.runs.record_api_call(account.name, endpoint, method, status, billed)

    if account.platform == "x":
        return XPlatform(load_x_credentials(account), base_url=account.api_url, recorder=record,
                         sleep=store.clock.sleep)
    url = sandbox_url or account.sandbox_url
    if not url:
        raise NoSandboxUrl(f"account {account.name!r}: no sandbox URL (start one, or set "
                           "sandbox_url)")
    # The emulator lists a DM the moment it is stored.
    return XPlatform(SANDBOX_CREDENTIALS, base_url=url, recorder=record, timeout=5,
                     listing_lag=timedelta(0), sleep=store.clock.sleep)


def check_x_credentials(account: AccountConfig) -> Profile:
    """Who the account's X credentials sign in as (GET /2/users/me); PlatformError if refused."""
    return XPlatform(load_x_credentials(account), base_url=account.api_url).whoami()
