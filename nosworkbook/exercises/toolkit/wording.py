"""Wording shared by exercise kinds: sector variants of data text, and text compared as a
learner means it."""

from __future__ import annotations

from collections.abc import Callable, Mapping

Fill = Callable[[str], str]  # puts the organisation into data text (`Exercise.text`)


def variant(value: str | Mapping[str, str], sector: str) -> str:
    """The text for a sector: scenario data may give one string or a mapping by sector."""
    if isinstance(value, Mapping):
        return str(value.get(sector) or value["general"])
    return str(value)


def variants(value: str | Mapping[str, str]) -> list[str]:
    """Every wording of a piece of data text, so an answer given in any sector still matches."""
    if isinstance(value, Mapping):
        return [str(v) for v in value.values()]
    return [str(value)]


def text_key(text: str) -> str:
    """Text compared as a learner means it: case, spacing and curly apostrophes ignored."""
    text = str(text).replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.split()).casefold()
