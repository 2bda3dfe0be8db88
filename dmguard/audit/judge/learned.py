"""What one account's own people taught the judge: a layer over the fitted model.

Like SpamAssassin's ``sa-learn``, the people who work an account's queue teach by
their decisions: a held draft released unchanged is *acceptable*, one rewritten or
dismissed is *generic* (as it was; the rewrite released is *acceptable*), a personal
reply is *personal* (recorded by
:mod:`dmguard.learning`). Unlike sa-learn, which counts single words and leaves its
Bayes test off until it has 200 messages of each kind (``bayes_min_spam_num`` /
``bayes_min_ham_num``), this layer must act on a handful of decisions, and a handful
of word counts says nothing about a word: one account's replies all use "you" and
"thanks", so word odds learned from them would wave every draft through. So it
learns *texts*, the way a person remembers a decision:

* **This very draft.** The latest acceptable/generic decision about the same text
  (case, spacing, punctuation, links and numbers aside) decides the judge's verdict
  on it.
  A personal reply never whitelists an automated text this way: it was written to
  someone, not a judgement that a draft is fine to automate.
* **Drafts like it.** Each lesson whose text is at least :data:`NEAR` similar to
  the draft (word-trigram Jaccard, the measure of :mod:`dmguard.audit.similarity`,
  so a template with another name or one changed word is near) votes:
  generic +1, acceptable -1, personal -0.5, times :data:`STEP` logits times the
  similarity. The sum, bounded to +/- :data:`BOUND`, is added to the model's logit.

Only the judge (rule looks-automated) reads this layer; no other rule, so a learned
draft is still labelled, and still stopped by the consent, disclosure and template
rules.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain

from dmguard.audit.similarity import normalise, signature

NEAR = 0.5
"""Similarity from which a lesson counts for a draft."""
STEP = 2.5
"""Logits one lesson moves an identical-but-for-a-name draft by."""
BOUND = 5.0
"""The most all lessons together move the model's logit, either way."""
VOTES = {"generic": 1.0, "acceptable": -1.0, "personal": -0.5}
DECIDES = ("acceptable", "generic")
"""Labels whose lesson on the very same text decides the verdict."""


@dataclass(frozen=True)
class Weighed:
    """The judge's probability after the lessons, and what moved it."""

    probability: float
    shift: float = 0.0
    """Logits the similar lessons added (positive: towards held)."""
    exact: str | None = None
    """The label of the latest lesson about this very text, when it decides."""
    near: int = 0
    """How many lessons were similar enough to count."""

    def note(self) -> str:
        """What learning did, for the finding ('' when it did nothing)."""
        if self.exact == "generic":
            return "a person here rewrote or dismissed this very draft before"
        if self.shift:
            return (f"learned {self.shift:+.1f} from {self.near} decision"
                    f"{'s' if self.near != 1 else ''} on drafts like it, p={self.probability:.2f}")
        return ""


class LearnedLayer:
    """An account's lessons, indexed: word-trigram shingle → the lessons holding it."""

    def __init__(self, lessons: Iterable[tuple[str, str]]) -> None:
        """``lessons``: (text, label) pairs, newest first."""
        self.exact: dict[str, str] = {}
        #: Per distinct text signature: its lessons' votes added up, how many, its size.
        self.votes: list[float] = []
        self.lessons: list[int] = []
        self.sizes: list[int] = []
        self.postings: dict[int, list[int]] = {}
        self.count = 0
        distinct: dict[frozenset[int], int] = {}
        for text, label in lessons:
            self.count += 1
            key = normalise(text)
            if key and label in DECIDES:
                self.exact.setdefault(key, label)
            sig = signature(text)
            if sig is None or not sig.shingles:
                continue
            index = distinct.get(sig.shingles)
            if index is not None:  # the same shingles again: one entry, votes added up
                self.votes[index] += VOTES[label]
                self.lessons[index] += 1
                continue
            index = distinct[sig.shingles] = len(self.votes)
            self.votes.append(VOTES[label])
            self.lessons.append(1)
            self.sizes.append(len(sig.shingles))
            for shingle in sig.shingles:
                self.postings.setdefault(shingle, []).append(index)

    def weigh(self, text: str, probability: float) -> Weighed:
        """The model's ``probability`` for ``text``, moved by what was learned."""
        exact = self.exact.get(normalise(text)) if self.exact else None
        if exact is not None:
            return Weighed(1.0 if exact == "generic" else 0.0, exact=exact)
        sig = signature(text)
        if sig is None or not self.votes:
            return Weighed(probability)
        postings = self.postings
        shared = Counter(chain.from_iterable(
            postings[shingle] for shingle in sig.shingles if shingle in postings))
        size = len(sig.shingles)
        shift, near = 0.0, 0
        for index, common in shared.items():
            similarity = common / (size + self.sizes[index] - common)
            if similarity >= NEAR:
                near += self.lessons[index]
                shift += self.votes[index] * STEP * similarity
        if not near:
            return Weighed(probability)
        shift = max(-BOUND, min(BOUND, shift))
        return Weighed(_logistic(_logit(probability) + shift), shift, near=near)


def _logit(probability: float) -> float:
    p = min(max(probability, 1e-12), 1 - 1e-12)
    return math.log(p / (1 - p))


def _logistic(total: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, total))))
