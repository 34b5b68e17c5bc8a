"""A unit as read from a source, before it is checked and frozen into a `Unit`.

Both importers fill a `UnitDraft`; `build_unit` turns it into the model or raises a
`SourceError` that says what is missing, so every format is held to the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from nosworkbook.catalog.model import Criterion, Unit
from nosworkbook.catalog.text import (
    METADATA_FIELDS,
    competence_area,
    iso_partial_date,
    split_list,
    squash,
)
from nosworkbook.errors import SourceError
from nosworkbook.ids import criterion_id


@dataclass
class UnitDraft:
    label: str  # how to name the unit in an error before its URN is known
    urn: str | None = None
    title: str | None = None
    overview: list[str] = field(default_factory=list)
    performance: list[str] = field(default_factory=list)
    knowledge: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    body_titles: list[str] = field(default_factory=list)
    # Findings for the data-quality report: (criterion id or URN, note).
    notes: list[tuple[str, str]] = field(default_factory=list)


def build_unit(
    draft: UnitDraft,
    path: str | Path,
    known_area: str | None = None,
    notes: list[str] | None = None,
) -> Unit:
    """Check a draft is complete and return the frozen unit.

    Export wording varies: an overview that does not name its competence area takes
    `known_area` (the catalog's, when the unit is known), or none, and says so in `notes` for
    the data-quality report rather than refusing the standard."""
    name = draft.urn or draft.label
    if draft.urn is None or draft.title is None:
        raise SourceError(path, f"{name}: no URN or title could be found for this standard")
    if not draft.overview:
        raise SourceError(path, f"{name}: the standard has no overview")
    if not draft.performance:
        raise SourceError(path, f"{name}: no performance criteria found")
    if not draft.knowledge:
        raise SourceError(path, f"{name}: no knowledge and understanding items found")
    missing = [label for label, key in METADATA_FIELDS.items() if key not in draft.metadata]
    if missing:
        raise SourceError(
            path,
            f"{name}: truncated or incomplete: no {', '.join(m.title() for m in missing)}",
        )
    overview = "\n\n".join(squash(p) for p in draft.overview)
    area = competence_area(overview)
    if area is None:
        if known_area:
            area = known_area
            found = f"the overview does not name its competence area; kept the catalog's ({area})"
        else:
            area = ""
            found = "the overview does not name its competence area, and none is known"
        if notes is not None:
            notes.append(found)
    meta = draft.metadata
    dates = {}
    for key in ("date_approved", "indicative_review_date"):
        iso = iso_partial_date(meta[key])
        if iso is None:
            raise SourceError(path, f"{name}: cannot read the date {meta[key]!r}")
        dates[key] = iso

    def criteria(kind: str, texts: list[str]) -> tuple[Criterion, ...]:
        return tuple(
            Criterion(id=criterion_id(draft.urn, kind, n), kind=kind, number=n, text=squash(t))
            for n, t in enumerate(texts, start=1)
        )

    try:
        return Unit(
            urn=draft.urn,
            title=squash(draft.title),
            overview=overview,
            competence_area=area,
            performance=criteria("performance", draft.performance),
            knowledge=criteria("knowledge", draft.knowledge),
            original_urns=split_list(meta["original_urns"], ","),
            keywords=split_list(meta["keywords"], ";"),
            developed_by=squash(meta["developed_by"]),
            version=squash(meta["version"]),
            date_approved=dates["date_approved"],
            indicative_review_date=dates["indicative_review_date"],
            validity=squash(meta["validity"]),
            status=squash(meta["status"]),
            originating_organisation=squash(meta["originating_organisation"]),
            relevant_occupations=split_list(meta["relevant_occupations"], ";"),
            suite=squash(meta["suite"]),
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SourceError(path, f"{name}: {where}: {first['msg']}") from None
