"""X through tweepy's ``Client``, mapped onto dmguard's outcomes.

tweepy always calls ``https://api.twitter.com``; :class:`ApiAdapter`, mounted on
``client.session``, adds a timeout to every call and, for the sandbox, sends the
call to the emulator instead. Each call is recorded (endpoint, status, units) so
the daily report can say what the API cost.

Every answer other than a success becomes one distinct outcome (platforms/base.py),
carrying X's own title, detail and problem type; :func:`classify` is the map.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
import tweepy
from tenacity import (
    retry,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from dmguard.clock import Clock, parse_iso
from dmguard.config import XCredentials
from dmguard.platforms.base import (
    AccountBlocked,
    AppForbidden,
    AuthBroken,
    CreditsDepleted,
    DmEventData,
    PlatformError,
    PlatformUnavailable,
    Profile,
    RateLimited,
    RecipientRefused,
    RequestRejected,
    SentDm,
    clean_text,
)
from dmguard.platforms.http import X_HOST, ApiAdapter, mount
from dmguard.platforms.x_oauth2 import OAuth2Tokens

__all__ = ["X_HOST", "ApiAdapter", "Biller", "XPlatform", "billed_resources", "classify"]

USER_FIELDS = ["description", "location", "public_metrics", "verified", "created_at"]
#: dm_event.fields as openapi.json lists them for GET /2/dm_events; sender_id and
#: participant_ids are asked for as expansions, where the spec puts them.
DM_FIELDS = ["id", "text", "event_type", "created_at", "dm_conversation_id"]
DM_EXPANSIONS = ["sender_id", "participant_ids"]
#: The scopes each call needs with an OAuth 2.0 user token (openapi.json, security).
NEEDED_SCOPES = {
    "users/me": {"tweet.read", "users.read"},
    "followers": {"tweet.read", "users.read", "follows.read"},
    "dm_events": {"dm.read", "tweet.read", "users.read"},
    "dm_conversation_events": {"dm.read", "tweet.read", "users.read"},
    "send_dm": {"dm.write", "tweet.read", "users.read"},
}
#: Followers per page of an incremental follower sync, and of the daily full pass
#: (the endpoint allows 1-1000, openapi.json max_results).
FOLLOWER_PAGE = 20
FULL_FOLLOWER_PAGE = 1000
#: An incremental follower sync stops after this many pages with no new follower.
KNOWN_PAGES_TO_STOP = 1
DM_CALLS = frozenset({"dm_events", "dm_conversation_events", "send_dm"})
#: A usage cap without a reset header (a plan's monthly cap): look again after this.
USAGE_CAP_WAIT = timedelta(hours=24)
#: A 429 with no header at all: X's window length.
DEFAULT_WINDOW = timedelta(minutes=15)
#: What a 403 about the recipient says (the emulator's wording; v1.1's codes 349/150).
RECIPIENT_REFUSAL = re.compile(
    r"(not permitted|cannot|can't|not allowed) to send (direct )?messages? to"
    r"|messages? to (this|the) user|not following you|message requests", re.IGNORECASE)
LOCKED = re.compile(r"\b(locked|suspended)\b", re.IGNORECASE)

CallRecorder = Callable[[str, str, int | None, int], None]
"""(endpoint, method, HTTP status or None, billable units: events or users read, DMs sent)"""


Biller = Callable[[str, list[tuple[str, list[str]]]], None]
"""(endpoint, [(price kind, resource ids)]) of one successful answer: what X bills for it."""


def billed_resources(endpoint: str, response: Any) -> list[tuple[str, list[str]]]:
    """What X bills for a successful answer, by the price kinds of pricing.mdx
    ("Credit consumption details", "Owned Reads"): the user read by /2/users/me, every
    follower listed (your own followers: Owned Reads), every DM event and, with the
    sender_id expansion, each sender as a User read; a DM sent per request (its event
    id). Deduplication per UTC day is the store's job (store/billing.py)."""
    data = getattr(response, "data", None)
    if endpoint == "users/me":
        return [("user_read", [str(data.id)])] if data is not None else []
    if endpoint == "followers":
        return [("owned_read", [str(user.id) for user in data or []])]
    if endpoint in ("dm_events", "dm_conversation_events"):
        items = data or []
        senders = [str(item.sender_id) for item in items if getattr(item, "sender_id", None)]
        return [("dm_event_read", [str(item.id) for item in items]),
                ("user_read", list(dict.fromkeys(senders)))]
    if endpoint == "send_dm" and data:
        return [("dm_create", [str(data["dm_event_id"])])]
    return []


class _Transient(Exception):
    pass


Sleep = Callable[[float], None]


def _retrying(func: Callable[..., Any], sleep: Sleep) -> Callable[..., Any]:
    return retry(
        retry=retry_if_exception_type(_Transient),
        stop=stop_after_attempt(4),
        wait=wait_exponential(multiplier=0.1, max=2),
        sleep=sleep,
        reraise=True,
    )(func)


class XPlatform:
    name = "x"

    def __init__(self, credentials: XCredentials | None = None, *, base_url: str | None = None,
                 recorder: CallRecorder | None = None, timeout: float = 15.0,
                 listing_lag: timedelta = timedelta(minutes=1),
                 clock: Clock, tokens: OAuth2Tokens | None = None,
                 biller: Biller | None = None) -> None:
        """``clock`` is the caller's: retries of a read wait through it (tests do not wait
        in real time) and it says when a token expires.

        ``tokens`` (an OAuth 2.0 token file) makes every call use a fresh user token:
        refreshed before it expires, and once more when X answers 401.
        """
        credentials = credentials or XCredentials()
        self.listing_lag = listing_lag
        self._sleep = clock.sleep
        self.now = clock.now
        self.tokens = tokens
        self.oauth2 = tokens is not None or (bool(credentials.bearer_token)
                                             and not credentials.access_token)
        self.client = tweepy.Client(
            bearer_token=credentials.bearer_token,
            consumer_key=credentials.consumer_key,
            consumer_secret=credentials.consumer_secret,
            access_token=credentials.access_token,
            access_token_secret=credentials.access_token_secret,
        )
        self.adapter = mount(self.client.session, base_url, timeout)
        self.recorder = recorder
        self.biller = biller
        self._me: Profile | None = None

    @property
    def user_auth(self) -> bool:
        """OAuth 1.0a user context, unless an OAuth 2.0 user token is used."""
        return not self.oauth2

    @property
    def scopes(self) -> frozenset[str] | None:
        """The OAuth 2.0 scopes granted, when known (a token file records them)."""
        return self.tokens.scopes if self.tokens is not None else None

    def _call(self, endpoint: str, method: str, func: Callable[..., Any], *args: Any,
              retry_transient: bool = True, **kwargs: Any) -> Any:
        """Call tweepy and map its errors; retry reads (never sends) on server trouble."""
        refreshed = False

        def attempt() -> Any:
            nonlocal refreshed
            if self.tokens is not None:
                self.client.bearer_token = self.tokens.access_token()
            try:
                response = func(*args, user_auth=self.user_auth, **kwargs)
            except tweepy.HTTPException as error:
                # tweepy's subclasses (BadRequest ... TwitterServerError) and the bare
                # HTTPException it raises for 402 alike.
                status = error.response.status_code
                self._record(endpoint, method, status)
                if status >= 500:
                    raise _Transient(f"{endpoint}: X server error {status}") from None
                if status == 401 and self.tokens is not None and not refreshed:
                    # Expired early or revoked: one refresh, one more try.
                    refreshed = True
                    self.tokens.refresh(self.tokens.current())
                    return attempt()
                raise classify(endpoint, error.response, now=self.now(),
                               scopes=self.scopes) from None
            except (requests.ConnectionError, requests.Timeout) as error:
                self._record(endpoint, method, None)
                raise _Transient(f"{endpoint}: {type(error).__name__}") from None
            data = getattr(response, "data", None)
            units = len(data) if isinstance(data, list) else 1
            if self.biller is not None:
                self.biller(endpoint, billed_resources(endpoint, response))
            self._record(endpoint, method, 200, units)
            return response

        try:
            return (_retrying(attempt, self._sleep) if retry_transient else attempt)()
        except _Transient as error:
            detail = "gave up after retries" if retry_transient else "outcome unknown"
            raise PlatformUnavailable(f"{error} ({detail})") from None

    def _record(self, endpoint: str, method: str, status: int | None, units: int = 0) -> None:
        if self.recorder is not None:
            self.recorder(endpoint, method, status, units)

    def whoami(self) -> Profile:
        if self._me is None:
            response = self._call("users/me", "GET", self.client.get_me, user_fields=USER_FIELDS)
            self._me = _profile(response.data)
        return self._me

    def forget_identity(self) -> None:
        """The next whoami() asks the platform again (a live check)."""
        self._me = None

    def access_level(self) -> str | None:
        """The last answer's ``x-access-level`` (OAuth 1.0a only), e.g.
        ``read-write-directmessages``; None when X did not say."""
        return self.adapter.last_headers.get("x-access-level")

    def new_followers(self, known: set[str], *, full: bool = False) -> list[Profile]:
        """Followers not in ``known``, newest first.

        GET /2/users/:id/followers lists newest first, and someone who unfollows and
        follows again moves back to the top (x-api/users/follows, "Followers lookup"), so
        a known follower at the top says nothing about who is below. An incremental sync
        reads small pages and keeps going past known followers until a whole page is
        known (``KNOWN_PAGES_TO_STOP``); ``full`` reads every page (the daily pass that
        reconciles what a burst of re-follows hid). Your own followers are billed as
        Owned Reads, each once per UTC day (x-api/getting-started/pricing.mdx), so the
        small pages keep a tick to a few cents a day.
        """
        me = self.whoami()
        found: list[Profile] = []
        token = None
        size = FULL_FOLLOWER_PAGE if full else FOLLOWER_PAGE
        known_pages = 0
        while True:
            kwargs: dict[str, Any] = {"max_results": size, "user_fields": USER_FIELDS}
            if token:
                kwargs["pagination_token"] = token
            response = self._call("followers", "GET", self.client.get_users_followers,
                                  me.user_id, **kwargs)
            page = response.data or []
            fresh = [_profile(user) for user in page if str(user.id) not in known]
            found.extend(fresh)
            known_pages = 0 if fresh else known_pages + 1
            token = (response.meta or {}).get("next_token")
            if not token or (not full and known_pages >= KNOWN_PAGES_TO_STOP):
                return found

    def dm_events(self, after_id: str | None) -> list[DmEventData]:
        return self._events("dm_events", self.client.get_direct_message_events, after_id)

    def dm_event_pages(self, pagination_token: str | None = None, *, page_size: int = 100
                       ) -> Iterator[tuple[list[DmEventData], str | None]]:
        """GET /2/dm_events page by page, newest first: (events, next page's token).

        For a caller that saves its place after each page and resumes from the saved
        token after a 429 (X allows 15 reads per 15 minutes).
        """
        token = pagination_token
        while True:
            kwargs = self._event_kwargs(page_size)
            if token:
                kwargs["pagination_token"] = token
            response = self._call("dm_events", "GET", self.client.get_direct_message_events,
                                  **kwargs)
            token = (response.meta or {}).get("next_token")
            yield [_event(item) for item in response.data or []], token
            if not token:
                return

    def conversation_events(self, participant_id: str) -> list[DmEventData]:
        return self._events("dm_conversation_events", self.client.get_direct_message_events,
                            None, participant_id=participant_id)

    @staticmethod
    def _event_kwargs(page_size: int) -> dict[str, Any]:
        return {"dm_event_fields": DM_FIELDS, "expansions": DM_EXPANSIONS,
                "event_types": "MessageCreate", "max_results": page_size}

    def _events(self, endpoint: str, func: Callable[..., Any], after_id: str | None,
                **extra: Any) -> list[DmEventData]:
        events: list[DmEventData] = []
        token = None
        # X bills every event read, so an incremental poll reads small pages.
        page_size = 100 if after_id is None else 10
        while True:
            kwargs = {**self._event_kwargs(page_size), **extra}
            if token:
                kwargs["pagination_token"] = token
            response = self._call(endpoint, "GET", func, **kwargs)
            for item in response.data or []:
                if after_id is not None and int(item.id) <= int(after_id):
                    return events[::-1]
                events.append(_event(item))
            token = (response.meta or {}).get("next_token")
            if not token:
                return events[::-1]

    def send_dm(self, participant_id: str, text: str) -> SentDm:
        # A send is never retried blindly: after a dropped connection or a 5xx the DM may
        # have gone out, so the sender leaves it for reconcile() to look up.
        response = self._call("send_dm", "POST", self.client.create_direct_message,
                              participant_id=participant_id, text=text, retry_transient=False)
        data = response.data
        return SentDm(str(data["dm_event_id"]), str(data["dm_conversation_id"]))


# --- what each answer means ------------------------------------------------------------


def _words(response: requests.Response) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the JSON body, X's words: title, detail, kind, status) of an error answer."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    title = str(body.get("title") or response.reason or "")
    detail = str(body.get("detail") or "")
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        # invalid-request lists what was wrong per parameter; that is the useful part.
        first = errors[0]
        detail = str(first.get("message") or first.get("detail") or detail)
    kind = str(body.get("type") or "")
    kind = "" if kind in ("", "about:blank") else kind.rstrip("/").rsplit("/", 1)[-1]
    return body, {"title": title, "detail": detail, "kind": kind,
                  "status": response.status_code}


def _timestamp(headers: Any, name: str) -> datetime | None:
    value = headers.get(name)
    if value is None or not str(value).isdigit():
        return None
    return datetime.fromtimestamp(int(value), UTC)


def _rate_limited(endpoint: str, response: requests.Response, body: dict[str, Any],
                  words: dict[str, Any], now: datetime) -> RateLimited:
    """Which limit was hit, and until when (rate-limits.mdx "Handling rate limits";
    the 24-hour headers: plhery/node-twitter-api-v2#495 and #553; a 429 for the
    app's cap may still show x-rate-limit-remaining above 0, queen-raae/
    prune-your-follows#64, so the 24-hour headers are read first)."""
    headers = response.headers
    if words["kind"] == "usage-capped":
        reset = _timestamp(headers, "x-rate-limit-reset")
        if reset is None:
            if str(body.get("period", "")).lower() == "daily":
                reset = datetime.combine(now.astimezone(UTC).date() + timedelta(days=1),
                                         datetime.min.time(), UTC)
            else:
                reset = now + USAGE_CAP_WAIT
        return RateLimited(f"{endpoint}: usage cap reached ({words['detail'] or 'no detail'}); "
                           f"looking again at {reset:%Y-%m-%d %H:%M} UTC", reset,
                           scope="usage-capped", **words)
    spent: list[tuple[datetime, str]] = []
    for prefix, scope in (("x-user-limit-24hour", "user-24h"), ("x-app-limit-24hour", "app-24h"),
                          ("x-rate-limit", "window")):
        reset = _timestamp(headers, f"{prefix}-reset")
        if reset is not None and headers.get(f"{prefix}-remaining") == "0":
            spent.append((reset, scope))
    if not spent:
        reset = _timestamp(headers, "x-rate-limit-reset")
        spent.append((reset, "window") if reset else (now + DEFAULT_WINDOW, "throttle"))
    reset, scope = max(spent)
    what = {"user-24h": "the account's 24-hour DM cap", "app-24h": "the app's 24-hour DM cap",
            "window": "the 15-minute window", "throttle": "a limit"}[scope]
    return RateLimited(f"{endpoint}: rate limited by {what} until {reset:%Y-%m-%d %H:%M:%S} UTC",
                       reset, scope=scope, **words)


def classify(endpoint: str, response: requests.Response, *, now: datetime,
             scopes: frozenset[str] | None = None) -> PlatformError:
    """The outcome an error answer (4xx) means. Response codes: x-api/fundamentals/
    response-codes-and-errors.mdx; problem types: the same page's "Error types" and
    openapi.json's Problem schemas."""
    body, words = _words(response)
    status, kind, detail = words["status"], words["kind"], words["detail"]
    said = f"{words['title']}: {detail}" if detail and detail != words["title"] else words["title"]
    line = f"{endpoint}: X answered {status} ({said})"
    if status == 429:
        return _rate_limited(endpoint, response, body, words, now)
    if status == 402:
        return CreditsDepleted(line, **words)  # its .fix says what to do, once
    if status == 401:
        return AuthBroken(f"{endpoint}: X refused the credentials (401): {said}", **words)
    if status == 403:
        if kind == "client-forbidden":
            return AppForbidden(f"{line}; reason {body.get('reason') or 'not given'}", **words)
        if kind == "oauth1-permissions":
            return AppForbidden(f"{line}; the app needs 'Read and write and Direct message' "
                                "permission and new access tokens", **words)
        if kind == "unsupported-authentication":
            return AuthBroken(f"{line}; use OAuth 1.0a or an OAuth 2.0 user token", **words)
        if LOCKED.search(detail):
            return AccountBlocked(line, **words)
        if endpoint == "send_dm" and RECIPIENT_REFUSAL.search(detail):
            return RecipientRefused(f"{endpoint}: not allowed (403): {detail}", **words)
        missing = sorted(NEEDED_SCOPES.get(endpoint, set()) - scopes) if scopes is not None else []
        if missing:
            return AuthBroken(f"{line}; the OAuth 2.0 token lacks {' '.join(missing)}: run "
                              "`dmguard auth x`", **words)
        access = response.headers.get("x-access-level")
        if access is not None and endpoint in DM_CALLS and "directmessages" not in access:
            return AppForbidden(f"{line}; access level is {access!r}, without Direct Messages",
                                **words)
        # A 403 that names no person: taken as the account's, so nothing fails for good.
        return AppForbidden(f"{line}; X did not say why", **words)
    return RequestRejected(line, **words)


# --- parsing ------------------------------------------------------------------------


def _profile(user: Any) -> Profile:
    metrics = getattr(user, "public_metrics", None) or {}
    return Profile(
        user_id=str(user.id),
        username=clean_text(user.username),
        name=clean_text(user.name),
        bio=clean_text(getattr(user, "description", None)),
        location=clean_text(getattr(user, "location", None)),
        followers_count=int(metrics.get("followers_count", 0)),
        verified=bool(getattr(user, "verified", False)),
    )


def conversation_participants(conversation_id: str | None) -> tuple[str, ...]:
    """The two people of a 1:1 conversation, from its id ``{smaller id}-{larger id}``
    (x-api/direct-messages/lookup/integrate.mdx, "Conversation types"); () for a group."""
    if not conversation_id or "-" not in conversation_id:
        return ()
    low, _, high = conversation_id.partition("-")
    return (low, high) if low.isdigit() and high.isdigit() else ()


def _event(item: Any) -> DmEventData:
    created = getattr(item, "created_at", None)
    if isinstance(created, str):
        created = parse_iso(created)
    conversation = getattr(item, "dm_conversation_id", None)
    # A MessageCreate has carried no participant_ids since June 2025 (changelog.mdx,
    # Jun 3 2025): the conversation id names both people.
    participants = getattr(item, "participant_ids", None) or conversation_participants(
        conversation)
    return DmEventData(
        id=str(item.id),
        text=clean_text(item.text),
        sender_id=str(getattr(item, "sender_id", "") or ""),
        conversation_id=conversation,
        created_at=created,
        participant_ids=tuple(str(p) for p in participants),
    )
