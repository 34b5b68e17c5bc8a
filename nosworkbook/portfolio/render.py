"""A portfolio as text: a printable HTML page, CSV for spreadsheets, JSON for a learner's export.

Everything a learner or tutor typed is treated as text, never markup or a formula: HTML
escapes it (and the page's Content-Security-Policy runs no script even if something slipped
through), and a CSV cell that a spreadsheet would read as a formula is made plain text, as
OWASP advises for CSV injection.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, tzinfo
from html import escape
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nosworkbook.portfolio.records import ExerciseScore, Portfolio, Row
from nosworkbook.settings import day_words

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection)."""

CSV_COLUMNS = (
    "Learner",
    "Name",
    "Unit",
    "Criterion",
    "Criterion text",
    "Rating",
    "Evidence",
    "Last changed",
    "Exercises",
    "Sign-off",
    "Tutor",
    "Tutor's feedback",
    "Signed off or returned at",
    "Changed since",
)


def _uk() -> tzinfo:
    """UK time for dates people read; UTC, said so, where the time zone data is missing."""
    try:
        return ZoneInfo("Europe/London")
    except ZoneInfoNotFoundError:
        return UTC


def when(moment: datetime) -> str:
    """'15 January 2027, 14:05' in UK time (with 'UTC' added if UK time is unknown)."""
    zone = _uk()
    local = moment.astimezone(zone)
    return f"{day_words(local.date())}, {local:%H:%M}" + (" UTC" if zone is UTC else "")


def made_on(portfolio: Portfolio) -> str:
    return day_words(portfolio.made_at.astimezone(_uk()).date())


def neutralise(value: str) -> str:
    """A cell value a spreadsheet shows as text: one starting = + - @ tab or CR gets a '."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _score_text(score: ExerciseScore) -> str:
    result = "not checked yet" if score.percent is None else f"{score.percent}%"
    return f"{score.title} ({score.exercise_id}): {result}"


def csv_line(cells: Iterable[str]) -> str:
    """One CSV record as `csv.writer` writes it with QUOTE_ALL and CRLF: every cell in double
    quotes, a quote inside one doubled. Written out, with `neutralise`, in one pass over the
    cells: about three times faster than `csv.writer` for a cohort's 46,000 rows."""
    return (
        '"'
        + '","'.join(
            [
                ("'" + cell if cell.startswith(FORMULA_STARTS) else cell).replace('"', '""')
                for cell in cells
            ]
        )
        + '"\r\n'
    )


class _CsvLines:
    """A portfolio's CSV lines, remembering what a whole cohort repeats: each criterion's
    unit, id and text, and each exercise score's words."""

    def __init__(self) -> None:
        self.criteria: dict[str, str] = {}
        self.scores: dict[ExerciseScore, str] = {}

    def _score(self, score: ExerciseScore) -> str:
        text = self.scores.get(score)
        if text is None:
            text = self.scores[score] = _score_text(score)
        return text

    def lines(self, portfolio: Portfolio) -> list[str]:
        """One line per row (`CSV_COLUMNS`), every cell neutralised and quoted."""
        who = csv_line([portfolio.learner, portfolio.learner_name])[:-2]
        found = []
        for row in portfolio.rows:
            fixed = self.criteria.get(row.criterion)
            if fixed is None:
                fixed = csv_line([row.unit, row.short_id, row.text])[:-2]
                self.criteria[row.criterion] = fixed
            done = row.sign_off
            rest = csv_line(
                [
                    row.rating or "",
                    row.evidence,
                    row.changed_at.isoformat(timespec="seconds") if row.changed_at else "",
                    "; ".join([self._score(score) for score in row.exercises]),
                    row.status,
                    done.tutor if done else "",
                    done.feedback if done else "",
                    done.at.isoformat(timespec="seconds") if done else "",
                    ("yes" if row.changed_since else "no") if done else "",
                ]
            )
            found.append(f"{who},{fixed},{rest}")
        return found


def to_csv(portfolios: Iterable[Portfolio]) -> str:
    """One row per learner and criterion, under a header; every cell quoted and neutralised."""
    lines = [csv_line(CSV_COLUMNS)]
    writer = _CsvLines()
    for portfolio in portfolios:
        lines += writer.lines(portfolio)
    return "".join(lines)


STYLE = """
body { font-family: system-ui, sans-serif; line-height: 1.45; margin: 2rem auto;
  max-width: 72rem; padding: 0 1rem; color: #1b1b1b; background: #fff; }
h1 { font-size: 1.6rem; margin-bottom: 0.25rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 2px solid #1b1b1b; }
.about { margin-top: 0; }
dl.summary { display: grid; grid-template-columns: max-content max-content; gap: 0.2rem 1.5rem; }
dl.summary dt { font-weight: 600; }
dl.summary dd { margin: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #6b6b6b; padding: 0.4rem 0.5rem; text-align: left;
  vertical-align: top; }
thead th { background: #ececec; }
th[scope=row] { white-space: nowrap; }
.note, .feedback { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0.2rem 0; }
col.id { width: 7%; } col.text { width: 30%; } col.learner { width: 25%; }
col.exercises { width: 20%; } col.sign-off { width: 18%; }
.muted { color: #4a4a4a; }
ul.exercises { margin: 0; padding-left: 1.1rem; }
.status { font-weight: 600; }
.flag { font-weight: 600; color: #8a2c00; }
@media print {
  @page { size: A4; margin: 14mm; }
  body { margin: 0; max-width: none; padding: 0; font-size: 9.5pt; color: #000; }
  h2 { break-after: avoid; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  thead th { background: none; }
  .muted, .flag { color: #000; }
}
"""


def tutor_label(tutor: str, tutors: Mapping[str, str]) -> str:
    """'Mina Price (m.price)' where the cohort names the tutor, else the id as stored."""
    name = tutors.get(tutor)
    return f"{name} ({tutor})" if name else tutor


def _esc(value: str) -> str:
    return escape(value, quote=True)


def _exercises_cell(row: Row) -> str:
    if not row.exercises:
        return '<span class="muted">No exercise for this one</span>'
    items = []
    for score in row.exercises:
        if score.percent is None or score.attempted_at is None:
            result = '<span class="muted">not checked yet</span>'
        else:
            result = f"{score.percent}% (checked {_esc(when(score.attempted_at))})"
        items.append(f"<li>{_esc(score.title)}: {result}</li>")
    return f'<ul class="exercises">{"".join(items)}</ul>'


def _learner_cell(row: Row) -> str:
    if row.rating:
        parts = [f'<div class="status">{_esc(row.rating)}</div>']
    else:
        parts = ['<div class="muted">Not rated</div>']
    if row.evidence:
        parts.append(f'<div class="note">{_esc(row.evidence)}</div>')
    else:
        parts.append('<div class="muted">No evidence note</div>')
    changed = f"Last changed {_esc(when(row.changed_at))}" if row.changed_at else "Not changed yet"
    parts.append(f'<div class="muted">{changed}</div>')
    return "".join(parts)


def _sign_off_cell(row: Row, tutors: Mapping[str, str]) -> str:
    done = row.sign_off
    if done is None:
        return '<span class="muted">Not yet</span>'
    verb = "Signed off" if done.action == "signed off" else "Returned"
    parts = [
        f'<div class="status">{verb}</div>',
        f"<div>by {_esc(tutor_label(done.tutor, tutors))}, {_esc(when(done.at))}</div>",
    ]
    if done.feedback:
        parts.append(f'<div class="feedback">{_esc(done.feedback)}</div>')
    if done.changed_since:
        since = "sign-off" if done.action == "signed off" else "it was returned"
        parts.append(f'<div class="flag">Changed since {since}</div>')
    return "".join(parts)


def _unit_section(urn: str, title: str, rows: list[Row], tutors: Mapping[str, str]) -> str:
    body = "".join(
        "<tr>"
        f'<th scope="row">{_esc(row.short_id)}</th>'
        f"<td>{_esc(row.text)}</td>"
        f"<td>{_learner_cell(row)}</td>"
        f"<td>{_exercises_cell(row)}</td>"
        f"<td>{_sign_off_cell(row, tutors)}</td>"
        "</tr>\n"
        for row in rows
    )
    return (
        f'<section aria-labelledby="{urn}">\n'
        f'<h2 id="{urn}">{_esc(urn)} {_esc(title)}</h2>\n'
        '<table>\n<colgroup><col class="id"><col class="text"><col class="learner">'
        '<col class="exercises"><col class="sign-off"></colgroup>\n<thead><tr>'
        '<th scope="col">Criterion</th><th scope="col">What it asks</th>'
        '<th scope="col">Rating and evidence</th><th scope="col">Exercises</th>'
        '<th scope="col">Sign-off</th>'
        "</tr></thead>\n<tbody>\n"
        f"{body}</tbody>\n</table>\n</section>\n"
    )


def _summary(portfolio: Portfolio) -> str:
    figures = portfolio.summary
    items: list[tuple[str, Any]] = [
        ("Criteria", figures.criteria),
        (f"Rated {portfolio.top}", f"{figures.top_rated} of {figures.criteria}"),
        ("Signed off", figures.signed_off),
        ("Returned with feedback", figures.returned),
        ("Changed since sign-off", figures.changed_since),
    ]
    listed = "".join(f"<dt>{_esc(name)}</dt><dd>{_esc(str(value))}</dd>" for name, value in items)
    return (
        '<section aria-labelledby="summary">\n<h2 id="summary">Summary</h2>\n'
        f'<dl class="summary">{listed}</dl>\n</section>\n'
    )


def to_html(portfolio: Portfolio) -> str:
    """A whole page, readable on screen and printable: a summary, then a section per unit."""
    who = portfolio.learner_name or portfolio.learner
    heading = f"Portfolio: {who}"
    about = (
        f"Learner {portfolio.learner}"
        + (f" ({portfolio.learner_name})" if portfolio.learner_name else "")
        + f". Cohort {portfolio.cohort_name} ({portfolio.cohort}). Made on {made_on(portfolio)}."
    )
    units: dict[str, tuple[str, list[Row]]] = {}
    for row in portfolio.rows:
        units.setdefault(row.unit, (row.unit_title, []))[1].append(row)
    sections = "".join(
        _unit_section(urn, title, rows, portfolio.tutors) for urn, (title, rows) in units.items()
    )
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(heading)}, {_esc(portfolio.cohort_name)}</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body>\n<header>\n"
        f"<h1>{_esc(heading)}</h1>\n"
        f'<p class="about">{_esc(about)}</p>\n</header>\n<main>\n'
        f"{_summary(portfolio)}{sections}</main>\n</body>\n</html>\n"
    )


def to_json(document: dict[str, Any]) -> str:
    """The learner export as readable UTF-8 JSON."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
