"""Text clean-up shared by the importers: remove markdown and table debris, never words."""

from __future__ import annotations

import re
from datetime import datetime

_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3})")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|'])")
_SPACE = re.compile(r"\s+")  # includes the no-break spaces of the web export

METADATA_FIELDS: dict[str, str] = {
    "developed by": "developed_by",
    "version number": "version",
    "date approved": "date_approved",
    "indicative review date": "indicative_review_date",
    "validity": "validity",
    "status": "status",
    "originating organisation": "originating_organisation",
    "original urn": "original_urns",
    "relevant occupations": "relevant_occupations",
    "suite": "suite",
    "keywords": "keywords",
}

_DATE_FORMATS = {
    "%d %B %Y": "%Y-%m-%d",
    "%d %b %Y": "%Y-%m-%d",
    "%Y-%m-%d": "%Y-%m-%d",
    "%B %Y": "%Y-%m",
    "%b %Y": "%Y-%m",
}


def squash(text: str) -> str:
    """Collapse every run of whitespace (no-break spaces too) to one space."""
    return _SPACE.sub(" ", text).strip()


def strip_markdown(text: str) -> str:
    """Remove inline markdown and HTML debris, keeping every word."""
    text = _TAG.sub("", text)
    text = _ESCAPE.sub(r"\1", text)
    text = _EMPHASIS.sub("", text)
    return squash(text)


def plain_key(text: str) -> str:
    """A heading or label reduced to lower-case words, for matching."""
    text = _TAG.sub(" ", text)
    text = re.sub(r"[*_#:|]", " ", text)
    return squash(text).lower()


def iso_partial_date(value: str) -> str | None:
    """'March 2026' -> '2026-03'; '22 Feb 2021' -> '2021-02-22'; None if unreadable."""
    value = squash(value)
    for source_format, iso_format in _DATE_FORMATS.items():
        try:
            return datetime.strptime(value, source_format).strftime(iso_format)
        except ValueError:
            continue
    return None


def split_list(value: str, separator: str) -> tuple[str, ...]:
    return tuple(part for part in (squash(p) for p in value.split(separator)) if part)


def competence_area(overview: str) -> str | None:
    match = re.search(r"competence area related to (.+?)\.", overview)
    return squash(match[1]) if match else None
