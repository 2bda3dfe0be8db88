"""places: a profile's free-text location to a time zone (QA: Pune, Mumbai, India and
Osaka had none, so quiet hours did not apply to them)."""

from __future__ import annotations

import pytest

from dmguard.places import zone_from_location


@pytest.mark.parametrize(("location", "zone"), [
    ("Pune", "Asia/Kolkata"),
    ("Mumbai, India", "Asia/Kolkata"),
    ("India", "Asia/Kolkata"),
    ("Osaka", "Asia/Tokyo"),
    ("Ho Chi Minh City", "Asia/Ho_Chi_Minh"),
    ("Lisbon", "Europe/Lisbon"),
    ("Reading books in Lisbon", "Europe/Lisbon"),  # the larger place beats a town that is a word
    ("Atlanta, Georgia", "America/New_York"),  # a city beats a country
    ("Zürich", "Europe/Zurich"),
])
def test_a_place_named_anywhere_gives_its_zone(location: str, zone: str) -> None:
    assert zone_from_location(location) == zone


@pytest.mark.parametrize("location", [
    "she/her", "Living my best life", "Happy Easter", "Christmas lover", "Texas, USA",
    "Mexico",  # several zones: no guess
    None, ""])
def test_no_zone_where_no_place_says_one(location: str | None) -> None:
    assert zone_from_location(location) is None
