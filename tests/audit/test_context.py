"""Context done right: a batch's lines are not DMs already sent; a reply the person asked
for is not capped like a campaign."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from dmguard.audit.batch import audit_lines, standalone_auditor
from dmguard.audit.engine import Auditor
from dmguard.audit.history import BatchHistory
from dmguard.audit.model import AuditInput, Context, Recipient
from dmguard.audit.similarity import signature
from dmguard.clock import SimulatedClock
from dmguard.policy import built_in_policies
from tests.conftest import START

#: The audit's "now" in these tests (nothing here depends on the hour).
FIXED = SimulatedClock(START)

AMY = {"id": "42", "name": "Amy Lee"}
CAMPAIGN = {"kind": "campaign", "user_dmed_first": True}
HISTORY_RULES = {"DG021", "DG070", "DG071"}


def batch(*lines: dict[str, object]) -> list[set[str]]:
    """The rules that fired on each line of one `dmguard audit` batch."""
    auditor = standalone_auditor(None, SimulatedClock(START))
    outcomes = list(audit_lines(auditor, [json.dumps(line) for line in lines]))
    return [{f.rule for f in outcome.result.findings} for outcome in outcomes
            if outcome.result is not None]


def test_lines_to_one_person_in_a_batch_are_not_messages_already_sent() -> None:
    lines = [
        {"text": "Hi Amy, the pottery fair opens on Friday at ten, stall 12 by the fountain.",
         "recipient": AMY, "context": CAMPAIGN},
        {"text": "Hi Amy, the pottery fair opens on Friday at ten, stall 12 by the fountain!",
         "recipient": AMY, "context": CAMPAIGN},
        {"text": "Hi Amy, one more thing: bring the glaze samples you showed me in May.",
         "recipient": AMY, "context": CAMPAIGN},
        {"text": "Hi Amy, the pottery fair opens on Friday at ten, stall 12 by the fountain.",
         "recipient": AMY, "context": CAMPAIGN},
        {"text": "Hi Amy, the pottery fair opens on Friday at ten, stall 12 by the fountain.",
         "recipient": AMY, "context": CAMPAIGN},
    ]
    for fired in batch(*lines):
        assert not fired & HISTORY_RULES, fired


def test_the_same_text_to_many_people_in_one_batch_is_still_a_form_letter() -> None:
    names = ["Amy Lee", "Bob Stone", "Carla Diaz", "Dev Patel", "Eve Moss"]
    lines = [{"text": f"Hi {name.split()[0]}, our spring collection launches next week with new "
                      "colours and free delivery!",
              "recipient": {"id": str(index), "name": name}}
             for index, name in enumerate(names)]
    fired = batch(*lines)
    assert ["DG021" in rules for rules in fired] == [False, False, False, True, True]


def test_a_history_of_sent_dms_still_caps_and_repeats() -> None:
    history = BatchHistory()
    clock = SimulatedClock(datetime(2026, 3, 2, 12, tzinfo=UTC))
    now = clock.now()
    text = "Hi Amy, the pottery fair opens on Friday at ten, stall 12 by the fountain."
    history.record("42", now - timedelta(hours=2), text, signature(text, ["Amy Lee"]))
    auditor = Auditor(policies=built_in_policies(), default_platform="x", history=history,
                      clock=clock, record=False)
    result = auditor.audit(AuditInput(text, recipient=Recipient(id="42", name="Amy Lee"),
                                      context=Context(kind="campaign")))
    assert {"DG070", "DG071"} <= {f.rule for f in result.findings}


def _after_a_dm_an_hour_ago(context: Context) -> set[str]:
    history = BatchHistory()
    clock = SimulatedClock(datetime(2026, 3, 2, 12, tzinfo=UTC))
    history.record("42", clock.now() - timedelta(hours=1), "Hi Amy, the fair is on Friday", None)
    auditor = Auditor(policies=built_in_policies(), default_platform="x", history=history,
                      clock=clock, record=False)
    result = auditor.audit(AuditInput("Yes, the doors open at 7 and parking is free after 6.",
                                      recipient=Recipient(id="42", name="Amy Lee"),
                                      context=context))
    return {f.rule for f in result.findings}


def test_a_reply_in_a_conversation_the_person_started_is_not_frequency_capped() -> None:
    assert "DG070" not in _after_a_dm_an_hour_ago(Context(kind="reply", user_dmed_first=True))


def test_a_campaign_or_an_unasked_reply_is_still_capped() -> None:
    assert "DG070" in _after_a_dm_an_hour_ago(Context(kind="campaign", user_dmed_first=True))
    assert "DG070" in _after_a_dm_an_hour_ago(Context(kind="reply", user_dmed_first=False))


def test_a_limit_of_zero_caps_a_person_nothing_was_sent_to() -> None:
    """The cap's shortcut for a person with no history must not hide a limit of 0."""
    from dmguard.config import RuleSetting

    clock = SimulatedClock(datetime(2026, 3, 2, 12, tzinfo=UTC))
    item = AuditInput("Yes, the doors open at 7 and parking is free after 6.",
                      recipient=Recipient(id="42", name="Amy Lee"),
                      context=Context(kind="campaign"))
    found = []
    for options in ({}, {"per_day": 0}, {"per_week": 0}):
        auditor = Auditor(policies=built_in_policies(), default_platform="x",
                          history=BatchHistory(), clock=clock, record=False,
                          rules={"DG070": RuleSetting(**options)})
        found.append("DG070" in {f.rule for f in auditor.audit(item).findings})
    assert found == [False, True, True]


def test_a_batch_s_near_duplicates_are_said_to_be_lines_of_it_not_messages_sent() -> None:
    """Before: "similar text already went to about 3 other recipient(s)" of a dry run."""
    names = ["Amy Lee", "Bob Stone", "Carla Diaz", "Dev Patel"]
    lines = [json.dumps({"text": f"Hi {name.split()[0]}, our spring collection launches next "
                                 "week with new colours and free delivery!",
                         "recipient": {"id": str(index), "name": name}})
             for index, name in enumerate(names)]
    auditor = standalone_auditor(None, SimulatedClock(START))
    last = list(audit_lines(auditor, lines))[-1].result
    assert last is not None
    [message] = [f.message for f in last.findings if f.rule == "DG021"]
    assert message == ("similar text is in 3 earlier line(s) of this input, to other "
                       "recipients (nothing was sent)")
