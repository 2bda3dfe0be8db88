"""Build the platform client an account talks to: X itself, or the sandbox emulator.

Both are tweepy's ``Client`` behind :class:`XPlatform`; only the base URL, the
credentials and the listing lag differ. Every call is recorded in the store with
what X would bill for it.
"""

from __future__ import annotations

from datetime import timedelta

from dmguard.clock import Clock
from dmguard.config import AccountConfig, Config, XCredentials, load_x_credentials
from dmguard.platforms.base import AppForbidden, AuthBroken, Platform, Profile
from dmguard.platforms.x import Biller, CallRecorder, XPlatform
from dmguard.platforms.x_oauth2 import SCOPES, OAuth2Tokens, TokenFile, app_for, token_path
from dmguard.store import Store

SANDBOX_CREDENTIALS = XCredentials(consumer_key="sandbox", consumer_secret="sandbox",
                                   access_token="sandbox", access_token_secret="sandbox")
#: What the OAuth 1.0a ``x-access-level`` header says when DMs are allowed (changelog.mdx,
#: May 8 2017, names the header; the app permission "Read and write and Direct message").
DM_ACCESS_MARK = "directmessages"


class NoSandboxUrl(ValueError):
    """A sandbox account with no emulator to talk to."""


def x_platform(account: AccountConfig, *, clock: Clock, recorder: CallRecorder | None = None,
               environ: dict[str, str] | None = None, biller: Biller | None = None
               ) -> XPlatform:
    """XPlatform for a platform-x account: OAuth 2.0 tokens from the token file when
    ``auth = "oauth2"``, otherwise the credentials in the environment (OAuth 1.0a)."""
    credentials = load_x_credentials(account, environ)
    tokens = None
    if account.auth == "oauth2":
        tokens = OAuth2Tokens(app_for(account, credentials), TokenFile(token_path(account)),
                              now=clock.now, base_url=account.api_url)
        credentials = XCredentials()
    return XPlatform(credentials, base_url=account.api_url, recorder=recorder, clock=clock,
                     tokens=tokens, biller=biller)


def build_platform(config: Config, account: AccountConfig, store: Store,
                   sandbox_url: str | None = None) -> Platform:
    """tweepy's Client for the account, pointed at X or at the sandbox emulator."""
    costs = config.costs
    #: What the last successful answer added to the bill; the call's row carries it.
    added = [0.0]

    def bill(endpoint: str, resources: list[tuple[str, list[str]]]) -> None:
        # X bills a resource once per UTC day (pricing.mdx, "Deduplication"): the store
        # keeps the ids, so a call re-reading what was read today adds nothing.
        added[0] = sum(store.billing.record(account.name, kind, ids, costs.price(kind))
                       for kind, ids in resources)

    def record(endpoint: str, method: str, status: int | None, units: int) -> None:
        billed = added[0] if status is not None and status < 300 else 0.0
        added[0] = 0.0
        store.runs.record_api_call(account.name, endpoint, method, status, billed)

    if account.platform == "x":
        return x_platform(account, recorder=record, clock=store.clock, biller=bill)
    url = sandbox_url or account.sandbox_url
    if not url:
        raise NoSandboxUrl(f"account {account.name!r}: no sandbox URL (start one, or set "
                           "sandbox_url)")
    # The emulator lists a DM in a conversation the moment it is stored; only GET
    # /2/dm_events lags (see sandbox/state.py EmulatorOptions).
    return XPlatform(SANDBOX_CREDENTIALS, base_url=url, recorder=record, timeout=5,
                     listing_lag=timedelta(0), clock=store.clock, biller=bill)


def prove_dm_permission(platform: XPlatform) -> str:
    """Raise unless the credentials may read and send DMs; say how it was proved.

    OAuth 1.0a: the ``x-access-level`` header of GET /2/users/me must name direct
    messages. OAuth 2.0 from `dmguard auth x`: the granted scopes must include every one
    dmguard asks for. A bare OAuth 2.0 token says nothing of its scopes: refused, with
    the way to get one that does.
    """
    if platform.tokens is not None:
        missing = sorted(set(SCOPES) - platform.tokens.scopes)
        if missing:
            raise AuthBroken(f"the OAuth 2.0 token lacks the scopes {' '.join(missing)}: run "
                             "`dmguard auth x` (and give the app Direct Message permission)")
        return f"OAuth 2.0 scopes {' '.join(sorted(platform.tokens.scopes))}"
    if platform.oauth2:
        raise AuthBroken("an OAuth 2.0 token in BEARER_TOKEN does not show its scopes, so DM "
                         "permission cannot be proved: set auth = \"oauth2\" and run `dmguard "
                         "auth x`, or use OAuth 1.0a keys")
    level = platform.access_level()
    if level is None:
        raise AppForbidden("X did not send x-access-level, so DM permission cannot be proved "
                           "(is api_url a proxy that drops headers?)")
    if DM_ACCESS_MARK not in level:
        raise AppForbidden(f"the access token's level is {level!r}, without Direct Messages: "
                           "set the app's permission to 'Read and write and Direct message' "
                           "in the developer console, then generate new access tokens")
    return f"x-access-level {level}"


def check_x_credentials(account: AccountConfig, clock: Clock) -> Profile:
    """Who the account's X credentials sign in as (GET /2/users/me), after proving they
    may read and send DMs; PlatformError (AuthBroken, AppForbidden...) naming what is
    missing otherwise."""
    platform = x_platform(account, clock=clock)
    if platform.tokens is not None:
        prove_dm_permission(platform)  # the scopes are in the token file: no call needed
    me = platform.whoami()
    prove_dm_permission(platform)
    return me


def live_check(platform: Platform) -> Profile:
    """Ask the platform now who the account is and prove it may send DMs.

    Used to resume a paused account: PlatformError (an AccountProblem) says why not.
    """
    if isinstance(platform, XPlatform):
        platform.forget_identity()
        me = platform.whoami()
        prove_dm_permission(platform)
        return me
    return platform.whoami()
