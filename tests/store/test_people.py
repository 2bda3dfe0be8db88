"""store.accounts and store.people: accounts, contacts, conversations, opt-outs."""

from __future__ import annotations

from datetime import timedelta

from dmguard.clock import SimulatedClock, iso
from dmguard.store import NewTask, Store

COOLDOWN = timedelta(hours=72)


def test_accounts_are_created_once_and_paused(store: Store) -> None:
    first = store.accounts.ensure("a", "x")
    assert store.accounts.ensure("a", "sandbox") == first, "the platform is set once"
    store.accounts.set_identity("a", "42", "acme", "Acme")
    store.accounts.set_last_dm_event("a", "e9")
    store.accounts.pause("a", "credentials refused")
    account = store.accounts.get("a")
    assert account is not None
    assert (account.user_id, account.username, account.last_dm_event_id) == ("42", "acme", "e9")
    assert account.paused_reason == "credentials refused" and account.paused_at == store.now()
    assert store.accounts.get("b") is None


def test_upsert_changes_only_what_is_given(store: Store) -> None:
    store.accounts.ensure("a", "x")
    contact_id, new = store.people.upsert_contact("a", "1", name="Amy", bio="gardener",
                                                  verified=True)
    assert new
    same, new = store.people.upsert_contact("a", "1", username="amy", followed_at="t1")
    assert same == contact_id and not new
    store.people.upsert_contact("a", "1", bio=None, followed_at="t2")
    contact = store.people.contact(contact_id)
    assert contact is not None
    assert (contact.name, contact.username, contact.bio, contact.verified) == ("Amy", "amy",
                                                                              None, 1)
    assert contact.followed_at == "t1", "the first follow is kept"
    assert store.people.find_contact("a", username="@AMY") == contact
    assert store.people.find_contact("a", user_id="1") == contact
    assert store.people.known_follower_ids("a") == {"1"}
    assert store.people.followers("a", limit=5) == [contact]


def test_conversation_is_made_on_first_use_and_handed_to_a_person(
        store: Store, clock: SimulatedClock) -> None:
    store.accounts.ensure("a", "x")
    contact_id, _ = store.people.upsert_contact("a", "1")
    conversation = store.people.conversation("a", contact_id)
    assert store.people.conversation("a", contact_id) == conversation
    assert store.people.human_silence_until("a", contact_id, COOLDOWN) is None
    until = iso(clock.now() + timedelta(hours=2))
    store.people.hand_to_human(conversation.id, until)
    assert store.people.human_silence_until("a", contact_id, COOLDOWN) == until
    clock.advance(timedelta(hours=3))
    assert store.people.human_silence_until("a", contact_id, COOLDOWN) is None
    task_id = store.tasks.add(NewTask("a", contact_id, "reply", "wrote", 50, store.now()), "t")
    store.tasks.change(task_id, ("open",), "claimed", "sam", state="claimed", claimed_by="sam")
    assert store.people.human_silence_until("a", contact_id, COOLDOWN) == "9999-12-31T00:00:00.000000Z"
    store.tasks.change(task_id, ("claimed",), "done", "sam", state="done",
                       closed_by="sam", closed_at=store.now())
    assert store.people.human_silence_until("a", contact_id, COOLDOWN) == iso(
        clock.now() + COOLDOWN), "the cooldown runs from the end of the claim"


def test_opt_out_and_back_in(store: Store) -> None:
    store.accounts.ensure("a", "x")
    contact_id, _ = store.people.upsert_contact("a", "1")
    assert store.people.opt_out("a", contact_id, None)
    assert not store.people.opt_out("a", contact_id, None), "once"
    assert store.people.is_opted_out(contact_id)
    assert store.people.opt_in(contact_id) and not store.people.opt_in(contact_id)
    assert not store.people.is_opted_out(contact_id)
