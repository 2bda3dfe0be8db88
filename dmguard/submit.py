"""The Python API for other tools: hand automated messages to dmguard.

    from dmguard.submit import submit_messages
    results = submit_messages("config/dmguard.toml", [
        {"id": "c1", "text": "Hi Amy, …", "recipient": {"username": "amy"}},
    ])

Each message is audited at once and, if it passes, queued for the daemon's
sender; the result per message says what happened or why it was refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from dmguard import outbox
from dmguard.audit.engine import Auditor, UnknownPlatform
from dmguard.audit.jsonl import LineError, id_text, validation_problem
from dmguard.audit.jsonl_models import MessageIn
from dmguard.clock import Clock, SystemClock
from dmguard.config import AccountConfig, Config, load_config
from dmguard.store import Contact, Message, Origin, Store
from dmguard.utf8 import unsendable


def submit_messages(config: Config | Path | str, messages: Iterable[dict[str, Any] | MessageIn],
                    *, account: str | None = None,
                    clock: Clock | None = None) -> list[dict[str, Any]]:
    config = config if isinstance(config, Config) else load_config(config)
    config.account(account)  # an unknown account is named before a database is created
    store = Store.open(config.store.path, clock or SystemClock())
    try:
        return list(submit_into(store, config, messages, account=account))
    finally:
        store.close()


def submit_into(store: Store, config: Config,
                messages: Iterable[dict[str, Any] | MessageIn | LineError],
                *, account: str | None = None) -> Iterator[dict[str, Any]]:
    """Submit into an open store; yields one result (or error) object per message, in order
    (an error names the message by its place among them, from 1).

    A ``LineError`` among the messages (a line the caller could not parse) is passed
    through as its error object, so output lines stay in input order.
    """
    yield from submit_lines(store, config, enumerate(messages, start=1), account=account)


def submit_lines(store: Store, config: Config,
                 lines: Iterable[tuple[int, dict[str, Any] | MessageIn | LineError]],
                 *, account: str | None = None) -> Iterator[dict[str, Any]]:
    """:func:`submit_into` for messages numbered by the caller (a file's line numbers, blank
    lines skipped), so that an error names the line it is about."""
    account_config = config.account(account)
    store.accounts.ensure(account_config.name, account_config.platform)
    auditor = outbox.auditor_for(store, config, account_config)
    for number, raw in lines:
        try:
            if isinstance(raw, LineError):
                raise raw
            message = raw if isinstance(raw, MessageIn) else _validated(raw, number)
            where = "line" if isinstance(raw, MessageIn) else "message"
            _check_text(message, where, number)
            _check_platform(auditor, message, where, number)
            contact = _recipient(store, account_config.name, message, number)
        except LineError as error:
            yield error.as_json()
            continue
        done = _submit_once(store, auditor, config, account_config, contact, message)
        if isinstance(done, Message):
            yield duplicate_error(number, message, contact, done)
            continue
        yield {**done.result.as_json(), "id": id_text(message.id), "message_id": done.message_id,
               "state": done.state}


def _submit_once(store: Store, auditor: Auditor, config: Config, account: AccountConfig,
                 contact: Contact, message: MessageIn) -> outbox.Outcome | Message:
    """Audit and queue a message unless it repeats one submitted before; then return that one.

    The check and the insert share one write transaction: of two submits of the same
    line at once, the second waits for the first and then sees its message.
    """
    external_id = None if message.id is None else str(message.id)
    kind = (message.context.kind if message.context else None) or "campaign"
    with store.atomic():
        earlier = store.messages.submitted_before(account.name, contact.id, external_id,
                                                  message.text)
        if earlier is not None:
            return earlier
        return outbox.submit(store, auditor, config, account.name, account.policy_name, contact,
                             message.text, origin=Origin.SUBMIT, kind=kind, actor="submit",
                             external_id=external_id)


def duplicate_error(number: int, message: MessageIn, contact: Contact, earlier: Message
                    ) -> dict[str, Any]:
    """The error object for a line that repeats a draft already submitted (not queued)."""
    who = f"@{contact.username}" if contact.username else f"user {contact.user_id}"
    what = (f"id {id_text(message.id)!r} was already submitted to {who}" if message.id is not None
            else f"the same text to {who} is already waiting to be sent (give an id to tell "
                 "them apart)")
    error = LineError(number, f"line {number}: duplicate: {what} as message {earlier.id} "
                              f"({earlier.state}); not queued again", id_text(message.id))
    return {**error.as_json(), "duplicate_of": earlier.id}


def _validated(raw: dict[str, Any], number: int) -> MessageIn:
    try:
        return MessageIn.model_validate(raw)
    except ValidationError as error:
        raise LineError(number, f"message {number}: {validation_problem(error)}",
                        id_text(raw.get("id")) if isinstance(raw, dict) else None) from None


def _check_text(message: MessageIn, where: str, number: int) -> None:
    """A DM's text holds no control character and nothing that could not be read."""
    problem = unsendable(message.text)
    if problem is not None:
        raise LineError(number, f"{where} {number}: {problem}", id_text(message.id))


def _check_platform(auditor: Auditor, message: MessageIn, where: str, number: int) -> None:
    """A ``platform`` must name a policy pack, case aside, as in ``dmguard audit``; the
    message is then judged by the account's own pack, where it is sent."""
    if message.platform is None:
        return
    try:
        auditor.known_platform(message.platform)
    except UnknownPlatform as error:
        raise LineError(number, f"{where} {number}: platform: {error}",
                        id_text(message.id)) from None


def _recipient(store: Store, account: str, message: MessageIn, number: int) -> Contact:
    recipient = message.recipient
    contact = None
    if recipient is not None and recipient.id:
        contact = store.people.find_contact(account, user_id=recipient.id)
    elif recipient is not None and recipient.username:
        contact = store.people.find_contact(account, username=recipient.username)
    if contact is None:
        raise LineError(number, f"line {number}: unknown recipient (give recipient.id or "
                                "recipient.username of a follower or contact of this account)",
                        id_text(message.id))
    return contact
