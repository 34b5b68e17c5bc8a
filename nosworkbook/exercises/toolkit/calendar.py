"""Bank holidays, from the `holidays` package's calendar for the UK's nations.

Bank holidays differ by nation (Scotland has 2 January and St Andrew's Day but not Easter
Monday; Northern Ireland has St Patrick's Day and the Battle of the Boyne), and they move
(substitute days when one falls at a weekend, one-off holidays). So they are never typed into
scenario files: an exercise asks for the nation's calendar over the dates it needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cache

import holidays

from nosworkbook.settings import NATIONS

NAMES = {
    "May Day": "Early May bank holiday",
    "Spring Bank Holiday": "Spring bank holiday",
    "Late Summer Bank Holiday": "Summer bank holiday",
    "Summer Bank Holiday": "Summer bank holiday",
    "New Year Holiday": "2nd January",
}
"""The package's names -> the names GOV.UK gives the bank holidays, which learners look up."""
SUBSTITUTE = " (observed)"


def _name(name: str) -> str:
    """GOV.UK's name for a holiday: 'Boxing Day (substitute day)', 'St Patrick's Day'; two
    on one day (the package joins them with '; ') are joined with 'and'."""
    names = []
    for one in name.split("; "):
        substitute = one.endswith(SUBSTITUTE)
        one = NAMES.get(one.removesuffix(SUBSTITUTE), one.removesuffix(SUBSTITUTE))
        one = one.replace("Saint ", "St ")
        names.append(f"{one} (substitute day)" if substitute else one)
    return " and ".join(names)


@cache
def _calendar(nation: str, years: tuple[int, ...]) -> dict[date, str]:
    subdivision = NATIONS[nation].subdivision
    found = holidays.country_holidays("GB", subdiv=subdivision, years=years, language="en_GB")
    return {day: _name(name) for day, name in sorted(found.items())}


def bank_holidays(nation: str, years: Iterable[int]) -> dict[date, str]:
    """Date -> name of every bank holiday of `nation` in `years`, in date order."""
    if nation not in NATIONS:
        raise ValueError(f"unknown nation {nation!r}: choose one of {', '.join(NATIONS)}")
    return _calendar(nation, tuple(sorted(set(years))))


def between(nation: str, first: date, last: date) -> dict[date, str]:
    """The nation's bank holidays from `first` to `last`, both included."""
    every = bank_holidays(nation, range(first.year, last.year + 1))
    return {day: name for day, name in every.items() if first <= day <= last}
