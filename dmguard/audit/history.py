"""What the audit knows of the past: texts already sent, opt-outs, per-person sends.

The audit asks a :class:`History`; it never runs SQL itself. ``BatchHistory`` is
an in-memory history: of DMs already sent (reviewing sent history), or of the
lines of one ``dmguard audit`` run (``sent=False``: the batch counts as going out
together to *different* people, but none of its lines has been sent, so none of
them caps or repeats a later line to the same person); :mod:`dmguard.outbox`
builds one from the store for the daemon.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, TypeAlias

from dmguard.audit.similarity import NearDuplicateIndex, Signature


class History(Protocol):
    def near_duplicates(self, sig: Signature | None) -> int: ...

    def sent_to(self, recipient_key: str) -> list[tuple[datetime, str, Signature | None]]: ...

    def opted_out(self, recipient_key: str) -> bool: ...

    def record(self, recipient_key: str | None, at: datetime, text: str,
               sig: Signature | None) -> None: ...


Shingles: TypeAlias = tuple[int, ...]
Entry: TypeAlias = tuple[datetime, str, "Shingles | None"]

SAME_TEXT = 0.6
"""Similarity from which two lines to one person are the same text (the batch indexes it once)."""


class BatchHistory:
    """What was recorded so far. ``sent=True``: recorded messages went out (they count
    against the per-person limits and repeats). ``sent=False``: they are lines of one
    batch still to be judged; they only count as the same text going to several
    people, once per person."""

    def __init__(self, opted_out: set[str] | None = None, *, sent: bool = True) -> None:
        self.index = NearDuplicateIndex()
        self.sent = sent
        # A history of 100,000 messages would keep 400,000 objects the garbage collector
        # scans again at every full collection (a list per person, a tuple, a Signature
        # and its frozenset per message). Kept as tuples of datetimes, strings and ints
        # instead, they are untracked by the collector after its first look: a tuple per
        # person (replaced when it grows: one person gets few messages) of tuples.
        self._sent: dict[str, tuple[Entry, ...]] = {}
        self._indexed: dict[str, tuple[Shingles, ...]] = {}
        self._opted_out = set(opted_out or ())

    def near_duplicates(self, sig: Signature | None) -> int:
        return self.index.count(sig)

    def sent_to(self, recipient_key: str) -> list[tuple[datetime, str, Signature | None]]:
        return [(at, text, None if shingles is None else Signature(frozenset(shingles)))
                for at, text, shingles in self._sent.get(recipient_key, ())]

    def opted_out(self, recipient_key: str) -> bool:
        return recipient_key in self._opted_out

    def add_opt_out(self, recipient_key: str) -> None:
        self._opted_out.add(recipient_key)

    def record(self, recipient_key: str | None, at: datetime, text: str,
               sig: Signature | None) -> None:
        if not recipient_key:
            return
        if self.sent:
            self.index.add(sig)
            entry = (at, text, None if sig is None else tuple(sig.shingles))
            self._sent[recipient_key] = (*self._sent.get(recipient_key, ()), entry)
            return
        # A batch line: the same text to the same person again is not one more recipient.
        if sig is None:
            return
        mine = self._indexed.get(recipient_key, ())
        if any(sig.similarity_to(other) >= SAME_TEXT for other in mine):
            return
        self._indexed[recipient_key] = (*mine, tuple(sig.shingles))
        self.index.add(sig)
