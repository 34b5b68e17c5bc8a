"""A learner's portfolio: the report a tutor prints and the records a learner may ask for.

- `records`: the rows, pure: one per criterion of the cohort's units, in catalog order, with
  the learner's rating, note, the stored scores of the exercises that evidence it and its
  sign-off; the summary; the learner export's document.
- `render`: the rows as a printable HTML page, CSV (formula-safe) and JSON.
- `pdf`: the rows as an A4 PDF, drawn by ReportLab (`to_pdf`).
- `collect`: reads them from the store (`nosworkbook report`, `nosworkbook learner export`).
"""

from __future__ import annotations

from nosworkbook.portfolio.records import (
    EXPORT_FORMAT,
    EXPORT_VERSION,
    ExerciseScore,
    Portfolio,
    Row,
    Summary,
    build_portfolio,
    build_rows,
    export_document,
)
from nosworkbook.portfolio.render import neutralise, to_csv, to_html, to_json


def to_pdf(portfolio: Portfolio) -> bytes:
    """The portfolio as an A4 PDF (`pdf.to_pdf`). ReportLab is imported only when a PDF is
    made, so the other reports, and the workbooks, start without it."""
    from nosworkbook.portfolio.pdf import to_pdf as draw

    return draw(portfolio)


__all__ = [
    "EXPORT_FORMAT",
    "EXPORT_VERSION",
    "ExerciseScore",
    "Portfolio",
    "Row",
    "Summary",
    "build_portfolio",
    "build_rows",
    "export_document",
    "neutralise",
    "to_csv",
    "to_html",
    "to_json",
    "to_pdf",
]
