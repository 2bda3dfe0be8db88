"""The platform protocol dmguard talks to, and the outcomes every platform maps onto."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

SURROGATE = re.compile(r"[\ud800-\udfff]")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str | None) -> str:
    """Text from a platform, made safe to store and show.

    JSON may carry lone UTF-16 surrogates ("\\ud800"), which no UTF-8 file or database
    can hold: they become U+FFFD. NUL and other control characters (not newline or
    tab) are dropped. Everything a person can see, bidi marks and joiners included,
    is kept as it came.
    """
    if not value:
        return ""
    if SURROGATE.search(value):
        # A pair of surrogates is one character in two halves: join it, replace the rest.
        value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return CONTROL.sub("", value)


class PlatformError(Exception):
    """Something went wrong talking to the platform.

    ``title``, ``detail`` and ``kind`` (the problem type's last part, e.g.
    ``client-forbidden``) are X's own words when X gave them; ``status`` is the HTTP
    status (None when no answer came).
    """

    def __init__(self, message: str, *, title: str = "", detail: str = "", kind: str = "",
                 status: int | None = None) -> None:
        super().__init__(message)
        self.title, self.detail, self.kind, self.status = title, detail, kind, status

    @property
    def reason(self) -> str:
        """One line for the owner: X's title and detail."""
        return ": ".join(part for part in (self.title, self.detail) if part) or str(self)


class RateLimited(PlatformError):
    """Wait until ``reset_at`` (never None), then try again; nothing failed.

    ``scope`` says which limit: ``window`` (x-rate-limit-reset, 15 minutes),
    ``user-24h`` / ``app-24h`` (the 24-hour DM caps), ``usage-capped`` (a plan cap with
    no reset header: a long default wait), ``throttle`` (no header at all).
    """

    def __init__(self, message: str, reset_at: datetime | None, *, scope: str = "window",
                 **words: Any) -> None:
        super().__init__(message, **words)
        self.reset_at = reset_at
        self.scope = scope


class RecipientRefused(PlatformError):
    """This person does not accept DMs from the account (403 about them): only this
    message fails, with X's words; never retried."""


class RequestRejected(PlatformError):
    """X rejected this request (400, 404 or another 4xx about the request: an unknown
    user, a malformed text): only this message fails, and it is never resent."""


class AccountProblem(PlatformError):
    """The account cannot work until someone acts: pause it with ``reason``; queued
    messages wait, nothing fails for good. ``fix`` says what to do."""

    fix = "fix the account, then `dmguard accounts resume NAME`"

    @property
    def explained(self) -> str:
        """What happened and what to do, each said once: ``CreditsDepleted: <X's words>
        (add credits in the X developer console)``. X's title is often the class's name:
        it is not repeated."""
        name = type(self).__name__
        said = self.reason if self.reason.startswith(name) else f"{name}: {self.reason}"
        return f"{said} ({self.fix})"


class AccountChanged(AccountProblem):
    """The credentials sign in as another user than the one whose people and messages this
    database holds for the account (another account's keys, another emulator, a database
    copied from elsewhere): working on would mix two accounts in one history."""

    fix = ("give the account its own database (store.path) or its own credentials, then "
           "`dmguard accounts resume NAME`")


class AuthBroken(AccountProblem):
    """Credentials refused or insufficient: 401, an expired OAuth 2.0 token that could not
    be refreshed, app-only authentication, a token without the scopes needed."""

    fix = "renew the credentials (`dmguard auth x` for OAuth 2.0)"


class AppForbidden(AccountProblem):
    """The app may not do this: not enrolled (client-forbidden), or its OAuth 1.0a
    permission does not include Direct Messages (oauth1-permissions)."""

    fix = "fix the app's project or permissions in the X developer console"


class AccountBlocked(AccountProblem):
    """The X account itself is locked or suspended."""

    fix = "sign in to x.com and clear the lock"


class CreditsDepleted(AccountProblem):
    """402: a pay-per-use account out of credits (or past its spending limit)."""

    fix = "add credits in the X developer console"


class PlatformUnavailable(PlatformError):
    """Server trouble or a timeout that outlasted the retries: try again next tick.

    For a send it means the outcome is unknown: the DM may have gone out."""


@dataclass(frozen=True)
class Profile:
    user_id: str
    username: str
    name: str
    bio: str = ""
    location: str = ""
    lang: str | None = None
    followers_count: int = 0
    verified: bool = False


@dataclass(frozen=True)
class DmEventData:
    id: str
    text: str
    sender_id: str
    conversation_id: str | None
    created_at: datetime | None
    participant_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class SentDm:
    event_id: str
    conversation_id: str


class Platform(Protocol):
    name: str
    #: How long a sent DM may take to show in the platform's event listings; a lost
    #: send is only declared "not there" after this, so it is never sent twice.
    listing_lag: timedelta

    def whoami(self) -> Profile: ...

    def new_followers(self, known: set[str], *, full: bool = False) -> list[Profile]:
        """Followers not in ``known``, newest first: past known ones (a re-follow moves
        a person to the top) up to a page of only known ones, or every page if ``full``."""
        ...

    def dm_events(self, after_id: str | None) -> list[DmEventData]:
        """DM events newer than ``after_id``, oldest first."""
        ...

    def dm_event_pages(self, pagination_token: str | None = None, *, page_size: int = 100
                       ) -> Iterator[tuple[list[DmEventData], str | None]]:
        """Every DM event page by page, newest first, with the next page's token."""
        ...

    def conversation_events(self, participant_id: str) -> list[DmEventData]: ...

    def send_dm(self, participant_id: str, text: str) -> SentDm: ...
