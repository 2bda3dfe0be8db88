"""Hearing STOP: whether an inbound DM asks to end (or restart) automated messages.

X requires honouring an opt-out at once, so this errs towards hearing it: the
text is normalised first (NFKC folds fullwidth "ＳＴＯＰ" to "STOP"; zero-width
and other format characters are removed; case is folded), then matched in the
languages the rest of dmguard knows (English, French, Spanish, Portuguese,
German, Italian). A message that only contains the word in passing ("the bus
stop", "don't stop believing") is not an opt-out: the keyword must be the whole
message, with at most polite words around it, or one of the explicit phrases.
"""

from __future__ import annotations

import re
import unicodedata

POLITE = (r"(?:please|pls|plz|kindly|now|it|thanks|thank you|thx|asap|bitte|por favor|merci"
          r"|s'il vous pla[iî]t|svp|per favore|grazie|obrigad[oa]|gracias|danke)")
#: "No thanks, stop" in each language: a refusal before the keyword is still an opt-out.
REFUSAL = (r"(?:no|nope|no thanks|no thank you|nein|nein danke|non|non merci|no gracias"
           r"|n[aã]o|n[aã]o obrigad[oa]|no grazie)")
KEYWORD = (r"(?:stop|stopp|stop all|stopall|unsubscribe|cancel|end|quit|opt[- ]?out|halt"
           r"|arr[eê]te[rz]?|d[ée]sabonner|d[ée]sinscri(?:re|vez-moi)"
           r"|para|pare|parar|basta|baja|cancelar|desinscribir(?:me)?|sair|descadastrar"
           r"|abmelden|aufh[öo]ren|disiscrivimi|cancellami)")
OPT_OUT = re.compile(
    rf"^\W*(?:{REFUSAL}\W+)?(?:{POLITE}\W+)?{KEYWORD}(?:\W+{POLITE})*\W*$"
    r"|\b(?:stop|quit) (?:messaging|texting|sending|dm'?ing|contacting|writing) (?:me|us)\b"
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
