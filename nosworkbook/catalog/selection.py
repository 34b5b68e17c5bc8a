"""Choosing units: 'all', a URN, a range such as INSCS001-INSCS012, or a list of these.

One grammar for every place that takes a choice of units: a cohort file's `units` and
`serve --units`. Case does not matter, and ranges may have spaces around the hyphen.
"""

from __future__ import annotations

import re
from typing import Any

from nosworkbook import ids
from nosworkbook.catalog.model import Catalog

_RANGE = re.compile(rf"({ids.URN})\s*-\s*({ids.URN})")
_SEPARATORS = re.compile(r"\s*,\s*|\s+(?!-)(?<!-\s)")
HINT = "'all', a unit such as INSCS027, a range such as INSCS001-INSCS012, or a list of them"


def _known(urn: str, catalog: Catalog) -> str:
    if urn not in catalog:
        first, last = catalog.units[0].urn, catalog.units[-1].urn
        raise ValueError(f"unknown unit {urn} (the suite has {first} to {last})")
    return urn


def _part(text: str, catalog: Catalog) -> list[str]:
    """One URN or range, as the URNs it names in catalog order."""
    every = [u.urn for u in catalog]
    upper = text.strip().upper()
    if match := _RANGE.fullmatch(upper):
        first, last = _known(match[1], catalog), _known(match[2], catalog)
        if first > last:
            raise ValueError(f"the range {text.strip()!r} runs backwards")
        return [u for u in every if first <= u <= last]
    if ids.is_unit(upper):
        return [_known(upper, catalog)]
    raise ValueError(f"{text.strip()!r} is not a unit: give {HINT}")


def select_units(value: Any, catalog: Catalog) -> tuple[str, ...]:
    """The URNs `value` names, sorted; ValueError naming the first part that is wrong.

    A string may name several units and ranges, separated by commas or spaces; "" names none.
    In a list, naming a unit twice is refused (it is a slip in a cohort file)."""
    if value is None or (isinstance(value, str) and value.strip().lower() == "all"):
        return tuple(u.urn for u in catalog)
    if isinstance(value, str):
        found: set[str] = set()
        for part in filter(None, _SEPARATORS.split(value.strip())):
            found.update(_part(part, catalog))
        return tuple(sorted(found))
    if not isinstance(value, list | tuple):
        raise ValueError(f"give {HINT}")
    seen: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise ValueError(f"unknown unit {item!r}: give {HINT}")
        for urn in _part(item, catalog):
            if urn in seen:
                raise ValueError(f"unit {urn} is listed twice")
            seen.append(urn)
    return tuple(sorted(seen))
