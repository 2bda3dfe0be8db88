"""The phrase prefilter may only skip work, never change what a phrase list finds."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmguard.audit.rules import address, catalogue, form_letter, pretending, pushiness, relevance
from dmguard.audit.rules.consent import OPT_OUT_SEARCH, OPT_OUT_WORDS
from dmguard.audit.text import CASE_TRAPS, Phrases, Prepared, blank, phrases, prepared

ALL_PHRASES = [value for module in (address, form_letter, pretending, pushiness, relevance)
               for value in vars(module).values() if isinstance(value, Phrases)]
EXAMPLES = [example.text for rule in catalogue() for example in (*rule.fails, *rule.passes)]
WORDS = sorted({word for phrase in ALL_PHRASES for anchor in (phrase.anchors or ())
                for word in anchor.split()} | {"hello", "you", "win", "£5", "0800", "txt"})


def spans(pattern: Phrases | re.Pattern[str], text: str | Prepared) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]  # type: ignore[arg-type]


@pytest.mark.parametrize("pattern", ALL_PHRASES, ids=lambda p: p.pattern[:40])
def test_prefilter_agrees_with_the_plain_regex_on_every_example(pattern: Phrases) -> None:
    for text in EXAMPLES:
        assert spans(pattern, Prepared(text)) == spans(pattern.regex, text), text


@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join))
def test_prefilter_agrees_on_generated_text(text: str) -> None:
    for pattern in ALL_PHRASES:
        assert spans(pattern, Prepared(text)) == spans(pattern.regex, text)
        assert spans(pattern, text.upper()) == spans(pattern.regex, text.upper())


def test_phrases_are_whole_words() -> None:
    pattern = phrases(r"election", r"free (?:gift|entry)")
    assert spans(pattern, "a selection of things") == []
    assert spans(pattern, "the election, and a FREE gift!") == [(4, 12), (20, 29)]


def test_branch_by_branch_scanning_is_exact_on_ascii_text() -> None:
    """On ASCII text a branch is skipped when none of its literals is in the lower-cased
    text; that is exact only if no ASCII character matches a literal's character
    case-insensitively without lower-casing to it."""
    chars = {ch for phrase in ALL_PHRASES for anchor in (phrase.anchors or ()) for ch in anchor}
    for ch in chars:
        for code in range(128):
            other = chr(code)
            if re.fullmatch(re.escape(ch), other, re.IGNORECASE | re.UNICODE):
                assert other.lower() == ch.lower(), (ch, other)


def test_branches_merge_as_the_alternation_chooses() -> None:
    # "free gift" (longer, listed first) wins over "free" at the same place; the scan
    # goes on after a match, and a later branch can match before an earlier one.
    pattern = phrases(r"free gift", r"free", r"gift cards?", r"win", r"prize")  # no prize
    text = "win a free gift card, or a gift card for free"
    assert spans(pattern, Prepared(text)) == spans(pattern.regex, text) == [
        (0, 3), (6, 15), (27, 36), (41, 45)]
    assert [m.group() for m in pattern.matches(Prepared(text))] == [
        "win", "free gift", "gift card", "free"]
    assert not isinstance(pattern.matches(Prepared(text)), type(pattern.regex.finditer("")))


UNCASED = ["😊", "🎉", "’", "“", "£", "€", "…", "い", "。", "클릭해", "\ufe0f", "→"]
CASED = ["ü", "Ü", "ſ", "\u212a", "İ", "ı", "ß", "Σ", "ς", "ǅ", "Ａ", "µ", "о", "ſign", "İn",
         "FREE", "Frée", "٣%", "20%", "٣٠ %", "5%", "£5", "Добро", "пожаловать", "ΟΔΟΣ"]


@given(st.lists(st.sampled_from(WORDS + UNCASED + CASED), min_size=1, max_size=12)
       .map(" ".join))
def test_prefilter_agrees_on_text_beyond_ascii(text: str) -> None:
    """Branch by branch also on text beyond ASCII; text with a character that matches
    case-insensitively other than by its lower case (ſ matches s) is scanned whole."""
    for pattern in ALL_PHRASES:
        assert spans(pattern, Prepared(text)) == spans(pattern.regex, text), text


def test_case_exact_text_has_no_trap() -> None:
    assert Prepared("Grüße aus München, ÀÉÎ, Ωmega 😊").case_exact
    for ch in ("ſ", "ı", "İ", "µ", "ς", "о", "ΟΔΟΣ"):
        assert not Prepared(f"sign up {ch}").case_exact, ch


def test_case_traps_are_every_character_lowercasing_does_not_match_as_re_does() -> None:
    import _sre
    from re import _casefix  # type: ignore[attr-defined]

    related = set(_casefix._EXTRA_CASES) | {
        code for others in _casefix._EXTRA_CASES.values() for code in others}
    traps = set()
    for code in range(128, 0x110000):
        lower = chr(code).lower()
        if len(lower) != 1 or ord(lower) != _sre.unicode_tolower(code) or code in related:
            traps.add(chr(code))
    # str.lower() has one context rule: Σ is ς at the end of a word, σ elsewhere
    assert "ΟΔΟΣ".lower()[-1] != "Σ".lower()
    traps.add("Σ")
    assert traps == CASE_TRAPS


def test_outside_the_traps_a_character_matches_an_anchor_only_by_its_lower_case() -> None:
    """What makes branch-by-branch scanning exact beyond ASCII: a character that is not a
    trap matches an anchor's (or a branch's leading literal's) character
    case-insensitively only when the two lower-case alike (so the lower-cased text holds
    every literal a match needs, where the match holds it)."""
    chars = {ch for phrase in ALL_PHRASES for anchor in (phrase.anchors or ()) for ch in anchor}
    chars |= {ch for phrase in ALL_PHRASES for starts in phrase._leading if starts
              for start in starts for ch in start}
    chars |= {ch for start in OPT_OUT_SEARCH.starts for ch in start}
    any_anchor_char = re.compile("[" + "".join(re.escape(ch) for ch in chars) + "]",
                                 re.IGNORECASE | re.UNICODE)
    candidates = [chr(code) for code in range(0x110000)
                  if chr(code) not in CASE_TRAPS and any_anchor_char.fullmatch(chr(code))]
    assert len(candidates) > len(chars)  # the class matched upper and lower case
    for other in candidates:
        for ch in chars:
            if re.fullmatch(re.escape(ch), other, re.IGNORECASE | re.UNICODE):
                assert other.lower() == ch.lower(), (hex(ord(other)), ch)


LEADING_WORDS = ["stop", "STOP", "Stop.", "unsubscribe", "opt-out", "opt out", "optout", "end",
                 "send", "weekend", "endless", "stopped", "nonstop", "ſtop", "🎉stop", "’end",
                 "Reply", "to", "automated", "x", "\n", "_stop", "st", "op"]


@given(st.lists(st.sampled_from(LEADING_WORDS), min_size=1, max_size=10)
       .map(lambda words: " ".join(words).replace(" \n ", "\n")))
def test_leading_search_finds_what_the_regex_search_finds(text: str) -> None:
    assert OPT_OUT_SEARCH.found(Prepared(text)) == (OPT_OUT_WORDS.search(text) is not None), text


def test_leading_search_tries_only_where_a_literal_starts() -> None:
    assert not OPT_OUT_SEARCH.found(Prepared("we send it this weekend, nonstop"))
    assert OPT_OUT_SEARCH.found(Prepared("Hi!\n\nReply STOP to stop automated messages."))
    assert OPT_OUT_SEARCH.found(Prepared("an end"))
    # ſ matches s case-insensitively but does not lower-case to it: searched whole
    assert OPT_OUT_SEARCH.found(Prepared("reply ſtop"))


def test_a_branch_is_tried_only_where_its_leading_literal_is() -> None:
    pattern = phrases(r"(?:buy|order) now", r"\d{1,2} ?% off", r"free gift", r"win")
    starts = dict(zip(pattern._branches, pattern._leading, strict=True))
    assert starts["(?:buy|order) now"] == ("buy", "order")
    assert starts["free gift"] == ("free gift",)
    assert starts[r"\d{1,2} ?% off"] is None  # \d also matches ٣: searched as before
    for text in ("Order now, buy now: a free gift, 20% off, ٣% off, or win",
                 "reorder now; a free gifts; FREE GIFT", "Frée gift, BUY NOW"):
        assert spans(pattern, Prepared(text)) == spans(pattern.regex, text), text


@pytest.mark.parametrize("text", ["", "  \n", "\u00a0", "\u200b", "\u200b\u200c\u200d\u2060",
                                  "\ufeff", "\u00ad", "\u3164", "\u2800", "\ufe0f", "\U000e0100",
                                  "\u034f\u034f", "\u17b4\u17b5", "\u180b\u180b"])
def test_blank_is_text_that_shows_nothing(text: str) -> None:
    assert blank(text)


@pytest.mark.parametrize("text", ["hi", "\u200bhi", "é", "e\u0301", "🙂", ".", "\u200b0"])
def test_blank_is_false_for_anything_visible(text: str) -> None:
    assert not blank(text)


def test_a_prepared_view_is_shared_and_remembers_what_phrase_lists_find() -> None:
    """:func:`prepared` hands the audits of one text one view, which scans each phrase list
    once from the second audit on: what it finds again is what a fresh view finds."""
    for text in EXAMPLES:
        prepared(text)
        shared = prepared(text)
        assert prepared(text) is shared
        for pattern in ALL_PHRASES:
            if pattern.possible(shared):
                first = [m.span() for m in pattern.matches(shared)]
                assert shared.found(pattern) is shared.found(pattern)
                assert [m.span() for m in pattern.matches(shared)] == first
                assert [m.span() for m in pattern.scan(Prepared(text))] == first, text


def test_a_kept_view_is_not_used_once_a_phrase_list_is_added() -> None:
    """A phrase list made after a view was kept has an anchor slot the view's hits do not
    cover: :func:`prepared` hands out a view that sees it."""
    text = "a zanzibar-only phrase"
    prepared(text)
    kept = prepared(text)
    assert kept.anchor_hits is not None
    late = phrases(r"zanzibar-only")
    assert late.search(prepared(text)) is not None


def test_the_ordered_hits_are_the_anchor_hits_in_order() -> None:
    for text in EXAMPLES[:200]:
        view = Prepared(text)
        assert view.ordered_hits == sorted(view.anchor_hits)


def test_work_is_kept_from_a_keys_second_time_and_forgotten_when_full() -> None:
    from dmguard.audit.text import KeptFromSecondTime

    kept: KeptFromSecondTime[str, int] = KeptFromSecondTime(2)
    assert not kept.came_before("a")
    assert kept.came_before("a")
    kept.keep("a", 1)
    assert kept.get("a") == 1
    kept.keep("b", 2)
    kept.keep("c", 3)  # full: what was kept is forgotten, then "c" kept
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == (None, None, 3)
    assert not kept.came_before("b") and not kept.came_before("d")  # seen set full: cleared
    assert not kept.came_before("a")
