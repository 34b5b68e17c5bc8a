"""The store's values: what a save asks for and what the store gives back.

They are their own module, apart from the database's, so that a kernel on the hub, whose store
is the store service (`remote`, `wire`), never imports SQLAlchemy: the first save decodes a
Record, and thirty kernels importing SQLAlchemy at once on a small machine wait seconds.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

SIGNED_OFF, RETURNED = "signed off", "returned"
"""The sign-off log's two actions (the database's check constraint names them too)."""


class _Unchanged(enum.Enum):
    UNCHANGED = "UNCHANGED"

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Final = _Unchanged.UNCHANGED
"""Default for `Store.save` fields: keep what is stored (None would mean "not rated")."""

Keep = Literal[_Unchanged.UNCHANGED]


@dataclass(frozen=True, slots=True)
class Record:
    """The current rating and evidence note for one criterion."""

    criterion: str
    rating: str | None
    evidence: str
    changed_at: datetime  # UTC, timezone-aware


@dataclass(frozen=True, slots=True)
class Save:
    """One save asked for, as `Store.save`'s arguments: for `Store.save_many`."""

    cohort: str
    learner: str
    criterion: str
    rating: str | None | Keep = UNCHANGED
    evidence: str | None | Keep = UNCHANGED


@dataclass(frozen=True, slots=True)
class Change:
    """One save, as stored in the history: the values the criterion had after it."""

    id: int  # increases with every save; the history's order
    criterion: str
    rating: str | None
    evidence: str
    changed_at: datetime


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt at an exercise."""

    id: int
    exercise_id: str
    answer: dict[str, Any]
    score: float
    attempted_at: datetime


SignOffAction = Literal["signed off", "returned"]


@dataclass(frozen=True, slots=True)
class SignOff:
    """One entry of the sign-off log: a tutor signed off a learner's criterion, or returned it
    with feedback. Entries are never changed or removed."""

    cohort: str
    learner: str
    criterion: str
    tutor: str
    action: SignOffAction
    feedback: str
    at: datetime  # UTC, timezone-aware: the store's clock


@dataclass(frozen=True, slots=True)
class SignOffState:
    """Where a criterion stands: its latest sign-off entry, and whether the learner has saved
    its rating or evidence since (so the tutor knows to look again)."""

    action: SignOffAction
    tutor: str
    feedback: str
    at: datetime
    changed_since: bool


@dataclass(frozen=True, slots=True)
class Erased:
    """What `Store.erase_learner` did: the rows of each kind it removed, and the sign-off
    entries it kept under `pseudonym` with their feedback emptied."""

    ratings: int
    history: int
    attempts: int
    access_code: bool
    sign_in_failures: int
    sign_offs: int  # kept, pseudonymised
    pseudonym: str | None  # what the kept entries now carry; None if nothing was held
    compacted: bool  # SQLite: the file was rebuilt, so no copy of what went is left in it

    @property
    def anything(self) -> bool:
        """Whether anything was held about the learner (and so changed)."""
        return bool(
            self.ratings
            or self.history
            or self.attempts
            or self.access_code
            or self.sign_in_failures
            or self.sign_offs
        )


@dataclass(frozen=True, slots=True)
class LatestScore:
    """A learner's latest attempt at one exercise: the score stored then, and when."""

    score: float
    attempted_at: datetime


@dataclass(frozen=True, slots=True)
class LearnerSummary:
    """What the tutor's dashboard reads of one learner (`Store.cohort_summary`): one value per
    criterion or exercise, worked out by the database, and never a note or an answer."""

    ratings: dict[str, str | None]  # each saved criterion's current rating (None: not rated)
    travelled: dict[str, tuple[str, str]]  # the first and the latest rating on the scale
    decisions: dict[str, SignOffAction]  # each decided criterion's latest sign-off action
    scores: dict[str, LatestScore]  # by exercise: its latest attempt
    first_save: datetime | None  # the learner's first save or attempt
