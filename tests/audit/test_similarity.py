"""Signatures are the CRC-32s of word trigrams of the normalised text, in every process."""

from __future__ import annotations

import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmguard.audit.similarity import (
    NearDuplicateIndex,
    in_order,
    normalise,
    remembered_signature,
    signature,
)


@pytest.mark.parametrize("text", [
    "Hi Amy, we are launching our spring collection next week with 20% off!",
    "Zoë, the café in Straße 5 serves déjà-vu crêpes until 11, see https://x.example.com",
    "Привет Amy, сегодня мы открываем новый магазин на улице Ленина, заходите",
])
def test_shingles_are_crc32_of_three_words(text: str) -> None:
    words = normalise(text, ["Amy Lee"]).split()
    expected = {zlib.crc32(" ".join(words[i:i + 3]).encode()) for i in range(len(words) - 2)}
    sig = signature(text, ["Amy Lee"])
    assert sig is not None and set(sig.shingles) == expected


def test_short_texts_have_no_signature() -> None:
    assert signature("Hi Amy, see you soon") is None


def test_the_count_is_what_most_shingles_reach() -> None:
    index = NearDuplicateIndex()
    base = "we are launching our spring collection next week with new colours"
    for name in ("Bob", "Carla", "Dev"):
        index.add(signature(f"Hi {name}, {base}", [name]))
    index.add(signature("something else entirely, about sourdough and rust and jazz"))
    assert index.count(signature(f"Hi Amy, {base}", ["Amy"])) == 3
    assert index.count(signature("a new text about kubernetes clusters and ceramics")) == 0


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_words_are_split_as_the_scan_finds_them(text: str) -> None:
    """ASCII text is split on everything but letters and digits: the words ``_TOKEN`` finds."""
    from dmguard.audit.similarity import _NOT_ALNUM, _TOKEN

    assert text.translate(_NOT_ALNUM).split() == _TOKEN.findall(text)


def test_a_text_of_exactly_the_shortest_length_has_a_signature() -> None:
    assert signature("aaaa bbbb cccc dddd eeee fffff") is not None  # 30 characters
    assert signature("aaaa bbbb cccc dddd eeee ffff") is None  # 29 characters


def _longest_common(first: list[str], second: list[str]) -> int:
    """The textbook dynamic programme, to check :func:`in_order` against."""
    previous = [0] * (len(second) + 1)
    for word in first:
        current = [0]
        for index, other in enumerate(second):
            current.append(previous[index] + 1 if word == other
                           else max(previous[index + 1], current[index]))
        previous = current
    return previous[-1]


@given(st.lists(st.sampled_from("abcde"), max_size=40), st.lists(st.sampled_from("abcde"),
                                                                  max_size=40))
def test_in_order_is_the_longest_common_subsequence(first: list[str], second: list[str]) -> None:
    assert in_order(first, second) == _longest_common(first, second) == in_order(second, first)


def test_in_order_sees_through_words_put_in_between() -> None:
    draft = ["thanks", "for", "following", "we", "have", "new", "bike", "gear", "every", "week"]
    padded = ["thanks", "so", "much", "for", "following", "we", "have", "new", "bike", "gear",
              "in", "every", "single", "week"]
    assert in_order(draft, padded) == len(draft)
    assert in_order(draft, []) == 0 == in_order([], draft)


def test_a_remembered_signature_is_the_signature() -> None:
    text = "Hi Amy, we are launching our spring collection next week with new colours!"
    for names in ((), ("Amy Lee",), ("Amy Lee", "amylee")):
        assert remembered_signature(text, names) == signature(text, names)
        assert remembered_signature(text, names) == signature(text, names)
    assert remembered_signature("too short", ()) is None


def test_a_template_to_people_of_other_names_has_the_signature_of_its_own_words() -> None:
    """The texts of one template to people of different names normalise to the same words,
    whose shingles are remembered once: each text's signature is still its own."""
    template = "Hi {name}, thanks for the follow! Check out our new collection at {link}"
    for name in ("Kaloremi Amyson", "Tosuvi Bobson", "Amy Lee", "Ömer Çelik", "Jo"):
        for link in ("https://shop.example.com", "www.example.org/a"):
            text = template.format(name=name.split()[0], link=link)
            assert remembered_signature(text, (name,)) == signature(text, (name,))
            assert remembered_signature(text, ()) == signature(text, ())
