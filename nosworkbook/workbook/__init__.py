"""What a workbook notebook runs: sign-in, the two checklists, the exercises and progress.

A notebook cell builds `Workbook("INSCS027", ...)` from its parameters and then displays
`workbook.about`, `workbook.sign_in`, `workbook.performance`, `workbook.knowledge`, each
`workbook.exercise(id)` and `workbook.progress`; the index builds `Index(...)`.

- `pages`: the two kinds of page, `Workbook` (one unit) and `Index` (every unit).
- `session`: who is signed in, access codes and their throttle, and the store behind them.
- `about`: the "About this workbook" banner.

Where the kernel runs (Voila, a pool, a build) is told by `nosworkbook.runtime`.

The names are imported when first asked for: a server that needs only `guard` does not load
the widgets (ipywidgets, anywidget) with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nosworkbook.workbook.pages import Index, Workbook
    from nosworkbook.workbook.session import NO_MATCH, default_learner

_HOMES = {
    "Index": "pages",
    "Workbook": "pages",
    "NO_MATCH": "session",
    "default_learner": "session",
}
__all__ = ["NO_MATCH", "Index", "Workbook", "default_learner"]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value
