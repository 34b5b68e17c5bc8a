"""Ordering questions: a list the learner puts in order, marked by pairs.

The score is the share of all pairs of items that the learner has in the right relative order
(1 minus the normalised Kendall tau distance). One swap of neighbours out of eight items
scores 27/28; a reversed list scores 0. Only the exact order scores 1. The starting order is
shuffled from a seed (the exercise id), so every learner and every run sees the same starting
list, and it is never already in order.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from nosworkbook.exercises.base import Answer, Part
from nosworkbook.exercises.toolkit.wording import text_key


def shuffled(items: Sequence[str], seed: str) -> list[str]:
    """The items in a shuffled order that is the same for every run and never the given order."""
    items = list(items)
    if len(items) < 2:
        raise ValueError(f"ordering needs at least 2 items, not {len(items)}")
    if len({text_key(i) for i in items}) != len(items):
        raise ValueError("ordering items must all be different")
    order = items[:]
    random.Random(seed).shuffle(order)
    if order == items:  # rotate rather than reshuffle, so the result stays deterministic
        order = order[1:] + order[:1]
    return order


def read_order(value: Any, correct: Sequence[str]) -> list[int] | None:
    """The learner's list as indexes into `correct`, or None unless it has every item once.

    Items are matched by their text, ignoring case and spacing; `correct` may hold, for each
    position, a list of acceptable wordings (one per sector)."""
    if isinstance(value, str):
        value = [line for line in value.splitlines() if line.strip()]
    if not isinstance(value, Sequence) or isinstance(value, str):
        return None
    lookup: dict[str, int] = {}
    for index, wordings in enumerate(correct):
        for wording in [wordings] if isinstance(wordings, str) else wordings:
            lookup[text_key(wording)] = index
    got = [lookup.get(text_key(str(item))) for item in value]
    if None in got or sorted(got) != list(range(len(correct))):  # type: ignore[type-var]
        return None
    return got  # type: ignore[return-value]


def pairs_in_order(positions: Sequence[int]) -> tuple[int, int]:
    """(pairs in the right relative order, all pairs) for a list of correct positions."""
    n = len(positions)
    total = n * (n - 1) // 2
    right = sum(1 for i in range(n) for j in range(i + 1, n) if positions[i] < positions[j])
    return right, total


def order_score(answer: Sequence[str], correct: Sequence[str]) -> float:
    """Share of pairs in the right relative order (Kendall tau based): 1.0 only when exact."""
    positions = read_order(answer, correct)
    if positions is None:
        raise ValueError(
            f"the answer must list each of the {len(correct)} items exactly once, in some order"
        )
    right, total = pairs_in_order(positions)
    return round(right / total, 4) if total else 1.0


def order_hints(positions: Sequence[int], names: Sequence[str], limit: int = 3) -> list[str]:
    """Plain hints for neighbours the learner has the wrong way round."""
    hints = []
    for a, b in zip(positions, positions[1:], strict=False):
        if a > b:
            hints.append(
                f"\u201c{names[a]}\u201d comes after \u201c{names[b]}\u201d, not before it."
            )
        if len(hints) == limit:
            break
    return hints


def order_field(name: str, label: str, items: Sequence[str], seed: str) -> dict[str, Any]:
    """An `order` field whose starting list is shuffled from `seed`."""
    return {"type": "order", "name": name, "label": label, "items": shuffled(items, seed)}


def mark_order(
    answer: Answer,
    name: str,
    part: str,
    correct: Sequence[str | Sequence[str]],
    names: Sequence[str],
    why: str = "",
    what: str = "steps",
) -> Part:
    """Mark an order field: full marks for the exact order, otherwise the share of pairs."""
    positions = read_order(answer.get(name), correct)
    if positions is None:
        return Part(
            part,
            0.0,
            f"Put all {len(correct)} {what} in order, using Move up and Move down.",
        )
    right, total = pairs_in_order(positions)
    if right == total:
        return Part(part, 1.0, f"Right: all {len(correct)} {what} are in order. {why}".strip())
    hints = " ".join(order_hints(positions, names))
    return Part(
        part,
        round(right / total, 4),
        f"{right} of {total} pairs of {what} are in the right order. {hints} {why}".strip(),
    )
