"""Progress summary: how far the learner has got, per section and overall, as one widget."""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

_STATIC = Path(__file__).parent / "static"


class ProgressSummary(anywidget.AnyWidget):
    """Rows of `{"label", "done", "rated", "total", "href"?}` shown with progress bars."""

    _esm = _STATIC / "progress.js"
    _css = _STATIC / "progress.css"

    heading = traitlets.Unicode("Progress").tag(sync=True)
    rows = traitlets.List().tag(sync=True)
    top = traitlets.Unicode("Competent").tag(sync=True)  # the label that counts as done
    note = traitlets.Unicode("").tag(sync=True)  # e.g. "Sign in to see your progress."
