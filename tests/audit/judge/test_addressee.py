"""The recipient's @handle, username or lower-case name is read as their name (judge/addressee.py)."""

from __future__ import annotations

import pytest

from dmguard.audit.engine import Auditor
from dmguard.audit.judge.addressee import as_addressed, everyday_word, first_name, spellings
from dmguard.audit.model import AuditInput, Recipient
from dmguard.audit.text import Prepared
from dmguard.clock import SimulatedClock
from dmguard.policy import built_in_policies
from tests.conftest import START

MIRA = Recipient(username="mira_k", name="mira")


@pytest.mark.parametrize(("text", "expected"), [
    ("welcome @mira_k, take a seat", "welcome Mira, take a seat"),
    ("MIRA just got here", "Mira just got here"),
    ("hey mira_k!", "hey Mira!"),
    ("hi mira, it's me", "hi Mira, it's me"),
])
def test_every_way_a_template_fills_the_slot_becomes_the_name(text: str, expected: str) -> None:
    assert as_addressed(text, MIRA) == expected


@pytest.mark.parametrize("text", [
    "Hi Mira, see you Friday",         # already the name: nothing to change
    "write to mira@example.com",       # an address, not a name
    "the link is example.com/mira",    # part of a link
    "@mira_kat is someone else",       # a longer handle
    "Miranda said hi",                 # a longer name
])
def test_what_is_not_the_recipient_is_left_alone(text: str) -> None:
    assert as_addressed(text, MIRA) is None


def test_a_name_that_is_an_everyday_word_is_only_replaced_after_an_at() -> None:
    will = Recipient(username="will", name="Will Ortega")
    assert everyday_word("will") and not everyday_word("mira")
    assert as_addressed("hi @will, I will call you later", will) == "hi Will, I will call you later"
    assert as_addressed("I will call you later", will) is None


def test_the_name_is_the_display_name_s_first_word_after_a_title_else_the_username() -> None:
    assert first_name(Recipient(name="Dr. sam okafor")) == "Sam"
    assert first_name(Recipient(name="🚀", username="jo_builds")) == "Jo"
    assert first_name(Recipient(name="", username="x_1")) is None
    assert as_addressed("hello there", None) is None


@pytest.mark.parametrize("template", [
    "{} just dropped in. Somebody put the kettle on!",
    "Make way, make way, {} is in the house!",
])
def test_a_form_letter_is_held_whatever_fills_its_slot(template: str) -> None:
    """Before: filled with the @handle or the lower-case name, these passed as personal."""
    auditor = Auditor(clock=SimulatedClock(START), policies=built_in_policies(),
                      default_platform="x", record=False)
    for slot in ("Mira", "@mira_k", "mira"):
        result = auditor.audit(AuditInput(template.format(slot), recipient=MIRA))
        assert "DG095" in {f.rule for f in result.findings}, slot


@pytest.mark.parametrize("text", [
    "Hi Sam, it's just @sam_k here. SAM! sam_k? x@sam_k sam_kx /sam_k .sam bsam samb",
    "Sam_k, sam, @SAM_K. Where's sam?", "nothing here", "Samantha and sam-k and sam's",
])
def test_the_quick_search_for_the_recipient_finds_what_the_regex_finds(text: str) -> None:
    spelt = spellings(Recipient(username="sam_k", name="Sam Okafor"))
    assert spelt is not None
    prepared = Prepared(text)
    assert prepared.case_exact
    assert spelt.spans(prepared) == [m.span() for m in spelt.pattern.finditer(text)]


def test_the_addressing_of_a_name_and_username_is_that_of_the_recipient() -> None:
    """The remembered addressing reads a name and a username as :func:`first_name` reads the
    recipient who has them."""
    from dmguard.audit.judge.addressee import _first_name, _spellings, first_name

    for name in (None, "", "Dr. Sam Okafor", "sam", "A", "Mr X", "Ömer Çelik", "will", "@jo",
                 "Kaloremi Amyson", "prof"):
        for username in (None, "", "sam_k", "x", "will", "kaloremi"):
            expected = first_name(Recipient(name=name, username=username))
            assert _first_name(name, username) == expected
            if expected is not None:
                spelt = _spellings(expected, username or "")
                if spelt is not None:
                    assert spelt.lowered == tuple(dict.fromkeys(s.lower() for s in spelt.spelt))
