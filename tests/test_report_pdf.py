"""The portfolio as PDF: real text on A4 that a reader can search, every criterion of the cohort's
units, learners' text printed as typed, long runs wrapped inside their column, a footer on every
page, and the file written whole or not at all.

Text is read back with pypdf, as a reader's search would find it. Extracted text breaks lines
where the page does, so phrases are compared with all white space taken out (`squash`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pypdf
import pytest
from click.testing import CliRunner
from reportlab.pdfbase.pdfmetrics import stringWidth

from nosworkbook.catalog import load
from nosworkbook.cli import main
from nosworkbook.cohorts import load_cohort
from nosworkbook.portfolio import build_portfolio, collect, to_pdf
from nosworkbook.portfolio import pdf as pdf_module
from nosworkbook.store import Record, Store

SLUG = "retail-l2-2027-01"
NOW = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)
A4 = (595.28, 841.89)  # points
RIGHT_EDGE = A4[0] - pdf_module.MARGIN  # nothing is drawn beyond the right margin
HOSTILE = (
    "<script>alert(1)</script>",
    "<b>x</b>",
    "<font size=40>big</font>",
    "&amp; &lt;br/&gt; <para> ]]> \\ ( ) %",
)
COHORT_FILE = f"""\
name: Retail Level 2, January 2027
slug: {SLUG}
sector: retail
units: [INSCS001]
learners:
  - {{id: a.khan, name: Aisha Khan}}
  - {{id: c.lee, name: Chloé Lee}}
tutors:
  - {{id: m.price, name: Mina Price}}
"""


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture()
def cohort_file(tmp_path: Path) -> Path:
    path = tmp_path / "cohort.yaml"
    path.write_text(COHORT_FILE, encoding="utf-8")
    return path


@pytest.fixture()
def seeded(tmp_path: Path) -> Iterator[Path]:
    """a.khan's work: three ratings (one note a script, as text), a sign-off and a return."""
    path = tmp_path / "progress.sqlite"
    with Store(path) as store:
        store.save(SLUG, "a.khan", "INSCS001.PC1", rating="Competent", evidence="Greeted by name")
        store.save(SLUG, "a.khan", "INSCS001.PC15", rating="Developing", evidence=HOSTILE[0])
        store.save(SLUG, "a.khan", "INSCS001.KU1", rating="Competent")
        store.sign_off(SLUG, "a.khan", "INSCS001.PC1", tutor="m.price", feedback="Clear and warm.")
        store.sign_off(
            SLUG, "a.khan", "INSCS001.PC15", tutor="m.price", feedback="Say more.", returned=True
        )
        store.save(SLUG, "a.khan", "INSCS001.PC1", evidence="Greeted by name, and smiled")
    return path


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def report_args(cohort_file: Path, store: Path, *more: str) -> list[str]:
    return ["report", "a.khan", "--cohort", str(cohort_file), "--store", str(store), *more]


def drawn(pdf: bytes) -> list[tuple[int, str, float, float]]:
    """Every piece of text drawn: (page, text, x on the page, font size, negative for bold),
    from the content streams."""
    found: list[tuple[int, str, float, float]] = []
    for number, page in enumerate(pypdf.PdfReader(io.BytesIO(pdf)).pages):

        def visit(text: str, cm: Any, tm: Any, font: Any, size: float, number: int = number):
            if text.strip():
                bold = "Bold" in str((font or {}).get("/BaseFont", ""))
                x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]  # the text matrix, then the page's
                found.append((number, text.strip(), float(x), size * (-1 if bold else 1)))

        page.extract_text(visitor_text=visit)
    return found


def test_the_pdf_holds_every_criterion_the_learners_work_and_a_footer_on_every_page(
    seeded, cohort_file, tmp_path
):
    out = tmp_path / "a.khan.pdf"
    done = invoke(*report_args(cohort_file, seeded, "--format", "pdf", "--out", str(out)))
    assert done.exit_code == 0, done.output
    assert done.stdout == f"Wrote {out}: a.khan's portfolio in {SLUG}\n"
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    pages = [page.extract_text() for page in reader.pages]
    whole = squash("".join(pages))
    unit = load()["INSCS001"]
    assert len(unit.criteria) == 54
    for item in unit.criteria:  # every criterion, with its words
        assert squash(item.text) in whole, item.id
    assert squash("Portfolio: Aisha Khan") in whole
    assert squash("Criteria Rated Competent Signed off Returned with feedback") in whole
    assert squash("Changed since sign-off 54 2 of 54 1 1 1") in whole  # the summary's figures
    assert squash("Competent Greeted by name, and smiled Last changed") in whole
    assert squash(f"Developing {HOSTILE[0]}") in whole
    assert squash("Signed off by Mina Price (m.price),") in whole
    assert squash("Clear and warm.") in whole and squash("Changed since sign-off") in whole
    assert squash("Returned by Mina Price (m.price)") in whole and squash("Say more.") in whole
    assert whole.count(squash("Not rated")) == 54 - 3
    footer = squash(f"Portfolio of Aisha Khan (a.khan). Retail Level 2, January 2027 ({SLUG})")
    for number, (page, text) in enumerate(zip(reader.pages, pages, strict=True), 1):
        assert [round(float(side), 2) for side in page.mediabox[2:]] == list(A4)
        assert footer in squash(text)
        assert squash(f"Page {number} of {len(pages)}") in squash(text)
    assert len(pages) >= 2
    assert reader.metadata.title == "Portfolio: Aisha Khan, Retail Level 2, January 2027"
    assert reader.metadata.author == "Aisha Khan (a.khan)"
    assert "Retail Level 2, January 2027" in reader.metadata.subject
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert b"/JavaScript" not in pdf and b"/OpenAction" not in pdf


@pytest.mark.parametrize("hostile", HOSTILE)
def test_learners_and_tutors_text_prints_as_typed_never_as_markup(hostile, tmp_path, cohort_file):
    with Store(tmp_path / "progress.sqlite") as store:
        store.save(SLUG, "a.khan", "INSCS001.PC2", rating="Developing", evidence=hostile)
        store.sign_off(
            SLUG, "a.khan", "INSCS001.PC2", tutor="m.price", feedback=hostile, returned=True
        )
        found = collect.portfolio(store, load_cohort(cohort_file), "a.khan", now=NOW)
    pdf = to_pdf(found)
    assert squash("".join(pages_text(pdf))).count(squash(hostile)) == 2  # the note, the feedback
    assert max(abs(size) for *_rest, size in drawn(pdf)) == pdf_module.TITLE.size  # no size=40


def test_a_long_note_without_spaces_wraps_inside_its_column_and_loses_nothing(
    tmp_path, cohort_file
):
    note = "".join(chr(ord("a") + n % 26) for n in range(20_000))  # the most a note holds
    with Store(tmp_path / "progress.sqlite") as store:
        store.save(SLUG, "a.khan", "INSCS001.PC2", rating="Developing", evidence=note)
        store.save(SLUG, "a.khan", "INSCS001.PC3", evidence="W" * 400)  # the widest letter
        found = collect.portfolio(store, load_cohort(cohort_file), "a.khan", now=NOW)
    pdf = to_pdf(found)
    pieces = drawn(pdf)
    for _page, text, x, size in pieces:
        font = "DejaVuSans-Bold" if size < 0 else "DejaVuSans"
        assert x + stringWidth(text, font, abs(size)) <= RIGHT_EDGE + 0.01, text[:40]
    parts = [(page, text) for page, text, _x, _size in pieces if text in note and len(text) > 5]
    assert "".join(text for _page, text in parts) == note  # every character, in order
    left = pdf_module.MARGIN + sum(pdf_module.COLUMNS[:2])  # the evidence column
    right = left + pdf_module.COLUMNS[2]
    for _page, text, x, size in pieces:
        if text in note and len(text) > 5:
            assert left < x and x + stringWidth(text, "DejaVuSans", size) <= right, text
    assert len({page for page, _text in parts}) > 1  # taller than a page: split over pages
    assert "".join(text for _p, text, *_ in pieces if set(text) == {"W"}) == "W" * 400


UNITS = ("INSCS001", "INSCS005", "INSCS011", "INSCS017", "INSCS031", "INSCS044")
"""Units for the layout test, with the longest titles (INSCS005, INSCS017, INSCS031)."""


def test_many_pages_keep_each_heading_with_its_table_and_each_row_on_one_page(tmp_path):
    cohort_path = tmp_path / "cohort.yaml"
    cohort_path.write_text(COHORT_FILE.replace("[INSCS001]", f"[{', '.join(UNITS)}]"), "utf-8")
    cohort, catalog = load_cohort(cohort_path), load()
    at = datetime(2027, 1, 10, 10, 0, tzinfo=UTC)
    note = "Handled a complaint about a late delivery: listened, apologised and put it right. "
    records = {
        item.id: Record(item.id, "Competent", note * (1 + number % 3), at + timedelta(minutes=1))
        for urn in UNITS
        for number, item in enumerate(catalog[urn].criteria)
    }
    found = build_portfolio(
        catalog,
        cohort,
        "a.khan",
        records=records,
        attempts=[],
        sign_offs={},
        exercises=collect.cohort_exercises(cohort),
        made_at=NOW,
    )
    assert len(found.rows) == sum(len(catalog[urn].criteria) for urn in UNITS)
    pages = [squash(text) for text in pages_text(to_pdf(found))]
    assert len(pages) > 20
    assert squash(f"Page {len(pages)} of {len(pages)}") in pages[-1]
    for urn in UNITS:
        unit = catalog[urn]
        heading = squash(f"{unit.urn} {unit.title} Criterion What it asks")  # not the list
        (first,) = [n for n, text in enumerate(pages) if heading in text]
        assert squash(unit.criteria[0].text) in pages[first], unit.urn  # kept with its table
    for row in found.rows:  # no row is split over two pages (none is taller than a page)
        whole = squash(f"{row.text}{row.rating}{row.evidence}")
        assert any(whole in page for page in pages), row.criterion


def test_a_learner_with_nothing_saved_still_gets_every_criterion(seeded, cohort_file):
    with Store(seeded) as store:
        found = collect.portfolio(store, load_cohort(cohort_file), "c.lee", now=NOW)
    pages = pages_text(to_pdf(found))
    whole = squash("".join(pages))
    assert squash("Portfolio: Chloé Lee") in whole
    assert squash("54 0 of 54 0 0 0") in whole
    assert whole.count("Notrated") == 54
    assert squash("Portfolio of Chloé Lee (c.lee)") in squash(pages[-1])


def test_a_pdf_to_a_terminal_is_refused_in_one_line_before_anything_is_read(
    cohort_file, tmp_path, monkeypatch
):
    monkeypatch.setattr("nosworkbook.cli._stdout_is_terminal", lambda: True)
    missing = tmp_path / "no-store.sqlite"  # refused before the store is even looked for
    done = invoke(*report_args(cohort_file, missing, "--format", "pdf"))
    assert done.exit_code == 2
    assert done.stderr == (
        "nosworkbook: error: give --out FILE for a PDF: it would only garble the terminal\n"
    )
    assert done.stdout == "" and not missing.exists()


def test_a_pdf_piped_to_another_program_goes_to_standard_output(seeded, cohort_file):
    done = invoke(*report_args(cohort_file, seeded, "--format", "pdf"))
    assert done.exit_code == 0, done.output
    assert done.stdout_bytes.startswith(b"%PDF-") and done.stdout_bytes.rstrip().endswith(b"%%EOF")


def test_a_pdf_of_the_whole_cohort_is_refused_naming_csv(seeded, cohort_file, tmp_path):
    out = tmp_path / "cohort.pdf"
    done = invoke(
        "report", "--cohort", str(cohort_file), "--store", str(seeded),
        "--format", "pdf", "--out", str(out),
    )  # fmt: skip
    assert done.exit_code == 2 and "--format csv" in done.stderr and not out.exists()


def test_a_failed_write_leaves_the_old_file_and_nothing_else(
    seeded, cohort_file, tmp_path, monkeypatch
):
    out = tmp_path / "a.khan.pdf"
    out.write_bytes(b"the old report")
    import nosworkbook.files

    def fail(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(nosworkbook.files.os, "replace", fail)
    done = invoke(*report_args(cohort_file, seeded, "--format", "pdf", "--out", str(out)))
    assert done.exit_code == 2
    assert done.stderr == (
        f"nosworkbook: error: {out}: cannot be written (No space left on device)\n"
    )
    assert out.read_bytes() == b"the old report"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_without_dejavu_sans_a_pdf_is_refused_in_one_line_naming_the_package(
    seeded, cohort_file, tmp_path, monkeypatch
):
    monkeypatch.setattr(pdf_module, "FONT_FOLDER", tmp_path / "no-fonts")
    pdf_module.register_fonts.cache_clear()
    try:
        out = tmp_path / "a.khan.pdf"
        done = invoke(*report_args(cohort_file, seeded, "--format", "pdf", "--out", str(out)))
    finally:
        pdf_module.register_fonts.cache_clear()
    assert done.exit_code == 2 and done.stderr.count("\n") == 1
    assert done.stderr.startswith("nosworkbook: error: PDF reports need the DejaVu Sans font")
    assert "install Debian's fonts-dejavu-core" in done.stderr and not out.exists()


def test_the_footer_wraps_a_long_name_and_still_numbers_the_page(tmp_path):
    cohort_path = tmp_path / "cohort.yaml"
    long_name = "Retail Level 2 for the whole of the north-west region, January 2027 " * 2
    cohort_path.write_text(
        COHORT_FILE.replace("Retail Level 2, January 2027", long_name.strip()), "utf-8"
    )
    cohort = load_cohort(cohort_path)
    found = build_portfolio(
        load(),
        cohort,
        "a.khan",
        records={},
        attempts=[],
        sign_offs={},
        exercises=[],
        made_at=NOW,
    )
    pdf = to_pdf(found)
    for _page, text, x, size in drawn(pdf):
        font = "DejaVuSans-Bold" if size < 0 else "DejaVuSans"
        assert x + stringWidth(text, font, abs(size)) <= RIGHT_EDGE + 0.01, text[:40]
    pages = pages_text(pdf)
    assert squash(long_name) in squash(pages[0])
    assert squash(f"Page 1 of {len(pages)}") in squash(pages[0])


def _unit_table(rows: int, lines: int) -> pdf_module.Grid:
    """A unit's table of `rows` rows, each `lines` lines of evidence tall, as `to_pdf` makes it."""
    pdf_module.register_fonts()
    row = pdf_module._cells(
        [
            [(pdf_module.BOLD, "PC1")],
            [(pdf_module.BODY, "prepare for your conversations with customers")],
            [(pdf_module.BODY, f"Line {n}") for n in range(lines)],
            [(pdf_module.SMALL, "No exercise for this one")],
            [(pdf_module.SMALL, "Not yet")],
        ],
        pdf_module.COLUMNS,
    )
    heading = pdf_module.lay_out(
        [(pdf_module.SECTION, "INSCS001 Deal with customers")], pdf_module.WIDTH
    )
    table = pdf_module.Grid(
        pdf_module.COLUMNS,
        pdf_module._header(pdf_module.HEADERS, pdf_module.COLUMNS),
        [row] * rows,
        heading=heading,
    )
    table.wrap(pdf_module.WIDTH, pdf_module.FRAME_HEIGHT)
    return table


def test_a_heading_with_room_for_itself_but_not_its_first_row_waits_for_the_next_page():
    table = _unit_table(rows=3, lines=6)
    assert table.split(pdf_module.WIDTH, table.top + table.heights[0] - 1) == []
    first, rest = table.split(pdf_module.WIDTH, table.top + table.heights[0] + 1)
    assert (len(first.rows), len(rest.rows)) == (1, 2)
    assert first.heading == table.heading
    assert rest.heading == [(pdf_module.SMALL, "INSCS001 Deal with customers (continued)")]


def test_a_row_taller_than_a_page_is_split_between_its_lines_and_keeps_them_all():
    table = _unit_table(rows=1, lines=150)
    assert table.top + table.heights[0] > pdf_module.FRAME_HEIGHT
    first, rest = table.split(pdf_module.WIDTH, pdf_module.FRAME_HEIGHT)
    first.wrap(pdf_module.WIDTH, pdf_module.FRAME_HEIGHT)
    assert first.height <= pdf_module.FRAME_HEIGHT
    evidence = [text for cell in (first.rows[0][2], rest.rows[0][2]) for _style, text in cell]
    assert evidence == [f"Line {n}" for n in range(150)]
