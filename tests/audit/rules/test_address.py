"""dmguard.audit.rules.address: finding the recipient's name without a regex per name."""

from __future__ import annotations

import re

import pytest

from dmguard.audit.rules.address import _holds_word


@pytest.mark.parametrize("text", [
    "hi amy", "amy", "amy!", "hi amy_lee", "hi 2amy", "amy2 x", "amyamy amy", "xamy",
    "é amy é", "éamy", "amyé", "amy١", "(amy)", "hi, amy. amy", "", "ammy", "a my",
])
def test_a_name_is_found_as_a_whole_word_as_the_regex_finds_it(text: str) -> None:
    """The plain-string search agrees with ``(?<!\\w)amy(?!\\w)``, in every script."""
    assert _holds_word(text, "amy") == bool(re.search(r"(?<!\w)amy(?!\w)", text))
