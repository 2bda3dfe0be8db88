"""The labeller's disclosure and opt-out lines."""

from __future__ import annotations

import pytest

from dmguard.audit.label import DEFAULT_DISCLOSURE, DEFAULT_OPT_OUT, LabelError, Labeller

LABELLER = Labeller(DEFAULT_DISCLOSURE, DEFAULT_OPT_OUT)


def test_the_disclosure_names_the_account_as_a_handle() -> None:
    assert LABELLER.disclosure_for("acme") == "[Automated message from @acme]"
    assert LABELLER.disclosure_for("@acme") == "[Automated message from @acme]"


@pytest.mark.parametrize("account", [None, "", "@"])
def test_without_an_account_the_disclosure_says_this_account_not_a_made_up_handle(
        account: str | None) -> None:
    labelled = LABELLER.apply("Our summer sale is live.", account)
    assert labelled.splitlines()[0] == "[Automated message from this account]"
    assert "@this" not in labelled


def test_a_disclosure_without_an_at_sign_names_this_account_too() -> None:
    labeller = Labeller("(sent automatically by {account})", DEFAULT_OPT_OUT)
    assert labeller.disclosure_for(None) == "(sent automatically by this account)"
    assert labeller.disclosure_for("acme") == "(sent automatically by acme)"


def test_labels_once_and_refuses_past_the_limit() -> None:
    once = LABELLER.apply("Hello there", "acme")
    assert LABELLER.apply(once, "acme") == once
    assert LABELLER.is_labelled(once, "acme")
    short = Labeller(DEFAULT_DISCLOSURE, DEFAULT_OPT_OUT, max_length=40)
    with pytest.raises(LabelError, match="over the platform's limit of 40"):
        short.apply("Hello there", "acme")
