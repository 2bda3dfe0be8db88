"""A seeded population for the sandbox: varied, realistic followers who sometimes write.

Deterministic from the seed, so a demo or a test sees the same people every run, with
the same user ids: each seeded person's id is a snowflake of when they made their
account, years ago, drawn from the seed (as X's ids say when an account was made,
fundamentals/x-ids.mdx), not of the moment the emulator started. Given the moment
the world was made (``since``), the seeded conversations are the same DM events,
ids included, too: an emulator started again for the same database is the same
world, not twelve new people asking the same questions again.

A few profiles are hostile on purpose (template syntax, markup, odd scripts):
they must be stored and shown as text, never evaluated.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dmguard.platforms.sandbox.state import (
    SEQUENCE_BITS,
    WORKER_BITS,
    SandboxState,
    SandboxUser,
    snowflake,
)

FIRST = ["Amy", "Priya", "Jonas", "Mei", "Carlos", "Fatima", "Olu", "Sven", "Aiko", "Lucía",
         "Tom", "Nadia", "Ravi", "Chloe", "Mateo", "Ingrid", "Kwame", "Hana", "Diego", "Zoë",
         "Yusuf", "Élodie", "Bram", "Leila", "Noah", "Sakura", "Tariq", "Maja", "Ben", "Ana"]
LAST = ["Lee", "Shah", "Berg", "Chen", "Ruiz", "Khan", "Adeyemi", "Larsen", "Sato", "Moreno",
        "Walsh", "Haddad", "Iyer", "Martin", "Silva", "Holm", "Mensah", "Kim", "Costa", "Dubois"]
ROLES = ["Freelance illustrator", "Senior engineering manager at a bank", "PhD student in ecology",
         "Potter and glaze nerd", "Founder of a tiny coffee roastery", "Nurse, night shifts",
         "Indie game developer", "High-school physics teacher", "Product designer",
         "Retired sailor", "Data journalist", "Small business owner (bike repair)",
         "Backend developer, Rust and Python", "Parent of three, runner", "Landscape photographer"]
INTERESTS = ["sourdough", "trail running", "synth music", "birdwatching", "climbing", "chess",
             "open source", "urban gardening", "film photography", "board games", "cycling"]
PLACES = ["Lisbon", "Berlin", "Lagos", "Osaka", "Toronto", "Austin", "Pune", "Oslo", "Melbourne",
          "São Paulo", "", ""]
LANGS = ["en", "en", "en", "en", "de", "es", "pt", "fr", "ja"]
HOSTILE = [
    {"name": "{{ 7*7 }} {{config}}", "description": "{% for x in range(9) %}boom{% endfor %}"},
    {"name": "<script>alert(1)</script>", "description": "<b>bold</b> & <i>proud</i>"},
    {"name": "\u202eevil\u202c name", "description": "zero\u200bwidth\u200djoin"},
]
QUESTIONS = [
    "Hi! Do you ship to {place}? Couldn't find it on the site.",
    "Is the workshop next week suitable for beginners?",
    "How do I change the email on my account?",
    "What are your opening hours on Sunday?",
]
THANKS = ["Thanks, that helped a lot!", "Cheers, got it working 🙂", "Appreciate the quick answer"]
COMPLAINTS = [
    "My order arrived broken and nobody answers my emails. This is really frustrating.",
    "I was charged twice this month, please fix this.",
]
HUMAN = ["Can I talk to a real person please?", "human please", "Is there an agent I can talk to?"]
STOPS = ["STOP", "stop!!", "Please stop messaging me", "unsubscribe"]


#: Seeded people made their accounts between these moments.
ACCOUNTS_FROM = datetime(2009, 1, 1, tzinfo=UTC)
ACCOUNTS_UNTIL = datetime(2023, 1, 1, tzinfo=UTC)


@dataclass
class Population:
    state: SandboxState
    rng: random.Random
    #: Draws when each person made their account, and so their id (apart from ``rng``,
    #: so a seed gives the same profiles either way); None: ids are snowflakes of now.
    ids: random.Random | None = None

    def _account_made(self) -> dict[str, str]:
        """The user id and created_at of an account made years ago, drawn from ``ids``."""
        assert self.ids is not None
        span = int((ACCOUNTS_UNTIL - ACCOUNTS_FROM).total_seconds() * 1000)
        while True:
            made = ACCOUNTS_FROM + timedelta(milliseconds=self.ids.randrange(span))
            user_id = snowflake(made, self.ids.randrange(1 << WORKER_BITS),
                                self.ids.randrange(1 << SEQUENCE_BITS))
            if user_id not in self.state.users:
                return {"user_id": user_id,
                        "created_at": made.isoformat(timespec="milliseconds")[:23] + "Z"}

    def new_person(self, *, hostile: bool = False, vip: bool = False) -> SandboxUser:
        rng = self.rng
        first, last = rng.choice(FIRST), rng.choice(LAST)
        place = rng.choice(PLACES)
        role, liked, also = rng.choice(ROLES), rng.choice(INTERESTS), rng.choice(INTERESTS)
        if also == liked:  # not "into cycling and cycling": the next interest, drawing nothing
            also = INTERESTS[(INTERESTS.index(liked) + 1) % len(INTERESTS)]  # more at random
        bio = f"{role}. Into {liked} and {also}."
        profile = {
            "username": f"{first.lower().replace('é', 'e').replace('ë', 'e').replace('í', 'i')}"
                        f"{last.lower()}{rng.randint(1, 999)}",
            "name": f"{first} {last}",
            "description": bio,
            "location": place,
            "lang": rng.choice(LANGS),
            "verified": vip or rng.random() < 0.05,
            "followers_count": rng.randint(150_000, 900_000) if vip else int(rng.paretovariate(1.2) * 40),
            "following_count": rng.randint(10, 900),
            "accepts_dms": rng.random() > 0.06,
        }
        if hostile:
            profile.update(HOSTILE[rng.randrange(len(HOSTILE))])
            profile["username"] = f"odd{rng.randint(100, 999)}"
        return self.state.add_user(**profile, **(self._account_made() if self.ids else {}))

    def follower_arrives(self, **kind: bool) -> SandboxUser:
        user = self.new_person(**kind)
        self.state.follow(user.id)
        return user

    def writes(self, user: SandboxUser, kind: str, *, at: datetime | None = None,
               listing_lag: timedelta | None = None) -> str:
        """``user`` DMs the account (now, or ``at``: a DM written before); ``listing_lag``
        as :meth:`SandboxState.user_writes` takes it."""
        pool = {"question": QUESTIONS, "thanks": THANKS, "complaint": COMPLAINTS,
                "human": HUMAN, "stop": STOPS}[kind]
        text = self.rng.choice(pool).format(place=user.location or "Portugal")
        self.state.user_writes(user.id, text, at=at, listing_lag=listing_lag)
        return text


def seed_population(state: SandboxState, seed: int = 7, followers: int = 12,
                    conversations: int = 3, *, since: datetime | None = None) -> Population:
    """Existing followers (one hostile profile among them) and a few open conversations,
    the same people (ids included) for the same seed.

    ``since``: when this world was made, and its conversations written (default: now);
    they are listed from then on.
    The same ``since`` gives the same DM events with the same ids, so the emulator of a
    daemon that restarts, started again with the moment it first started, lists the
    DMs the daemon has already read, not new ones."""
    population = Population(state, random.Random(seed), ids=random.Random(f"ids-{seed}"))
    people = [population.follower_arrives() for _ in range(followers - 1)]
    people.append(population.follower_arrives(hostile=True))
    for user in people[:conversations]:
        # History the emulator starts with: already listed, as X lists a DM it has had
        # for a while (a strict emulator would otherwise hide it from the first sync).
        population.writes(user, "question", at=since, listing_lag=timedelta(0))
    return population
