from __future__ import annotations

import pytest

from dmguard.store import NewMessage, Origin, Store


@pytest.fixture
def amy(store: Store) -> int:
    """An account ``a`` with one contact, Amy; her contact id."""
    store.accounts.ensure("a", "sandbox")
    contact_id, _ = store.people.upsert_contact("a", "1", name="Amy", username="amy")
    return contact_id


def add(store: Store, contact_id: int, *, origin: Origin = Origin.SUBMIT, state: str = "queued",
        direction: str = "out", text: str = "hi", sent_at: str | None = None) -> int:
    return store.messages.add(NewMessage(account_id="a", contact_id=contact_id,
                                         direction=direction, origin=origin, kind="campaign",
                                         text=text, state=state, sent_at=sent_at), actor="test")
