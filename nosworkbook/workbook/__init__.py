"""What a workbook notebook runs: sign-in, the two checklists, the exercises and progress.

A notebook cell builds `Workbook("INSCS027", ...)` from its parameters and then displays
`workbook.about`, `workbook.sign_in`, `workbook.performance`, `workbook.knowledge`, each
`workbook.exercise(id)` and `workbook.progress`; the index builds `Index(...)`.

- `pages`: the two kinds of page, `Workbook` (one unit) and `Index` (every unit).
- `session`: who is signed in, access codes and their throttle, and the store behind them.
- `about`: the "About this workbook" banner.

Where the kernel runs (Voila, a pool, a build) is told by `nosworkbook.runtime`.
"""

from __future__ import annotations

from nosworkbook.workbook.pages import Index, Workbook
from nosworkbook.workbook.session import NO_MATCH, default_learner

__all__ = ["NO_MATCH", "Index", "Workbook", "default_learner"]
