"""The HTTP plumbing under tweepy: timeouts, and X's host sent to the emulator.

tweepy always calls ``https://api.twitter.com`` (and its OAuth 2.0 handler
``https://twitter.com/i/oauth2/authorize``); :class:`ApiAdapter`, mounted on a
session, adds a timeout to every call and, for the sandbox or a rehearsal, sends
the call to another base URL instead. It keeps the last answer's headers, which
tweepy does not return (``x-access-level`` proves DM permission).
"""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter

X_HOST = "https://api.twitter.com"
AUTHORIZE_HOST = "https://twitter.com"


class ApiAdapter(HTTPAdapter):
    """Timeouts for every call, and an optional redirect of X's host to the emulator."""

    def __init__(self, base_url: str | None = None, timeout: float = 15.0) -> None:
        super().__init__(max_retries=0)
        self.base_url = base_url.rstrip("/") if base_url else None
        self.timeout = timeout
        self.last_headers: dict[str, str] = {}

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if self.base_url and request.url and request.url.startswith(X_HOST):
            request.url = self.base_url + request.url[len(X_HOST):]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        response = super().send(request, **kwargs)
        self.last_headers = {key.lower(): value for key, value in response.headers.items()}
        return response


def mount(session: requests.Session, base_url: str | None, timeout: float) -> ApiAdapter:
    adapter = ApiAdapter(base_url, timeout)
    session.mount(X_HOST, adapter)
    return adapter


def authorize_url(url: str, base_url: str | None) -> str:
    """tweepy's authorize URL, on the emulator when there is one."""
    if base_url and url.startswith(AUTHORIZE_HOST + "/"):
        return base_url.rstrip("/") + url[len(AUTHORIZE_HOST):]
    return url
