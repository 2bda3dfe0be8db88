"""The fitted judge: a logistic regression over the features of :mod:`.features`.

Loaded once from ``model.json`` beside this file (weights for a few thousand
feature strings, a bias, and metadata saying what it was fitted on). Judging a
message is a dictionary look-up per feature and one ``exp``: pure Python, no
numpy at run time.
"""

from __future__ import annotations

import heapq
import json
import math
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

from dmguard.audit.judge.features import FUNCTION_WORDS, features, shape, tokens
from dmguard.audit.text import KeptFromSecondTime, Prepared

MODEL_PATH = Path(__file__).with_name("model.json")
WORDS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")

SHAPES = {
    "s:welcome": "welcome/thanks-for-following",
    "s:self-intro": "introduces the sender",
    "s:call-to-action": "call to action",
    "s:greeting+cta": "greeting + call to action",
    "s:greeting+intro": "greeting + self-introduction",
    "s:intro+cta": "self-introduction + call to action",
    "s:greeting+intro+cta": "greeting + self-introduction + call to action",
    "s:generic-you-opening": "generic second-person opening",
    "s:template-hole": "template hole",
    "s:no-referent": "no question and nothing concrete",
    "s:no-referent+cta": "a pitch with nothing concrete",
    "s:link": "a link",
    "s:links": "several links",
    "s:money": "money or prizes",
    "s:exclaims": "several exclamation marks",
    "s:shouting": "mostly capitals",
    "s:emoji3": "many emoji",
    "s:corporate-we": "speaks as 'we'",
    "s:you-heavy-statement": "addresses 'you' without asking anything",
    "s:multiline": "laid out on several lines",
    "s:link-only": "little but a link",
    "s:grievance": "a complaint",
    "s:opens-with-handle": "opens by addressing a handle",
    "s:hashtag": "a hashtag",
    "s:grievances": "complaints",
    "s:greeting-nothing-more": "a greeting and nothing more",
    "s:no-person": "no I, we or you in it",
    "s:crowd": "speaks to a crowd",
    "s:self-promotion": "promotes the sender's own page",
    "s:self-promotion+ask": "asks to follow or visit the sender's own page",
    "s:reciprocal": "follow-for-follow",
    "s:verification-bait": "verification bait",
    "s:prize-bait": "prize bait",
    "s:about-someone-by-name": "an announcement about someone by name",
    "s:about-someone-not-to-you": "about someone rather than to them",
    "s:ends-naming-reader": "ends by naming the reader",
    "s:ends-naming-reader-no-question": "names the reader and asks nothing",
    "s:arrival": "announces an arrival",
    "s:group-place": "speaks of the group as a place",
    "s:group-arrival": "someone arriving in the group",
    "s:newcomer-instructions": "tells a newcomer what to do",
    "s:opens-with-name": "opens with a name",
    "s:reveals-name": "'it's just …' reveal of a name",
    "s:names-someone": "a name where templates put one",
    "s:mentions-handle": "mentions a handle",
    "s:names-someone-nothing-of-theirs": "a name and nothing of theirs",
    "s:names-someone-arriving": "names someone arriving",
    "s:names-someone-to-nobody": "names someone, with no I, we or you",
    "s:audience-ask": "asks for subscribers, views or votes",
    "s:creator": "the sender's own creations",
    "s:link-few-words": "a link and a few words",
    "s:link-to-a-profile": "a link to someone's own page",
    "s:short-link": "a shortened link",
    "s:pitch": "pitches a business to a stranger",
    "s:meeting-ask": "asks a stranger for a call or their interest",
    "s:pitch+meeting-ask": "a pitch and an ask for a call",
    "s:well-wish": "a stranger's well-wish",
    "s:easy-money": "easy money",
    "s:knows-reader": "tells what the reader said or did",
    "s:asks-to-use-theirs": "asks leave to use something of the reader's",
    "s:reports-what-was-done": "tells what the sender did",
}


_NOT_ASCII_WORD = {code: " " for code in range(128)
                   if not (chr(code).isascii() and chr(code).isalpha()) and chr(code) != "'"}
"""The ASCII characters no :data:`WORDS` match holds (all but letters and the apostrophe)."""


def words_of(lower: str) -> list[str]:
    """``WORDS.findall(lower)``, a few times faster for ASCII text (most messages), where a
    word is a run of letters A-Z and a-z joined by single apostrophes: the runs of letters
    and apostrophes, split where an apostrophe does not join two letters."""
    if not lower.isascii():
        return WORDS.findall(lower)
    letters = lower.translate(_NOT_ASCII_WORD)
    if "'" not in letters:  # most texts: every run of letters is a word
        return letters.split()
    found: list[str] = []
    for chunk in letters.split():
        if "'" not in chunk:
            found.append(chunk)
            continue
        run: list[str] = []
        for part in chunk.split("'"):
            if part:
                run.append(part)
            elif run:
                found.append("'".join(run))
                run = []
        if run:
            found.append("'".join(run))
    return found


def describe(feature: str, text: str = "", words: list[str] | None = None) -> str:
    """A feature as a reader would name it: a word in quotes, or a shape in words.

    A piece of a word is named by the first word of ``text`` (or of ``words``, its
    words already found) that holds it."""
    kind, _, body = feature.partition(":")
    if kind == "r":
        return f"rule {body}"
    if kind == "s":
        return SHAPES.get(feature, body.replace("-", " "))
    if kind == "c":
        piece = body.strip("^$")
        for word in words if words is not None else words_of(text.lower()):
            if piece in word:
                return repr(word)
        return f"'…{piece}…'"
    return repr(body.replace("<start> ", "").strip())


@dataclass(frozen=True)
class Judgement:
    """The probability, and when explained the features that pushed towards "automated",
    in two groups (each strongest first, equal weights in feature order): ``words`` (words,
    pieces of words, word pairs) and ``others`` (shapes, other rules' findings).

    Kept apart because :meth:`explain` names the strongest few of each group on its own:
    it stops reading a group once it has enough names, where one list sorted together
    had to be read to its end whenever a message pushed with fewer than ``count`` shapes.
    """

    probability: float
    words: list[tuple[str, float]] = field(default_factory=list)
    others: list[tuple[str, float]] = field(default_factory=list)
    text: str = ""
    _explanations: dict[int, str] = field(default_factory=dict, compare=False, repr=False)
    """:meth:`explain` by ``count``: a judgement :class:`Judge` remembers is explained again
    for every message of the same text."""

    @property
    def reasons(self) -> list[tuple[str, float]]:
        """All the features that pushed towards "automated", strongest first (equal
        weights in feature order)."""
        return list(heapq.merge(self.words, self.others, key=_strength))

    @property
    def explained(self) -> bool:
        """Whether the reasons were gathered (and anything pushed towards "automated")."""
        return bool(self.words or self.others)

    def explain(self, count: int = 4) -> str:
        """The strongest reasons by name: words (at least half, when there are any) and shapes.
        Other rules' findings are left out: they are findings of their own."""
        explained = self._explanations.get(count)
        if explained is None:
            explained = self._explanations[count] = self._explain(count)
        return explained

    def _explain(self, count: int) -> str:
        # Words and shapes are named apart (a word's name is quoted, a shape's never is, so
        # no name is in both): each group takes its strongest ``count`` distinct names.
        words: list[tuple[float, str]] = []
        shapes: list[tuple[float, str]] = []
        names: set[str] = set()
        text_words: list[str] | None = None
        cached = _NAMES.get
        for feature, weight in self.words:
            if feature[0] == "c":  # a piece of a word: named by a word of the text
                if text_words is None:
                    text_words = words_of(self.text.lower())
                name = describe(feature, self.text, text_words)
            else:
                name = cached(feature)
                if name is None:
                    name = _named(feature)
            if name not in names:
                names.add(name)
                words.append((weight, name))
                if len(words) >= count:
                    break
        names.clear()
        for feature, weight in self.others:
            if feature[0] != "s" or feature.startswith("s:len"):
                continue
            name = cached(feature)
            if name is None:
                name = _named(feature)
            if name not in names:
                names.add(name)
                shapes.append((weight, name))
                if len(shapes) >= count:
                    break
        taken = min(len(words), (count + 1) // 2)
        chosen = words[:taken] + shapes[: count - taken]
        chosen += words[taken: taken + count - len(chosen)]
        # strongest first; a reversed sort keeps equal weights in the order chosen
        return ", ".join(name for _, name in sorted(chosen, key=_NAMED_WEIGHT, reverse=True))


_NAMES: dict[str, str] = {}
JUDGED = 4096
"""How many texts' judgements a :class:`Judge` remembers, and how many texts it knows it has
seen (:class:`~dmguard.audit.text.KeptFromSecondTime`)."""


def _named(feature: str) -> str:
    """:func:`describe` of a feature that names itself (not a piece of a word), cached."""
    name = _NAMES.get(feature)
    if name is None:
        if len(_NAMES) > 100_000:
            _NAMES.clear()
        name = _NAMES[feature] = describe(feature)
    return name


class Judge:
    """Weights by feature string; ``probability`` is the logistic of their sum plus bias.

    :meth:`judge` is what every audit calls (fast: no feature strings unless it explains);
    :meth:`logit` adds up the feature strings, the slow reference fitting uses.
    """

    def __init__(self, weights: dict[str, float], bias: float, meta: dict[str, Any] | None = None
                 ) -> None:
        self.weights = weights
        self.bias = bias
        self.meta = dict(meta or {})
        self._word_weight: dict[str, float] = {}
        self._word_pushes: dict[str, tuple[tuple[str, float], ...]] = {}
        self._pairs: dict[tuple[str, str], float] = {}
        # A reason, ready made, for each pair and each other feature that pushes towards
        # "automated": an explained message looks them up instead of building strings.
        self._pair_pushes: dict[tuple[str, str], tuple[str, float]] = {}
        self._pushes: dict[str, tuple[str, float]] = {}
        # The judgements of recent texts that came more than once (with the rules'
        # findings), each with whether its reasons were gathered.
        self._judged: KeptFromSecondTime[tuple[str, frozenset[str]], tuple[Judgement, bool]] = \
            KeptFromSecondTime(JUDGED)
        # The ``w:`` and ``c:`` weights by the word or piece they name: a new word's are
        # looked up without building the strings of its features that have none.
        self._w_weights: dict[str, float] = {}
        self._c_weights: dict[str, float] = {}
        by_kind = {"w:": self._w_weights, "c:": self._c_weights}
        for feature, weight in weights.items():
            if weight > 0:
                self._pushes[feature] = (feature, weight)
            kind = feature[:2]
            named = by_kind.get(kind)
            if named is not None:
                named[feature[2:]] = weight
            elif kind == "b:":
                first, _, second = feature[2:].partition(" ")
                self._pairs[first, second] = weight
                if weight > 0:
                    self._pair_pushes[first, second] = ("b:" + first + " " + second, weight)

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Judge:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["weights"], float(data["bias"]), data.get("meta", {}))

    def _learn_words(self, new: Iterable[str]) -> None:
        """Cache each new word's summed weight and its features that push towards
        "automated"."""
        weight, pushes = self._word_weight, self._word_pushes
        if len(weight) > 200_000:
            weight.clear()
            pushes.clear()
        word_get, piece_get = self._w_weights.get, self._c_weights.get
        for token in new:
            # :func:`.features.word_features`, but for the features the model weighs only
            # (most pieces of a new word have no weight): the same features, in its order
            scored: list[tuple[str, float]] = []
            if token != "<url>" and token not in FUNCTION_WORDS:
                found = word_get(token)
                if found is not None:
                    scored.append(("w:" + token, found))
                if len(token) >= 4 and token[0] != "<":
                    padded = "^" + token + "$"
                    for start in range(len(padded) - 3):
                        piece = padded[start:start + 4]
                        found = piece_get(piece)
                        if found is not None:
                            scored.append(("c:" + piece, found))
            weight[token] = sum(w for _, w in scored)
            pushes[token] = tuple(i for i in scored if i[1] > 0)

    def judge(self, text: str | Prepared, found: Iterable[str] = (), *,
              explain_from: float = 0.0) -> Judgement:
        """The probability that the message is automated, and the features that pushed
        towards it, strongest first, when the probability reaches ``explain_from``.

        One pass: a cached weight per distinct word (its ``w:`` and ``c:`` features added
        up once), a look-up per distinct word pair, the shapes, the other rules'
        findings. Feature strings are only built for the reasons of a message explained.
        The judgements of recent texts that come again are remembered (:meth:`_judge` works
        one out).
        """
        raw = text.text if isinstance(text, Prepared) else text
        key = (raw, frozenset(found))
        remembered = self._judged.get(key)
        if remembered is not None:
            judgement, reasoned = remembered
            if judgement.probability < explain_from:
                return Judgement(judgement.probability, text=raw) if reasoned else judgement
            if reasoned:
                return judgement
        judgement = self._judge(text if isinstance(text, Prepared) else Prepared(text),
                                key[1], explain_from)
        if self._judged.came_before(raw):
            self._judged.keep(key, (judgement, judgement.probability >= explain_from))
        return judgement

    def _judge(self, prepared: Prepared, found: frozenset[str], explain_from: float
               ) -> Judgement:
        """:meth:`judge`, worked out."""
        toks = tokens(prepared.lower)
        tokset = set(toks)
        word_weight = self._word_weight
        # The sums run in C (map over dict look-ups): this is every audit's hottest loop.
        # fsum is exact, so the order a set gives does not move the last bits of p.
        try:
            words = math.fsum(map(word_weight.__getitem__, tokset))
        except KeyError:  # a word not seen before
            self._learn_words([token for token in tokset if token not in word_weight])
            words = math.fsum(map(word_weight.__getitem__, tokset))
        total = self.bias + words
        # Only the pairs that have a weight are kept (most have none); an exact sum is not
        # moved by the pairs whose weight is 0.
        pairs = self._pairs
        pairset = set(filter(pairs.__contains__, zip(["<start>", *toks], toks, strict=False)))
        total += math.fsum(map(pairs.__getitem__, pairset))
        get = self.weights.get
        others = shape(prepared.text, prepared.lower, toks, tokset)
        if found:
            others += ["r:" + name for name in found]
        total += sum(map(get, others, repeat(0.0)))
        probability = _logistic(total)
        if probability < explain_from:
            return Judgement(probability, text=prepared.text)
        words = list(chain.from_iterable(map(self._word_pushes.__getitem__, tokset)))
        words += filter(None, map(self._pair_pushes.get, pairset))
        pushes = list(filter(None, map(self._pushes.get, others)))
        # The order of :func:`_strength`, in two stable sorts keyed in C: by feature, then
        # by weight, strongest first (a reversed sort keeps equal weights in feature order).
        for group in (words, pushes):
            group.sort(key=_FEATURE)
            group.sort(key=_WEIGHT, reverse=True)
        return Judgement(probability, words, pushes, prepared.text)

    def probability(self, text: str | Prepared, found: Iterable[str] = ()) -> float:
        return self.judge(text, found, explain_from=2.0).probability

    def logit(self, text: str | Prepared, found: Iterable[str] = ()) -> float:
        """The sum of the weights of the message's features (see :func:`.features`), plus the
        bias, added up from the feature strings: the slow reference :meth:`judge` agrees with."""
        get = self.weights.get
        return self.bias + sum(get(f, 0.0) for f in features(text, found))


def _strength(reason: tuple[str, float]) -> tuple[float, str]:
    """Strongest first; equal weights in the feature's order, so the reasons (and the
    words a finding names) do not depend on the order a set happened to give them in."""
    return -reason[1], reason[0]


_FEATURE = itemgetter(0)
_WEIGHT = itemgetter(1)
_NAMED_WEIGHT = itemgetter(0)
"""The weight of a (weight, name) pair of :meth:`Judgement.explain`."""


def _logistic(total: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, total))))


_active: Judge | None = None
_override: Judge | None = None


def active() -> Judge:
    """The judge in use: the shipped model, loaded on first use, unless overridden."""
    global _active
    if _override is not None:
        return _override
    if _active is None:
        _active = Judge.load()
    return _active


@contextmanager
def overridden(judge: Judge) -> Iterator[Judge]:
    """Use another judge for a while (the leave-one-unit-out bench, tests)."""
    global _override
    previous, _override = _override, judge
    try:
        yield judge
    finally:
        _override = previous
