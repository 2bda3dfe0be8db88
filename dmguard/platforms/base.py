"""The platform protocol dmguard talks to, and the outcomes every platform maps onto."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

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
    """Something went wrong talking to the platform."""


class RateLimited(PlatformError):
    def __init__(self, message: str, reset_at: datetime | None) -> None:
        super().__init__(message)
        self.reset_at = reset_at


class RecipientRefused(PlatformError):
    """The platform will never deliver to this person (403): permanent, not retried."""


class AuthBroken(PlatformError):
    """Credentials were refused (401): the account pauses until someone fixes them."""


class PlatformUnavailable(PlatformError):
    """Server trouble or a timeout that outlasted the retries: try again next tick."""


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

    def new_followers(self, known: set[str]) -> list[Profile]:
        """Followers not in ``known``, newest first, stopping at the first known one."""
        ...

    def dm_events(self, after_id: str | None) -> list[DmEventData]:
        """DM events newer than ``after_id``, oldest first."""
        ...

    def conversation_events(self, participant_id: str) -> list[DmEventData]: ...

    def send_dm(self, participant_id: str, text: str) -> SentDm: ...
