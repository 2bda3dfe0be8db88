"""Growth of the history for ONE person sent many messages.

Usage: python bench/history_one_person.py [--count N] [--audit N] [--rounds R]

1. ``BatchHistory.record`` alone: N messages (the history bench's generated texts, their
   signatures made beforehand) to one recipient, as sent history (``sent=True``) and as
   lines of one batch (``sent=False``, where each line is compared with the earlier ones
   to the same person).
2. The full audit of the first ``--audit`` of them, all to that one recipient, each
   against all before it (the frequency rules read the person's whole history).

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from audit import auditor, generated

from dmguard.audit.history import BatchHistory
from dmguard.audit.model import AuditInput, Recipient
from dmguard.audit.similarity import signature

ONE = Recipient(id="1", name="Amy Lee")


def messages(count: int) -> list[AuditInput]:
    return [replace(item, recipient=ONE) for item in generated(count)]


def best(times: list[float]) -> str:
    return f"best {min(times):.3f} s of {len(times)} ({', '.join(f'{t:.3f}' for t in times)})"


def bench_record(count: int, rounds: int) -> None:
    at = datetime(2026, 1, 5, 12, tzinfo=UTC)
    rows = [(at + timedelta(minutes=i), item.text, signature(item.text, ["Amy", "Lee"]))
            for i, item in enumerate(messages(count))]
    for sent in (True, False):
        times = []
        for _ in range(rounds):
            history = BatchHistory(sent=sent)
            started = time.perf_counter()
            for when, text, sig in rows:
                history.record("1", when, text, sig)
            times.append(time.perf_counter() - started)
        print(f"record {count:,} messages to one person, sent={sent}: {best(times)}")


def bench_audit(count: int, rounds: int) -> None:
    items = messages(count)
    times = []
    for _ in range(rounds):
        engine = auditor(BatchHistory())
        started = time.perf_counter()
        for item in items:
            engine.audit(item)
        times.append(time.perf_counter() - started)
    print(f"audit {count:,} messages to one person, each against all before it: {best(times)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--audit", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    bench_record(args.count, args.rounds)
    bench_audit(args.audit, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
