"""The NOS data model: a catalog of units, each with its criteria.

Models are frozen (tuples, not lists) so the one packaged catalog can be shared safely.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator

from nosworkbook import ids
from nosworkbook.ids import Kind

URN_PATTERN = rf"^{ids.URN}$"
CRITERION_ID_PATTERN = rf"^{ids.CRITERION}$"
# ISO 8601 with reduced precision: the suite gives "March 2026", an export "01 Mar 2026".
PARTIAL_DATE_PATTERN = r"^\d{4}-\d{2}(-\d{2})?$"


class UnknownIdentifier(KeyError):
    """A URN or criterion id that the catalog does not hold."""

    def __str__(self) -> str:  # KeyError quotes its argument; we want a plain sentence
        return str(self.args[0]) if self.args else "unknown identifier"


class Criterion(BaseModel):
    """One performance criterion or knowledge item, numbered as in the standard."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=CRITERION_ID_PATTERN)
    kind: Kind
    number: int = Field(ge=1)
    text: str = Field(min_length=1)

    @property
    def urn(self) -> str:
        return ids.unit_of(self.id)

    @property
    def short_id(self) -> str:
        """`PC10` or `KU7`: the id within its unit."""
        return ids.local(self.id)


def display_date(value: str) -> str:
    """A reduced-precision ISO date in plain British style: '2026-03' -> 'March 2026',
    '2021-02-22' -> '22 February 2021'."""
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 3:
        day = date(*parts)
        return f"{day.day} {day:%B %Y}"
    return date(parts[0], parts[1], 1).strftime("%B %Y")


def partial_date_end(value: str) -> date:
    """The last day a reduced-precision ISO date covers ("2026-03" ends on 31 March)."""
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 3:
        return date(*parts)
    year, month = parts
    return date(year, month, calendar.monthrange(year, month)[1])


class Unit(BaseModel):
    """One National Occupational Standard (a unit of the suite)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    urn: str = Field(pattern=URN_PATTERN)
    title: str = Field(min_length=1)
    overview: str
    competence_area: str
    performance: tuple[Criterion, ...]
    knowledge: tuple[Criterion, ...]
    original_urns: tuple[str, ...]
    keywords: tuple[str, ...]
    developed_by: str
    version: str
    date_approved: str = Field(pattern=PARTIAL_DATE_PATTERN)
    indicative_review_date: str = Field(pattern=PARTIAL_DATE_PATTERN)
    validity: str
    status: str
    originating_organisation: str
    relevant_occupations: tuple[str, ...]
    suite: str

    @field_validator("performance", "knowledge")
    @classmethod
    def _numbered_in_order(cls, items: tuple[Criterion, ...]) -> tuple[Criterion, ...]:
        numbers = [c.number for c in items]
        if numbers != list(range(1, len(items) + 1)):
            raise ValueError(f"criteria must be numbered 1..{len(items)}, got {numbers}")
        return items

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        """Performance criteria then knowledge items."""
        return self.performance + self.knowledge

    def review_overdue(self, today: date | None = None) -> bool:
        """True once the indicative review date (to the end of its month) has passed."""
        return (today or date.today()) > partial_date_end(self.indicative_review_date)


class Catalog(BaseModel):
    """All units of a suite, in URN order, with look-ups by URN and criterion id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    suite: str
    published: str = ""
    units: tuple[Unit, ...]

    @field_validator("units")
    @classmethod
    def _sorted_unique(cls, units: tuple[Unit, ...]) -> tuple[Unit, ...]:
        urns = [u.urn for u in units]
        if len(set(urns)) != len(urns):
            raise ValueError("a unit appears twice")
        return tuple(sorted(units, key=lambda u: u.urn))

    def __getitem__(self, urn: str) -> Unit:
        for unit in self.units:
            if unit.urn == urn:
                return unit
        raise UnknownIdentifier(f"unknown unit {urn!r}: the catalog has {self._range()}")

    def __contains__(self, urn: object) -> bool:
        return any(u.urn == urn for u in self.units)

    def __iter__(self) -> Iterator[Unit]:  # type: ignore[override]
        return iter(self.units)

    def __len__(self) -> int:
        return len(self.units)

    def criterion(self, cid: str) -> Criterion:
        """Look up `INSCS027.PC10`-style ids."""
        try:
            parsed = ids.parse_criterion(cid)
        except ValueError:
            raise UnknownIdentifier(
                f"{cid!r} is not a criterion id (expected e.g. INSCS027.PC10)"
            ) from None
        unit = self[parsed.urn]
        items = unit.performance if parsed.kind == "performance" else unit.knowledge
        number = parsed.number
        if not 1 <= number <= len(items):
            raise UnknownIdentifier(f"unknown criterion {cid!r}: {unit.urn} has {len(items)}")
        return items[number - 1]

    def criteria(self) -> Iterator[Criterion]:
        for unit in self.units:
            yield from unit.criteria

    def by_original_urn(self, original: str) -> Unit | None:
        for unit in self.units:
            if original in unit.original_urns:
                return unit
        return None

    def _range(self) -> str:
        if not self.units:
            return "no units"
        return f"{len(self.units)} units, {self.units[0].urn} to {self.units[-1].urn}"
