"""Near-duplicate detection that sees through names and small edits.

Text is normalised (the recipient's name, links and numbers replaced by tokens),
cut into 5-byte shingles of its UTF-8 form (a numpy rolling hash, the same
in every process) and summarised by a 24-value MinHash. The
index keeps banded buckets (8 bands of 3 values) with counts only, so 100k sent
messages cost a few dozen MiB and a look-up is eight dict reads. A message counts
as a near-duplicate of a cluster when at least two of its bands agree, which for
Jaccard similarity 0.8 happens 97% of the time and for 0.3 about 2%.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from dmguard.audit.text import LINK, fold

PERMUTATIONS = 24
BANDS = 8
ROWS = PERMUTATIONS // BANDS
SHINGLE = 5
MIN_CHARS = 40

_rng = np.random.default_rng(20261123)
_A = _rng.integers(1, 2**63 - 1, size=PERMUTATIONS, dtype=np.uint64) | np.uint64(1)
_B = _rng.integers(0, 2**63 - 1, size=PERMUTATIONS, dtype=np.uint64)
_SHINGLE_WEIGHTS = np.array([(1_000_003**k) % 2**64 for k in range(SHINGLE)], dtype=np.uint64)
_BAND_MIX = _rng.integers(1, 2**63 - 1, size=(BANDS,), dtype=np.uint64) | np.uint64(1)
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_DIGITS = re.compile(r"\d+")


def normalise(text: str, names: Iterable[str] = ()) -> str:
    folded = fold(LINK.sub(" url ", text))
    for name in names:
        for part in fold(name).split():
            if len(part) >= 2:
                folded = re.sub(rf"\b{re.escape(part)}\b", " nm ", folded)
    folded = _DIGITS.sub("0", folded)
    return " ".join(_NON_WORD.sub(" ", folded).split())


@dataclass(frozen=True, slots=True)
class Signature:
    bands: tuple[int, ...]


def signature(text: str, names: Iterable[str] = ()) -> Signature | None:
    """The MinHash bands of a text, or None when it is too short to judge."""
    norm = normalise(text, names)
    if len(norm) < MIN_CHARS:
        return None
    data = np.frombuffer(norm.encode("utf-8"), dtype=np.uint8).astype(np.uint64)
    windows = np.lib.stride_tricks.sliding_window_view(data, SHINGLE)
    hashes = np.unique(windows @ _SHINGLE_WEIGHTS)
    mins = ((hashes[None, :] * _A[:, None] + _B[:, None]) >> np.uint64(16)).min(axis=1)
    rows = mins.reshape(BANDS, ROWS)
    return Signature(tuple(
        int(value) for value in (rows * _BAND_MIX[:, None]).sum(axis=1) + np.arange(BANDS)
    ))


class NearDuplicateIndex:
    def __init__(self) -> None:
        self._buckets: dict[int, int] = {}
        self.size = 0

    def add(self, sig: Signature | None) -> None:
        if sig is None:
            return
        buckets = self._buckets
        for key in sig.bands:
            buckets[key] = buckets.get(key, 0) + 1
        self.size += 1

    def count(self, sig: Signature | None) -> int:
        """How many indexed messages are near-duplicates of this one (two bands agree)."""
        if sig is None:
            return 0
        counts = sorted((self._buckets.get(key, 0) for key in sig.bands), reverse=True)
        return counts[1]
