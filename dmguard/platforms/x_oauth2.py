"""OAuth 2.0 user tokens for X: the PKCE authorization, the token file, refreshes.

What X documents (xdevplatform/docs, fundamentals/authentication/oauth-2-0/
authorization-code.mdx and user-access-token.mdx):

- authorization code flow with PKCE; the callback must match the registered one
  exactly; the code must be exchanged within 30 seconds;
- an access token lives two hours; ``offline.access`` brings a refresh token;
- POST /2/oauth2/token with ``grant_type=refresh_token`` gives a new access token
  *and a new refresh token*: the old one is spent (the emulator refuses it, as X does).

So the tokens live in their own file (0600, never in the config, never logged),
are refreshed a few minutes before they expire, and every rotation is written
atomically (a temporary file, fsync, os.replace) under a lock, so a crash or a
second process never leaves the account with only a spent refresh token.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from dmguard.config import AccountConfig, XCredentials
from dmguard.platforms.base import AuthBroken, PlatformUnavailable
from dmguard.platforms.http import X_HOST, authorize_url, mount

#: What dmguard asks for: read and send DMs, read the account and its followers, and
#: stay connected (offline.access) so the token can be refreshed.
SCOPES = ("dm.read", "dm.write", "users.read", "tweet.read", "follows.read", "offline.access")
TOKEN_URL = X_HOST + "/2/oauth2/token"
#: Refresh this long before the access token expires.
REFRESH_MARGIN = timedelta(minutes=5)

# tweepy and requests-oauthlib log request headers and token bodies at DEBUG: keep
# them from ever writing a token, whatever level the root logger is set to.
for _name in ("tweepy.client", "requests_oauthlib", "oauthlib", "urllib3.connectionpool"):
    logging.getLogger(_name).setLevel(max(logging.getLogger(_name).level, logging.INFO))


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str | None
    expires_at: datetime
    scopes: frozenset[str]

    def __repr__(self) -> str:  # never a token in a log line or a traceback
        return (f"TokenSet(expires_at={self.expires_at.isoformat()}, "
                f"scopes={sorted(self.scopes)}, refresh={'yes' if self.refresh_token else 'no'})")

    def to_json(self) -> dict[str, Any]:
        return {"access_token": self.access_token, "refresh_token": self.refresh_token,
                "expires_at": self.expires_at.isoformat(), "scope": " ".join(sorted(self.scopes))}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TokenSet:
        return cls(str(data["access_token"]), data.get("refresh_token") or None,
                   datetime.fromisoformat(str(data["expires_at"])),
                   frozenset(str(data.get("scope", "")).split()))

    @classmethod
    def from_answer(cls, answer: dict[str, Any], now: datetime) -> TokenSet:
        """The token endpoint's answer: access_token, expires_in, scope, refresh_token."""
        scope = answer.get("scope", "")
        scopes = frozenset(scope if isinstance(scope, list) else str(scope).split())
        return cls(str(answer["access_token"]), answer.get("refresh_token") or None,
                   now + timedelta(seconds=int(answer.get("expires_in", 7200))), scopes)


@dataclass(frozen=True)
class OAuth2App:
    client_id: str
    redirect_uri: str
    client_secret: str | None = None


def token_path(account: AccountConfig) -> Path:
    return account.token_file or Path("var") / f"x-oauth2-{account.name}.json"


def app_for(account: AccountConfig, credentials: XCredentials) -> OAuth2App:
    if not credentials.client_id:
        raise AuthBroken(f"account {account.name!r}: no OAuth 2.0 client id (set "
                         f"{account.credentials_prefix}CLIENT_ID)")
    return OAuth2App(credentials.client_id, account.redirect_uri, credentials.client_secret)


class TokenFile:
    """The tokens of one account, in a file only its owner can read."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def version(self) -> int | None:
        """Changes whenever the file is replaced (a refresh elsewhere, `dmguard auth x`)."""
        try:
            return self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return None

    def load(self) -> TokenSet | None:
        try:
            return TokenSet.from_json(json.loads(self.path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError):
            raise AuthBroken(f"{self.path}: not a token file dmguard wrote; run `dmguard auth x` "
                             "again") from None

    def save(self, tokens: TokenSet) -> None:
        """Write a temporary file (0600) beside it, fsync, then os.replace: the file is
        always the old tokens or the new ones, never half of each."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(tokens.to_json(), handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """An exclusive lock beside the file, so two processes never refresh at once."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock_path = self.path.with_name(f".{self.path.name}.lock")
        descriptor = os.open(lock_path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            try:
                import fcntl
            except ImportError:  # pragma: no cover - not a POSIX system
                yield
                return
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(descriptor, fcntl.LOCK_UN)
        finally:
            os.close(descriptor)


class OAuth2Tokens:
    """Live tokens for XPlatform: a fresh access token on every call, refreshed before
    it expires, the rotated refresh token saved before it is used for anything."""

    def __init__(self, app: OAuth2App, file: TokenFile, *, now: Callable[[], datetime],
                 base_url: str | None = None, timeout: float = 15.0) -> None:
        self.app = app
        self.file = file
        self.now = now
        self.session = requests.Session()
        mount(self.session, base_url, timeout)
        self._lock = threading.Lock()
        self._tokens: TokenSet | None = None
        self._version: int | None = None

    @property
    def scopes(self) -> frozenset[str]:
        return self.current().scopes

    def current(self) -> TokenSet:
        """The tokens in use; read again when the file changed (the owner signed in again
        with `dmguard auth x`, or another process refreshed), so a long-lived process
        never keeps using tokens that were replaced."""
        with self._lock:
            version = self.file.version()
            if version != self._version:
                self._tokens, self._version = None, version
            tokens = self._tokens or self.file.load()
            if tokens is None:
                raise AuthBroken(f"no OAuth 2.0 tokens in {self.file.path}: run `dmguard auth x`",
                                 title="no tokens")
            self._tokens = tokens
            return tokens

    def access_token(self) -> str:
        tokens = self.current()
        if tokens.expires_at - self.now() <= REFRESH_MARGIN:
            tokens = self.refresh(tokens)
        return tokens.access_token

    def refresh(self, seen: TokenSet | None = None) -> TokenSet:
        """Trade the refresh token for new tokens; save them before returning.

        ``seen`` is the token set the caller found wanting: if another thread or process
        has refreshed since, its newer tokens are used instead of spending ours again.
        """
        with self._lock, self.file.locked():
            on_disk = self.file.load()
            if on_disk is not None and seen is not None and on_disk.access_token != \
                    seen.access_token and on_disk.expires_at - self.now() > REFRESH_MARGIN:
                self._tokens, self._version = on_disk, self.file.version()
                return on_disk
            tokens = on_disk or self._tokens
            if tokens is None or not tokens.refresh_token:
                raise AuthBroken("the OAuth 2.0 token expired and there is no refresh token "
                                 "(was offline.access granted?): run `dmguard auth x`",
                                 title="token expired")
            answer = self._post({"grant_type": "refresh_token",
                                 "refresh_token": tokens.refresh_token})
            fresh = TokenSet.from_answer(answer, self.now())
            self.file.save(fresh)
            self._tokens, self._version = fresh, self.file.version()
            return fresh

    def _post(self, form: dict[str, str]) -> dict[str, Any]:
        return token_request(self.session, self.app, form)


def token_request(session: requests.Session, app: OAuth2App,
                  form: dict[str, str]) -> dict[str, Any]:
    """POST /2/oauth2/token: client id in the body (public client) or Basic auth
    (confidential client), as user-access-token.mdx describes."""
    auth = (app.client_id, app.client_secret) if app.client_secret else None
    try:
        response = session.post(TOKEN_URL, data={**form, "client_id": app.client_id}, auth=auth)
    except (requests.ConnectionError, requests.Timeout) as error:
        raise PlatformUnavailable(f"oauth2/token: {type(error).__name__}") from None
    if response.status_code >= 500:
        raise PlatformUnavailable(f"oauth2/token: X server error {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or "access_token" not in body:
        error = str(body.get("error") or response.status_code)
        description = str(body.get("error_description") or response.reason or "")
        raise AuthBroken(f"oauth2/token refused ({response.status_code} {error}): {description}; "
                         "run `dmguard auth x` again", title=error, detail=description,
                         status=response.status_code)
    return body


# --- the authorization itself -----------------------------------------------------


class _Callback(BaseHTTPRequestHandler):
    server: _CallbackServer

    def log_message(self, format: str, *args: Any) -> None:
        return  # the query holds the authorization code

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        expected = urlsplit(self.server.redirect_uri)
        if url.path != expected.path:
            self.send_response(404)
            self.send_header("content-length", "0")
            self.end_headers()
            return
        page = b"dmguard: done. You can close this tab and go back to the terminal.\n"
        self.send_response(200)
        self.send_header("content-type", "text/plain; charset=utf-8")
        self.send_header("content-length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)
        self.server.received = self.path
        self.server.done.set()


class _CallbackServer(HTTPServer):
    def __init__(self, redirect_uri: str) -> None:
        parts = urlsplit(redirect_uri)
        self.redirect_uri = redirect_uri
        self.received: str | None = None
        self.done = threading.Event()
        try:
            super().__init__((parts.hostname or "127.0.0.1", parts.port or 80), _Callback)
        except OSError as error:
            raise AuthBroken(f"cannot listen for the callback on {parts.netloc} "
                             f"({error.strerror}); free the port or change redirect_uri") from None


class AuthorizationFailed(AuthBroken):
    """The person did not authorize, the callback never came, or its state was wrong."""


def authorize(app: OAuth2App, file: TokenFile, *, show: Callable[[str], None],
              now: Callable[[], datetime], base_url: str | None = None,
              timeout: float = 300.0, scopes: tuple[str, ...] = SCOPES) -> TokenSet:
    """Run the PKCE authorization code flow through a local callback; save the tokens.

    ``show`` is handed the URL to open (the CLI prints it); this then waits up to
    ``timeout`` seconds for X to redirect the browser to ``app.redirect_uri`` on this
    machine, trades the code for tokens with tweepy's OAuth2UserHandler and writes them
    to ``file``. Raises AuthorizationFailed, or AuthBroken when X grants fewer scopes
    than dmguard needs (nothing is saved then).
    """
    import tweepy

    handler = tweepy.OAuth2UserHandler(client_id=app.client_id, redirect_uri=app.redirect_uri,
                                       scope=list(scopes), client_secret=app.client_secret)
    mount(handler, base_url, 15.0)
    server = _CallbackServer(app.redirect_uri)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="oauth2-callback", daemon=True)
    thread.start()
    try:
        url = handler.get_authorization_url()
        state = parse_qs(urlsplit(url).query).get("state", [""])[0]
        show(authorize_url(url, base_url))
        if not server.done.wait(timeout):
            raise AuthorizationFailed(f"no callback on {app.redirect_uri} within {timeout:.0f} s")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    received = parse_qs(urlsplit(server.received or "").query)
    if "error" in received:
        raise AuthorizationFailed(f"X did not authorize: {received['error'][0]} "
                                  f"{received.get('error_description', [''])[0]}".strip())
    if received.get("state", [""])[0] != state or "code" not in received:
        raise AuthorizationFailed("the callback's state does not match this authorization")
    # oauthlib insists on https for the URL it parses; only its query is read.
    callback = "https://" + urlsplit(app.redirect_uri).netloc + (server.received or "")
    try:
        answer = handler.fetch_token(callback)
    except Warning as scope_changed:  # oauthlib: X granted other scopes than asked
        answer = getattr(scope_changed, "token", None) or {}
    except Exception as error:  # oauthlib raises its own error classes for 4xx answers
        raise AuthorizationFailed(f"oauth2/token refused the code: {type(error).__name__}: "
                                  f"{getattr(error, 'description', '') or error}") from None
    if "access_token" not in answer:
        raise AuthorizationFailed("oauth2/token gave no access token")
    tokens = TokenSet.from_answer(dict(answer), now())
    missing = sorted(set(scopes) - tokens.scopes)
    if missing:
        raise AuthBroken(f"X granted {' '.join(sorted(tokens.scopes)) or 'no scopes'}; dmguard "
                         f"also needs {' '.join(missing)} (does the app have Direct Message "
                         "permission?)", title="scopes missing", detail=" ".join(missing))
    file.save(tokens)
    return tokens


def expires_in(tokens: TokenSet, now: datetime) -> timedelta:
    return tokens.expires_at - now.astimezone(UTC)


def authorize_account(account: AccountConfig, *, show: Callable[[str], None],
                      now: Callable[[], datetime], timeout: float = 300.0,
                      environ: dict[str, str] | None = None) -> tuple[TokenSet, Path]:
    """`dmguard auth x`: authorize the account's OAuth 2.0 app; return the tokens and
    where they were saved. ConfigError when the account is not set up for it."""
    from dmguard.config import ConfigError, load_x_credentials

    if account.platform != "x":
        raise ConfigError(f"account {account.name!r} is a {account.platform} account; "
                          "`dmguard auth x` is for platform = \"x\"")
    if account.auth != "oauth2":
        raise ConfigError(f"account {account.name!r}: set auth = \"oauth2\" in its [[accounts]] "
                          "entry first, so dmguard uses the tokens this saves")
    credentials = load_x_credentials(account, environ)
    path = token_path(account)
    tokens = authorize(app_for(account, credentials), TokenFile(path), show=show, now=now,
                       base_url=account.api_url, timeout=timeout)
    return tokens, path
