"""The signs that a message's writer knows its reader, or the place the reader joins."""

from __future__ import annotations

import pytest

from dmguard.audit.reader_cues import KNOWN_NEWCOMER, knows_the_reader, particular_welcome
from dmguard.audit.text import prepared


@pytest.mark.parametrize(("text", "expected"), [
    ("Welcome, Jo! Your desk is number 4 and I'll bring you a coffee at 9.", True),
    ("Welcome, Jo! Standup is at 9:45.", False),  # one sign is not enough
    ("Welcome, Jo! Standup is at 9:45. Priya runs it.", True),  # a time and someone else
    ("Welcome, Jo! Raids are at 8pm, I'll ping you. Read #rules first.", False),  # a channel
    ("Welcome, Jo! Verify your account by 9pm tomorrow.", False),
    ("Welcome, Jo! Make yourself at home.", False),
    ("Willkommen, Jo! Ich bin Petra, deine Patin. Kaffee um 10?", True),
])
def test_a_particular_welcome_needs_two_signs_and_nothing_a_bot_would_add(
        text: str, expected: bool) -> None:
    assert particular_welcome(text) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Welcome Bashir! He's our new keeper from the Rovers", True),
    ("Welcome to the road! We're at number 12", True),
    ("Welcome to the server! We're now 2,000 members", False),
    ("Welcome to the club, it's Friday!", False),
])
def test_a_known_newcomer(text: str, expected: bool) -> None:
    assert (KNOWN_NEWCOMER.search(text) is not None) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Lovely meeting you at the repair café on Saturday!", True),
    ("Ben's been talking about you for a year", True),
    ("Glad it worked out after all those interviews", True),
    ("Demos la bienvenida a mi prima Lucía", True),
    ("welcome!! told you this server was worth it", True),
    ("here's the article I told you about", True),
    ("I know you're busy, so I'll keep it short", False),  # a cold pitch's line
    ("Nice to meet you!", False),
])
def test_what_the_two_share_is_a_sign_of_knowing_the_reader(text: str, expected: bool) -> None:
    text_ = prepared(text)
    assert knows_the_reader(text_.lower, text_.word_set) is expected
