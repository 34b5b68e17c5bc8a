"""Decision scenarios: a workplace situation in a few steps, one choice per step.

Each step offers three or four choices. The scenario data gives every choice a verdict (best,
acceptable or poor) and feedback that names the criterion it meets or misses ("This meets PC7:
..."), so the marking is the author's judgement written down once and explained every time.
A step scores 1 for the best choice, 0.5 for an acceptable one and 0 for a poor one.

Specs are checked strictly when an exercise is built (`validate_spec`): exactly one best choice
per step, feedback for every choice, and every criterion cited in feedback listed in the
exercise's `criteria` (and every listed criterion cited somewhere), so a typo in the data is a
clear error naming the exercise and step rather than a quietly wrong exercise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nosworkbook import ids
from nosworkbook.exercises.base import (
    SECTORS,
    Answer,
    Exercise,
    Part,
    Result,
    Setting,
    answer_text,
    fill,
    register,
)

VERDICTS: dict[str, float] = {"best": 1.0, "acceptable": 0.5, "poor": 0.0}
VERDICT_WORDS = {
    "best": "Best choice.",
    "acceptable": "Acceptable, but not the best choice.",
    "poor": "Not a good choice.",
}
MIN_CHOICES, MAX_CHOICES = 3, 4
DEFAULT_QUESTION = "what do you do?"

# "PC7", "KU3" (the exercise's own unit) or "INSCS008.PC7" (another unit).
_CITATION = re.compile(r"\b(?:(INSCS\d{3})\.)?((?:PC|KU)\d+)\b")


def normalise(text: str) -> str:
    """Compare choices by their words, not their spacing or capitals."""
    return " ".join(str(text).split()).casefold()


def cited_criteria(text: str, unit: str) -> list[str]:
    """Full criterion ids cited in feedback: "PC7" means the exercise's own unit's PC7."""
    return [f"{urn or unit}.{code}" for urn, code in _CITATION.findall(text)]


def _where(spec: Mapping[str, Any], step: int | None = None) -> str:
    name = f"exercise {spec.get('id', '?')!r}"
    return f"{name}, step {step}" if step else name


def _check_wording(value: Any, where: str, what: str) -> None:
    """Text, or a mapping of sector variants that includes `general`."""
    if isinstance(value, str):
        if not value.strip():
            raise ValueError(f"{where}: the {what} is empty")
        return
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: the {what} must be text or sector variants")
    unknown = sorted(set(value) - set(SECTORS))
    if unknown:
        raise ValueError(
            f"{where}: the {what} has unknown sectors {unknown}: use {', '.join(SECTORS)}"
        )
    if not str(value.get("general") or "").strip():
        raise ValueError(f"{where}: the {what} needs a general variant")


def validate_spec(spec: Mapping[str, Any]) -> None:
    """Raise ValueError naming the exercise and step if the scenario data is not sound."""
    where = _where(spec)
    exercise_id = str(spec.get("id") or "")
    unit = ids.unit_of(exercise_id)
    listed = set(spec.get("criteria") or ())
    if not listed:
        raise ValueError(f"{where}: list the criteria it evidences")
    _check_wording(spec.get("scenario"), where, "scenario")
    steps = spec.get("steps")
    if not isinstance(steps, Sequence) or isinstance(steps, str) or not steps:
        raise ValueError(f"{where}: give at least one step, as a list")
    cited: set[str] = set()
    best_positions, best_longest = [], []
    for number, step in enumerate(steps, 1):
        here = _where(spec, number)
        if not isinstance(step, Mapping):
            raise ValueError(f"{here}: a step must be a mapping with choices")
        if "situation" in step:
            _check_wording(step["situation"], here, "situation")
        question = str(step.get("question", DEFAULT_QUESTION)).strip()
        if not question or question.lower().startswith("step"):
            raise ValueError(f"{here}: the question must be words, without a 'Step n' prefix")
        choices = step.get("choices")
        if not isinstance(choices, Sequence) or isinstance(choices, str):
            raise ValueError(f"{here}: give the choices as a list")
        if not MIN_CHOICES <= len(choices) <= MAX_CHOICES:
            raise ValueError(
                f"{here}: has {len(choices)} choices; give {MIN_CHOICES} to {MAX_CHOICES}"
            )
        seen: set[str] = set()
        bests = []
        for letter, choice in zip("ABCD", choices, strict=False):
            if not isinstance(choice, Mapping):
                raise ValueError(f"{here}, choice {letter}: a choice needs text, verdict, feedback")
            text = normalise(choice.get("text") or "")
            if not text:
                raise ValueError(f"{here}, choice {letter}: the choice has no text")
            if text in seen:
                raise ValueError(f"{here}, choice {letter}: the same text appears twice")
            seen.add(text)
            verdict = choice.get("verdict")
            if verdict not in VERDICTS:
                raise ValueError(
                    f"{here}, choice {letter}: verdict {verdict!r} is not one of "
                    f"{', '.join(VERDICTS)}"
                )
            if verdict == "best":
                bests.append(letter)
            feedback = str(choice.get("feedback") or "").strip()
            if not feedback:
                raise ValueError(f"{here}, choice {letter}: every choice needs feedback")
            cites = cited_criteria(feedback, unit)
            if not cites:
                raise ValueError(
                    f"{here}, choice {letter}: the feedback must name the criterion it meets "
                    f"or misses (e.g. PC7)"
                )
            unknown = sorted(set(cites) - listed)
            if unknown:
                raise ValueError(
                    f"{here}, choice {letter}: feedback cites {', '.join(unknown)}, which is not "
                    f"in the exercise's criteria"
                )
            cited.update(cites)
        if len(bests) != 1:
            raise ValueError(
                f"{here}: exactly one choice must be 'best' (found {len(bests)}: "
                f"{', '.join(bests) or 'none'})"
            )
        position = "ABCD".index(bests[0])
        lengths = [len(normalise(c["text"])) for c in choices]
        best_positions.append(position)
        best_longest.append(lengths[position] == max(lengths))
    uncited = sorted(listed - cited)
    if uncited:
        raise ValueError(f"{where}: no feedback cites {', '.join(uncited)}; cite it or drop it")
    if len(steps) >= 2 and len(set(best_positions)) == 1:
        raise ValueError(
            f"{where}: the best choice is always choice {'ABCD'[best_positions[0]]}; vary its "
            f"position so the order does not give the answer away"
        )
    if len(steps) >= 2 and all(best_longest):
        raise ValueError(
            f"{where}: the best choice is the longest at every step; vary the lengths so they do "
            f"not give the answer away"
        )


def find_choice(
    step: Mapping[str, Any], value: str, number: int, fill_text: Callable[[str], str] = str
) -> Mapping[str, Any]:
    """The choice an answer picks (as written or as filled in); ValueError if none."""
    wanted = normalise(value)
    if not wanted:
        raise ValueError(f"step {number}: no choice was made")
    for choice in step["choices"]:
        if wanted in {normalise(choice["text"]), normalise(fill_text(choice["text"]))}:
            return choice
    shown = value if len(value) <= 60 else value[:57] + "..."
    raise ValueError(f"step {number}: {shown!r} is not one of this step's choices")


def best_choice(step: Mapping[str, Any]) -> Mapping[str, Any]:
    """The step's one best choice (validation guarantees there is exactly one)."""
    return next(c for c in step["choices"] if c["verdict"] == "best")


@dataclass
class _Picked:
    number: int
    choice: Mapping[str, Any] | None
    blank: bool = False


@register("decision-scenario")
@dataclass
class DecisionScenario(Exercise):
    """Choose what to do at each step of a workplace situation.

    Spec: `steps`: list of `{situation (text or sector variants, optional), question (optional,
    default "what do you do?"), choices: [{text, verdict: best|acceptable|poor, feedback}]}`.
    Feedback cites criteria as "PC7" (this unit) or "INSCS008.PC7"; all must be in `criteria`.
    The answer is `{"step1": <choice text>, "step2": ...}`.
    """

    def __post_init__(self) -> None:
        validate_spec(self.spec)  # a bad spec fails when loaded, naming exercise and step

    @property
    def steps(self) -> list[Mapping[str, Any]]:
        return list(self.spec["steps"])

    def _wording(self, value: str | Mapping[str, str]) -> str:
        if isinstance(value, Mapping):
            value = value.get(self.setting.sector) or value["general"]
        return self.text(str(value).strip())

    def _label(self, number: int, step: Mapping[str, Any]) -> str:
        question = str(step.get("question", DEFAULT_QUESTION)).strip()
        return f"Step {number}: {self.text(question)}"

    def form(self) -> list[dict[str, Any]]:
        fields = []
        total = len(self.steps)
        for number, step in enumerate(self.steps, 1):
            choice = {
                "type": "choice",
                "name": f"step{number}",
                "label": self._label(number, step),
                "options": [self.text(c["text"]) for c in step["choices"]],
            }
            group: dict[str, Any] = {
                "type": "group",
                "label": f"Step {number} of {total}",
                "fields": [choice],
            }
            if step.get("situation"):
                group["help"] = self._wording(step["situation"])
            fields.append(group)
        return fields

    def _pick(self, answer: Answer) -> list[_Picked]:
        picked = []
        default = Setting()
        for number, step in enumerate(self.steps, 1):
            value = answer_text(answer, f"step{number}")
            if not value:
                picked.append(_Picked(number, None, blank=True))
                continue
            try:
                choice = find_choice(step, value, number, self.text)
            except ValueError:
                try:  # a model answer written for the default setting ("your organisation")
                    choice = find_choice(step, value, number, lambda t: fill(t, default))
                except ValueError:
                    picked.append(_Picked(number, None))
                    continue
            picked.append(_Picked(number, choice))
        return picked

    def check(self, answer: Answer) -> Result:
        parts = []
        revisit: list[str] = []
        for pick in self._pick(answer):
            name = f"Step {pick.number}"
            if pick.choice is None:
                if pick.blank:
                    feedback = f"Choose one of the options for step {pick.number}."
                else:
                    feedback = (
                        f"That is not one of the options for step {pick.number}: "
                        f"choose one of the listed options."
                    )
                parts.append(Part(name, 0.0, feedback))
                continue
            verdict = pick.choice["verdict"]
            feedback = self.text(str(pick.choice["feedback"]).strip())
            parts.append(Part(name, VERDICTS[verdict], f"{VERDICT_WORDS[verdict]} {feedback}"))
            if verdict != "best":
                for cid in cited_criteria(str(pick.choice["feedback"]), self.unit):
                    short = ids.local(cid) if cid.startswith(self.unit + ".") else cid
                    if short not in revisit:
                        revisit.append(short)
        best = sum(1 for p in parts if p.ok)
        summary = f"You made the best choice at {best} of {len(parts)} steps."
        if revisit:
            summary += f" Look again at {', '.join(revisit)} in the unit."
        return Result(tuple(parts), summary)

    def after_check(self, answer: Answer, result: Result) -> list[dict[str, Any]]:
        rows = []
        for pick, step in zip(self._pick(answer), self.steps, strict=True):
            best = self.text(best_choice(step)["text"])
            if pick.choice is None:
                rows.append([pick.number, "(no choice)", "-", best])
                continue
            verdict = pick.choice["verdict"]
            mine = self.text(pick.choice["text"])
            shown = "(your choice)" if verdict == "best" else best
            rows.append([pick.number, mine, verdict, shown])
        return [
            {
                "type": "table",
                "caption": "Your choices and the best choices",
                "columns": ["Step", "Your choice", "Verdict", "Best choice"],
                "rows": rows,
            }
        ]
