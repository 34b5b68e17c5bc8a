"""The tutor's dashboard page: what `tutor.ipynb`'s one-line cells call.

`Dashboard` reads the store once (`read_cohort`), so every section agrees with every other,
and each method returns one section: HTML for notebooks (tables whose cells say their figures
in words, charts with alt text, each followed by a table giving the same figures) and plain
text for other viewers. Everything shown goes through `_html`, which escapes it, so a name or
a criterion is always text. The figures are worked out in `dashboard`.

Nothing is read in a cohort build (a build never touches the store). Under Voila (the
classroom server shows the page to anyone who can reach it) nothing is read, and nothing of
the cohort is sent to the page, until one of the cohort's tutors has signed in with a tutor's
access code (`Session` with role "tutor"): each section is then a widget, empty until then
and emptied again on sign-out. In JupyterLab the sections are read when the notebook runs,
as before; signing in there is needed only to sign off (`review`).
"""

from __future__ import annotations

import base64
import functools
import io
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, tzinfo
from html import escape
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from IPython.display import HTML

from nosworkbook import runtime
from nosworkbook.catalog import Catalog, load
from nosworkbook.cohorts import Learner
from nosworkbook.portfolio.dashboard import (
    MARGIN,
    RULE,
    WEAKEST_SHOWN,
    CohortData,
    LearnerData,
    cohort_travel,
    distance_travelled,
    exercise_scores,
    heat_map,
    progress,
    weakest,
)
from nosworkbook.portfolio.records import listed_exercises
from nosworkbook.portfolio.render import when
from nosworkbook.portfolio.review import Person, ReviewDesk
from nosworkbook.settings import day_words, read_parameters
from nosworkbook.store.errors import StoreError
from nosworkbook.widgets.review import Review
from nosworkbook.workbook.session import Session

if TYPE_CHECKING:
    from nosworkbook.catalog import Unit
    from nosworkbook.store import Store
    from nosworkbook.store.location import Location

SIGN_IN_FIRST = (
    "Sign in above as one of the cohort's tutors, with your tutor's access code, to see the "
    "cohort's figures."
)
BUILT = (
    "This copy was made by a cohort build, which never reads the progress store: open "
    "tutor.ipynb in JupyterLab and run it to see the cohort's progress."
)
NOTHING_SAVED = (
    "Nobody in this cohort has saved a rating or a note, checked an exercise or been signed "
    "off yet."
)
NOTHING_YET = "Nothing to show yet."

SHADES = (
    (100, "#cdebc5", "light green"),
    (50, "#fff2b3", "light yellow"),
    (1, "#fde0c5", "light orange"),
)
"""Heat map shading by the share rated at the top (at least this much): an extra only, behind
black text (contrast above 15:1), since every cell says its figures in words."""
COLOURS = ("#1f4e79", "#a14a00")  # chart bars: 9:1 and 5.9:1 against white
HATCHES = ("", "//")  # so the two series differ without colour too
LABEL_CHARACTERS = 40  # a chart's labels are cut to this; the table gives them whole


def _uk() -> tzinfo:
    """UK time, for counting days as the tutor does; UTC where the time zone data is missing."""
    try:
        return ZoneInfo("Europe/London")
    except ZoneInfoNotFoundError:
        return UTC


# -- what a section holds, and how it is shown ---------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A table cell: plain text (lines shown one under another), with an optional shade."""

    text: str
    shade: str = ""


@dataclass(frozen=True)
class Table:
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str | Cell, ...], ...]  # the first cell of each row is its header


@dataclass(frozen=True)
class Para:
    text: str
    strong: str = ""  # words shown in bold before the text


@dataclass(frozen=True)
class Chart:
    png: bytes
    alt: str


Block = Table | Para | Chart


def _cell(value: str | Cell) -> Cell:
    return value if isinstance(value, Cell) else Cell(value)


def _lines(text: str) -> str:
    return "<br>".join(escape(line) for line in text.split("\n"))


def _html(blocks: Iterable[Block]) -> str:
    """The blocks as HTML; every piece of text is escaped here and nowhere else."""
    parts = []
    for block in blocks:
        if isinstance(block, Para):
            bold = f"<strong>{escape(block.strong)}</strong> " if block.strong else ""
            parts.append(f"<p>{bold}{_lines(block.text)}</p>")
        elif isinstance(block, Chart):
            data = base64.b64encode(block.png).decode("ascii")
            parts.append(
                f'<figure><img src="data:image/png;base64,{data}" '
                f'alt="{escape(block.alt, quote=True)}" style="max-width:100%"></figure>'
            )
        else:
            head = "".join(f'<th scope="col">{escape(h)}</th>' for h in block.headers)
            body = []
            for row in block.rows:
                first, *rest = (_cell(value) for value in row)
                cells = [f'<th scope="row">{_lines(first.text)}</th>']
                for cell in rest:
                    style = f' style="background:{cell.shade};color:#000"' if cell.shade else ""
                    cells.append(f"<td{style}>{_lines(cell.text)}</td>")
                body.append(f"<tr>{''.join(cells)}</tr>")
            parts.append(
                f'<table class="nosw-dashboard"><caption>{escape(block.caption)}</caption>'
                f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            )
    return "".join(parts)


def _text(blocks: Iterable[Block]) -> str:
    """The blocks as plain text, for viewers that show no HTML."""
    lines = []
    for block in blocks:
        if isinstance(block, Para):
            lines.append(f"{block.strong} {block.text}".strip())
        elif isinstance(block, Chart):
            lines.append(f"Chart: {block.alt}")
        else:
            lines.append(block.caption)
            for row in block.rows:
                cells = [_cell(value).text.replace("\n", ", ") for value in row]
                lines.append(
                    "- " + "; ".join(f"{h}: {c}" for h, c in zip(block.headers, cells, strict=True))
                )
    return "\n".join(lines)


CSS = (
    "<style>div.nosw-dashboard { line-height: 1.5; } .jp-RenderedHTMLCommon div.nosw-dashboard "
    "th, .jp-RenderedHTMLCommon div.nosw-dashboard td, div.nosw-dashboard th, div.nosw-dashboard "
    "td { text-align: left; vertical-align: top; } div.nosw-dashboard caption "
    "{ text-align: left; font-weight: 600; }</style>"
)
"""Text reads from the left, as in the reports (a notebook's tables align numbers right)."""


class Section(HTML):
    """One part of the dashboard: HTML in a notebook, plain text anywhere else."""

    def __init__(self, blocks: Sequence[Block]) -> None:
        self.blocks = list(blocks)
        self.text = _text(self.blocks)
        super().__init__(f'<div class="nosw-dashboard">{CSS}{_html(self.blocks)}</div>')

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    def _repr_pretty_(self, printer: Any, _cycle: bool) -> None:
        printer.text(self.text)


# -- charts --------------------------------------------------------------------------------


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARACTERS else text[: LABEL_CHARACTERS - 1] + "…"


@dataclass(frozen=True)
class Bars:
    """A horizontal bar chart: one row per label, one bar per series."""

    labels: Sequence[str]
    series: Sequence[tuple[str, Sequence[float]]]
    xlabel: str
    xmax: float
    ticks: Sequence[tuple[float, str]] = ()
    band: tuple[float, float, float, str] | None = None  # around a line: low, line, high, label
    legend: bool = True


def chart(bars: Bars) -> bytes:
    """The chart as a PNG. Labels are text, never mathematics (a `$` in a name stays a `$`)."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context({"text.parse_math": False, "font.size": 10}):
        rows = len(bars.labels)
        height = 1.6 + 0.3 * rows * max(1, len(bars.series))
        labels = [_short(label) for label in bars.labels]
        # Margins worked out from the labels, not by a layout engine: matplotlib's constrained
        # layout took a third of a tall chart's time. Inches, at 10 pt (about 0.085 in a letter).
        left = 0.3 + 0.085 * max((len(label) for label in labels), default=4)
        top = 0.55 if bars.legend else 0.2
        bottom = 0.75
        last_tick = bars.ticks[-1][1] if bars.ticks else str(int(bars.xmax))
        right = max(0.25, 0.1 + 0.085 * len(last_tick) / 2)  # half the last tick's label
        figure = Figure(figsize=(8, height), dpi=100)
        figure.subplots_adjust(
            left=left / 8, right=1 - right / 8, top=1 - top / height, bottom=bottom / height
        )
        axes = figure.add_subplot()
        width = 0.8 / len(bars.series)
        for k, (name, values) in enumerate(bars.series):
            places = [i - 0.4 + width * (k + 0.5) for i in range(rows)]
            axes.barh(
                places,
                values,
                height=width,
                label=name,
                color=COLOURS[k % len(COLOURS)],
                hatch=HATCHES[k % len(HATCHES)],
                edgecolor="#000000",
                linewidth=0.5,
            )
        if bars.band is not None:
            low, line, high, label = bars.band
            # behind the bars (zorder), so a bar inside the band still shows
            axes.axvspan(max(low, 0), min(high, bars.xmax), color="#d9d9d9", label=label, zorder=0)
            axes.axvline(line, color="#000000", linestyle="--", linewidth=1.5, zorder=3)
        axes.set_yticks(range(rows), labels=labels)
        axes.set_ylim(rows - 0.5, -0.5)  # the first label at the top, no empty rows around
        axes.set_xlim(0, bars.xmax)
        axes.set_xlabel(bars.xlabel)
        if bars.ticks:
            axes.set_xticks([t for t, _ in bars.ticks], labels=[label for _, label in bars.ticks])
        if bars.legend:
            figure.legend(loc="upper center", ncols=3, frameon=False)
        out = io.BytesIO()
        figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


# -- reading the store ---------------------------------------------------------------------


def read_cohort(
    store: Store,
    *,
    slug: str,
    name: str,
    scale: Sequence[str],
    due: date | None,
    units: Sequence[Unit],
    exercises: Mapping[str, str],
    roster: Sequence[Learner],
    now: datetime,
) -> CohortData:
    """What the store holds for the cohort's learners: the roster's, in its order, or with no
    roster everyone who has saved a rating or an attempt in the cohort. One read of the
    cohort's summary (`Store.cohort_summary`): the database picks each criterion's first and
    latest rating and each exercise's latest score, so no note, answer or superseded row is
    read."""
    held = store.cohort_summary(slug, scale)
    people = [(entry.id, entry.name) for entry in roster] or [
        (learner, "") for learner, found in held.items() if found.ratings or found.scores
    ]  # as `Store.learners`: an erased learner's sign-offs, kept under a pseudonym, are no one
    learners = tuple(LearnerData.of(who, label, held.get(who)) for who, label in people)
    return CohortData(
        slug=slug,
        name=name,
        scale=tuple(scale),
        due=due,
        units=tuple(units),
        exercises=dict(exercises),
        learners=learners,
        now=now,
    )


def _open(location: Location | None) -> tuple[Store | None, str]:
    """The store, or None and why not: a dashboard never creates one. On the hub, the store
    service (whose answers are the cohort's only for its tutors)."""
    from nosworkbook.store import Store
    from nosworkbook.store.location import resolve_location, sqlite_path
    from nosworkbook.store.peek import configured_location
    from nosworkbook.store.remote import RemoteStore, is_service

    named = configured_location() if location is None else location
    if is_service(named):
        return RemoteStore(str(named)), ""  # type: ignore[return-value]

    url = resolve_location(location)
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return None, f"There is no progress store at {path} yet, so nobody has saved anything."
    return Store(url), ""


# -- the page ------------------------------------------------------------------------------


def _q(label: str) -> str:
    """A scale label quoted, so a label such as Yes reads as one."""
    return f'"{label}"'


def _plural(count: int, word: str, words: str = "") -> str:
    return f"{count} {word}" if count == 1 else f"{count} {words or word + 's'}"


def _signed(value: int) -> str:
    return f"+{value}" if value > 0 else str(value)


def _shade(top: int) -> str:
    return next((colour for least, colour, _ in SHADES if top >= least), "")


SHOWS_SIGN_OFFS = frozenset({"heat_map"})
"""The sections a sign-off changes: redrawn after each (the charts of the others take time)."""

SectionMethod = TypeVar("SectionMethod", bound=Any)


WARM_UP_AFTER_S = 2.0
"""Under Voila, what the figures need (the database layer, matplotlib: about a second) is
imported this long after the page is made, while the tutor types their id and code, so the
figures are not kept waiting for it when they sign in."""


def _warm_up_soon(after: float = WARM_UP_AFTER_S) -> None:
    """Import the charts' and the store's modules in the background, `after` seconds from now."""

    def warm_up() -> None:
        try:
            import matplotlib.figure  # noqa: F401

            import nosworkbook.store.database  # noqa: F401
        except Exception:  # the sign-in will say what is wrong
            pass

    timer = threading.Timer(after, warm_up)
    timer.name, timer.daemon = "nosworkbook-dashboard-warm-up", True
    timer.start()


def live(method: SectionMethod) -> SectionMethod:
    """A section that, under Voila, is a widget filled in once a tutor has signed in."""

    @functools.wraps(method)
    def section(self: Dashboard) -> Any:
        if not self.live:
            return method(self)
        from ipywidgets import HTML as HTMLWidget

        widget = HTMLWidget(layout={"width": "100%"})
        widget.add_class("jp-RenderedHTMLCommon")  # as a notebook's own output would look
        widget.add_class("nosw-dashboard-section")
        self._slots.append((widget, method))
        self._fill(widget, method)
        return widget

    return section  # type: ignore[return-value]


class Dashboard:
    """The tutor's dashboard for one cohort, read from the store when it is made.

    `units`: the cohort's units (None: every unit); `learners`: the roster as the cohort file
    gives it (`[{"id", "name"}]`; empty: everyone the store holds work for); the rest are the
    workbook parameters, checked as a workbook checks them.
    """

    def __init__(
        self,
        units: Iterable[str] | None = None,
        learners: Iterable[Mapping[str, str]] | None = None,
        tutors: Iterable[Mapping[str, str]] | None = None,
        *,
        catalog: Catalog | None = None,
        now: datetime | None = None,
        **parameters: Any,
    ) -> None:
        self.parameters = settings = read_parameters(parameters)
        catalog = catalog or load()
        wanted = set(units) if units is not None else None
        chosen = tuple(unit for unit in catalog if wanted is None or unit.urn in wanted)
        missing = sorted((wanted or set()) - {unit.urn for unit in chosen})
        if missing:
            raise ValueError(f"units: {', '.join(missing)} are not in the catalog")
        roster = tuple(Learner.model_validate(entry) for entry in learners or ())
        self.tutors = tuple(Learner.model_validate(entry) for entry in tutors or ())
        self.catalog, self.roster = catalog, roster
        self._evidencing = listed_exercises(unit.urn for unit in chosen)
        exercises = {e.id: e.title for e in self._evidencing}
        self.now = now or datetime.now(UTC)
        self.live = runtime.in_voila() and not runtime.building()
        self._slots: list[tuple[Any, Any]] = []
        self._session: Session | None = None
        self._desk: ReviewDesk | None = None
        self.notice = ""  # why nothing is shown, when nothing is
        self.read = False  # whether the figures come from the store
        blank = CohortData(
            slug=settings.cohort,
            name=settings.cohort_name,
            scale=tuple(settings.rating_scale),
            due=settings.due,
            units=chosen,
            exercises=exercises,
            learners=tuple(LearnerData.of(p.id, p.name, None) for p in roster),
            now=self.now,
        )
        self.data = self._blank = blank
        if self.live:
            self.notice = SIGN_IN_FIRST
            _warm_up_soon()
        elif runtime.building():
            self.notice = BUILT
        else:
            _warm_up_soon(after=0)  # matplotlib loads while the database works
            self._read(settings.store, blank, roster)
        if not self.notice and self.data.empty:
            self.notice = NOTHING_SAVED

    def _read(
        self, location: Location | None, blank: CohortData, roster: Sequence[Learner]
    ) -> None:
        try:
            store, why = _open(location)
            if store is None:
                self.notice = why
                return
            with store:
                self.data = read_cohort(
                    store,
                    slug=blank.slug,
                    name=blank.name,
                    scale=blank.scale,
                    due=blank.due,
                    units=blank.units,
                    exercises=blank.exercises,
                    roster=roster,
                    now=self.now,
                )
            self.read = True
        except StoreError as exc:  # damaged, foreign or unreachable: one line, for the tutor
            self.notice = f"The progress store could not be read: {exc}"

    @property
    def shown(self) -> bool:
        """Whether there are figures to show."""
        return not self.notice

    # -- signing in and signing off ---------------------------------------------------------

    @property
    def session(self) -> Session:
        """The tutor's sign-in: only the cohort's tutors, with a tutor's code under Voila."""
        if self._session is None:
            self._session = Session(
                self.parameters, self, role="tutor", people=[t.id for t in self.tutors]
            )
        return self._session

    def sign_in(self) -> Any:
        """The tutor's sign-in form (signing in at once where the tutor is known and tutors
        have no codes, in JupyterLab)."""
        session = self.session
        session.start()
        return session.sign_in

    def review(self) -> Review:
        """The sign-off form, empty until a tutor has signed in."""
        if self._desk is None:
            self._desk = ReviewDesk(
                Review(),
                cohort=self.data.slug,
                catalog=self.catalog,
                units=self.data.units,
                exercises=self._evidencing,
                learners=self._people,
                tutors={t.id: t.name for t in self.tutors if t.name},
                store=lambda: self.session.store,
                on_decided=self._decided,
            )
            if self._session is not None and self._session.learner:
                self._desk.open(self._session.learner)
        return self._desk.form

    def _people(self) -> list[Person]:
        if self.roster:
            return [Person(p.id, f"{p.name} ({p.id})" if p.name else p.id) for p in self.roster]
        learners = self.session.store.learners(self.data.slug)
        return [Person(learner, learner) for learner in learners]

    def _decided(self, learner: str) -> None:
        """A tutor decided on one of `learner`'s criteria: their sign-offs as the store holds
        them now, and the live sections again."""
        if not self.read:
            return
        states = self.session.store.sign_off_states(self.data.slug, learner)
        decisions = {criterion: state.action for criterion, state in states.items()}
        people = tuple(
            replace(person, decisions=decisions) if person.id == learner else person
            for person in self.data.learners
        )
        self.data = replace(self.data, learners=people)
        self._refresh(SHOWS_SIGN_OFFS)

    # `Page` for the session: what signing in and out does to the dashboard.

    def load(self, tutor: str) -> dict[str, Any]:
        """Under Voila the cohort's figures are read now, for the tutor who signed in."""
        if self.live:
            self.notice = ""
            self._read(self.parameters.store, self._blank, self.roster)
            if not self.notice and self.data.empty:
                self.notice = NOTHING_SAVED
        return {"tutor": tutor}

    def show(self, saved: dict[str, Any]) -> None:
        self._refresh()
        if self._desk is not None:
            self._desk.open(saved["tutor"])

    def clear(self) -> None:
        if self._desk is not None:
            self._desk.close()
        if self.live:
            self.data, self.read, self.notice = self._blank, False, SIGN_IN_FIRST
            self._refresh()

    def _fill(self, widget: Any, method: Any) -> None:
        widget.value = method(self).data

    def _refresh(self, only: frozenset[str] | None = None) -> None:
        for widget, method in self._slots:
            if only is None or method.__name__ in only:
                self._fill(widget, method)

    def _nothing(self) -> Section:
        return Section([Para(NOTHING_YET)])

    # -- the sections, in the order the notebook shows them --------------------------------

    @live
    def heading(self) -> Section:
        """Which cohort, what it covers, when the figures were read, and the pace rule."""
        if self.live and not self.read:  # under Voila, before a tutor signs in: nothing of it
            return Section([Para(self.notice, NOTHING_YET)])
        data = self.data
        name = data.name.strip() or data.slug
        due = f"due by {day_words(data.due)}" if data.due else "no due date"
        about = (
            f"{name} ({data.slug}): {_plural(len(data.learners), 'learner')}, "
            f"{_plural(len(data.units), 'unit')} ({_plural(data.criteria, 'criterion', 'criteria')}"
            f"), {due}. Rating scale: {' / '.join(data.scale)}; the top of the scale is "
            f"{_q(data.top)}."
        )
        if self.read:
            about += f" Read from the progress store on {when(self.now)}."
        blocks: list[Block] = [Para(about, "Cohort:")]
        if self.notice:
            blocks.append(Para(self.notice, NOTHING_YET))
        blocks.append(Para(RULE, "Behind, on track or ahead."))
        return Section(blocks)

    @live
    def heat_map(self) -> Section:
        """Learners by units: the share of each unit's criteria rated at the top, and signed off."""
        if not self.shown:
            return self._nothing()
        data = self.data
        headers = ("Learner", *(f"{unit.urn}: {unit.title}" for unit in data.units))
        rows = tuple(
            (
                row.learner.label,
                *(
                    Cell(
                        f"{data.top}: {cell.top}%\nSigned off: {cell.signed_off}%",
                        _shade(cell.top),
                    )
                    for cell in row.cells
                ),
            )
            for row in heat_map(data)
        )
        key = ", ".join(f"{words} from {least}%" for least, _, words in reversed(SHADES))
        return Section(
            [
                Table(
                    f"Share of each unit's criteria each learner rates {_q(data.top)}, and share "
                    "signed off by a tutor",
                    headers,
                    rows,
                ),
                Para(
                    f"Shading follows the share rated {_q(data.top)} and is only a guide: {key}; "
                    "none at 0%. Every cell gives its figures in words."
                ),
            ]
        )

    @live
    def weakest(self) -> Section:
        """The criteria most learners rate at the bottom of the scale: where to teach next."""
        if not self.shown:
            return self._nothing()
        data = self.data
        found = weakest(data)
        if not found:
            return Section([Para(f"No learner rates any criterion {_q(data.bottom)} at present.")])
        learners = len(data.learners)
        counts = [weak.count for weak in found]
        png = chart(
            Bars(
                labels=[weak.criterion for weak in found],
                series=[(f"Learners rating it {_q(data.bottom)}", counts)],
                xlabel=f"Learners rating it {_q(data.bottom)} (of {learners})",
                xmax=learners,
                ticks=[(n, str(n)) for n in range(learners + 1)],
                legend=False,
            )
        )
        ends = [f"{weak.criterion} ({_plural(weak.count, 'learner')})" for weak in found]
        span = f"from {ends[0]} to {ends[-1]}" if len(ends) > 1 else ends[0]
        alt = (
            f"Bar chart of the {_plural(len(found), 'criterion', 'criteria')} most learners rate "
            f"{_q(data.bottom)}: {span}. The table below gives every figure."
        )
        return Section(
            [
                Para(
                    f"Criteria most learners rate {_q(data.bottom)} now, most first (at most "
                    f"{WEAKEST_SHOWN}; criteria nobody rates "
                    f"{_q(data.bottom)} are left out)."
                ),
                Chart(png, alt),
                Table(
                    f"Criteria most learners rate {_q(data.bottom)}",
                    ("Criterion", "What it says", f"Learners rating it {_q(data.bottom)}"),
                    tuple((w.criterion, w.text, f"{w.count} of {learners}") for w in found),
                ),
            ]
        )

    @live
    def progress(self) -> Section:
        """Each learner's share rated at the top against the share of time elapsed to `due`."""
        data = self.data
        if data.due is None:
            return Section(
                [
                    Para(
                        "The cohort has no due date, so progress against time is not worked "
                        "out. Give the cohort file a due date (due: 2027-03-31) to see it."
                    )
                ]
            )
        if not self.shown:
            return self._nothing()
        found = progress(data, _uk())
        if found is None:
            return self._nothing()
        counts = {
            word: sum(row.pace == word for row in found.rows)
            for word in ("behind", "on track", "ahead")
        }
        png = chart(
            Bars(
                labels=[row.learner.name or row.learner.id for row in found.rows],
                series=[(f"Criteria rated {_q(data.top)}", [row.top for row in found.rows])],
                xlabel=f"Percentage of the cohort's {data.criteria} criteria rated {_q(data.top)}",
                xmax=100,
                band=(
                    found.elapsed - MARGIN,
                    found.elapsed,
                    found.elapsed + MARGIN,
                    f"On track: {found.elapsed}% of the time elapsed, give or take {MARGIN}",
                ),
            )
        )
        alt = (
            f"Bar chart of the share of criteria each of the {_plural(len(found.rows), 'learner')}"
            f" rates {_q(data.top)}, against {found.elapsed}% of the time elapsed: "
            f"{counts['behind']} behind, {counts['on track']} on track, {counts['ahead']} ahead. "
            "The table below gives every figure."
        )
        return Section(
            [
                Para(
                    f"{found.elapsed}% of the time has gone, counting whole days from "
                    f"{day_words(found.start)} (the first save by anyone in the cohort) to the "
                    f"due date, {day_words(found.due)}."
                ),
                Chart(png, alt),
                Table(
                    "Progress against the due date",
                    (
                        "Learner",
                        f"Criteria rated {_q(data.top)}",
                        "Time elapsed",
                        "Difference (points)",
                        "Pace",
                    ),
                    tuple(
                        (
                            row.learner.label,
                            f"{row.top}% ({row.top_count} of {row.total})",
                            f"{row.elapsed}%",
                            _signed(row.difference),
                            row.pace,
                        )
                        for row in found.rows
                    ),
                ),
            ]
        )

    @live
    def exercise_scores(self) -> Section:
        """Each learner's latest stored score in each exercise they have checked."""
        if not self.shown:
            return self._nothing()
        scores = exercise_scores(self.data)
        done = {score.learner.id for score in scores}
        blocks: list[Block] = []
        if scores:
            blocks.append(
                Table(
                    "Latest exercise scores, as stored when each learner last checked an answer",
                    ("Learner", "Exercise", "Latest score", "Checked"),
                    tuple(
                        (
                            s.learner.label,
                            f"{s.title} ({s.exercise})",
                            f"{s.percent}%",
                            when(s.attempted_at),
                        )
                        for s in scores
                    ),
                )
            )
        waiting = [learner.label for learner in self.data.learners if learner.id not in done]
        if waiting:
            blocks.append(Para(", ".join(waiting) + ".", "No exercise checked yet:"))
        return Section(blocks)

    @live
    def distance_travelled(self) -> Section:
        """Per learner and unit, the mean first and latest self-ratings, as scale positions."""
        if not self.shown:
            return self._nothing()
        data = self.data
        travelled = distance_travelled(data)
        positions = ", ".join(f"{i} {_q(label)}" for i, label in enumerate(data.scale, 1))
        blocks: list[Block] = [
            Para(
                f"Positions on the scale: {positions}. For each criterion a learner has rated, "
                "the first rating the store holds and the latest; means over the unit's rated "
                "criteria, to one decimal place."
            )
        ]
        units = cohort_travel(travelled)
        if not units:
            blocks.append(Para("No learner has rated a criterion yet."))
            return Section(blocks)
        scale = len(data.scale)
        png = chart(
            Bars(
                labels=[travel.unit for travel in units],
                series=[
                    ("First rating (mean)", [float(travel.first) for travel in units]),
                    ("Latest rating (mean)", [float(travel.latest) for travel in units]),
                ],
                xlabel="Mean position on the scale",
                xmax=scale,
                ticks=[(i, f"{i} {label}") for i, label in enumerate(data.scale, 1)],
            )
        )
        blocks += [
            Chart(
                png,
                f"Bar chart of the mean first and latest ratings in "
                f"{_plural(len(units), 'unit')}, as positions from 1 ({data.bottom}) to "
                f"{scale} ({data.top}), over every criterion any learner has rated. The table "
                "below gives every figure.",
            ),
            Table(
                "Mean first and latest ratings per unit, over every learner's rated criteria",
                ("Unit", "Criteria rated (all learners)", "First (mean)", "Latest (mean)"),
                tuple((t.unit, str(t.criteria), str(t.first), str(t.latest)) for t in units),
            ),
            Table(
                "Mean first and latest ratings per learner and unit",
                ("Learner", "Unit", "Criteria rated", "First (mean)", "Latest (mean)"),
                tuple(
                    (learner.learner.label, t.unit, str(t.criteria), str(t.first), str(t.latest))
                    for learner in travelled
                    for t in learner.units
                ),
            ),
        ]
        waiting = [learner.learner.label for learner in travelled if not learner.units]
        if waiting:
            blocks.append(Para(", ".join(waiting) + ".", "No rating yet:"))
        return Section(blocks)
