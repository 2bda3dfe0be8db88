"""Hearing STOP: whether an inbound DM asks to end (or restart) automated messages.

X requires honouring an opt-out at once, so this errs towards hearing it: the
text is normalised first (NFKC folds fullwidth "ＳＴＯＰ" to "STOP"; zero-width
and other format characters are removed; case is folded), then matched in the
languages the rest of dmguard knows (English, French, Spanish, Portuguese,
German, Italian). A message that only contains the word in passing ("the bus
stop", "don't stop believing") is not an opt-out: the keyword must be a sentence of
its own ("STOP", "Stop please. Where is my refund?"), with at most polite words around
it, or one of the explicit phrases.

An opt-out may come with something else ("Please do not message me with promos. Is
the workshop on Saturday still on?"): :func:`asks_more` says whether what is left
once the opt-out phrase is taken out asks for an answer, so that a person sees it.
"""

from __future__ import annotations

import re
import unicodedata

from dmguard.audit.text import STOPWORDS

POLITE = (r"(?:please|pls|plz|kindly|now|it|thanks|thank you|thx|asap|bitte|por favor|merci"
          r"|s'il vous pla[iî]t|svp|per favore|grazie|obrigad[oa]|gracias|danke)")
#: "No thanks, stop" in each language: a refusal before the keyword is still an opt-out.
REFUSAL = (r"(?:no|nope|no thanks|no thank you|nein|nein danke|non|non merci|no gracias"
           r"|n[aã]o|n[aã]o obrigad[oa]|no grazie)")
KEYWORD = (r"(?:stop|stopp|stop all|stopall|unsubscribe|cancel|end|quit|opt[- ]?out|halt"
           r"|arr[eê]te[rz]?|d[ée]sabonner|d[ée]sinscri(?:re|vez-moi)"
           r"|para|pare|parar|basta|baja|cancelar|desinscribir(?:me)?|sair|descadastrar"
           r"|abmelden|aufh[öo]ren|disiscrivimi|cancellami)")
_END = r"[.!?¡¿;:…\n]"
OPT_OUT = re.compile(
    # the keyword as a sentence of its own ("STOP", "Stop. Where is my refund?")
    rf"(?:^|{_END})[^\w{_END[1:-1]}]*(?:{REFUSAL}\W+)?(?:{POLITE}\W+)?{KEYWORD}"
    rf"(?:\W+(?:{KEYWORD}|{POLITE}))*[^\w{_END[1:-1]}]*(?:{_END}+|$)"
    r"|\b(?:stop|quit) (?:messaging|texting|sending|dm'?ing|contacting|writing|spamming"
    r"|bothering|pestering) (?:me|us)\b"
    r"|\bstop (?:the|your|these|those|all|sending)(?: \w+)? (?:promos?|ads|adverts|messages"
    r"|dms|spam|marketing|offers|texts|emails|newsletters?)\b"
    r"|\bkeine (?:nachrichten|werbung|dms) mehr\b"
    r"|\bno more (?:messages|dms|texts)\b|\bleave me alone\b|\bunsubscribe me\b"
    r"|\b(?:don'?t|do not) (?:message|dm|text|contact|write to) me\b"
    r"|\bremove me from (?:your|the|this) (?:list|messages)\b"
    r"|\bh[öo]r(?:en sie|t)? auf\b|\bdarme de baja\b|\bno me (?:escrib|mand)\w*"
    r"|\bne m'(?:[ée]cri|envoye)\w* plus\b|\bn[aã]o (?:me )?(?:mande|envie)\w* mais\b",
    re.IGNORECASE,
)
OPT_IN = re.compile(r"^\W*(?:start|unstop|resume|subscribe)\W*$", re.IGNORECASE)


def normalise(text: str) -> str:
    """NFKC, format characters (zero-width, direction marks) removed, case folded."""
    folded = unicodedata.normalize("NFKC", text)
    visible = "".join(char for char in folded if unicodedata.category(char) != "Cf")
    return " ".join(visible.casefold().split())


def is_opt_out(text: str) -> bool:
    return bool(OPT_OUT.search(normalise(text)))


def is_opt_in(text: str) -> bool:
    return bool(OPT_IN.search(normalise(text)))


#: Words that say nothing beyond "stop": what is stopped, politeness, filler. With the
#: stopwords of :data:`dmguard.audit.text.STOPWORDS`, they are not content.
ABOUT_STOPPING = frozenset([
    "ads", "advert", "adverts", "advertising", "promo", "promos", "promotion", "promotions",
    "promotional", "marketing", "newsletter", "newsletters", "spam", "spamming", "spammer",
    "spammers", "spammy", "message", "messages", "messaging", "texts", "texting", "emails",
    "offers", "deals", "automated", "automatic", "bots", "list", "mailing", "anymore",
    "again", "ever", "though", "please", "thanks", "thank", "kindly", "really", "seriously",
    "these", "those", "stuff", "alone", "right", "away", "immediately", "okay", "sorry",
    "hello", "dear", "guys", "werbung", "nachrichten", "publicidad", "mensajes", "publicité",
    "pubblicità", "messaggi", "mensagens", "gracias", "danke", "merci", "grazie", "obrigado",
    "obrigada", "bitte", "favor"])
#: Content words (four letters or more, or a number) left beside the opt-out phrase from
#: which a message asks for more than stopping even without a question.
CONTENT_WORDS = 3
_CLAUSE = re.compile(r"[^.!?¿;:…\n]*(?:[.!?;:…\n]+|$)")
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def _content(clause: str) -> list[str]:
    return [word for word in _TOKEN.findall(clause)
            if (word.isdigit() or len(word) >= 4)
            and word not in STOPWORDS and word not in ABOUT_STOPPING]


def asks_more(text: str) -> bool:
    """Whether an opt-out message also asks for something a person should answer.

    The opt-out phrase is taken out (a bare "STOP", "stop please", "Unsubscribe me."
    leaves nothing); what is left asks for more when a clause of it with a content word
    ends in a question mark ("where is my refund for order 5531?", not "can you?"), or
    when it holds :data:`CONTENT_WORDS` content words or more ("I need to change my
    delivery address"). Words about what is stopped ("ads", "promos") and politeness are
    not content (:data:`ABOUT_STOPPING`).
    """
    rest = OPT_OUT.sub(" ", normalise(text))
    total = 0
    for clause in _CLAUSE.findall(rest):
        words = _content(clause)
        if words and "?" in clause:
            return True
        total += len(words)
    return total >= CONTENT_WORDS
