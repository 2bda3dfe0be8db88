"""Hearing STOP in every form people write it, and not hearing it where it is not meant."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmguard.opt_out import asks_more, is_opt_in, is_opt_out, normalise

OPT_OUTS = ["stop", "STOP!!", "Stop.", "unsubscribe", "please stop messaging me",
            "no more messages", "arrête", "para", "stop please", "Please stop.", "STOP NOW",
            "unsubscribe, thanks", "stop bitte",
            # Each of these was missed and then got the campaign (issue 15).
            "ＳＴＯＰ", "ｓｔｏｐ", "S\u200bTOP", "Pare", "nein danke, stop",
            "st\u200dop", "\u202estop", "STOP\ufeff", "no thanks, stop", "non merci, stop",
            "parar por favor", "abmelden bitte", "hören Sie auf", "remove me from your list",
            "do not message me", "no me escribas más", "ne m'écrivez plus", "basta grazie",
            "stop all"]
NOT_OPT_OUTS = ["don't stop believing, great show", "when does the sale end?",
                "the bus stop is near", "please stop by our booth",
                "stop the presses, this is great", "don't stop", "do not stop",
                "I can't stop smiling", "para mim é ótimo", "the end of the world is nigh"]


@pytest.mark.parametrize("text", OPT_OUTS)
def test_opt_out_phrases(text: str) -> None:
    assert is_opt_out(text)


@pytest.mark.parametrize("text", NOT_OPT_OUTS)
def test_not_opt_outs(text: str) -> None:
    assert not is_opt_out(text)


def test_start_is_an_opt_in_in_any_width() -> None:
    assert is_opt_in("START") and is_opt_in("ＳＴＡＲＴ") and is_opt_in("S\u200bTART")
    assert not is_opt_in("start the engine")


def test_normalise_folds_width_and_case_and_drops_format_characters() -> None:
    assert normalise("ＳＴＯＰ") == "stop"
    assert normalise("S\u200bT\u200dO\u2060P\u200e") == "stop"
    assert normalise("  Stop   now ") == "stop now"


INVISIBLE = st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e",
                             "\u200f", "\u202a", "\u202c", "\u2066"])


@given(st.sampled_from(["stop", "unsubscribe", "arrête", "pare", "stopp"]),
       st.lists(st.tuples(st.integers(0, 12), INVISIBLE), max_size=4),
       st.booleans(), st.booleans())
def test_an_opt_out_is_heard_through_any_invisible_characters_width_or_case(
        word: str, insertions: list[tuple[int, str]], wide: bool, upper: bool) -> None:
    text = word.upper() if upper else word
    if wide:
        text = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
    for position, char in insertions:
        cut = min(position, len(text))
        text = text[:cut] + char + text[cut:]
    assert is_opt_out(text), repr(text)


BARE_STOPS = ["STOP", "stop please", "Unsubscribe me.", "Can you please stop messaging me?",
              "please stop messaging me, I am not interested", "no more messages please, thanks",
              "do not message me ever again!!", "remove me from your list", "stop?",
              "Leave me alone with the ads please",
              "Stop messaging me with your stupid promotions, you spammers",
              "Bitte hören Sie auf, mir Werbung zu schicken"]
STOPS_THAT_ASK = [
    # QA 1: both opened no task, so nobody answered the question.
    "Leave me alone with the ads please, but I still need an answer: where is my refund for "
    "order 5531?",
    "Thanks for the reply! Please do not message me with promos though. Quick question: is "
    "the sourdough workshop on Saturday still happening?",
    "Stop texting me. I need to change my delivery address to 12 Rue Oberkampf",
    "ne m'écrivez plus. Où est ma commande ?"]


@pytest.mark.parametrize("text", BARE_STOPS)
def test_a_bare_stop_asks_for_nothing_more(text: str) -> None:
    assert is_opt_out(text) and not asks_more(text)


@pytest.mark.parametrize("text", STOPS_THAT_ASK)
def test_a_stop_with_a_question_or_a_request_asks_for_more(text: str) -> None:
    assert is_opt_out(text) and asks_more(text)


@pytest.mark.parametrize("text", [
    "STOP. But where is my refund for order 5512?", "Stop. Is the shop open on Sunday?",
    "Please stop. When does my order ship?", "Unsubscribe. Also where is my refund?",
    "Stop it. Where is my parcel?", "STOP!!! and where is my refund??",
    "Stop the promos please, but can you tell me when my order ships?",
    "Bitte keine Nachrichten mehr. Wann kommt meine Bestellung?"])
def test_a_stop_sentence_before_a_question_is_heard_and_the_question_kept(text: str) -> None:
    """Before: the keyword had to be the whole message, so "STOP." followed by a question
    was no opt-out at all, and automated DMs went on."""
    assert is_opt_out(text) and asks_more(text)


@pytest.mark.parametrize("text", ["STOP STOP STOP", "Stop spamming me", "stop bothering us"])
def test_repeated_or_spelled_out_stops_are_opt_outs(text: str) -> None:
    assert is_opt_out(text) and not asks_more(text)


@pytest.mark.parametrize("text", ["Para mí está bien.", "Cancel my order please",
                                  "We should stop. It is late.", "The end. Great movie!",
                                  "I will stop by later. Cancel that, I mean tomorrow"])
def test_a_keyword_inside_a_sentence_is_still_no_opt_out(text: str) -> None:
    assert not is_opt_out(text)
