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
  Trigrams break at every word put in between ("Thanks *so much* for following! We have
  new bike gear *in* every *single* week"), so the words are also compared in order
  (:func:`words_alike`, their longest common subsequence, the opening salutation left
  out): the draft with words put in or taken out shares :data:`SAME_WORDS` (0.65) of the
  words of both, or holds :data:`CONTAINED_WORDS` (85%) of a draft of at least
  :data:`MIN_WORDS` words. A reply that reuses a few of the draft's words ("your question
  about the gear") shares far less.
- **an automated message written for someone else** that has not gone out: a campaign
  draft (sequence or submitted) for another person of the account, held, blocked, queued,
  cancelled or failed, written in the last ``audit.history_days`` (or still held), the same
  or nearly by the measures above (:func:`others_drafts`; each text read with its own
  person's names). One such draft is enough: it is automated text whoever it was meant
  for, and a held campaign pasted into the reply to someone else (who may have opted out
  of it) would reach them unlabelled. What went out is left to the form-letter count
  below. Replies of fewer than :data:`~dmguard.audit.similarity.MIN_WORDS` (6) words are
  not compared with others' drafts ("Thanks for the follow!").
- **labelled as automated**: it carries the automated disclosure line (naming this account
  or any other).
- **nearly what went to other people**: at least ``min_recipients`` other people
  (the ``near-duplicate`` rule's option, default 3) got, in the last
  ``audit.history_days``, a message holding
  :data:`~dmguard.audit.similarity.COVERAGE` (70%) of the reply's word trigrams.
  That is the measure and the count at which the near-duplicate rule holds an
  automated message, so the queue refuses what the audit would hold as a form letter;
  and, as for the held draft, a message whose words the reply has in order with words
  put in or taken out (:data:`SAME_WORDS` of both; :meth:`Reply.is_copy`). The team's
  canned replies (:mod:`dmguard.canned`: personal replies that are a configured
  ``[[web.canned]]`` text as it is, filled in for anyone) are not counted: a short
  acknowledgement the owner configured is not a form letter however often it is sent.
  Everything automated still is, so a campaign does not ride through as a canned reply.

A refused reply is not queued and teaches the judge nothing (the lesson is recorded with
the queueing, after every check).

Short replies are not compared with what others got: "Thanks!" or "You're welcome,
glad I could help!" said to many people is courtesy, not a form letter, and it
carries nothing a campaign could smuggle. The cut is :data:`MIN_WORDS` (10
normalised words); 74 of the 86 auto-DM welcome texts in the evaluation corpus
(``../shared/eval/automated.jsonl``) are at least that long, so most real form
letters are still compared, and the shorter ones are caught when they are the
held draft (compared at any length).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property, lru_cache

from dmguard import canned
from dmguard.audit.rules import single
from dmguard.audit.similarity import (
    COVERAGE,
    Signature,
    in_order,
    normalise,
    signature,
    signature_of_words,
)
from dmguard.audit.similarity import MIN_WORDS as SHORTEST
from dmguard.config import Config
from dmguard.store import DraftText, Message, Origin, OutboundText, Store, Task
from dmguard.tasks import TaskError

#: Similarity (Jaccard of word trigrams) from which a reply is the automated draft.
SAME_DRAFT = 0.6
#: Words in order from which a reply is the draft with words put in or taken out: twice
#: the words the two share in order over the words of both (Dice of their longest common
#: subsequence), the opening salutation left out (see :func:`body`). Chosen by measuring
#: (``bench/reply_check.py``, on ../shared/eval): a draft typed back with a filler word put
#: in after every 1-4 words is refused 94.0 % of the time (97.4 % at 0.6), while none of
#: the personal texts carrying a run of 20-50 % of a draft is (0.74 % at 0.6).
SAME_WORDS = 0.65
#: Share of a draft's words (of at least :data:`MIN_WORDS`, the salutation left out) a
#: reply holds in order from which it holds the draft, whatever is put in between.
CONTAINED_WORDS = 0.85
#: Replies shorter than this (in normalised words) are not compared with what others got.
MIN_WORDS = 10
#: Share of a draft's word trigrams a reply holds from which it holds the draft whole
#: (a draft of at least :data:`MIN_WORDS` words).
CONTAINED = 0.9
#: What the page and the CLI say to do instead.
INSTEAD_HELD = ("release it labelled as automated (edit it first if the audit still holds it as "
                "it is), or write to the person yourself")
INSTEAD_AUTOMATED = ("submit it for this person as an automated message (`dmguard submit`), "
                     "which is audited, labelled and never sent after an opt-out, or write "
                     "to the person yourself")
INSTEAD = (f"{INSTEAD_AUTOMATED} (an acknowledgement the team sends often can be a canned "
           "reply, [[web.canned]], sent as it is)")


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


SALUTATION = re.compile(
    r"^\W*(?:hi|hey|hello|dear|hiya|heya|howdy|greetings|yo|hola|bonjour|salut|hallo|ciao"
    r"|ol[aá]|good\s+(?:morning|afternoon|evening))\b[^.!?,:;\n]{0,30}[.!?,:;\n]+",
    re.IGNORECASE)
"""An opening "Hi Bram!", "Dear valued customer," : what anyone changes first to make a
text look written to someone, so it says nothing about whether the rest is a copy."""


def body(text: str, names: Sequence[str], words: list[str] | None = None) -> list[str]:
    """The normalised words of ``text`` without its opening salutation (``words``: all of
    them, when they are known already)."""
    if words is None:
        words = normalise(text, names).split()
    opening = SALUTATION.match(text)
    return words[len(normalise(opening.group(), names).split()):] if opening else words


def words_alike(mine: Sequence[str], theirs: Sequence[str], *, contained: bool = True) -> bool:
    """Whether the words ``mine`` are ``theirs`` with words put in or taken out: they share,
    in order, :data:`SAME_WORDS` of both (Dice), or (``contained``) :data:`CONTAINED_WORDS`
    of ``theirs`` when it has :data:`MIN_WORDS` or more. Texts of fewer than
    :data:`~dmguard.audit.similarity.MIN_WORDS` words are not compared."""
    if len(theirs) < SHORTEST or len(mine) < SHORTEST:
        return False
    shared = in_order(theirs, mine)
    return (2 * shared >= SAME_WORDS * (len(mine) + len(theirs))
            or (contained and len(theirs) >= MIN_WORDS
                and shared >= CONTAINED_WORDS * len(theirs)))


@dataclass(frozen=True)
class Compared:
    """A text as :func:`same_as_draft` compares it, worked out once (a reply is compared
    with many drafts): lookalike letters read as Latin, then its spacing and case folded,
    its normalised words and its :func:`body`."""

    folded: str
    words: list[str]
    body: list[str]

    @cached_property
    def signature(self) -> Signature | None:
        return signature_of_words(self.words)

    @cached_property
    def word_set(self) -> frozenset[str]:
        """Its words, and the token every name becomes (``nm``), for :meth:`could_be`."""
        return frozenset(self.words) | {"nm"}

    def could_be(self, draft: Compared) -> bool:
        """False when ``draft`` cannot be the same text (:func:`same`) on a count of its words
        that this text holds; True otherwise (then :func:`same` decides). Each way of being
        the same needs a share of the draft's words: all of them (the same text); by words
        in order, L shared of the draft body's b with 2L ≥ s·(L + b), so L ≥ s·b/(2 - s)
        (s = :data:`SAME_WORDS`; a draft held whole needs more); by trigrams, m shared of the
        draft's t distinct ones with m ≥ :data:`SAME_DRAFT`·t, each shared one three words
        in a row held here, and t ≥ (distinct words) - 2."""
        held = [word in self.word_set for word in draft.words]
        count = sum(held)
        if count == len(draft.words):
            return True
        if (len(draft.body) >= SHORTEST and len(self.body) >= SHORTEST
                and count * (2 - SAME_WORDS) + 1e-9 >= SAME_WORDS * len(draft.body)):
            return True
        runs = sum(1 for first, second, third in zip(held, held[1:], held[2:], strict=False)
                   if first and second and third)
        return runs >= 1 and runs + 1e-9 >= SAME_DRAFT * (len(set(draft.words)) - 2)


def compared(text: str, names: Sequence[str]) -> Compared:
    """``text`` as :func:`same_as_draft` compares it (``names``: its recipient's)."""
    if not text.isascii():
        text = text.translate(LOOKALIKES)
    words = normalise(text, names).split()
    return Compared(" ".join(text.split()).casefold(), words, body(text, names, words))


def same(mine: Compared, draft: Compared) -> bool:
    """Whether ``mine`` is ``draft``, or nearly (see the module doc)."""
    if mine.folded == draft.folded:
        return True
    if mine.words and mine.words == draft.words:  # emoji alone normalise to nothing
        return True
    if words_alike(mine.body, draft.body):
        return True
    if mine.signature is None or draft.signature is None:
        return False
    if mine.signature.similarity(draft.signature) >= SAME_DRAFT:
        return True
    # The whole draft with words put around it (the automated label, a line of one's own)
    # is still the draft; a short draft's words are only what many people would write.
    return (len(draft.words) >= MIN_WORDS and len(mine.signature.shingles
                                                  & draft.signature.shingles)
            >= CONTAINED * len(draft.signature.shingles))


def same_as_draft(text: str, draft: str, names: Sequence[str]) -> bool:
    """Whether ``text`` is ``draft``, or nearly, after normalising (see the module doc)."""
    return same(compared(text, names), compared(draft, names))


def others_drafts(text: str, names: Sequence[str], drafts: Iterable[DraftText]
                  ) -> list[DraftText]:
    """The automated drafts written for other people that ``text`` (a reply to someone of
    ``names``) is, or nearly (:func:`same`), at most one a person; none when the reply has
    fewer than :data:`~dmguard.audit.similarity.MIN_WORDS` words. Each draft is read with
    its recipient's names (and the reply's person's: a draft naming them is not told apart
    by it); most are ruled out on a count of their words (:meth:`Compared.could_be`), and a
    campaign's many drafts that normalise alike are compared once."""
    mine = compared(text, names)
    if len(mine.words) < SHORTEST:
        return []
    found: list[DraftText] = []
    people: set[int] = set()
    decided: dict[tuple[tuple[str, ...], int], bool] = {}
    for draft in drafts:
        if draft.contact_id in people:
            continue
        theirs = compared(draft.text, [*(n for n in (draft.name, draft.username) if n), *names])
        key = (tuple(theirs.words), len(theirs.body))  # what same() reads but the folding
        if mine.folded != theirs.folded and key not in decided:
            decided[key] = mine.could_be(theirs) and same(mine, theirs)
        if mine.folded == theirs.folded or decided[key]:
            people.add(draft.contact_id)
            found.append(draft)
    return found


def _informative(text: str, names: Sequence[str]) -> Signature | None:
    """The reply's signature when it is long enough to be compared with others' DMs."""
    if len(normalise(text, names).split()) < MIN_WORDS:
        return None
    return signature(text, names)


@dataclass(frozen=True)
class Reply:
    """A reply as it is compared with the DMs others got (:func:`reply_for`)."""

    signature: Signature
    words: list[str]
    """Its :func:`body`."""
    need: int
    """Words of the body, counted by position, that every copy (:meth:`is_copy`) shares
    with it: by trigrams, the m ≥ COVERAGE·t shared of its t distinct trigrams cover at
    least m + 2 of its word positions, all but the salutation's in the body; by words in
    order (Dice s = :data:`SAME_WORDS`), 2L ≥ s·(L + b) for L of the body's b words
    shared, so L ≥ s·b/(2 - s)."""
    looked_for: tuple[tuple[str, int], ...]
    """The body's plain ASCII words and how many positions each fills: a text that does
    not hold a word (as a substring, case aside) cannot share its positions."""
    unchecked: int
    """Positions of words not looked for (numbers, names, links, words with accents)."""

    def could_copy(self, text: str) -> bool:
        """False when ``text`` cannot be a copy, on a look at its raw text; True otherwise
        (then :meth:`is_copy` decides). Most DMs are ruled out here, unnormalised."""
        lower = text.lower()
        if not lower.isascii():  # the normalised words may differ from the text's
            return True
        room = self.unchecked + sum(count for word, count in self.looked_for if word in lower)
        return room >= self.need

    def is_copy(self, text: str, names: Sequence[str]) -> bool:
        """Whether another DM ``text`` holds most of the reply:
        :data:`~dmguard.audit.similarity.COVERAGE` of its word trigrams, or the same words
        in order with words put in or taken out (:func:`words_alike`, not mere containment:
        a long DM holding a short reply is not its copy)."""
        words = normalise(text, names).split()
        theirs = signature_of_words(words)
        if theirs is not None and len(self.signature.shingles & theirs.shingles) >= (
                COVERAGE * len(self.signature.shingles)):
            return True
        return words_alike(self.words, body(text, names, words), contained=False)


def reply_for(text: str, names: Sequence[str]) -> Reply | None:
    """The reply as compared with others' DMs; None when it is too short to be compared."""
    mine = _informative(text, names)
    if mine is None or not mine.shingles:
        return None
    words = body(text, names)
    every = len(normalise(text, names).split())
    by_trigrams = math.ceil(COVERAGE * len(mine.shingles)) + 2 - (every - len(words))
    by_order = math.ceil(SAME_WORDS * len(words) / (2 - SAME_WORDS))
    counts = Counter(words)
    looked_for = tuple((word, count) for word, count in counts.items()
                       if word.isascii() and word.isalpha() and word not in ("nm", "url"))
    unchecked = len(words) - sum(count for _, count in looked_for)
    return Reply(mine, words, max(0, min(by_trigrams, by_order)), looked_for, unchecked)


def needles(text: str, names: Sequence[str]) -> list[str] | None:
    """Words of the reply of which every text that is a copy of it (:meth:`Reply.is_copy`)
    has one, for the store to read only those texts.

    A copy shares :attr:`Reply.need` of the body's word positions, so words filling more
    than the rest cannot all be missing from it. Long plain words are taken first (they
    are rarer). None when the reply has too few such words (then every text is read, and
    :meth:`Reply.could_copy` rules most out). Words a copy spells with accents the reply
    lacks are not seen by the filter; nobody pastes that way.
    """
    reply = reply_for(text, names)
    if reply is None:
        return None
    allowed = len(reply.words) - reply.need
    picked: list[str] = []
    positions = 0
    for word, count in sorted(((w, c) for w, c in reply.looked_for if len(w) >= 4),
                              key=lambda item: (-len(item[0]), item[0])):
        picked.append(word)
        positions += count
        if positions > allowed:
            return picked
    return None


def others_with_copies(text: str, names: Sequence[str], contact_id: int,
                       sent: Iterable[OutboundText],
                       aside: Callable[[OutboundText], bool] | None = None) -> int:
    """How many people other than ``contact_id`` got a message holding most of the reply
    (``aside``: messages not counted however alike, such as the team's canned replies)."""
    reply = reply_for(text, names)
    if reply is None:
        return 0
    people: set[int] = set()
    for row in sent:
        if row.contact_id is None or row.contact_id == contact_id or row.contact_id in people:
            continue
        if (reply.could_copy(row.text)
                and reply.is_copy(row.text, [row.name] if row.name else [])
                and (aside is None or not aside(row))):
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


def _others_problem(drafts: Sequence[DraftText]) -> str | None:
    if not drafts:
        return None
    first = drafts[0]
    whom = (f"@{first.username}" if first.username else first.name
            or f"person {first.contact_id}")
    people = ("someone else" if len(drafts) == 1 else f"{len(drafts)} other people")
    more = "" if len(drafts) == 1 else ", and others like it"
    return (f"not sent: this is an automated message written for {people} (message "
            f"{first.id} for {whom}, {first.state}{more}), not a personal reply; "
            f"{INSTEAD_AUTOMATED}")


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
    """The configured disclosure line with any account name in its ``{account}`` (with or
    without its ``@``: "this account" when none was known), spaces as any run of spaces,
    any case."""
    parts = [r"\s+".join(map(re.escape, part.split()))
             for part in disclosure.replace("@{account}", "{account}").split("{account}")]
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
    problem = _others_problem(others_drafts(text, names, store.messages.automated_unsent_for_others(
        task.account_id, task.contact_id, since)))
    if problem:
        raise TaskError(problem, "not_personal")
    if _informative(text, names) is None:
        return  # too short to be a form letter (see MIN_WORDS)
    recent = store.messages.recent_outbound_texts(task.account_id, since,
                                                  needles(text, names) or ())
    copies = others_with_copies(
        text, names, task.contact_id, recent,
        lambda row: row.origin == Origin.HUMAN and canned.is_canned_text(config, row.text))
    if copies >= min_recipients(config):
        raise TaskError(f"not sent: nearly the same text already went to {copies} other "
                        f"people in the last {days} days, so it is a form letter, not a "
                        f"personal reply; {INSTEAD}", "not_personal")
