"""Pretending to be personal: intimacy claims with nothing personal behind them."""

from __future__ import annotations

from collections.abc import Iterator

from dmguard.audit.model import Context, Recipient
from dmguard.audit.rules.base import Example, Hit, Subject, rule
from dmguard.audit.text import phrases, quote, spans

_THEIR_WHOLE = (r"(?:profile|page|feed|account|content|gallery|vibe|style|work)"
                r"(?! (?:on|about|from|in|with|for|of|at|pic|photo|picture|yesterday|today|last"
                r"|this|that)\b)")
"""The reader's profile or work as a whole: "your work on the bridge" names something in it."""
FAKE_PERSONAL = phrases(
    r"i personally", r"personally (?:selected|chosen|picked|invited)", r"just for you",
    r"especially for you", r"exclusively for you", r"hand-?picked(?: for you)?",
    r"(?:i|we) (?:noticed|saw|came across|checked out|stumbled upon|loved) (?:that )?your "
    r"(?:profile|account|page|feed|tweets|work|bio|background)",
    r"(?:i|we) noticed (?:that )?you", r"given your (?:background|profile|interest)",
    r"you(?:'ve| have) been (?:specially |specifically )?(?:selected|chosen)",
    r"selected (?:you|specially)", r"people like you", r"someone like you",
    r"saw (?:that )?you (?:are|were) a",
    # praise of the reader's whole profile or work, naming nothing in it
    r"(?:love|loved|like|liked|enjoy|enjoyed|admire|adore|dig) (?:your|ur) " + _THEIR_WHOLE,
    r"(?:great|nice|lovely|amazing|awesome|beautiful|cool|stunning|wonderful|gorgeous|dope"
    r"|inspiring|impressive) (?:profile|page|feed|account|gallery)(?! pic)",
    r"(?:your|ur) (?:profile|page|feed|account|gallery|content) (?:is|looks) (?:so |really |very )?"
    r"(?:great|nice|lovely|amazing|awesome|beautiful|cool|stunning|wonderful|gorgeous|dope"
    r"|inspiring|impressive|goals|fire|everything|perfection)",
    r"came across your (?:profile|account|page|feed)",
    r"vi (?:o )?(?:seu|teu) perfil", r"vi tu perfil", r"j['’]ai vu (?:ton|votre) profil",
    r"ich habe (?:dein|ihr) profil gesehen",
    # flattery that fits anyone, and the "select few" it invites
    r"(?:i can see|i can tell|it['’]s clear) (?:that )?you(?:['’]re| are) (?:so |really |very )?"
    r"(?:passionate|driven|ambitious|talented|motivated|someone who|a (?:natural|go-getter|leader))",
    r"(?:your|ur) (?:experience|background|energy|vibe|journey|story) (?:really |truly )?"
    r"(?:stands out|caught my eye|is (?:so |really |truly )?(?:impressive|inspiring))",
    r"inviting (?:a handful|a few|a small (?:group|number)|a select (?:group|few)) of",
    r"(?:private|exclusive) mastermind",
    # the same in Spanish, Portuguese, French, German, Italian
    r"(?:tu|su) perfil es (?:\w+ )?(?:incre[ií]ble|genial|precioso|hermoso|bonito|espectacular)",
    r"(?:me encanta|amo|adoro) (?:tu|su) perfil", r"(?:amei|adorei|amo) (?:o )?(?:seu|teu) perfil",
    r"(?:j['’]adore|j['’]aime) (?:ton|votre) profil", r"(?:ton|votre) profil est (?:\w+ )?(?:g[ée]nial"
    r"|magnifique|superbe|incroyable)",
    r"(?:dein|ihr) profil ist (?:\w+ )?(?:super|toll|klasse|sch[oö]n|genial)",
    r"(?:adoro|amo) il tuo profilo", r"il tuo profilo [eè] (?:\w+ )?(?:bellissimo|fantastico"
    r"|stupendo)",
)


@rule(
    "DG030",
    "fake-personal",
    family="pretending",
    scans=[FAKE_PERSONAL],
    severity="hold",
    points=50,
    fails=[
        Example("I noticed your profile and thought of you: 20% off today.",
                recipient=Recipient(name="Amy Lee", bio="Potter in Lisbon"),
                context=Context(kind="campaign")),
        "I personally picked this offer just for you!",
        "you have a lovely profile", "Love your feed! Check out our shop too",
    ],
    passes=[
        Example("I noticed your profile says you throw pots in Lisbon, how do you fire them?",
                recipient=Recipient(name="Amy Lee", bio="Potter in Lisbon"),
                context=Context(kind="campaign")),
        "I'll pick it up for us tomorrow",
        "I love your work on the Lisbon bridge, how long did it take?",
    ],
)
def fake_personal(subject: Subject) -> Iterator[Hit]:
    """Finds claims of personal attention ("I noticed your profile", "just for you", "love
    your feed").

    Why: An automated message that says "I personally…", "I noticed your
    profile" or "you have a lovely profile" without any real detail pretends to
    be a person (praise of a whole profile fits every profile: it is what
    follow-bots send); people call it out as the most annoying kind of auto-DM.
    Source: X developer guidelines (automation must not deceive); California
    SB 1001 (bots must not mislead about being bots); common complaints
    ("pretending to be personal").
    Use instead: mention the real detail you noticed, or drop the claim.
    Options: with a recipient profile the claim is excused when the message
    also refers to the profile; without a profile it only adds to the score.
    """
    recipient = subject.input.recipient
    if subject.personal_details:
        return
    tentative = recipient is None or not recipient.has_profile
    for span in spans(FAKE_PERSONAL, subject.text):
        yield Hit(span, f"claims personal attention ({quote(subject.raw, span)!r}) "
                        "without any detail about the recipient", tentative)


RULES = (fake_personal,)
