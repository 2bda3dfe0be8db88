"""How the inbox says a failed action, in words for the page (due times, owners and the
like are said as the CLI says them: :mod:`dmguard.queue_words`).

The library's errors may name CLI commands (``dmguard tasks list``); a page never
does. Each :class:`~dmguard.tasks.TaskError` carries a ``code``, and the page says
what happened and what to do next in its own words.
"""

from __future__ import annotations

import re

from dmguard.tasks import TaskError


def _sentence(text: str) -> str:
    text = re.sub(r"\s*\((?:see )?`[^`]*`[^)]*\)", "", text)  # "(see `dmguard …`)"
    text = re.sub(r"`[^`]*`", "", text).strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "." if text else ""


KEPT = "Your text is kept below."


def page_words(error: TaskError, *, kept: bool = False) -> str:
    """What a failed action means for the person at the page, and what to do next;
    ``kept``: the action had a text (a reply, an edited draft, a note), which the page
    shows again in its box, and says so."""
    words = _words(error)
    return f"{words} {KEPT}" if kept else words


def _words(error: TaskError) -> str:
    message = str(error)
    code = getattr(error, "code", "other")
    if code == "text":
        return f"{_sentence(message)} Edit the text and send again."
    if code == "taken":
        if "take it over" in message:  # it says so itself (the CLI's way is left out)
            return _sentence(message)
        return f"{_sentence(message)} Ask them, or take the conversation over from them first."
    if code == "closed":
        return "This conversation was closed already, perhaps by a teammate a moment ago."
    if code == "missing":
        return "That task or person does not exist (any more). Go back to the inbox."
    if code == "unsettled":
        return ("An earlier reply to this person is still on its way. It will not be sent twice, "
                "and the conversation closes once it has arrived.")
    if code == "queued":
        return ("The platform is not taking messages right now, so your reply is queued: it goes "
                "out as soon as the platform allows, and the conversation closes then. "
                "Nothing more to do.")
    if code == "in_flight":
        return ("The platform did not answer, so the reply may have arrived. It will not be sent "
                "twice: dmguard checks shortly and closes the conversation once it is found. "
                "Nothing more to do.")
    if code == "failed":
        reason = message.split("failed:", 1)[-1].strip().rstrip(".")
        return (f"The reply was not sent: {reason}. Check it and press Send again; if it keeps "
                "failing, tell whoever runs dmguard.")
    if code == "platform":
        return ("Replies cannot be sent from here right now: this account is not connected to "
                "its platform. Tell whoever runs dmguard.")
    if code in ("no_user", "time"):
        return f"{_sentence(message)} Pick another and try again."
    return _sentence(message)
