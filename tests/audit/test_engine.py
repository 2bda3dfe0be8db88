from __future__ import annotations

import pytest

from dmguard.audit.engine import Auditor
from dmguard.audit.history import BatchHistory
from dmguard.audit.label import LabelError, Labeller
from dmguard.audit.model import AuditInput, Context, Recipient
from dmguard.clock import SimulatedClock
from dmguard.policy import built_in_policies
from tests.conftest import START

#: The audit's "now" in these tests (nothing here depends on the hour).
FIXED = SimulatedClock(START)


def auditor(**kwargs: object) -> Auditor:
    return Auditor(clock=FIXED, policies=built_in_policies(), default_platform="x",
                   labeller=Labeller("[Automated message from @{account}]",
                                     "Reply STOP to opt out."),
                   account_username="acme", **kwargs)  # type: ignore[arg-type]


def test_conversation_between_two_people_is_sent_and_labelled() -> None:
    result = auditor().audit(AuditInput("Hey, are we still on for lunch Thursday? I can do 1pm."))
    assert result.verdict == "send"
    assert result.labelled_text is not None
    assert result.labelled_text.startswith("[Automated message from @acme]")
    assert result.labelled_text.endswith("Reply STOP to opt out.")


def test_form_letter_is_held_with_explained_score() -> None:
    result = auditor().audit(AuditInput(
        "Hi there! Thanks for the follow 😊😊 Check out my channel and use code SAVE20 for "
        "20% off: https://shop.example.com"))
    assert result.verdict == "hold"
    assert result.score >= 50
    assert {"DG020", "DG011", "DG041"} <= {f.rule for f in result.findings}
    assert sum(c.points for c in result.contributions) >= result.score


def test_personal_detail_lowers_the_score() -> None:
    recipient = Recipient(id="1", name="Amy Lee", bio="Potter in Lisbon, loves glazes")
    generic = auditor().audit(AuditInput("Hi Amy, great to have you here! Let us know.",
                                         recipient=recipient, context=Context(kind="welcome")))
    specific = auditor().audit(AuditInput("Hi Amy, a potter in Lisbon! Which glazes do you use?",
                                          recipient=recipient, context=Context(kind="welcome")))
    assert specific.score < generic.score
    assert any(c.source == "personal detail" for c in specific.contributions)


def test_near_duplicates_see_through_names_and_small_edits() -> None:
    engine = auditor(history=BatchHistory())
    names = ["Amy Lee", "Bob Stone", "Carla Diaz", "Dev Patel", "Eve Moss"]
    verdicts = []
    for index, name in enumerate(names):
        first = name.split()[0]
        text = (f"Hi {first}, our spring collection launches next week with new colours "
                f"and {'free' if index % 2 else 'fast'} delivery!")
        result = engine.audit(AuditInput(text, recipient=Recipient(id=str(index), name=name)))
        verdicts.append("DG021" in {f.rule for f in result.findings})
    assert verdicts[:3] == [False, False, False]
    assert verdicts[3:] == [True, True]


def test_unsolicited_welcome_on_x_is_blocked_but_allowed_on_sandbox() -> None:
    item = AuditInput("Hi Amy! What brought you here?", platform="x",
                      recipient=Recipient(id="1", name="Amy"),
                      context=Context(kind="welcome", user_dmed_first=False))
    assert auditor().audit(item).verdict == "block"
    sandbox = AuditInput(item.text, platform="sandbox", recipient=item.recipient,
                         context=item.context)
    assert auditor().audit(sandbox).verdict == "send"


def test_labeller_never_labels_twice_and_refuses_to_overflow() -> None:
    labeller = Labeller("[Automated]", "Reply STOP to opt out.", max_length=60)
    once = labeller.apply("Hello")
    assert labeller.apply(once) == once
    with pytest.raises(LabelError, match="over the platform's limit of 60"):
        labeller.apply("x" * 50)


def test_message_too_long_once_labelled_is_blocked() -> None:
    result = auditor().audit(AuditInput("a" * 9_990))
    assert result.verdict == "block"
    assert result.findings[-1].rule == "DG084"


@pytest.mark.parametrize("text", ["", "😊😊😊", "مرحبا كيف حالك", "zero\u200bwidth\u200djoin",
                                  "nul\x00byte", "\u202eevil", "{{ 7*7 }}", "x" * 100_000])
def test_awkward_text_gets_a_verdict(text: str) -> None:
    result = auditor().audit(AuditInput(text))
    assert result.verdict in ("send", "hold", "block")
    assert 0 <= result.score <= 100


def test_a_platform_is_a_policy_pack_case_aside_and_an_unknown_one_is_refused() -> None:
    """QA 5: an unknown platform meant no policy, so X's rules were off without a word."""
    from dmguard.audit.batch import standalone_auditor
    from dmguard.audit.engine import UnknownPlatform

    auditor = standalone_auditor(None, SimulatedClock(START))
    assert auditor.known_platform("X") == "x" and auditor.known_platform("sandbox") == "sandbox"
    assert auditor.policy_for(AuditInput("hi", platform="X")) is auditor.policies["x"]
    with pytest.raises(UnknownPlatform, match="must be 'sandbox' or 'x'"):
        auditor.audit(AuditInput("Welcome Amy!", platform="twitter"))
