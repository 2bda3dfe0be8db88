"""One database, one user on the platform: an account's history is never mixed with another's.

The first sync learns which user the account's credentials sign in as; a user id never
changes on X. Credentials (or an emulator) that later sign in as another user belong to
another account, so whatever would read from or write to the platform for the account
stops with :class:`~dmguard.platforms.base.AccountChanged` instead.
"""

from __future__ import annotations

from dmguard.platforms.base import AccountChanged, Profile
from dmguard.store import Store


def same_user(store: Store, account_id: str, me: Profile) -> None:
    """Raise :class:`AccountChanged` when ``me`` is not the user the database knows the
    account as (nothing is known before the first sync)."""
    account = store.accounts.get(account_id)
    if account is None or account.user_id is None or account.user_id == me.user_id:
        return
    raise AccountChanged(
        f"the credentials sign in as user {me.user_id} (@{me.username}), but this database "
        f"holds the people and messages of user {account.user_id} (@{account.username}) for "
        f"account {account_id!r}; dmguard stops rather than mix the two")
