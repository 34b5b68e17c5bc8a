"""A learner's portfolio as rows: one per criterion of the cohort's units, in catalog order.

Pure: everything comes in as arguments (what the store holds, the catalog, the exercises), so
the rows a tutor prints, the rows a learner's export holds and the rows the tests check are
built by one function from the same facts. Scores are the ones stored when the learner
checked an answer, never marked again here, so the report agrees with what the learner saw.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, Protocol

from nosworkbook.exercises.toolkit.rounding import exact, half_up

if TYPE_CHECKING:
    from nosworkbook.catalog import Catalog
    from nosworkbook.cohorts import Cohort
    from nosworkbook.store import Attempt, Change, Record, SignOff, SignOffState

Status = Literal["signed off", "returned", "not yet"]
EXPORT_FORMAT = "nosworkbook learner export"
EXPORT_VERSION = 1


class Evidencing(Protocol):
    """What a row needs of an exercise (an `nosworkbook.exercises.Exercise` has it)."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def criteria(self) -> tuple[str, ...]: ...


@lru_cache(maxsize=4096)
@dataclass(frozen=True, slots=True)
class Listed:
    """An exercise as its scenario file lists it: all a report needs (`Evidencing`)."""

    id: str
    title: str
    criteria: tuple[str, ...]


def listed_exercises(units: Iterable[str]) -> list[Evidencing]:
    """The exercises of `units`: their ids, titles and criteria, read from the scenario files
    as `Exercise` reads them, without building the exercises (which imports every kind's
    module, a fifth of a second a report or the dashboard has no use for)."""
    from nosworkbook.exercises import unit_specs

    return [
        Listed(spec["id"], spec["title"], tuple(spec["criteria"]))
        for urn in units
        for spec in unit_specs(urn)
    ]


def percent(score: float) -> int:
    """A stored score (0 to 1) as the whole percentage the workbook showed: a half up
    (remembered: exact decimal arithmetic is slow, and a cohort repeats its scores)."""
    return int(half_up(exact(float(score)) * 100))


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True, slots=True)
class ExerciseScore:
    """An exercise that evidences a criterion, with the learner's latest stored score."""

    exercise_id: str
    title: str
    score: float | None  # 0 to 1, as stored; None if the learner has not checked it
    attempted_at: datetime | None

    @property
    def percent(self) -> int | None:
        return None if self.score is None else percent(self.score)

    def as_dict(self) -> dict[str, Any]:
        return {
            "exercise": self.exercise_id,
            "title": self.title,
            "score": self.score,
            "percent": self.percent,
            "attempted_at": _moment(self.attempted_at),
        }


@dataclass(frozen=True, slots=True)
class Row:
    """One criterion of one learner: their rating and note, its exercises and its sign-off."""

    learner: str
    unit: str
    unit_title: str
    criterion: str  # the full id, INSCS027.PC10
    short_id: str  # PC10, as the learner sees it
    text: str
    rating: str | None
    evidence: str
    changed_at: datetime | None  # None: never saved
    exercises: tuple[ExerciseScore, ...]
    sign_off: SignOffState | None

    @property
    def status(self) -> Status:
        return self.sign_off.action if self.sign_off is not None else "not yet"

    @property
    def changed_since(self) -> bool:
        """Whether the learner changed the rating or note after the tutor's latest entry."""
        return self.sign_off is not None and self.sign_off.changed_since

    def as_dict(self) -> dict[str, Any]:
        """The row as JSON-ready values (the learner export's `report` entries)."""
        done = self.sign_off
        return {
            "unit": self.unit,
            "criterion": self.criterion,
            "short_id": self.short_id,
            "text": self.text,
            "rating": self.rating,
            "evidence": self.evidence,
            "changed_at": _moment(self.changed_at),
            "exercises": [exercise.as_dict() for exercise in self.exercises],
            "sign_off": {
                "status": self.status,
                "tutor": done.tutor if done else None,
                "feedback": done.feedback if done else None,
                "at": _moment(done.at) if done else None,
                "changed_since": self.changed_since,
            },
        }


@dataclass(frozen=True, slots=True)
class Summary:
    """The figures at the top of a report."""

    criteria: int
    top_rated: int  # rated at the top of the cohort's scale
    signed_off: int
    returned: int
    changed_since: int  # signed off, then changed by the learner


@dataclass(frozen=True, slots=True)
class Portfolio:
    """One learner's rows, with the names a printed report shows."""

    cohort: str  # slug
    cohort_name: str
    learner: str
    learner_name: str
    scale: tuple[str, ...]  # lowest first
    rows: tuple[Row, ...]
    made_at: datetime
    tutors: Mapping[str, str] = field(default_factory=dict)  # the cohort's tutors: id -> name

    @property
    def top(self) -> str:
        return self.scale[-1]

    @property
    def summary(self) -> Summary:
        return Summary(
            criteria=len(self.rows),
            top_rated=sum(row.rating == self.top for row in self.rows),
            signed_off=sum(row.status == "signed off" for row in self.rows),
            returned=sum(row.status == "returned" for row in self.rows),
            changed_since=sum(
                row.status == "signed off" and row.changed_since for row in self.rows
            ),
        )


def latest_scores(attempts: Iterable[Attempt]) -> dict[str, Attempt]:
    """The latest attempt at each exercise (the store gives attempts oldest first)."""
    latest: dict[str, Attempt] = {}
    for attempt in attempts:
        held = latest.get(attempt.exercise_id)
        if held is None or attempt.id > held.id:
            latest[attempt.exercise_id] = attempt
    return latest


def build_rows(
    catalog: Catalog,
    units: Iterable[str],
    learner: str,
    *,
    records: Mapping[str, Record],
    attempts: Iterable[Attempt],
    sign_offs: Mapping[str, SignOffState],
    exercises: Iterable[Evidencing],
) -> list[Row]:
    """One row per criterion of `units`, in catalog order (units, then PCs, then KUs)."""
    chosen = set(units)
    latest = latest_scores(attempts)
    evidencing: dict[str, list[ExerciseScore]] = {}
    for exercise in exercises:
        found = latest.get(exercise.id)
        score = ExerciseScore(
            exercise.id,
            exercise.title,
            found.score if found else None,
            found.attempted_at if found else None,
        )
        for criterion in exercise.criteria:
            evidencing.setdefault(criterion, []).append(score)
    rows = []
    for urn, title, criterion, short_id, text in _criteria(catalog, frozenset(chosen)):
        record = records.get(criterion)
        rows.append(
            Row(
                learner=learner,
                unit=urn,
                unit_title=title,
                criterion=criterion,
                short_id=short_id,
                text=text,
                rating=record.rating if record else None,
                evidence=record.evidence if record else "",
                changed_at=record.changed_at if record else None,
                exercises=tuple(evidencing.get(criterion, ())),
                sign_off=sign_offs.get(criterion),
            )
        )
    return rows


_Criterion = tuple[str, str, str, str, str]  # unit, unit title, criterion, short id, text
_last_criteria: list[tuple[Catalog, frozenset[str], list[_Criterion]]] = []


def _criteria(catalog: Catalog, units: frozenset[str]) -> list[_Criterion]:
    """The units' criteria in catalog order, remembered for the last catalog and units asked
    for: a whole cohort's report asks for the same ones for every learner."""
    for held, chosen, found in _last_criteria:
        if held is catalog and chosen == units:
            return found
    found = [
        (unit.urn, unit.title, item.id, item.short_id, item.text)
        for unit in catalog
        if unit.urn in units
        for item in unit.criteria
    ]
    _last_criteria[:] = [(catalog, units, found)]
    return found


def learner_name(cohort: Cohort, learner: str) -> str:
    """The roster's name for the learner, or "" if the roster gives none."""
    return next((entry.name for entry in cohort.learners if entry.id == learner), "")


def build_portfolio(
    catalog: Catalog,
    cohort: Cohort,
    learner: str,
    *,
    records: Mapping[str, Record],
    attempts: Iterable[Attempt],
    sign_offs: Mapping[str, SignOffState],
    exercises: Iterable[Evidencing],
    made_at: datetime,
) -> Portfolio:
    """The learner's rows in the cohort, with the cohort's and the learner's names."""
    rows = build_rows(
        catalog,
        cohort.units,
        learner,
        records=records,
        attempts=attempts,
        sign_offs=sign_offs,
        exercises=exercises,
    )
    return Portfolio(
        cohort=cohort.slug,
        cohort_name=cohort.name,
        learner=learner,
        learner_name=learner_name(cohort, learner),
        scale=tuple(cohort.rating_scale),
        rows=tuple(rows),
        made_at=made_at,
        tutors={tutor.id: tutor.name for tutor in cohort.tutors if tutor.name},
    )


def export_document(
    portfolio: Portfolio,
    *,
    ratings: Iterable[Record],
    history: Sequence[Change],
    attempts: Sequence[Attempt],
    sign_off_log: Sequence[SignOff],
    access_code_held: bool,
    sign_in_locked_until: datetime | None,
) -> dict[str, Any]:
    """Everything held about the learner in the cohort, as JSON-ready values (right of access).

    The access code's hash is never included, only whether one is held.
    """
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": portfolio.made_at.isoformat(),
        "cohort": {"slug": portfolio.cohort, "name": portfolio.cohort_name},
        "learner": {"id": portfolio.learner, "name": portfolio.learner_name},
        "access_code_held": access_code_held,
        "sign_in_locked_until": _moment(sign_in_locked_until),
        "report": [row.as_dict() for row in portfolio.rows],
        "ratings": [
            {
                "criterion": record.criterion,
                "rating": record.rating,
                "evidence": record.evidence,
                "changed_at": _moment(record.changed_at),
            }
            for record in ratings
        ],
        "history": [
            {
                "criterion": change.criterion,
                "rating": change.rating,
                "evidence": change.evidence,
                "changed_at": _moment(change.changed_at),
            }
            for change in history
        ],
        "attempts": [
            {
                "exercise": attempt.exercise_id,
                "answer": attempt.answer,
                "score": attempt.score,
                "attempted_at": _moment(attempt.attempted_at),
            }
            for attempt in attempts
        ],
        "sign_offs": [
            {
                "criterion": entry.criterion,
                "tutor": entry.tutor,
                "action": entry.action,
                "feedback": entry.feedback,
                "at": _moment(entry.at),
            }
            for entry in sign_off_log
        ],
    }
