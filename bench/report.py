"""Time the daily report over a large database.

Usage: python bench/report.py [--messages N] [--db PATH]

Builds (once; reused when PATH exists) a store with N messages spread over 30
days, each with its transitions and, for held ones, findings; then times
build_report() and the Markdown and HTML renderers for one day. Prints figures.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dmguard.audit.rules.address import generic_salutation
from dmguard.clock import SimulatedClock, iso
from dmguard.report import render
from dmguard.report.data import build_report
from dmguard.store import Store
from dmguard.store.bulk import SeedContact, SeedFinding, SeedMessage, SeedTransition

START = datetime(2026, 10, 25, tzinfo=UTC)
DAYS = 30


def populate(store: Store, count: int, seed: int = 5) -> None:
    rng = random.Random(seed)
    bulk = store.bulk
    store.accounts.ensure("acme", "x")
    contacts = 20_000
    with store.atomic():
        bulk.contacts(SeedContact("acme", str(i), iso(START), username=f"user{i}",
                                  name=f"User {i}") for i in range(contacts))
    batch = 50_000
    for offset in range(0, count, batch):
        messages, transitions, findings = [], [], []
        for number in range(offset + 1, min(offset + batch, count) + 1):
            at = START + timedelta(seconds=rng.randrange(DAYS * 86400))
            stamp = iso(at)
            roll = rng.random()
            direction = "in" if roll < 0.3 else "out"
            state = ("received" if direction == "in" else
                     "sent" if roll < 0.8 else "held" if roll < 0.95 else "blocked")
            messages.append(SeedMessage(
                id=number, account_id="acme", contact_id=rng.randrange(1, contacts),
                direction=direction, origin="submit" if direction == "out" else "person",
                kind="campaign", text=f"message {number}", state=state, created_at=stamp,
                updated_at=stamp, sent_at=stamp if state in ("sent", "received") else None))
            origin = messages[-1].origin
            if direction == "out":
                transitions.append(SeedTransition(number, None, "audited", "bench", stamp,
                                                  "acme", origin))
                transitions.append(SeedTransition(number, "audited", state, "bench", stamp,
                                                  "acme", origin))
            else:
                transitions.append(SeedTransition(number, None, state, "bench", stamp, "acme",
                                                  origin))
            if state in ("held", "blocked"):
                findings.append(SeedFinding(number, generic_salutation.id, generic_salutation.name,
                                            state[:4] if state == "held" else "block",
                                            "generic salutation", 0, 10))
        with store.atomic():
            bulk.messages(messages)
            bulk.transitions(transitions)
            bulk.findings(findings)
        print(f"  {min(offset + batch, count):,} messages written", file=sys.stderr)
    bulk.analyze()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    # the name changes with what the seeding writes, so a stale database is never reused
    path = args.db or Path(tempfile.gettempdir()) / f"dmguard-report-{args.messages}-v2.db"
    clock = SimulatedClock(START + timedelta(days=DAYS))
    fresh = not path.exists()
    store = Store.open(path, clock)
    if fresh:
        started = time.perf_counter()
        populate(store, args.messages)
        print(f"built {path} with {args.messages:,} messages in "
              f"{time.perf_counter() - started:.1f} s")
    day = (START + timedelta(days=DAYS // 2)).date()
    times = []
    for _ in range(3):
        started = time.perf_counter()
        report = build_report(store, ["acme"], day)
        render.markdown(report)
        times.append(time.perf_counter() - started)
    started = time.perf_counter()
    render.html(report)
    html_seconds = time.perf_counter() - started
    total = store.bulk.message_count()
    print(f"report for {day} over {total:,} messages: best {min(times):.2f} s, worst "
          f"{max(times):.2f} s (data + Markdown); HTML with chart {html_seconds:.2f} s; "
          f"{report.accounts[0].inspected:,} inspected that day")
    store.close()
    if not report.accounts[0].inspected:
        print(f"nothing counted: {path} was not built by this bench's seeding; delete it",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
