"""Catalog -> workbooks: one notebook per unit and an index, built with nbformat.

Notebooks are thin views: markdown that reads in any viewer, and code cells of a line or two
that call `nosworkbook.workbook`. Output is deterministic (fixed cell ids, no outputs, no
timestamps), so `--check` can compare bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

from nosworkbook import ids
from nosworkbook.catalog import Catalog, Unit, load
from nosworkbook.catalog.model import display_date, partial_date_end
from nosworkbook.files import write_text_atomic
from nosworkbook.settings import call_arguments, parameters_cell

PARAMETERS = parameters_cell()

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def md_escape(text: str) -> str:
    """Escape characters that markdown would read as formatting, keeping the words."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _cell(kind: str, cell_id: str, source: str, tags: tuple[str, ...] = ()) -> NotebookNode:
    maker = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
    cell = maker(source=source, id=cell_id)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def _notebook(cells: list[NotebookNode], title: str) -> NotebookNode:
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "title": title,
    }
    return nb


def unit_notebook(unit: Unit, today: date | None = None) -> NotebookNode:
    """The workbook for one unit, following the notebook anatomy in docs/DESIGN.md."""
    today = today or date.today()
    title = [
        f"# {unit.urn}: {md_escape(unit.title)}",
        "",
        f"**Competence area:** {md_escape(unit.competence_area)}  ",
        f"**Original URNs:** {', '.join(unit.original_urns)}  ",
        f"**Version:** {unit.version}, approved {display_date(unit.date_approved)}; "
        f"indicative review date {display_date(unit.indicative_review_date)}",
    ]
    if today > partial_date_end(unit.indicative_review_date):
        title += [
            "",
            f"> **Please note:** this standard was due for review by "
            f"{display_date(unit.indicative_review_date)}. It is shown as published in "
            f"{display_date(unit.date_approved)}; check with your tutor that it is still current.",
        ]
    overview = ["## Overview", ""] + [md_escape(p) + "\n" for p in unit.overview.split("\n\n")]
    cells = [
        _cell("markdown", "title", "\n".join(title)),
        _cell("code", "parameters", PARAMETERS, tags=("parameters",)),
        _cell("markdown", "overview", "\n".join(overview).rstrip()),
        _cell(
            "code",
            "setup",
            "from nosworkbook.workbook import Workbook\n\nworkbook = Workbook(\n"
            f"{call_arguments(json.dumps(unit.urn))}\n)",
        ),
        _cell("code", "about", "workbook.about"),
        _cell(
            "markdown",
            "sign-in-intro",
            "## Sign in\n\nSign in with your learner id to see and save your answers. "
            "Your ratings and notes are saved as you go.",
        ),
        _cell("code", "sign-in", "workbook.sign_in"),
        _cell(
            "markdown",
            "performance-intro",
            f"## You must be able to\n\nRate yourself against each of the "
            f"{len(unit.performance)} performance criteria and note your evidence.",
        ),
        _cell("code", "performance", "workbook.performance"),
        _cell(
            "markdown",
            "knowledge-intro",
            f"## You need to know and understand\n\nRate yourself against each of the "
            f"{len(unit.knowledge)} knowledge items and note your evidence.",
        ),
        _cell("code", "knowledge", "workbook.knowledge"),
        *_exercise_cells(unit),
        _cell("markdown", "progress-intro", "## Your progress"),
        _cell("code", "progress", "workbook.progress"),
    ]
    return _notebook(cells, f"{unit.urn} {unit.title}")


def _exercise_cells(unit: Unit) -> list[NotebookNode]:
    """A heading naming each exercise and the criteria it evidences, then its widget.

    The heading is the only copy of the title and criteria (the widget shows neither; its
    region is named after the title): it reads in a viewer without a kernel and is listed in
    JupyterLab's table of contents."""
    from nosworkbook.exercises import for_unit

    exercises = for_unit(unit.urn)
    if not exercises:
        return []
    cells = [
        _cell(
            "markdown",
            "exercises-intro",
            "## Scenario exercises\n\nPractise on realistic situations. Choose "
            "**Check my answer** for feedback; your latest answer is saved.",
        )
    ]
    for exercise in exercises:
        slug = ids.local(exercise.id)
        short = ", ".join(ids.local(c) for c in exercise.criteria)
        cells.append(
            _cell(
                "markdown",
                f"exercise-{slug}-intro",
                f"### {md_escape(exercise.title)}\n\nEvidences {short}.",
            )
        )
        cells.append(_cell("code", f"exercise-{slug}", f'workbook.exercise("{exercise.id}")'))
    return cells


def index_notebook(catalog: Catalog) -> NotebookNode:
    """The index: every unit as a link (readable anywhere) and the learner's progress."""
    rows = ["| Unit | Title | Competence area |", "| --- | --- | --- |"]
    rows += [
        f"| [{u.urn}]({u.urn}.ipynb) | {md_escape(u.title)} | {md_escape(u.competence_area)} |"
        for u in catalog
    ]
    cells = [
        _cell(
            "markdown",
            "title",
            f"# {md_escape(catalog.suite)} workbooks\n\n"
            f"One workbook for each of the {len(catalog)} units of the {md_escape(catalog.suite)} "
            f"National Occupational Standards ({catalog.published}). Sign in to see your progress.",
        ),
        _cell(
            "code",
            "parameters",
            PARAMETERS + "\nunits = None  # the units to list; None lists every unit",
            tags=("parameters",),
        ),
        _cell(
            "code",
            "setup",
            "from nosworkbook.workbook import Index\n\nindex = Index(\n"
            f"{call_arguments('units=units')}\n)",
        ),
        _cell("code", "about", "index.about"),
        _cell("code", "sign-in", "index.sign_in"),
        _cell("code", "progress", "index.progress"),
        _cell("markdown", "units", "## All units\n\n" + "\n".join(rows)),
    ]
    return _notebook(cells, f"{catalog.suite} workbooks")


TUTOR_SECTIONS = (
    (
        "heat-map",
        "Ratings and sign-offs by unit",
        "For each learner and unit: the share of the unit's criteria rated at the top of the "
        "scale, and the share a tutor has signed off.",
    ),
    (
        "weakest",
        "Where to teach next",
        "The criteria most learners rate at the bottom of the scale, with how many do.",
    ),
    (
        "progress",
        "Progress against the due date",
        "Each learner's share of criteria rated at the top of the scale, against the share of "
        "the time elapsed.",
    ),
    (
        "exercise-scores",
        "Exercise scores",
        "Each learner's latest score in each exercise, as stored when they checked it.",
    ),
    (
        "distance-travelled",
        "Distance travelled",
        "How far each learner's self-ratings have moved in each unit, from first to latest.",
    ),
)
"""The dashboard's sections: cell id and `Dashboard` method, heading, what it shows."""


def tutor_notebook() -> NotebookNode:
    """The tutor's dashboard: where the cohort stands, read from the store when it runs."""
    cells = [
        _cell(
            "markdown",
            "title",
            "# The tutor's dashboard\n\nWhere the cohort stands, as the progress store holds "
            "it when this notebook runs: ratings and sign-offs by unit, where to teach next, "
            "progress against the due date, exercise scores and distance travelled; then the "
            "sign-off form, which records tutors' decisions. Nothing here changes what "
            "learners have saved.",
        ),
        _cell(
            "code",
            "parameters",
            PARAMETERS
            + "\nunits = None  # the cohort's units; None shows every unit"
            + '\nlearners = None  # the roster, [{"id": ..., "name": ...}]; None: everyone '
            "with saved work"
            + '\ntutors = None  # the cohort\'s tutors, [{"id": ..., "name": ...}]: they sign in',
            tags=("parameters",),
        ),
        _cell(
            "code",
            "setup",
            "from nosworkbook.portfolio.dashboard_page import Dashboard\n\ndashboard = Dashboard(\n"
            f"{call_arguments('units=units, learners=learners, tutors=tutors')}\n)",
        ),
        _cell(
            "markdown",
            "sign-in-intro",
            "## Sign in\n\nTutors sign in with their tutor id and, where tutors have them, the "
            "access code `nosworkbook cohort codes` gave them. Through the classroom server "
            "nothing is shown until a tutor has signed in.",
        ),
        _cell("code", "sign-in", "dashboard.sign_in()"),
        _cell("code", "heading", "dashboard.heading()"),
    ]
    for name, heading, intro in TUTOR_SECTIONS:
        cells.append(_cell("markdown", f"{name}-intro", f"## {heading}\n\n{intro}"))
        cells.append(_cell("code", name, f"dashboard.{name.replace('-', '_')}()"))
    cells.append(
        _cell(
            "markdown",
            "review-intro",
            "## Sign off or return criteria\n\nChoose a learner and a unit to see each "
            "criterion with the learner's rating, evidence note and exercise scores. Sign it off, "
            "or return it with feedback the learner will see in their workbook. Every decision "
            "is kept, with your id and the time, in a log nothing can change.",
        )
    )
    cells.append(_cell("code", "review", "dashboard.review()"))
    return _notebook(cells, "The tutor's dashboard")


def render(nb: NotebookNode) -> str:
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def workbook_texts(catalog: Catalog | None = None, today: date | None = None) -> dict[str, str]:
    """File name -> notebook text for every workbook and the index."""
    catalog = catalog or load()
    texts = {f"{u.urn}.ipynb": render(unit_notebook(u, today)) for u in catalog}
    texts["index.ipynb"] = render(index_notebook(catalog))
    return texts


def generate(
    out: str | Path,
    catalog: Catalog | None = None,
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write every workbook into `out`; files already up to date are left alone."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in workbook_texts(catalog, today).items():
        path = out / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            write_text_atomic(path, text)
            written.append(path)
        if progress:
            progress(name)
    return written


def stale(out: str | Path, catalog: Catalog | None = None, today: date | None = None) -> list[str]:
    """Workbooks in `out` that are missing or differ from what `generate` would write."""
    out = Path(out)
    found = []
    for name, text in workbook_texts(catalog, today).items():
        path = out / name
        if not path.exists():
            found.append(f"{path}: missing")
        elif path.read_text(encoding="utf-8") != text:
            found.append(f"{path}: out of date")
    return found
