"""A personal reply must be personal: the human queue is no back door for automated text.

A draft is held because the audit found it generic. Pasted into the reply box it
would go out unlabelled, as a person's own words, past the audit that held it;
the same goes for text that already went to many other people. So a personal
reply is refused (``TaskError`` code ``not_personal``, saying why and what to do
instead) when it is:

- **an automated message meant for this person that has not gone out** (the held
  draft of any of the person's tasks, or one blocked, cancelled or failed), the
  same once names, links, numbers, case, spacing and punctuation are normalised
  (:func:`dmguard.audit.similarity.normalise`), or nearly the same: a Jaccard
  similarity of word trigrams of at least :data:`SAME_DRAFT` (0.6, the value from
  which the audit's own history counts two texts to one person as one text). One
  changed word in a twenty-word draft keeps about 0.7; a reply that only borrows a
  sentence of it falls well below. A reply that holds a draft of at least
  :data:`MIN_WORDS` words whole (:data:`CONTAINED`, 90% of its word trigrams) is that
  draft too, whatever is written around it (the automated label, a line of one's own),
  and so is a draft retyped with Cyrillic or Greek letters that look Latin (:data:`LOOKALIKES`).
- **labelled as automated**: it carries the automated disclosure line (naming this account
  or any other).
- **nearly what went to other people**: at least ``min_recipients`` other people
  (the ``near-duplicate`` rule's option, default 3) got, in the last
  ``audit.history_days``, a message holding
  :data:`~dmguard.audit.similarity.COVERAGE` (70%) of the reply's word trigrams.
  That is the measure and the count at which the near-duplicate rule holds an
  automated message, so the queue refuses exactly what the audit would hold as a
  form letter.

Short replies are not compared with what others got: "Thanks!" or "You're welcome,
glad I could help!" said to many people is courtesy, not a form letter, and it
carries nothing a campaign could smuggle. The cut is :data:`MIN_WORDS` (10
normalised words); 74 of the 86 auto-DM welcome texts in the evaluation corpus
(``../shared/eval/automated.jsonl``) are at least that long, so most real form
letters are still compared, and the shorter ones are caught when they are the
held draft (compared at any length).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import timedelta
from functools import lru_cache

from dmguard.audit.rules import single
from dmguard.audit.similarity import COVERAGE, Signature, normalise, signature
from dmguard.config import Config
from dmguard.store import Message, OutboundText, Store, Task
from dmguard.tasks import TaskError

#: Similarity (Jaccard of word trigrams) from which a reply is the automated draft.
SAME_DRAFT = 0.6
#: Replies shorter than this (in normalised words) are not compared with what others got.
MIN_WORDS = 10
#: Share of a draft's word trigrams a reply holds from which it holds the draft whole
#: (a draft of at least :data:`MIN_WORDS` words).
CONTAINED = 0.9
#: What the page and the CLI say to do instead.
INSTEAD_HELD = ("release it labelled as automated (edit it first if the audit still holds it as "
                "it is), or write to the person yourself")
INSTEAD = "send it labelled as an automated message, or write to the person yourself"


def min_recipients(config: Config) -> int:
    """The near-duplicate rule's ``min_recipients``, as configured (its default otherwise)."""
    rule = single(lambda r: "min_recipients" in r.options)
    default = int(rule.options["min_recipients"])
    setting = config.audit.rules.get(rule.id)
    return int(setting.options.get("min_recipients", default)) if setting else default


LOOKALIKES = str.maketrans(
    "аеорсухіјѕԁһԛԝАВЕКМНОРСТХІЈЅԜοαρτνκιΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdhqwABEKMHOPCTXIJSWoaptvkiABEZHIKMNOPTYX")
"""Cyrillic and Greek letters that look like Latin ones: a draft retyped with a few of them
is still the draft (a real Russian or Greek reply does not become an English draft by it)."""


def same_as_draft(text: str, draft: str, names: Sequence[str]) -> bool:
    """Whether ``text`` is ``draft``, or nearly, after normalising (see the module doc)."""
    if not text.isascii() or not draft.isascii():
        text, draft = text.translate(LOOKALIKES), draft.translate(LOOKALIKES)
    if " ".join(text.split()).casefold() == " ".join(draft.split()).casefold():
        return True
    words = normalise(text, names)
    if words and words == normalise(draft, names):  # emoji alone normalise to nothing
        return True
    mine, theirs = signature(text, names), signature(draft, names)
    if mine is None or theirs is None:
        return False
    if mine.similarity(theirs) >= SAME_DRAFT:
        return True
    # The whole draft with words put around it (the automated label, a line of one's own)
    # is still the draft; a short draft's words are only what many people would write.
    return (len(normalise(draft, names).split()) >= MIN_WORDS
            and len(mine.shingles & theirs.shingles) >= CONTAINED * len(theirs.shingles))


def _informative(text: str, names: Sequence[str]) -> Signature | None:
    """The reply's signature when it is long enough to be compared with others' DMs."""
    if len(normalise(text, names).split()) < MIN_WORDS:
        return None
    return signature(text, names)


def needles(text: str, names: Sequence[str]) -> list[str] | None:
    """Words of the reply of which every text holding ``COVERAGE`` of its trigrams has one.

    The shared trigrams cover at least m + 2 of the reply's n + 2 word positions
    (m ≥ COVERAGE·n shared, n trigrams), so at most (1 - COVERAGE)·n positions are
    uncovered: words filling more positions than that cannot all be missing from a
    near-copy. Long plain words are taken first (they are rarer). None when the reply
    has too few such words (then every text is compared). Words a near-copy spells
    with accents the reply lacks are not seen by the filter; nobody pastes that way.
    """
    words = normalise(text, names).split()
    allowed = (1 - COVERAGE) * (len(words) - 2)
    picked: list[str] = []
    positions = 0
    for word in sorted({w for w in words if w.isascii() and w.isalpha() and len(w) >= 4
                        and w != "url"}, key=lambda w: (-len(w), w)):
        picked.append(word)
        positions += words.count(word)
        if positions > allowed:
            return picked
    return None


def others_with_copies(text: str, names: Sequence[str], contact_id: int,
                       sent: Iterable[OutboundText]) -> int:
    """How many people other than ``contact_id`` got a message holding most of the reply."""
    mine = _informative(text, names)
    if mine is None or not mine.shingles:
        return 0
    need = COVERAGE * len(mine.shingles)
    people: set[int] = set()
    for row in sent:
        if row.contact_id is None or row.contact_id == contact_id or row.contact_id in people:
            continue
        theirs = signature(row.text, [row.name] if row.name else [])
        if theirs is not None and len(mine.shingles & theirs.shingles) >= need:
            people.add(row.contact_id)
    return len(people)


def _draft_problem(text: str, names: Sequence[str], drafts: Iterable[Message]) -> str | None:
    for draft in drafts:
        if not same_as_draft(text, draft.text, names):
            continue
        if draft.state == "held":
            return (f"not sent: this is the automated draft held for this person "
                    f"(message {draft.id}), not a personal reply; {INSTEAD_HELD}")
        return (f"not sent: this is an automated message for this person that was "
                f"{draft.state} (message {draft.id}), not a personal reply; write to the "
                "person yourself")
    return None


def _label_problem(config: Config, text: str) -> str | None:
    """Why ``text`` cannot go out as a person's own words when it carries the automated
    disclosure, naming this account or any other. (Not the opt-out line: a person may well
    tell someone how to stop the automated messages.)"""
    found = disclosure_pattern(config.label.disclosure).search(" ".join(text.split()))
    if found is None:
        return None
    return (f"not sent: this reply carries the disclosure of automated messages "
            f"({found.group()!r}), so it is not a personal reply; {INSTEAD_HELD}")


@lru_cache(maxsize=8)
def disclosure_pattern(disclosure: str) -> re.Pattern[str]:
    """The configured disclosure line with any account name in its ``{account}``, spaces
    as any run of spaces, any case."""
    parts = [r"\s+".join(map(re.escape, part.split())) for part in disclosure.split("{account}")]
    return re.compile(r".{1,50}?".join(parts), re.IGNORECASE)


def check_personal(store: Store, config: Config, task: Task, text: str) -> None:
    """Refuse ``text`` as a personal reply for ``task`` when it is automated text.

    Raises :class:`~dmguard.tasks.TaskError` with code ``not_personal`` saying which
    text it copies and what to do instead; returns quietly otherwise.
    """
    contact = store.people.contact(task.contact_id)
    names = [n for n in (contact.name, contact.username) if n] if contact else []
    problem = _label_problem(config, text) \
        or _draft_problem(text, names, store.messages.automated_unsent(task.contact_id))
    if problem:
        raise TaskError(problem, "not_personal")
    days = config.audit.history_days
    since = store.clock.now() - timedelta(days=days)
    if _informative(text, names) is None:
        return  # too short to be a form letter (see MIN_WORDS)
    recent = store.messages.recent_outbound_texts(task.account_id, since,
                                                  needles(text, names) or ())
    copies = others_with_copies(text, names, task.contact_id, recent)
    if copies >= min_recipients(config):
        raise TaskError(f"not sent: nearly the same text already went to {copies} other "
                        f"people in the last {days} days, so it is a form letter, not a "
                        f"personal reply; {INSTEAD}", "not_personal")
