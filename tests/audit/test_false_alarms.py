"""Known false alarms of issue #16, and template holes in their other common forms."""

from __future__ import annotations

import pytest

from dmguard.audit.engine import Auditor
from dmguard.audit.model import AuditInput
from dmguard.clock import SimulatedClock
from dmguard.config import Config
from tests.conftest import START

#: The audit's "now" in these tests (nothing here depends on the hour).
FIXED = SimulatedClock(START)


def audit(text: str) -> tuple[str, list[str]]:
    config = Config.model_validate({"accounts": [{"name": "default", "platform": "x"}]})
    result = Auditor.from_config(config, clock=FIXED, platform="x", record=False).audit(AuditInput(text))
    return result.verdict, [f"{f.rule} {f.message}" for f in result.findings]


@pytest.mark.parametrize("text", ["", " ", "\n\t  \n", "\u200b\u200b", "\ufeff", " \u2060\u200d ",
                                  "\u3164", "\u2800\u2800", "\ufe0f"])
def test_empty_whitespace_or_invisible_text_is_not_sent(text: str) -> None:
    verdict, findings = audit(text)
    assert verdict != "send"
    assert any(f.startswith("DG004") and "empty" in f for f in findings)


@pytest.mark.parametrize("text", ["Congrats on the new job!", "congrats!! 🎉",
                                  "Congratulations on the baby, so happy for you"])
def test_congrats_is_not_a_prize(text: str) -> None:
    verdict, findings = audit(text)
    assert not any(f.startswith("DG046") for f in findings)
    assert verdict == "send"


def test_you_wont_is_not_you_won() -> None:
    verdict, findings = audit("You won't believe what the cat did this morning")
    assert not any(f.startswith("DG046") for f in findings)
    assert verdict == "send"
    _, spam = audit("Congratulations! You won a free cruise, claim your prize now")
    assert any(f.startswith("DG046") for f in spam)


@pytest.mark.parametrize("text", [
    "Hey Noor, you won the quiz at Friday's meetup, congrats! I'll bring the mug on Sunday",
    "Congratulations Tobi, you won the chili cook-off! The trophy is on my desk.",
    "Congrats Ken, you won the club raffle! The prize is a signed shirt, I'll bring it to training.",
])
def test_a_winner_told_by_the_person_who_hands_the_prize_over_is_sent(text: str) -> None:
    verdict, findings = audit(text)
    assert verdict == "send", findings
    assert not any(f.startswith("DG046") and "ongrat" in f for f in findings)


@pytest.mark.parametrize("text", [
    "Congrats! You won a $500 gift card, click the link to claim",
    "Congratulations, you have won! Call 08712300220 to collect your prize",
    "congrats u won a free iPhone, visit prizes-now.club",
])
def test_congratulations_beside_a_prize_to_claim_still_count(text: str) -> None:
    verdict, findings = audit(text)
    assert verdict != "send"
    assert any(f.startswith("DG046") and "ongrat" in f for f in findings), findings


@pytest.mark.parametrize("text", [
    "Welcome to _________! Your temporary Username is xxxxxxxxxxxx",
    "(username) uses a validation service. To validate click here",
    "Follow (Herwebsite) for more",
    "Did you see this pic of you *link*",
    "Read more at [link]",
    "We grew [Client] by 300%",
    "You are visitor number ## today",
])
def test_template_holes_are_found(text: str) -> None:
    verdict, findings = audit(text)
    assert verdict != "send"
    assert any(f.startswith(("DG005", "DG001")) for f in findings), findings


@pytest.mark.parametrize("text", [
    "Like I said (see above), it's on the table",
    "The sign said 'thier' [sic] lol",
    "Just back from the x-ray, nothing broken. Love you xxx",
    "## Notes\nbring the charger",
    "my_long__variable is fine",
])
def test_ordinary_brackets_kisses_and_headings_are_not_holes(text: str) -> None:
    _, findings = audit(text)
    assert not any(f.startswith(("DG005", "DG001")) for f in findings), findings


@pytest.mark.parametrize("text", [
    "Thanks for following up on my ticket, it works now",   # "following up" is no follow
    "Hi Tom, got it, thanks",                                # "Tom, got it": Tom is spoken to
    "Thanks for your message about the wobbly table leg. Could you send me a photo of the "
    "underside? Then I can tell you which screw is missing.",
])
def test_plain_personal_answers_found_held_in_qa_are_sent(text: str) -> None:
    verdict, findings = audit(text)
    assert verdict == "send", findings


@pytest.mark.parametrize(("text", "rule"), [
    ("Benvenuto! Grazie per averci seguito, usa il codice CIAO10 per il 10% di sconto.", "DG020"),
])
def test_welcome_discounts_in_german_and_italian_are_held(text: str, rule: str) -> None:
    verdict, findings = audit(text)
    assert verdict != "send" and any(f.startswith(rule) for f in findings), findings


def test_a_discount_in_another_language_is_a_sales_call_to_action() -> None:
    _, findings = audit("Als Dankeschön erhältst du 15 % Rabatt auf deine erste Bestellung.")
    assert any(f.startswith("DG041") and "15 % Rabatt" in f for f in findings)


def test_a_foreign_welcome_word_is_not_read_as_a_name() -> None:
    from dmguard.audit.judge.features import features

    shapes = features("Bienvenue ! Merci de nous suivre.")
    assert "s:opens-with-name" not in shapes and "s:names-someone" not in shapes


def _to_amy(text: str) -> list[str]:
    from dmguard.audit.model import Context, Recipient

    config = Config.model_validate({"accounts": [{"name": "default", "platform": "x"}]})
    item = AuditInput(text, recipient=Recipient(id="9", username="amylee", name="Amy Lee"),
                      context=Context(kind="reply", user_dmed_first=True))
    result = Auditor.from_config(config, clock=FIXED, platform="x", record=False).audit(item)
    return [f"{f.rule} {f.severity}" for f in result.findings]


@pytest.mark.parametrize("text", ["Dear Dr. Lee, your order shipped today.",
                                  "Hello Ms. Lee, your refund is done.",
                                  "Hi Prof. Lee, the book arrived."])
def test_a_courtesy_title_and_the_family_name_is_the_right_name(text: str) -> None:
    """Before: "greets 'Dr' but the recipient is 'Amy Lee'", blocked."""
    findings = _to_amy(text)
    assert not any(f.startswith(("DG002", "DG003")) for f in findings), findings


@pytest.mark.parametrize("text", ["Hi sarah, your order shipped today.",
                                  "hey tom! thanks for the follow"])
def test_a_wrong_name_in_lower_case_is_found_and_held_for_a_look(text: str) -> None:
    """Before: only a capitalised wrong name was found."""
    assert "DG002 warn" in _to_amy(text)


@pytest.mark.parametrize("text", ["hi there, your order shipped today.", "hey girl, long time!",
                                  "hola amigo, ¿qué tal?", "hey fam, see you at 8"])
def test_a_word_after_a_greeting_is_not_a_wrong_name(text: str) -> None:
    assert not any(f.startswith("DG002") for f in _to_amy(text))
