"""Single-choice questions from scenario data, with feedback on every option, and the order
every kind's options are shown in.

Scenario files give the right option wherever the author wrote it (often first). What a learner
sees is `shown_order`: the options shuffled by a stable hash of the exercise, the question and
the learner, so the right answer's place gives nothing away, a reload shows the same order, and
each learner gets an order of their own. With nobody signed in (a cohort build, the tutor
edition, tests) a fixed seed is used, so the output is still the same every time. Marking never
depends on the order: an answer is the option's text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from nosworkbook.exercises.base import Answer, Part, answer_text
from nosworkbook.exercises.toolkit.wording import Fill, text_key

T = TypeVar("T")

NOBODY = "nobody signed in"
"""The seed used when no learner is known, so builds and tests are deterministic; with its
spaces it is no valid learner id, so no learner shares it."""

KEEP_ORDER = "keep_order"
"""A choice field with this key set keeps its options as written: a pair such as Met / Missed,
where a changing order would only confuse, and whose right answer the data varies anyway."""


def shown_order(options: Sequence[T], *, exercise: str, name: str, learner: str = "") -> list[T]:
    """The options in the order this learner sees them for this question, always the same.

    Each option's place comes from SHA-256 of (exercise id, question name, learner, its index),
    not Python's salted `hash()`, so it is the same in every process and on every reload, and
    independent of which option is right: across questions the right one is equally likely to
    be in any place. `learner` "" (nobody signed in) uses a fixed seed.
    """
    seed = "\x1f".join((exercise, name, learner or NOBODY))

    def key(index: int) -> bytes:
        return hashlib.sha256(f"{seed}\x1f{index}".encode()).digest()

    return [options[i] for i in sorted(range(len(options)), key=key)]


def shown_form(
    fields: Sequence[Mapping[str, Any]], *, exercise: str, learner: str = ""
) -> list[dict[str, Any]]:
    """A kind's form as one learner sees it: every `choice` field's options in `shown_order`
    (unless it has `KEEP_ORDER`), groups followed, the form itself left as it was."""
    shown = []
    for field in fields:
        field = dict(field)
        if field.get("type") == "group":
            field["fields"] = shown_form(field["fields"], exercise=exercise, learner=learner)
        elif field.get("type") == "choice" and not field.get(KEEP_ORDER):
            field["options"] = shown_order(
                field["options"], exercise=exercise, name=field["name"], learner=learner
            )
        shown.append(field)
    return shown


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
    got = text_key(answer_text(answer, choice["name"]))
    best = max(choice["options"], key=option_score)
    if not got:
        return Part(part, 0.0, f"Choose one answer for \u201c{fill(choice['label'])}\u201d.")
    for option in choice["options"]:
        if text_key(option["text"]) == got:
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
