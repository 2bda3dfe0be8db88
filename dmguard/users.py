"""The team: users who log in to the inbox, their sessions, and login rate limits.

Passwords are hashed with argon2id (argon2-cffi's defaults); only the hash is stored.
A session is a random token in an HttpOnly cookie; the database keeps its SHA-256,
its own CSRF token and an absolute expiry. Failed logins are counted per user and
per address over a window; past the limit, logins are refused (even with the right
password) until the window passes, and the page says so.

Roles: an ``admin`` manages users and sees every account; an ``agent`` sees the
accounts they were given (``dmguard users add NAME --account demo``), or every
account when they were given none: a small team shares one queue by default.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from dmguard.clock import iso, parse_duration
from dmguard.config import Config, WebConfig
from dmguard.store import ROLES, Session, Store, User
from dmguard.tasks import unassign_holder

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
MIN_PASSWORD = 10
_hasher = PasswordHasher()
#: Verified against when the user does not exist, so both cases take as long.
_DUMMY = _hasher.hash("no such user, same work")


class UserError(Exception):
    """A user cannot be added, removed or logged in; the message says why (for a person)."""


class TooManyLogins(UserError):
    """Logins are rate limited for this name or address for ``wait`` seconds at most."""

    def __init__(self, message: str, wait: int) -> None:
        super().__init__(message)
        self.wait = wait


@dataclass(frozen=True)
class Viewer:
    """Who is looking at the inbox, and which accounts they see (empty: all)."""

    user: User
    accounts: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def is_admin(self) -> bool:
        return self.user.is_admin

    def sees(self, account_id: str) -> bool:
        return self.is_admin or not self.accounts or account_id in self.accounts

    @property
    def scope(self) -> tuple[str, ...]:
        return () if self.is_admin else self.accounts


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > 1024:
        raise UserError("the password is longer than 1024 characters")


def check_accounts(accounts: Iterable[str], known: Collection[str]) -> tuple[str, ...]:
    """The accounts someone is given, each one the config has.

    An unknown name is refused, never dropped: an agent left with no accounts sees
    every account. Shared by ``dmguard users add --account`` and the team page.
    """
    chosen = tuple(accounts)
    for account in chosen:
        if account not in known:
            raise UserError(f"no account named {account!r} in the configuration "
                            f"(known: {', '.join(sorted(known))})")
    return chosen


def add_user(store: Store, name: str, role: str, password: str,
             accounts: tuple[str, ...] = ()) -> int:
    if not NAME.fullmatch(name):
        raise UserError(f"{name!r}: a user name is 1-40 lowercase letters, digits, '.', '_' "
                        "or '-', starting with a letter or digit")
    if role not in ROLES:
        raise UserError(f"role {role!r}: use one of {', '.join(ROLES)}")
    check_password(password)
    if store.users.named(name) is not None:
        raise UserError(f"there is already a user named {name!r}")
    return store.users.add(name, role, _hasher.hash(password), accounts)


def remove_user(store: Store, config: Config, name: str, actor: str) -> int:
    """Remove ``name`` (recorded as done by ``actor``): they cannot log in, their sessions
    end, and every conversation they held (claimed, or assigned to them) is un-assigned,
    in one transaction. How many conversations were theirs."""
    with store.atomic():
        user = store.users.named(name)
        if user is None:
            raise UserError(f"no user named {name!r}")
        admins = [u for u in store.users.active() if u.is_admin]
        if user.is_admin and len(admins) == 1 and store.users.count() > 1:
            raise UserError(f"{name!r} is the last admin; make another admin first")
        store.users.remove(user.id)
        return unassign_holder(store, config, name, actor, "who was removed from the team")


def unassigned_words(count: int, name: str) -> str:
    """What removing ``name`` did to the conversations they held (the CLI and the page)."""
    if count == 1:
        return f"the conversation {name} held is unassigned again"
    return f"the {count} conversations {name} held are unassigned again"


def viewer(store: Store, user: User) -> Viewer:
    return Viewer(user, store.users.accounts(user.id))


def _limited(store: Store, web: WebConfig, name: str, address: str | None) -> bool:
    since = iso(store.clock.now() - parse_duration(web.login_window))
    if store.sessions.failures_since(f"user:{name}", since) >= web.login_failures:
        return True
    return bool(address) and store.sessions.failures_since(
        f"addr:{address}", since) >= web.login_failures * 4


def authenticate(store: Store, web: WebConfig, name: str, password: str,
                 address: str | None) -> User:
    """The user, if the password is right and logins are not rate limited for them."""
    name = name.strip().lower()[:40]
    keys = (f"user:{name}", *((f"addr:{address}",) if address else ()))
    if _limited(store, web, name, address):
        raise TooManyLogins(f"Too many failed logins. Wait {web.login_window} and try again, "
                            "or ask an admin to check your account.",
                            int(parse_duration(web.login_window).total_seconds()))
    user = store.users.named(name)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY, password)
        ok = user is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    store.sessions.record_attempt(keys, ok)
    if not ok or user is None:
        raise UserError("That name and password do not match.")
    if _hasher.check_needs_rehash(user.password_hash):
        store.users.set_password(user.id, _hasher.hash(password))
    return user


def token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(store: Store, web: WebConfig, user: User, address: str | None) -> str:
    """A new session; returns the token for the cookie (never stored as such)."""
    token = secrets.token_urlsafe(32)
    expires = store.clock.now() + parse_duration(web.session_lifetime)
    store.sessions.start(token_id(token), user.id, secrets.token_urlsafe(32), iso(expires),
                         address)
    return token


def live_session(store: Store, token: str | None) -> Session | None:
    if not token or len(token) > 200:
        return None
    return store.sessions.live(token_id(token))


def csrf_ok(session: Session, submitted: str | None) -> bool:
    return bool(submitted) and secrets.compare_digest(session.csrf, submitted or "")
