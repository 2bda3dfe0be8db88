"""The emulator's world: users, who follows whom, DM events, rate windows, faults.

Every DM the account sends is kept, so tests can assert what a recipient saw.
Times come from an injected clock, so a simulated day has simulated rate windows.
"""

from __future__ import annotations

import itertools
import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from dmguard.clock import Clock, iso

WINDOW = timedelta(minutes=15)
DAY = timedelta(hours=24)


@dataclass
class SandboxUser:
    id: str
    username: str
    name: str
    description: str = ""
    location: str = ""
    lang: str = "en"
    verified: bool = False
    followers_count: int = 0
    following_count: int = 0
    accepts_dms: bool = True
    created_at: str = "2020-01-01T00:00:00.000Z"

    def as_json(self, fields: set[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "name": self.name, "username": self.username}
        if "description" in fields:
            out["description"] = self.description
        if "location" in fields and self.location:
            out["location"] = self.location
        if "verified" in fields:
            out["verified"] = self.verified
        if "created_at" in fields:
            out["created_at"] = self.created_at
        if "protected" in fields:
            out["protected"] = False
        if "public_metrics" in fields:
            out["public_metrics"] = {
                "followers_count": self.followers_count,
                "following_count": self.following_count,
                "tweet_count": 0,
                "listed_count": 0,
            }
        return out


@dataclass
class DmEvent:
    id: str
    text: str
    sender_id: str
    recipient_id: str
    created_at: datetime
    event_type: str = "MessageCreate"

    @property
    def conversation_id(self) -> str:
        low, high = sorted((self.sender_id, self.recipient_id), key=int)
        return f"{low}-{high}"

    def as_json(self, fields: set[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"event_type": self.event_type, "id": self.id, "text": self.text}
        if "sender_id" in fields:
            out["sender_id"] = self.sender_id
        if "dm_conversation_id" in fields:
            out["dm_conversation_id"] = self.conversation_id
        if "created_at" in fields:
            out["created_at"] = iso(self.created_at)[:-4] + "Z"
        if "participant_ids" in fields:
            out["participant_ids"] = [self.sender_id, self.recipient_id]
        return out


@dataclass
class Faults:
    """Injected trouble: each call fails with this probability, in one of these ways.

    ``drop`` closes the connection before the call is handled; ``drop_after`` handles it
    (a DM is delivered) and then closes the connection, so the caller never hears.
    """

    rate: float = 0.0
    kinds: tuple[str, ...] = ("429", "500", "503", "slow", "drop", "drop_after")
    slow_seconds: float = 0.2
    #: An injected 429 is a short throttle, not a spent 15-minute window.
    throttle_seconds: int = 2
    seed: int = 0
    served: Counter[str] = field(default_factory=Counter)
    _rng: random.Random = field(default_factory=random.Random, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self._rng.seed(self.seed)

    def draw(self) -> str | None:
        with self._lock:
            if self.rate <= 0 or self._rng.random() >= self.rate:
                return None
            kind = self._rng.choice(self.kinds)
            self.served[kind] += 1
            return kind


@dataclass(frozen=True)
class Limit:
    per_window: int
    per_day: int | None = None


LIMITS = {
    "users_me": Limit(75),
    "followers": Limit(15),
    "dm_events": Limit(300),
    "dm_conversation_events": Limit(300),
    "send_dm": Limit(15, 1440),
}


class SandboxState:
    def __init__(self, clock: Clock, *, account_username: str = "dmguard_demo",
                 account_name: str = "dmguard demo", limits: dict[str, Limit] | None = None,
                 credentials: tuple[str, str] | None = None) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self._ids = itertools.count(1_600_000_000_000_000_000)
        self.me = SandboxUser(self.next_id(), account_username, account_name,
                              description="A sandbox account for dmguard", followers_count=0)
        self.users: dict[str, SandboxUser] = {self.me.id: self.me}
        self.followers: list[tuple[str, datetime]] = []
        self.events: list[DmEvent] = []
        self.limits = {**LIMITS, **(limits or {})}
        self.calls: dict[str, list[datetime]] = {}
        self.faults = Faults()
        self.credentials = credentials
        self.request_count = 0
        # Called with each DM the account sends, after it is stored and before the sender
        # hears back: the crash harness kills the daemon here, mid-send.
        self.on_account_send: Callable[[DmEvent], None] | None = None

    def next_id(self) -> str:
        return str(next(self._ids))

    # --- the world ------------------------------------------------------------------

    def add_user(self, **profile: Any) -> SandboxUser:
        with self.lock:
            user = SandboxUser(id=self.next_id(), **profile)
            self.users[user.id] = user
            return user

    def follow(self, user_id: str) -> None:
        with self.lock:
            if user_id not in self.users:
                raise KeyError(user_id)
            if any(existing == user_id for existing, _ in self.followers):
                return
            self.followers.append((user_id, self.clock.now()))
            self.me.followers_count += 1

    def user_writes(self, user_id: str, text: str) -> DmEvent:
        """A person DMs the account (what the scenario driver and tests call)."""
        with self.lock:
            event = DmEvent(self.next_id(), text, user_id, self.me.id, self.clock.now())
            self.events.append(event)
            return event

    def account_sends(self, recipient_id: str, text: str) -> DmEvent:
        with self.lock:
            event = DmEvent(self.next_id(), text, self.me.id, recipient_id, self.clock.now())
            self.events.append(event)
        if self.on_account_send is not None:
            self.on_account_send(event)
        return event

    def received_by(self, user_id: str) -> list[DmEvent]:
        with self.lock:
            return [e for e in self.events if e.sender_id == self.me.id and e.recipient_id == user_id]

    def sent_by_account(self) -> list[DmEvent]:
        with self.lock:
            return [e for e in self.events if e.sender_id == self.me.id]

    # --- rate limits ----------------------------------------------------------------

    def take(self, endpoint: str) -> tuple[bool, dict[str, str]]:
        """Count a call against its window; return (allowed, rate-limit headers)."""
        limit = self.limits[endpoint]
        now = self.clock.now()
        with self.lock:
            calls = [t for t in self.calls.get(endpoint, []) if t > now - DAY]
            in_window = [t for t in calls if t > now - WINDOW]
            allowed = len(in_window) < limit.per_window and (
                limit.per_day is None or len(calls) < limit.per_day
            )
            if allowed:
                calls.append(now)
                in_window.append(now)
            self.calls[endpoint] = calls
            oldest = in_window[0] if in_window else now
            reset = int((oldest + WINDOW).timestamp())
            if limit.per_day is not None and len(calls) >= limit.per_day:
                reset = max(reset, int((calls[0] + DAY).timestamp()))
            headers = {
                "x-rate-limit-limit": str(limit.per_window),
                "x-rate-limit-remaining": str(max(0, limit.per_window - len(in_window))),
                "x-rate-limit-reset": str(reset),
            }
            return allowed, headers
