"""Learner-facing widgets. Each is one widget model drawn with plain DOM, so Voila loads fast."""

from __future__ import annotations

from nosworkbook.widgets.checklist import Checklist

__all__ = ["Checklist"]
