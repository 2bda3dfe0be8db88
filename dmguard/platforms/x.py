"""X through tweepy's ``Client``, mapped onto dmguard's outcomes.

tweepy always calls ``https://api.twitter.com``; :class:`ApiAdapter`, mounted on
``client.session``, adds a timeout to every call and, for the sandbox, sends the
call to the emulator instead. Each call is recorded (endpoint, status, cost) so
the daily report can say what the API cost.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
import tweepy
from requests.adapters import HTTPAdapter
from tenacity import (
    retry,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from dmguard.clock import parse_iso
from dmguard.config import XCredentials
from dmguard.platforms.base import (
    AuthBroken,
    DmEventData,
    PlatformUnavailable,
    Profile,
    RateLimited,
    RecipientRefused,
    SentDm,
    clean_text,
)

X_HOST = "https://api.twitter.com"
USER_FIELDS = ["description", "location", "public_metrics", "verified", "created_at"]
DM_FIELDS = ["id", "text", "event_type", "created_at", "sender_id", "dm_conversation_id",
             "participant_ids"]
CallRecorder = Callable[[str, str, int | None, int], None]
"""(endpoint, method, HTTP status or None, billable units: events or users read, DMs sent)"""


class ApiAdapter(HTTPAdapter):
    """Timeouts for every call, and an optional redirect of X's host to the emulator."""

    def __init__(self, base_url: str | None = None, timeout: float = 15.0) -> None:
        super().__init__(max_retries=0)
        self.base_url = base_url.rstrip("/") if base_url else None
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if self.base_url and request.url and request.url.startswith(X_HOST):
            request.url = self.base_url + request.url[len(X_HOST):]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


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

    def __init__(self, credentials: XCredentials, *, base_url: str | None = None,
                 recorder: CallRecorder | None = None, timeout: float = 15.0,
                 listing_lag: timedelta = timedelta(minutes=1),
                 sleep: Sleep = time.sleep) -> None:
        """``sleep`` waits between retries of a read; tests pass one that does not wait."""
        self.listing_lag = listing_lag
        self._sleep = sleep
        self.oauth2 = bool(credentials.bearer_token) and not credentials.access_token
        self.client = tweepy.Client(
            bearer_token=credentials.bearer_token,
            consumer_key=credentials.consumer_key,
            consumer_secret=credentials.consumer_secret,
            access_token=credentials.access_token,
            access_token_secret=credentials.access_token_secret,
        )
        self.client.session.mount(X_HOST, ApiAdapter(base_url, timeout))
        self.recorder = recorder
        self._me: Profile | None = None

    @property
    def user_auth(self) -> bool:
        """OAuth 1.0a user context, unless only an OAuth 2.0 user token was given."""
        return not self.oauth2

    def _call(self, endpoint: str, method: str, func: Callable[..., Any], *args: Any,
              retry_transient: bool = True, **kwargs: Any) -> Any:
        """Call tweepy and map its errors; retry reads (never sends) on server trouble."""

        def attempt() -> Any:
            try:
                response = func(*args, user_auth=self.user_auth, **kwargs)
            except tweepy.TooManyRequests as error:
                self._record(endpoint, method, 429)
                reset = error.response.headers.get("x-rate-limit-reset")
                reset_at = datetime.fromtimestamp(int(reset), UTC) if reset else None
                raise RateLimited(f"{endpoint}: rate limited until {reset_at}", reset_at) from None
            except tweepy.Unauthorized as error:
                self._record(endpoint, method, 401)
                raise AuthBroken(f"{endpoint}: X refused the credentials (401): "
                                 f"{_detail(error)}") from None
            except tweepy.Forbidden as error:
                self._record(endpoint, method, 403)
                raise RecipientRefused(f"{endpoint}: not allowed (403): {_detail(error)}") from None
            except tweepy.TwitterServerError as error:
                self._record(endpoint, method, error.response.status_code)
                raise _Transient(f"{endpoint}: X server error {error.response.status_code}") from None
            except (requests.ConnectionError, requests.Timeout) as error:
                self._record(endpoint, method, None)
                raise _Transient(f"{endpoint}: {type(error).__name__}") from None
            data = getattr(response, "data", None)
            units = len(data) if isinstance(data, list) else 1
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

    def new_followers(self, known: set[str]) -> list[Profile]:
        me = self.whoami()
        found: list[Profile] = []
        token = None
        while True:
            kwargs: dict[str, Any] = {"max_results": 1000, "user_fields": USER_FIELDS}
            if token:
                kwargs["pagination_token"] = token
            response = self._call("followers", "GET", self.client.get_users_followers,
                                  me.user_id, **kwargs)
            for user in response.data or []:
                if str(user.id) in known:
                    return found
                found.append(_profile(user))
            token = (response.meta or {}).get("next_token")
            if not token:
                return found

    def dm_events(self, after_id: str | None) -> list[DmEventData]:
        return self._events("dm_events", self.client.get_direct_message_events, after_id)

    def conversation_events(self, participant_id: str) -> list[DmEventData]:
        return self._events("dm_conversation_events", self.client.get_direct_message_events,
                            None, participant_id=participant_id)

    def _events(self, endpoint: str, func: Callable[..., Any], after_id: str | None,
                **extra: Any) -> list[DmEventData]:
        events: list[DmEventData] = []
        token = None
        # X bills every event read, so an incremental poll reads small pages.
        page_size = 100 if after_id is None else 10
        while True:
            kwargs: dict[str, Any] = {"dm_event_fields": DM_FIELDS, "event_types": "MessageCreate",
                                      "max_results": page_size, **extra}
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


def _detail(error: tweepy.HTTPException) -> str:
    try:
        body = error.response.json()
    except ValueError:
        return error.response.reason or "no detail"
    return str(body.get("detail") or body.get("title") or body)


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


def _event(item: Any) -> DmEventData:
    created = getattr(item, "created_at", None)
    if isinstance(created, str):
        created = parse_iso(created)
    participants = getattr(item, "participant_ids", None) or ()
    return DmEventData(
        id=str(item.id),
        text=clean_text(item.text),
        sender_id=str(getattr(item, "sender_id", "") or ""),
        conversation_id=getattr(item, "dm_conversation_id", None),
        created_at=created,
        participant_ids=tuple(str(p) for p in participants),
    )
