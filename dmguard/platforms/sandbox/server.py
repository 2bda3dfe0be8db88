"""The emulator's HTTP face: the X API v2 subset dmguard uses, on 127.0.0.1 only.

Same paths, query parameters, JSON shapes, status codes and rate-limit headers as
the recorded real responses (../shared/fixtures/x-api). Control endpoints under
``/_sandbox/`` let tests and the demo drive the world and read what was received.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from dmguard.platforms.sandbox.state import Faults, SandboxState

ROUTES = [
    ("GET", re.compile(r"^/2/users/me$"), "users_me"),
    ("GET", re.compile(r"^/2/users/(?P<id>\d+)/followers$"), "followers"),
    ("GET", re.compile(r"^/2/dm_events$"), "dm_events"),
    ("GET", re.compile(r"^/2/dm_conversations/with/(?P<id>\d+)/dm_events$"),
     "dm_conversation_events"),
    ("POST", re.compile(r"^/2/dm_conversations/with/(?P<id>\d+)/messages$"), "send_dm"),
]
OAUTH_PARAMS = ("oauth_consumer_key", "oauth_nonce", "oauth_signature", "oauth_signature_method",
                "oauth_timestamp", "oauth_token")


class SandboxPortError(Exception):
    """The port is taken or cannot be bound."""


def problem(status: int, title: str, detail: str, kind: str = "about:blank") -> dict[str, Any]:
    return {"title": title, "detail": detail, "type": kind, "status": status}


def _token(offset: int) -> str:
    return base64.b32encode(f"o{offset:012d}".encode()).decode().rstrip("=")


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        padded = token + "=" * (-len(token) % 8)
        return int(base64.b32decode(padded).decode()[1:])
    except (ValueError, UnicodeDecodeError):
        raise ValueError("invalid pagination_token") from None


def _page(newest_first: list[Any], start: int, size: int, fields: set[str]) -> tuple[int, Any]:
    """One page of a list, with X's result_count / next_token / previous_token meta."""
    page = newest_first[start:start + size]
    meta: dict[str, Any] = {"result_count": len(page)}
    if start + size < len(newest_first):
        meta["next_token"] = _token(start + size)
    if start:
        meta["previous_token"] = _token(max(0, start - size))
    if not page:
        return 200, {"meta": meta}
    return 200, {"data": [item.as_json(fields) for item in page], "meta": meta}


def serve_until_interrupted(server: ThreadingHTTPServer) -> None:
    """Serve in the foreground until Ctrl-C, then release the port."""
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


class Handler(BaseHTTPRequestHandler):
    server: SandboxServer
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

    def _authorised(self) -> bool:
        header = self.headers.get("authorization", "")
        expected = self.server.state.credentials
        if header.startswith("Bearer "):
            token = header[7:].strip()
            return bool(token) and token != "None" and (
                expected is None or token == expected[1])
        if header.startswith("OAuth "):
            params = dict(re.findall(r'(\w+)="([^"]*)"', header))
            if not all(params.get(key) for key in OAUTH_PARAMS):
                return False
            return expected is None or params["oauth_consumer_key"] == expected[0]
        return False

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        state = self.server.state
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
        found = next(((pattern.match(url.path), endpoint) for route_method, pattern, endpoint
                      in ROUTES if route_method == method and pattern.match(url.path)), None)
        if found is None:
            self._send(404, problem(404, "Not Found Error", f"no route {method} {url.path}"))
            return
        match, endpoint = found
        if not self._authorised():
            self._send(401, problem(401, "Unauthorized", "Unauthorized"))
            return
        fault = state.faults.draw()
        if fault == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault == "slow":
            time.sleep(state.faults.slow_seconds)
        if fault in ("500", "503"):
            self._send(int(fault), problem(int(fault), "Service Unavailable",
                                           "injected server trouble"))
            return
        if fault == "429":
            reset = int(state.clock.now().timestamp()) + state.faults.throttle_seconds
            self._send(429, problem(429, "Too Many Requests", "Too Many Requests"),
                       {"x-rate-limit-reset": str(reset), "x-rate-limit-remaining": "0"})
            return
        allowed, headers = state.take(endpoint)
        if not allowed:
            self._send(429, problem(429, "Too Many Requests", "Too Many Requests"), headers)
            return
        try:
            status, body = getattr(self, f"_{endpoint}")(match, query)
            if fault == "drop_after":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
        except ValueError as error:
            status, body = 400, {"errors": [{"message": str(error)}],
                                 "title": "Invalid Request", "detail": str(error),
                                 "type": "https://api.twitter.com/2/problems/invalid-request"}
        self._send(status, body, headers)

    # --- the X API subset ---------------------------------------------------------

    @staticmethod
    def _fields(query: dict[str, str], key: str) -> set[str]:
        return {item for item in query.get(key, "").split(",") if item}

    @staticmethod
    def _max_results(query: dict[str, str], low: int, high: int, default: int) -> int:
        try:
            value = int(query.get("max_results", default))
        except ValueError:
            raise ValueError("max_results must be a number") from None
        if not low <= value <= high:
            raise ValueError(f"max_results must be between {low} and {high}")
        return value

    def _users_me(self, match: re.Match[str], query: dict[str, str]) -> tuple[int, Any]:
        state = self.server.state
        return 200, {"data": state.me.as_json(self._fields(query, "user.fields"))}

    def _followers(self, match: re.Match[str], query: dict[str, str]) -> tuple[int, Any]:
        state = self.server.state
        if match["id"] != state.me.id:
            return 200, {"data": [], "meta": {"result_count": 0}}
        size = self._max_results(query, 1, 1000, 100)
        start = _offset(query.get("pagination_token"))
        fields = self._fields(query, "user.fields")
        with state.lock:
            newest_first = [state.users[uid] for uid, _ in reversed(state.followers)]
        return _page(newest_first, start, size, fields)

    def _events_page(self, events: list[Any], query: dict[str, str]) -> tuple[int, Any]:
        size = self._max_results(query, 1, 100, 100)
        start = _offset(query.get("pagination_token"))
        fields = self._fields(query, "dm_event.fields")
        kinds = self._fields(query, "event_types")
        newest_first = [e for e in reversed(events) if not kinds or e.event_type in kinds]
        return _page(newest_first, start, size, fields)

    def _dm_events(self, match: re.Match[str], query: dict[str, str]) -> tuple[int, Any]:
        with self.server.state.lock:
            events = list(self.server.state.events)
        return self._events_page(events, query)

    def _dm_conversation_events(self, match: re.Match[str],
                                query: dict[str, str]) -> tuple[int, Any]:
        state = self.server.state
        other = match["id"]
        with state.lock:
            events = [e for e in state.events if other in (e.sender_id, e.recipient_id)]
        return self._events_page(events, query)

    def _send_dm(self, match: re.Match[str], query: dict[str, str]) -> tuple[int, Any]:
        state = self.server.state
        try:
            body = self._body()
        except json.JSONDecodeError:
            raise ValueError("body is not valid JSON") from None
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise ValueError("text must be a non-empty string")
        if len(text) > 10_000:
            raise ValueError("text must be at most 10000 characters")
        user = state.users.get(match["id"])
        if user is None or user.id == state.me.id:
            return 400, {"errors": [{"message": f"user {match['id']} not found"}],
                         "title": "Invalid Request", "detail": "participant not found",
                         "type": "https://api.twitter.com/2/problems/invalid-request"}
        if not user.accepts_dms:
            return 403, problem(403, "Forbidden",
                                "You are not permitted to send messages to this user.",
                                "https://api.twitter.com/2/problems/dm-permissions")
        event = state.account_sends(user.id, text)
        return 201, {"data": {"dm_conversation_id": event.conversation_id,
                              "dm_event_id": event.id}}

    # --- control ------------------------------------------------------------------

    def _control(self, method: str, path: str, query: dict[str, str]) -> None:
        state = self.server.state
        if method == "GET" and path == "/_sandbox/received":
            with state.lock:
                sent = [{"id": e.id, "to": e.recipient_id,
                         "username": state.users[e.recipient_id].username,
                         "text": e.text, "at": e.created_at.isoformat()}
                        for e in state.sent_by_account()]
            self._send(200, {"data": sent})
        elif method == "POST" and path == "/_sandbox/faults":
            body = self._body()
            state.faults = Faults(rate=float(body.get("rate", 0)),
                                  kinds=tuple(body.get("kinds", Faults().kinds)),
                                  seed=int(body.get("seed", 0)))
            self._send(200, {"data": {"rate": state.faults.rate}})
        elif method == "POST" and path == "/_sandbox/write":
            body = self._body()
            event = state.user_writes(str(body["from"]), str(body["text"]))
            self._send(201, {"data": {"dm_event_id": event.id}})
        else:
            self._send(404, problem(404, "Not Found Error", f"no control route {path}"))


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, state: SandboxState, port: int = 0) -> None:
        self.state = state
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
