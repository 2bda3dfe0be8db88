"""Near-duplicate detection that sees through names and small edits.

Text is normalised (the recipient's name, links and numbers replaced by tokens)
and cut into word-trigram shingles, each hashed with CRC-32 (the same in every
process, so a run can be repeated exactly).

The index counts, for each shingle, how many earlier messages held it. A message
is a near-duplicate of about N earlier ones when 70% of its shingles were each
seen at least N times: a template sent with a different name or a changed word
keeps most of its shingles, a new text has mostly unseen ones. A look-up is a
few dict reads per shingle.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat

from dmguard.audit.text import LINK, fold

MIN_WORDS = 6
MIN_CHARS = 30
COVERAGE = 0.7
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_NOT_ALNUM = {code: " " for code in range(128) if not chr(code).isalnum()}
"""The ASCII characters :data:`_TOKEN` leaves out (all but letters and digits), as spaces."""
_LINKISH = re.compile(r"http|www\.|\.(?:co|io|net|org|ml|tv|me|ly|app|shop|store|info|biz|gl)")
"""Text every match of :data:`~dmguard.audit.text.LINK` holds, when the lower-case text is
ASCII (case-insensitive matching is then exact matching): most texts hold a full stop but no
link, and are not scanned for one."""


def normalise(text: str, names: Iterable[str] = ()) -> str:
    """Lower-case words with links, numbers and the recipient's name replaced by tokens."""
    return " ".join(_normal_words(text, names))


def _normal_words(text: str, names: Iterable[str]) -> list[str]:
    lower = text.lower()
    if ("http" in lower or "www" in lower or "." in lower) and (
            not lower.isascii() or _LINKISH.search(lower) is not None):
        lower = LINK.sub(" url ", lower)
    parts = {fold(part) for name in names for part in name.split() if len(part) >= 2}
    folded = fold(lower)
    # ASCII text: the words are the runs of letters and digits, and splitting after
    # turning every other character into a space finds them faster than the scan.
    words = folded.translate(_NOT_ALNUM).split() if folded.isascii() else _TOKEN.findall(folded)
    return ["nm" if word in parts else ("0" if word.isdigit() else word) for word in words]


@dataclass(frozen=True, slots=True)
class Signature:
    shingles: frozenset[int]

    def similarity(self, other: Signature) -> float:
        """Jaccard similarity of the two shingle sets (the union's size counted from the
        intersection's, so no union set is built)."""
        common = len(self.shingles & other.shingles)
        union = len(self.shingles) + len(other.shingles) - common
        return common / union if union else 0.0

    def similarity_to(self, shingles: Collection[int]) -> float:
        """:meth:`similarity` to another signature given by its shingles (distinct ints)."""
        common = len(self.shingles.intersection(shingles))
        union = len(self.shingles) + len(shingles) - common
        return common / union if union else 0.0


def signature(text: str, names: Iterable[str] = ()) -> Signature | None:
    """The shingles of a text, or None when it is too short to judge.

    A shingle is the CRC-32 of the UTF-8 of three neighbouring words joined by spaces."""
    return signature_of_words(_normal_words(text, names))


@lru_cache(maxsize=4096)
def remembered_signature(text: str, names: tuple[str, ...]) -> Signature | None:
    """:func:`signature`, remembered for recent texts and names: a campaign sends one text
    to many people, and some of them share a name. Its texts to people of other names
    normalise to the same words (each name is "nm"): their shingles are remembered too."""
    return _signature_of_normal(tuple(_normal_words(text, names)))


@lru_cache(maxsize=4096)
def _signature_of_normal(words: tuple[str, ...]) -> Signature | None:
    return signature_of_words(words)


def signature_of_words(words: Sequence[str]) -> Signature | None:
    """:func:`signature` of a text whose :func:`normalise` d words are ``words``."""
    count = len(words)
    if count < MIN_WORDS:
        return None
    if sum(map(len, words)) + count - 1 < MIN_CHARS:  # the length of the normalised text
        return None
    return Signature(frozenset(map(zlib.crc32, map(str.encode, map(
        " ".join, zip(words, words[1:], words[2:], strict=False))))))


def in_order(first: Sequence[str], second: Sequence[str]) -> int:
    """How many words the two lists share in the same order: the length of their longest
    common subsequence. Words put in between ("so", "really", "in every single week") do
    not break it, as they break word trigrams.

    Computed a word of ``second`` at a time over a bit vector of ``first`` (Allison and
    Dix 1986, in Hyyrö's form): a bit stays set while its word of ``first`` is not yet
    matched, so the zeros counted at the end are the words matched in order."""
    positions: dict[str, int] = {}
    for index, word in enumerate(first):
        positions[word] = positions.get(word, 0) | (1 << index)
    full = (1 << len(first)) - 1
    unmatched = full
    for word in second:
        matches = unmatched & positions.get(word, 0)
        unmatched = ((unmatched + matches) | (unmatched - matches)) & full
    return len(first) - unmatched.bit_count()


class NearDuplicateIndex:
    def __init__(self) -> None:
        self._counts: Counter[int] = Counter()
        self.size = 0

    def add(self, sig: Signature | None) -> None:
        if sig is None:
            return
        self._counts.update(sig.shingles)
        self.size += 1

    def count(self, sig: Signature | None) -> int:
        """About how many indexed messages this one nearly duplicates."""
        if sig is None or not sig.shingles:
            return 0
        seen = sorted(map(self._counts.get, sig.shingles, repeat(0)))
        # the count that COVERAGE of the shingles reach, counting from the most seen
        return seen[len(seen) - 1 - min(len(seen) - 1, int(len(seen) * COVERAGE))]
