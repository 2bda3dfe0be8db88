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
