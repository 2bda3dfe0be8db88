"""What the judge reads in a message: words, word pairs, pieces of words, and shape.

The same code serves fitting and judging, so the model sees at run time exactly
what it was fitted on. Every feature is a short string with a prefix:

- ``w:`` a word (lower case; links, @handles, numbers and emoji become ``<url>``,
  ``<at>``, ``<num>``, ``<emoji>`` so that no particular link or handle is learned),
- ``b:`` two neighbouring words,
- ``c:`` a four-letter piece of a word (with ``^``/``$`` at its ends), which lets
  "subscribe", "subscribers" and "subcribe" share weight,
- ``s:`` a shape of the message: the idea of a form letter rather than its wording
  (a greeting with a call to action or nothing more, a self-introduction, a call to
  action, a generic second-person opening, a template hole, links, shouting, no
  question and no concrete referent, an announcement about someone by name,
  self-promotion, follow-for-follow, verification or prize bait, someone arriving in
  a group, instructions to a newcomer, a name in an arrival or a joke reveal, asking
  for subscribers, a link to someone's own page, a shortened link, what the reader said
  or did, what the sender did),
- ``r:`` the name of another rule that found something in the message (the named
  rules run first; the judge weighs what they found).

Counting: every distinct word of a message adds its ``w:`` and ``c:`` features
once (a piece shared by two different words counts twice), every distinct pair
and every shape once. That is what lets the judge add up a cached weight per
word at run time (:meth:`dmguard.audit.judge.model.Judge.logit`) instead of
building feature strings for every message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import chain

from dmguard.audit.pitch_cues import FIRM_HELPS_ABROAD
from dmguard.audit.reader_cues import KNOWS_THE_READER, KNOWS_THE_READER_WORDS
from dmguard.audit.text import Prepared

TOKEN = re.compile(
    # The lookahead holds every character a token can start with (a superset): the scan
    # skips spaces and punctuation without trying each alternative there.
    r"(?=[\w@\-\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff])(?:"
    r"(?:https?://|www\.)\S+|\b[a-z0-9-]+\.(?:com|co|io|net|org|ml|tv|me|ly|app|shop|store"
    r"|info|biz)(?:/\S*)?\b"
    r"|@\w+"
    r"|\d{5,}"
    r"|\d+(?:[.,:]\d+)*"
    r"|[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff]"
    r"|[^\W\d_]+(?:['’][^\W\d_]+)*)",
    re.UNICODE,
)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")


def _starting_with(first: str, pattern: str) -> re.Pattern[str]:
    """``pattern`` behind a lookahead of the letters its matches start with (every one of
    them): the scan passes over other positions without trying each alternative. (For a
    pattern with branches opening with most letters, as :data:`CTA`, this is faster than
    :func:`_at_word_starts`: there the letter check passes almost everywhere.)"""
    return re.compile(f"(?=[{first}])(?:{pattern})")


def _at_word_starts(*branches: str, then: str = "") -> re.Pattern[str]:
    """A pattern that finds a match wherever ``\\b(?:branch|…)then`` does (for ``search``: the
    branches are grouped by first letter), for branches that each open with a letter.

    Written so that the scan jumps from one of those first letters to the next: each group is
    its letter, then a look behind it over two characters for the ``\\b`` (no word character
    before the letter), then the rests of its branches. A pattern whose every branch opens
    with a letter is searched for those letters first; one that opens with ``\\b`` or a
    look-ahead is tried at every position."""
    rests: dict[str, list[str]] = {}
    for branch in branches:
        rests.setdefault(branch[0], []).append(branch[1:])
    return re.compile("(?:" + "|".join(
        first + r"(?<!\w.)" + (group[0] if len(group) == 1 else "(?:" + "|".join(group) + ")")
        for first, group in rests.items()) + ")" + then)


WELCOME = _at_word_starts(
    r"welcome\b",
    r"thanks? (?:you )?(?:so much |a lot )?for (?:the )?"
    r"(?:follow(?!(?:ing|ed)?[ -]up\b)|connect|join|subscrib)",
    r"has (?:joined|arrived|landed|entered|appeared|shown up)\b",
    r"have (?:joined|arrived|landed|entered|appeared|shown up)\b",
    r"just (?:joined|arrived|landed|entered|appeared|shown up)\b",
    r"joined (?:the|our|us)\b",
)
SELF_INTRO = _at_word_starts(
    "my name is", "i am an?", "i'm an?", "we are an?", "we're an?", "i'm the", "i am the",
    r"this is \w+ from", r"at \w+(?: \w+)?,? we",
    "our (?:company|team|agency|channel|page|store|shop|brand|app|service|community|platform"
    "|product|website|site)",
    then=r"\b",
)
CTA = _starting_with(
    "cvtsfjrdbomghalu",
    r"\b(?:check (?:out|it out|us out|me out|my)|visit|click|tap|subscribe|sub to|follow (?:me|us|back)"
    r"|join (?:us|our|my|now|today)|sign up|signup|register|download|buy|order now|shop now|call now"
    r"|text \w+ to|reply (?:with|yes|stop|now)|dm (?:me|us)|message (?:me|us)|grab|claim|get your"
    r"|don'?t miss|hurry|limited time|act now|apply now|book (?:a|your|now)|learn more|find out more"
    r"|let'?s connect|hit me up|link in (?:my )?bio|use (?:my |the )?code)\b"
)
HOLE = re.compile(
    r"_{3,}|\bx{4,}\b|\((?:user ?name|name|first ?name|his\w*|her\w*|your \w+|website|link|url)\)"
    r"|\*(?:link|url|name)\*|\[(?:link|url|client|name|company)\]|##"
)
# The first word (or words) one of which each regex above needs: the regex is only
# run when the message holds one of them.
WELCOME_WORDS = frozenset({"welcome", "thanks", "thank", "has", "have", "just", "joined"})
SELF_INTRO_WORDS = frozenset({"my", "i", "i'm", "we", "we're", "this", "at", "our"})
CTA_WORDS = frozenset({
    "check", "visit", "click", "tap", "subscribe", "sub", "follow", "join", "sign", "signup",
    "register", "download", "buy", "order", "shop", "call", "text", "reply", "dm", "message",
    "grab", "claim", "get", "don't", "dont", "hurry", "limited", "act", "apply", "book", "learn",
    "find", "let's", "lets", "hit", "link", "use"})

GREETINGS = frozenset({"hi", "hey", "hello", "dear", "hiya", "heya", "greetings", "welcome",
                       "yo", "howdy", "sup", "hola", "ahoy"})
OPENING_GREETINGS = frozenset({"hi", "hey", "hello", "dear", "hiya", "heya", "greetings"})
"""Greetings that carry no weight of their own where a message opens with them (no ``s:greeting``
and no pair with ``<start>``): people open DMs with them as often as templates do (38 % and
37 % of the probe writers' personal and automated messages), but the chit-chat and SMS
corpora the judge is fitted on hardly greet, so fitted, an opening "Hi" learned "automated".
A greeting still counts in its combinations (``s:greeting+cta``, ``s:greeting-nothing-more``)."""
DAY_PARTS = frozenset({"morning", "afternoon", "evening", "night"})
GENERIC_OPENINGS = frozenset({("are", "you"), ("do", "you"), ("did", "you"), ("have", "you"),
                              ("if", "you"), ("if", "you're"), ("looking", "for"), ("want", "to"),
                              ("need", "a"), ("need", "more"), ("need", "help"), ("you", "have"),
                              ("you", "are"), ("you", "deserve"), ("you", "can"), ("you", "could"),
                              ("you", "will")})
TIME_WORDS = frozenset({"today", "tonight", "tomorrow", "yesterday", "monday", "tuesday",
                        "wednesday", "thursday", "friday", "saturday", "sunday", "o'clock", "am",
                        "pm", "morning", "afternoon", "evening", "weekend", "later", "soon",
                        "earlier", "week", "month", "year", "ago", "last"})
MONEY_WORDS = frozenset({"free", "prize", "cash", "win", "winner", "reward", "discount", "offer",
                         "deal", "bonus", "paypal", "bitcoin", "bitcoins", "btc", "giftcard",
                         "giftcards", "itunes"})
FIRST_SINGULAR = frozenset({"i", "i'm", "i've", "i'd", "i'll", "me", "my", "mine", "im"})
WE = frozenset({"we", "we're", "we've", "we'll", "our", "us"})
YOU = frozenset({"you", "your", "you're", "yours", "u", "ur"})
I_OR_WE = FIRST_SINGULAR | WE
PRONOUNS = I_OR_WE | YOU
HASHTAG = re.compile(r"#(?<![\w&]#)[^\W\d_]\w+")
"""A hashtag: ``(?<![\\w&])#…``, with the look-behind after the ``#`` so that the scan jumps from
one ``#`` to the next."""
CROWD = frozenset({"guys", "everyone", "everybody", "y'all", "yall", "folks", "people", "anyone",
                   "somebody", "someone"})
# Self-promotion: "my/our" + something one publishes.
OWN_MEDIA = frozenset({
    "channel", "channels", "page", "pages", "video", "videos", "vid", "vids", "song", "songs",
    "music", "blog", "website", "site", "stream", "streams", "playlist", "album", "app", "shop",
    "store", "book", "podcast", "art", "cover", "covers", "remix", "mixtape", "newsletter",
    "brand", "products", "product", "twitter", "instagram", "facebook", "youtube", "tiktok",
    "twitch", "soundcloud", "shirts", "merch", "beats", "track", "tracks", "movie", "film",
    "petition", "fundraiser"})
"""Things one publishes and promotes (not "account" or "profile": "my account is locked")."""
PROMOTE_VERBS = frozenset({"subscribe", "sub", "subs", "follow", "like", "check", "visit", "watch",
                           "listen", "share", "add", "support", "vote", "view", "go", "see"})
RECIPROCAL_WORDS = frozenset({"f4f", "l4l", "sub4sub", "s4s", "follow4follow", "like4like",
                              "followback", "subback"})
VERIFY_WORDS = frozenset({"validate", "validation", "verify", "verification", "verified",
                          "confirm", "suspended", "suspension", "flagged", "unlock", "activate",
                          "captcha", "human"})
PRIZE_WORDS = frozenset({"winner", "winners", "prize", "prizes", "giveaway", "claim", "reward",
                         "rewards", "voucher", "vouchers", "lucky", "selected", "gift", "jackpot",
                         "won", "sweepstakes", "draw"})
# A grievance: people complain, form letters do not.
GRIEVANCE = frozenset({
    "terrible", "horrible", "worst", "awful", "broken", "broke", "refund", "refunded",
    "cancelled", "canceled", "delayed", "disappointed", "disappointing", "ridiculous",
    "unacceptable", "charged", "overcharged", "error", "issue", "issues", "problem", "problems",
    "stuck", "waiting", "waited", "missing", "lost", "wrong", "rude", "useless", "annoying",
    "frustrating", "frustrated", "complaint", "nobody", "sucks", "bad", "poor", "failed",
    "fails", "crashed", "crashes", "slow", "late", "still", "again", "anymore", "idiots",
    "ugh", "why"})
# Verbs that make a capitalised word the subject of a sentence about someone
# ("Sam has arrived", "Sam just joined", "Sam is here").
THIRD_PERSON_VERBS = frozenset({
    "has", "is", "was", "just", "joined", "arrived", "appeared", "entered", "landed", "came",
    "comes", "hopped", "jumped", "showed", "spawned", "dropped", "slid", "joins", "arrives",
    "enters", "appears", "lands", "did", "does", "will", "can", "wants", "likes", "says",
    "said", "made", "brought", "here", "got"})
# Capitalised words that start sentences without naming anyone.
NOT_A_NAME = frozenset({
    "i", "it", "this", "that", "these", "those", "there", "here", "he", "she", "they", "we",
    "you", "what", "who", "which", "where", "when", "why", "how", "everything", "nothing",
    "something", "anything", "everyone", "someone", "anyone", "nobody", "somebody", "everybody",
    "today", "tomorrow", "tonight", "yesterday", "my", "your", "his", "her", "our", "their",
    "the", "a", "an", "one", "no", "yes", "all", "each", "time", "life", "love", "work", "mom",
    "mum", "dad", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "god", "weather", "dinner", "lunch", "breakfast", "traffic", "music",
    "and", "but", "so", "if", "then", "also", "still", "now", "well", "oh", "ok", "okay", "lol",
    "haha", "hey", "hi", "hello", "welcome", "thanks", "thank", "please", "sorry", "yeah", "wow",
    "great", "good", "nice", "just", "not", "maybe", "sure", "really", "very", "too", "she's",
    "he's", "it's", "that's", "there's", "what's", "who's", "let's"})
# Someone arriving in a group, told to the room ("… just joined", "… slid into the chat",
# "… is here", "we were expecting you"): the idea of a join announcement, whoever arrives.
ARRIVAL = re.compile(
    r"\b(?:just|has|have|had|finally) (?:joined|arrived|landed|entered|appeared|shown up|showed up"
    r"|slid|hopped|jumped|fell|dropped|walked|wandered|teleported|warped|spawned|popped|rolled"
    r"|stepped|stumbled|burst|crashed|made it|come|came|boarded|docked|beamed|materiali[sz]ed"
    r"|parachuted|sneaked|snuck|waltzed|strolled|marched|tumbled)\b"
    r"|\bhath (?:arrived|joined|come|entered)\b"
    r"|\b(?:slid|slides|hopped|hops|jumped|jumps|fell|falls|dropped|drops|walked|walks|wandered"
    r"|teleported|warped|spawned|popped|rolled|stepped|stumbled|burst|crashed|came|comes|joined"
    r"|joins) (?:in|into|onto)\b"
    r"|\b(?:is|are) (?:here|in the house|among us|in the chat|in the server)\b"
    r"|\b(?:you|they) made it\b|\bexpecting you\b|\bin the presence of\b|\bshowed up\b"
    r"|\bappears?\b|\bapproaches\b|\bhas been summoned\b"
    r"|\b(?:joined|arrived|appeared|landed|entered)(?= ?[.!]|$)|\b(?:in|into) the (?:chat|server|lobby)\b"
    r"|\b(?:i give you|please welcome|give it up for|make some noise for|say (?:hi|hello) to"
    r"|put your hands together for|all hail|behold)\b"
)
ARRIVAL_WORDS = frozenset({
    "joined", "joins", "arrived", "arrives", "landed", "entered", "appeared", "appear", "appears",
    "shown", "showed", "slid", "slides", "hopped", "hops", "jumped", "jumps", "fell", "falls",
    "dropped", "drops", "walked", "walks", "wandered", "teleported", "warped", "spawned", "popped",
    "rolled", "stepped", "stumbled", "burst", "crashed", "made", "come", "came", "comes", "here",
    "house", "among", "chat", "server", "lobby", "expecting", "presence", "approaches",
    "summoned", "give", "welcome", "noise", "hi", "hello", "hands", "hail", "behold", "boarded",
    "docked", "beamed", "materialised", "materialized", "parachuted", "sneaked", "snuck",
    "waltzed", "strolled", "marched", "tumbled", "hath"})
"""One of these is in every phrase :data:`ARRIVAL` finds (the regex only runs when one is)."""
# What follows an arrival told as news between people: when or where it happened ("came in
# this morning", "made it home safe", "landed at 6"). A join announcement cannot know that.
# Nor is "here" pointing at what follows ("tracking is here: https://…") an arrival.
REPORTED_ARRIVAL_TAIL = re.compile(
    r" (?:in |back |over |by |round |around |home )?(?:this (?:morning|afternoon|evening|week"
    r"|weekend)|last (?:night|week|weekend|month|year)|yesterday|earlier|today|tonight"
    r"|on (?:mon|tues|wednes|thurs|fri|satur|sun)day|at \d|around \d|home\b|safe|ok\b|okay"
    r"|fine\b|back\b|late\b|early\b|on time\b)|(?<=here) ?:")
HI_HELLO = frozenset({"hi", "hello"})
ARRIVAL_WORDS_BUT_HI = ARRIVAL_WORDS - HI_HELLO
""""hi" and "hello" are only in "say hi/hello to": with neither "say h" in the text, they
do not call for the regex (most messages open with "hi")."""
# The group as a place ("the chat", "our server", "this guild"): where a bot announces arrivals.
GROUP_PLACES = frozenset({"chat", "server", "group", "guild", "lobby", "clan", "community", "crew",
                         "squad", "channel", "realm", "village", "tribe", "gang", "fam", "family",
                         "club", "discord", "telegram"})
GROUP_DETERMINERS = frozenset({"the", "our", "this"})
# What a newcomer is told to do: read the rules, introduce yourself, say hi, grab roles.
NEWCOMER = re.compile(
    r"\b(?:read|check|follow|respect) (?:the|our) (?:rules|pinned|faq|guidelines|pins)\b"
    r"|\bintroduce yourself\b|\bsay (?:hi|hello|hey)\b|\bmake yourself (?:at home|comfortable)\b"
    r"|\benjoy (?:your|the) stay\b|\bgrab (?:a|your|some) (?:seat|roles?|slice|drink|snack)\b"
    r"|\bdon'?t (?:lurk|be shy|be a stranger)\b|\bpinned (?:message|post)\b|\bstay (?:awhile|a while)\b"
    r"|\blook busy\b|\bhave fun\b|\bfeel at home\b|\bget comfy\b|\bpull up a chair\b"
)
NEWCOMER_WORDS = frozenset({
    "rules", "pinned", "faq", "guidelines", "pins", "introduce", "hi", "hello", "hey", "home",
    "comfortable", "stay", "lurk", "shy", "stranger", "seat", "role", "roles", "slice", "drink",
    "snack", "awhile", "while", "busy", "fun", "comfy", "chair"})
HI_HELLO_HEY = frozenset({"hi", "hello", "hey"})
NEWCOMER_WORDS_BUT_HI = NEWCOMER_WORDS - HI_HELLO_HEY
"""As for :data:`ARRIVAL_WORDS_BUT_HI`: a greeting only counts after "say"."""
# A greeting, then a capitalised word that names someone ("Hey Sam", "Welcome, Sam").
GREETING_NAME = re.compile(
    r"^\W*(?i:(?:(?:oh|well|ah) )?(?:hey|hi|hello|hiya|heya|welcome|greetings|yo|hola|howdy|ahoy"
    r"|salutations|cheers|bonjour|ciao|aloha|good (?:morning|afternoon|evening|day))"
    r"(?: there)?)[\s,!]+([A-ZÀ-ÖØ-Þ][\w'’-]*)"
)
OPENS_WITH_NAME = re.compile(r"^\W*([A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+)\s*[,!]")
# The sender telling what they did ("I moved your post", "we swapped the tile", "I read your
# paper"): a report of something done, which a template, written before anything happened,
# cannot hold. Not the verbs of a pitch or of a form letter's feigned interest ("we helped 40
# firms", "I noticed your profile", "we've received your message", "we tried to call you").
DID = re.compile(
    r"\b(?:i|we)(?:['’]ve| have| had)? (?:just |already |also |finally )?"
    r"(?!(?:noticed|loved|liked|wanted|reached|started|launched|created|released|helped|worked"
    r"|partnered|received|hoped|wondered|enjoyed|visited|followed|checked|decided|needed|used"
    r"|designed|developed|compiled|prepared|curated|selected|teamed|dropped|opened|updated"
    r"|introduced|invested|achieved|earned|generated|joined|featured|published|posted|shared"
    r"|recorded|uploaded|produced|mentioned|listed|tested|gathered|collected|hired|trained"
    r"|expanded|announced|tried)\b)"
    r"(?:\w{3,}ed|found|sent|put|took|gave|got|built|wrote|ran|left|brought|kept|paid|fixed"
    r"|moved|swapped|changed|booked|read|met|saw)\b")
DID_SUBJECTS = frozenset({"i", "we", "i've", "we've", "i’ve", "we’ve"})
"""One of these is in every phrase :data:`DID` finds."""
# "it's (just) Sam", "is it Sam": the joke reveal of who arrived.
REVEALS_NAME = re.compile(
    r"\b(?i:it['’]?s|it is|is it|its) (?i:just |only |me,? |actually )?([A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+\b"
    r"|@[\w.]+)")
# Asking for subscribers, views or votes for oneself ("sub to me", "check me out",
# "if I reach 500 subscribers", "vote for me").
AUDIENCE_ASK = re.compile(
    r"\b(?:sub|subscribe|subs|follow|add)(?: to)? (?:me|my|us|our)\b"
    r"|\bcheck (?:me|us|them|him|her|it|this|my \w+|our \w+) out\b"
    r"|\b(?:watch|see|view|listen to|look at|like|share|visit|support|vote for) (?:me|my|our|us)\b"
    r"|\b(?:reach|get|hit|gain|to|at) \d[\d,.]* ?k? ?(?:subs|subscribers|followers|likes|views|fans)\b"
    r"|\b\d+ (?:yr|year|years) old (?:\w+ )?(?:producer|rapper|singer|artist|youtuber"
    r"|gamer|musician|dancer|vlogger|streamer)\b"
)
AUDIENCE_VERBS = frozenset({"sub", "subscribe", "subs", "follow", "add", "check", "watch", "see",
                            "view", "listen", "look", "like", "share", "visit", "support", "vote"})
AUDIENCE_OBJECTS = frozenset({"me", "my", "us", "our", "out"})
AUDIENCE_COUNTS = frozenset({"subs", "subscribers", "followers", "likes", "views", "fans", "yr",
                             "year", "years"})
# A link to someone's own page or profile rather than to a thing (a post, a video, an article).
PROFILE_LINK = re.compile(
    r"(?:facebook|fb|instagram|tiktok|soundcloud|twitch|bandcamp|patreon|linktr)\.(?:com|ee|tv)/"
    r"(?!watch|status|events?/|photo|story|p/|reel|videos?/|posts?/)|/(?:profile|pages|user|channel|c)/"
    r"|profile\.php")
# A shortened link: where it goes is hidden (Twitter's own t.co wraps every link, so not that).
SHORT_LINK = re.compile(
    r"\b(?:bit\.ly|goo\.gl|tinyurl\.com|ow\.ly|is\.gd|buff\.ly|adf\.ly|shorte\.st|cutt\.ly"
    r"|rebrand\.ly|tiny\.cc|shhort\.com|shorturl\.at|rb\.gy|t\.ly)/")
URL = re.compile(r"(?:https?://|www\.)\S+")
# Making something and wanting it seen: "I make beats", "I rap", "I'm a singer".
_CREATIONS = (r"(?:(?:\w+ )?(?:producer|rapper|singer|artist|youtuber|gamer|musician|dancer"
              r"|vlogger|streamer|band|songwriter|designer|photographer|blogger))\b")
_MAKES = r"(?:make|made|produce|rap|sing|upload|post|stream|draw|record|write|film|edit)\b"
CREATOR = _at_word_starts(
    "i " + _MAKES, "we " + _MAKES,
    "i'?m an? " + _CREATIONS, "i am an? " + _CREATIONS, "we'?re an? " + _CREATIONS,
    "we are an? " + _CREATIONS,
    # what one has just released, or keeps making ("my first single dropped", "I do reaction
    # videos", "I've been uploading drum covers")
    r"my (?:first|new|latest|debut) (?:single|track|song|short|video|ep|album|mixtape|cover|beat)\b",
    r"i do (?:reaction|music|drum|guitar|piano|dance|cover) (?:videos|covers)\b",
    r"i'?ve been uploading\b", r"i have been uploading\b",
)
# A business pitch to a stranger: what the sender's firm does for clients like the reader,
# offered unasked ("we help …", "we're a … agency", "I'm reaching out", "feature your brand").
_FIRMS = (r"(?:agency|company|firm|studio|startup|platform|network|consultancy|marketplace"
          r"|team|brand)\b")
_TRADES = (r"(?:consultant|freelancer|recruiter|strategist|marketer|coach|developer|designer"
           r"|copywriter|writer|agent|specialist|expert)\b")
PITCH = _at_word_starts(
    r"we help (?!out\b|each\b|at\b|with\b|them\b|him\b|her\b|my\b|our\b)",
    r"we specialis", r"we specializ", r"we partner with\b",
    r"we work with (?:brands|businesses|companies|startups|teams|founders|creators|coaches)\b",
    r"we'?re an? (?:[\w-]+ ){0,3}" + _FIRMS, r"we are an? (?:[\w-]+ ){0,3}" + _FIRMS,
    r"i help (?:brands|businesses|companies|startups|teams|founders|creators|coaches|people)\b",
    *(who + r"(?:'ve| have)? helped (?:over |more than |dozens of |hundreds of )?(?:\d|dozens"
      r"|hundreds)" for who in ("i", "we")),
    r"i specialis", r"i specializ",
    r"i'?m an? (?:[\w-]+ ){0,2}" + _TRADES, r"i am an? (?:[\w-]+ ){0,2}" + _TRADES,
    r"reaching out (?:to|because|about|on behalf)\b",
    r"can help you (?:get|grow|increase|reduce|boost|scale|reach|save|rank|double|triple"
    r"|generate|land|automate)\b",
    *(verb + r" your (?:brand|business|company|product|page|profile|work|channel|account"
      r"|content)\b" for verb in ("feature", "promote", "showcase", "sponsor")),
    *(kind + r" (?:opportunit|program|offer|deal|proposal)" for kind in (
        "partnership", "collaboration", "collab", "sponsorship", "ambassador", "affiliate",
        "business")),
    # "we help companies (like yours)", "allow me to contact you", in other languages
    *FIRM_HELPS_ABROAD,
    r"me pongo en contacto (?:contigo|con usted)\b", r"je me permets de vous (?:contacter|écrire)\b",
    r"mi permetto di (?:contattarti|scriverti|contattarla)\b",
)
PITCH_WORDS = frozenset({
    "help", "helped", "specialise", "specialize", "specialising", "specializing", "specialised",
    "specialized", "partner", "reaching", "feature", "promote", "showcase", "sponsor",
    "partnership", "collaboration", "collab", "sponsorship", "ambassador", "affiliate",
    "business", "agency", "company", "firm", "studio", "startup", "platform", "network",
    "consultancy", "marketplace", "team", "brand", "consultant", "freelancer", "recruiter",
    "strategist", "marketer", "coach", "developer", "designer", "copywriter", "writer", "agent",
    "specialist", "expert", "brands", "businesses", "companies", "startups", "teams", "founders",
    "creators", "coaches", "ayudamos", "empresas", "pongo", "ajudamos", "aidons", "entreprises",
    "permets", "unterstützen", "helfen", "unternehmen", "aiutiamo", "aziende", "permetto",
    "membantu", "yardımcı"})
"""One of these is in every phrase :data:`PITCH` finds (the regex only runs when one is)."""
# Asking leave to use something of the reader's ("can we repost it on our page?", "mind if I
# use it in class?"): "our page" is then where their thing would go, not what is promoted.
ASKS_TO_USE_THEIRS = re.compile(
    r"\b(?:can|could|may|mind if|ok if|okay if|alright if) (?:we|i) (?:share|repost|post|reshare"
    r"|feature|use|print|quote|include) (?:it|this|that|them|these|your \w+)\b")
ASKS_TO_USE_WORDS = frozenset({"can", "could", "may", "mind", "ok", "okay", "alright"})
# Someone announced by their @handle ("@maya_k has landed", "@sam just joined"): a platform
# fills the newcomer's handle into a join line; people announce a friend by name.
HANDLE_ARRIVES = re.compile(
    r"@[\w.]+ (?:has (?:just )?|have (?:just )?|just |finally )?(?:joined|joins|arrived|arrives"
    r"|landed|lands|entered|enters|appeared|spawned|is here|hopped in|slid in|dropped in|popped in"
    r"|is in the (?:house|chat|server)|entrou|chegou|se unió|llegó|ha llegado|a rejoint"
    r"|est arrivée?|ist beigetreten|ist angekommen|è entrat[oa]|è arrivat[oa]|katıldı)(?!\w)")
# Asking a stranger for a meeting or their interest ("would you be open to a quick call?").
MEETING_ASK = _at_word_starts(
    r"would you be (?:open|interested|up for|keen)\b", r"would it make sense\b",
    r"are you open to\b",
    r"open to (?:a|exploring|hearing|learning|discussing|chatting|connecting|collaborat)",
    *(size + r" (?:call|chat|zoom|meeting|demo)\b" for size in ("quick", "short", "brief")),
    r"hop on a (?:quick )?call\b", r"jump on a (?:quick )?call\b", r"the right person (?:to|for)\b",
    r"still the person in charge of\b", r"you the person in charge of\b",
    r"point me (?:to|toward|towards|in the direction of) (?:the right person|whoever)\b",
    r"worth (?:a quick|exploring|a chat|a call)\b",
    r"interested in (?:hearing|learning|a partner|partner|collab|working|an? opportunit)",
    r"let me know if (?:you'?re|you are|this is|that'?s) (?:interested|open|a fit|something)\b",
    *(verb + r" to (?:connect|tell you|show you|discuss|feature|collaborate|partner|set up|hop"
      r"|jump)\b" for verb in ("love", "like")),
    r"happy to (?:share|send|walk you|set up|hop|jump)\b",
    r"circling back\b", r"following up on my (?:last|previous|earlier)\b", r"bumping this\b",
)
MEETING_WORDS = frozenset({
    "open", "sense", "call", "chat", "zoom", "meeting", "demo", "person", "worth", "interested",
    "connect", "discuss", "feature", "collaborate", "partner", "set", "hop", "jump", "share",
    "send", "walk", "circling", "following", "bumping", "fit", "something", "keen", "up",
    "tell", "show", "point"})
"""One of these is in every phrase :data:`MEETING_ASK` finds."""
# The well-wish a stranger opens with ("I hope this finds you well").
WELL_WISH = _at_word_starts(
    r"hope (?:this|you|you'?re|you are|all|everything|things|your (?:day|week))\b"
    r"[^.!?\n]{0,24}\b(?:well|good|great|fine|amazing|wonderful)\b",
    r"trust (?:this|you|all)\b[^.!?\n]{0,20}\bwell\b",
)
# Easy money, told as a testimony or a job ("I made $7k last week", "work from home").
EARNINGS = _at_word_starts(
    r"work(?:ing)? from home\b", r"no experience (?:needed|necessary|required)\b",
    r"passive income\b", r"financial freedom\b", r"changed my life\b",
    *(who + r" (?:made|make|earn|earned|makes|earns|can make|can earn) [$£€]\s?\d"
      for who in ("i", "she", "he", "you")),
    r"making [$£€]\s?\d", r"thanks to (?:mr|mrs|ms|miss|dr)\b", r"be your own boss\b",
    r"side hustle\b", r"(?:on|via) whatsapp\b", r"earned [$£€]\s?\d",
    r"helped me (?:earn|make|recover|get back|gain)\b",
    r"until i (?:found|met|came across) (?:mr|mrs|ms|miss|dr)\b",
)
EARNINGS_WORDS = frozenset({
    "home", "experience", "passive", "freedom", "changed", "made", "make", "earn", "earned",
    "makes", "earns", "making", "mr", "mrs", "ms", "miss", "dr", "boss", "hustle", "whatsapp",
    "helped"})
"""One of these is in every phrase :data:`EARNINGS` finds."""
PAY_RATE = re.compile(r"[$£€]\s?\d[\d,.]*k?\s?(?:(?:/|per |an? |every )(?:week|day|month|hour|wk|hr)"
                      r"|weekly|daily|monthly)\b")
"""A sum of money per week, day, month or hour ("$3,000/week")."""

# Words that open a sentence with a comma without naming anyone ("Honestly, …").
NOT_A_NAME_START = frozenset({
    "honestly", "actually", "seriously", "anyway", "anyways", "btw", "basically", "unfortunately",
    "luckily", "hopefully", "sadly", "personally", "plus", "first", "second", "finally",
    "however", "lastly", "true", "right", "exactly", "absolutely", "definitely", "totally",
    "agreed", "cool", "awesome", "perfect", "fine", "alright", "hmm", "hm", "ah", "aw", "aww",
    "omg", "damn", "man", "dude", "bro", "girl", "babe", "honey", "dear", "guys", "ladies",
    "sir", "madam", "congrats", "congratulations", "cheers", "wait", "look", "listen", "see",
    "interesting", "whoa", "ugh", "yep", "yup", "nope", "nah", "oops", "hiya", "heya", "yo",
    "hola", "howdy", "ahoy", "greetings", "salutations", "bonjour", "ciao", "aloha", "there",
    # greetings, welcomes and thanks of other languages ("Bienvenue !" is no name)
    "bienvenue", "bienvenido", "bienvenida", "bienvenidos", "bienvenidas", "willkommen",
    "benvenuto", "benvenuta", "benvenuti", "welkom", "hallo", "salut", "bonsoir", "servus",
    "moin", "hej", "hei", "merci", "gracias", "danke", "grazie", "obrigado", "obrigada",
    "bedankt", "buenos", "buenas", "buongiorno", "buonasera", "guten", "saludos",
    "afterwards", "later", "otherwise", "meanwhile", "besides", "indeed", "thankfully",
    "obviously", "apparently", "clearly", "surely", "anyhow", "again", "wow", "yay",
    "oh", "ok", "okay", "hey", "hi", "hello", "please", "sorry", "thanks", "welcome", "morning",
    "evening", "afternoon", "night", "everyone", "everybody", "folks", "friends", "team", "is",
    "are", "do", "does", "did", "can", "could", "would", "will", "should", "have", "has", "had",
    "was", "were", "am", "im", "glad", "hope", "happy", "merry", "long", "mate", "buddy", "pal",
    "friend", "fam", "sis", "bruh", "mr", "mrs", "ms", "dr", "miss", "ya", "yes", "no", "yeah",
    "i'm", "i've", "i'd", "i'll", "as", "per", "kindly", "pls", "plz"})
_UPPER_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER_BYTES = b"abcdefghijklmnopqrstuvwxyz"
_TRAILING_CHARS = " .!?\u2026)(:;*~-"
_PERCENT = re.compile(r"\d ?%")
_TRAILING = re.compile("[ .!?\u2026)(:;*~\\-\U0001f000-\U0001faff]+$")
CAPITALISED = re.compile(r"([A-ZÀ-ÖØ-Þ](?<![\w@#'’].)[a-zß-öø-ÿ]+)(?:['’]s)?\b")
"""A capitalised word not glued to a word, handle, hashtag or apostrophe before it: that is
``(?<![\\w@#'’])[A-ZÀ-ÖØ-Þ]…``, written with the capital first and the look behind it over
two characters, so that the scan jumps from capital to capital (a pattern that opens with a
character class is searched for that class first)."""
_CAPITALISED_THEN = re.compile(CAPITALISED.pattern + r"(?=\s++(\S+))?")
""":data:`CAPITALISED`, and in a look-ahead the word after it, when only spaces come between:
what ``text[end:].split(None, 1)[0]`` would be after a space (the look-ahead takes no text,
so the words found are those of :data:`CAPITALISED`). A comma between them makes the name
one spoken to ("Tom, got it"), not the subject of the verb ("Tom got it")."""
_NOT_NAMES = NOT_A_NAME | NOT_A_NAME_START
_PLACE_OR_TITLE_BEFORE = re.compile(r"[A-ZÀ-ÖØ-Þ][\w'’]* (?:of|of the|de|del|da|du|von|van) $")
"""Before a capitalised word, what makes it part of a place's or a title's name ("the
Battle of Hastings was", "the University of Leeds has"), not someone's."""


def _kind(raw: str) -> str:
    """A token as the judge reads it: the word itself, or the class of a link, handle, number."""
    if raw.isalpha():  # a word (no letter is a digit): what the checks below end with
        return raw
    first = raw[0]
    if first == "@":
        return "<at>"
    if first.isdigit():
        if raw.isdigit():
            return "<longnum>" if len(raw) >= 5 else "<num>"
        if _NUMBER.fullmatch(raw):
            return "<num>"
        return "<url>"
    if len(raw) == 1 and not first.isalpha():
        return "<emoji>"
    if _WORD.fullmatch(raw):
        return raw
    return "<url>"


def tokens_by_regex(lower: str) -> list[str]:
    """The tokens of a lower-case text, scanned whole: the definition :func:`tokens` keeps."""
    return [_kind(raw) for raw in TOKEN.findall(lower)]


_CHUNKS: dict[str, tuple[str, ...]] = {}


def tokens(lower: str) -> list[str]:
    """The tokens of a lower-case text (classes for links, handles, numbers and emoji).

    The same list as :func:`tokens_by_regex`, put together from the text's
    whitespace-separated chunks, each tokenised once and cached: no token holds or crosses
    whitespace (``\\S`` and ``str.split`` agree on what it is) and ``\\b`` sees the same
    non-word at a chunk's edge as at the text's, so a chunk's tokens do not depend on its
    neighbours. Most chunks ("hi", "you?") recur, so most texts are a split and look-ups."""
    chunks = lower.split()
    cache = _CHUNKS
    try:
        return list(chain.from_iterable(map(cache.__getitem__, chunks)))
    except KeyError:  # a chunk not seen before: one more pass, which fills the cache
        if len(cache) > 200_000:
            cache.clear()
        found: list[str] = []
        for chunk in chunks:
            pieces = cache.get(chunk)
            if pieces is None:
                pieces = cache[chunk] = _chunk_tokens(chunk)
            found += pieces
        return found


_END_PUNCTUATION = ".,!?:;"
"""Characters no token starts with or holds, but for a link's dot (see :func:`_chunk_tokens`)."""


def _chunk_tokens(chunk: str) -> tuple[str, ...]:
    """The tokens of one whitespace-free chunk. Letters alone, or followed by punctuation only
    ("hi", "you?", "me..."), are one word, found without the regex: :data:`TOKEN`'s word
    branch takes the letters, no token starts at the punctuation, and no branch before it
    matches there (a link needs ``://``, or a dot before letters or after "www"; no letter
    is a digit or in the emoji ranges)."""
    word = chunk.rstrip(_END_PUNCTUATION)
    if word.isalpha() and word != "www":
        return (word,)
    return tuple(map(_kind, TOKEN.findall(chunk)))


FUNCTION_WORDS = frozenset({
    "the", "a", "an", "it", "its", "it's", "is", "are", "was", "were", "be", "been", "am", "to",
    "of", "and", "or", "but", "so", "in", "on", "at", "for", "with", "from", "by", "as", "that",
    "this", "these", "those", "i", "me", "you", "he", "him", "she", "her", "we", "us", "they",
    "them", "do", "does", "did", "have", "has", "had", "not", "if", "then", "than", "there"})
"""Words whose weight would say how a corpus writes (its register), not what a message is: they
get no ``w:`` feature of their own (pairs such as "the chat" still count; who is spoken to is
the shapes' business)."""


def word_features(token: str) -> tuple[str, ...]:
    """``w:`` and ``c:`` features of one token."""
    if token == "<url>" or token in FUNCTION_WORDS:  # a link counts once, as s:link / s:links
        return ()
    if len(token) < 4 or token[0] == "<":
        return ("w:" + token,)
    padded = "^" + token + "$"
    return ("w:" + token, *("c:" + padded[i:i + 4] for i in range(len(padded) - 3)))


def _named_subject(text: str, toks: list[str], tokset: frozenset[str] | set[str]) -> bool:
    """Is the message about someone by name, in the third person ("Sam has joined")?"""
    if tokset.isdisjoint(THIRD_PERSON_VERBS):
        return False
    # each capitalised word with the first word after it ("" when none)
    for found in _CAPITALISED_THEN.finditer(text):
        name, following = found.group(1), found.group(2) or ""
        if following.lower().strip(".,!?:;") in THIRD_PERSON_VERBS \
                and name.lower() not in _NOT_NAMES \
                and _PLACE_OR_TITLE_BEFORE.search(text, 0, found.start()) is None:
            return True
    return False


def _announced_arrival(lower: str) -> bool:
    """Does the message announce an arrival (:data:`ARRIVAL`), not tell when or where one
    happened (:data:`REPORTED_ARRIVAL_TAIL`)?"""
    return any(REPORTED_ARRIVAL_TAIL.match(lower, found.end()) is None
               for found in ARRIVAL.finditer(lower))


def _vocative_end(text: str) -> bool:
    """Does the message end by naming its reader after a comma ("…, Sam!")?"""
    end = text.rstrip(_TRAILING_CHARS)
    if end and end[-1] >= "\U0001f000":  # emoji at the end: strip them and what is around them
        end = _TRAILING.sub("", end)
    comma = end.rfind(",")
    if comma < 0:
        return False
    tail = end[comma + 1:].strip()
    return bool(tail) and " " not in tail and tail[0].isupper() and tail.isalpha() \
        and tail.lower() not in NOT_A_NAME


# Which of the word sets above each word is in, as bits: one set intersection and a few ORs
# per message tell :func:`shape` every "does the message hold one of these words?" at once.
_FLAG_SETS: tuple[frozenset[str], ...] = (
    WELCOME_WORDS, SELF_INTRO_WORDS, CTA_WORDS, TIME_WORDS, MONEY_WORDS, FIRST_SINGULAR, WE, YOU,
    CROWD, OWN_MEDIA, frozenset({"my", "our"}), PROMOTE_VERBS, RECIPROCAL_WORDS,
    frozenset({"back"}), frozenset({"follow", "sub", "subscribe", "like"}), VERIFY_WORDS,
    frozenset({"account"}), PRIZE_WORDS, frozenset({"<at>"}), GRIEVANCE, THIRD_PERSON_VERBS,
    ARRIVAL_WORDS_BUT_HI, HI_HELLO, GROUP_PLACES, NEWCOMER_WORDS_BUT_HI, HI_HELLO_HEY,
    frozenset({"its", "it's"}), frozenset({"it"}), frozenset({"is"}), AUDIENCE_VERBS,
    AUDIENCE_OBJECTS, AUDIENCE_COUNTS, frozenset({"<url>"}), frozenset({"<emoji>"}),
    PITCH_WORDS, MEETING_WORDS, frozenset({"hope", "trust"}), EARNINGS_WORDS,
    KNOWS_THE_READER_WORDS)
(_F_WELCOME, _F_INTRO, _F_CTA, _F_TIME, _F_MONEY, _F_I, _F_WE, _F_YOU, _F_CROWD, _F_OWN_MEDIA,
 _F_MY_OUR, _F_PROMOTE, _F_RECIPROCAL, _F_BACK, _F_FOLLOWISH, _F_VERIFY, _F_ACCOUNT, _F_PRIZE,
 _F_AT, _F_GRIEVANCE, _F_THIRD_PERSON, _F_ARRIVAL, _F_HI_HELLO, _F_GROUP_PLACE, _F_NEWCOMER,
 _F_HI_HELLO_HEY, _F_ITS, _F_IT, _F_IS, _F_AUDIENCE_VERB, _F_AUDIENCE_OBJECT, _F_AUDIENCE_COUNT,
 _F_URL, _F_EMOJI, _F_PITCH, _F_MEETING, _F_WELL_WISH, _F_EARNINGS, _F_KNOWS_READER
 ) = (1 << bit for bit in range(len(_FLAG_SETS)))
_F_I_OR_WE = _F_I | _F_WE
_FLAGS: dict[str, int] = {}
for _bit, _words in enumerate(_FLAG_SETS):
    for _word in _words:
        _FLAGS[_word] = _FLAGS.get(_word, 0) | 1 << _bit
_FLAG_WORDS = frozenset(_FLAGS)


def word_flags(tokset: set[str] | frozenset[str]) -> int:
    """The bits of every word set of :data:`_FLAG_SETS` that one of ``tokset`` is in."""
    flags = 0
    for word in tokset & _FLAG_WORDS:
        flags |= _FLAGS[word]
    return flags


def shape(text: str, lower: str, toks: list[str], tokset: set[str] | None = None) -> list[str]:
    """The ``s:`` features: what kind of message this is, whatever its words (``lower``:
    ``text.lower()``; ``tokset``: the set of ``toks``, when the caller has it).

    Which word sets the message touches is read once, as bits (:func:`word_flags`); the
    regexes run only where those words (or, for names, capitals) are present."""
    found: list[str] = []
    add = found.append
    length = len(text)
    add("s:len<20" if length < 20 else "s:len<60" if length < 60 else "s:len<160" if length < 160
        else "s:len<400" if length < 400 else "s:len>=400")
    if tokset is None:
        tokset = set(toks)
    flags = word_flags(tokset)
    # Every name pattern needs a capital A-Z or À-Þ, and lower() changes each of those.
    capitals = text != lower
    first = toks[0] if toks else ""
    greet = first in GREETINGS or (first == "good" and len(toks) > 1 and toks[1] in DAY_PARTS)
    welcome = flags & _F_WELCOME and WELCOME.search(lower) is not None
    intro = flags & _F_INTRO and SELF_INTRO.search(lower) is not None
    cta = flags & _F_CTA and CTA.search(lower) is not None
    question = "?" in text and (not flags & _F_URL or "?" in URL.sub("", text))
    links = toks.count("<url>") if flags & _F_URL else 0
    words = len(toks) - links
    if welcome:
        add("s:welcome")
    if intro:
        add("s:self-intro")
    if cta:
        add("s:call-to-action")
    if question:
        add("s:question")
    if links:
        add("s:link" if links == 1 else "s:links")
        if words <= 3:
            add("s:link-only")
    if greet and cta:
        add("s:greeting+cta")
    if (greet or welcome) and intro:
        add("s:greeting+intro")
    if intro and cta:
        add("s:intro+cta")
    if greet and intro and cta:
        add("s:greeting+intro+cta")
    opening = toks[1:3] if greet else toks[:2]
    if len(opening) == 2 and (opening[0], opening[1]) in GENERIC_OPENINGS:
        add("s:generic-you-opening")
    if ("_" in text or "xxxx" in lower or "(" in text or "*" in text or "[" in text
            or "##" in lower) and HOLE.search(lower):
        add("s:template-hole")
    time_ref = flags & _F_TIME
    if time_ref:
        add("s:time-referent")
    if not question and not time_ref:
        add("s:no-referent")
        if cta:
            add("s:no-referent+cta")
        if greet and words <= 12:
            add("s:greeting-nothing-more")
    if (flags & _F_MONEY or "$" in text or "£" in text or "€" in text
            or ("%" in text and _PERCENT.search(text))):
        add("s:money")
    if text.count("!") >= 2:
        add("s:exclaims")
    if length >= 12 and capitals and _shouting(text):
        add("s:shouting")
    emoji = toks.count("<emoji>") if flags & _F_EMOJI else 0
    if emoji:
        add("s:emoji" if emoji < 3 else "s:emoji3")
    # each pronoun the message holds, counted in C
    i_count = sum(map(toks.count, tokset & FIRST_SINGULAR)) if flags & _F_I else 0
    we_count = sum(map(toks.count, tokset & WE)) if flags & _F_WE else 0
    you_count = sum(map(toks.count, tokset & YOU)) if flags & _F_YOU else 0
    if we_count > i_count:
        add("s:corporate-we")
    if you_count >= 2 and not question:
        add("s:you-heavy-statement")
    if you_count == 0 and i_count == 0 and we_count == 0 and words >= 3:
        add("s:no-person")
    if "\n" in text.strip():
        add("s:multiline")
    if flags & _F_CROWD:
        add("s:crowd")
    # self-promotion: "my channel", "our page", "sub to my…", "check my…"
    promo = False
    if flags & _F_MY_OUR and flags & _F_OWN_MEDIA:
        previous = ""
        for token in toks:
            if previous in ("my", "our") and token in OWN_MEDIA:
                promo = True
                break
            previous = token
    asks_to_use = not tokset.isdisjoint(ASKS_TO_USE_WORDS) \
        and ASKS_TO_USE_THEIRS.search(lower) is not None
    if asks_to_use:
        add("s:asks-to-use-theirs")
    if promo and not asks_to_use:
        add("s:self-promotion")
        if flags & _F_PROMOTE:
            add("s:self-promotion+ask")
    if flags & _F_RECIPROCAL or (flags & _F_BACK and flags & _F_FOLLOWISH):
        add("s:reciprocal")
    if flags & _F_VERIFY and (links or cta or flags & _F_ACCOUNT):
        add("s:verification-bait")
    if flags & _F_PRIZE and (you_count or links or cta):
        add("s:prize-bait")
    if first == "<at>":
        add("s:opens-with-handle")
    elif flags & _F_AT:
        add("s:mentions-handle")
    if "#" in text and HASHTAG.search(text):
        add("s:hashtag")
    grievance = len(tokset & GRIEVANCE) if flags & _F_GRIEVANCE else 0
    if grievance:
        add("s:grievance" if grievance == 1 else "s:grievances")
    named = (flags & _F_THIRD_PERSON and capitals and _named_subject(text, toks, tokset)) \
        or (flags & _F_AT and HANDLE_ARRIVES.search(text) is not None)
    if named:
        add("s:about-someone-by-name")
        if you_count == 0:
            add("s:about-someone-not-to-you")
    vocative_end = _vocative_end(text)
    if vocative_end:
        add("s:ends-naming-reader")
        if not question:
            add("s:ends-naming-reader-no-question")
    # a group arrival: someone joins the room, told to the room
    arrival = (flags & _F_ARRIVAL or (flags & _F_HI_HELLO and "say h" in lower)) \
        and _announced_arrival(lower)
    if arrival:
        add("s:arrival")
    group = False
    if flags & _F_GROUP_PLACE:
        previous = ""
        for token in toks:
            if token in GROUP_PLACES and previous in GROUP_DETERMINERS:
                group = True
                break
            previous = token
    if group:
        add("s:group-place")
        if welcome or arrival:
            add("s:group-arrival")
    if (flags & _F_NEWCOMER or (flags & _F_HI_HELLO_HEY and "say h" in lower)) \
            and NEWCOMER.search(lower) is not None:
        add("s:newcomer-instructions")
    # naming someone: greeting + name, opening with a name, "it's (just) Sam"
    greets_name = greet and capitals and _name_match(GREETING_NAME.match(text))
    opens_name = not greets_name and capitals and _name_match(OPENS_WITH_NAME.match(text),
                                                              NOT_A_NAME_START)
    reveals = (capitals or flags & _F_AT) \
        and (flags & _F_ITS or "it’s" in lower or (flags & _F_IT and flags & _F_IS)) \
        and any(m.group(1)[0] == "@" or _name_like(m.group(1)) for m in REVEALS_NAME.finditer(text))
    if opens_name:
        add("s:opens-with-name")
    if reveals:
        add("s:reveals-name")
    if opens_name or reveals or vocative_end or named or (greets_name and (arrival or group)):
        add("s:names-someone")
        if arrival or group:
            add("s:names-someone-arriving")
        if you_count == 0 and i_count == 0 and we_count == 0:
            add("s:names-someone-to-nobody")
    if ((flags & _F_AUDIENCE_VERB and flags & _F_AUDIENCE_OBJECT) or flags & _F_AUDIENCE_COUNT) \
            and AUDIENCE_ASK.search(lower) is not None:
        add("s:audience-ask")
    if flags & _F_I_OR_WE and CREATOR.search(lower) is not None:
        add("s:creator")
    pitch = flags & _F_PITCH and PITCH.search(lower) is not None
    meeting = flags & _F_MEETING and MEETING_ASK.search(lower) is not None
    if pitch:
        add("s:pitch")
    if meeting:
        add("s:meeting-ask")
        if pitch:
            add("s:pitch+meeting-ask")
    if flags & _F_WELL_WISH and WELL_WISH.search(lower) is not None:
        add("s:well-wish")
    if (flags & _F_EARNINGS and EARNINGS.search(lower) is not None) \
            or (("$" in text or "£" in text or "€" in text) and PAY_RATE.search(lower)):
        add("s:easy-money")
    if flags & _F_I_OR_WE and not tokset.isdisjoint(DID_SUBJECTS) and DID.search(lower) is not None:
        add("s:reports-what-was-done")
    if flags & _F_KNOWS_READER and KNOWS_THE_READER.search(lower) is not None:
        add("s:knows-reader")
    if links:
        if 3 < words <= 8:
            add("s:link-few-words")
        if PROFILE_LINK.search(lower):
            add("s:link-to-a-profile")
        if SHORT_LINK.search(lower):
            add("s:short-link")
    return found


def _shouting(text: str) -> bool:
    """At least 12 capitals (A-Z), more than small letters (a-z).

    Counted in the UTF-8 bytes, where deleting is far cheaper than in a str: a byte below
    0x80 is only ever an ASCII character there, so A-Z and a-z count the same."""
    data = text.encode("utf-8", "surrogatepass")
    size = len(data)
    upper = size - len(data.translate(None, _UPPER_BYTES))
    return upper >= 12 and upper > size - len(data.translate(None, _LOWER_BYTES))


def _name_like(word: str, also_not: frozenset[str] = frozenset()) -> bool:
    """Could ``word`` be someone's name (capitalised, not a word that starts sentences)?"""
    lowered = word.lower()[:-2] if word.endswith(("'s", "’s")) else word.lower()
    return (word[:1].isupper() and not (len(word) > 1 and word.isupper())
            and lowered not in NOT_A_NAME and lowered not in also_not
            and lowered not in GREETINGS and lowered not in NOT_A_NAME_START)


def _name_match(match: re.Match[str] | None, also_not: frozenset[str] = frozenset()) -> bool:
    return match is not None and _name_like(match.group(1), also_not)


def features(text: str | Prepared, found: Iterable[str] = ()) -> list[str]:
    """Every feature of one message, as counted (see the module doc); ``found`` are the
    names of the rules that found something in it."""
    prepared = text if isinstance(text, Prepared) else None
    raw = prepared.text if prepared is not None else str(text)
    lower = prepared.lower if prepared is not None else raw.lower()
    toks = tokens(lower)
    out: list[str] = []
    for token in dict.fromkeys(toks):
        out.extend(word_features(token))
    out.extend("b:" + a + " " + b for a, b in dict.fromkeys(zip(["<start>", *toks], toks, strict=False))
               if a != "<start>" or b not in OPENING_GREETINGS)
    out.extend(shape(raw, lower, toks))
    out.extend("r:" + name for name in dict.fromkeys(found))
    return out
