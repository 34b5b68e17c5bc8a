"""Read source documents, recognise their format, and build (and write) a catalog.

Writing is atomic: the new catalog goes to a temporary file beside the target and replaces
it in one rename, and only after every source has been read without error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from nosworkbook.catalog.export import looks_like_export, parse_export
from nosworkbook.catalog.model import Catalog, Unit
from nosworkbook.catalog.suite import looks_like_suite, parse_suite
from nosworkbook.errors import NosworkbookError, SourceError
from nosworkbook.files import write_text_atomic


@dataclass
class ImportResult:
    catalog: Catalog
    # (where, note) findings for the data-quality report, where = URN or criterion id
    notes: list[tuple[str, str]] = field(default_factory=list)


def read_source(path: str | Path) -> str:
    """The text of a source document, or a `SourceError` saying why it is unusable."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(path, "no such file") from None
    except IsADirectoryError:
        raise SourceError(path, "is a directory, not a document") from None
    except OSError as exc:
        raise SourceError(path, f"cannot be read ({exc.strerror})") from None
    if not data.strip():
        raise SourceError(path, "the file is empty")
    if b"\x00" in data[:8192]:
        raise SourceError(path, "binary file, not a text document")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(
            path, f"binary file or not UTF-8 text (undecodable byte at offset {exc.start})"
        ) from None


def import_sources(
    sources: list[str | Path],
    base: Catalog | None = None,
    urn: str | None = None,
    title: str | None = None,
) -> ImportResult:
    """Import suite documents and single-standard exports into one catalog.

    With a suite document among the sources the catalog is built from the sources alone;
    with only exports, each export updates its unit in `base`. Later sources win.
    """
    if not sources:
        raise NosworkbookError("no source documents given")
    texts = [(Path(p), read_source(p)) for p in sources]
    kinds = []
    for path, text in texts:
        if looks_like_suite(text):
            kinds.append("suite")
        elif looks_like_export(text):
            kinds.append("export")
        else:
            raise SourceError(path, "no standards found in this document")
    if (urn or title) and kinds.count("export") != 1:
        raise NosworkbookError("--urn and --title name one standard: give exactly one export")

    has_suite = "suite" in kinds
    units: dict[str, Unit] = {} if has_suite or base is None else {u.urn: u for u in base}
    suite_name = "" if has_suite or base is None else base.suite
    published = "" if has_suite or base is None else base.published
    notes: list[tuple[str, str]] = []
    for (path, text), kind in zip(texts, kinds, strict=True):
        if kind == "suite":
            document = parse_suite(text, path)
            units.update((u.urn, u) for u in document.units)
            suite_name, published = document.name, document.published
            notes.extend(document.notes)
            continue
        reference = _catalog(units, suite_name, published) if units else base
        exported = parse_export(text, path, reference, urn=urn, title=title)
        unit = exported.unit
        previous = units.get(unit.urn) or (base[unit.urn] if base and unit.urn in base else None)
        notes.append((unit.urn, f"{path.name}: matched by {exported.matched_by}"))
        notes.extend((unit.urn, f"{path.name}: {note}") for note in exported.notes)
        if previous is not None:
            notes.extend((unit.urn, f"{path.name}: {d}") for d in differences(previous, unit))
        units[unit.urn] = unit
        suite_name = suite_name or unit.suite
    return ImportResult(catalog=_catalog(units, suite_name, published), notes=notes)


def _catalog(units: dict[str, Unit], suite: str, published: str) -> Catalog:
    return Catalog(suite=suite, published=published, units=tuple(units.values()))


def differences(before: Unit, after: Unit) -> list[str]:
    """Plain-language differences between two versions of a unit."""
    found = []
    old, new = before.model_dump(), after.model_dump()
    for key in old:
        if key in ("performance", "knowledge"):
            old_texts = [c["text"] for c in old[key]]
            new_texts = [c["text"] for c in new[key]]
            if len(old_texts) != len(new_texts):
                found.append(f"{key} has {len(new_texts)} items, not {len(old_texts)}")
            else:
                found.extend(
                    f"{key} item {n} reads {b!r}, not {a!r}"
                    for n, (a, b) in enumerate(zip(old_texts, new_texts, strict=True), 1)
                    if a != b
                )
        elif isinstance(old[key], str) and new[key] != old[key] and new[key].startswith(old[key]):
            found.append(f"{key.replace('_', ' ')} is {new[key]!r}, more precise than {old[key]!r}")
        elif old[key] != new[key]:
            found.append(f"{key.replace('_', ' ')} is {new[key]!r}, not {old[key]!r}")
    return found


def write_catalog(catalog: Catalog, out: str | Path) -> None:
    """Write the catalog as JSON, atomically: readers see the old file or the new one."""
    write_text_atomic(out, catalog.model_dump_json(indent=1) + "\n")
