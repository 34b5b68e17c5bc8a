"""A portfolio as an A4 PDF, drawn by ReportLab straight from the `Portfolio` records.

Why ReportLab, and why these tables: laying the HTML page out with a CSS engine (WeasyPrint)
took about 40 s for a learner with all 44 units rated (about 200 pages), and ReportLab's own
`Table` of `Paragraph` cells about 8 s, because it measures every cell again each time a table
is split over a page. Here each cell's lines are broken once, with the embedded font's own
widths, and a table split over pages only counts those lines, so the 200 pages take about
1.5 s. ReportLab writes PDF itself (no system libraries, nothing fetched) and runs no script.

Text is text: every learner's and tutor's word is drawn as a plain string, never parsed as
markup, so a note holding `<script>` or `<font size=40>` prints as those characters, and a
reader can search and copy it. A run with no space to break at is broken where the column
ends. The font is DejaVu Sans (Debian's fonts-dejavu-core, which scripts/setup.sh installs),
embedded as a subset, so any reader shows the same page.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Spacer

from nosworkbook.errors import NosworkbookError
from nosworkbook.portfolio.records import Portfolio, Row
from nosworkbook.portfolio.render import made_on, tutor_label, when

FONT_FOLDER = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = {"DejaVuSans": "DejaVuSans.ttf", "DejaVuSans-Bold": "DejaVuSans-Bold.ttf"}
"""The fonts drawn with, from Debian's fonts-dejavu-core (embedded in the PDF as subsets)."""

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
BOTTOM = 20 * mm  # room for the footer
WIDTH = PAGE_WIDTH - 2 * MARGIN
FRAME_HEIGHT = PAGE_HEIGHT - MARGIN - BOTTOM
PAD = 2.5  # points of space inside a cell, on each side
RULE = 0.5  # the width of the table's lines

INK, MUTED, ACCENT, FLAG = "#1b1b1b", "#505050", "#1f3a5f", "#8a2c00"
HEADER_FILL, LINE = "#e4e9f0", "#9a9a9a"

# What it asks, rating and evidence, exercises, sign-off: the learner's words get the most room.
COLUMNS = (46.0, 140.0, 150.0, 84.0, WIDTH - 420.0)
HEADERS = ("Criterion", "What it asks", "Rating and evidence", "Exercises", "Sign-off")


@dataclass(frozen=True, slots=True)
class Style:
    font: str
    size: float
    leading: float
    color: str


TITLE = Style("DejaVuSans-Bold", 17, 21, ACCENT)
ABOUT = Style("DejaVuSans", 9, 12.5, INK)
SECTION = Style("DejaVuSans-Bold", 11.5, 15, ACCENT)
HEAD = Style("DejaVuSans-Bold", 7.5, 9.5, INK)
BODY = Style("DejaVuSans", 7.5, 9.5, INK)
BOLD = Style("DejaVuSans-Bold", 7.5, 9.5, INK)
SMALL = Style("DejaVuSans", 6.5, 8.5, MUTED)
WARN = Style("DejaVuSans-Bold", 7.5, 9.5, FLAG)
FOOT = Style("DejaVuSans", 7, 9, MUTED)

Piece = tuple[Style, str]  # a paragraph of one style
Line = tuple[Style, str]  # one line of it, as drawn


@cache
def register_fonts() -> None:
    """Register DejaVu Sans with ReportLab once; a one-line NosworkbookError if it is missing."""
    for name, file in FONT_FILES.items():
        path = FONT_FOLDER / file
        if not path.is_file():
            raise NosworkbookError(
                f"PDF reports need the DejaVu Sans font ({path} is missing): install Debian's "
                "fonts-dejavu-core (scripts/setup.sh does)"
            )
        pdfmetrics.registerFont(TTFont(name, str(path)))


@lru_cache(maxsize=65_536)
def _width(text: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, font, size)


def _chop(word: str, style: Style, width: float) -> list[str]:
    """A word wider than `width` in pieces that fit, broken between characters."""
    pieces, start, used = [], 0, 0.0
    for end, char in enumerate(word):
        wide = _width(char, style.font, style.size)
        if used + wide > width and end > start:
            pieces.append(word[start:end])
            start, used = end, 0.0
        used += wide
    pieces.append(word[start:])
    return pieces


def wrap(text: str, style: Style, width: float) -> list[str]:
    """`text` broken into lines no wider than `width`: at spaces, and inside a word only when
    the word alone is wider. Line breaks in the text are kept; runs of spaces become one."""
    lines: list[str] = []
    space = _width(" ", style.font, style.size)
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line, used = "", 0.0
        for word in paragraph.split():
            wide = _width(word, style.font, style.size)
            if line and used + space + wide <= width:
                line, used = f"{line} {word}", used + space + wide
                continue
            if line:
                lines.append(line)
            if wide <= width:
                line, used = word, wide
                continue
            *whole, line = _chop(word, style, width)
            lines.extend(whole)
            used = _width(line, style.font, style.size)
        lines.append(line)
    return lines


def lay_out(pieces: Iterable[Piece], width: float) -> list[Line]:
    return [(style, line) for style, text in pieces for line in wrap(text, style, width)]


def _height(lines: Sequence[Line]) -> float:
    return sum(style.leading for style, _ in lines)


def _draw_lines(canv: Canvas, lines: Sequence[Line], x: float, top: float) -> None:
    """Draw `lines` downwards from `top`, each on its font's baseline, as one text object."""
    text = canv.beginText()
    font: tuple[str, float] | None = None
    color = None
    y = top
    for style, line in lines:
        y -= style.leading
        if (style.font, style.size) != font:
            font = (style.font, style.size)
            text.setFont(style.font, style.size, style.leading)
        if style.color != color:
            color = style.color
            text.setFillColor(HexColor(color))
        text.setTextOrigin(x, y + (style.leading - style.size) * 0.75)
        text.textOut(line)
    canv.drawText(text)


class Block(Flowable):
    """Paragraphs across the frame's width (the title, a section's heading), kept whole."""

    def __init__(self, pieces: Sequence[Piece], space_after: float = 0.0) -> None:
        super().__init__()
        self.lines = lay_out(pieces, WIDTH)
        self.spaceAfter = space_after

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return WIDTH, _height(self.lines)

    def draw(self) -> None:
        _draw_lines(self.canv, self.lines, 0, _height(self.lines))


Cell = list[Line]


def _cells(texts: Sequence[Sequence[Piece]], widths: Sequence[float]) -> list[Cell]:
    return [lay_out(pieces, width - 2 * PAD) for pieces, width in zip(texts, widths, strict=True)]


def _row_height(row: Sequence[Cell]) -> float:
    return max(_height(cell) for cell in row) + 2 * PAD


class Grid(Flowable):
    """A table with a header row, and optionally a heading kept with it, that splits between
    rows over as many pages as it needs, repeating the header row (and the heading, marked
    continued) on each. A row taller than a whole page is split between its lines."""

    def __init__(
        self,
        widths: Sequence[float],
        header: Sequence[Cell],
        rows: Sequence[Sequence[Cell]],
        *,
        heading: Sequence[Line] = (),
        space_after: float = 10.0,
    ) -> None:
        super().__init__()
        self.widths = tuple(widths)
        self.header = list(header)
        self.rows = [list(row) for row in rows]
        self.heading = list(heading)
        self.spaceAfter = space_after
        self.heights = [_row_height(row) for row in self.rows]
        self.top = _height(self.heading) + (3 if self.heading else 0) + _row_height(self.header)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width, self.height = sum(self.widths), self.top + sum(self.heights)
        return self.width, self.height

    def _part(self, rows: list[list[Cell]], heading: Sequence[Line]) -> Grid:
        return Grid(self.widths, self.header, rows, heading=heading, space_after=self.spaceAfter)

    def _continued(self) -> list[Line]:
        if not self.heading:
            return []
        style, first = self.heading[0]
        return [(SMALL, f"{first} (continued)")] if style is SECTION else [(SMALL, "(continued)")]

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        room = available_height - self.top
        fits, used = 0, 0.0
        while fits < len(self.rows) and used + self.heights[fits] <= room:
            used += self.heights[fits]
            fits += 1
        if fits == len(self.rows):  # all the rows fit, so only the heading did not
            return [self] if room >= 0 else []
        rest_heading = self._continued()
        if fits:
            return [
                self._part(self.rows[:fits], self.heading),
                self._part(self.rows[fits:], rest_heading),
            ]
        # Not even the first row fits: wait for the next page, unless it is taller than a page.
        if self.top + self.heights[0] <= FRAME_HEIGHT or room < 4 * BODY.leading:
            return []
        first, rest = _split_row(self.rows[0], room - 2 * PAD)
        head = self._part([first], self.heading)
        return [head, self._part([rest, *self.rows[1:]], rest_heading)]

    def draw(self) -> None:
        canv = self.canv
        y = self.height
        if self.heading:
            _draw_lines(canv, self.heading, 0, y)
            y -= _height(self.heading) + 3
        canv.setLineWidth(RULE)
        canv.setStrokeColor(HexColor(LINE))
        for number, row in enumerate([self.header, *self.rows]):
            height = _row_height(row)
            if number == 0:
                canv.setFillColor(HexColor(HEADER_FILL))
                canv.rect(0, y - height, self.width, height, stroke=0, fill=1)
            x = 0.0
            for cell, width in zip(row, self.widths, strict=True):
                _draw_lines(canv, cell, x + PAD, y - PAD)
                canv.rect(x, y - height, width, height, stroke=1, fill=0)
                x += width
            y -= height


def _split_row(row: Sequence[Cell], height: float) -> tuple[list[Cell], list[Cell]]:
    """A row too tall for any page, as the lines that fit in `height` and the rest."""
    first, rest = [], []
    for cell in row:
        used, cut = 0.0, 0
        while cut < len(cell) and used + cell[cut][0].leading <= height:
            used += cell[cut][0].leading
            cut += 1
        first.append(cell[:cut])
        rest.append(cell[cut:])
    return first, rest


# -- what the cells say ---------------------------------------------------------------------


def _learner_pieces(row: Row) -> list[Piece]:
    pieces: list[Piece] = [(BOLD, row.rating) if row.rating else (SMALL, "Not rated")]
    pieces.append((BODY, row.evidence) if row.evidence else (SMALL, "No evidence note"))
    changed = f"Last changed {when(row.changed_at)}" if row.changed_at else "Not changed yet"
    pieces.append((SMALL, changed))
    return pieces


def _exercise_pieces(row: Row) -> list[Piece]:
    if not row.exercises:
        return [(SMALL, "No exercise for this one")]
    pieces: list[Piece] = []
    for score in row.exercises:
        pieces.append((BODY, score.title))
        if score.percent is None or score.attempted_at is None:
            pieces.append((SMALL, "not checked yet"))
        else:
            pieces.append((SMALL, f"{score.percent}%, checked {when(score.attempted_at)}"))
    return pieces


def _sign_off_pieces(row: Row, tutors: Mapping[str, str]) -> list[Piece]:
    done = row.sign_off
    if done is None:
        return [(SMALL, "Not yet")]
    pieces: list[Piece] = [
        (BOLD, "Signed off" if done.action == "signed off" else "Returned"),
        (SMALL, f"by {tutor_label(done.tutor, tutors)}, {when(done.at)}"),
    ]
    if done.feedback:
        pieces.append((BODY, done.feedback))
    if done.changed_since:
        since = "sign-off" if done.action == "signed off" else "it was returned"
        pieces.append((WARN, f"Changed since {since}"))
    return pieces


def _header(labels: Sequence[str], widths: Sequence[float]) -> list[Cell]:
    return _cells([[(HEAD, label)] for label in labels], widths)


def _units(portfolio: Portfolio) -> dict[str, tuple[str, list[Row]]]:
    units: dict[str, tuple[str, list[Row]]] = {}
    for row in portfolio.rows:
        units.setdefault(row.unit, (row.unit_title, []))[1].append(row)
    return units


def who(portfolio: Portfolio) -> str:
    """'Aisha Khan (a.khan)', or the id alone when the roster gives no name."""
    if portfolio.learner_name:
        return f"{portfolio.learner_name} ({portfolio.learner})"
    return portfolio.learner


def footer_words(portfolio: Portfolio) -> str:
    """What every page's footer says, beside its number."""
    return f"Portfolio of {who(portfolio)}. {portfolio.cohort_name} ({portfolio.cohort})"


def title(portfolio: Portfolio) -> str:
    """The document's title, as the HTML page's."""
    heading = portfolio.learner_name or portfolio.learner
    return f"Portfolio: {heading}, {portfolio.cohort_name}"


def _opening(portfolio: Portfolio) -> list[Flowable]:
    figures = portfolio.summary
    about = (
        f"Learner {who(portfolio)}. Cohort {portfolio.cohort_name} ({portfolio.cohort}). "
        f"Made on {made_on(portfolio)}."
    )
    scale = ", ".join(portfolio.scale)
    key = (
        f"Each criterion of the cohort's units, in the standard's order: the learner's own "
        f"rating on the cohort's scale ({scale}) and evidence note, the exercises that evidence "
        "it with the score stored when the learner last checked each, and the tutor's sign-off."
    )
    labels = (
        "Criteria",
        f"Rated {portfolio.top}",
        "Signed off",
        "Returned with feedback",
        "Changed since sign-off",
    )
    values = (
        str(figures.criteria),
        f"{figures.top_rated} of {figures.criteria}",
        str(figures.signed_off),
        str(figures.returned),
        str(figures.changed_since),
    )
    five = [WIDTH / 5] * 5
    summary = Grid(
        five,
        _header(labels, five),
        [_cells([[(BOLD, value)] for value in values], five)],
        heading=[(SECTION, "Summary")],
    )
    unit_widths = (52.0, WIDTH - 52.0 - 4 * 62.0, 62.0, 62.0, 62.0, 62.0)
    unit_rows = []
    for urn, (unit_title, rows) in _units(portfolio).items():
        counts = (
            len(rows),
            sum(row.rating == portfolio.top for row in rows),
            sum(row.status == "signed off" for row in rows),
            sum(row.status == "returned" for row in rows),
        )
        texts = [[(BOLD, urn)], [(BODY, unit_title)], *([(BODY, str(n))] for n in counts)]
        unit_rows.append(_cells(texts, unit_widths))
    units = Grid(
        unit_widths,
        _header(
            ("Unit", "Title", "Criteria", f"Rated {portfolio.top}", "Signed off", "Returned"),
            unit_widths,
        ),
        unit_rows,
        heading=[(SECTION, "Units")],
        space_after=14.0,
    )
    return [
        Block([(TITLE, f"Portfolio: {portfolio.learner_name or portfolio.learner}")], 4),
        Block([(ABOUT, about)], 4),
        Block([(SMALL, key)], 10),
        summary,
        units,
    ]


def _unit_grid(urn: str, unit_title: str, rows: list[Row], tutors: Mapping[str, str]) -> Grid:
    body = [
        _cells(
            [
                [(BOLD, row.short_id)],
                [(BODY, row.text)],
                _learner_pieces(row),
                _exercise_pieces(row),
                _sign_off_pieces(row, tutors),
            ],
            COLUMNS,
        )
        for row in rows
    ]
    heading = lay_out([(SECTION, f"{urn} {unit_title}")], WIDTH)
    return Grid(COLUMNS, _header(HEADERS, COLUMNS), body, heading=heading, space_after=12.0)


def _footer_canvas(words: str) -> type[Canvas]:
    """A canvas that holds its pages until the end, to write 'Page N of M' in each footer."""
    lines = lay_out([(FOOT, words)], WIDTH - 70)

    class Footed(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (ReportLab's name)
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held)
            for number, state in enumerate(self._held, 1):
                self.__dict__.update(state)
                self.setStrokeColor(HexColor(LINE))
                self.setLineWidth(RULE)
                self.line(MARGIN, BOTTOM - 6, PAGE_WIDTH - MARGIN, BOTTOM - 6)
                _draw_lines(self, lines, MARGIN, BOTTOM - 8)
                self.setFont(FOOT.font, FOOT.size)
                self.setFillColor(HexColor(MUTED))
                baseline = BOTTOM - 8 - FOOT.leading + (FOOT.leading - FOOT.size) * 0.75
                self.drawRightString(PAGE_WIDTH - MARGIN, baseline, f"Page {number} of {total}")
                super().showPage()
            super().save()

    return Footed


def to_pdf(portfolio: Portfolio) -> bytes:
    """The portfolio on A4: the learner, the cohort and a summary, then a table per unit, with
    the learner, the cohort and 'Page N of M' in every page's footer."""
    register_fonts()
    out = io.BytesIO()
    document = BaseDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=BOTTOM,
        title=title(portfolio),
        author=who(portfolio),
        subject=f"Customer Service NOS portfolio, {portfolio.cohort_name}, made on "
        f"{made_on(portfolio)}",
        creator="nosworkbook report",
        lang="en-GB",
    )
    frame = Frame(MARGIN, BOTTOM, WIDTH, FRAME_HEIGHT, 0, 0, 0, 0, id="body")
    document.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    story: list[Flowable] = _opening(portfolio)
    for urn, (unit_title, rows) in _units(portfolio).items():
        story.append(_unit_grid(urn, unit_title, rows, portfolio.tutors))
    if not portfolio.rows:
        story.append(Spacer(WIDTH, 1))
    document.build(story, canvasmaker=_footer_canvas(footer_words(portfolio)))
    return out.getvalue()
