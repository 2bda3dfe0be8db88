"""The inbox with 10,000 open tasks: server time to render the list (target: at most 200 ms).

Usage: python bench/web.py [--tasks N] [--runs R]

A scratch store gets N people, each with one inbound DM and one open task (every
tenth person a second, held-draft task; a third of the tasks overdue; some assigned).
The inbox is rendered in-process through Flask's test client (the WSGI app that
waitress serves), logged in as an agent, so the figure is server time: routing,
session and CSRF lookups, the one-row-per-person query, the counts and the template.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dmguard.clock import SimulatedClock, iso
from dmguard.config import parse_config
from dmguard.store import Store
from dmguard.store.bulk import SeedContact, SeedMessage, SeedTask
from dmguard.users import add_user
from dmguard.web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TARGET_MS = 200.0


def seed(store: Store, count: int) -> None:
    stamp = iso(NOW - timedelta(hours=1))
    with store.atomic():
        store.accounts.ensure("demo", "sandbox")
        store.bulk.contacts(SeedContact(account_id="demo", user_id=str(n), username=f"user{n}",
                                        name=f"Person {n}", first_seen_at=stamp)
                            for n in range(count))
        store.bulk.messages(SeedMessage(
            account_id="demo", contact_id=n + 1, direction="in", origin="person", kind="inbound",
            text=f"Hello, question number {n}: do you ship to Lisbon?", state="received",
            created_at=stamp, updated_at=stamp, sent_at=stamp) for n in range(count))
        tasks = [SeedTask(account_id="demo", contact_id=n + 1, kind="reply",
                          reason="wrote to the account [reply task, asks a question]",
                          priority=50 + n % 40, state="claimed" if n % 7 == 0 else "open",
                          due_at=iso(NOW + timedelta(minutes=(n % 3 - 1) * 90 + n % 50)),
                          created_at=stamp, claimed_by="amy" if n % 7 == 0 else None)
                 for n in range(count)]
        tasks += [SeedTask(account_id="demo", contact_id=n + 1, kind="hold",
                           reason="make this personal", priority=30, state="open",
                           due_at=iso(NOW + timedelta(hours=20)), created_at=stamp)
                  for n in range(0, count, 10)]
        store.bulk.tasks(tasks[:count])
        store.bulk.analyze()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="dmguard-web-"))
    text = (ROOT / "config" / "dmguard.toml").read_text().replace(
        'path = "var/dmguard.db"', f'path = "{folder / "web.db"}"')
    config = parse_config(text, Path("config/dmguard.toml"))
    clock = SimulatedClock(NOW)
    store = Store.open(config.store.path, clock)
    seed(store, args.tasks)
    add_user(store, "amy", "agent", "correct horse battery")
    open_tasks = len(store.tasks.listing(limit=args.tasks * 2))
    store.close()
    app = create_app(config, clock)
    client = app.test_client()
    form = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    assert token
    client.post("/login", data={"csrf": token.group(1), "name": "amy",
                                "password": "correct horse battery"})
    print(f"{open_tasks} open tasks in the store")
    worst = 0.0
    for label, path in (("inbox (all)", "/"), ("overdue", "/?view=overdue"),
                        ("mine", "/?view=mine"), ("search", "/?q=question+number+42"),
                        ("htmx list fragment", "/list")):
        headers = {"HX-Request": "true"} if path == "/list" else {}
        client.get(path, headers=headers)  # warm the caches once
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            answer = client.get(path, headers=headers)
            times.append((time.perf_counter() - start) * 1000)
            assert answer.status_code == 200, answer.status_code
        median, high = statistics.median(times), max(times)
        worst = max(worst, median)
        print(f"{label:<20} median {median:6.1f} ms   max {high:6.1f} ms   "
              f"({len(answer.data) // 1024} KiB)")
    verdict = "ok" if worst <= TARGET_MS else "TOO SLOW"
    print(f"slowest median {worst:.1f} ms (target <= {TARGET_MS:.0f} ms): {verdict}")
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
