"""What a workbook notebook runs: sign-in, the two checklists and progress, wired to the store.

A notebook cell builds `Workbook("INSCS027", ...)` from its parameters and then displays
`workbook.sign_in`, `workbook.performance`, `workbook.knowledge` and `workbook.progress`.
Answers load on sign-in and every edit is saved at once; switching learner clears the
widgets first, so two learners' answers never mix.
"""

from __future__ import annotations

import getpass
import html
import logging
import os
import re
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from IPython.display import HTML

from nosworkbook.access import Throttle
from nosworkbook.catalog import Catalog, Unit, load
from nosworkbook.exercises import Setting, for_unit
from nosworkbook.exercises.base import SECTOR_NAMES
from nosworkbook.store import peek
from nosworkbook.widgets.checklist import Checklist
from nosworkbook.widgets.exercise import ExerciseWidget, markdown_html
from nosworkbook.widgets.progress import ProgressSummary
from nosworkbook.widgets.signin import SignIn, valid_learner

logger = logging.getLogger(__name__)

DEFAULT_SCALE = ("Not yet", "Developing", "Competent")
NO_MATCH = "That learner id and access code do not match. Check them, or ask your tutor."

# Failed classroom sign-ins in this kernel: after five, nothing is checked for 30 seconds.
THROTTLE = Throttle()


def _locked_out(seconds: int) -> str:
    unit = "second" if seconds == 1 else "seconds"
    return (
        f"Too many sign-ins did not match: wait {seconds} {unit}, then try again, "
        "or ask your tutor."
    )


COHORT_SLUG = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
OPEN_STORE_AFTER_S = 2.0
"""Under Voila, the store opens on a thread this long after the workbook is built: after the
page is up and its widgets have arrived (which the thread would slow), before a learner has
typed their id and code."""
PRELOADED_FOR = "NOSWORKBOOK_PRELOADED_FOR"
"""Set in a kernel that the classroom server keeps ready in a pool (`nosworkbook.classroom`)."""


def in_voila() -> bool:
    """True in a kernel that Voila started: there the learner must type their id."""
    return bool(os.environ.get("VOILA_KERNEL_ID")) or os.environ.get(
        "SERVER_SOFTWARE", ""
    ).startswith("voila")


def default_learner() -> str:
    """JupyterHub's user, else the operating-system user, when that is a valid learner id."""
    for candidate in (os.environ.get("JUPYTERHUB_USER", ""), _os_user()):
        if valid_learner(candidate):
            return candidate
    return ""


def _day(value: Any) -> str:
    """A due date in plain British style: '31 March 2027'."""
    from datetime import date

    if isinstance(value, str):
        value = date.fromisoformat(value)
    return f"{value.day} {value:%B %Y}"


SECTOR_WORDS = {
    "general": "general customer service",
    "retail": "retail",
    "contact-centre": "contact centre",
    "hospitality": "hospitality",
    "public-sector": "public sector",
}
EDITIONS = {
    "tutor": "Tutor edition: model answers and marking notes are shown",
    "learner": "Learner edition: model answers and marking notes are not shown",
}


def _matrix_words(matrix: Any) -> str:
    """A risk matrix by name with its bands: "3x3 (level = likelihood x impact: ...)"."""
    from nosworkbook.exercises.risk import band_text, get_matrix

    try:
        grid = get_matrix(matrix)
    except ValueError:
        return str(matrix)
    return f"{grid.name} (level = likelihood x impact: {band_text(grid)})"


class About(HTML):
    """The "About this workbook" banner: HTML for notebooks and viewers, plain text otherwise.

    `lines` are (label, value) pairs of plain text; every value is escaped here.
    """

    def __init__(self, lines: Sequence[tuple[str, str]]) -> None:
        self.lines = list(lines)
        rows = "".join(
            f"<li><strong>{html.escape(label)}:</strong> {html.escape(value)}</li>"
            for label, value in self.lines
        )
        super().__init__(
            '<aside class="nosw-about" aria-label="About this workbook">'
            f"<h2>About this workbook</h2><ul>{rows}</ul></aside>"
        )

    def __str__(self) -> str:
        return "\n".join(
            ["About this workbook", *(f"- {label}: {value}" for label, value in self.lines)]
        )

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer: Any, _cycle: bool) -> None:
        printer.text(str(self))


def _about_lines(
    cohort: str,
    cohort_name: str,
    organisation: str,
    sector: str,
    edition: str,
    scale: Sequence[str],
    risk_matrix: Any,
    due: Any,
) -> list[tuple[str, str]]:
    cohort_text = f"{cohort_name} ({cohort})" if cohort_name.strip() else cohort
    lines = [("Cohort", cohort_text)]
    if organisation.strip():
        lines.append(("Organisation", organisation.strip()))
    if sector in SECTOR_WORDS:
        sector_text = f"{SECTOR_WORDS[sector]} (scenarios are set in {SECTOR_NAMES[sector]})"
    else:
        sector_text = str(sector)
    lines.append(("Sector", sector_text))
    lines.append(("Edition", EDITIONS.get(edition, str(edition))))
    lines.append(("Rating scale", " / ".join(scale)))
    lines.append(("Risk matrix", _matrix_words(risk_matrix)))
    if due:
        try:
            lines.append(("Due", _day(due)))
        except (TypeError, ValueError):
            lines.append(("Due", str(due)))
    return lines


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


class _Session:
    """Sign-in and the store, shared by `Workbook` and `Index`."""

    def __init__(
        self,
        cohort: str = "default",
        cohort_name: str = "",
        rating_scale: Sequence[str] = DEFAULT_SCALE,
        store: Any = None,
        auto_sign_in: bool | None = None,
        catalog: Catalog | None = None,
        **parameters: Any,
    ) -> None:
        if not COHORT_SLUG.match(cohort or ""):
            raise ValueError(
                f"cohort {cohort!r} is not a valid slug (letters, digits, '.', '-', '_')"
            )
        self.cohort = cohort
        self.cohort_name = str(cohort_name or "")
        self.scale = [str(s) for s in rating_scale]
        self.parameters = parameters
        self.catalog = catalog or load()
        self._store_location = store
        self._store: Any = None
        self._store_lock = threading.Lock()
        self._warming: threading.Timer | None = None
        self.learner = ""
        self.sign_in = SignIn()
        self.sign_in.on_submit(self.sign_in_as)
        self.sign_in.on_sign_out(self.sign_out)
        building = bool(os.environ.get("NOSWORKBOOK_BUILD"))
        if auto_sign_in is None:  # never while a cohort is being built
            auto_sign_in = not in_voila() and not building
        self._auto = auto_sign_in
        if not building:  # a build must not touch the store
            self._check_classroom()
        self.sign_in.show(self._prompt())

    def _start(self) -> None:
        """Sign in straight away where the learner is known (JupyterLab, JupyterHub), unless
        the cohort is in classroom mode: then every learner signs in with their code."""
        learner = default_learner() if self._auto and not self.classroom else ""
        if learner:
            self.sign_in_as(learner)

    @property
    def store(self) -> Any:
        with self._store_lock:  # the warming thread may be opening it
            if self._store is None:
                from nosworkbook.store import open_store

                self._store = open_store(self._store_location)
            return self._store

    @property
    def classroom(self) -> bool:
        """True when the cohort has access codes: signing in then needs the learner's code."""
        return self.sign_in.ask_code

    def _check_classroom(self) -> bool:
        """Ask the store whether the cohort has access codes; False if it cannot be asked.

        The store's database layer takes about 0.2 s to load. A kernel kept ready in a pool
        loads it now, before any learner arrives. Otherwise an SQLite store file is asked
        directly (`peek`), so the page does not wait for it, and under Voila the store is
        opened on a thread while the learner reads the page (`OPEN_STORE_AFTER_S`), so
        signing in does not wait either (thirty learners signing in at once would otherwise
        wait seconds)."""
        pooled = bool(os.environ.get(PRELOADED_FOR))
        known = None if pooled else peek.has_access_codes(self._store_location, self.cohort)
        if known is not None:
            self.sign_in.ask_code = known
            if in_voila():
                self._open_store_soon()
            return known
        try:
            self.sign_in.ask_code = self.store.has_access_codes(self.cohort)
        except Exception:  # reported when the learner signs in
            logger.debug("could not check for access codes", exc_info=True)
        return self.sign_in.ask_code

    def _open_store_soon(self) -> None:
        def open_store() -> None:
            try:
                self.store  # noqa: B018 (opens it)
            except Exception:  # reported when the learner signs in
                logger.debug("could not open the store ahead of sign-in", exc_info=True)

        self._warming = threading.Timer(OPEN_STORE_AFTER_S, open_store)
        self._warming.name, self._warming.daemon = "nosworkbook-store", True
        self._warming.start()

    def _prompt(self) -> str:
        if self.classroom:
            return "Type your learner id and access code, then choose Sign in."
        return "Type your learner id and choose Sign in."

    def sign_in_as(self, learner: str, code: str = "") -> bool:
        """Load `learner`'s answers; returns False (and says why) if that is not possible.

        In classroom mode `code` must be the learner's access code. Whoever was signed in is
        signed out first, so a failed attempt leaves nobody's answers on screen.
        """
        if not valid_learner(learner):
            self.sign_in.show(f"{learner!r} is not a valid learner id.", error=True)
            return False
        self._drop()
        try:
            classroom = self.store.has_access_codes(self.cohort)
        except Exception as exc:  # the store is unreachable or unusable: say so, keep nothing
            logger.debug("could not open the store", exc_info=True)
            return self._refuse(f"Your saved answers could not be loaded: {exc}")
        self.sign_in.ask_code = classroom
        if classroom and not self._code_matches(learner, code):
            return False
        try:
            saved = self._load(learner)
        except Exception as exc:  # the store is unreachable or unusable: say so, keep nothing
            logger.debug("could not load answers", exc_info=True)
            return self._refuse(f"Your saved answers could not be loaded: {exc}")
        self.learner = learner
        self.sign_in.learner = learner
        self.sign_in.signed_in = learner
        self._show(saved)
        self.sign_in.show(f"Signed in as {learner}. {self._greeting(saved)}")
        return True

    def _code_matches(self, learner: str, code: str) -> bool:
        """Classroom mode: the learner is on the roster and `code` is theirs. One message
        for every mismatch, so it never says whether the id or the code was wrong."""
        wait = THROTTLE.wait()
        if wait:
            return self._refuse(_locked_out(wait))
        try:
            allowed = self.store.verify_access(self.cohort, learner, code)
        except Exception as exc:
            logger.debug("could not check the access code", exc_info=True)
            return self._refuse(f"Your access code could not be checked: {exc}")
        if allowed:
            THROTTLE.succeeded()
            return True
        logger.info("a sign-in to cohort %s did not match", self.cohort)
        message = NO_MATCH
        if THROTTLE.failed():
            message += " " + _locked_out(THROTTLE.wait())
        return self._refuse(message)

    def _drop(self) -> None:
        """Nobody is signed in: widgets cleared and disabled, nothing saved."""
        self._clear()
        self.learner = ""
        self.sign_in.signed_in = ""

    def _refuse(self, message: str) -> bool:
        self.sign_in.show(message, error=True)
        return False

    def sign_out(self) -> None:
        self._drop()
        self.sign_in.learner = ""
        self.sign_in.show("Signed out. " + self._prompt())

    # Subclasses fill these in.
    def _load(self, learner: str) -> dict[str, Any]:
        raise NotImplementedError

    def _show(self, saved: dict[str, Any]) -> None:
        raise NotImplementedError

    def _clear(self) -> None:
        raise NotImplementedError

    def _greeting(self, saved: dict[str, Any]) -> str:
        return "Your saved answers are shown below." if saved else "Nothing saved yet."


def tutor_notes(exercise_id: str) -> str:
    """Model answer and marking notes as HTML, for the tutor edition."""
    from nosworkbook.exercises import answers

    entry = answers.for_unit(exercise_id.split(".", 1)[0]).get(exercise_id)
    if not entry:
        return markdown_html("No model answer has been written for this exercise yet.")
    lines = ["**Model answer**", ""]
    for name, value in entry["model_answer"].items():
        shown = " → ".join(value) if isinstance(value, list) else value
        lines.append(f"- {name}: {shown}")
    lines += ["", "**Marking notes**", "", str(entry.get("marking_notes", "")).strip()]
    return markdown_html("\n".join(lines))


class Workbook(_Session):
    """One unit's workbook: checklists of its criteria saved per learner and cohort."""

    def __init__(
        self,
        urn: str,
        organisation: str = "",
        sector: str = "general",
        edition: str = "learner",
        risk_matrix: Any = "3x3",
        due: Any = None,
        **kwargs: Any,
    ) -> None:
        if edition not in ("learner", "tutor"):
            raise ValueError(f"edition {edition!r} must be 'learner' or 'tutor'")
        super().__init__(**kwargs)
        self.edition = edition
        self.due = due
        self.setting = Setting(
            organisation=organisation or "", sector=sector, risk_matrix=risk_matrix
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
            notes = tutor_notes(exercise.id) if edition == "tutor" else ""
            widget = ExerciseWidget(exercise, tutor_html=notes, disabled=True)
            widget.on_attempt(self._save_attempt)
            self.exercises[exercise.id] = widget
        heading = f"Progress in {self.unit.urn}"
        if due:
            heading += f", due by {_day(due)}"
        self.progress = ProgressSummary(heading=heading, top=self.scale[-1])
        self._update_progress()
        self._start()

    @property
    def about(self) -> About:
        """An "About this workbook" banner: cohort, organisation, sector, edition, scale, due."""
        return About(
            _about_lines(
                self.cohort,
                self.cohort_name,
                self.setting.organisation,
                self.setting.sector,
                self.edition,
                self.scale,
                self.setting.risk_matrix,
                self.due,
            )
        )

    @property
    def checklists(self) -> tuple[Checklist, Checklist]:
        return (self.performance, self.knowledge)

    def exercise(self, exercise_id: str) -> ExerciseWidget:
        """The widget for one of this unit's exercises, by its stable id."""
        return self.exercises[exercise_id]

    def _load(self, learner: str) -> dict[str, Any]:
        records = self.store.load(self.cohort, learner, urn=self.unit.urn)
        saved: dict[str, Any] = {
            cid: {"rating": r.rating, "evidence": r.evidence, "changed": r.changed_at}
            for cid, r in records.items()
        }
        for exercise_id in self.exercises:
            attempt = self.store.latest_attempt(self.cohort, learner, exercise_id)
            if attempt is not None:
                saved[exercise_id] = attempt
        return saved

    def _show(self, saved: dict[str, Any]) -> None:
        for checklist in self.checklists:
            checklist.set_values(saved)
            checklist.disabled = False
        for exercise_id, widget in self.exercises.items():
            attempt = saved.get(exercise_id)
            widget.restore(attempt.answer if attempt is not None else None)
            if attempt is not None:
                widget.checked_at = attempt.attempted_at.isoformat(timespec="seconds")
            widget.disabled = False
        self._update_progress()

    def _clear(self) -> None:
        for checklist in self.checklists:
            checklist.clear()
            checklist.disabled = True
        for widget in self.exercises.values():
            widget.clear()
            widget.disabled = True
        self._update_progress()

    def _save_attempt(self, exercise_id: str, answer: dict[str, Any], result: Any) -> None:
        if not self.learner:
            return
        self.store.save_attempt(self.cohort, self.learner, exercise_id, answer, result.score)

    def _save(self, criterion: str, rating: str | None, evidence: str) -> None:
        """Called once per learner edit: write it to the store before anything else."""
        if not self.learner:
            return
        try:
            self.store.save(
                cohort=self.cohort,
                learner=self.learner,
                criterion=criterion,
                rating=rating,
                evidence=evidence,
            )
        except Exception as exc:
            logger.debug("could not save %s", criterion, exc_info=True)
            self.sign_in.show(
                f"Your last change to {criterion.split('.')[1]} could not be saved: {exc}. "
                "Please tell your tutor.",
                error=True,
            )
            raise  # the checklist marks the item as not saved
        self._update_progress()

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


class Index(_Session):
    """The index notebook: every unit with the signed-in learner's progress in it."""

    def __init__(self, units: Iterable[str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        wanted = set(units) if units is not None else None
        self.units = [u for u in self.catalog if wanted is None or u.urn in wanted]
        self.progress = ProgressSummary(heading="Your progress in each unit", top=self.scale[-1])
        self._show({})
        self._start()

    @property
    def about(self) -> About:
        """The same banner as a unit workbook's, from the parameters the index was given."""
        get = self.parameters.get
        return About(
            _about_lines(
                self.cohort,
                self.cohort_name,
                str(get("organisation") or ""),
                str(get("sector") or "general"),
                str(get("edition") or "learner"),
                self.scale,
                get("risk_matrix") or "3x3",
                get("due"),
            )
        )

    def _load(self, learner: str) -> dict[str, Any]:
        return {
            cid: r.rating for cid, r in self.store.load(self.cohort, learner).items() if r.rating
        }

    def _show(self, saved: dict[str, Any]) -> None:
        top = self.scale[-1]
        rows = []
        for unit in self.units:
            ids = [c.id for c in unit.criteria]
            rows.append(
                {
                    "label": f"{unit.urn} {unit.title}",
                    "href": f"{unit.urn}.ipynb",
                    "done": sum(1 for cid in ids if saved.get(cid) == top),
                    "rated": sum(1 for cid in ids if cid in saved),
                    "total": len(ids),
                }
            )
        self.progress.rows = rows
        self.progress.note = "" if self.learner or saved else "Sign in to see your progress."

    def _clear(self) -> None:
        self._show({})
