"""What the audit knows of the past: texts already sent, opt-outs, per-person sends.

The audit asks a :class:`History`; it never runs SQL itself. ``BatchHistory`` is
the in-memory history of one ``dmguard audit`` run (a batch counts as going out
together); :mod:`dmguard.outbox` builds one from the store for the daemon.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Protocol

from dmguard.audit.similarity import NearDuplicateIndex, Signature


class History(Protocol):
    def near_duplicates(self, sig: Signature | None) -> int: ...

    def sent_to(self, recipient_key: str) -> list[tuple[datetime, str, Signature | None]]: ...

    def opted_out(self, recipient_key: str) -> bool: ...

    def record(self, recipient_key: str | None, at: datetime, text: str,
               sig: Signature | None) -> None: ...


class BatchHistory:
    def __init__(self, opted_out: set[str] | None = None) -> None:
        self.index = NearDuplicateIndex()
        self._sent: dict[str, list[tuple[datetime, str, Signature | None]]] = defaultdict(list)
        self._opted_out = set(opted_out or ())

    def near_duplicates(self, sig: Signature | None) -> int:
        return self.index.count(sig)

    def sent_to(self, recipient_key: str) -> list[tuple[datetime, str, Signature | None]]:
        return self._sent.get(recipient_key, [])

    def opted_out(self, recipient_key: str) -> bool:
        return recipient_key in self._opted_out

    def add_opt_out(self, recipient_key: str) -> None:
        self._opted_out.add(recipient_key)

    def record(self, recipient_key: str | None, at: datetime, text: str,
               sig: Signature | None) -> None:
        if recipient_key:
            self.index.add(sig)
            self._sent[recipient_key].append((at, text, sig))
