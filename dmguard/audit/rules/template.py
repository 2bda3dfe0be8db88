"""Template errors: the mail merge went wrong and the reader can see it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dmguard.audit.model import Recipient
from dmguard.audit.rules.base import Example, Hit, Subject, rule
from dmguard.audit.text import blank, fold, name_parts, prefiltered

PLACEHOLDER = prefiltered(re.compile(
    r"\{\{\s*[\w.\s|'\"-]*\}\}"                   # {{first_name}}, {{ user.name }}
    r"|\$\{\s*\w[\w.]*\s*\}"                      # ${name}
    r"|\{\s*\w[\w.]*\s*\}"                        # {name}
    r"|\*\|\s*[A-Z0-9_]+\s*\|\*"                  # *|FNAME|*
    r"|%[A-Z][A-Z0-9_]*%"                         # %FNAME%
    r"|<<\s*\w+\s*>>"                             # <<name>>
    r"|\[\s*(?:first[ _]?name|last[ _]?name|full[ _]?name|name|company|city|username"
    r"|handle|product|link|url|date|your name|recipient|fname|lname|address|price|amount"
    r"|phone|phone number|e-?mail|discount|business name|company name|job title|country"
    r"|zip|zip code|location)\s*\]"  # [NAME], [ADDRESS]
    r"|<\s*(?:first[ _]?name|last[ _]?name|name|company|username|fname|link|url)\s*>"
    r"|\bINSERT\s+[A-Z ]{2,30}\s+HERE\b"           # INSERT URL HERE
    r"|(?-i:\b(?:FIRST|LAST)_?NAME\b|\bFNAME\b)"     # FIRST_NAME (capitals: "your lastname" is a word)
    r"|(?<![\w%])%(?:\d\$)?[sd](?!\w)|%\(\w+\)s"      # printf: Hi %s, Hi %(name)s
    r"|#(?:first_?name|last_?name|full_?name|name|fname|lname|user_?name|company|city"
    r"|product|link|url|e-?mail|phone|address|price|date)#"  # #name#, #company#
    r"|(?<![\w:$]):(?:first_?name|name|fname|user_?name)(?![\w:])"  # Hi :name
    r"|(?<![\w$])\$(?:first_?name|last_?name|name|fname|user_?name)\b"  # Hi $name
    r"|(?<![\w$])(?-i:\$(?:PRICE|AMOUNT|TOTAL|DISCOUNT|COMPANY|CITY|PRODUCT|LINK|URL))\b",  # $PRICE
    re.IGNORECASE,
), "{", "[", "<", "%", "*|", "insert", "name", *(f"#{field}#" for field in (
    "company", "city", "product", "link", "url", "email", "e-mail", "phone", "address", "price",
    "date")), *(f"${field}" for field in (
        "price", "amount", "total", "discount", "company", "city", "product", "link", "url")))


@rule(
    "DG001",
    "unfilled-placeholder",
    family="template",
    template_leftover=True,
    scans=[PLACEHOLDER],
    severity="block",
    points=100,
    fails=[
        "Hi {name}, thanks for stopping by!",
        "Hey {{first_name}}, your order shipped.",
        "Dear *|FNAME|*, we miss you",
        "Hello %FNAME%!",
        "Hi [NAME], see INSERT URL HERE",
        "Hi <first name>, welcome",
        "Hi %s, thanks for the follow!",
        "Hi #name#, your order shipped",
        "Hello :first_name, welcome aboard",
        "Hey $name, we miss you",
        "Your order ships to [ADDRESS] within 3 days",
        "Hi Amy, the team at #company# says hello",
        "Today only: the deluxe kit for $PRICE",
    ],
    passes=["Hi Amy, thanks for stopping by!", "A set in Python looks like {1, 2}",
            "What's your lastname for the booking?", "the first_name column of your CSV",
            "Prices rose 5%, so 10%s are rare", "Loved it :heart_eyes: see you at 5:30",
            "It costs $5, name your day", "the $price variable is empty, check line 12",
            "Meet me at [the usual place]", "#company #culture posts are up"],
)
def unfilled_placeholder(subject: Subject) -> Iterator[Hit]:
    """Finds template placeholders that were never filled in.

    Why: A message that says "Hi {first_name}" tells the reader at once that no
    person wrote it and that the sender's system is broken. It is the most visible
    form-letter failure there is.
    Source: a common complaint about form e-mails and auto-DMs; every mail-merge
    syntax seen in the wild ({name}, {{first_name}}, ${name}, %FNAME%, *|FNAME|*,
    [NAME], [ADDRESS], <name>, INSERT URL HERE, printf's %s, #name#, #company#, :name, $name,
    $PRICE in capitals) is recognised.
    Use instead: fill every field, or drop the greeting when the field is empty.
    """
    for match in PLACEHOLDER.finditer(subject.text):
        if match.group().strip("{} ") == "":
            continue
        yield Hit(match.span(), f"unfilled placeholder {match.group()!r}")


BROKEN = prefiltered(re.compile(
    r"\b(?:hi|hey|hello|dear)\s+(?:undefined|null|none|nan|nil)\b"
    r"|\[object Object\]|\bundefined\b",
    re.IGNORECASE,
), "undefined", "null", "none", "nan", "nil", "[object")
EMPTY_GREETING = re.compile(r"\W*(?:hi|hey|hello|dear)\s+,", re.IGNORECASE)


@rule(
    "DG004",
    "broken-value",
    family="template",
    template_leftover=True,
    severity="block",
    points=100,
    fails=["Hi undefined, welcome!", "Hello null!", "Dear , we have news", "Your code: [object Object]",
           "", "   \n\t "],
    passes=["Hi Amy, welcome!", "Hello! None of the options worked, can you help?",
            "Dear, will call tomorrow", "Hey ! Long time no see"],
)
def broken_value(subject: Subject) -> Iterator[Hit]:
    """Finds fields that were filled with an empty or programming value.

    Why: "Hi undefined" or "Dear ," is a placeholder that was filled with nothing;
    the reader sees the machinery just as clearly as with an unfilled one.
    Source: a common complaint about auto-DMs sent from scripts whose profile
    look-up failed.
    An empty or whitespace-only message is the extreme case: a template that
    rendered to nothing.
    Use instead: check the field before rendering and fall back to a message
    without the greeting.
    """
    if blank(subject.raw):
        yield Hit(None, "the message is empty (nothing but whitespace or invisible characters)")
        return
    empty = EMPTY_GREETING.match(subject.raw)
    if empty:
        yield Hit(empty.span(), f"empty name in the greeting {empty.group().strip()!r}")
    for match in BROKEN.finditer(subject.text):
        yield Hit(match.span(), f"empty or broken value in {match.group().strip()!r}")


@rule(
    "DG002",
    "wrong-name",
    family="template",
    needs=["recipient"],
    severity="block",
    points=100,
    fails=[
        Example("Hi Sarah, great to connect!", recipient=Recipient(name="Amy Lee", username="amylee")),
        Example("Hey Tom! Welcome aboard", recipient=Recipient(name="Priya Shah")),
        Example("hi sarah, your order shipped", recipient=Recipient(name="Amy Lee")),
    ],
    passes=[
        Example("Hi Amy, great to connect!", recipient=Recipient(name="Amy Lee")),
        Example("Dear Dr. Lee, your order shipped", recipient=Recipient(name="Amy Lee")),
        Example("hi there, your order shipped", recipient=Recipient(name="Amy Lee")),
        Example("Hey @amylee, welcome", recipient=Recipient(name="Amy Lee", username="amylee")),
        Example("Hi Sarah, great to connect!"),
        Example("Dear valued customer, hello", recipient=Recipient(name="Amy Lee")),
    ],
)
def wrong_name(subject: Subject) -> Iterator[Hit]:
    """Finds a greeting that names someone other than the recipient.

    Why: Content meant for someone else is worse than no name at all: it proves
    the message is a form letter and leaks that another person got it too.
    Source: a common complaint ("the wrong name") about form e-mails and DMs.
    Use instead: take the name from the recipient's profile, never from a list
    that may be out of step with who is being messaged.
    Options: only runs when the recipient's name or username is known.
    """
    recipient = subject.input.recipient
    if recipient is None or not (recipient.name or recipient.username):
        return
    greeted = subject.text.greeted
    if greeted is None:
        return
    words = greeted.words
    known = set(name_parts(recipient.name)) | {fold(recipient.username or "")}
    if any(word in known for word in words):
        return
    expected = recipient.name or recipient.username
    # A name in lower case ("hi sarah") is most likely one, but a word it could be: held
    # for a look (its points, as a warning), not blocked.
    yield Hit(greeted.span, f"greets {' '.join(words).title()!r} but the recipient is "
                            f"{expected!r}", tentative=not greeted.certain)


@rule(
    "DG003",
    "swapped-name",
    family="template",
    needs=["recipient"],
    severity="hold",
    points=40,
    fails=[
        Example("Hi Lee, welcome!", recipient=Recipient(name="Amy Lee")),
        Example("Dear Lee Amy, welcome", recipient=Recipient(name="Amy Lee")),
    ],
    passes=[
        Example("Hi Amy, welcome!", recipient=Recipient(name="Amy Lee")),
        Example("Dear Amy Lee, welcome", recipient=Recipient(name="Amy Lee")),
        Example("Dear Ms. Lee, welcome", recipient=Recipient(name="Amy Lee")),
    ],
)
def swapped_name(subject: Subject) -> Iterator[Hit]:
    """Finds a greeting that uses the family name where the given name belongs.

    Why: "Hi Lee" to Amy Lee reads like a database export with its columns
    mixed up; it is the swapped first/last name of the form-letter complaint.
    Source: a common complaint about form e-mails ("first and last name swapped").
    Use instead: greet with the first name as the recipient writes it.
    """
    recipient = subject.input.recipient
    parts = name_parts(recipient.name if recipient else None)
    if len(parts) < 2:
        return
    greeted = subject.text.greeted
    if greeted is None or greeted.titled:  # "Dear Dr. Lee" is the family name, rightly
        return
    words = greeted.words
    first, last = parts[0], parts[-1]
    if words[0] == last and (len(words) == 1 or words[1] == first):
        yield Hit(greeted.span, f"uses the family name {parts[-1].title()!r} as the first name")


HOLE = prefiltered(re.compile(
    r"(?<![\w_])_{3,}(?![\w_])"                       # Welcome to _____!
    r"|(?<![\w.-])[xX]{5,}(?![\w-])"                  # password xxxxxxxx (kisses are shorter)
    r"|\((?:user ?name|(?:first |last |full |your |his |her |their )?name|(?:his|her|their|your)"
    r" ?(?:website|site|company|business|link|handle)|website|link|url|company|handle"
    r"|insert [^)]{1,30})\)"                            # (username), (Herwebsite)
    r"|\*(?:link|url|name|user ?name|first ?name|website|company)\*"  # *link*
    r"|\((?:website |web |profile |your |site )?(?:link|url)(?: here)?\)"  # (website link)
    r"|\[(?:link|url|client|client name|company name|your company|brand|website|business"
    r"|insert [^\]]{1,30})\]"                          # [link], [Client]
    r"|\[(?:insert |add |your |put )?(?:[\w ]{0,20} )?(?:name|link|url|website|company|email"
    r"|handle|number)(?: here)\]"                      # [LINK HERE], [your name here]
    r"|##\w+##"                                        # ##FIRSTNAME##
    r"|(?<![#\w])#{2,}(?![#\w])"                      # number ##, order #### (not a heading)
    r"|(?<![\w@])@(?:user_?name|your_?handle|handle)\b",  # Hi @username
    re.IGNORECASE,
), "___", "xxxxx", "(", "*", "[", "##", "@user", "@your", "@handle")


def _heading(text: str, start: int) -> bool:
    """``## Title`` at the start of a line is a Markdown heading, not a hole."""
    line_start = text.rfind("\n", 0, start) + 1
    end = start
    while text[end:end + 1] == "#":
        end += 1
    return text[line_start:start].strip() == "" and text[end:end + 1] == " "


@rule(
    "DG005",
    "template-hole",
    family="template",
    scans=[HOLE],
    severity="hold",
    points=60,
    fails=[
        "Welcome to _________! Your temporary username is xxxxxxxxxxxx",
        "(username) uses a validation service. To validate click here",
        "Follow (Herwebsite) for daily tips",
        "Did you see this pic of you *link*",
        "Grab your free guide here: [link]",
        "We helped [Client] triple their leads",
        "You are follower number ## today!",
        "Dear ##FIRSTNAME##, your offer is waiting",
        "Grab it here: [LINK HERE]",
        "Check out (website link) for more",
        "Your order #### has shipped",
        "Hi @username, welcome to the club",
    ],
    passes=[
        "As I said (see above), the keys are under the mat",
        "He wrote 'teh' [sic] in the contract",
        "The x-ray came back clean, love you xxx",
        "## Release notes\nFixed the login bug",
        "### Changes\nThe login works again",
        "Ask @usernamesarehard about it, or see (the link I sent)",
        "Fill in the form by Friday, the rest is done",
        "my_var__name is a bad name",
        "Use C# or F#, not C##",
    ],
)
def template_hole(subject: Subject) -> Iterator[Hit]:
    """Finds the holes of a template in its other common forms: blanks, xxxx, (username), *link*.

    Why: Besides ``{name}`` and ``[NAME]``, form letters are written with blanks
    to fill (``Welcome to _____``), runs of x (``xxxxxxxx``), words in brackets
    or stars that stand for something (``(username)``, ``(Herwebsite)``,
    ``*link*``, ``[link]``, ``[Client]``) and hashes (``##``). Sent as they are,
    they show the reader a template nobody finished.
    Source: holes seen in auto-DM scripts, validation spam and cold pitches
    quoted by the people who received them; ordinary brackets ("(see above)",
    "[sic]"), kisses ("xxx") and Markdown headings are not holes.
    Use instead: fill the hole, or send nothing until it can be filled.
    """
    raw = subject.raw
    for match in HOLE.finditer(subject.text):
        found = match.group()
        if found.strip("#") == "" and _heading(raw, match.start()):
            continue
        yield Hit(match.span(), f"template hole {found!r} was never filled in")


RULES = (unfilled_placeholder, broken_value, template_hole, wrong_name, swapped_name)
