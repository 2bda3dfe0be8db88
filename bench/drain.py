"""Drain a backlog through the real sender and tweepy against the emulator, on a simulated clock.

Usage: python bench/drain.py [--messages N]

The sender is called once per simulated minute, as the daemon's send job is.
Prints: simulated days taken, 429 answers, the busiest 15-minute and 24-hour
windows against the configured limits, duplicates and messages not sent.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dmguard.clock import SimulatedClock, parse_iso
from dmguard.config import parse_config
from dmguard.platforms.sandbox.server import running
from dmguard.platforms.sandbox.state import SandboxState, instant_listing
from dmguard.store import Store
from dmguard.store.bulk import SeedMessage
from dmguard.tick import build_runtime, run_send

ROOT = Path(__file__).resolve().parents[1]


def busiest(times: list[datetime], window: timedelta) -> int:
    best, start = 0, 0
    for end, moment in enumerate(times):
        while times[start] <= moment - window:
            start += 1
        best = max(best, end - start + 1)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="dmguard-drain-"))
    text = (ROOT / "config" / "dmguard.toml").read_text().replace(
        'path = "var/dmguard.db"', f'path = "{folder / "drain.db"}"')
    config = parse_config(text, Path("config/dmguard.toml"))
    clock = SimulatedClock(datetime(2026, 11, 23, 0, 0, tzinfo=UTC))
    # Lenient on purpose: a drain benchmark, not a test of listing lag.
    state = SandboxState(clock, account_username="drain", options=instant_listing())
    store = Store.open(config.store.path, clock)
    with running(state, lifetime=3600) as server:
        runtime = build_runtime(config, config.accounts[0], store, sandbox_url=server.url)
        with store.atomic():
            for index in range(args.messages):
                user = state.add_user(username=f"user{index}", name=f"User {index}")
                contact_id, _ = store.people.upsert_contact("demo", user.id, name=user.name)
                store.bulk.message(SeedMessage(
                    account_id="demo", contact_id=contact_id, direction="out", origin="submit",
                    kind="campaign", text=f"note {index}",
                    labelled_text=f"[Automated] note {index}. Reply STOP to opt out.",
                    state="queued", created_at=store.now(), updated_at=store.now()))
        started = time.perf_counter()
        minutes = 0
        while store.bulk.message_count(("queued", "sending")):
            clock.advance(timedelta(minutes=1))
            run_send(runtime)
            minutes += 1
            if minutes % 1440 == 0:
                done = store.bulk.message_count(("sent",))
                print(f"  day {minutes // 1440}: {done:,} sent", file=sys.stderr)
        elapsed = time.perf_counter() - started
        received = state.sent_by_account()
    sent_times = sorted(parse_iso(sent_at) for sent_at in store.bulk.sent_times())
    duplicates = sum(count - 1 for count in Counter(e.text for e in received).values())
    rejected = len(store.runs.api_calls(status=429))
    limits = config.limits
    print(f"drained {args.messages:,} messages in {minutes / 1440:.2f} simulated days "
          f"({elapsed:.1f} s wall clock): {len(received):,} received by the emulator, "
          f"{duplicates} duplicates, {args.messages - len(received)} not sent, "
          f"{rejected} answered 429; busiest 15 min {busiest(sent_times, timedelta(minutes=15))} "
          f"(limit {limits.per_15min}), busiest 24 h {busiest(sent_times, timedelta(hours=24)):,} "
          f"(limit {limits.per_24h:,}), spacing {limits.spacing}")
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
