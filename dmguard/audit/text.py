"""Text helpers for rules: one prepared view of a message, built once, read by all rules.

No NLTK corpora are needed: words are found with regular expressions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

LINK = re.compile(
    r"(?i)\b(?:https?://\S+|www\.[^\s,]+|(?:bit\.ly|t\.co|goo\.gl|t\.me|tinyurl\.com)/\S+"
    r"|[a-z0-9-]+\.(?:com|co|io|net|org|ml|tv|me|ly|app|shop|store|info|biz)(?:/\S*)?\b)"
)
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\x00]")
EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\U0001f900-\U0001f9ff]", re.UNICODE
)
GREETING = re.compile(
    r"^\W*(?:hi|hey|hello|dear|hiya|yo|heya|hola|bonjour|salut|hallo|ciao|oi|ol[aá]|"
    r"good\s+(?:morning|afternoon|evening))[\s,]+@?(?P<name>[^\W\d_][\w'’-]*"
    r"(?:\s+[A-Z][\w'’-]*)?)",
    re.IGNORECASE | re.UNICODE,
)


def phrases(*items: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    """Compile phrases (which may hold regex syntax) into one word-bounded pattern."""
    body = "|".join(f"(?:{item})" for item in sorted(items, key=len, reverse=True))
    return re.compile(rf"(?<![\w]){body}(?![\w])", flags | re.UNICODE)


def spans(pattern: re.Pattern[str], text: str) -> Iterator[tuple[int, int]]:
    for match in pattern.finditer(text):
        yield match.span()


def clean(text: str) -> str:
    """Drop NUL, zero-width and direction-override characters; keep everything else."""
    return INVISIBLE.sub("", text)


def fold(text: str) -> str:
    """Lower-case, accent-free form for comparing names and profile words."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


STOPWORDS = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "i", "in", "is", "it", "its", "just", "me", "my", "of", "on", "or", "our", "so", "that", "the", "this", "to", "was", "we", "with", "you", "your", "i'm", "im", "am", "not", "no", "yes", "do", "does", "did", "can", "will", "would", "about", "all", "also", "any", "been", "more", "most", "new", "now", "one", "only", "out", "over", "very", "what", "when", "who", "why", "how", "here", "there", "they", "them", "their", "he", "she", "his", "her", "him", "us", "get", "got", "like", "love", "good", "great"]
)


@dataclass
class Prepared:
    """A message as rules see it. Properties are computed on first use and kept."""

    text: str

    @cached_property
    def lower(self) -> str:
        return self.text.lower()

    @cached_property
    def links(self) -> list[tuple[int, int]]:
        return list(spans(LINK, self.text))

    @cached_property
    def words(self) -> list[str]:
        return WORD.findall(self.text)

    @cached_property
    def word_set(self) -> frozenset[str]:
        return frozenset(fold(word) for word in self.words)

    @cached_property
    def greeting(self) -> re.Match[str] | None:
        return GREETING.search(self.text)

    @cached_property
    def emoji(self) -> list[tuple[int, int]]:
        return list(spans(EMOJI, self.text))


def content_words(text: str) -> set[str]:
    """Distinctive words of a profile field: folded, four letters or more, no stopwords."""
    return {
        fold(word)
        for word in WORD.findall(text)
        if len(word) >= 4 and fold(word) not in STOPWORDS
    }


def first_match(pattern: re.Pattern[str], text: str) -> tuple[int, int] | None:
    match = pattern.search(text)
    return match.span() if match else None


def quote(text: str, span: tuple[int, int] | None, width: int = 60) -> str:
    if span is None:
        return ""
    snippet = text[span[0] : span[1]]
    snippet = snippet if len(snippet) <= width else snippet[: width - 1] + "…"
    return snippet.replace("\n", " ")


def join_words(items: Iterable[str]) -> str:
    return ", ".join(sorted(items))


def name_parts(name: str | None) -> list[str]:
    """A person's name as folded words of two letters or more."""
    return [fold(part) for part in WORD.findall(name or "") if len(part) > 1]
