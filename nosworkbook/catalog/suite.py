"""Importer for the whole suite as converted from PDF to markdown.

The conversion left page furniture inside the lists: running page headers (the unit title,
sometimes as a heading, sometimes a URN), rules for page breaks, items split across pages
and continued as plain lines or bullets, numbering as `1.`, `- 24.` or indented `22.`, and
metadata as bold pairs or HTML tables in two styles. Units carry no URN in their body, so
they are matched, in order, to the table of contents, which is also where titles come from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from nosworkbook.catalog.draft import UnitDraft, build_unit
from nosworkbook.catalog.model import Unit
from nosworkbook.catalog.text import METADATA_FIELDS, plain_key, squash, strip_markdown
from nosworkbook.errors import SourceError

_TOC_ROW = re.compile(r"^\s*\|\s*(INSCS\d{3})\s*\|\s*(.*?)\s*\|\s*$")
_OVERVIEW = re.compile(r"^\s*(?:#+\s*)?(?:\*\*)?\s*Overview\s*(?:\*\*)?\s*$")
_ITEM = re.compile(r"^\s*(?:[-*+]\s+)?(\d+)[.)]\s+(\S.*)$")
_BULLET = re.compile(r"^\s*[-*+](?:\s+(.*))?$")
_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")
_URN_LINE = re.compile(r"^\s*INSCS\d{3}\s*$")
_MONTH_YEAR = re.compile(
    r"^(January|February|March|April|May|June|July|August|September|October|November|December)"
    r" \d{4}$"
)
_BOLD_PAIR = re.compile(r"^\*\*(.+?)\*\*\s*(.*)$")

_PC_HEADINGS = {"performance criteria", "performance criteria you must be able to"}
_KU_HEADINGS = {
    "knowledge and understanding",
    "knowledge and understanding you need to know and understand",
}
_INTROS = {"you must be able to", "you need to know and understand"}


@dataclass
class SuiteDocument:
    name: str
    published: str
    contents: list[tuple[str, str]]  # (URN, title) from the table of contents
    units: list[Unit]
    notes: list[tuple[str, str]] = field(default_factory=list)


def looks_like_suite(text: str) -> bool:
    return any(_TOC_ROW.match(line) for line in text.splitlines())


def _metadata_pair(line: str) -> tuple[str, str] | None:
    """`**Key** value` or `| <b>Key</b> | value |`, when Key is a metadata field."""
    stripped = line.strip()
    if stripped.startswith("|"):
        cells = [c.strip() for c in stripped.strip("|").split("|")]
        if len(cells) < 2:
            return None
        key, value = cells[0], " ".join(cells[1:])
    else:
        match = _BOLD_PAIR.match(stripped)
        if not match:
            return None
        key, value = match[1], match[2]
    field_name = METADATA_FIELDS.get(plain_key(key))
    return (field_name, strip_markdown(value)) if field_name else None


def _contents(lines: list[str], first_overview: int) -> list[tuple[str, str]]:
    rows = []
    for line in lines[:first_overview]:
        match = _TOC_ROW.match(line)
        if match:
            rows.append((match[1], squash(match[2])))
    return rows


def _heading_titles(lines: list[str]) -> set[str]:
    """Every heading that is not a section name: unit titles as the converter saw them."""
    titles = set()
    for line in lines:
        if line.lstrip().startswith("#"):
            key = plain_key(line)
            if key and key not in _PC_HEADINGS | _KU_HEADINGS | {"overview"}:
                titles.add(key)
    return titles


class _UnitReader:
    """Reads one unit's lines (from its Overview heading to the next) into a draft."""

    def __init__(self, draft: UnitDraft, known_titles: set[str]) -> None:
        self.draft = draft
        self.known_titles = known_titles
        self.section = "overview"
        self.paragraph: list[str] = []
        self.items: list[str] | None = None
        self.last_number = 0
        self.previous_blank = True
        self.after_metadata: list[str] = []  # a title heading here belongs to the next unit

    def feed(self, line: str) -> None:
        stripped = line.strip()
        blank = not stripped
        try:
            self._feed(stripped)
        finally:
            self.previous_blank = blank

    def _feed(self, s: str) -> None:
        if s.startswith("|") and not s.endswith("|"):
            raise SourceError(
                "", f"{self.draft.label}: truncated: a table row is cut off: {s[:60]!r}"
            )
        if not s or _RULE.match(s):
            self._end_paragraph()
            return
        key = plain_key(s)
        if key in _PC_HEADINGS or key in _KU_HEADINGS:
            self._end_paragraph()
            self.section = "performance" if key in _PC_HEADINGS else "knowledge"
            self.items = getattr(self.draft, self.section)
            self.last_number = 0
            return
        if key in _INTROS:
            return
        pair = _metadata_pair(s)
        if pair:
            self._end_paragraph()
            self.section = "metadata"
            self.draft.metadata[pair[0]] = pair[1]
            return
        if s.startswith("|"):
            return  # table rule or an empty table row
        if s.startswith("#") or _URN_LINE.match(s) or key in self.known_titles:
            self._end_paragraph()
            if not _URN_LINE.match(s):
                target = self.after_metadata if self.section == "metadata" else None
                title = strip_markdown(s.lstrip("#"))
                (target if target is not None else self.draft.body_titles).append(title)
            return
        if self.section == "overview":
            self.paragraph.append(s)
        elif self.section in ("performance", "knowledge"):
            self._list_line(s)
        # Anything else after the metadata (image names, stray text) is page furniture.

    def _list_line(self, s: str) -> None:
        assert self.items is not None
        item = _ITEM.match(s)
        if item:
            number = int(item[1])
            if number != self.last_number + 1:
                kind = (
                    "performance criteria" if self.section == "performance" else "knowledge items"
                )
                raise SourceError(
                    "",
                    f"{self.draft.label}: {kind} jump from {self.last_number} to {number}",
                )
            self.last_number = number
            self.items.append(strip_markdown(item[2]))
            return
        bullet = _BULLET.match(s)
        text = strip_markdown(bullet[1] or "") if bullet else strip_markdown(s)
        if not text:
            return
        if not self.items:
            raise SourceError(
                "", f"{self.draft.label}: text before the first numbered item: {text!r}"
            )
        if not bullet and not self.previous_blank:
            prefix = "PC" if self.section == "performance" else "KU"
            self.draft.notes.append(
                (
                    f"{prefix}{len(self.items)}",
                    f"a line with no number of its own is joined to this item: {text!r}"
                    " (it may be a separate criterion run on in the source)",
                )
            )
        self.items[-1] = f"{self.items[-1]} {text}"

    def _end_paragraph(self) -> None:
        if self.paragraph:
            self.draft.overview.append(" ".join(self.paragraph))
            self.paragraph = []


def parse_suite(text: str, path: str | Path) -> SuiteDocument:
    """Parse the suite document; raises `SourceError` naming the file and problem."""
    lines = text.splitlines()
    overview_at = [i for i, line in enumerate(lines) if _OVERVIEW.match(line)]
    if not overview_at:
        raise SourceError(path, "no standards found (no Overview section)")
    contents = _contents(lines, overview_at[0])
    if not contents:
        raise SourceError(path, "no table of contents listing the suite's URNs and titles")
    urns = [urn for urn, _ in contents]
    if len(set(urns)) != len(urns):
        raise SourceError(path, "the table of contents lists a URN twice")
    if len(overview_at) < len(contents):
        raise SourceError(
            path,
            f"truncated: the contents list {len(contents)} standards but the body has "
            f"{len(overview_at)}",
        )
    if len(overview_at) > len(contents):
        raise SourceError(
            path,
            f"the body has {len(overview_at)} standards but the contents list {len(contents)}",
        )

    name = next((strip_markdown(ln.lstrip("#")) for ln in lines if ln.startswith("# ")), "")
    published = next(
        (ln.strip() for ln in lines[: overview_at[0]] if _MONTH_YEAR.match(ln.strip())), ""
    )
    known_titles = _heading_titles(lines) | {plain_key(t) for _, t in contents}

    bounds = overview_at + [len(lines)]
    units: list[Unit] = []
    notes: list[tuple[str, str]] = []
    carried_titles: list[str] = []
    for index, (urn, title) in enumerate(contents):
        draft = UnitDraft(label=f"standard {index + 1} ({urn})", urn=urn, title=title)
        draft.body_titles.extend(carried_titles)
        reader = _UnitReader(draft, known_titles)
        try:
            for line in lines[bounds[index] + 1 : bounds[index + 1]]:
                reader.feed(line)
        except SourceError as exc:
            raise SourceError(path, exc.problem) from None
        reader._end_paragraph()
        carried_titles = reader.after_metadata
        found: list[str] = []
        units.append(build_unit(draft, path, notes=found))
        notes.extend((urn, note) for note in found)
        notes.extend(
            (f"{urn}.{where}" if not where.startswith("INSCS") else where, note)
            for where, note in draft.notes
        )
        notes.extend(_title_notes(urn, title, draft.body_titles))
    return SuiteDocument(
        name=name, published=published, contents=contents, units=units, notes=notes
    )


def _title_notes(urn: str, title: str, body_titles: list[str]) -> list[tuple[str, str]]:
    if not body_titles:
        return [(urn, f"the body never states the title; the contents table gives {title!r}")]
    differing = sorted({t for t in body_titles if plain_key(t) != plain_key(title)})
    return [(urn, f"the contents table says {title!r} but the body says {t!r}") for t in differing]
