"""The tutor's dashboard: every figure from a seeded store against values worked out by hand,
the pace rule at its boundaries, an empty store, names kept as text, and a cohort build.

The seeded cohort has two units of 22 criteria each (INSCS011, INSCS024: 44 in all), a due
date of 31 March 2027, a first save on 1 January 2027 and the figures read on 13 January
2027: 12 of the 89 days have gone, 13.48%, shown as 13%.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import nbformat
import pytest

from nosworkbook.catalog import load
from nosworkbook.cohorts.build import build
from nosworkbook.generate import render, tutor_notebook
from nosworkbook.portfolio import dashboard as figures
from nosworkbook.portfolio.dashboard import (
    MARGIN,
    RULE,
    CohortData,
    LearnerData,
    elapsed_share,
    pace,
    weakest,
)
from nosworkbook.portfolio.dashboard_page import (
    BUILT,
    NOTHING_SAVED,
    SIGN_IN_FIRST,
    Bars,
    Dashboard,
    chart,
)
from nosworkbook.settings import parameter_names
from nosworkbook.store import Store
from nosworkbook.store import database as store_database

SLUG = "dash-2027-01"
UNITS = ["INSCS011", "INSCS024"]
TAG = "<b>x</b>"
ROSTER = [
    {"id": "a.khan", "name": "Aisha Khan"},
    {"id": "b.jones", "name": "Ben Jones"},
    {"id": "c.ross", "name": TAG},
]
FIRST_SAVE = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)
PARAMETERS: dict[str, Any] = {
    "cohort": SLUG,
    "cohort_name": "Dashboard test cohort",
    "due": "2027-03-31",
}
ASSUMPTION = "INSCS011.decision-assumption"
HANDOVER = "INSCS024.decision-shift-handover"


@pytest.fixture()
def seeded(tmp_path: Path, monkeypatch) -> Iterator[Path]:
    """Three learners' work, saved a minute apart from 09:00 on 1 January 2027.

    a.khan: INSCS011.PC1 Not yet then Competent (signed off), PC2 Developing then Competent
    (returned), PC3 Competent, KU1 Not yet; INSCS024.PC1 a note, then Developing; two attempts
    at INSCS011's exercise (0.125, then 0.625) and one at an exercise of another unit.
    b.jones: INSCS011.PC1 and KU1 Not yet, PC2 Not yet then Developing.
    c.ross (named <b>x</b>): every INSCS011 criterion and INSCS024's eleven PCs Competent,
    INSCS024.PC1 signed off, INSCS024's exercise scored 1.0.
    """
    readings: list[datetime] = []

    def tick() -> datetime:
        readings.append(FIRST_SAVE + timedelta(minutes=len(readings)))
        return readings[-1]

    monkeypatch.setattr(store_database, "_now", tick)
    path = tmp_path / "progress.sqlite"
    with Store(path) as store:
        save = store.save
        save(SLUG, "a.khan", "INSCS011.PC1", rating="Not yet")
        save(SLUG, "a.khan", "INSCS011.PC1", rating="Competent")
        save(SLUG, "a.khan", "INSCS011.PC2", rating="Developing")
        save(SLUG, "a.khan", "INSCS011.PC2", rating="Competent", evidence="Asked, then listened")
        save(SLUG, "a.khan", "INSCS011.PC3", rating="Competent")
        save(SLUG, "a.khan", "INSCS011.KU1", rating="Not yet")
        save(SLUG, "a.khan", "INSCS024.PC1", evidence="A note before any rating")
        save(SLUG, "a.khan", "INSCS024.PC1", rating="Developing")
        store.save_attempt(SLUG, "a.khan", ASSUMPTION, {"choice": "first"}, 0.125)
        store.save_attempt(SLUG, "a.khan", ASSUMPTION, {"choice": "second"}, 0.625)
        store.save_attempt(SLUG, "a.khan", "INSCS001.question-technique", {}, 0.5)
        store.sign_off(SLUG, "a.khan", "INSCS011.PC1", tutor="m.price")
        store.sign_off(
            SLUG, "a.khan", "INSCS011.PC2", tutor="m.price", feedback="More", returned=True
        )
        save(SLUG, "b.jones", "INSCS011.PC1", rating="Not yet")
        save(SLUG, "b.jones", "INSCS011.KU1", rating="Not yet")
        save(SLUG, "b.jones", "INSCS011.PC2", rating="Not yet")
        save(SLUG, "b.jones", "INSCS011.PC2", rating="Developing")
        catalog = load()
        for item in catalog["INSCS011"].criteria:
            save(SLUG, "c.ross", item.id, rating="Competent")
        for item in catalog["INSCS024"].performance:
            save(SLUG, "c.ross", item.id, rating="Competent")
        store.sign_off(SLUG, "c.ross", "INSCS024.PC1", tutor="m.price")
        store.save_attempt(SLUG, "c.ross", HANDOVER, {"choice": "right"}, 1.0)
    monkeypatch.undo()
    yield path


def dashboard(store: Path, **changes: Any) -> Dashboard:
    values = {**PARAMETERS, "store": str(store), **changes}
    return Dashboard(units=UNITS, learners=ROSTER, now=NOW, **values)


def by_learner(rows: list[Any]) -> dict[str, Any]:
    return {row.learner.id: row for row in rows}


# -- the figures ---------------------------------------------------------------------------


def test_the_heat_map_gives_each_learners_share_of_each_unit_rated_at_the_top_and_signed_off(
    seeded,
):
    rows = by_learner(figures.heat_map(dashboard(seeded).data))
    shares = {
        learner: [(cell.unit, cell.top, cell.signed_off) for cell in row.cells]
        for learner, row in rows.items()
    }
    assert shares == {
        # 3 of 22 Competent is 13.6%, 1 of 22 signed off 4.5% (the returned PC2 is not)
        "a.khan": [("INSCS011", 14, 5), ("INSCS024", 0, 0)],
        "b.jones": [("INSCS011", 0, 0), ("INSCS024", 0, 0)],
        # all 22, then 11 of 22 and 1 of 22 signed off
        "c.ross": [("INSCS011", 100, 0), ("INSCS024", 50, 5)],
    }
    assert list(rows) == ["a.khan", "b.jones", "c.ross"]  # roster order


def test_the_weakest_criteria_are_those_most_learners_rate_at_the_bottom_now_most_first(seeded):
    found = weakest(dashboard(seeded).data)
    # KU1: a.khan and b.jones; PC1: b.jones only (a.khan has moved on); PC2: nobody now
    assert [(weak.criterion, weak.count) for weak in found] == [
        ("INSCS011.KU1", 2),
        ("INSCS011.PC1", 1),
    ]
    assert found[1].text == load().criterion("INSCS011.PC1").text


def test_at_most_ten_weakest_criteria_are_listed_and_ties_keep_catalog_order():
    unit = load()["INSCS011"]
    at = datetime(2027, 1, 1, tzinfo=UTC)
    everything = {c.id: "Not yet" for c in unit.criteria}
    only_ku = {c.id: "Not yet" for c in unit.knowledge}
    data = CohortData(
        slug=SLUG,
        name="",
        scale=("Not yet", "Developing", "Competent"),
        due=None,
        units=(unit,),
        exercises={},
        learners=(
            LearnerData("a.khan", "", everything, {}, {}, {}, at),
            LearnerData("b.jones", "", only_ku, {}, {}, {}, at),
        ),
        now=NOW,
    )
    found = weakest(data)
    assert figures.WEAKEST_SHOWN == 10 and len(found) == 10
    # the eleven KUs are rated Not yet by both: the first ten of them, in order
    assert [weak.criterion for weak in found] == [f"INSCS011.KU{n}" for n in range(1, 11)]
    assert {weak.count for weak in found} == {2}
    assert [weak.criterion for weak in weakest(data, limit=13)][-2:] == [
        "INSCS011.PC1",
        "INSCS011.PC2",
    ]


def test_progress_sets_each_learner_against_the_time_elapsed_since_the_cohorts_first_save(seeded):
    data = dashboard(seeded).data
    assert figures.first_save(data) == FIRST_SAVE
    found = figures.progress(data, UTC)
    assert found is not None
    assert (found.start, found.due, found.elapsed) == (date(2027, 1, 1), date(2027, 3, 31), 13)
    rows = {
        row.learner.id: (row.top_count, row.total, row.top, row.difference, row.pace)
        for row in found.rows
    }
    assert rows == {
        "a.khan": (3, 44, 7, -6, "on track"),  # 6.8%: 6 points below, within 10
        "b.jones": (0, 44, 0, -13, "behind"),
        "c.ross": (33, 44, 75, 62, "ahead"),
    }


def test_the_rule_is_behind_more_than_ten_points_below_and_ahead_more_than_ten_above():
    assert MARGIN == 10
    assert pace(39, 50) == "behind"
    assert pace(40, 50) == "on track"  # exactly 10 below
    assert pace(50, 50) == "on track"
    assert pace(60, 50) == "on track"  # exactly 10 above
    assert pace(61, 50) == "ahead"
    assert pace(0, 10) == "on track" and pace(0, 11) == "behind"
    assert pace(100, 89) == "ahead" and pace(100, 90) == "on track"
    assert "more than 10 percentage points below" in RULE and "more than 10 points" in RULE


def test_time_elapsed_counts_whole_days_and_is_all_gone_on_the_due_day():
    start, due = date(2027, 1, 1), date(2027, 3, 31)  # 89 days
    assert elapsed_share(start, due, start) == 0
    assert elapsed_share(start, due, date(2027, 1, 13)) == 13  # 12 of 89: 13.48%
    assert elapsed_share(start, due, date(2027, 2, 14)) == 49  # 44 of 89: 49.44%
    assert elapsed_share(start, due, date(2027, 2, 15)) == 51  # 45 of 89: 50.56%
    assert elapsed_share(start, due, due) == 100
    assert elapsed_share(start, due, date(2027, 6, 1)) == 100
    assert elapsed_share(start, date(2026, 12, 1), start) == 100  # due before anyone started
    assert elapsed_share(date(2027, 1, 1), date(2027, 1, 9), date(2027, 1, 2)) == 13  # 12.5%


def test_exercise_scores_are_the_latest_stored_at_each_exercise_never_marked_again(seeded):
    scores = figures.exercise_scores(dashboard(seeded).data)
    assert [(s.learner.id, s.exercise, s.score, s.percent) for s in scores] == [
        ("a.khan", ASSUMPTION, 0.625, 63),  # 62.5% is shown as 63%, a half up
        ("c.ross", HANDOVER, 1.0, 100),
    ]  # INSCS001's exercise is not one of the cohort's units'


def test_distance_travelled_gives_the_mean_first_and_latest_positions_per_learner_and_unit(
    seeded,
):
    travelled = by_learner(figures.distance_travelled(dashboard(seeded).data))
    means = {
        learner: [(t.unit, t.criteria, str(t.first), str(t.latest)) for t in row.units]
        for learner, row in travelled.items()
    }
    assert means == {
        # PC1 1->3, PC2 2->3, PC3 3->3, KU1 1->1: 7/4 = 1.75 and 10/4 = 2.5; INSCS024.PC1
        # 2->2 (the note saved before it had a rating is passed over)
        "a.khan": [("INSCS011", 4, "1.8", "2.5"), ("INSCS024", 1, "2.0", "2.0")],
        "b.jones": [("INSCS011", 3, "1.0", "1.3")],  # 3/3 and 4/3
        "c.ross": [("INSCS011", 22, "3.0", "3.0"), ("INSCS024", 11, "3.0", "3.0")],
    }
    cohort = figures.cohort_travel(travelled.values())
    # INSCS011: (7 + 3 + 66) / 29 = 2.62 and (10 + 4 + 66) / 29 = 2.76; INSCS024: 35/12, 35/12
    assert [(t.unit, t.criteria, str(t.first), str(t.latest)) for t in cohort] == [
        ("INSCS011", 29, "2.6", "2.8"),
        ("INSCS024", 12, "2.9", "2.9"),
    ]


# -- the page ------------------------------------------------------------------------------


class _Page(HTMLParser):
    """The text, table cells and image alt texts of a section's HTML."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.alts: list[str] = []
        self.cells: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self._cell: list[str] | None = None
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "img":
            self.alts.append(dict(attrs).get("alt") or "")
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append(" ".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


SECTIONS = ("heading", "heat_map", "weakest", "progress", "exercise_scores", "distance_travelled")


def test_the_page_shows_every_figure_in_words_with_alt_text_on_each_chart(seeded):
    page = dashboard(seeded)
    shown = {name: getattr(page, name)() for name in SECTIONS}
    heading = _Page(shown["heading"].data)
    assert RULE in "".join(heading.text) and "Dashboard test cohort" in "".join(heading.text)
    heat = _Page(shown["heat_map"].data)
    assert "Competent: 14% Signed off: 5%" in heat.cells  # a.khan, INSCS011
    assert "Competent: 100% Signed off: 0%" in heat.cells
    assert "background:#cdebc5;color:#000" in shown["heat_map"].data  # shade: an extra only
    weak = _Page(shown["weakest"].data)
    assert weak.alts == [
        'Bar chart of the 2 criteria most learners rate "Not yet": from INSCS011.KU1 '
        "(2 learners) to INSCS011.PC1 (1 learner). The table below gives every figure."
    ]
    assert ["INSCS011.KU1", load().criterion("INSCS011.KU1").text, "2 of 3"] == weak.cells[3:6]
    progress = _Page(shown["progress"].data)
    assert len(progress.alts) == 1 and "1 behind, 1 on track, 1 ahead" in progress.alts[0]
    assert ["Ben Jones (b.jones)", "0% (0 of 44)", "13%", "-13", "behind"] in [
        progress.cells[i : i + 5] for i in range(len(progress.cells))
    ]
    assert "13% of the time has gone" in "".join(progress.text)
    scores = _Page(shown["exercise_scores"].data)
    assert "63%" in scores.cells and "100%" in scores.cells
    assert "No exercise checked yet:" in "".join(scores.text)
    travel = _Page(shown["distance_travelled"].data)
    assert len(travel.alts) == 1 and travel.alts[0].startswith("Bar chart of the mean first")
    assert ["INSCS011", "29", "2.6", "2.8"] in [
        travel.cells[i : i + 4] for i in range(len(travel.cells))
    ]
    for name, section in shown.items():
        assert str(section) == section.text and section.text, name  # plain text too


def test_a_learners_name_is_shown_as_text_everywhere(seeded):
    page = dashboard(seeded)
    for name in SECTIONS:
        markup = getattr(page, name)().data
        assert TAG not in markup, name
        assert "<b>" not in markup, name
    shown = "".join(getattr(page, name)().data for name in SECTIONS)
    assert "&lt;b&gt;x&lt;/b&gt; (c.ross)" in shown
    cells = _Page(page.heat_map().data).cells
    assert f"{TAG} (c.ross)" in cells  # read back as the text it is


def test_a_chart_label_is_text_never_mathematics():
    png = chart(
        Bars(labels=["$\\notacommand{$", "a_b^c"], series=[("n", [1, 2])], xlabel="x", xmax=2)
    )
    assert png.startswith(b"\x89PNG")


def test_an_empty_store_says_plainly_there_is_nothing_yet(tmp_path):
    path = tmp_path / "progress.sqlite"
    missing = dashboard(path)
    assert not path.exists()  # a dashboard never creates a store
    assert "There is no progress store at" in missing.notice
    Store(path).close()
    empty = dashboard(path)
    assert empty.notice == NOTHING_SAVED
    for page in (missing, empty):
        assert "Nothing to show yet." in page.heading().text
        for name in ("heat_map", "weakest", "exercise_scores", "distance_travelled", "progress"):
            assert getattr(page, name)().text == "Nothing to show yet.", name
    without_roster = Dashboard(units=UNITS, now=NOW, **{**PARAMETERS, "store": str(path)})
    assert without_roster.data.learners == () and without_roster.notice == NOTHING_SAVED


def test_a_cohort_with_no_due_date_says_so_and_skips_progress(seeded):
    page = dashboard(seeded, due=None)
    assert figures.progress(page.data, UTC) is None
    assert page.progress().text.startswith("The cohort has no due date")
    assert "no due date" in page.heading().text
    assert page.heat_map().text != "Nothing to show yet."  # the rest is still shown


def test_under_voila_or_in_a_build_the_dashboard_reads_nothing_and_says_why(seeded, monkeypatch):
    monkeypatch.setenv("VOILA_KERNEL_ID", "k-1")
    served = dashboard(seeded)
    assert served.notice == SIGN_IN_FIRST and not served.read
    assert served.data.empty and not any(learner.first_save for learner in served.data.learners)
    assert "Nothing to show yet." in served.heat_map().value  # a widget, empty until sign-in
    monkeypatch.delenv("VOILA_KERNEL_ID")
    monkeypatch.delenv("SERVER_SOFTWARE", raising=False)
    monkeypatch.setenv("NOSWORKBOOK_BUILD", "1")
    built = dashboard(seeded)
    assert built.notice == BUILT and BUILT in built.heading().text


# -- the notebook and the build ------------------------------------------------------------


def test_the_dashboard_notebook_is_generated_byte_for_byte_with_one_line_cells():
    text = render(tutor_notebook())
    assert text == render(tutor_notebook())
    notebook = nbformat.reads(text, as_version=4)
    code = {cell.id: cell.source for cell in notebook.cells if cell.cell_type == "code"}
    sections = [name.replace("_", "-") for name in SECTIONS]
    assert list(code) == ["parameters", "setup", "sign-in", *sections, "review"]
    for name in SECTIONS:
        cell = code[name.replace("_", "-")]
        assert cell == f"dashboard.{name}()" and "\n" not in cell
    for parameter in (*parameter_names(), "units", "learners", "tutors"):
        assert f"\n{parameter} = " in "\n" + code["parameters"], parameter
        assert f"{parameter}={parameter}" in code["setup"], parameter
    assert all(cell.outputs == [] for cell in notebook.cells if cell.cell_type == "code")


def test_a_cohort_build_includes_the_dashboard_in_its_manifest_and_it_executes(tmp_path):
    cohort = tmp_path / "small.yaml"
    cohort.write_text(
        "name: Dashboard build\nunits: [INSCS011]\ndue: 2027-03-31\nlearners:\n"
        f"  - {{id: c.ross, name: '{TAG}'}}\n",
        encoding="utf-8",
    )
    summary = build(cohort, out=tmp_path, jobs=1, show_progress=False)
    assert summary.failed == [], summary.text()
    folder = tmp_path / "dashboard-build"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert sorted(manifest["notebooks"]) == ["INSCS011.ipynb", "index.ipynb", "tutor.ipynb"]
    assert "learners" not in manifest["parameters"]  # the workbooks never get the roster
    notebook = json.loads((folder / "tutor.ipynb").read_text())
    injected = next(
        "".join(c["source"])
        for c in notebook["cells"]
        if "injected-parameters" in c["metadata"].get("tags", [])
    )
    assert 'units = ["INSCS011"]' in injected and "c.ross" in injected
    outputs = [o for c in notebook["cells"] for o in c.get("outputs", [])]
    assert [o for o in outputs if o["output_type"] == "error"] == []
    shown = "".join("".join(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert BUILT in shown.replace("&#x27;", "'") and RULE in shown
    assert "Nothing to show yet." in shown
    workbook = json.loads((folder / "INSCS011.ipynb").read_text())
    assert "c.ross" not in json.dumps(workbook)
