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
from itertools import repeat
from typing import Protocol, TypeAlias, TypeVar

from dmguard.audit.similarity import NearDuplicateIndex, Signature


class History(Protocol):
    def near_duplicates(self, sig: Signature | None) -> int: ...

    def near_duplicates_were(self, count: int) -> str:
        """What the ``count`` similar messages were, for a finding ("already went to …")."""
        ...

    def sent_to(self, recipient_key: str) -> list[tuple[datetime, str, Signature | None]]: ...

    def opted_out(self, recipient_key: str) -> bool: ...

    def record(self, recipient_key: str | None, at: datetime, text: str,
               sig: Signature | None) -> None: ...


Shingles: TypeAlias = tuple[int, ...]
Entry: TypeAlias = tuple[datetime, str, "Shingles | None"]

T = TypeVar("T")

SAME_TEXT = 0.6
"""Similarity from which two lines to one person are the same text (the batch indexes it once)."""


def lines_of_this_input(count: int) -> str:
    """A batch's near-duplicates: earlier lines of the same input, none of them sent."""
    return (f"similar text is in {count} earlier line(s) of this input, to other recipients "
            "(nothing was sent)")


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
        # instead, they are untracked by the collector after its first look. A person's
        # entries are a tuple too while there are few of them (most people get a few
        # messages); a tuple is copied to grow, so from SHORT entries on they move to a
        # list that is appended to (one tracked object for such a person, and recording
        # stays linear however many messages one person gets).
        self._sent: dict[str, tuple[Entry, ...] | list[Entry]] = {}
        self._indexed: dict[str, tuple[Shingles, ...] | list[Shingles]] = {}
        # A batch line is compared with the earlier lines to the same person; for a person
        # past SHORT of them, only with those sharing a shingle: which lines hold each one.
        self._lines: dict[str, dict[int, list[int]]] = {}
        self._opted_out = set(opted_out or ())
        # sent_to's answer for the person last asked about, kept up to date as messages to
        # them are recorded: the frequency rules ask twice an audit, and a person sent
        # many messages would otherwise have every Signature rebuilt at every audit. One
        # person's, so the objects the collector tracks stay few.
        self._last_key: str | None = None
        self._last: list[tuple[datetime, str, Signature | None]] = []

    def near_duplicates(self, sig: Signature | None) -> int:
        return self.index.count(sig)

    def near_duplicates_were(self, count: int) -> str:
        if self.sent:
            return f"similar text already went to about {count} other recipient(s)"
        return lines_of_this_input(count)

    def sent_to(self, recipient_key: str) -> list[tuple[datetime, str, Signature | None]]:
        if recipient_key != self._last_key:
            entries = self._sent.get(recipient_key)
            if not entries:
                return []
            self._last_key = recipient_key
            self._last = [(at, text, None if shingles is None else Signature(frozenset(shingles)))
                          for at, text, shingles in entries]
        return self._last.copy()  # a copy: the caller may change its list, never ours

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
            _append(self._sent, recipient_key, entry)
            if recipient_key == self._last_key:
                self._last.append((at, text, sig))
            return
        # A batch line: the same text to the same person again is not one more recipient.
        if sig is None:
            return
        mine = self._indexed.get(recipient_key, ())
        lines = self._lines.get(recipient_key)
        if lines is not None:  # only lines sharing a shingle can be the same text (else 0.0)
            mine = [mine[i] for i in set().union(*map(lines.get, sig.shingles, repeat(())))]
        if any(sig.similarity_to(other) >= SAME_TEXT for other in mine):
            return
        _append(self._indexed, recipient_key, tuple(sig.shingles))
        self.index.add(sig)
        indexed = self._indexed[recipient_key]
        if type(indexed) is list:  # past SHORT: all lines the first time, then the new one
            first = len(indexed) - 1
            if lines is None:
                lines = self._lines[recipient_key] = {}
                first = 0
            for number in range(first, len(indexed)):
                for shingle in indexed[number]:
                    lines.setdefault(shingle, []).append(number)


SHORT = 16
"""Entries from which a person's are kept in a list rather than a tuple (see BatchHistory)."""


def _append(by_key: dict[str, tuple[T, ...] | list[T]], key: str, item: T) -> None:
    """Adds ``item`` to ``by_key[key]``: a new, longer tuple while short, then a list."""
    items = by_key.get(key)
    if items is None:
        by_key[key] = (item,)
    elif type(items) is list:
        items.append(item)
    elif len(items) + 1 < SHORT:
        by_key[key] = (*items, item)
    else:
        by_key[key] = [*items, item]
