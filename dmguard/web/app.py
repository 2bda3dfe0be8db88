"""The human queue as a small server-rendered page, bound to 127.0.0.1, token-protected.

Opening the printed URL (``/?token=…``) sets a session cookie (HttpOnly,
SameSite=Strict). Every form carries a CSRF token derived from the secret, and
POSTs from another origin are refused. Jinja2 autoescapes everything, so a
display name like ``<script>`` is shown as text.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape

from dmguard import actions, tasks
from dmguard.clock import Clock
from dmguard.config import Config
from dmguard.platforms.sandbox.server import serve_until_interrupted
from dmguard.store import Store

COOKIE = "dmguard_session"
MAX_FORM = 64 * 1024


class WebError(Exception):
    pass


def csrf_token(secret: str) -> str:
    return hmac.new(secret.encode(), b"dmguard-csrf", hashlib.sha256).hexdigest()


def _env() -> Environment:
    return Environment(loader=PackageLoader("dmguard", "web/templates"),
                       autoescape=select_autoescape(["html"]))


class QueueServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, config: Config, port: int, secret: str, who: str, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.secret = secret
        self.csrf = csrf_token(secret)
        self.who = who
        self.env = _env()
        try:
            super().__init__(("127.0.0.1", port), Handler)
        except OSError as error:
            raise WebError(f"cannot listen on 127.0.0.1:{port} ({error.strerror}); "
                           "use --port with a free port") from None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: QueueServer

    def log_message(self, format: str, *args: Any) -> None:
        return

    # --- plumbing -------------------------------------------------------------------

    def _page(self, status: int, template: str, headers: dict[str, str] | None = None,
              **values: Any) -> None:
        body = self.server.env.get_template(template).render(
            csrf=self.server.csrf, who=self.server.who, **values).encode()
        self.send_response(status)
        self.send_header("content-type", "text/html; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.send_header("x-frame-options", "DENY")
        self.send_header("x-content-type-options", "nosniff")
        self.send_header("referrer-policy", "same-origin")
        self.send_header("content-security-policy",
                         "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(303)
        self.send_header("location", location)
        self.send_header("content-length", "0")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()

    def _session_ok(self) -> bool:
        cookies = self.headers.get("cookie", "")
        for part in cookies.split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE and secrets.compare_digest(value, self.server.secret):
                return True
        return False

    def _store(self) -> Store:
        return Store.open(self.server.config.store.path, self.server.clock)

    # --- GET ------------------------------------------------------------------------

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        token = query.get("token")
        if token is not None:
            if not secrets.compare_digest(token, self.server.secret):
                self._page(403, "error.html", message="Wrong token: open the URL that "
                                                      "`dmguard web` printed.")
                return
            cookie = f"{COOKIE}={self.server.secret}; HttpOnly; SameSite=Strict; Path=/"
            self._redirect(url.path or "/", {"set-cookie": cookie})
            return
        if not self._session_ok():
            self._page(403, "error.html", message="Open the URL that `dmguard web` printed "
                                                  "(it carries the access token).")
            return
        store = self._store()
        try:
            notice = query.get("notice")
            if url.path == "/":
                self._page(200, "queue.html", tasks=store.tasks.listing(), now=store.now(),
                           notice=notice)
            elif url.path.startswith("/tasks/") and url.path[7:].isdigit():
                try:
                    item = tasks.view(store, int(url.path[7:]))
                except actions.TaskError as error:
                    self._page(404, "error.html", message=str(error))
                    return
                self._page(200, "task.html", item=item, notice=notice)
            else:
                self._page(404, "error.html", message="No such page.")
        finally:
            store.close()

    # --- POST -----------------------------------------------------------------------

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_FORM:
            self._page(413, "error.html", message="That form is too large.")
            return
        form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode("utf-8",
                                                                              "replace")).items()}
        origin = self.headers.get("origin")
        if origin is not None and origin != self.server.url:
            self._page(403, "error.html", message="Refused: the form came from another site.")
            return
        if not self._session_ok() or not secrets.compare_digest(form.get("csrf", ""),
                                                                self.server.csrf):
            self._page(403, "error.html", message="Refused: the session or form token is "
                                                  "missing. Reload the page and try again.")
            return
        parts = urlsplit(self.path).path.strip("/").split("/")
        if len(parts) != 3 or parts[0] != "tasks" or not parts[1].isdigit():
            self._page(404, "error.html", message="No such action.")
            return
        task_id, action = int(parts[1]), parts[2]
        store = self._store()
        try:
            notice = self._act(store, task_id, action, form)
        except actions.TaskError as error:
            self._page(409, "error.html", message=str(error), back=f"/tasks/{task_id}")
            return
        finally:
            store.close()
        self._redirect(f"/tasks/{task_id}?notice={quote(notice)}")

    def _act(self, store: Store, task_id: int, action: str, form: dict[str, str]) -> str:
        who = self.server.who
        if action == "claim":
            actions.claim(store, task_id, who)
            return f"Claimed by {who}; the bot stays quiet with this person."
        if action in ("done", "dismiss"):
            actions.close(store, task_id, who, "done" if action == "done" else "dismissed",
                          form.get("note") or None)
            return "Task closed."
        if action == "reply":
            message_id = actions.reply(store, self.server.config, task_id, who,
                                       form.get("text", ""))
            return f"Sent (message {message_id}); task done."
        if action == "release":
            released = actions.release(store, self.server.config, task_id, who, form.get("text"))
            if released.queued:
                return "The edited draft passed the audit and is queued to send, labelled."
            raise actions.TaskError(f"the draft is still {released.state}: see its findings on "
                                    "the task")
        raise actions.TaskError(f"unknown action {action!r}")


def serve(config: Config, port: int, who: str, clock: Clock,
          announce: Callable[[str], None]) -> None:
    secret = secrets.token_urlsafe(24)
    server = QueueServer(config, port, secret, who, clock)
    announce(f"{server.url}/?token={secret}")
    serve_until_interrupted(server)
