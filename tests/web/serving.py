"""A WSGI app served over real HTTP by waitress in a thread, for tests and the soak."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def served_over_http(app: Any, channel_timeout: int = 5, **options: Any) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port) while the block runs; its base URL.

    Waitress has no stop for a server run in a thread: its task threads are shut down
    first (in-flight requests finish), then the server is closed under its loop, whose
    select then fails on the closed socket, which is expected and not reported."""
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4,
                           channel_timeout=channel_timeout, **options)

    def run() -> None:
        with contextlib.suppress(OSError):
            server.run()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.task_dispatcher.shutdown(timeout=5)
        server.close()
        thread.join(timeout=5)
