"""The simulated day behind ``dmguard demo``: the real tick against the sandbox, on a fast clock.

Followers arrive, sequences draft welcomes, a campaign is submitted, everything is
audited, labelled and sent or held; some people reply, one asks for a human, one
says STOP, and a person answers one task. Every step is the production code path:
only the clock and the population are simulated.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from dmguard import actions, outbox, tick, writer_lease
from dmguard.clock import SimulatedClock
from dmguard.config import Config
from dmguard.platforms.sandbox.scenario import Population, seed_population
from dmguard.platforms.sandbox.server import running
from dmguard.platforms.sandbox.state import SandboxState, instant_listing
from dmguard.report import render
from dmguard.report.data import DailyReport, build_report
from dmguard.report.delivery import write_files
from dmguard.store import Origin, Store

CAMPAIGN_GENERIC = ("Dear valued customer, our winter sale is on: 20% off everything, "
                    "today only! Shop now at https://shop.example.com")
CAMPAIGN_BROKEN = "Hi {first_name}, your order has shipped and will arrive soon."


class DemoError(Exception):
    pass


@dataclass
class DemoResult:
    report: DailyReport
    markdown: str
    html_path: Path
    db_path: Path
    sandbox_received: int
    backup: Path | None = None
    """Where the database that was there before the demo was kept, if there was one."""


def _fresh_database(path: Path, config: Config, now: datetime) -> Path | None:
    """Make way for the demo's database: refuse a real X account's and one a daemon is using;
    keep any other as ``<name>.<time>.bak`` beside it (a copy that holds what the write-ahead
    log held too, and never overwrites an earlier backup)."""
    if any(account.platform == "x" for account in config.accounts):
        raise DemoError("the demo only runs on sandbox accounts; this config has a real X "
                        "account, so its database is left alone (use --config with a sandbox "
                        "config)")
    if not path.exists():
        return None
    store = Store.open(path, SimulatedClock(now))
    try:
        holder = writer_lease.live_holder(store)
        if holder is not None:
            raise DemoError(f"a dmguard daemon ({holder}) is using {path}; stop it first, or "
                            "give the demo a database of its own ([store] path in --config)")
        backup = path.with_name(f"{path.name}.{now:%Y%m%d-%H%M%S}.bak")
        store.back_up(backup)
    finally:
        store.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return backup


def demo_zone(now: datetime) -> str:
    """A time zone (whole hours from UTC) in which it is now between 22:00 and 23:00.

    The demo plays 06:00-22:00 of a day that has just ended there, so everything it
    writes lies in the past and in one local day: afterwards every command sees
    replies already made, tasks already due and caps already used, as in real life.
    """
    offset = 22 - now.astimezone(UTC).hour
    if offset > 14:
        offset -= 24
    elif offset < -12:
        offset += 24
    # The Etc area counts the other way round: Etc/GMT-3 is three hours ahead of UTC.
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


def run_demo(config: Config, now: datetime, *, seed: int = 7,
             progress: Callable[[str], None] = print) -> DemoResult:
    """Simulate the 16 hours that end at ``now`` (06:00-22:00 in :func:`demo_zone`).

    The database is made anew."""
    zone = demo_zone(now)
    clock = SimulatedClock(now - timedelta(hours=16))
    day = clock.now().astimezone(ZoneInfo(zone)).date()
    rng = random.Random(seed)
    db_path = Path(config.store.path)
    backup = _fresh_database(db_path, config, now)
    account = config.accounts[0]
    # Lenient on purpose: the simulated clock stands still during a tick, and the inbox
    # does not yet re-read for late listings (issue #14), so the demo lists DMs at once.
    state = SandboxState(clock, account_username=f"{account.name}_demo", options=instant_listing())
    population = seed_population(state, seed=seed)
    store = Store.open(db_path, clock)
    with running(state, lifetime=300) as server:
        runtime = tick.build_runtime(config, account, store, sandbox_url=server.url)
        tick.run_tick(runtime)
        progress(f"{clock.now():%H:%M} sandbox at {server.url}: {len(state.followers)} existing "
                 "followers synced")
        arrivals = sorted(rng.sample(range(30, 15 * 60), 14))
        kinds = ["question", "thanks", "complaint", "question", "human", "stop"]
        step_minutes = config.daemon.tick_minutes
        replied_task = False
        for minute in range(1, 16 * 60 + 1):
            clock.advance(timedelta(minutes=1))
            if arrivals and minute >= arrivals[0]:
                arrivals.pop(0)
                population.follower_arrives(vip=minute % 7 == 0, hostile=minute % 11 == 0)
            if minute == 4 * 60:
                _submit_campaign(store, runtime, rng)
            if minute % 90 == 0 and kinds:
                _someone_replies(store, runtime, population, kinds.pop(0))
            if minute % step_minutes == 0:
                tick.run_tick(runtime)
            else:
                tick.run_send(runtime)
            if minute == 12 * 60 and not replied_task:
                replied_task = _answer_a_task(store, runtime)
            if minute % 120 == 0:
                progress(f"{clock.now():%H:%M} followers={len(state.followers)} "
                         f"sent={len(state.sent_by_account())}")
        report = build_report(store, [a.name for a in config.accounts], day, zone)
        received = len(state.sent_by_account())
    markdown = render.markdown(report)
    files = write_files(report, Path(config.report.dir), render.charts(report))
    store.close()
    html_path = next(path for path in files if path.suffix == ".html")
    return DemoResult(report, markdown, html_path, db_path, received, backup)


def _submit_campaign(store: Store, runtime: tick.AccountRuntime, rng: random.Random) -> None:
    """What another tool would hand in with `dmguard submit`: some generic, some personal."""
    contacts = store.people.followers(runtime.id, limit=9)
    for index, contact in enumerate(contacts):
        if index < 5:
            text = CAMPAIGN_GENERIC
        elif index == 5:
            text = CAMPAIGN_BROKEN
        else:
            first = (contact.name or "there").split()[0]
            place = contact.location or "your city"
            text = (f"Hi {first}, we're opening a pop-up in {place} next month. "
                    "Would you like an invite?")
        outbox.submit(store, runtime.auditor, runtime.config, runtime.id,
                      runtime.account.policy_name, contact, text, origin=Origin.SUBMIT,
                      kind="campaign", actor="demo campaign")


def _someone_replies(store: Store, runtime: tick.AccountRuntime, population: Population,
                     kind: str) -> None:
    """A recipient of an automated DM writes back (or a follower writes first)."""
    user_id = store.messages.last_automated_recipient(runtime.id)
    user = population.state.users.get(user_id) if user_id else None
    if user is None:
        user = population.follower_arrives()
    population.writes(user, kind)


def _answer_a_task(store: Store, runtime: tick.AccountRuntime) -> bool:
    open_tasks = store.tasks.listing(account_id=runtime.id)
    candidates = [t for t in open_tasks if t.kind in ("reply", "human")]
    if not candidates:
        return False
    task = candidates[0]
    name = (task.contact_name or "").split()[0] if task.contact_name else "there"
    actions.reply(store, runtime.config, task.id, "demo-owner",
                  f"Hi {name}, Sam here from the team. Sorry for the wait: I've looked into it "
                  "and will sort it out today.", platform=runtime.platform)
    return True
