"""The two kinds of workbook page: one unit's workbook, and the index of every unit.

Each checks its parameters (`nosworkbook.settings`), owns a sign-in `Session`, and wires its
widgets to the store: answers load on sign-in and every edit is saved at once; switching
learner clears the widgets first, so two learners' answers never mix.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from nosworkbook import ids
from nosworkbook.catalog import Catalog, Unit, load
from nosworkbook.exercises import Exercise, Setting, for_unit
from nosworkbook.settings import day_words, read_parameters
from nosworkbook.store.errors import SaveLimitReached
from nosworkbook.widgets.checklist import Checklist
from nosworkbook.widgets.exercise import ExerciseWidget, markdown_html
from nosworkbook.widgets.summary import ProgressSummary
from nosworkbook.workbook.about import About
from nosworkbook.workbook.session import Session

if TYPE_CHECKING:  # the store's module loads SQLAlchemy, which a page loads only on sign-in
    from nosworkbook.store import Attempt, Record

logger = logging.getLogger(__name__)

SIGN_OFFS = "sign-offs"
"""Where `Workbook.load` puts the tutors' decisions on the unit's criteria: never an id."""


def tutor_notes(exercise: Exercise) -> str:
    """Model answer and marking notes as HTML, for the tutor edition. Parts of the model
    answer that depend on the cohort's setting are worked out for it."""
    from nosworkbook.exercises import answers

    entry = answers.for_unit(ids.unit_of(exercise.id)).get(exercise.id)
    if not entry:
        return markdown_html("No model answer has been written for this exercise yet.")
    lines = ["**Model answer**", ""]
    for name, value in {**entry["model_answer"], **exercise.model_answer()}.items():
        shown = " → ".join(value) if isinstance(value, list) else value
        lines.append(f"- {name}: {shown}")
    lines += ["", "**Marking notes**", "", str(entry.get("marking_notes", "")).strip()]
    return markdown_html("\n".join(lines))


class _Page:
    """What both pages share: checked parameters, the catalog and a sign-in session."""

    def __init__(
        self,
        auto_sign_in: bool | None = None,
        catalog: Catalog | None = None,
        **parameters: Any,
    ) -> None:
        self.parameters = read_parameters(parameters)
        self.cohort = self.parameters.cohort
        self.cohort_name = self.parameters.cohort_name
        self.scale = list(self.parameters.rating_scale)
        self.catalog = catalog or load()
        self.session = Session(self.parameters, self, auto_sign_in)

    @property
    def about(self) -> About:
        """An "About this workbook" banner: cohort, organisation, sector, edition, scale, due."""
        return About.of(self.parameters)

    @property
    def sign_in(self) -> Any:
        return self.session.sign_in

    @property
    def learner(self) -> str:
        """Who is signed in, "" for nobody."""
        return self.session.learner

    @property
    def store(self) -> Any:
        return self.session.store

    @property
    def classroom(self) -> bool:
        return self.session.classroom

    def sign_in_as(self, learner: str, code: str = "") -> bool:
        return self.session.sign_in_as(learner, code)

    def sign_out(self) -> None:
        self.session.sign_out()


class Workbook(_Page):
    """One unit's workbook: checklists of its criteria saved per learner and cohort."""

    def __init__(
        self,
        urn: str,
        auto_sign_in: bool | None = None,
        catalog: Catalog | None = None,
        **parameters: Any,
    ) -> None:
        super().__init__(auto_sign_in, catalog, **parameters)
        settings = self.parameters
        self.edition = settings.edition
        self.due = settings.due
        self.setting = Setting(
            organisation=settings.organisation,
            sector=settings.sector,
            risk_matrix=settings.risk_matrix,
            nation=settings.nation,
        )
        self.unit: Unit = self.catalog[urn]
        # The notebook's own headings say "You must be able to" and "You need to know and
        # understand"; the checklists sit under them, one level down.
        self.performance = Checklist.for_criteria(
            "Checklist: performance criteria",
            self.unit.performance,
            self.scale,
            disabled=True,
            heading_level=3,
        )
        self.knowledge = Checklist.for_criteria(
            "Checklist: knowledge and understanding",
            self.unit.knowledge,
            self.scale,
            disabled=True,
            heading_level=3,
        )
        for checklist in self.checklists:
            checklist.on_change(self._save)
        self.exercises: dict[str, ExerciseWidget] = {}
        for exercise in for_unit(urn, self.setting):
            notes = tutor_notes(exercise) if self.edition == "tutor" else ""
            widget = ExerciseWidget(exercise, tutor_html=notes, disabled=True)
            widget.on_attempt(self._save_attempt)
            self.exercises[exercise.id] = widget
        heading = f"Progress in {self.unit.urn}"
        if self.due:
            heading += f", due by {day_words(self.due)}"
        self.progress = ProgressSummary(heading=heading, top=self.scale[-1])
        self._update_progress()
        self.session.start()

    @property
    def checklists(self) -> tuple[Checklist, Checklist]:
        return (self.performance, self.knowledge)

    def exercise(self, exercise_id: str) -> ExerciseWidget:
        """The widget for one of this unit's exercises, by its stable id."""
        return self.exercises[exercise_id]

    # --- what the session asks of the page ----------------------------------------------------

    def load(self, learner: str) -> dict[str, Any]:
        records = self.store.load(self.cohort, learner, urn=self.unit.urn)
        saved: dict[str, Any] = {
            cid: {"rating": r.rating, "evidence": r.evidence, "changed": r.changed_at}
            for cid, r in records.items()
        }
        for exercise_id in self.exercises:
            attempt = self.store.latest_attempt(self.cohort, learner, exercise_id)
            if attempt is not None:
                saved[exercise_id] = attempt
        # Tutors' decisions, so each criterion shows where it stands; read only, never written.
        decided = {
            cid: state
            for cid, state in self.store.sign_off_states(self.cohort, learner).items()
            if ids.unit_of(cid) == self.unit.urn
        }
        if decided:
            saved[SIGN_OFFS] = decided
        return saved

    def show(self, saved: dict[str, Any]) -> None:
        for checklist in self.checklists:
            checklist.set_values(saved, sign_offs=saved.get(SIGN_OFFS))
            checklist.disabled = False
        for exercise_id, widget in self.exercises.items():
            widget.show_to(self.learner)  # this learner's own order of the options
            attempt = saved.get(exercise_id)
            if attempt is None:
                widget.restore(None)
            else:  # the stored score, not today's re-marking, is what the learner was given
                widget.restore(attempt.answer, score=attempt.score, checked_at=attempt.attempted_at)
            widget.disabled = False
        self._update_progress()

    def clear(self) -> None:
        for checklist in self.checklists:
            checklist.clear()
            checklist.disabled = True
        for widget in self.exercises.values():
            widget.clear()
            widget.show_to("")
            widget.disabled = True
        self._update_progress()

    # --- saving -------------------------------------------------------------------------------

    def _save_attempt(
        self, exercise_id: str, answer: dict[str, Any], result: Any
    ) -> Attempt | None:
        """Called once per check: the stored attempt, whose time the widget shows."""
        if not self.learner:
            return None
        try:
            return self.store.save_attempt(
                self.cohort, self.learner, exercise_id, answer, result.score
            )
        except Exception as exc:
            self._report_failure(f"Your answer to {ids.local(exercise_id)}", exc)
            raise  # the exercise shows it as not saved

    def _save(self, criterion: str, rating: str | None, evidence: str) -> Record | None:
        """Called once per learner edit: write it to the store before anything else.

        Returns the stored record, so the checklist shows the store's `changed_at`.
        """
        if not self.learner:
            return None
        try:
            record = self.store.save(
                cohort=self.cohort,
                learner=self.learner,
                criterion=criterion,
                rating=rating,
                evidence=evidence,
            )
        except Exception as exc:
            self._report_failure(f"Your last change to {ids.local(criterion)}", exc)
            raise  # the checklist marks the item as not saved
        self._update_progress()
        return record

    def _report_failure(self, what: str, exc: Exception) -> None:
        """Tell the learner in plain words; the details (the store, the error) go to the log."""
        if isinstance(exc, SaveLimitReached):  # written for the learner; names nothing else
            self.session.report(f"{what} was not saved: {str(exc).removeprefix('Not saved: ')}")
            return
        logger.error("%s for %s was not saved: %s", what, self.learner, exc, exc_info=True)
        self.session.report(f"{what} could not be saved. Please tell your tutor.")

    def _update_progress(self) -> None:
        rows = []
        for label, checklist in (
            ("Performance criteria", self.performance),
            ("Knowledge and understanding", self.knowledge),
        ):
            rated = sum(1 for v in checklist.values.values() if v.get("rating"))
            rows.append(
                {
                    "label": label,
                    "done": checklist.completed,
                    "rated": rated,
                    "total": checklist.total,
                }
            )
        self.progress.rows = rows
        self.progress.note = "" if self.learner else "Sign in to see your progress."


class Index(_Page):
    """The index notebook: every unit with the signed-in learner's progress in it."""

    def __init__(
        self,
        units: Iterable[str] | None = None,
        auto_sign_in: bool | None = None,
        catalog: Catalog | None = None,
        **parameters: Any,
    ) -> None:
        super().__init__(auto_sign_in, catalog, **parameters)
        wanted = set(units) if units is not None else None
        self.units = [u for u in self.catalog if wanted is None or u.urn in wanted]
        self.progress = ProgressSummary(heading="Your progress in each unit", top=self.scale[-1])
        self.show({})
        self.session.start()

    def load(self, learner: str) -> dict[str, Any]:
        return {
            cid: r.rating for cid, r in self.store.load(self.cohort, learner).items() if r.rating
        }

    def show(self, saved: dict[str, Any]) -> None:
        top = self.scale[-1]
        rows = []
        for unit in self.units:
            ids_ = [c.id for c in unit.criteria]
            rows.append(
                {
                    "label": f"{unit.urn} {unit.title}",
                    "href": f"{unit.urn}.ipynb",
                    "done": sum(1 for cid in ids_ if saved.get(cid) == top),
                    "rated": sum(1 for cid in ids_ if cid in saved),
                    "total": len(ids_),
                }
            )
        self.progress.rows = rows
        self.progress.note = "" if self.learner or saved else "Sign in to see your progress."

    def clear(self) -> None:
        self.show({})
