"""The emulator's world: users, who follows whom, DM events, rate windows, faults, bills.

Every DM the account sends is kept, so tests can assert what a recipient saw.
Times come from an injected clock, so a simulated day has simulated rate windows.

By default the world is as strict as X (see :class:`EmulatorOptions`); each way it
can be made kinder is a named option, and the tests that use one say why.
"""

from __future__ import annotations

import random
import secrets
import threading
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from dmguard.clock import Clock, iso

WINDOW = timedelta(minutes=15)
DAY = timedelta(hours=24)

#: What OAuth 1.0a user tokens of an app with "Read and write and Direct message"
#: permission are told in the ``x-access-level`` header (docs: changelog.mdx, May 8 2017,
#: "HTTP headers forced to lowercase ... x-access-level").
DM_ACCESS = "read-write-directmessages"
#: Scopes an OAuth 2.0 user token needs per endpoint (docs: openapi.json, each path's
#: ``security: OAuth2UserToken``).
ENDPOINT_SCOPES: dict[str, frozenset[str]] = {
    "users_me": frozenset({"tweet.read", "users.read"}),
    "followers": frozenset({"tweet.read", "users.read", "follows.read"}),
    "dm_events": frozenset({"dm.read", "tweet.read", "users.read"}),
    "dm_conversation_events": frozenset({"dm.read", "tweet.read", "users.read"}),
    "send_dm": frozenset({"dm.write", "tweet.read", "users.read"}),
}
DM_ENDPOINTS = frozenset({"dm_events", "dm_conversation_events", "send_dm"})
#: An OAuth 2.0 access token lives two hours (docs: fundamentals/authentication/
#: oauth-2-0/authorization-code.mdx, "How long will my credentials stay valid?").
ACCESS_TOKEN_LIFETIME = timedelta(hours=2)
#: "The auth_code has a time limit of 30 seconds" (same page, Glossary).
AUTH_CODE_LIFETIME = timedelta(seconds=30)
#: Snowflake ids (docs: fundamentals/x-ids.mdx, "ID format": every object, DM events
#: included, has a 64-bit id encoding a timestamp, a worker number and a sequence number;
#: "IDs are globally unique across all of X"; higher ids are newer). The layout is
#: Twitter's snowflake (twitter-archive/snowflake): milliseconds since the Twitter epoch
#: << 22 | worker (10 bits) << 12 | sequence (12 bits).
TWITTER_EPOCH_MS = 1288834974657
WORKER_BITS = 10
SEQUENCE_BITS = 12


class Snowflakes:
    """Ids as X makes them: from the clock, time-ordered, never reused.

    Each emulator incarnation is another worker, so an emulator that restarts with its
    state lost never hands out an id it gave before, even at the same millisecond (a
    simulated clock may stand still). Within a millisecond the sequence counts up; past
    4,095 the id borrows the next millisecond, as snowflake waits for it.
    """

    def __init__(self, worker: int) -> None:
        self.worker = worker % (1 << WORKER_BITS)
        self._next_sequence: dict[int, int] = {}

    def make(self, at: datetime) -> str:
        millis = int(at.timestamp() * 1000) - TWITTER_EPOCH_MS
        while True:
            sequence = self._next_sequence.get(millis, 0)
            if sequence < 1 << SEQUENCE_BITS:
                self._next_sequence[millis] = sequence + 1
                return str(millis << (WORKER_BITS + SEQUENCE_BITS)
                           | self.worker << SEQUENCE_BITS | sequence)
            millis += 1


def snowflake(at: datetime, worker: int, sequence: int) -> str:
    """The snowflake id made ``at`` by ``worker`` with ``sequence`` (the layout above)."""
    millis = int(at.timestamp() * 1000) - TWITTER_EPOCH_MS
    return str(millis << (WORKER_BITS + SEQUENCE_BITS)
               | worker % (1 << WORKER_BITS) << SEQUENCE_BITS | sequence % (1 << SEQUENCE_BITS))


ACCOUNT_MADE = datetime(2015, 3, 21, tzinfo=UTC)
"""When the emulated account was made (long before anything the emulator makes now)."""


def account_id(username: str) -> str:
    """The emulated account's user id: a snowflake of :data:`ACCOUNT_MADE`, its worker and
    sequence from the username. An account keeps its id (x-ids.mdx: ids identify objects
    for good), so every start of the emulator for one username is the same user to dmguard,
    whose database checks that (:mod:`dmguard.identity`); another username is another user."""
    digest = zlib.crc32(username.encode("utf-8"))
    return snowflake(ACCOUNT_MADE, digest >> SEQUENCE_BITS, digest)


def snowflake_time(snowflake: str) -> datetime:
    """When a snowflake id was made (to the millisecond)."""
    millis = (int(snowflake) >> (WORKER_BITS + SEQUENCE_BITS)) + TWITTER_EPOCH_MS
    return datetime.fromtimestamp(millis / 1000, UTC)


@dataclass(frozen=True)
class PhoneEntry:
    """One DM on a person's phone: what they wrote, or what the account sent them."""

    person_id: str
    kind: str  # "received" (the account sent it to the person) or "wrote" (they sent it)
    event_id: str
    text: str
    at: datetime
    #: Which emulator incarnation held the DM (0 before any restart).
    incarnation: int
    #: When the platform (that incarnation) started to list it.
    listed_at: datetime | None = None


class Phones:
    """Every person's phone: an append-only record of the DMs they wrote and received.

    It outlives the emulator's memory (see :meth:`SandboxState.restarted`): a DM the
    account sent is on the phone even when the platform that delivered it forgot it,
    so duplicates, losses and DMs after a STOP are counted here, not on the platform.
    """

    def __init__(self) -> None:
        self.entries: list[PhoneEntry] = []
        self._lock = threading.Lock()

    def add(self, entry: PhoneEntry) -> None:
        with self._lock:
            self.entries.append(entry)

    def received(self, person_id: str | None = None) -> list[PhoneEntry]:
        """What the account delivered (to one person, or to everyone), in order."""
        with self._lock:
            return [e for e in self.entries if e.kind == "received"
                    and (person_id is None or e.person_id == person_id)]

    def written(self, person_id: str | None = None) -> list[PhoneEntry]:
        with self._lock:
            return [e for e in self.entries if e.kind == "wrote"
                    and (person_id is None or e.person_id == person_id)]


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
    #: When GET /2/dm_events starts to list it (see EmulatorOptions.listing_lag).
    listed_at: datetime | None = None

    @property
    def conversation_id(self) -> str:
        # A 1:1 conversation is "{smaller id}-{larger id}" (docs: x-api/direct-messages/
        # lookup/integrate.mdx, "Conversation types"; recorded: interactions.jsonl POST
        # /2/dm_conversations/with/:id/messages answers "750362064426721281-1072250532645998596").
        low, high = sorted((self.sender_id, self.recipient_id), key=int)
        return f"{low}-{high}"

    def listed(self, now: datetime) -> bool:
        return self.listed_at is None or self.listed_at <= now

    def as_json(self, fields: set[str],
                expansions: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
        # Default fields of a MessageCreate are id, event_type, text (lookup/integrate.mdx,
        # "Default fields"); sender_id comes with the sender_id expansion (openapi.json lists
        # it among expansions, not dm_event.fields). Since June 2025 a MessageCreate carries
        # no participant_ids, even when the expansion is asked for (changelog.mdx, Jun 3 2025).
        out: dict[str, Any] = {"event_type": self.event_type, "id": self.id, "text": self.text}
        if "sender_id" in expansions:
            out["sender_id"] = self.sender_id
        if "dm_conversation_id" in fields:
            out["dm_conversation_id"] = self.conversation_id
        if "created_at" in fields:
            out["created_at"] = iso(self.created_at)[:-4] + "Z"
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


@dataclass
class Problems:
    """Account-level trouble: while a switch is on, X answers as it would in that case.

    Each is what a real account runs into; the daemon must pause, keep the queue and
    resume once the switch is off again (the answers are in server.py).
    """

    #: 402 CreditsDepleted: a pay-per-use account out of credits.
    credits_depleted: bool = False
    #: 429 usage-capped without any reset header (a monthly product cap).
    usage_capped: bool = False
    #: 403 client-forbidden, reason client-not-enrolled: the app is not in a project/package.
    client_not_enrolled: bool = False
    #: The app lost its DM permission: OAuth 1.0a tokens get 403 oauth1-permissions on
    #: DM endpoints (and x-access-level "read-write"); OAuth 2.0 tokens lose dm.* scopes.
    permission_lost: bool = False
    #: 403 for every call: the X account itself is locked.
    account_locked: bool = False
    #: Every OAuth 2.0 access token issued so far is expired (a refresh gets a new one).
    token_expired: bool = False

    def any(self) -> bool:
        return any(vars(self).values())


@dataclass(frozen=True)
class Limit:
    """Requests per 15-minute window per user; optional 24-hour caps per user and per app."""

    per_window: int
    per_day: int | None = None
    app_per_day: int | None = None


#: The real per-user limits (docs: x-api/fundamentals/rate-limits.mdx, "Direct Messages"
#: and "Users" tables): DM reads 15/15 min, DM sends 15/15 min and 1,440/24 h per user
#: and per app, GET /2/users/:id/followers 300/15 min, GET /2/users/me 75/15 min.
LIMITS = {
    "users_me": Limit(75),
    "followers": Limit(300),
    "dm_events": Limit(15),
    "dm_conversation_events": Limit(15),
    "send_dm": Limit(15, 1440, 1440),
}

#: US dollars per billable unit (docs: x-api/getting-started/pricing.mdx, "Credit
#: consumption details" and "Owned Reads").
PRICES = {
    "dm_event_read": 0.010,    # DM Event: Read, per resource
    "user_read": 0.010,        # User: Read, per resource
    "follower_read": 0.010,    # Following/Followers: Read, per resource
    "owned_read": 0.001,       # Owned Reads: GET /2/users/{own id}/followers
    "dm_create": 0.015,        # DM Interaction: Create, per request
}
#: Kinds billed per request rather than per resource (pricing.mdx, "Write operations").
PER_REQUEST = frozenset({"dm_create"})


@dataclass(frozen=True)
class EmulatorOptions:
    """How strict the emulator is. The defaults are X's; every kinder value is named.

    ``listing_lag`` / ``listing_jitter``: GET /2/dm_events lists a new event only
    ``listing_lag`` plus a random part of ``listing_jitter`` after it happened, so an
    event may be listed after a newer one was already read, *below* it (issue #14,
    item 5; X documents no listing delay, which is why it is an option).
    ``limits``: requests per window (LIMITS). ``prices``: what X bills (PRICES).
    ``credits``: a pay-per-use balance in dollars; None is unlimited. Once the bill
    takes it to zero or below, every call answers 402 (pricing.mdx, "Credit balance":
    "API requests will be blocked until you add credits").
    ``oauth1_access_level``: what x-access-level says for OAuth 1.0a tokens.
    ``app_only_bearer``: a Bearer token the emulator did not issue is an app-only
    token (X: 403 unsupported-authentication on user-context endpoints); False treats
    any Bearer token as a user token with every scope (the old, kind behaviour).
    """

    listing_lag: timedelta = timedelta(seconds=5)
    listing_jitter: timedelta = timedelta(seconds=55)
    limits: dict[str, Limit] = field(default_factory=lambda: dict(LIMITS))
    prices: dict[str, float] = field(default_factory=lambda: dict(PRICES))
    credits: float | None = None
    oauth1_access_level: str = DM_ACCESS
    app_only_bearer: bool = True
    seed: int = 0


#: The emulator as strict as X: what SandboxState uses unless told otherwise.
STRICT = EmulatorOptions()


def instant_listing(options: EmulatorOptions = STRICT) -> EmulatorOptions:
    """Lenient: /2/dm_events lists an event the moment it happens.

    For the demo and for tests that write a DM and tick at the same simulated instant
    (their clock does not move during a tick, so any lag hides the DM from that tick).
    The lag itself is tested in tests/platforms/test_strict_emulator.py.
    """
    return replace(options, listing_lag=timedelta(0), listing_jitter=timedelta(0))


def roomy_limits(options: EmulatorOptions = STRICT, factor: int = 100) -> EmulatorOptions:
    """Lenient: every limit ``factor`` times X's, for simulated days that are not about limits."""
    limits = {name: Limit(limit.per_window * factor,
                          limit.per_day * factor if limit.per_day else None,
                          limit.app_per_day * factor if limit.app_per_day else None)
              for name, limit in options.limits.items()}
    return replace(options, limits=limits)


@dataclass
class LedgerEntry:
    at: datetime
    kind: str
    resource_id: str
    amount: float


class Ledger:
    """What X would bill: each resource once per UTC day, each DM sent per request.

    (pricing.mdx, "Deduplication": "All resources are deduplicated within a 24-hour UTC
    day window".) Tests read ``total()``, ``entries`` and ``by_kind()``.
    """

    def __init__(self, prices: dict[str, float]) -> None:
        self.prices = prices
        self.entries: list[LedgerEntry] = []
        self._seen: set[tuple[str, str, str]] = set()
        self._lock = threading.Lock()

    def bill(self, at: datetime, kind: str, resource_ids: list[str]) -> float:
        """Bill what a successful answer returned; return the amount added."""
        day = at.astimezone(UTC).date().isoformat()
        added = 0.0
        with self._lock:
            for resource_id in resource_ids:
                key = (day, kind, resource_id)
                if kind not in PER_REQUEST:
                    if key in self._seen:
                        continue
                    self._seen.add(key)
                amount = self.prices.get(kind, 0.0)
                self.entries.append(LedgerEntry(at, kind, resource_id, amount))
                added += amount
        return added

    def total(self, day: str | None = None) -> float:
        with self._lock:
            return round(sum(e.amount for e in self.entries
                             if day is None or e.at.astimezone(UTC).date().isoformat() == day), 6)

    def by_kind(self, day: str | None = None) -> dict[str, tuple[int, float]]:
        """{kind: (units billed, dollars)}."""
        out: dict[str, tuple[int, float]] = {}
        with self._lock:
            for entry in self.entries:
                if day is not None and entry.at.astimezone(UTC).date().isoformat() != day:
                    continue
                count, amount = out.get(entry.kind, (0, 0.0))
                out[entry.kind] = (count + 1, round(amount + entry.amount, 6))
        return out


@dataclass
class OAuth2Token:
    access_token: str
    scopes: frozenset[str]
    expires_at: datetime
    refresh_token: str | None


@dataclass
class OAuth2Client:
    """An app registered for OAuth 2.0: its client id, secret and exact callback URL."""

    client_id: str
    redirect_uri: str
    client_secret: str | None = None


@dataclass
class _Window:
    start: datetime
    used: int = 0


class SandboxState:
    def __init__(self, clock: Clock, *, account_username: str = "dmguard_demo",
                 account_name: str = "dmguard demo", limits: dict[str, Limit] | None = None,
                 credentials: tuple[str, str] | None = None,
                 options: EmulatorOptions | None = None, incarnation: int = 0,
                 phones: Phones | None = None, me: SandboxUser | None = None) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.options = options or STRICT
        #: How many times this emulator restarted with its state lost (see restarted()).
        self.incarnation = incarnation
        self._ids = Snowflakes(worker=incarnation)
        self.phones = phones or Phones()
        #: Pagination tokens carry this; a restarted emulator knows none it gave before.
        self.cursor_salt = secrets.token_hex(4)
        self.me = me or SandboxUser(account_id(account_username), account_username, account_name,
                                    description="A sandbox account for dmguard",
                                    followers_count=0)
        self.users: dict[str, SandboxUser] = {self.me.id: self.me}
        self.followers: list[tuple[str, datetime]] = []
        self.events: list[DmEvent] = []
        self.limits = {**self.options.limits, **(limits or {})}
        self.windows: dict[tuple[str, str], _Window] = {}
        self.faults = Faults()
        self.problems = Problems()
        self.credentials = credentials
        self.credits = self.options.credits
        self.ledger = Ledger(self.options.prices)
        self.request_count = 0
        self._rng = random.Random(self.options.seed)
        # OAuth 2.0: registered clients, issued tokens, pending authorization codes.
        self.oauth2_clients: dict[str, OAuth2Client] = {}
        self.access_tokens: dict[str, OAuth2Token] = {}
        self.refresh_tokens: dict[str, frozenset[str]] = {}
        self.used_refresh_tokens: set[str] = set()
        self.auth_codes: dict[str, dict[str, Any]] = {}
        # Called with each DM the account sends, after it is stored and before the sender
        # hears back: the crash harness kills the daemon here, mid-send.
        self.on_account_send: Callable[[DmEvent], None] | None = None

    def next_id(self, at: datetime | None = None) -> str:
        """A snowflake id for something made ``at`` (default: now)."""
        with self.lock:
            return self._ids.make(at or self.clock.now())

    def restarted(self) -> SandboxState:
        """This emulator after a restart that lost its state.

        Lost: every DM event, the followers list, rate windows, the ledger and credits,
        account problems. Kept: the account and the people with their ids (real
        accounts exist apart from the platform's memory; the caller re-seeds them as
        the same people), registered apps and issued tokens (credentials), the fault
        storm, the phones, and the send hook. New ids come from another worker, so
        none is ever reused (fundamentals/x-ids.mdx: ids are globally unique).
        """
        with self.lock:
            fresh = SandboxState(self.clock, limits=self.limits, credentials=self.credentials,
                                 options=self.options, incarnation=self.incarnation + 1,
                                 phones=self.phones, me=replace(self.me, followers_count=0))
            fresh.users.update({uid: replace(user) for uid, user in self.users.items()
                                if uid != self.me.id})
            fresh.faults = self.faults
            fresh.oauth2_clients = dict(self.oauth2_clients)
            fresh.access_tokens = dict(self.access_tokens)
            fresh.refresh_tokens = dict(self.refresh_tokens)
            fresh.used_refresh_tokens = set(self.used_refresh_tokens)
            fresh.on_account_send = self.on_account_send
            return fresh

    # --- the world ------------------------------------------------------------------

    def add_user(self, *, user_id: str | None = None, **profile: Any) -> SandboxUser:
        """A person on the platform; ``user_id``: theirs when it is known already (a seeded
        person who has had an account for years), else a new snowflake of now."""
        with self.lock:
            if user_id is not None and user_id in self.users:
                raise ValueError(f"user id {user_id} is taken")
            user = SandboxUser(id=user_id or self.next_id(), **profile)
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

    def unfollow(self, user_id: str) -> None:
        with self.lock:
            before = len(self.followers)
            self.followers = [(uid, at) for uid, at in self.followers if uid != user_id]
            self.me.followers_count -= before - len(self.followers)

    def _listed_at(self, now: datetime, lag: timedelta | None) -> datetime:
        if lag is None:
            jitter = self.options.listing_jitter.total_seconds() * self._rng.random()
            lag = self.options.listing_lag + timedelta(seconds=jitter)
        return now + lag

    def user_writes(self, user_id: str, text: str, *, listing_lag: timedelta | None = None,
                    at: datetime | None = None) -> DmEvent:
        """A person DMs the account (what the scenario driver and tests call).

        ``listing_lag`` overrides the drawn lag for this event; ``at`` backdates it
        (history that was there before dmguard started).
        """
        with self.lock:
            when = at or self.clock.now()
            event = DmEvent(self.next_id(when), text, user_id, self.me.id, when)
            event.listed_at = self._listed_at(when, listing_lag)
            self._insert(event)
            self.phones.add(PhoneEntry(user_id, "wrote", event.id, text, when, self.incarnation,
                                       event.listed_at))
            return event

    def account_sends(self, recipient_id: str, text: str, *,
                      at: datetime | None = None) -> DmEvent:
        with self.lock:
            when = at or self.clock.now()
            event = DmEvent(self.next_id(when), text, self.me.id, recipient_id, when)
            event.listed_at = self._listed_at(when, None)
            self._insert(event)
            self.phones.add(PhoneEntry(recipient_id, "received", event.id, text, when,
                                       self.incarnation, event.listed_at))
        if self.on_account_send is not None and at is None:
            self.on_account_send(event)
        return event

    def _insert(self, event: DmEvent) -> None:
        # Kept in time order (ids grow with time), backdated history included.
        self.events.append(event)
        if len(self.events) > 1 and self.events[-2].created_at > event.created_at:
            self.events.sort(key=lambda e: (e.created_at, int(e.id)))

    def received_by(self, user_id: str) -> list[DmEvent]:
        with self.lock:
            return [e for e in self.events if e.sender_id == self.me.id and e.recipient_id == user_id]

    def sent_by_account(self) -> list[DmEvent]:
        with self.lock:
            return [e for e in self.events if e.sender_id == self.me.id]

    # --- rate limits ----------------------------------------------------------------

    def _window(self, key: tuple[str, str], length: timedelta, now: datetime) -> _Window:
        """A fixed window that opens with the first call after the last one closed."""
        window = self.windows.get(key)
        if window is None or now >= window.start + length:
            window = self.windows[key] = _Window(now)
        return window

    def take(self, endpoint: str, *, count: bool = True) -> tuple[bool, dict[str, str]]:
        """Count a call against its windows; return (allowed, rate-limit headers).

        Every answer carries x-rate-limit-limit/-remaining/-reset (rate-limits.mdx,
        "Checking your limits"); DM sends also carry x-user-limit-24hour-* and
        x-app-limit-24hour-* (the headers X sends with 24-hour caps; reported in
        plhery/node-twitter-api-v2#495 and #553). ``count=False`` only reports.
        """
        limit = self.limits[endpoint]
        now = self.clock.now()
        with self.lock:
            windows = [("x-rate-limit", self._window(("user", endpoint), WINDOW, now),
                        limit.per_window, WINDOW)]
            if limit.per_day is not None:
                windows.append(("x-user-limit-24hour", self._window(("user-day", endpoint), DAY,
                                                                    now), limit.per_day, DAY))
            if limit.app_per_day is not None:
                windows.append(("x-app-limit-24hour", self._window(("app-day", endpoint), DAY,
                                                                   now), limit.app_per_day, DAY))
            allowed = all(window.used < cap for _, window, cap, _ in windows)
            if allowed and count:
                for _, window, _, _ in windows:
                    window.used += 1
            headers: dict[str, str] = {}
            for prefix, window, cap, length in windows:
                headers[f"{prefix}-limit"] = str(cap)
                headers[f"{prefix}-remaining"] = str(max(0, cap - window.used))
                headers[f"{prefix}-reset"] = str(int((window.start + length).timestamp()))
            return allowed, headers

    def use_up(self, endpoint: str, scope: str, count: int) -> None:
        """Count ``count`` calls made elsewhere against one window: ``user`` (15 min),
        ``user-day`` or ``app-day`` (24 h), e.g. other users of the same app sending DMs."""
        length = WINDOW if scope == "user" else DAY
        with self.lock:
            self._window((scope, endpoint), length, self.clock.now()).used += count

    # --- billing ----------------------------------------------------------------------

    def bill(self, kind: str, resource_ids: list[str]) -> None:
        added = self.ledger.bill(self.clock.now(), kind, resource_ids)
        with self.lock:
            if self.credits is not None:
                self.credits -= added

    def out_of_credits(self) -> bool:
        return self.problems.credits_depleted or (self.credits is not None and self.credits <= 0)

    # --- OAuth 2.0 ------------------------------------------------------------------

    def register_oauth2_client(self, client_id: str, redirect_uri: str,
                               client_secret: str | None = None) -> OAuth2Client:
        client = OAuth2Client(client_id, redirect_uri, client_secret)
        with self.lock:
            self.oauth2_clients[client_id] = client
        return client

    def issue_tokens(self, scopes: frozenset[str]) -> dict[str, Any]:
        """A new access token (and a refresh token with offline.access), as the token
        endpoint answers (authentication/oauth-2-0/user-access-token.mdx, Steps 3 and 5)."""
        now = self.clock.now()
        access = secrets.token_urlsafe(24)
        refresh = secrets.token_urlsafe(24) if "offline.access" in scopes else None
        with self.lock:
            self.access_tokens[access] = OAuth2Token(access, scopes, now + ACCESS_TOKEN_LIFETIME,
                                                     refresh)
            if refresh:
                self.refresh_tokens[refresh] = scopes
        body: dict[str, Any] = {"token_type": "bearer",
                                "expires_in": int(ACCESS_TOKEN_LIFETIME.total_seconds()),
                                "access_token": access, "scope": " ".join(sorted(scopes))}
        if refresh:
            body["refresh_token"] = refresh
        return body

    def user_token(self, access_token: str) -> OAuth2Token | None:
        """The live OAuth 2.0 user token with this value; None if unknown or expired."""
        with self.lock:
            token = self.access_tokens.get(access_token)
            if token is None or self.problems.token_expired:
                return None
            return token if self.clock.now() < token.expires_at else None

    def expire_tokens(self) -> None:
        """Every access token issued so far stops working (as two hours passing would)."""
        with self.lock:
            now = self.clock.now()
            for token in self.access_tokens.values():
                token.expires_at = min(token.expires_at, now)

    def dm_permission(self) -> bool:
        return not self.problems.permission_lost

    def oauth1_access_level(self) -> str:
        level = self.options.oauth1_access_level
        if self.problems.permission_lost:
            level = level.replace("-directmessages", "")
        return level

    def snapshot(self) -> dict[str, Any]:
        """What the control endpoint reports."""
        return {"problems": vars(self.problems), "credits": self.credits,
                "bill": self.ledger.total(), "listing_lag": self.options.listing_lag.total_seconds()}


__all__ = ["DAY", "LIMITS", "PRICES", "STRICT", "TWITTER_EPOCH_MS", "WINDOW", "DmEvent",
           "EmulatorOptions", "Faults", "Ledger", "Limit", "PhoneEntry", "Phones", "Problems",
           "SandboxState", "SandboxUser", "Snowflakes", "instant_listing", "roomy_limits",
           "snowflake", "snowflake_time"]
