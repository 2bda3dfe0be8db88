"""Text helpers for rules: one prepared view of a message, built once, read by all rules.

No NLTK corpora are needed: words are found with regular expressions.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar

LINK_TLDS = ("com", "co", "io", "net", "org", "ml", "tv", "me", "ly", "app", "shop", "store",
             "info", "biz", "xyz", "click", "fun", "club", "online", "site", "top", "live", "link",
             "pro", "gg", "icu", "vip", "win", "space", "website", "tk", "ru", "cc", "uk", "de")
"""Top-level domains after which a bare ``name.tld`` is read as a link (cheap ones included:
spam favours them)."""
LINK = re.compile(
    r"(?i)\b(?:https?://\S+|www\.[^\s,]+|(?:bit\.ly|t\.co|goo\.gl|t\.me|tinyurl\.com)/\S+"
    r"|[a-z0-9-]+\.(?:" + "|".join(LINK_TLDS) + r")(?:/\S*)?\b)"
)
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)
K = TypeVar("K")
V = TypeVar("V")
EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\U0001f900-\U0001f9ff]", re.UNICODE
)
NOT_NAMES = frozenset({"there", "all", "everyone", "friend", "friends", "you", "guys", "folks",
                       "team", "again", "thanks", "thank", "welcome", "and", "i", "sir", "madam",
                       # what people call each other that the lexicon below does not hold
                       "fam", "bestie", "hun", "hunny", "babe", "babes", "bae", "bby", "bb",
                       "sweetie", "sweety", "cutie", "peeps", "luv", "y'all"})
GREETING = re.compile(
    r"^\W*(?P<word>hi|hey|hello|dear|hiya|yo|heya|hola|bonjour|salut|hallo|ciao|oi|ol[aá]|"
    r"good\s+(?:morning|afternoon|evening))[\s,]+"
    r"(?:(?P<title>mrs|mr|ms|mx|dr|prof|miss)\.?\s+(?=[A-Z]))?"
    r"@?(?P<name>[^\W\d_][\w'’-]*(?:\s+[A-Z][\w'’-]*)?)",
    re.IGNORECASE | re.UNICODE,
)
ENGLISH_GREETINGS = frozenset({"hi", "hey", "hello", "dear", "hiya", "yo", "heya"})
"""Greetings after which a word in lower case may be a name ("hi sarah"): after the others
("hola amigo", "hallo zusammen") it is far more often a word of that language."""


def _lexicon() -> Path:
    """TextBlob's copy of Brill's tagger lexicon (Brown corpus and Penn Treebank), one word
    and its tags a line, case as written: a lower-case entry is an everyday word. Found
    without importing TextBlob, which would load NLTK (some 30 MB) into every audit."""
    spec = importlib.util.find_spec("textblob")
    assert spec is not None and spec.origin is not None, "textblob is a dependency"
    return Path(spec.origin).parent / "en" / "en-lexicon.txt"


@lru_cache(maxsize=1)
def _everyday_words() -> frozenset[str]:
    """Words the lexicon holds in lower case ("will", "grace", "hope"; not "alex")."""
    words = set()
    with _lexicon().open(encoding="utf-8") as handle:
        for line in handle:
            if line[:1].islower():
                words.add(line.split(" ", 1)[0])
    return frozenset(words)


def everyday_word(word: str) -> bool:
    """Is ``word``, in lower case, an everyday English word (so "will" is not read as Will)?"""
    return word.lower() in _everyday_words()


class Greeted(NamedTuple):
    """Who a greeting addresses ("Hi Amy Lee," → amy, lee)."""

    words: list[str]
    """The name's words, folded."""
    span: tuple[int, int]
    titled: bool
    """After a courtesy title ("Dear Dr. Lee"): the family name is the right one there."""
    certain: bool
    """Written as a name (a capital, or an @handle); "hi sarah" may be a word."""


BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5")
"""Characters that are letters, symbols or marks to Unicode but show nothing (the Hangul
fillers, the blank Braille pattern, the combining grapheme joiner, the Khmer inherent
vowels): the usual ways to send a message that looks empty."""


def blank(text: str) -> bool:
    """Whether ``text`` shows a reader nothing: only whitespace, format characters (zero-width
    spaces and joiners, the byte-order mark, soft hyphens: category Cf), variation selectors
    and :data:`BLANK_LOOKING` characters. ``str.strip`` keeps a zero-width space, so a message
    of nothing but those would pass as text."""
    if not text.strip():
        return True
    if text.isascii():
        return False
    return all(char.isspace() or char in BLANK_LOOKING or _invisible(char) for char in text)


def _invisible(char: str) -> bool:
    code = ord(char)
    return unicodedata.category(char) == "Cf" or 0xFE00 <= code <= 0xFE0F \
        or 0xE0100 <= code <= 0xE01EF or 0x180B <= code <= 0x180F


class AnchorIndex:
    """One Aho-Corasick automaton over the anchors of every phrase list.

    A single pass over a message's lower-case text says which phrase lists can
    match it at all; the others are not scanned.
    """

    def __init__(self) -> None:
        self._anchors: list[frozenset[str]] = []
        self._automaton: Any = None
        self._owners: list[frozenset[int]] = []

    @property
    def size(self) -> int:
        """How many slots there are: anchor hits found before the last were added miss it."""
        return len(self._anchors)

    def add(self, anchors: frozenset[str]) -> int:
        self._anchors.append(anchors)
        self._automaton = None
        return len(self._anchors) - 1

    def _build(self) -> Any:
        import ahocorasick

        slots: dict[str, set[int]] = {}
        for slot, anchors in enumerate(self._anchors):
            for anchor in anchors:
                slots.setdefault(anchor, set()).add(slot)
        automaton = ahocorasick.Automaton()
        self._owners = []
        for anchor, owners in slots.items():
            automaton.add_word(anchor, len(self._owners))
            self._owners.append(frozenset(owners))
        automaton.make_automaton()
        return automaton

    def hits(self, lower: str) -> set[int]:
        if self._automaton is None:
            self._automaton = self._build()
        owners = self._owners
        found: set[int] = set()
        for anchor in {anchor for _, anchor in self._automaton.iter(lower)}:
            found |= owners[anchor]
        return found


ANCHORS = AnchorIndex()


class Phrases:
    """A compiled phrase list that skips the regex when the text cannot match.

    Every branch of a phrase regex needs some literal text to match ("thank",
    "welcome", "free"…). Those literals are found from the parsed regex when it
    is compiled and put in :data:`ANCHORS`, one slot per branch; a message that
    contains none of them is not scanned at all. Most messages contain none, which
    is what keeps dozens of phrase lists cheap per message.

    A message that holds the literals of only some branches is scanned with those
    branches alone, each a small regex of its own, and their matches are merged as
    the alternation would have chosen them: the leftmost match wins, the earlier
    branch on a tie, and the scan goes on after it. A branch whose literal is absent
    cannot match anywhere, so leaving it out changes no match. That is exact only
    where lower-casing the text is exactly what the regex's case-insensitive
    matching does, so it is done for text without the few characters where the two
    differ (ſ, dotless ı, İ, µ, some Greek and Cyrillic letters: see
    :attr:`Prepared.case_exact`); such text is scanned with the whole regex, as soon as
    any branch is possible.
    """

    def __init__(self, regex: re.Pattern[str] | str, anchors: frozenset[str] | None,
                 branches: tuple[tuple[str, frozenset[str], tuple[str, ...] | None], ...] = (),
                 flags: int = 0) -> None:
        """``regex`` compiled, or its source, compiled with ``flags`` when first needed: a
        list scanned branch by branch needs its whole regex only for text with a case trap
        (:data:`CASE_TRAPS`), or holding every branch's literals, so most runs of
        ``dmguard audit`` compile few of them (or none, in its start-up)."""
        if isinstance(regex, str):
            self.pattern, self.flags = regex, flags
            self._regex: re.Pattern[str] | None = None
        else:
            self.pattern, self.flags, self._regex = regex.pattern, regex.flags, regex
        self.anchors = anchors
        self.slot = None if anchors is None else ANCHORS.add(anchors)
        self.slots: frozenset[int] | None = None if anchors is None else frozenset({self.slot})
        #: the slot of the first branch (the branches' slots follow it), for the phrase
        #: lists scanned branch by branch
        self._branch_slots: tuple[int, ...] = ()
        self._first_branch_slot = -1
        self._branches = tuple(body for body, _, _ in branches)
        #: per branch, the literals one of which each of its matches starts with (None:
        #: not known), lower-case: where to try it (see :meth:`_next`)
        self._leading = tuple(leading for _, _, leading in branches)
        self._single: list[re.Pattern[str] | None] = [None] * len(branches)
        if anchors is not None and len(branches) > 1:
            self._branch_slots = tuple(ANCHORS.add(needed) for _, needed, _ in branches)
            self._first_branch_slot = self._branch_slots[0]
            if self._branch_slots != tuple(range(self._branch_slots[0],
                                                 self._branch_slots[0] + len(branches))):
                raise RuntimeError("the anchor slots of a phrase list's branches must follow "
                                   "each other")
            self.slots = frozenset({self.slot, *self._branch_slots})

    @property
    def regex(self) -> re.Pattern[str]:
        compiled = self._regex
        if compiled is None:
            compiled = self._regex = re.compile(self.pattern, self.flags)
        return compiled

    def possible(self, text: str | Prepared) -> bool:
        if self.slot is None:
            return True
        if isinstance(text, Prepared):
            return self.slot in text.anchor_hits
        lower = text.lower()
        return any(anchor in lower for anchor in self.anchors or ())

    def matches(self, text: Prepared) -> Iterator[re.Match[str]]:
        """What ``regex.finditer(text.text)`` finds, without scanning for impossible branches
        (call it when :meth:`possible`); remembered by the text (:meth:`Prepared.found`)."""
        return iter(text.found(self))

    def scan(self, text: Prepared) -> Iterator[re.Match[str]]:
        """:meth:`matches`, worked out."""
        if not self._branch_slots or not text.case_exact:
            return self.regex.finditer(text.text)
        first = self._first_branch_slot
        last = first + len(self._branches)
        hits = text.ordered_hits  # the branches' slots follow each other: a slice of them
        wanted = [slot - first for slot in hits[bisect_left(hits, first):bisect_left(hits, last)]]
        if len(wanted) == len(self._branches):
            return self.regex.finditer(text.text)
        return self._merged(text.text, text.lower, wanted)

    def _branch(self, index: int) -> re.Pattern[str]:
        compiled = self._single[index]
        if compiled is None:
            compiled = self._single[index] = re.compile(
                _alternation([self._branches[index]]), self.flags)
        return compiled

    def _merged(self, raw: str, lower: str, wanted: list[int]) -> Iterator[re.Match[str]]:
        """The matches of the ``wanted`` branches, as their alternation finds them. No
        branch matches empty text (each holds a literal), so every step moves on."""
        pending: dict[int, re.Match[str]] = {}
        for index in wanted:
            found = self._next(index, raw, lower, 0)
            if found is not None:
                pending[index] = found
        while pending:
            index, match = min(pending.items(), key=_leftmost)
            yield match
            end = match.end()
            for other, later in list(pending.items()):
                if later.start() < end:  # overlapped by the match (or is it)
                    again = self._next(other, raw, lower, end)
                    if again is None:
                        del pending[other]
                    else:
                        pending[other] = again

    def _next(self, index: int, raw: str, lower: str, start: int) -> re.Match[str] | None:
        """``search(raw, start)`` of branch ``index``'s own regex. A branch whose matches all
        start with known literals is tried only where the lower-cased text holds one of
        them, leftmost first: the same first match, without trying every position (its
        regex begins with a lookbehind, which gives ``re`` nothing to skip ahead to). The
        caller holds a :attr:`Prepared.case_exact` text, so ``lower`` lines up with ``raw``
        character for character, and ``match`` at a place still sees what precedes it."""
        regex = self._branch(index)
        starts = self._leading[index]
        if starts is None:
            return regex.search(raw, start)
        find = lower.find
        places: list[int] = []
        for literal in starts:
            at = find(literal, start)
            while at >= 0:
                places.append(at)
                at = find(literal, at + 1)
        if len(places) > 1:
            places.sort()
        match = regex.match
        for at in places:
            found = match(raw, at)
            if found is not None:
                return found
        return None

    def finditer(self, text: str | Prepared) -> Iterator[re.Match[str]]:
        if self.possible(text):
            if isinstance(text, Prepared):
                yield from self.matches(text)
            else:
                yield from self.regex.finditer(text)

    def search(self, text: str | Prepared) -> re.Match[str] | None:
        if not self.possible(text):
            return None
        if isinstance(text, Prepared):
            return next(iter(self.matches(text)), None)
        return self.regex.search(text)


class Leading:
    """A case-insensitive regex every match of which begins with one of a few literals:
    whether it matches, found by trying it only where one of them starts.

    Where the text is :attr:`Prepared.case_exact`, a match can start only where the
    lower-cased text holds one of ``starts``, so trying the regex at each such place
    (``match`` at a position still sees the text before it, for ``\\b`` and lookbehinds)
    answers what ``regex.search`` would. Other text is searched the ordinary way. Worth
    it for a regex that begins with ``\\b`` or a lookbehind: those give ``re`` no literal
    to skip ahead to, so a search tries every position of the text.
    """

    def __init__(self, regex: re.Pattern[str], starts: tuple[str, ...]) -> None:
        self.regex = regex
        self.starts = starts

    def found(self, text: Prepared) -> bool:
        """``regex.search(text.text) is not None``; stops at the first place that matches
        (the literals are tried in the order given)."""
        if not text.case_exact:
            return self.regex.search(text.text) is not None
        lower = text.lower
        match = self.regex.match
        raw = text.text
        for start in self.starts:
            at = lower.find(start)
            while at >= 0:
                if match(raw, at) is not None:
                    return True
                at = lower.find(start, at + 1)
        return False


def _leftmost(item: tuple[int, re.Match[str]]) -> tuple[int, int]:
    return item[1].start(), item[0]


def prefiltered(regex: re.Pattern[str], *anchors: str) -> Phrases:
    """A hand-written regex with the literals (lower-case) one of which every match holds."""
    return Phrases(regex, frozenset(anchors))


def _alternation(branches: list[str]) -> str:
    body = "|".join(f"(?:{item})" for item in branches)
    return rf"(?<!\w)(?:{body})(?!\w)"


def phrases(*items: str, flags: int = re.IGNORECASE) -> Phrases:
    """Phrases (which may hold regex syntax) as one word-bounded, prefiltered pattern (compiled
    when first needed)."""
    ordered = sorted(items, key=len, reverse=True)
    source, compile_flags = _alternation(ordered), flags | re.UNICODE
    branches: list[tuple[str, frozenset[str], tuple[str, ...] | None]] = []
    for item in ordered:
        needed, leading = _required_literals(item, flags)
        if needed is None:
            return Phrases(source, None, flags=compile_flags)
        branches.append((item, frozenset(needed),
                         None if leading is None else tuple(sorted(leading))))
    return Phrases(source, frozenset().union(*(needed for _, needed, _ in branches)),
                   tuple(branches), compile_flags)


def _required_literals(branch: str, flags: int
                       ) -> tuple[set[str] | None, set[str] | None]:
    """Literals (lower-case), one of which every match of ``branch`` contains, and those one
    of which every match starts with; None for either that cannot be found."""
    try:
        from re import _constants as op  # type: ignore[attr-defined]
        from re import _parser  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - another Python's internals
        return None, None

    def strength(anchor: str) -> float:
        return float(len(anchor.strip()))

    def chars(value: list[tuple[Any, Any]], digits: bool = True) -> set[str] | None:
        found: set[str] = set()
        for kind, arg in value:
            if kind is op.LITERAL:
                found.add(chr(arg).lower())
            elif kind is op.RANGE and arg[1] - arg[0] < 40:
                found |= {chr(code).lower() for code in range(arg[0], arg[1] + 1)}
            elif kind is op.CATEGORY and arg is op.CATEGORY_DIGIT and digits:
                found |= set("0123456789")
            else:
                return None
        return found

    def best(items: list[tuple[Any, Any]]) -> set[str] | None:
        """The strongest requirement of a sequence: the set whose weakest member is strongest."""
        options: list[set[str]] = []
        run = ""
        for code, value in items:
            if code is op.LITERAL:
                run += chr(value).lower()
                continue
            if run:
                options.append({run})
                run = ""
            inner: set[str] | None = None
            if code is op.SUBPATTERN:
                inner = best(list(value[-1]))
            elif code in (op.MAX_REPEAT, op.MIN_REPEAT) and value[0] > 0:
                inner = best(list(value[2]))
            elif code is op.IN:
                inner = chars(value)
            elif code is op.BRANCH:
                inner = set()
                for alternative in value[1]:
                    more = best(list(alternative))
                    if more is None:
                        inner = None
                        break
                    inner |= more
            if inner:
                options.append(inner)
        if run:
            options.append({run})
        # a lone letter is no filter; a lone digit or symbol ("£", "0") still is one
        options = [o for o in options
                   if all(strength(a) >= 2 or (strength(a) == 1 and not a.strip().isalpha())
                          for a in o)]
        if not options:
            return None
        return max(options, key=lambda o: (min(strength(a) for a in o), -len(o)))

    zero_width = (op.AT, op.ASSERT, op.ASSERT_NOT)

    def leading(items: list[tuple[Any, Any]]) -> set[str] | None:
        """What every match of a sequence starts with: its literal prefix, or the starts of
        its first part (a group, a repeat of at least one, alternatives, a character set)."""
        prefix = ""
        for code, value in items:
            if code is op.LITERAL:
                prefix += chr(value).lower()
                continue
            if prefix:
                break
            if code in zero_width:
                continue  # takes no text: the match starts where what follows does
            starts: set[str] | None = None
            if code is op.SUBPATTERN:
                starts = leading(list(value[-1]))
            elif code in (op.MAX_REPEAT, op.MIN_REPEAT) and value[0] > 0:
                starts = leading(list(value[2]))
            elif code is op.IN:
                starts = chars(value, digits=False)  # \d is also every other script's digits
            elif code is op.BRANCH:
                starts = set()
                for alternative in value[1]:
                    more = leading(list(alternative))
                    if more is None:
                        return None
                    starts |= more
            # a lone letter starts too many places to be worth looking for; a trap (ſ)
            # matches a letter (s) it does not lower-case to
            if not starts or any((len(start) == 1 and start.isalpha())
                                 or not CASE_TRAPS.isdisjoint(start) for start in starts):
                return None
            return starts
        if not prefix or not CASE_TRAPS.isdisjoint(prefix):
            return None
        return {prefix}

    try:
        parsed = list(_parser.parse(branch, flags))
    except re.error:
        return None, None
    return best(parsed), leading(parsed)


LINK_ANCHORS = Phrases(LINK, frozenset({"http", "www.", ".gl", *("." + tld for tld in LINK_TLDS)}))


def spans(pattern: re.Pattern[str] | Phrases, text: str | Prepared) -> Iterator[tuple[int, int]]:
    for match in pattern.finditer(text):
        yield match.span()


def fold(text: str) -> str:
    """Lower-case, accent-free form for comparing names and profile words."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


STOPWORDS = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "i", "in", "is", "it", "its", "just", "me", "my", "of", "on", "or", "our", "so", "that", "the", "this", "to", "was", "we", "with", "you", "your", "i'm", "im", "am", "not", "no", "yes", "do", "does", "did", "can", "will", "would", "about", "all", "also", "any", "been", "more", "most", "new", "now", "one", "only", "out", "over", "very", "what", "when", "who", "why", "how", "here", "there", "they", "them", "their", "he", "she", "his", "her", "him", "us", "get", "got", "like", "love", "good", "great"]
)


_UNSET: Any = object()
CASE_TRAPS = frozenset(
    "\u00b5\u0130\u0131\u017f\u0345\u0390\u03b0\u03b2\u03b5\u03b8\u03b9\u03ba\u03bc\u03c0"
    "\u03c1\u03c2\u03c3\u03c6\u03d0\u03d1\u03d5\u03d6\u03f0\u03f1\u03f5\u0432\u0434\u043e"
    "\u0441\u0442\u044a\u0463\u1c80\u1c81\u1c82\u1c83\u1c84\u1c85\u1c86\u1c87\u1c88\u1e61"
    "\u1e9b\u1fbe\u1fd3\u1fe3\ua64b\ufb05\ufb06\u03a3")
"""The characters whose ``str.lower()`` is not what ``re``'s case-insensitive matching
compares: a lower case of more than one character (İ), one that depends on the next
character (Σ, final sigma), or one of ``re``'s extra case equivalences (ſ matches s,
ı matches i, µ matches μ…). tests/audit/test_text.py recomputes the set from all of
Unicode."""
_CASE_TRAP = re.compile("[" + "".join(sorted(CASE_TRAPS)) + "]")


class Prepared:
    """A message as rules see it, built once per audit and read by every rule.

    ``lower`` is computed at once (every audit needs it); the rest on first use
    (``anchor_hits`` by the first rule that scans for phrases: the final rules judging
    a labelled text scan for none). Plain slots rather than
    ``functools.cached_property``, which takes a lock on each first access in Python 3.11.
    """

    __slots__ = ("_anchor_hits", "_case_exact", "_emoji", "_found", "_greeted", "_greeting",
                 "_links", "_ordered_hits", "_word_set", "lower", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.lower = text.lower()
        self._anchor_hits: set[int] | None = None
        self._ordered_hits: list[int] | None = None
        self._links: Any = _UNSET
        self._word_set: Any = _UNSET
        self._greeting: Any = _UNSET
        self._greeted: Any = _UNSET
        self._emoji: Any = _UNSET
        self._case_exact: bool | None = None
        self._found: dict[Phrases, list[re.Match[str]]] | None = None

    def found(self, phrases: Phrases) -> Iterable[re.Match[str]]:
        """The matches of ``phrases`` (:meth:`Phrases.scan`), remembered in a view
        :func:`prepared` shares: a text audited again is not scanned again."""
        found = self._found
        if found is None:
            return phrases.scan(self)
        matches = found.get(phrases)
        if matches is None:
            matches = found[phrases] = list(phrases.scan(self))
        return matches

    @property
    def case_exact(self) -> bool:
        """True when no character is in :data:`CASE_TRAPS`: then each character lower-cases
        to one, and a case-insensitive regex literal matches a character exactly when the
        character's lower case is the literal's, so the lower-cased text holds every literal
        a match needs (a phrase list's anchors)."""
        exact = self._case_exact
        if exact is None:
            exact = self._case_exact = self.text.isascii() or not _CASE_TRAP.search(self.text)
        return exact

    @property
    def anchor_hits(self) -> set[int]:
        """The anchor-index slots whose literals the lower-case text holds."""
        hits = self._anchor_hits
        if hits is None:
            hits = self._anchor_hits = ANCHORS.hits(self.lower)
        return hits

    @property
    def ordered_hits(self) -> list[int]:
        """:attr:`anchor_hits`, in order."""
        ordered = self._ordered_hits
        if ordered is None:
            ordered = self._ordered_hits = sorted(self.anchor_hits)
        return ordered

    @property
    def links(self) -> list[tuple[int, int]]:
        if self._links is _UNSET:
            self._links = list(spans(LINK, self.text)) if LINK_ANCHORS.possible(self) else []
        return self._links  # type: ignore[no-any-return]

    @property
    def word_set(self) -> frozenset[str]:
        if self._word_set is _UNSET:
            self._word_set = frozenset(WORD.findall(fold(self.lower)))
        return self._word_set  # type: ignore[no-any-return]

    @property
    def greeting(self) -> re.Match[str] | None:
        if self._greeting is _UNSET:
            self._greeting = GREETING.search(self.text)
        return self._greeting  # type: ignore[no-any-return]

    @property
    def greeted(self) -> Greeted | None:
        """Who a greeting addresses ("Hi Amy Lee,"), if anyone."""
        if self._greeted is _UNSET:
            self._greeted = self._find_greeted()
        return self._greeted  # type: ignore[no-any-return]

    def _find_greeted(self) -> Greeted | None:
        match = self.greeting
        if match is None:
            return None
        raw = match.group("name")
        words = [fold(word) for word in raw.split()]
        if words[0] in NOT_NAMES:
            return None
        certain = raw[0].isupper() or "@" in match.group(0)
        if not certain and (match.group("word").lower() not in ENGLISH_GREETINGS
                            or everyday_word(words[0])):
            return None
        return Greeted(words, match.span("name"), match.group("title") is not None, certain)

    @property
    def emoji(self) -> list[tuple[int, int]]:
        if self._emoji is _UNSET:
            self._emoji = list(spans(EMOJI, self.text))
        return self._emoji  # type: ignore[no-any-return]


class KeptFromSecondTime(Generic[K, V]):
    """What was worked out for a key that comes again, kept from its second time on, for at
    most ``size`` keys (all forgotten at once when full).

    A key is only noted as seen the first time (by ``seen_as``, a string): most texts come
    once, and keeping what was worked out for each would only leave more objects for the
    garbage collector to walk (strings, as the seen set holds, it does not walk). A campaign
    sends one text to everyone of the same name; its work is kept from the second message."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: dict[K, V] = {}
        self._seen: set[str] = set()

    def get(self, key: K) -> V | None:
        return self._kept.get(key)

    def came_before(self, seen_as: str) -> bool:
        """Was ``seen_as`` seen before? It is noted as seen from now on."""
        seen = self._seen
        if seen_as in seen:
            return True
        if len(seen) >= self.size:
            seen.clear()
        seen.add(seen_as)
        return False

    def keep(self, key: K, value: V) -> None:
        kept = self._kept
        if len(kept) >= self.size:
            kept.clear()
        kept[key] = value

    def forget(self) -> None:
        """Forget what is kept (what was seen stays noted)."""
        self._kept.clear()


PREPARED = 4096
"""How many texts :func:`prepared` keeps views of, and how many it knows it has seen."""
_VIEWS: KeptFromSecondTime[str, Prepared] = KeptFromSecondTime(PREPARED)
_kept_slots = 0
"""The anchor slots there were when :data:`_VIEWS` last started: a phrase list made since
(none is, once the rules are imported) would find the anchor hits of a kept view stale."""


def prepared(text: str) -> Prepared:
    """The prepared view of ``text``; from the second time a recent text comes on, one view
    shared by its audits, which remembers what phrase lists find in it: all a view works out
    (anchor hits, phrase matches, the greeting, links) depends on the text alone, and a
    campaign sends one text to everyone of the same name. A text seen once (most texts,
    outside campaigns) gets a view of its own that is not kept (:class:`KeptFromSecondTime`)."""
    global _kept_slots
    view = _VIEWS.get(text)
    if view is not None and _kept_slots == ANCHORS.size:
        return view
    if not _VIEWS.came_before(text):
        return Prepared(text)
    if _kept_slots != ANCHORS.size:
        _VIEWS.forget()
        _kept_slots = ANCHORS.size
    view = Prepared(text)
    view._found = {}
    _VIEWS.keep(text, view)
    return view


def content_words(text: str) -> set[str]:
    """Distinctive words of a profile field: folded, four letters or more, no stopwords."""
    return {
        fold(word)
        for word in WORD.findall(text)
        if len(word) >= 4 and fold(word) not in STOPWORDS
    }


def quote(text: str, span: tuple[int, int] | None, width: int = 60) -> str:
    if span is None:
        return ""
    snippet = text[span[0] : span[1]]
    snippet = snippet if len(snippet) <= width else snippet[: width - 1] + "…"
    return snippet.replace("\n", " ")



@lru_cache(maxsize=8192)
def name_parts(name: str | None) -> tuple[str, ...]:
    """A person's name as folded words of two letters or more."""
    return tuple(fold(part) for part in WORD.findall(name or "") if len(part) > 1)
