"""The data-quality report: what is odd in the sources, listed and never silently fixed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from nosworkbook.catalog.model import Catalog, partial_date_end

# Endings a finished criterion does not have: a sign the source lost the rest of a sentence.
# (A stranded preposition, "to deal with", is good English and is not flagged.)
_DANGLING = {"a", "an", "and", "or", "the", "their", "your", "of", "could", "would", "which"}


def _is_closing(text: str) -> bool:
    """The suite's usual last item: '(follow) the legal, organisational, codes of practice...'."""
    return "legal" in text and "codes of practice" in text


CATEGORIES = {
    "mid-sentence": "Items that end mid-sentence in the source",
    "question": "Items that end with a question mark",
    "run-on": "Items that may be two criteria run together in the source",
    "title": "Titles that differ between the contents table and the body",
    "no-title": "Standards whose body never states their title",
    "no-area": "Standards whose overview does not name their competence area",
    "no-closing": "Standards without the usual closing criterion on legal and organisational rules",
    "export": "Single-standard exports compared with the catalog",
    "review": "Standards past their indicative review date",
}


@dataclass(frozen=True)
class Finding:
    category: str
    where: str  # URN or criterion id
    detail: str


def ends_mid_sentence(text: str) -> bool:
    words = [re.sub(r"[^\w']", "", w.lower()) for w in text.split()]
    if not words:
        return False
    return (
        words[-1] in _DANGLING
        or words[-1].endswith("'s")
        or words[-2:] == ["how", "to"]
        or text.rstrip().endswith(",")
    )


def findings(
    catalog: Catalog, notes: list[tuple[str, str]] = (), today: date | None = None
) -> list[Finding]:
    """Everything the report lists, in report order."""
    today = today or date.today()
    found: list[Finding] = []
    for criterion in catalog.criteria():
        if ends_mid_sentence(criterion.text):
            found.append(Finding("mid-sentence", criterion.id, criterion.text))
        if criterion.text.rstrip().endswith("?"):
            found.append(Finding("question", criterion.id, criterion.text))
    for where, note in notes:
        if "joined to this item" in note:
            found.append(Finding("run-on", where, f"{catalog.criterion(where).text!r}: {note}"))
        elif "never states the title" in note:
            found.append(Finding("no-title", where, note))
        elif "does not name its competence area" in note:
            found.append(Finding("no-area", where, note))
        elif "contents table says" in note:
            found.append(Finding("title", where, note))
        else:
            found.append(Finding("export", where, note))
    for unit in catalog:
        if not any(_is_closing(c.text) for c in unit.performance):
            found.append(Finding("no-closing", unit.urn, "no such performance criterion"))
        if not any(_is_closing(c.text) for c in unit.knowledge):
            found.append(Finding("no-closing", unit.urn, "no such knowledge item"))
    for unit in catalog:
        if unit.review_overdue(today):
            due = partial_date_end(unit.indicative_review_date)
            found.append(
                Finding(
                    "review",
                    unit.urn,
                    f"review due by {due:%d %B %Y}, {(today - due).days} days ago",
                )
            )
    order = list(CATEGORIES)
    return sorted(found, key=lambda f: order.index(f.category))


def render(catalog: Catalog, items: list[Finding], today: date | None = None) -> str:
    today = today or date.today()
    pcs = sum(len(u.performance) for u in catalog)
    kus = sum(len(u.knowledge) for u in catalog)
    lines = [
        f"Data-quality report: {catalog.suite or 'catalog'}, {len(catalog)} standards, "
        f"{pcs} performance criteria, {kus} knowledge items (as of {today:%d %B %Y})",
    ]
    for category, heading in CATEGORIES.items():
        group = [f for f in items if f.category == category]
        if category == "review":
            heading = f"{heading} ({len(group)} of {len(catalog)})"
        else:
            heading = f"{heading} ({len(group)})"
        lines += ["", heading + ":"]
        lines += [f"  {f.where:<14} {f.detail}" for f in group] or ["  none"]
    return "\n".join(lines)
