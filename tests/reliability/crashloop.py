"""Crash and storm harness: the real daemon process against the emulator, killed at will.

The emulator runs in this process, so it outlives every daemon it serves. The
daemon gets a backlog (new followers to welcome, campaign messages already queued,
people who write STOP or ask questions), is SIGKILLed at random moments and at
the worst one (a DM delivered, its answer not yet read), restarted, and at the end
left to drain. Then what the emulator received is compared with the database.

With ``--emulator-restarts N`` the emulator itself restarts N times with its state
lost (SandboxServer.restart): its DM events, followers, rate windows and ledger are
gone, the people stay the same people with the same ids (real accounts exist apart
from the platform's memory), and new ids never repeat old ones (snowflakes). Half the
restarts are graceful (between requests), half happen mid-request: inside a send,
after the DM reached the person and before the daemon hears back. The counts are then
taken from the people's phones (state.Phones), an append-only record of every DM each
person received and wrote that survives every restart: a DM on a phone twice is a
duplicate, whatever the platform still remembers.

``tests/reliability/test_crashloop.py`` runs the short form in ``make test``;
``make soak`` runs ``python -m tests.reliability.crashloop`` with 25 kills under a
30 % fault storm and prints the counts.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dmguard.clock import SystemClock, parse_iso
from dmguard.config import load_config
from dmguard.inbox import OPT_IN_CONFIRMATION, OPT_OUT_CONFIRMATION
from dmguard.platforms.sandbox.scenario import INTERESTS, Population
from dmguard.platforms.sandbox.server import SandboxServer, running
from dmguard.platforms.sandbox.state import (
    DmEvent,
    Faults,
    Limit,
    Phones,
    SandboxState,
    SandboxUser,
    instant_listing,
)
from dmguard.store import Store
from dmguard.submit import submit_into
from dmguard.tick import build_runtime, run_tick

FINAL_STATES = {"sent", "failed", "held", "blocked", "cancelled", "needs_attention"}
#: How people write STOP: the soak mixes in fullwidth, zero-width and other languages.
STOPS = ["STOP", "stop please", "unsubscribe", "ＳＴＯＰ", "S\u200bTOP", "ｓｔｏｐ", "Pare",
         "nein danke, stop", "st\u200dop"]
PENDING_STATES = ("draft", "audited", "queued", "sending")
# The emulator's own windows are lifted: this harness is about crashes, not about
# X's limits (bench/drain.py proves those).
NO_LIMITS = {name: Limit(100_000, 1_000_000)
             for name in ("users_me", "followers", "dm_events", "dm_conversation_events",
                          "send_dm")}

CONFIG = """
[store]
path = "{db}"

[[accounts]]
name = "demo"
platform = "sandbox"
sandbox_url = "{url}"

[audit]
hold_score = 50

# This harness is about delivery: the welcome template going to everyone must not be
# held as a form letter (DG021), or there would be little left to send.
[audit.rules.DG021]
min_recipients = 100000

[limits]
per_15min = 100000
per_24h = 1000000
spacing = "1s"

[caps]
per_recipient_day = 20
per_recipient_week = 50

[quiet_hours]
enabled = false

[policies.sandbox]
automated_requires_user_first = false
welcome_dm = "send"

[[sequences]]
name = "welcome"
trigger = "follow"

[[sequences.steps]]
delay = "now"
template = \"\"\"Hi {{{{ first_name }}}}!{{% if location %}} Greetings to {{{{ location }}}}.{{% endif %}} \\
What brought you to our account? If there's something we can help with, just reply here.\"\"\"

[daemon]
tick_minutes = 1
report_time = "03:00"
timezone = "UTC"

[report]
dir = "{reports}"
"""

# What people write, hostile input among it: the daemon must store each exactly once.
HOSTILE_WRITES = [
    "Hi! Do you ship to Oslo? Couldn't find it on the site.",
    "lone \ud800 surrogate, then {{ 7*7 }}",
    "<script>alert(1)</script> NUL\x00 here",
    "\u202eevil\u202c with zero\u200dwidth joiners",
    "long " * 20_000,
]

CAMPAIGNS = [
    "{first}, the {interest} evening you might like is this Thursday in our {city} shop. "
    "Shall I keep a seat for you?",
    "Hi {first}! We restocked the {interest} kits people in {city} kept asking about. "
    "Want me to put one aside?",
    "{first}, quick one: our {interest} workshop moved to Saturday at 10. "
    "Does that still work for you in {city}?",
]


@dataclass
class Outcome:
    """What happened, and every broken promise found when comparing the two sides."""

    kills: int = 0
    kills_mid_send: int = 0
    kills_leaving_sending: int = 0
    restarts: int = 0
    emulator_received: int = 0
    states: Counter[str] = field(default_factory=Counter)
    settled_by: Counter[str] = field(default_factory=Counter)
    inbound: int = 0
    opt_outs: int = 0
    faults_served: Counter[str] = field(default_factory=Counter)
    drain_seconds: float = 0.0
    duplicates: int = 0
    lost: int = 0
    unexplained: int = 0
    automated_after_opt_out: int = 0
    emulator_restarts: int = 0
    emulator_restarts_mid_send: int = 0
    #: Messages parked for a person (needs_attention), and how many of them the person
    #: did get (a send whose answer was lost with the emulator's memory).
    parked: int = 0
    parked_delivered: int = 0
    #: What people wrote that the emulator forgot before the daemon read it.
    inbound_forgotten: int = 0
    #: Automated DMs that reached a phone after a STOP the platform listed before the send.
    automated_after_listed_stop: int = 0
    second_daemons_refused: int = 0
    double_replies: int = 0
    replies_refused: int = 0
    web_double_replies: int = 0
    web_replies_refused: int = 0
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"kills: {self.kills} ({self.kills_mid_send} between delivery and answer, "
            f"{self.kills_leaving_sending} left a message in 'sending'); restarts: {self.restarts}",
            f"emulator received {self.emulator_received} DMs; faults injected: "
            f"{sum(self.faults_served.values())} ("
            + ", ".join(f"{k} {v}" for k, v in sorted(self.faults_served.items())) + ")",
            "messages by final state: " + ", ".join(f"{k} {v}" for k, v in
                                                     sorted(self.states.items())),
            "settled after a lost answer or a kill: " + (", ".join(
                f"{k} {v}" for k, v in sorted(self.settled_by.items())) or "none"),
            f"emulator restarts with state lost: {self.emulator_restarts} "
            f"({self.emulator_restarts_mid_send} mid-send); parked for a person: "
            f"{self.parked} ({self.parked_delivered} of them on the phone)",
            f"inbound stored: {self.inbound}; opt-outs: {self.opt_outs}; written but "
            f"forgotten by the emulator before it was read: {self.inbound_forgotten}",
            f"duplicate DMs: {self.duplicates}; lost messages: {self.lost}; unexplained "
            f"states: {self.unexplained}; automated DMs after an opt-out: "
            f"{self.automated_after_opt_out}; after a STOP the platform listed before the "
            f"send: {self.automated_after_listed_stop}",
            f"second daemons on the same database refused: {self.second_daemons_refused}; "
            f"double-submitted replies: {self.double_replies} ({self.replies_refused} of the "
            "submits exited 2: refused, or told the storm lost the answer); from the web "
            f"page: {self.web_double_replies} ({self.web_replies_refused} of the posts refused "
            "or told the answer was lost)",
            f"drained {self.drain_seconds:.1f} s after the last start",
        ]


class Daemon:
    """One `dmguard run` process; its log goes to a file so a full pipe never blocks it."""

    def __init__(self, config: Path, workdir: Path) -> None:
        self.config = config
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = (self.workdir / f"daemon-{self.starts:03d}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dmguard", "run", "--config", str(self.config)],
            stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir)
        log.close()

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        if self.process:
            self.process.wait(timeout=30)

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


def _read(db: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def write_config(workdir: Path, url: str) -> Path:
    path = workdir / "dmguard.toml"
    path.write_text(CONFIG.format(db=workdir / "dmguard.db", url=url,
                                  reports=workdir / "reports"))
    return path


def prepare(config_path: Path, state: SandboxState, population: Population,
            rng: random.Random, existing: int, campaigns: int) -> None:
    """The first sync (existing followers are never welcomed), then a queued backlog."""
    config = load_config(config_path)
    people = [population.follower_arrives() for _ in range(existing)]
    store = Store.open(config.store.path, SystemClock())
    try:
        runtime = build_runtime(config, config.accounts[0], store)
        run_tick(runtime, send=False)
        messages = []
        for number in range(campaigns):
            person = people[number % len(people)]
            first = person.name.split()[0]
            text = CAMPAIGNS[number % len(CAMPAIGNS)].format(
                first=first, interest=rng.choice(INTERESTS),
                city=person.location or "Lisbon")
            messages.append({"id": f"c{number}", "text": text,
                             "recipient": {"username": person.username}})
        for result in submit_into(store, config, messages):
            if "error" in result:
                raise RuntimeError(f"could not submit the backlog: {result}")
    finally:
        store.close()


def pending(db: Path) -> int:
    marks = ", ".join("?" for _ in PENDING_STATES)
    return int(_read(db, f"SELECT COUNT(*) FROM messages WHERE state IN ({marks})",
                     PENDING_STATES)[0][0])


def unstored_inbound(db: Path, state: SandboxState) -> int:
    stored = {row[0] for row in _read(db, "SELECT platform_event_id FROM messages "
                                          "WHERE direction = 'in'")}
    with state.lock:
        inbound = [e.id for e in state.events if e.sender_id != state.me.id]
    return sum(1 for event_id in inbound if event_id not in stored)


def run(workdir: Path, *, kills: int, new_followers: int = 8, campaigns: int = 16,
        fault_rate: float = 0.0, seed: int = 1, drain_timeout: float = 150.0,
        emulator_restarts: int = 0,
        progress: Callable[[str], None] = lambda _: None) -> Outcome:
    rng = random.Random(seed)
    # Lenient on purpose (named): no limits, and DMs listed at once, since the inbox does
    # not yet re-read for late listings (issue #14) and the drain waits for every inbound.
    state = SandboxState(SystemClock(), account_username="acme", limits=NO_LIMITS,
                         options=instant_listing())
    population = Population(state, random.Random(seed))
    outcome = Outcome()
    with running(state, lifetime=drain_timeout + kills * 30 + 300) as server:
        config = write_config(workdir, server.url)
        prepare(config, state, population, rng, existing=max(4, campaigns // 3),
                campaigns=campaigns)
        for _ in range(new_followers):
            population.follower_arrives()
        writers = [user for user in state.users.values() if user.id != state.me.id]
        rng.shuffle(writers)
        stoppers, askers = writers[:3], writers[3:3 + len(HOSTILE_WRITES)]
        state.faults = Faults(rate=fault_rate, seed=seed)
        daemon = Daemon(config, workdir)
        armed = threading.Event()

        def kill_mid_send(event: DmEvent) -> None:
            if armed.is_set() and daemon.process is not None:
                armed.clear()
                os.kill(daemon.process.pid, signal.SIGKILL)
                outcome.kills_mid_send += 1

        mid_send = MidSendRestart()

        def on_send(event: DmEvent) -> None:
            if mid_send.trip():
                # The emulator dies inside this send: the DM is on the person's phone,
                # the daemon never hears back, and the new emulator does not list it.
                server.restart(mid_request=True)
                population.state = server.state
                outcome.emulator_restarts += 1
                outcome.emulator_restarts_mid_send += 1
                mid_send.done.set()
            kill_mid_send(event)

        state.on_account_send = on_send
        restart_cycles = _spread(emulator_restarts, kills)
        db = workdir / "dmguard.db"
        try:
            for cycle in range(kills):
                _someone_writes(population, stoppers, askers, cycle, rng)
                daemon.start()
                restart = restart_cycles.get(cycle)
                if restart == "mid-send":
                    mid_send.wait_for(daemon)
                elif restart == "graceful":
                    time.sleep(rng.uniform(0.5, 3.0))
                    _restart_gracefully(server, population, outcome)
                if restart:
                    # Life goes on on the new emulator: people follow and write to it.
                    for _ in range(2):
                        population.follower_arrives()
                    _new_people_write(population, rng)
                if cycle % 3 == 1:
                    _second_daemon_is_refused(config, workdir, daemon, outcome)
                if cycle % 2 == 0:
                    armed.set()
                    deadline = time.monotonic() + 10
                    while armed.is_set() and daemon.alive() and time.monotonic() < deadline:
                        time.sleep(0.02)
                    armed.clear()
                else:
                    time.sleep(rng.uniform(0.5, 4.0))
                daemon.kill()
                outcome.kills += 1
                left = int(_read(db, "SELECT COUNT(*) FROM messages WHERE state = 'sending'")[0][0])
                outcome.kills_leaving_sending += bool(left)
                progress(f"kill {outcome.kills}/{kills}: {pending(db)} pending, "
                         f"{len(state.phones.received())} received, {left} in 'sending'"
                         + (f", emulator restarted ({restart})" if restart else ""))
            _someone_writes(population, stoppers, askers, kills, rng)
            started = time.monotonic()
            daemon.start()
            while pending(db) or unstored_inbound(db, server.state):
                if time.monotonic() - started > drain_timeout:
                    outcome.problems.append(
                        f"not drained after {drain_timeout:.0f} s: {pending(db)} pending, "
                        f"{unstored_inbound(db, server.state)} inbound not stored")
                    break
                if not daemon.alive():
                    outcome.problems.append(f"the daemon died (exit {daemon.process.returncode})"
                                            if daemon.process else "the daemon never started")
                    break
                time.sleep(0.25)
            outcome.drain_seconds = time.monotonic() - started
            if daemon.alive():
                _reply_twice_at_once(config, workdir, db, outcome)
                _post_reply_twice_at_once(config, db, outcome)
                # A reply whose answer the storm lost is settled by the daemon's next turn.
                settle_by = time.monotonic() + drain_timeout
                while pending(db) and daemon.alive() and time.monotonic() < settle_by:
                    time.sleep(0.25)
            outcome.faults_served = server.state.faults.served.copy()
            server.state.faults = Faults()
            if daemon.alive():
                code = daemon.stop()
                if code != 0:
                    outcome.problems.append(f"the daemon exited {code} on SIGTERM")
        finally:
            daemon.kill()
        outcome.restarts = daemon.starts - 1
        compare(db, server.state, outcome)
    return outcome


def _spread(restarts: int, kills: int) -> dict[int, str]:
    """Which kill cycles restart the emulator, and how: evenly spread, the first one
    mid-send, then graceful and mid-send in turn (not in cycle 0, which has no past)."""
    if restarts <= 0 or kills <= 1:
        return {}
    step = (kills - 1) / restarts
    cycles = sorted({1 + int(step * number) for number in range(restarts)})
    return {cycle: ("mid-send" if number % 2 == 0 else "graceful")
            for number, cycle in enumerate(cycles)}


class MidSendRestart:
    """The hook that restarts the emulator inside the daemon's next send, once armed.

    Arming, tripping and giving up take one lock, so a send cannot trip the hook after
    :meth:`wait_for` gave up on it; and :meth:`wait_for` returns only once the new emulator
    is in place, so nobody who arrives meanwhile joins the old one half-way (added to one
    emulator, following on the next)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed = False
        self.done = threading.Event()

    def trip(self) -> bool:
        with self._lock:
            tripped, self._armed = self._armed, False
        return tripped

    def wait_for(self, daemon: Daemon, timeout: float = 10) -> None:
        """Arm the hook, and wait (a while) for the daemon's next send to trip it."""
        self.done.clear()
        with self._lock:
            self._armed = True
        deadline = time.monotonic() + timeout
        while daemon.alive() and time.monotonic() < deadline:
            with self._lock:
                if not self._armed:
                    break
            time.sleep(0.02)
        with self._lock:
            tripped, self._armed = not self._armed, False
        if tripped:
            self.done.wait(timeout)


def _restart_gracefully(server: SandboxServer, population: Population,
                        outcome: Outcome) -> None:
    server.restart()
    population.state = server.state
    outcome.emulator_restarts += 1


def _second_daemon_is_refused(config: Path, workdir: Path, first: Daemon,
                              outcome: Outcome) -> None:
    """A second `dmguard run` on the same database (a redeploy that overlaps) must not
    start beside the first: it exits 2 naming the holder, and nothing is sent twice."""
    time.sleep(0.5)
    if not first.alive():
        return
    done = subprocess.run([sys.executable, "-m", "dmguard", "run", "--once", "--config",
                           str(config)], capture_output=True, text=True, timeout=120,
                          cwd=workdir)
    if done.returncode == 2 and "holds this database" in done.stderr:
        outcome.second_daemons_refused += 1
    elif first.alive():
        outcome.problems.append(f"a second daemon beside a live one exited {done.returncode}: "
                                f"{done.stderr.strip()[-300:]}")


def _reply_twice_at_once(config: Path, workdir: Path, db: Path, outcome: Outcome) -> None:
    """Two `dmguard tasks reply` for one task started together (a double submit)."""
    open_tasks = _read(db, "SELECT id FROM tasks WHERE state IN ('open', 'claimed') "
                           "ORDER BY id LIMIT 1")
    if not open_tasks:
        return
    task_id = str(open_tasks[0][0])
    command = [sys.executable, "-m", "dmguard", "tasks", "reply", task_id,
               "Thanks for writing! Sam here, I will look into it today.", "--who", "sam",
               "--config", str(config)]
    both = [subprocess.Popen(command, cwd=workdir, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    codes = [process.wait(timeout=120) for process in both]
    outcome.double_replies += 1
    outcome.replies_refused += sum(1 for code in codes if code == 2)


def _post_reply_twice_at_once(config_path: Path, db: Path, outcome: Outcome) -> None:
    """The web page's reply form posted twice at the same moment (a double click), over
    real HTTP to the inbox served by waitress, both posts in one logged-in session."""
    import re

    import requests

    from dmguard.users import add_user
    from dmguard.web.app import create_app
    from tests.web.serving import served_over_http

    open_tasks = _read(db, "SELECT contact_id FROM tasks WHERE state IN ('open', 'claimed') "
                           "ORDER BY id LIMIT 1")
    if not open_tasks:
        return
    contact_id = int(open_tasks[0][0])  # type: ignore[call-overload]
    config = load_config(config_path)
    store = Store.open(config.store.path, SystemClock())
    try:
        add_user(store, "soak", "admin", "soak password 1234")
    finally:
        store.close()
    with served_over_http(create_app(config, SystemClock()), channel_timeout=30) as url:
        session = requests.Session()

        def csrf(page: str) -> str:
            found = re.search(r'name="csrf" value="([^"]+)"', page)
            assert found, "a form with a CSRF token"
            return found.group(1)

        login = session.get(f"{url}/login", timeout=30).text
        session.post(f"{url}/login", timeout=30, data={
            "csrf": csrf(login), "name": "soak", "password": "soak password 1234"})
        token = csrf(session.get(f"{url}/people/{contact_id}", timeout=30).text)
        start = threading.Barrier(2)
        codes: list[int] = []

        def post() -> None:
            start.wait()
            answer = session.post(f"{url}/people/{contact_id}/reply", timeout=60,
                                  allow_redirects=False, data={
                                      "csrf": token,
                                      "text": "Hello from the team: we read your message."})
            codes.append(answer.status_code)

        posts = [threading.Thread(target=post) for _ in range(2)]
        for one in posts:
            one.start()
        for one in posts:
            one.join(timeout=90)
        outcome.web_double_replies += 1
        outcome.web_replies_refused += sum(1 for code in codes if code >= 400)


def _new_people_write(population: Population, rng: random.Random) -> None:
    """After an emulator restart: a new follower says STOP, another asks a question."""
    population.follower_arrives()
    population.state.user_writes(population.follower_arrives().id, rng.choice(STOPS))
    population.state.user_writes(population.follower_arrives().id, HOSTILE_WRITES[0])


def _someone_writes(population: Population, stoppers: list[SandboxUser],
                    askers: list[SandboxUser], cycle: int, rng: random.Random) -> None:
    """Before a start: a STOP (in any of its forms), and a question or a hostile message."""
    if cycle < len(stoppers):
        population.state.user_writes(stoppers[cycle].id, rng.choice(STOPS))
    if cycle < len(askers):
        population.state.user_writes(askers[cycle].id, HOSTILE_WRITES[cycle])


def compare(db: Path, state: SandboxState, outcome: Outcome) -> None:
    """What reached the people's phones against the database's record, promise by promise.

    The phones (state.phones) outlive every emulator restart, so a DM delivered by an
    emulator that then forgot it still counts.
    """
    phones = state.phones
    received = phones.received()
    outcome.emulator_received = len(received)
    rows = _read(db, "SELECT m.id, m.state, m.origin, m.platform_event_id, m.failure, "
                     "COALESCE(m.labelled_text, m.text), c.user_id FROM messages m "
                     "JOIN contacts c ON c.id = m.contact_id WHERE m.direction = 'out'")
    by_event = Counter(row[3] for row in rows if row[3])
    parked = Counter((str(row[6]), str(row[5])) for row in rows if row[1] == "needs_attention")
    origin_of = {(str(row[6]), str(row[5])): str(row[2]) for row in rows}
    on_phone = Counter((e.person_id, e.text) for e in received)
    for event in received:
        if by_event[event.event_id] == 1:
            continue
        if by_event[event.event_id] > 1:
            outcome.problems.append(f"DM {event.event_id} is claimed by {by_event[event.event_id]} messages")
        elif parked[(event.person_id, event.text)]:
            outcome.parked_delivered += 1  # its answer was lost; a person decides, never a resend
        else:
            outcome.duplicates += 1
            outcome.problems.append(f"DM {event.event_id} to {event.person_id} is in no message "
                                    f"row: sent twice or by mistake: {event.text[:60]!r}")
    for (person, text), count in on_phone.items():
        if count > 1:
            outcome.duplicates += count - 1
            outcome.problems.append(f"{person} got {count} copies of {text[:60]!r}")
    texts = {e.event_id: e.text for e in received}
    for message_id, message_state, origin, event_id, failure, text, _person in rows:
        if origin == "other":
            outcome.problems.append(f"message {message_id}: our own DM recorded as another "
                                    "tool's")
            continue
        outcome.states[str(message_state)] += 1
        outcome.parked += message_state == "needs_attention"
        if message_state in PENDING_STATES:
            outcome.lost += 1
            outcome.problems.append(f"message {message_id} ended in {message_state!r}")
        elif message_state not in FINAL_STATES:
            outcome.unexplained += 1
            outcome.problems.append(f"message {message_id} ended in unknown state "
                                    f"{message_state!r}")
        elif message_state == "sent" and texts.get(str(event_id)) != text:
            outcome.lost += 1
            outcome.problems.append(f"message {message_id} is 'sent' but no phone has "
                                    f"such DM ({event_id})")
        elif message_state == "failed" and not failure:
            outcome.unexplained += 1
            outcome.problems.append(f"message {message_id} failed without a reason")
    for actor, count in _read(db, "SELECT actor, COUNT(*) FROM message_transitions "
                                  "WHERE from_state = 'sending' AND actor != 'sender' "
                                  "GROUP BY actor"):
        outcome.settled_by[f"{actor}"] = int(count)  # type: ignore[arg-type]
    stored_in = Counter(row[0] for row in _read(
        db, "SELECT platform_event_id FROM messages WHERE direction = 'in'"))
    outcome.inbound = sum(stored_in.values())
    for wrote in phones.written():
        stored = stored_in[wrote.event_id]
        if stored > 1 or (stored == 0 and wrote.incarnation == state.incarnation):
            outcome.problems.append(f"inbound {wrote.event_id} stored {stored} times")
        elif stored == 0:
            outcome.inbound_forgotten += 1
    _check_listed_stops(phones, origin_of, outcome)
    _check_opt_outs(db, outcome)


def _check_listed_stops(phones: Phones, origin_of: dict[tuple[str, str], str],
                        outcome: Outcome) -> None:
    """On the phones: no automated DM may arrive after a STOP that the platform sending
    it listed before the send (a STOP the emulator forgot before anyone read it was
    never listed by the one that sent)."""
    stops = [w for w in phones.written() if w.text in STOPS]
    for delivery in phones.received():
        automated = origin_of.get((delivery.person_id, delivery.text)) in ("sequence", "submit")
        if not automated or delivery.text in (OPT_OUT_CONFIRMATION, OPT_IN_CONFIRMATION):
            continue
        for stop in stops:
            if stop.person_id == delivery.person_id and \
                    stop.incarnation == delivery.incarnation and \
                    stop.listed_at is not None and stop.listed_at < delivery.at:
                outcome.automated_after_listed_stop += 1
                outcome.problems.append(f"{delivery.person_id} got {delivery.text[:40]!r} at "
                                        f"{delivery.at:%H:%M:%S.%f}, after their STOP listed "
                                        f"at {stop.listed_at:%H:%M:%S.%f}")
                break


def _check_opt_outs(db: Path, outcome: Outcome) -> None:
    """No automated DM may be claimed for sending after its recipient's STOP was stored."""
    opt_outs = _read(db, "SELECT contact_id, opted_out_at FROM opt_outs")
    outcome.opt_outs = len(opt_outs)
    for contact_id, opted_out_at in opt_outs:
        claims = _read(db, "SELECT m.id, t.at, COALESCE(m.labelled_text, m.text) FROM messages m "
                           "JOIN message_transitions t ON t.message_id = m.id "
                           "WHERE m.contact_id = ? AND t.to_state = 'sending' "
                           "AND m.origin IN ('sequence', 'submit')", (contact_id,))
        for message_id, at, text in claims:
            if parse_iso(str(at)) > parse_iso(str(opted_out_at)) and \
                    OPT_OUT_CONFIRMATION not in str(text):
                outcome.automated_after_opt_out += 1
                outcome.problems.append(f"message {message_id} went out after contact "
                                        f"{contact_id} opted out")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=25)
    parser.add_argument("--fault-rate", type=float, default=0.3)
    parser.add_argument("--campaigns", type=int, default=60)
    parser.add_argument("--new-followers", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--emulator-restarts", type=int, default=0,
                        help="restart the emulator this many times with its state lost")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory(prefix="dmguard-soak-") as temporary:
        workdir = args.workdir or Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        began = time.monotonic()
        outcome = run(workdir, kills=args.kills, new_followers=args.new_followers,
                      campaigns=args.campaigns, fault_rate=args.fault_rate, seed=args.seed,
                      emulator_restarts=args.emulator_restarts,
                      drain_timeout=600, progress=lambda line: print(line, flush=True))
        print(f"\nsoak: {args.kills} kills, {args.emulator_restarts} emulator restarts, "
              f"fault rate {args.fault_rate:.0%}, seed {args.seed}, "
              f"{time.monotonic() - began:.0f} s")
        for line in outcome.lines():
            print("  " + line)
        for problem in outcome.problems[:50]:
            print("  PROBLEM: " + problem)
    return 1 if outcome.problems else 0


if __name__ == "__main__":
    sys.exit(main())
