"""A simulated month on the strict X emulator (issue #14, "Done when").

In-process: a SimulatedClock drives ticks every 15 simulated minutes (no real
waiting); the account starts with 30 days of history (STOPs among it); 5 % of calls
fail (429, 500, 503, dropped before or after handling); mid-way the credits run out
(402, pricing.mdx "Credit balance") and later the app loses its DM permission (403
oauth1-permissions). Counted and printed: duplicate DMs, messages failed for
account-level reasons, pauses and resumes, STOPs honoured, and the report's bill
against the emulator's ledger (pricing.mdx, "Deduplication": once per resource per
UTC day).

Authentication is OAuth 1.0a: the OAuth 2.0 refresh path (x_oauth2.py) is tested on
its own in tests/platforms/test_x_oauth2.py, but is not wired into this run yet.

    python -m tests.reliability.soak_x --days 30
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dmguard.clock import SimulatedClock
from dmguard.platforms.sandbox.server import running
from dmguard.platforms.sandbox.state import Faults, SandboxState
from dmguard.report.data import build_report
from dmguard.store import Store
from dmguard.tick import build_runtime, run_send, run_tick
from tests.conftest import make_config

START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
STEP = timedelta(minutes=15)
#: How long after a STOP is listed a DM may still have been on its way (a tick and a send).
STOP_GRACE = timedelta(minutes=45)
CONFIRMATION = "Reply START"
ACCOUNT_WORDS = ("402", "credits", "permission", "oauth1", "forbidden", "401", "locked")


@dataclass
class Counts:
    days: int
    ticks: int = 0
    sent: int = 0
    duplicates: int = 0
    failed: int = 0
    failed_account_level: int = 0
    pauses: int = 0
    resumes: int = 0
    still_paused: bool = False
    stops: int = 0
    stops_broken: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    report_bill: float = 0.0
    ledger_bill: float = 0.0
    worst_day_gap: float = 0.0

    @property
    def bill_gap(self) -> float:
        return abs(self.report_bill - self.ledger_bill) / self.ledger_bill if self.ledger_bill else 0

    def ok(self) -> bool:
        return (self.duplicates == 0 and self.failed_account_level == 0 and not self.still_paused
                and self.pauses == self.resumes and self.stops_broken == 0
                and self.bill_gap <= 0.01)

    def lines(self) -> list[str]:
        return [f"simulated days {self.days}, ticks {self.ticks}, DMs sent {self.sent}",
                f"duplicate DMs {self.duplicates}",
                f"messages failed {self.failed}, for account-level reasons "
                f"{self.failed_account_level}",
                f"pauses {self.pauses}, resumed {self.resumes}, paused at the end "
                f"{self.still_paused}",
                f"STOPs {self.stops}, broken {self.stops_broken}",
                f"faults served {dict(self.faults)}",
                f"bill: report ${self.report_bill:.3f}, ledger ${self.ledger_bill:.3f}, "
                f"gap {self.bill_gap:.4%} (worst day {self.worst_day_gap:.4%})"]


def soak(days: int, folder: Path, *, fault_rate: float = 0.05, seed: int = 7) -> Counts:
    rng = random.Random(seed)
    clock = SimulatedClock(START)
    state = SandboxState(clock, account_username="acme")
    counts = Counts(days)
    # 30 days of history: followers, conversations both ways, two STOPs.
    people = []
    for i in range(40):
        person = state.add_user(username=f"old{i}", name=f"Old {i}")
        state.follow(person.id)
        people.append(person.id)
    stops: dict[str, datetime] = {}
    for back in range(30, 0, -1):
        at = START - timedelta(days=back)
        who = people[back % len(people)]
        state.user_writes(who, f"hi, day -{back}", at=at)
        state.account_sends(who, f"thanks, day -{back}", at=at + timedelta(minutes=30))
    for who in people[:2]:
        state.user_writes(who, "STOP", at=START - timedelta(days=3))
        stops[who] = START - timedelta(days=3)
    config = make_config(folder)
    store = Store.open(config.store.path, clock)
    credit_day, permission_day = days // 3, (2 * days) // 3
    with running(state, lifetime=24 * 3600) as server:
        runtime = build_runtime(config, config.accounts[0], store, sandbox_url=server.url)
        state.faults = Faults(rate=fault_rate, kinds=("429", "500", "503", "drop", "drop_after"),
                              seed=seed)
        paused = False
        end = START + timedelta(days=days)
        while clock.now() < end:
            now = clock.now()
            day, minute = (now - START).days, int((now - START).total_seconds() // 60) % 1440
            state.problems.credits_depleted = day == credit_day and 600 <= minute < 900
            state.problems.permission_lost = day == permission_day and 300 <= minute < 600
            if minute % 240 == 0:
                newcomer = state.add_user(username=f"new{day}_{minute}", name=f"New {minute}")
                state.follow(newcomer.id)
                people.append(newcomer.id)
            if minute % 180 == 60:
                state.user_writes(rng.choice(people), "hello, a question about pricing")
            if minute == 720:
                who = rng.choice([p for p in people if p not in stops])
                stops[who] = state.user_writes(who, "STOP").listed_at or now
            summary = run_tick(runtime)
            run_send(runtime)
            counts.ticks += 1
            account = store.accounts.get("demo")
            now_paused = bool(account and account.paused_reason)
            if now_paused and not paused:
                counts.pauses += 1
            if paused and not now_paused:
                counts.resumes += 1
            paused = now_paused
            del summary
            clock.advance(STEP)
        # Quiet hour at the end: everything settles with no trouble switched on.
        counts.faults = state.faults.served + Counter()
        state.faults = Faults()
        for _ in range(8):
            run_tick(runtime)
            run_send(runtime)
            account = store.accounts.get("demo")
            if paused and not (account and account.paused_reason):
                counts.resumes += 1
                paused = False
            clock.advance(STEP)
    counts.still_paused = paused
    sent = [e for e in state.sent_by_account() if e.created_at >= START]
    counts.sent = len(sent)
    counts.duplicates = sum(n - 1 for n in Counter((e.recipient_id, e.text) for e in sent).values()
                            if n > 1)
    failed = store.messages.in_state("demo", "failed", limit=100_000)
    counts.failed = len(failed)
    counts.failed_account_level = sum(
        1 for m in failed if any(word in (m.failure or "").lower() for word in ACCOUNT_WORDS))
    counts.stops = len(stops)
    # The one confirmation of a STOP is its honouring, not a breach of it.
    broken = [e for e in sent if e.recipient_id in stops and CONFIRMATION not in e.text
              and e.created_at > stops[e.recipient_id] + STOP_GRACE]
    counts.stops_broken = len(broken)
    for event in broken:
        print(f"after STOP at {stops[event.recipient_id]}: {event.created_at} {event.text!r}",
              file=sys.stderr)
    for offset in range((clock.now() - START).days + 1):
        day_date = (START + timedelta(days=offset)).date()
        report = build_report(store, ["demo"], day_date).accounts[0]
        ledger = state.ledger.total(day_date.isoformat())
        counts.report_bill += report.api_cost
        counts.ledger_bill += ledger
        if ledger:
            counts.worst_day_gap = max(counts.worst_day_gap, abs(report.api_cost - ledger) / ledger)
    store.close()
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--fault-rate", type=float, default=0.05)
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)  # the ticks' own lines; the counts are the point
    with tempfile.TemporaryDirectory() as folder:
        counts = soak(args.days, Path(folder), fault_rate=args.fault_rate)
    print("\n".join(counts.lines()))
    print("OK" if counts.ok() else "FAILED")
    return 0 if counts.ok() else 1


if __name__ == "__main__":
    sys.exit(main())
