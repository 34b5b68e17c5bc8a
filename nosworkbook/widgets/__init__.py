"""Learner-facing widgets. Each is one widget model drawn with plain DOM, so Voila loads fast.

All of them build on `nosworkbook.widgets.base`: the kernel owns their state, and those that
save (checklists, exercises) share one validated, acknowledged message path.
"""

from __future__ import annotations

from nosworkbook.widgets.checklist import Checklist

__all__ = ["Checklist"]
