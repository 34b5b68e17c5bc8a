"""The tutor's review: one learner's criteria of one unit, each signed off or returned with
feedback, recorded in the store's append-only log under the signed-in tutor's id.

The form (`widgets.review.Review`) only asks; this decides. Who signs off is the tutor the
dashboard's session signed in, never a value from the browser; the learner and the criterion
must be ones the form offered; the store refuses the rest (a learner signing off their own
work, feedback that is too long). What is shown is read from the store when the tutor chooses,
so it is what the learner has saved now, with the rows the reports print (`build_rows`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nosworkbook.portfolio.records import Evidencing, Row, build_rows
from nosworkbook.portfolio.render import tutor_label, when
from nosworkbook.widgets.review import Review, row

if TYPE_CHECKING:
    from nosworkbook.catalog import Catalog, Unit
    from nosworkbook.store import Store

logger = logging.getLogger(__name__)

CHOOSE = "Choose a learner and a unit, then choose Show criteria."
NOT_OFFERED = "Choose a learner and a unit from the lists."
NOT_SHOWN = "That criterion is not among those shown: choose Show criteria again."
NEEDS_FEEDBACK = "Write the feedback the learner will see, then choose Return."
NOT_READ = "The learner's work could not be read from the progress store. Please try again."
NOT_SAVED = "That decision could not be saved in the progress store. Please try again."


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    label: str  # 'Aisha Khan (a.khan)', or the id


def standing(found: Row, tutors: Mapping[str, str]) -> str:
    """Where the criterion stands, in the tutor's words."""
    done = found.sign_off
    if done is None:
        return "Not signed off yet"
    who = tutor_label(done.tutor, tutors)
    if done.action == "signed off":
        text = f"Signed off by {who}, {when(done.at)}"
        return text + (". The learner has changed it since." if done.changed_since else "")
    text = f"Returned by {who}, {when(done.at)}"
    return text + (". The learner has changed it since." if done.changed_since else "")


def shown_row(found: Row, tutors: Mapping[str, str]) -> dict[str, Any]:
    exercises = [
        f"{score.title}: {score.percent}%, checked {when(score.attempted_at)}"
        if score.percent is not None and score.attempted_at is not None
        else f"{score.title}: not checked yet"
        for score in found.exercises
    ]
    done = found.sign_off
    return row(
        criterion=found.criterion,
        short_id=found.short_id,
        text=found.text,
        rating=found.rating or "Not rated",
        evidence=found.evidence or "No evidence note",
        changed=when(found.changed_at) if found.changed_at else "Not saved yet",
        exercises=exercises,
        standing=standing(found, tutors),
        feedback=done.feedback if done is not None else "",
        changed_since=found.changed_since,
        decided=done is not None,
    )


class ReviewDesk:
    """Connects the sign-off form to the store for one cohort."""

    def __init__(
        self,
        form: Review,
        *,
        cohort: str,
        catalog: Catalog,
        units: Sequence[Unit],
        exercises: Sequence[Evidencing],
        learners: Callable[[], Sequence[Person]],
        tutors: Mapping[str, str],
        store: Callable[[], Store],
        on_decided: Callable[[str], None] = lambda learner: None,
    ) -> None:
        self.form = form
        self.cohort = cohort
        self.catalog = catalog
        self.units = tuple(units)
        self.exercises = tuple(exercises)
        self._learners = learners
        self.tutors = dict(tutors)
        self._store = store
        self._on_decided = on_decided
        self.tutor = ""
        self.people: tuple[Person, ...] = ()
        self.shown: dict[str, Row] = {}
        form.on_choose(self.choose)
        form.on_decide(self.decide)

    def open(self, tutor: str) -> None:
        """`tutor` signed in: offer the cohort's learners and units, the first ones shown."""
        self.tutor = tutor
        self.people = tuple(self._learners())
        with self.form.hold_sync():
            self.form.learners = [{"id": p.id, "label": p.label} for p in self.people]
            self.form.units = [{"urn": u.urn, "label": f"{u.urn}: {u.title}"} for u in self.units]
            self.form.enabled = True
            self.form.show(CHOOSE)
        if self.people and self.units:
            self.choose(self.people[0].id, self.units[0].urn)

    def close(self) -> None:
        self.tutor, self.people, self.shown = "", (), {}
        self.form.close_form()

    def _person(self, learner: str) -> Person | None:
        return next((p for p in self.people if p.id == learner), None)

    def choose(self, learner: str, unit: str, *, quiet: bool = False) -> None:
        """Show `learner`'s criteria of `unit`, as the store holds them now."""
        person = self._person(learner)
        chosen = next((u for u in self.units if u.urn == unit), None)
        if not self.tutor or person is None or chosen is None:
            self.form.show(NOT_OFFERED, error=True)
            return
        try:
            rows = self._read(learner, unit)
        except Exception as exc:
            logger.warning("could not read %s's work for the review: %s", learner, exc)
            self.form.show(NOT_READ, error=True)
            return
        self.shown = {found.criterion: found for found in rows}
        with self.form.hold_sync():
            self.form.learner, self.form.unit = learner, unit
            self.form.rows = [shown_row(found, self.tutors) for found in rows]
            if not quiet:
                self.form.show(
                    f"Showing {len(rows)} criteria of {unit} for {person.label}: sign off each "
                    "one, or return it with feedback."
                )

    def _read(self, learner: str, unit: str) -> list[Row]:
        store = self._store()
        return build_rows(
            self.catalog,
            (unit,),
            learner,
            records=store.load(self.cohort, learner, urn=unit),
            attempts=store.attempts(self.cohort, learner),
            sign_offs=store.sign_off_states(self.cohort, learner),
            exercises=self.exercises,
        )

    def decide(self, criterion: str, returned: bool, feedback: str = "") -> None:
        """Sign off the shown learner's `criterion`, or return it with `feedback`."""
        learner, unit = self.form.learner, self.form.unit
        person = self._person(learner)
        found = self.shown.get(criterion)
        if not self.tutor or person is None:
            self.form.show(NOT_OFFERED, error=True)
            return
        if found is None:
            self.form.show(NOT_SHOWN, error=True)
            return
        if returned and not feedback.strip():
            self.form.show(NEEDS_FEEDBACK, error=True)
            return
        try:
            self._store().sign_off(
                self.cohort,
                learner,
                criterion,
                tutor=self.tutor,
                feedback=feedback.strip(),
                returned=returned,
            )
        except ValueError as exc:  # the store's own rules, in words for the tutor
            self.form.show(str(exc), error=True)
            return
        except Exception as exc:
            logger.warning("could not record a sign-off of %s: %s", criterion, exc)
            self.form.show(NOT_SAVED, error=True)
            return
        done = "returned to" if returned else "signed off for"
        extra = " with your feedback" if returned else ""
        self.choose(learner, unit, quiet=True)
        self.form.show(f"{found.short_id} of {unit} {done} {person.label}{extra}.")
        self._on_decided(learner)
