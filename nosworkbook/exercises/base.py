"""The shape every exercise shares: a scenario, a form, a checker and a result.

An exercise kind is a subclass of `Exercise` registered under a name; its scenarios are data
(YAML in `scenarios/`, one file per unit) so wording and sector variants can be edited without
code. `check(answer)` is pure: it scores an answer between 0 and 1 with feedback per part.
"""

from __future__ import annotations

import re
import string
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from nosworkbook import ids
from nosworkbook.settings import DEFAULT_MATRIX, DEFAULT_NATION, NATIONS, SECTORS

Answer = Mapping[str, Any]


@dataclass(frozen=True)
class Setting:
    """Who the exercise is written for: the cohort's organisation, sector, risk matrix and the
    nation whose bank holidays count."""

    organisation: str = ""
    sector: str = "general"
    risk_matrix: Any = DEFAULT_MATRIX
    today: date | None = None
    nation: str = DEFAULT_NATION

    def __post_init__(self) -> None:
        if self.sector not in SECTORS:
            raise ValueError(f"unknown sector {self.sector!r}: choose one of {', '.join(SECTORS)}")
        if self.nation not in NATIONS:
            raise ValueError(f"unknown nation {self.nation!r}: choose one of {', '.join(NATIONS)}")

    @property
    def organisation_name(self) -> str:
        return self.organisation.strip() or "your organisation"


@dataclass(frozen=True)
class Part:
    """One marked part of an answer, with feedback a learner can act on."""

    name: str
    score: float  # 0..1
    feedback: str

    @property
    def ok(self) -> bool:
        return self.score >= 1.0


@dataclass(frozen=True)
class Result:
    parts: tuple[Part, ...]
    summary: str = ""

    @property
    def score(self) -> float:
        """The mean of the parts' scores, between 0 and 1."""
        if not self.parts:
            return 0.0
        return round(sum(p.score for p in self.parts) / len(self.parts), 4)

    @property
    def correct(self) -> bool:
        return self.score >= 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "summary": self.summary,
            "parts": [
                {"name": p.name, "score": p.score, "ok": p.ok, "feedback": p.feedback}
                for p in self.parts
            ],
        }


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


_SENTENCE_START = re.compile(r"(^|[.!?]\s+|\n\s*)\{organisation\}")


def fill(text: str, setting: Setting) -> str:
    """Put the organisation (and sector noun) into scenario text; unknown fields stay as typed.

    Without a cohort organisation the text says "your organisation", capitalised where it
    starts a sentence.
    """
    if not setting.organisation.strip():
        text = _SENTENCE_START.sub(r"\1Your organisation", text)
    values = _Blank(organisation=setting.organisation_name, place=SECTORS[setting.sector].place)
    return string.Formatter().vformat(text, (), values)


@dataclass
class Exercise(ABC):
    """One exercise for one unit, built from its scenario data for a setting."""

    kind: ClassVar[str]
    spec: dict[str, Any]
    setting: Setting = field(default_factory=Setting)

    @property
    def id(self) -> str:
        return self.spec["id"]

    @property
    def unit(self) -> str:
        return ids.unit_of(self.id)

    def model_answer(self) -> dict[str, Any]:
        """Answers that depend on the setting (an SLA deadline on the nation's holidays),
        worked out for it; the tutors' model answer file gives the rest."""
        return {}

    @property
    def title(self) -> str:
        return self.spec["title"]

    @property
    def criteria(self) -> tuple[str, ...]:
        return tuple(self.spec["criteria"])

    def scenario(self) -> str:
        """The situation, in markdown, in the cohort's sector where a variant is written."""
        text = self.spec["scenario"]
        if isinstance(text, Mapping):
            text = text.get(self.setting.sector) or text["general"]
        return fill(text.strip(), self.setting)

    def text(self, value: str) -> str:
        """Fill the organisation into any other wording from the scenario data."""
        return fill(value, self.setting)

    @abstractmethod
    def form(self) -> list[dict[str, Any]]:
        """The fields the learner fills in (see `widgets/exercise.py` for the field types)."""

    @abstractmethod
    def check(self, answer: Answer) -> Result:
        """Score an answer; pure, so it is tested once, in Python."""

    def blocks(self) -> list[dict[str, Any]]:
        """Material shown with the scenario (tables, charts); none by default."""
        return []

    def after_check(self, answer: Answer, result: Result) -> list[dict[str, Any]]:
        """Material shown once an answer is checked (e.g. the learner's risk matrix)."""
        return []


KINDS: dict[str, type[Exercise]] = {}


def register(name: str) -> Callable[[type[Exercise]], type[Exercise]]:
    """Class decorator: make an exercise kind available to scenario files by name."""

    def add(cls: type[Exercise]) -> type[Exercise]:
        if name in KINDS:
            raise ValueError(f"exercise kind {name!r} is registered twice")
        cls.kind = name
        KINDS[name] = cls
        return cls

    return add


def answer_text(answer: Answer, name: str) -> str:
    value = answer.get(name)
    return "" if value is None else str(value).strip()
