"""Progress summary: how far the learner has got, per section and overall, as one widget."""

from __future__ import annotations

import html
import re
from pathlib import Path

import traitlets

from nosworkbook.widgets.base import KernelOwnedWidget

_STATIC = Path(__file__).parent / "static"
_SAFE_HREF = re.compile(r"^[A-Za-z0-9._/-]+$")  # relative links to other notebooks only


class ProgressSummary(KernelOwnedWidget):
    """Rows of `{"label", "done", "rated", "total", "href"?}` shown with progress bars.

    Display only: the browser writes none of its traits.
    """

    _esm = _STATIC / "progress.js"
    _css = _STATIC / "progress.css"

    heading = traitlets.Unicode("Progress").tag(sync=True)
    rows = traitlets.List().tag(sync=True)
    top = traitlets.Unicode("Competent").tag(sync=True)  # the label that counts as done
    note = traitlets.Unicode("").tag(sync=True)  # e.g. "Sign in to see your progress."

    def _counts(self, row: dict) -> str:
        """The words the widget shows beside a row's bar: "3 of 13 rated Competent; ..."."""
        return (
            f"{row.get('done', 0)} of {row.get('total', 0)} rated {self.top}; "
            f"{row.get('rated', 0)} rated in all"
        )

    def _static_text(self) -> str:
        return "\n".join([self.heading, *([self.note] if self.note else [])])

    def _static_html(self) -> str:
        esc = html.escape
        items = []
        for row in self.rows:
            label = esc(str(row.get("label", "")))
            href = str(row.get("href") or "")
            if href and _SAFE_HREF.match(href):
                label = f'<a href="{esc(href)}">{label}</a>'
            items.append(f"<li>{label}: {esc(self._counts(row))}</li>")
        note = f"<p>{esc(self.note)}</p>" if self.note else ""
        return (
            f'<section class="nosw-static"><h3>{esc(self.heading)}</h3>{note}'
            f"<ul>{''.join(items)}</ul></section>"
        )
