"""Importer for one standard exported from the NOS website as plain text.

The export has no suite URN and no title: each line is a paragraph, every item is numbered
`1.`, and metadata comes as a label line followed by its value. The unit is identified by
its Original URN against a catalog, or by the URN and title the user gives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from nosworkbook import ids
from nosworkbook.catalog.draft import UnitDraft, build_unit
from nosworkbook.catalog.model import Catalog, Unit
from nosworkbook.catalog.text import METADATA_FIELDS, plain_key, split_list, strip_markdown
from nosworkbook.errors import SourceError

_ITEM = re.compile(r"^\s*(\d+)[.)]\s+(\S.*)$")
_SECTIONS = {
    "overview": "overview",
    "performance criteria": "performance",
    "knowledge and understanding": "knowledge",
}
_INTROS = {"you must be able to", "you need to know and understand"}


@dataclass
class ExportedStandard:
    unit: Unit
    matched_by: str  # how the URN was found, for the report
    notes: list[str] = field(default_factory=list)  # for the data-quality report


def looks_like_export(text: str) -> bool:
    keys = {plain_key(line) for line in text.splitlines()}
    return {"overview", "performance criteria", "original urn"} <= keys


def parse_export(
    text: str,
    path: str | Path,
    reference: Catalog | None,
    urn: str | None = None,
    title: str | None = None,
) -> ExportedStandard:
    """Parse an export; the URN comes from `urn` or from its Original URN in `reference`."""
    draft = UnitDraft(label="the standard")
    section = None
    pending_key: str | None = None
    numbers: dict[str, list[int]] = {"performance": [], "knowledge": []}
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        key = plain_key(line)
        if key in _SECTIONS:
            section = _SECTIONS[key]
            continue
        if key in _INTROS:
            continue
        if key in METADATA_FIELDS:
            section, pending_key = "metadata", METADATA_FIELDS[key]
            continue
        if section == "overview":
            draft.overview.append(strip_markdown(line))
        elif section in ("performance", "knowledge"):
            match = _ITEM.match(line)
            items = getattr(draft, section)
            if match:
                numbers[section].append(int(match[1]))
                items.append(strip_markdown(match[2]))
            elif items:
                items[-1] = f"{items[-1]} {strip_markdown(line)}"
            else:
                raise SourceError(path, f"text before the first numbered item: {line!r}")
        elif section == "metadata" and pending_key:
            draft.metadata[pending_key] = strip_markdown(line)
            pending_key = None
        # Lines after the metadata (the page's image file names) are not part of the standard.
    for kind, seen in numbers.items():
        # Web exports number every item "1."; a document may also number them 1..n.
        if seen and set(seen) != {1} and seen != list(range(1, len(seen) + 1)):
            raise SourceError(path, f"{kind} items are numbered out of order: {seen}")

    originals = split_list(draft.metadata.get("original_urns", ""), ",")
    matched_by = "--urn"
    if urn is None:
        unit = next(
            (
                reference.by_original_urn(o)
                for o in originals
                if reference and reference.by_original_urn(o)
            ),
            None,
        )
        if unit is None:
            known = ", ".join(originals) or "none"
            raise SourceError(
                path,
                f"cannot tell which unit this is: no unit in the catalog has Original URN {known}"
                " (give --urn and --title)",
            )
        urn, matched_by = unit.urn, f"Original URN {', '.join(originals)}"
        title = title or unit.title
    if not ids.is_unit(urn):
        raise SourceError(path, f"{urn!r} is not a unit URN (expected e.g. INSCS041)")
    if title is None:
        if reference is not None and urn in reference:
            title = reference[urn].title
        else:
            raise SourceError(
                path, f"{urn} is not in the catalog, so its title is unknown (give --title)"
            )
    draft.urn, draft.title = urn, title
    known = reference[urn].competence_area if reference is not None and urn in reference else None
    notes: list[str] = []
    unit = build_unit(draft, path, known_area=known, notes=notes)
    return ExportedStandard(unit=unit, matched_by=matched_by, notes=notes)
