"""The tutor's dashboard as figures: where a cohort stands, worked out from what the store holds.

Pure: everything comes in as plain data (`CohortData`: the cohort's units, scale and due date,
and each learner's summary as the store works it out, `Store.cohort_summary`), so each figure
can be checked against values worked out by hand. Shares are whole percentages worked
out exactly from the counts and rounded a half up (`exercises.toolkit.rounding`), as the
workbooks show them; exercise scores are the ones stored at the learner's latest attempt,
never marked again, so the tutor sees what the learner was shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Literal

from nosworkbook.exercises.toolkit.rounding import half_up
from nosworkbook.portfolio.records import percent

if TYPE_CHECKING:
    from nosworkbook.catalog import Unit
    from nosworkbook.store import LatestScore, LearnerSummary

Pace = Literal["behind", "on track", "ahead"]

MARGIN = 10
"""Percentage points either side of the share of time elapsed that still count as on track."""

RULE = (
    f"Behind: the share of criteria rated at the top of the scale is more than {MARGIN} "
    f"percentage points below the share of the time elapsed. Ahead: more than {MARGIN} points "
    f"above it. On track: anything from {MARGIN} points below to {MARGIN} points above."
)
"""The rule for behind, on track and ahead, as the dashboard states it (from `MARGIN`)."""

WEAKEST_SHOWN = 10
"""How many of the criteria most learners rate at the bottom of the scale are listed."""


@dataclass(frozen=True, slots=True)
class LearnerData:
    """What the store holds for one learner of the cohort (as `LearnerSummary`)."""

    id: str
    name: str  # the roster's name, or ""
    ratings: Mapping[str, str | None]  # current rating, by criterion
    travelled: Mapping[str, tuple[str, str]]  # first and latest rating on the scale
    decisions: Mapping[str, str]  # each decided criterion's latest sign-off action
    scores: Mapping[str, LatestScore]  # each exercise's latest attempt
    first_save: datetime | None  # the learner's first save or attempt

    @classmethod
    def of(cls, id: str, name: str, summary: LearnerSummary | None) -> LearnerData:
        """The learner as the store summarised them (None: nothing stored)."""
        if summary is None:
            return cls(id, name, {}, {}, {}, {}, None)
        return cls(
            id,
            name,
            summary.ratings,
            summary.travelled,
            summary.decisions,
            summary.scores,
            summary.first_save,
        )

    @property
    def label(self) -> str:
        """How tables name the learner: 'Aisha Khan (a.khan)', or the id alone."""
        return f"{self.name} ({self.id})" if self.name else self.id


@dataclass(frozen=True, slots=True)
class CohortData:
    """Everything the dashboard is worked out from."""

    slug: str
    name: str
    scale: tuple[str, ...]  # lowest first
    due: date | None
    units: tuple[Unit, ...]  # the cohort's units, in catalog order
    exercises: Mapping[str, str]  # the units' exercises: id -> title, in order
    learners: tuple[LearnerData, ...]
    now: datetime

    @property
    def top(self) -> str:
        return self.scale[-1]

    @property
    def bottom(self) -> str:
        return self.scale[0]

    @property
    def criteria(self) -> int:
        """How many criteria the cohort's units have."""
        return sum(len(unit.criteria) for unit in self.units)

    @property
    def empty(self) -> bool:
        """Nobody has saved anything, checked an exercise or been signed off yet."""
        return not any(
            learner.ratings or learner.decisions or learner.scores or learner.first_save
            for learner in self.learners
        )


def share(count: int, total: int) -> int:
    """`count` of `total` as a whole percentage, a half up (0 when there is nothing to count)."""
    return int(half_up(Fraction(100 * count, total))) if total else 0


def mean_shown(value: Fraction) -> Decimal:
    """A mean position on the scale as shown: one decimal place, a half up."""
    return half_up(value, 1)


# -- the heat map: learners x units ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HeatCell:
    """One learner in one unit: how many of its criteria are rated at the top, and signed off."""

    unit: str
    total: int
    top_count: int
    signed_count: int

    @property
    def top(self) -> int:
        return share(self.top_count, self.total)

    @property
    def signed_off(self) -> int:
        return share(self.signed_count, self.total)


@dataclass(frozen=True, slots=True)
class HeatRow:
    learner: LearnerData
    cells: tuple[HeatCell, ...]  # in the order of the cohort's units


def heat_map(data: CohortData) -> list[HeatRow]:
    """Per learner and unit, the criteria rated at the top of the scale and those signed off."""
    rows = []
    for learner in data.learners:
        cells = []
        for unit in data.units:
            ids = [item.id for item in unit.criteria]
            top = sum(1 for cid in ids if learner.ratings.get(cid) == data.top)
            signed = sum(1 for cid in ids if learner.decisions.get(cid) == "signed off")
            cells.append(HeatCell(unit.urn, len(ids), top, signed))
        rows.append(HeatRow(learner, tuple(cells)))
    return rows


# -- where to teach next -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Weak:
    """A criterion with how many learners rate it at the bottom of the scale now."""

    criterion: str  # the full id
    text: str
    count: int


def weakest(data: CohortData, limit: int = WEAKEST_SHOWN) -> list[Weak]:
    """The criteria most learners now rate at the bottom of the scale, most first (ties in
    catalog order), at most `limit`; a criterion nobody rates there is left out."""
    found = []
    for unit in data.units:
        for item in unit.criteria:
            count = sum(
                1 for learner in data.learners if learner.ratings.get(item.id) == data.bottom
            )
            if count:
                found.append(Weak(item.id, item.text, count))
    found.sort(key=lambda weak: -weak.count)  # stable: ties keep catalog order
    return found[:limit]


# -- progress against the due date ---------------------------------------------------------


def pace(top: int, elapsed: int) -> Pace:
    """The rule (`RULE`): compare the whole percentages shown, so a tutor can check it."""
    if top < elapsed - MARGIN:
        return "behind"
    if top > elapsed + MARGIN:
        return "ahead"
    return "on track"


def first_save(data: CohortData) -> datetime | None:
    """When anyone in the cohort first saved a rating, a note or an attempt; None if nobody."""
    moments = [learner.first_save for learner in data.learners if learner.first_save]
    return min(moments, default=None)


def elapsed_share(start: date, due: date, today: date) -> int:
    """The share of the whole days from `start` to `due` that have gone by `today`, 0 to 100.

    On the due day and after, all of it; a due date on or before the start, all of it too.
    """
    total = (due - start).days
    if total <= 0:
        return 100
    gone = min(max((today - start).days, 0), total)
    return share(gone, total)


@dataclass(frozen=True, slots=True)
class LearnerPace:
    learner: LearnerData
    top_count: int
    total: int
    elapsed: int

    @property
    def top(self) -> int:
        return share(self.top_count, self.total)

    @property
    def difference(self) -> int:
        """Percentage points above (+) or below (-) the share of time elapsed."""
        return self.top - self.elapsed

    @property
    def pace(self) -> Pace:
        return pace(self.top, self.elapsed)


@dataclass(frozen=True, slots=True)
class Progress:
    start: date  # the day of the cohort's first save (UK time)
    due: date
    elapsed: int  # percentage of the time from start to due that has gone
    rows: tuple[LearnerPace, ...]


def progress(data: CohortData, zone: tzinfo) -> Progress | None:
    """Each learner's share of criteria rated at the top against the share of time elapsed
    from the cohort's first save to its due date, days counted in `zone` (UK time).

    None when the cohort has no due date, or nobody has saved anything to start from.
    """
    started = first_save(data)
    if data.due is None or started is None:
        return None
    start = started.astimezone(zone).date()
    elapsed = elapsed_share(start, data.due, data.now.astimezone(zone).date())
    units = heat_map(data)
    rows = tuple(
        LearnerPace(
            row.learner,
            sum(cell.top_count for cell in row.cells),
            data.criteria,
            elapsed,
        )
        for row in units
    )
    return Progress(start, data.due, elapsed, rows)


# -- exercise scores -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Score:
    """A learner's latest attempt at one exercise, with the score stored then."""

    learner: LearnerData
    exercise: str
    title: str
    score: float  # 0 to 1, as stored
    attempted_at: datetime

    @property
    def percent(self) -> int:
        return percent(self.score)


def exercise_scores(data: CohortData) -> list[Score]:
    """Per learner, in the order of the cohort's exercises, the latest attempt at each."""
    scores = []
    for learner in data.learners:
        for exercise, title in data.exercises.items():
            found = learner.scores.get(exercise)
            if found is not None:
                scores.append(Score(learner, exercise, title, found.score, found.attempted_at))
    return scores


# -- distance travelled --------------------------------------------------------------------


def position(scale: Sequence[str], rating: str | None) -> int | None:
    """A rating's place on the scale, 1 for the lowest; None for no rating or one not on it."""
    return scale.index(rating) + 1 if rating in scale else None


def first_and_latest(
    scale: Sequence[str], travelled: Mapping[str, tuple[str, str]]
) -> dict[str, tuple[int, int]]:
    """Per criterion, the positions of the first and the latest rating its history holds
    (the store passes over saves of the note alone and ratings not on the scale; so does
    this, should the scale have changed since)."""
    found = {}
    for criterion, (first, latest) in travelled.items():
        places = position(scale, first), position(scale, latest)
        if places[0] is not None and places[1] is not None:
            found[criterion] = (places[0], places[1])
    return found


@dataclass(frozen=True, slots=True)
class Travel:
    """Mean first and latest positions on the scale over the criteria rated."""

    unit: str
    criteria: int  # how many criteria (or learners' criteria) the means are over
    first_total: int
    latest_total: int

    @property
    def first(self) -> Decimal:
        return mean_shown(Fraction(self.first_total, self.criteria))

    @property
    def latest(self) -> Decimal:
        return mean_shown(Fraction(self.latest_total, self.criteria))


@dataclass(frozen=True, slots=True)
class LearnerTravel:
    learner: LearnerData
    units: tuple[Travel, ...]  # only the units in which the learner has rated something


def distance_travelled(data: CohortData) -> list[LearnerTravel]:
    """Per learner and unit, the mean of the first and of the latest rating of each criterion
    the learner has rated, as positions on the scale (1 for the lowest)."""
    travelled = []
    for learner in data.learners:
        pairs = first_and_latest(data.scale, learner.travelled)
        units = []
        for unit in data.units:
            rated = [pairs[item.id] for item in unit.criteria if item.id in pairs]
            if rated:
                units.append(
                    Travel(
                        unit.urn,
                        len(rated),
                        sum(first for first, _ in rated),
                        sum(latest for _, latest in rated),
                    )
                )
        travelled.append(LearnerTravel(learner, tuple(units)))
    return travelled


def cohort_travel(travelled: Iterable[LearnerTravel]) -> list[Travel]:
    """Per unit, the means over every criterion any learner has rated (each learner's
    criterion counted once): what the dashboard's chart shows."""
    totals: dict[str, list[int]] = {}
    for learner in travelled:
        for travel in learner.units:
            held = totals.setdefault(travel.unit, [0, 0, 0])
            held[0] += travel.criteria
            held[1] += travel.first_total
            held[2] += travel.latest_total
    return [Travel(unit, *held) for unit, held in sorted(totals.items())]  # URN: catalog order
