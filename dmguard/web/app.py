"""A small server-rendered page over the task queue, bound to 127.0.0.1, token-protected.

Everything from profiles and messages is escaped by Jinja2's autoescape.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape

from dmguard.clock import SystemClock
from dmguard.config import Config
from dmguard.store import Store
from dmguard.tasks import TaskError, view


class WebError(Exception):
    pass


def _env() -> Environment:
    return Environment(loader=PackageLoader("dmguard", "web/templates"),
                       autoescape=select_autoescape(["html"]))


def make_handler(config: Config, token: str) -> type[BaseHTTPRequestHandler]:
    env = _env()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _page(self, status: int, template: str, **values: Any) -> None:
            body = env.get_template(template).render(token=token, **values).encode()
            self.send_response(status)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.send_header("x-frame-options", "DENY")
            self.send_header("content-security-policy", "default-src 'self'; style-src 'unsafe-inline'")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            if not secrets.compare_digest(query.get("token", ""), token):
                self._page(403, "error.html", message="Missing or wrong token: open the URL "
                                                      "`dmguard web` printed.")
                return
            store = Store.open(config.store.path, SystemClock())
            try:
                if url.path == "/":
                    self._page(200, "queue.html", tasks=store.list_tasks(), now=store.now())
                elif url.path.startswith("/tasks/") and url.path[7:].isdigit():
                    try:
                        item = view(store, int(url.path[7:]))
                    except TaskError as error:
                        self._page(404, "error.html", message=str(error))
                        return
                    self._page(200, "task.html", item=item)
                else:
                    self._page(404, "error.html", message="No such page.")
            finally:
                store.close()

    return Handler


def serve(config: Config, port: int, announce: Callable[[str], None]) -> None:
    token = secrets.token_urlsafe(24)
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(config, token))
    except OSError as error:
        raise WebError(f"cannot listen on 127.0.0.1:{port} ({error.strerror}); "
                       "use --port with a free port") from None
    announce(f"http://127.0.0.1:{server.server_address[1]}/?token={token}")
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
