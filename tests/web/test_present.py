"""What the page says when an action fails: whole sentences, one full stop each."""

from __future__ import annotations

import pytest

from dmguard.tasks import TaskError
from dmguard.web.present import page_words


@pytest.mark.parametrize("reason", [
    "Invalid Request: participant_id: [2124902598556254213].",
    "Not Found Error",
])
def test_a_failed_send_names_the_reason_with_one_full_stop(reason: str) -> None:
    words = page_words(TaskError(f"the reply to task 3 failed: {reason}", "failed"))
    assert words.startswith("The reply was not sent: ")
    assert ".." not in words and reason.rstrip(".") + "." in words


def test_a_text_problem_says_to_edit_and_send_again() -> None:
    words = page_words(TaskError("the reply is empty", "text"))
    assert words == "The reply is empty. Edit the text and send again."


@pytest.mark.parametrize("error", [
    TaskError("alice has this conversation; take it over first (`dmguard tasks claim 3 "
              "--take-over`)", "taken"),
    TaskError("task 3 is claimed by alice", "taken"),
    TaskError("task 3 is already done", "closed"),
    TaskError("an earlier reply is on its way", "unsettled"),
    TaskError("not sent: this is the automated draft", "not_personal"),
    TaskError("this form does not say what its page showed", "stale"),
], ids=["taken", "claimed", "closed", "unsettled", "not-personal", "stale"])
def test_the_text_is_said_to_be_kept_only_after_an_action_with_text(error: TaskError) -> None:
    """QA 6 (queue 2): a refused claim said "Your text is kept below." with no text."""
    assert page_words(error, kept=True).endswith("Your text is kept below.")
    words = page_words(error)
    assert "kept" not in words and words.endswith(".") and ".." not in words
    assert "  " not in words and not words.endswith(" ")
