"""What checking a personal reply against the account's recent DMs costs.

Usage: python bench/reply_check.py [--messages N]

N DMs (default 43,200: X's 1,440 a day for the 30 days of ``audit.history_days``)
sent to distinct people are written to a scratch store, half from a few templates
with the recipient's name, half one-off texts. Then one person's reply is checked
(:func:`dmguard.reply_check.check_personal`) as a long personal text (compared with
all N), a short thanks (not compared) and a near-copy of a template (refused), each
timed over a few runs. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import timedelta

from review import NAMES, START, SYLLABLES, scratch_store  # bench/review.py, beside this file

from dmguard import tasks
from dmguard.clock import SimulatedClock, iso
from dmguard.reply_check import check_personal
from dmguard.store.bulk import SeedContact, SeedMessage
from dmguard.tasks import TaskError

#: Longer than review.py's: a near-copy must reach reply_check.MIN_WORDS to be compared.
TEMPLATES = ["Hi {n}! Thanks for following 😊 Check out my channel: https://yt.example/c",
             "Hey {n}, welcome to the family! Use code WELCOME10 for 10% off your first order",
             "{n}, our spring sale starts today: 30% off everything at shop.example this week"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=43_200)
    count = parser.parse_args().messages
    rng = random.Random(5)
    clock = SimulatedClock(START + timedelta(days=30))
    store, config = scratch_store(clock)
    with store.atomic():
        for number in range(count):
            name = f"{rng.choice(NAMES)} {rng.choice(NAMES)}son"
            at = iso(START + timedelta(seconds=60 * number * 43_200 // max(count, 1)))
            contact = store.bulk.contact(SeedContact(account_id="demo", user_id=str(number),
                                                     name=name, first_seen_at=at))
            body = (rng.choice(TEMPLATES).format(n=name.split()[0]) if number % 2 else
                    " ".join("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3)))
                             for _ in range(rng.randint(6, 25))))
            store.bulk.message(SeedMessage(
                account_id="demo", contact_id=contact, direction="out", origin="other",
                kind="unknown", text=body, state="sent", created_at=at, updated_at=at,
                sent_at=at))
    pat, _ = store.people.upsert_contact("demo", "pat", name="Pat Doe")
    task_id = tasks.open_task(store, config, "demo", pat, "reply", "wrote to the account")
    task = store.tasks.get(task_id or 0)
    assert task is not None
    for label, reply in (
            ("long personal reply", "Hi Pat, Sam here: the blue linen shirt you asked about "
                                    "is back in your size, and the Lisbon shop can hold one "
                                    "for you until Friday if you like."),
            ("short thanks", "You're welcome, glad I could help!"),
            ("near-copy of a template", "Hey Pat, welcome to the family! Use code WELCOME10 "
                                        "for 10% off your first order")):
        times, outcome = [], "allowed"
        for _ in range(5):
            started = time.perf_counter()
            try:
                check_personal(store, config, task, reply)
            except TaskError as error:
                outcome = f"refused ({str(error)[:60]}…)"
            times.append(time.perf_counter() - started)
        print(f"{label}: {statistics.median(times) * 1000:,.0f} ms median of 5 "
              f"against {count:,} recent DMs; {outcome}")
    store.close()


if __name__ == "__main__":
    main()
