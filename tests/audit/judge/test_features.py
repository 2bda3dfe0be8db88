"""The judge's features: the fast paths read exactly what their plain definitions read."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmguard.audit.judge import features as F

# Pieces that exercise every kind of token and the places where chunks meet: links and domains
# (with and without a path), handles, long and short numbers, emoji, apostrophes, and every sort
# of whitespace str.split and the regex's \S agree on.
PIECES = ["hi", "Hey", "it's", "it’s", "i'm", "rock'n'roll", "x", "@sam", "@", "12", "12345",
          "3.50", "1,000", "10:30", "https://a.example/x?y=1", "www.shop.com", "shop.com/deal",
          "my-site.io", "a.com.", "🎉", "☕", "⭐", "-", "_", "__", "(name)", "#tag", "!", "?",
          "...", ",", "Ünïcode", "naïve", "Ωμέγα", "２３", "½", "’", "'", "a'", "www", "www.",
          "www..", "wow!?", "so,", "end.:;", "com", "Www.:"]
SPACES = [" ", "  ", "\n", "\t", "\u00a0", "\u2003", "\x1c", ""]
TEXTS = st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(SPACES)), max_size=14).map(
    lambda parts: "".join(piece + space for piece, space in parts))


@given(TEXTS)
def test_tokens_by_chunk_are_the_tokens_of_the_whole_text(text: str) -> None:
    for case in (text.lower(), text):
        assert F.tokens(case) == F.tokens_by_regex(case)


@given(st.text())
def test_tokens_by_chunk_agree_on_any_text(text: str) -> None:
    assert F.tokens(text.lower()) == F.tokens_by_regex(text.lower())


@given(st.text(alphabet=st.sampled_from("AbCdÉéXyz Ωω\ud800🎉!")))
def test_shouting_counts_capitals_and_small_letters_as_defined(text: str) -> None:
    upper = sum(1 for ch in text if "A" <= ch <= "Z")
    lower = sum(1 for ch in text if "a" <= ch <= "z")
    assert F._shouting(text) == (upper >= 12 and upper > lower)


LOOK_BEHIND_FIRST = re.compile(r"(?<![\w@#'’])([A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+)(?:['’]s)?\b")


@given(st.text(alphabet=st.sampled_from("SamÉlodie×Ø's’ @#_1.\n,")))
def test_capitalised_words_are_found_as_by_a_look_behind(text: str) -> None:
    def found(pattern: re.Pattern[str]) -> list[tuple[tuple[int, int], str]]:
        return [(match.span(1), match.group(1)) for match in pattern.finditer(text)]

    assert found(F.CAPITALISED) == found(LOOK_BEHIND_FIRST)


def test_capitalised_words_skip_handles_hashtags_and_glued_words() -> None:
    text = "Sam met @Kim and #Lee, o'Neil, xYves, then Zoë's friend Ann."
    assert [m.group(1) for m in F.CAPITALISED.finditer(text)] == ["Sam", "Zoë", "Ann"]


@given(st.sets(st.sampled_from(sorted(F._FLAG_WORDS | {"hello", "unknown", "<num>"})),
               max_size=8))
def test_word_flags_say_which_word_sets_a_message_touches(words: set[str]) -> None:
    flags = F.word_flags(words)
    for bit, word_set in enumerate(F._FLAG_SETS):
        assert bool(flags & 1 << bit) == (not words.isdisjoint(word_set))


@pytest.mark.parametrize("text", ["Sam has joined the chat", "Hey Sam, welcome to the server!",
                                  "Oh, it's just Sam.", "Sam, the rules are pinned"])
def test_a_text_without_capitals_names_nobody(text: str) -> None:
    """The name patterns need a capital, and lower() changes each one they take: a text that
    lower() leaves as it is skips them, and names nobody."""
    def shapes(case: str) -> list[str]:
        return F.shape(case, case.lower(), F.tokens(case.lower()))

    assert "s:names-someone" in shapes(text)
    assert "s:names-someone" not in shapes(text.lower())


NEXT_WORD = re.compile(r"\s++(\S+)")
"""The word after a name when only white space comes between: "Tom, got it" speaks to Tom."""


def named_subject_by_steps(text: str) -> bool:
    """The plain definition: each capitalised word that names no one is skipped; the word
    after it (with no comma between) is looked for on its own."""
    for match in F.CAPITALISED.finditer(text):
        name = match.group(1)
        if name.lower() in F.NOT_A_NAME or name.lower() in F.NOT_A_NAME_START:
            continue
        following = NEXT_WORD.match(text, match.end())
        if following and following.group(1).lower().strip(".,!?:;") in F.THIRD_PERSON_VERBS:
            return True
    return False


@given(st.lists(st.sampled_from(["Sam", "Sam's", "Honestly", "It", "has", "is", "just", "Has",
                                 ",", " ", "  ", "\n", "joined.", "here!", "x", "@Kim", "Zoë"]),
                max_size=10).map("".join))
def test_a_named_subject_is_found_as_by_the_plain_definition(text: str) -> None:
    tokset = set(F.tokens(text.lower()))
    assert F._named_subject(text, F.tokens(text.lower()), tokset) == (
        not tokset.isdisjoint(F.THIRD_PERSON_VERBS) and named_subject_by_steps(text))


# The patterns as first written, each branch behind \b: what the faster forms must find.
AS_WRITTEN = {
    "WELCOME": re.compile(
        r"\bwelcome\b|\bthanks? (?:you )?(?:so much |a lot )?for (?:the )?(?:follow|connect|join"
        r"|subscrib)|\b(?:has|have|just) (?:joined|arrived|landed|entered|appeared|shown up)\b"
        r"|\bjoined (?:the|our|us)\b"),
    "SELF_INTRO": re.compile(
        r"\b(?:my name is|i am an?|i'm an?|we are an?|we're an?|i'm the|i am the|this is \w+ from"
        r"|at \w+(?: \w+)?,? we|our (?:company|team|agency|channel|page|store|shop|brand|app"
        r"|service|community|platform|product|website|site))\b"),
    "CREATOR": re.compile(
        r"\b(?:i|we) (?:make|made|produce|rap|sing|upload|post|stream|draw|record|write|film"
        r"|edit)\b|\b(?:i'?m|i am|we'?re|we are) an? (?:(?:\w+ )?(?:producer|rapper|singer"
        r"|artist|youtuber|gamer|musician|dancer|vlogger|streamer|band|songwriter|designer"
        r"|photographer|blogger))\b"),
    "HASHTAG": re.compile(r"(?<![\w&])#[^\W\d_]\w+"),
}
PATTERN_WORDS = ["welcome", "thanks", "thank", "you", "so", "much", "for", "the", "follow",
                 "subscribe", "has", "have", "just", "joined", "shown", "up", "our", "us", "my",
                 "name", "is", "i", "am", "a", "an", "another", "i'm", "im", "we", "we're",
                 "were", "are", "this", "sam", "from", "at", "acme", "company", "team", "make",
                 "made", "rapper", "gamer", "teen", "#", "#tag", "&#x", "a#b", "#1", "x"]
GLUE = [" ", " ", " ", ", ", "", "'", "’", "-", "_", "\n", "."]
PATTERN_TEXTS = st.lists(st.tuples(st.sampled_from(PATTERN_WORDS), st.sampled_from(GLUE)),
                         max_size=10).map(lambda parts: "".join(w + g for w, g in parts))


@pytest.mark.parametrize("name", sorted(AS_WRITTEN))
@given(text=PATTERN_TEXTS)
def test_the_patterns_written_for_speed_find_what_the_plain_ones_find(name: str,
                                                                      text: str) -> None:
    faster: re.Pattern[str] = getattr(F, name)
    assert (faster.search(text) is None) == (AS_WRITTEN[name].search(text) is None)


def test_the_plain_patterns_are_exercised() -> None:
    """The texts above can make each pattern match and not match."""
    for name, text in [("WELCOME", "thanks for the follow"), ("SELF_INTRO", "we are a team"),
                       ("CREATOR", "i'm a teen rapper"), ("HASHTAG", "see #tag")]:
        assert getattr(F, name).search(text) and AS_WRITTEN[name].search(text)
        assert not getattr(F, name).search("x" + text.replace(" ", "_"))
