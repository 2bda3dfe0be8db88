"""The emulator's HTTP face: the X API v2 subset dmguard uses, on 127.0.0.1 only.

Same paths, query parameters, JSON shapes, status codes and rate-limit headers as
the recorded real responses (../shared/fixtures/x-api) and X's documentation (the
``xdevplatform/docs`` repository; each behaviour names the page it follows).
Control endpoints under ``/_sandbox/`` let tests and the demo drive the world and
read what was received and what X would bill.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from dmguard.platforms.sandbox.state import (
    AUTH_CODE_LIFETIME,
    DM_ENDPOINTS,
    ENDPOINT_SCOPES,
    Faults,
    SandboxState,
)

ROUTES = [
    ("GET", re.compile(r"^/2/users/me$"), "users_me"),
    ("GET", re.compile(r"^/2/users/(?P<id>[^/]+)/followers$"), "followers"),
    ("GET", re.compile(r"^/2/dm_events$"), "dm_events"),
    ("GET", re.compile(r"^/2/dm_conversations/with/(?P<id>[^/]+)/dm_events$"),
     "dm_conversation_events"),
    ("POST", re.compile(r"^/2/dm_conversations/with/(?P<id>[^/]+)/messages$"), "send_dm"),
]
OAUTH_PARAMS = ("oauth_consumer_key", "oauth_nonce", "oauth_signature", "oauth_signature_method",
                "oauth_timestamp", "oauth_token")
PROBLEMS = "https://api.x.com/2/problems/"

# What each endpoint accepts (docs: openapi.json, the parameters of each path). Anything
# else is a 400 invalid-request naming the parameter, as X answers.
USER_FIELDS = frozenset({
    "affiliation", "confirmed_email", "connection_status", "created_at", "description",
    "entities", "id", "is_identity_verified", "location", "most_recent_tweet_id", "name",
    "parody", "pinned_tweet_id", "profile_banner_url", "profile_image_url", "protected",
    "public_metrics", "receives_your_dm", "subscribes_to_you", "subscription",
    "subscription_type", "url", "username", "verified", "verified_followers_count",
    "verified_type", "withheld"})
USER_EXPANSIONS = frozenset({"affiliation", "most_recent_post_id", "pinned_post_id",
                             "most_recent_tweet_id", "pinned_tweet_id"})
#: dm_event.fields per openapi.json: sender_id and participant_ids are *expansions*
#: there, not fields (the lookup integrate page still shows sender_id as a field; the
#: emulator follows the spec, the stricter of the two).
DM_EVENT_FIELDS = frozenset({"attachments", "created_at", "dm_conversation_id", "entities",
                             "event_type", "id", "text"})
DM_EXPANSIONS = frozenset({"attachments.media_keys", "participant_ids", "referenced_posts",
                           "referenced_tweets.id", "sender_id"})
EVENT_TYPES = frozenset({"MessageCreate", "ParticipantsJoin", "ParticipantsLeave"})
LIST_FIELDS = {"user.fields": USER_FIELDS, "dm_event.fields": DM_EVENT_FIELDS,
               "event_types": EVENT_TYPES}
FREE_FORM = frozenset({"tweet.fields", "post.fields", "media.fields", "pagination_token"})
PARAMETERS: dict[str, dict[str, frozenset[str] | None]] = {
    "users_me": {"user.fields": USER_FIELDS, "expansions": USER_EXPANSIONS},
    "followers": {"user.fields": USER_FIELDS, "expansions": USER_EXPANSIONS,
                  "max_results": None, "pagination_token": None},
    "dm_events": {"dm_event.fields": DM_EVENT_FIELDS, "expansions": DM_EXPANSIONS,
                  "event_types": EVENT_TYPES, "user.fields": USER_FIELDS, "max_results": None,
                  "pagination_token": None, "media.fields": None, "tweet.fields": None,
                  "post.fields": None},
    "send_dm": {},
}
PARAMETERS["dm_conversation_events"] = PARAMETERS["dm_events"]
MAX_RESULTS = {"followers": (1, 1000, 100), "dm_events": (1, 100, 100),
               "dm_conversation_events": (1, 100, 100)}


class SandboxPortError(Exception):
    """The port is taken or cannot be bound."""


class ControlError(ValueError):
    """A request to one of the sandbox's own routes that cannot be carried out."""


class Answer(Exception):
    """Raised inside a handler: answer with this status, body and headers."""

    def __init__(self, status: int, body: dict[str, Any] | None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


def problem(status: int, title: str, detail: str, kind: str = "about:blank",
            **extra: Any) -> dict[str, Any]:
    """X's problem shape: type, title, detail, status (docs: x-api/fundamentals/
    response-codes-and-errors.mdx, "Error response format")."""
    return {"title": title, "detail": detail,
            "type": kind if kind == "about:blank" else PROBLEMS + kind, "status": status,
            **extra}


def invalid_request(parameter: str, value: str, message: str) -> Answer:
    """400 invalid-request with the errors[] list naming the parameter (openapi.json,
    InvalidRequestProblem: errors[].parameters, errors[].message)."""
    return Answer(400, {"errors": [{"parameters": {parameter: [value]}, "message": message}],
                        "title": "Invalid Request",
                        "detail": "One or more parameters to your request was invalid.",
                        "type": PROBLEMS + "invalid-request"})


def _token(salt: str, offset: int) -> str:
    """A pagination token: base32hex, at least 16 characters (openapi.json, the
    pagination_token parameter), valid only for the emulator that issued it."""
    return base64.b32hexencode(f"{salt}{offset:08d}".encode()).decode().rstrip("=")


def _offset(salt: str, token: str | None) -> int:
    """Where a token points; a token this emulator did not issue (garbled, or from
    before a restart that lost the state) is a 400 invalid-request naming it, as X
    answers for a token it does not know: errors[].parameters.pagination_token and
    "The `pagination_token` query parameter value [...] is not valid" (pagination
    tokens are opaque and "may expire": x-api/fundamentals/pagination.mdx, "Notes")."""
    if not token:
        return 0
    try:
        padded = token + "=" * (-len(token) % 8)
        decoded = base64.b32hexdecode(padded).decode()
        if not decoded.startswith(salt):
            raise ValueError(token)
        return int(decoded[len(salt):])
    except (ValueError, UnicodeDecodeError):
        raise invalid_request("pagination_token", token, "The `pagination_token` query "
                              f"parameter value [{token}] is not valid") from None


def _page(newest_first: list[Any], start: int, size: int,
          salt: str) -> tuple[list[Any], dict[str, Any]]:
    """One page of a list, with X's result_count / next_token / previous_token meta."""
    page = newest_first[start:start + size]
    meta: dict[str, Any] = {"result_count": len(page)}
    if start + size < len(newest_first):
        meta["next_token"] = _token(salt, start + size)
    if start:
        meta["previous_token"] = _token(salt, max(0, start - size))
    return page, meta


def serve_until_interrupted(server: ThreadingHTTPServer) -> None:
    """Serve in the foreground until Ctrl-C, then release the port."""
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


#: (HTTP status, JSON body, what X bills: [(price kind, resource ids)])
Result = tuple[int, Any, list[tuple[str, list[str]]]]


@dataclass(frozen=True)
class Caller:
    """Who signed the request: an OAuth 1.0a user, an OAuth 2.0 user token, an app."""

    kind: str  # "oauth1", "user" or "app"
    scopes: frozenset[str] = frozenset()


class Handler(BaseHTTPRequestHandler):
    server: SandboxServer
    #: The emulator incarnation this request is served by (see SandboxServer.restart).
    state: SandboxState
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        return

    # --- plumbing -----------------------------------------------------------------

    def _send(self, status: int, body: dict[str, Any] | None,
              headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("content-type", "application/json; charset=utf-8")
        self.send_header("content-length", str(len(payload)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)

    def _body(self) -> Any:
        return json.loads(self._raw_body) if self._raw_body else {}

    def _caller(self) -> Caller | None:
        """Who is calling, or None (401). OAuth 2.0 user tokens are the ones the token
        endpoint issued and that have not expired; with ``app_only_bearer`` any other
        Bearer token is an app-only token."""
        state = self.state
        header = self.headers.get("authorization", "")
        expected = state.credentials
        if header.startswith("Bearer "):
            token = header[7:].strip()
            if not token or token == "None":
                return None
            user = state.user_token(token)
            if user is not None:
                scopes = user.scopes
                if not state.dm_permission():
                    scopes = frozenset(s for s in scopes if not s.startswith("dm."))
                return Caller("user", scopes)
            if token in state.access_tokens:
                return None  # issued here, and expired
            if expected is not None:
                return Caller("user", _ALL_SCOPES) if token == expected[1] else None
            if not state.options.app_only_bearer:
                return Caller("user", _ALL_SCOPES)
            return Caller("app")
        if header.startswith("OAuth "):
            params = dict(re.findall(r'(\w+)="([^"]*)"', header))
            if not all(params.get(key) for key in OAUTH_PARAMS):
                return None
            if expected is not None and params["oauth_consumer_key"] != expected[0]:
                return None
            return Caller("oauth1")
        return None

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        with self.server.serving():
            self.state = self.server.state
            self._dispatch_to(method, self.state)

    def _dispatch_to(self, method: str, state: SandboxState) -> None:
        length = int(self.headers.get("content-length") or 0)
        # Read the whole body before any answer, or it would be parsed as the next request.
        self._raw_body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        with state.lock:
            state.request_count += 1
        if url.path.startswith("/_sandbox/"):
            self._control(method, url.path, query)
            return
        if method == "GET" and url.path == "/i/oauth2/authorize":
            self._authorize(query)
            return
        if method == "POST" and url.path == "/2/oauth2/token":
            self._token_endpoint()
            return
        found = next(((pattern.match(url.path), endpoint) for route_method, pattern, endpoint
                      in ROUTES if route_method == method and pattern.match(url.path)), None)
        if found is None:
            self._send(404, problem(404, "Not Found Error", f"no route {method} {url.path}"))
            return
        match, endpoint = found
        try:
            self._api(endpoint, match, query)
        except Answer as answer:
            self._send(answer.status, answer.body, answer.headers)

    def _api(self, endpoint: str, match: re.Match[str], query: dict[str, str]) -> None:
        state = self.state
        _, rate_headers = state.take(endpoint, count=False)
        caller = self._caller()
        if caller is None:
            # An unknown, wrong or expired token (response-codes-and-errors.mdx, 401).
            raise Answer(401, problem(401, "Unauthorized", "Unauthorized"), rate_headers)
        headers = dict(rate_headers)
        if caller.kind == "oauth1":
            # OAuth 1.0a answers say what the token may do (changelog.mdx, May 8 2017).
            headers["x-access-level"] = state.oauth1_access_level()
        self._account_problems(endpoint, caller, headers)
        fault = state.faults.draw()
        if fault == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault == "slow":
            time.sleep(state.faults.slow_seconds)
        if fault in ("500", "503"):
            raise Answer(int(fault), problem(int(fault), "Service Unavailable",
                                             "injected server trouble"), headers)
        if fault == "429":
            reset = int(state.clock.now().timestamp()) + state.faults.throttle_seconds
            raise Answer(429, problem(429, "Too Many Requests", "Too Many Requests"),
                         {**headers, "x-rate-limit-reset": str(reset),
                          "x-rate-limit-remaining": "0"})
        self._validate(endpoint, query, headers)
        allowed, rate_headers = state.take(endpoint)
        headers.update(rate_headers)
        if not allowed:
            # rate-limits.mdx, "Handling rate limits": 429 until the window resets.
            raise Answer(429, problem(429, "Too Many Requests", "Too Many Requests"), headers)
        status, body, bill = getattr(self, f"_{endpoint}")(match, query, headers)
        if fault == "drop_after" or self.server.state is not state:
            # Handled, then the connection closes unanswered; or the emulator restarted
            # with its state lost while this request was inside it (the process that
            # handled it died): the caller never hears.
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        for kind, ids in bill:
            state.bill(kind, ids)
        self._send(status, body, headers)

    def _account_problems(self, endpoint: str, caller: Caller, headers: dict[str, str]) -> None:
        """The account-level answers, in the order X checks them; each switch in
        state.problems turns one on (see state.Problems)."""
        state = self.state
        problems = state.problems
        if problems.client_not_enrolled:
            # openapi (docs.x.com snapshot): ClientForbiddenProblem, reason
            # client-not-enrolled, registration_url; response-codes-and-errors.mdx lists
            # client-forbidden as "App not enrolled or lacks required access".
            raise Answer(403, problem(
                403, "Client Forbidden",
                "This app is not enrolled for this endpoint; attach it to a project with "
                "the needed access in the developer console.", "client-forbidden",
                reason="client-not-enrolled",
                registration_url="https://developer.x.com/en/portal/dashboard"), headers)
        if caller.kind == "app" and endpoint != "followers":
            # DMs and /2/users/me need user context (x-api/direct-messages/lookup/
            # integrate.mdx: "App-Only authentication is not supported").
            raise Answer(403, problem(
                403, "Unsupported Authentication",
                "App-only OAuth 2.0 cannot be used here; use OAuth 1.0a or OAuth 2.0 user "
                "context.", "unsupported-authentication"), headers)
        if state.out_of_credits():
            # Not in the status table; what pay-per-use accounts get when the balance is
            # used up (pricing.mdx, "Credit balance"; public reports quote title
            # CreditsDepleted, type .../problems/credits). tweepy raises a bare HTTPException.
            raise Answer(402, {"title": "CreditsDepleted", "type": PROBLEMS + "credits",
                               "detail": f"Your enrolled account [{state.me.id}] has no "
                                         "credits left for this request."}, headers)
        if problems.usage_capped:
            # response-codes-and-errors.mdx: usage-capped; openapi UsageCapExceededProblem
            # (period, scope). Deliberately no x-rate-limit-* headers: no reset to wait for.
            raise Answer(429, problem(429, "UsageCapExceeded", "Usage cap exceeded: Monthly "
                                      "product cap", "usage-capped", period="Monthly",
                                      scope="Product"))
        if problems.account_locked:
            raise Answer(403, problem(403, "Forbidden", "This account is temporarily locked; "
                                      "sign in to x.com to unlock it."), headers)
        if caller.kind == "oauth1" and endpoint in DM_ENDPOINTS and \
                "directmessages" not in state.oauth1_access_level():
            # An app without "Read and write and Direct message" permission.
            raise Answer(403, problem(403, "Forbidden", "The app's OAuth 1.0a permissions do "
                                      "not cover this endpoint.", "oauth1-permissions"), headers)
        if caller.kind == "user" and not ENDPOINT_SCOPES[endpoint] <= caller.scopes:
            # A token without the scopes the endpoint needs gets a bare 403 (reported in
            # plhery/node-twitter-api-v2#434 for a token without dm.write).
            raise Answer(403, problem(403, "Forbidden", "Forbidden"), headers)

    def _validate(self, endpoint: str, query: dict[str, str], headers: dict[str, str]) -> None:
        allowed = PARAMETERS[endpoint]
        for name, value in query.items():
            if name not in allowed:
                raise Answer(400, invalid_request(name, value, (
                    f"The query parameter [{name}] is not one of "
                    f"[{','.join(sorted(allowed))}]")).body, headers)
            choices = allowed[name]
            if choices is None:
                continue
            for item in value.split(","):
                if item not in choices:
                    raise Answer(400, invalid_request(name, item, (
                        f"The `{name}` query parameter value [{item}] is not one of "
                        f"[{','.join(sorted(choices))}]")).body, headers)
        if endpoint in MAX_RESULTS and "max_results" in query:
            low, high, _ = MAX_RESULTS[endpoint]
            value = query["max_results"]
            if not value.isdigit() or not low <= int(value) <= high:
                raise Answer(400, invalid_request("max_results", value, (
                    f"The `max_results` query parameter value [{value}] is not between "
                    f"{low} and {high}")).body, headers)

    # --- the X API subset ---------------------------------------------------------

    @staticmethod
    def _fields(query: dict[str, str], key: str) -> set[str]:
        return {item for item in query.get(key, "").split(",") if item}

    def _size(self, endpoint: str, query: dict[str, str]) -> int:
        return int(query.get("max_results", MAX_RESULTS[endpoint][2]))

    def _users_me(self, match: re.Match[str], query: dict[str, str],
                  headers: dict[str, str]) -> Result:
        state = self.state
        return 200, {"data": state.me.as_json(self._fields(query, "user.fields"))}, [
            ("user_read", [state.me.id])]

    def _followers(self, match: re.Match[str], query: dict[str, str],
                   headers: dict[str, str]) -> Result:
        state = self.state
        if not match["id"].isdigit():
            raise Answer(400, invalid_request("id", match["id"], "The `id` path parameter "
                                              "must be a user id (digits)").body, headers)
        if match["id"] != state.me.id:
            return 200, {"meta": {"result_count": 0}}, []
        start = _offset(state.cursor_salt, query.get("pagination_token"))
        fields = self._fields(query, "user.fields")
        with state.lock:
            newest_first = [state.users[uid] for uid, _ in reversed(state.followers)]
        page, meta = _page(newest_first, start, self._size("followers", query),
                           state.cursor_salt)
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = [user.as_json(fields) for user in page]
        # Your own followers are an Owned Read (pricing.mdx, "Owned Reads").
        return 200, body, [("owned_read", [user.id for user in page])]

    def _events_page(self, events: list[Any], query: dict[str, str],
                     endpoint: str) -> Result:
        state = self.state
        start = _offset(state.cursor_salt, query.get("pagination_token"))
        fields = self._fields(query, "dm_event.fields")
        expansions = self._fields(query, "expansions")
        kinds = self._fields(query, "event_types")
        # Newest first (lookup/integrate.mdx, "Pagination"): ordered by id, so an event
        # listed late lands below newer ones a reader may already have passed.
        newest_first = sorted((e for e in events if not kinds or e.event_type in kinds),
                              key=lambda e: int(e.id), reverse=True)
        page, meta = _page(newest_first, start, self._size(endpoint, query),
                           state.cursor_salt)
        body: dict[str, Any] = {"meta": meta}
        bill: list[tuple[str, list[str]]] = [("dm_event_read", [e.id for e in page])]
        if page:
            body["data"] = [e.as_json(fields, expansions) for e in page]
            if "sender_id" in expansions:
                user_fields = self._fields(query, "user.fields")
                senders = list(dict.fromkeys(e.sender_id for e in page))
                with state.lock:
                    body["includes"] = {"users": [state.users[uid].as_json(user_fields)
                                                  for uid in senders if uid in state.users]}
                bill.append(("user_read", senders))
        return 200, body, bill

    def _dm_events(self, match: re.Match[str], query: dict[str, str],
                   headers: dict[str, str]) -> Result:
        state = self.state
        now = state.clock.now()
        with state.lock:
            events = [e for e in state.events if e.listed(now)]
        return self._events_page(events, query, "dm_events")

    def _dm_conversation_events(self, match: re.Match[str], query: dict[str, str],
                                headers: dict[str, str]) -> Result:
        state = self.state
        other = match["id"]
        if not other.isdigit():
            raise Answer(400, invalid_request("participant_id", other, "The `participant_id` "
                                              "path parameter must be a user id (digits)").body,
                         headers)
        with state.lock:
            events = [e for e in state.events if other in (e.sender_id, e.recipient_id)]
        return self._events_page(events, query, "dm_conversation_events")

    def _send_dm(self, match: re.Match[str], query: dict[str, str],
                 headers: dict[str, str]) -> Result:
        state = self.state
        other = match["id"]
        try:
            body = self._body()
        except json.JSONDecodeError:
            raise Answer(400, problem(400, "Invalid Request", "The request body is not valid "
                                      "JSON.", "invalid-request"), headers) from None
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise Answer(400, invalid_request("text", str(text), "text must be a non-empty "
                                              "string").body, headers)
        if len(text) > 10_000:
            raise Answer(400, invalid_request("text", text[:20], "text must be at most 10000 "
                                              "characters").body, headers)
        if not other.isdigit():
            # openapi.json UserId: ^[0-9]{1,19}$.
            raise Answer(400, invalid_request("participant_id", other, "The `participant_id` "
                                              "path parameter must be a user id (digits)").body,
                         headers)
        user = state.users.get(other)
        if user is None:
            # openapi ResourceNotFoundProblem: parameter, value, resource_id, resource_type.
            raise Answer(404, problem(404, "Not Found Error",
                                      f"Could not find user with participant_id: [{other}].",
                                      "resource-not-found", parameter="participant_id",
                                      value=other, resource_id=other, resource_type="user"),
                         headers)
        if user.id == state.me.id:
            raise Answer(400, invalid_request("participant_id", other, "You cannot send a "
                                              "direct message to yourself").body, headers)
        if not user.accepts_dms:
            # This person does not accept DMs from the account. X's v2 wording is not
            # documented (v1.1 had code 349 "cannot send messages to this user"); the type
            # stays about:blank, so only the detail tells it from an account-level 403.
            raise Answer(403, problem(403, "Forbidden", "You are not permitted to send "
                                      "messages to this user."), headers)
        event = state.account_sends(user.id, text)
        # Recorded: POST /2/dm_conversations/with/:id/messages answers 201 with
        # dm_conversation_id and dm_event_id (interactions.jsonl).
        return 201, {"data": {"dm_conversation_id": event.conversation_id,
                              "dm_event_id": event.id}}, [("dm_create", [event.id])]

    # --- OAuth 2.0 ----------------------------------------------------------------

    def _authorize(self, query: dict[str, str]) -> None:
        """The consent page, consenting at once: 302 back to the app's exact callback with
        ``code`` and ``state`` (authentication/oauth-2-0/authorization-code.mdx,
        "Parameters"; user-access-token.mdx, Steps 1-2)."""
        state = self.state
        client = state.oauth2_clients.get(query.get("client_id", ""))
        if client is None or query.get("redirect_uri") != client.redirect_uri:
            self._send(400, {"error": "invalid_request",
                             "error_description": "unknown client_id or a redirect_uri that "
                                                  "is not the registered callback"})
            return
        if query.get("response_type") != "code" or not query.get("code_challenge") or \
                query.get("code_challenge_method") not in ("S256", "plain"):
            self._send(400, {"error": "invalid_request",
                             "error_description": "response_type=code and a PKCE "
                                                  "code_challenge are required"})
            return
        scopes = frozenset(query.get("scope", "").split())
        if not state.dm_permission():
            scopes = frozenset(s for s in scopes if not s.startswith("dm."))
        code = secrets.token_urlsafe(16)
        with state.lock:
            state.auth_codes[code] = {"client_id": client.client_id, "scopes": scopes,
                                      "redirect_uri": client.redirect_uri,
                                      "challenge": query["code_challenge"],
                                      "method": query["code_challenge_method"],
                                      "issued": state.clock.now()}
        location = client.redirect_uri + "?" + urlencode({"state": query.get("state", ""),
                                                          "code": code})
        self.send_response(302)
        self.send_header("location", location)
        self.send_header("content-length", "0")
        self.end_headers()

    def _token_endpoint(self) -> None:
        """POST /2/oauth2/token: authorization_code and refresh_token grants
        (user-access-token.mdx, Steps 3 and 5). A refresh token works once: the answer
        carries a new one and the old one is refused from then on. Errors in RFC 6749
        section 5.2's shape."""
        state = self.state
        form = {k: v[-1] for k, v in parse_qs(self._raw_body.decode()).items()}
        client_id = form.get("client_id")
        header = self.headers.get("authorization", "")
        if header.startswith("Basic "):
            try:
                client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                client_id, secret = None, ""
            client = state.oauth2_clients.get(client_id or "")
            if client is None or client.client_secret != secret:
                self._send(401, {"error": "unauthorized_client",
                                 "error_description": "Missing valid authorization header"})
                return
        client = state.oauth2_clients.get(client_id or "")
        if client is None:
            self._send(401, {"error": "unauthorized_client",
                             "error_description": "Missing valid authorization header"})
            return
        grant = form.get("grant_type")
        if grant == "authorization_code":
            with state.lock:
                code = state.auth_codes.pop(form.get("code", ""), None)
            fresh = code is not None and state.clock.now() - code["issued"] <= AUTH_CODE_LIFETIME
            if not fresh or code["client_id"] != client.client_id or \
                    form.get("redirect_uri") != code["redirect_uri"] or \
                    not _pkce_ok(form.get("code_verifier", ""), code["challenge"], code["method"]):
                self._send(400, {"error": "invalid_request", "error_description":
                                 "Value passed for the authorization code was invalid."})
                return
            self._send(200, state.issue_tokens(code["scopes"]))
        elif grant == "refresh_token":
            token = form.get("refresh_token", "")
            with state.lock:
                scopes = state.refresh_tokens.pop(token, None)
                if scopes is not None:
                    state.used_refresh_tokens.add(token)
            if scopes is None:
                self._send(400, {"error": "invalid_request",
                                 "error_description": "Value passed for the token was invalid."})
                return
            if not state.dm_permission():
                scopes = frozenset(s for s in scopes if not s.startswith("dm."))
            self._send(200, state.issue_tokens(scopes))
        else:
            self._send(400, {"error": "unsupported_grant_type",
                             "error_description": f"grant_type {grant!r} is not supported"})

    # --- control ------------------------------------------------------------------

    def _control(self, method: str, path: str, query: dict[str, str]) -> None:
        """The sandbox's own routes (not X's). A body that cannot be read is a 400 naming
        what was wrong, and changes nothing."""
        try:
            self._control_route(method, path, query)
        except ControlError as error:
            self._send(400, {"error": str(error)})

    def _control_body(self) -> dict[str, Any]:
        try:
            body = self._body()
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ControlError(f"the body is not JSON ({error})") from None
        if not isinstance(body, dict):
            raise ControlError("the body must be a JSON object")
        return body

    def _control_route(self, method: str, path: str, query: dict[str, str]) -> None:
        state = self.state
        if method == "GET" and path == "/_sandbox/received":
            with state.lock:
                sent = [{"id": e.id, "to": e.recipient_id,
                         "username": state.users[e.recipient_id].username,
                         "text": e.text, "at": e.created_at.isoformat()}
                        for e in state.sent_by_account()]
            self._send(200, {"data": sent})
        elif method == "POST" and path == "/_sandbox/faults":
            body = self._control_body()
            try:
                faults = Faults(rate=float(body.get("rate", 0)),
                                kinds=tuple(body.get("kinds", Faults().kinds)),
                                seed=int(body.get("seed", 0)))
            except (TypeError, ValueError) as error:
                raise ControlError(f"rate must be a number, kinds a list and seed an integer "
                                   f"({error})") from None
            state.faults = faults
            self._send(200, {"data": {"rate": state.faults.rate}})
        elif method == "POST" and path == "/_sandbox/problems":
            body = self._control_body()
            for name, value in body.items():
                if name not in vars(state.problems):
                    self._send(400, {"error": f"unknown problem {name!r}"})
                    return
                setattr(state.problems, name, bool(value))
            self._send(200, {"data": vars(state.problems)})
        elif method == "GET" and path == "/_sandbox/ledger":
            day = query.get("day")
            self._send(200, {"data": {"total": state.ledger.total(day),
                                      "by_kind": state.ledger.by_kind(day)}})
        elif method == "POST" and path == "/_sandbox/write":
            body = self._control_body()
            sender, text = body.get("from"), body.get("text")
            if not isinstance(text, str) or not text.strip():
                raise ControlError('"text" must be a non-empty string')
            if not isinstance(sender, str | int) or isinstance(sender, bool):
                raise ControlError('"from" must be the id of one of the sandbox\'s people (as '
                                   'GET /_sandbox/received lists them under "to")')
            with state.lock:
                known = str(sender) in state.users and str(sender) != state.me.id
            if not known:
                raise ControlError(f'"from": no person with id {str(sender)!r} in the sandbox '
                                   '(GET /_sandbox/received lists their ids under "to")')
            event = state.user_writes(str(sender), text)
            self._send(201, {"data": {"dm_event_id": event.id}})
        else:
            self._send(404, problem(404, "Not Found Error", f"no control route {path}"))


_ALL_SCOPES = frozenset().union(*ENDPOINT_SCOPES.values()) | {"offline.access"}


def _pkce_ok(verifier: str, challenge: str, method: str) -> bool:
    """RFC 7636: S256 is BASE64URL(SHA256(verifier)) without padding."""
    if method == "plain":
        return bool(verifier) and secrets.compare_digest(verifier, challenge)
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode()
    return bool(verifier) and secrets.compare_digest(digest.rstrip("="), challenge)


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, state: SandboxState, port: int = 0) -> None:
        self.state = state
        self._gate = threading.Condition()
        self._in_flight = 0
        self._restarting = False
        try:
            super().__init__(("127.0.0.1", port), Handler)
        except OSError as error:
            raise SandboxPortError(
                f"cannot listen on 127.0.0.1:{port} ({error.strerror}); "
                "pick another port with --port or stop what is using it"
            ) from None

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-request (killed, timed out) is normal here."""
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)

    @contextmanager
    def serving(self) -> Iterator[None]:
        """Count a request in flight; while a graceful restart runs, wait for it."""
        with self._gate:
            while self._restarting:
                self._gate.wait()
            self._in_flight += 1
        try:
            yield
        finally:
            with self._gate:
                self._in_flight -= 1
                self._gate.notify_all()

    def restart(self, *, mid_request: bool = False, timeout: float = 30.0) -> SandboxState:
        """Restart the emulator with its state lost (see SandboxState.restarted).

        Graceful (the default): between requests, once those in flight have been
        answered; new ones wait. ``mid_request``: at once, as a crash would, from any
        thread (a send hook included): every request still inside the old emulator is
        dropped unanswered, even one whose DM was already delivered.
        """
        if mid_request:
            old = self.state
            with old.lock:
                self.state = old.restarted()
            return self.state
        with self._gate:
            self._restarting = True
            try:
                self._gate.wait_for(lambda: self._in_flight == 0, timeout=timeout)
                with self.state.lock:
                    self.state = self.state.restarted()
            finally:
                self._restarting = False
                self._gate.notify_all()
        return self.state

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


@contextmanager
def running(state: SandboxState, port: int = 0,
            lifetime: float = 600.0) -> Iterator[SandboxServer]:
    """Serve in a background thread; stop on exit, or by itself after ``lifetime`` seconds."""
    server = SandboxServer(state, port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="sandbox", daemon=True)
    thread.start()
    timer = threading.Timer(lifetime, server.shutdown)
    timer.daemon = True
    timer.start()
    try:
        yield server
    finally:
        timer.cancel()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
