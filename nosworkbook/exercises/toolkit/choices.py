"""Single-choice questions from scenario data, with feedback on every option."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nosworkbook.exercises.base import Answer, Part, answer_text
from nosworkbook.exercises.toolkit.wording import Fill, text_key


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
