"""Learner-facing widgets. Each is one widget model drawn with plain DOM, so Voila loads fast."""

from __future__ import annotations

from nosworkbook.widgets.checklist import DEFAULT_SCALE, MAX_EVIDENCE_CHARS, Checklist

__all__ = ["DEFAULT_SCALE", "MAX_EVIDENCE_CHARS", "Checklist"]
