"""Canned replies: the team's own short acknowledgements (``[[web.canned]]``).

The owner configures them ("Looking into it": ``Hi {{ first_name }}, I'm looking into
this now and will get back to you today.``); a person who read the message picks one
(the inbox's buttons, ``dmguard tasks reply N --canned NAME``) and it is filled with the
person's fields, as a sequence step is. Sent as it is, it is a personal acknowledgement,
not a form letter, however often the team has sent it (see
:func:`dmguard.reply_check.check_personal`); it is still refused when it is automated
text (a draft, a campaign others got, the disclosure line). A canned reply with words
added or changed is a reply like any other.

A canned reply is short (:data:`~dmguard.config.MAX_CANNED_WORDS`, 30 words, checked when
the config is loaded), its use is recorded in the task's history ("canned reply"), and it
teaches the judge nothing: it is the owner's text, not words written for this person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from dmguard.config import Config
from dmguard.step_templates import render
from dmguard.store import Contact, Store
from dmguard.tasks import TaskError


@dataclass(frozen=True)
class Canned:
    """A canned reply filled in for one person."""

    name: str
    text: str


def profile(contact: Contact) -> dict[str, Any]:
    """What a canned reply is filled from: the person's fields."""
    return {"name": contact.name, "username": contact.username, "bio": contact.bio,
            "location": contact.location, "lang": contact.lang,
            "followers_count": contact.followers_count, "verified": bool(contact.verified),
            "account": contact.account_id}


def for_person(config: Config, contact: Contact) -> list[Canned]:
    """The configured canned replies filled in for ``contact``; one that cannot be filled
    (a field the person lacks in a way the template does not allow) is left out."""
    values = profile(contact)
    filled = []
    for item in config.web.canned:
        try:
            filled.append(Canned(item.name, render(item.text, values)))
        except Exception:  # a template the config check let through but this person breaks
            continue
    return filled


def person_of(store: Store, task_id: int) -> Contact:
    """The person a task is about (whose fields a canned reply is filled with)."""
    task = store.tasks.get(task_id)
    contact = store.people.contact(task.contact_id) if task else None
    if contact is None:
        raise TaskError(f"no task {task_id} (see `dmguard tasks list`)", "missing")
    return contact


def _spaced(text: str) -> str:
    return " ".join(text.split())


def chosen(config: Config, contact: Contact, name: str) -> Canned:
    """The canned reply named ``name`` (case aside), filled in for ``contact``."""
    wanted = name.strip().casefold()
    for item in for_person(config, contact):
        if item.name.casefold() == wanted:
            return item
    names = ", ".join(repr(item.name) for item in config.web.canned) or "none ([[web.canned]])"
    raise TaskError(f"no canned reply named {name!r} for this person (configured: {names})",
                    "text")


def matching(config: Config, contact: Contact, text: str) -> Canned | None:
    """The canned reply ``text`` is, as filled in for ``contact`` (spacing aside), if any."""
    spaced = _spaced(text)
    for item in for_person(config, contact):
        if _spaced(item.text) == spaced:
            return item
    return None


@lru_cache(maxsize=64)
def _pattern(template: str) -> re.Pattern[str] | None:
    """What the template filled in for anyone looks like (spacing collapsed): its words as
    they are, each field any short text. None for a template with logic in it (``{% if
    %}``), or of fewer than three words of its own: its fillings are not told apart."""
    if "{%" in template or "{#" in template:
        return None
    pieces = re.split(r"\{\{.*?\}\}", template, flags=re.DOTALL)
    if sum(len(piece.split()) for piece in pieces) < 3:
        return None
    return re.compile(".{0,100}?".join(" ".join(map(re.escape, piece.split()))
                                       for piece in pieces))


def is_canned_text(config: Config, text: str) -> bool:
    """Whether ``text`` is one of the configured canned replies as it is, filled in for
    anyone (spacing aside): what the team's earlier acknowledgements look like."""
    spaced = _spaced(text)
    for item in config.web.canned:
        pattern = _pattern(item.text)
        if pattern is not None and pattern.fullmatch(spaced):
            return True
    return False
