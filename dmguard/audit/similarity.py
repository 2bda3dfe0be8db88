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
from collections.abc import Iterable
from dataclasses import dataclass

from dmguard.audit.text import LINK, fold

MIN_WORDS = 6
MIN_CHARS = 30
COVERAGE = 0.7
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def normalise(text: str, names: Iterable[str] = ()) -> str:
    """Lower-case words with links, numbers and the recipient's name replaced by tokens."""
    lower = text.lower()
    if "http" in lower or "www" in lower or "." in lower:
        lower = LINK.sub(" url ", lower)
    parts = {fold(part) for name in names for part in name.split() if len(part) >= 2}
    return " ".join(
        "nm" if word in parts else ("0" if word.isdigit() else word)
        for word in _TOKEN.findall(fold(lower))
    )


@dataclass(frozen=True, slots=True)
class Signature:
    shingles: frozenset[int]

    def similarity(self, other: Signature) -> float:
        """Jaccard similarity of the two shingle sets."""
        union = len(self.shingles | other.shingles)
        return len(self.shingles & other.shingles) / union if union else 0.0


def signature(text: str, names: Iterable[str] = ()) -> Signature | None:
    """The shingles of a text, or None when it is too short to judge."""
    norm = normalise(text, names)
    words = norm.split()
    if len(words) < MIN_WORDS or len(norm) < MIN_CHARS:
        return None
    crc = zlib.crc32
    return Signature(frozenset(
        crc(f"{words[i]} {words[i + 1]} {words[i + 2]}".encode()) for i in range(len(words) - 2)
    ))


class NearDuplicateIndex:
    def __init__(self) -> None:
        self._counts: dict[int, int] = {}
        self.size = 0

    def add(self, sig: Signature | None) -> None:
        if sig is None:
            return
        counts = self._counts
        for shingle in sig.shingles:
            counts[shingle] = counts.get(shingle, 0) + 1
        self.size += 1

    def count(self, sig: Signature | None) -> int:
        """About how many indexed messages this one nearly duplicates."""
        if sig is None or not sig.shingles:
            return 0
        get = self._counts.get
        seen = sorted((get(shingle, 0) for shingle in sig.shingles), reverse=True)
        return seen[min(len(seen) - 1, int(len(seen) * COVERAGE))]
