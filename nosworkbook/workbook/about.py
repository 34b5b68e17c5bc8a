"""The "About this workbook" banner: the cohort's settings in plain words."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from IPython.display import HTML

from nosworkbook.settings import WorkbookParameters


class About(HTML):
    """The banner as HTML for notebooks and viewers, plain text otherwise.

    `lines` are (label, value) pairs of plain text; every value is escaped here.
    """

    def __init__(self, lines: Sequence[tuple[str, str]]) -> None:
        self.lines = list(lines)
        rows = "".join(
            f"<li><strong>{html.escape(label)}:</strong> {html.escape(value)}</li>"
            for label, value in self.lines
        )
        super().__init__(
            '<aside class="nosw-about" aria-label="About this workbook">'
            f"<h2>About this workbook</h2><ul>{rows}</ul></aside>"
        )

    @classmethod
    def of(cls, parameters: WorkbookParameters) -> About:
        """The banner for a workbook's parameters: cohort first, then its settings."""
        name = parameters.cohort_name.strip()
        cohort = f"{name} ({parameters.cohort})" if name else parameters.cohort
        return cls([("Cohort", cohort), *parameters.about_lines()])

    def __str__(self) -> str:
        return "\n".join(
            ["About this workbook", *(f"- {label}: {value}" for label, value in self.lines)]
        )

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer: Any, _cycle: bool) -> None:
        printer.text(str(self))
