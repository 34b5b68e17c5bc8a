"""Complaint handling: put the ISO 10002 process in order, judge a complaint, weigh the options.

The default process follows ISO 10002 as summarised in DESIGN.md: receive and record,
acknowledge, assess, investigate, respond, communicate the decision, close; then analyse
complaints for improvement. A scenario may give its own steps (for example a problem-handling
procedure) in the same shape.

Ordering is marked by pairs: the score is the share of all pairs of steps that the learner has
in the right relative order (1 minus the normalised Kendall tau distance). One swap of
neighbours out of eight steps scores 27/28; a reversed list scores 0. Only the exact order
scores 1. The starting order is shuffled from a seed (the exercise id), so every learner and
every run sees the same starting list, and it is never already in order.

This module also holds the pieces other kinds share: sector variants of data text, order
fields and marking, and single-choice questions with feedback on every option.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from nosworkbook.exercises.base import Answer, Exercise, Part, Result, answer_text, register

Fill = Callable[[str], str]  # puts the organisation into data text (`Exercise.text`)

ISO_10002_STEPS: tuple[str, ...] = (
    "Receive and record the complaint",
    "Acknowledge the complaint",
    "Assess the complaint",
    "Investigate the complaint",
    "Respond with a proposed resolution",
    "Communicate the decision to the customer",
    "Close the complaint",
    "Analyse complaints for improvement",
)

# --- sector variants of data text -------------------------------------------------------------


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


def _key(text: str) -> str:
    """Text compared as a learner means it: case, spacing and curly apostrophes ignored."""
    text = str(text).replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.split()).casefold()


# --- ordering ---------------------------------------------------------------------------------


def shuffled(items: Sequence[str], seed: str) -> list[str]:
    """The items in a shuffled order that is the same for every run and never the given order."""
    items = list(items)
    if len(items) < 2:
        raise ValueError(f"ordering needs at least 2 items, not {len(items)}")
    if len({_key(i) for i in items}) != len(items):
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
            lookup[_key(wording)] = index
    got = [lookup.get(_key(str(item))) for item in value]
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


# --- single-choice questions with feedback on every option ------------------------------------


def choice_fields(choices: Sequence[Mapping[str, Any]], fill: Fill) -> list[dict[str, Any]]:
    """`choice` fields from data: `{name, label, part?, options: [{text, correct?, score?,
    feedback}]}`. Option text is the answer value, so keep it free of {placeholders}."""
    fields = []
    for choice in choices:
        field = {
            "type": "choice",
            "name": choice["name"],
            "label": fill(choice["label"]),
            "options": [str(o["text"]) for o in choice["options"]],
        }
        fields.append(field)
    return fields


def option_score(option: Mapping[str, Any]) -> float:
    """An option's marks: `score` if given, else 1 for the correct option and 0 otherwise."""
    if "score" in option:
        return float(option["score"])
    return 1.0 if option.get("correct") else 0.0


def _quoted(text: str) -> str:
    """Text in curly quotes, unless it is already quoted."""
    return text if text.startswith("\u201c") else f"\u201c{text}\u201d"


def mark_choice(answer: Answer, choice: Mapping[str, Any], fill: Fill) -> Part:
    """Mark one choice: the chosen option's score and its own feedback, saying why."""
    part = str(choice.get("part") or choice["label"])
    got = _key(answer_text(answer, choice["name"]))
    best = max(choice["options"], key=option_score)
    if not got:
        return Part(part, 0.0, f"Choose one answer for \u201c{fill(choice['label'])}\u201d.")
    for option in choice["options"]:
        if _key(option["text"]) == got:
            score = option_score(option)
            feedback = fill(str(option.get("feedback", ""))).strip()
            if score >= 1.0:
                return Part(part, 1.0, f"Right. {feedback}".strip())
            better = str(best["text"]).strip()
            stop = "" if better.endswith((".", "?", "!", "\u201d")) else "."
            return Part(part, score, f"{feedback} A better answer: {_quoted(better)}{stop}".strip())
    return Part(
        part, 0.0, f"Choose one of the answers offered for \u201c{fill(choice['label'])}\u201d."
    )


def check_choices(answer: Answer, choices: Sequence[Mapping[str, Any]], fill: Fill) -> list[Part]:
    """One part per choice, in the order the scenario gives them."""
    return [mark_choice(answer, choice, fill) for choice in choices]


def validate_choices(choices: Sequence[Mapping[str, Any]], where: str) -> None:
    """Scenario data check: names unique, and exactly one option per choice is fully right."""
    seen: set[str] = set()
    for choice in choices:
        name = choice.get("name", "")
        if not name or name in seen:
            raise ValueError(f"{where}: choice name {name!r} is missing or repeated")
        seen.add(name)
        right = [o for o in choice["options"] if option_score(o) >= 1.0]
        if len(right) != 1:
            raise ValueError(f"{where}: choice {name!r} needs exactly one fully right option")


# --- the exercise ------------------------------------------------------------------------------


@register("complaint-handling")
class ComplaintHandling(Exercise):
    """Order a complaint (or problem) process, then answer choices about one complaint.

    Spec: `steps` (optional; the correct order, default ISO 10002), `steps_label`, `steps_why`;
    `facts`: rows `[label, value]` shown as the complaint record; `options_table`: rows
    `[option, what it involves]` shown for weighing; `choices`: single-choice questions with
    feedback per option (see `choice_fields`).
    """

    @property
    def steps(self) -> list[str | Mapping[str, str]]:
        return list(self.spec.get("steps") or ISO_10002_STEPS)

    def _step_names(self) -> list[str]:
        return [self.text(variant(s, self.setting.sector)) for s in self.steps]

    def blocks(self) -> list[dict[str, Any]]:
        blocks = []
        if self.spec.get("facts"):
            blocks.append(
                {
                    "type": "table",
                    "caption": self.text(self.spec.get("facts_caption", "The complaint record")),
                    "columns": ["Item", "Details"],
                    "rows": [
                        [self.text(label), self.text(variant(value, self.setting.sector))]
                        for label, value in self.spec["facts"]
                    ],
                }
            )
        if self.spec.get("options_table"):
            blocks.append(
                {
                    "type": "table",
                    "caption": self.text(self.spec.get("options_caption", "The options")),
                    "columns": ["Option", "What it involves"],
                    "rows": [
                        [self.text(label), self.text(variant(value, self.setting.sector))]
                        for label, value in self.spec["options_table"]
                    ],
                }
            )
        return blocks

    def form(self) -> list[dict[str, Any]]:
        label = self.text(self.spec.get("steps_label", "Complaint process steps, first to last"))
        fields = [order_field("steps", label, self._step_names(), self.id)]
        return fields + choice_fields(self.spec.get("choices", []), self.text)

    def check(self, answer: Answer) -> Result:
        correct = [[self.text(w) for w in variants(s)] for s in self.steps]
        parts = [
            mark_order(
                answer,
                "steps",
                "Order of the steps",
                correct,
                self._step_names(),
                self.text(self.spec.get("steps_why", "")).strip(),
            )
        ]
        parts += check_choices(answer, self.spec.get("choices", []), self.text)
        return Result(tuple(parts))
