"""Static fallbacks: what an executed workbook shows without a live kernel or widget manager.

Outputs are formatted as a kernel formats them (IPython's `DisplayFormatter`), so these tests
read the same `text/html` and `text/plain` that Papermill saves in a cohort build.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from IPython.core.formatters import DisplayFormatter

import nosworkbook.widgets
from nosworkbook.catalog import Catalog
from nosworkbook.exercises import Setting, get
from nosworkbook.exercises.answers import model_answer
from nosworkbook.exercises.toolkit.matrix import get_matrix, matrix_block
from nosworkbook.widgets import Checklist
from nosworkbook.widgets.exercise import LEVEL_COLOURS, ExerciseWidget, block_html
from nosworkbook.widgets.signin import SignIn
from nosworkbook.widgets.summary import ProgressSummary
from nosworkbook.workbook import Index, Workbook

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
RISK = "INSCS027.risk-classification"
STYLE = {band: f"background:{bg};color:{fg}" for band, (bg, fg) in LEVEL_COLOURS.items()}
EVIL = '<script>alert("x")</script>'
_formatter = DisplayFormatter()


def output(obj: Any) -> dict[str, Any]:
    """The display data a kernel would send (and Papermill save) for `obj`."""
    data, _metadata = _formatter.format(obj)
    return data


def make(tmp_path: Path, urn: str = "INSCS027", **kwargs: Any) -> Workbook:
    return Workbook(urn, store=str(tmp_path / "progress.sqlite"), auto_sign_in=False, **kwargs)


# --- every widget keeps its live view ---------------------------------------------------------


def test_every_widget_keeps_its_widget_view_and_adds_html(tmp_path: Path) -> None:
    wb = make(tmp_path)
    for widget in (wb.sign_in, wb.performance, wb.knowledge, wb.progress, wb.exercise(RISK)):
        data = output(widget)
        assert data[WIDGET_VIEW]["model_id"] == widget.model_id
        assert data["text/html"].startswith("<")
        assert 0 < len(data["text/plain"]) < 200
        assert "object at 0x" not in data["text/plain"]


# --- checklist --------------------------------------------------------------------------------


def test_checklist_fallback_lists_items_and_scale(catalog: Catalog) -> None:
    widget = Checklist.for_criteria(
        "You must be able to", catalog["INSCS027"].performance, heading_level=3
    )
    data = output(widget)
    page = data["text/html"]
    assert "<h3>You must be able to</h3>" in page
    assert "Rate each item: Not yet / Developing / Competent" in page
    assert '<th scope="row">PC10</th>' in page
    assert "classify each risk as high, medium or low" in page
    assert "0 of 13 rated Competent" in page
    assert "<th>Rating</th>" not in page  # nothing rated yet: no empty columns
    assert data["text/plain"] == "You must be able to: 13 items, 0 of 13 rated Competent"


def test_checklist_fallback_shows_answers_escaped(catalog: Catalog) -> None:
    widget = Checklist.for_criteria("Performance", catalog["INSCS027"].performance, ["No", "Yes"])
    widget.set_values(
        {
            "INSCS027.PC10": {"rating": "Yes", "evidence": f"Risk log {EVIL}"},
            "INSCS027.PC2": {"rating": None, "evidence": "x" * 5000},
        }
    )
    page = output(widget)["text/html"]
    assert "Rate each item: No / Yes" in page
    assert "<th>Rating</th><th>Evidence</th>" in page
    assert "<td>Yes</td><td>Risk log &lt;script&gt;" in page
    assert "<script>" not in page
    assert "x" * 300 not in page  # long evidence is clipped in the static copy
    assert "1 of 13 rated Yes" in page


@pytest.mark.parametrize("urn", ["INSCS001", "INSCS008"])
def test_biggest_units_checklists_stay_small(tmp_path: Path, urn: str) -> None:
    wb = make(tmp_path, urn)
    sizes = [len(output(c)["text/html"].encode()) for c in wb.checklists]
    assert wb.performance.total + wb.knowledge.total >= 53
    assert sum(sizes) < 25_000, sizes


# --- exercise ---------------------------------------------------------------------------------


def test_exercise_fallback_has_scenario_material_and_questions() -> None:
    widget = ExerciseWidget(get(RISK, Setting(organisation=f"Acme {EVIL}", sector="retail")))
    page = output(widget)["text/html"]
    assert "Acme &lt;script&gt;" in page and "<script>" not in page
    assert "<caption>Risk log</caption>" in page
    assert "<caption>The 3x3 risk matrix" in page
    assert '<th scope="row">1 unlikely</th>' in page and '<th scope="col">3 major</th>' in page
    assert "<h4>Questions</h4>" in page
    assert "Risk 1 likelihood <em>(1 unlikely / 2 possible / 3 likely)</em>" in page
    assert "<select" not in page and "<input" not in page  # labels, not controls
    assert "For tutors" not in page and "Model answer" not in page
    assert output(widget)["text/plain"].startswith("Exercise: Classify the risks")


def test_exercise_fallback_follows_the_risk_matrix() -> None:
    five = output(ExerciseWidget(get(RISK, Setting(risk_matrix="5x5"))))["text/html"]
    assert "<caption>The 5x5 risk matrix" in five
    assert '<th scope="row">5 almost certain</th>' in five
    assert '<th scope="col">5 severe</th>' in five
    assert five.count("<td ") == 25


def test_tutor_edition_shows_model_answer_and_marking_notes(tmp_path: Path) -> None:
    tutor = output(make(tmp_path, edition="tutor").exercise(RISK))["text/html"]
    learner = output(make(tmp_path).exercise(RISK))["text/html"]
    assert "<h4>For tutors</h4>" in tutor
    assert "Model answer" in tutor and "Marking notes" in tutor
    assert "risk1.level: high" in tutor
    assert "Model answer" not in learner and "Marking notes" not in learner


def test_checked_answer_shows_the_matrix_with_level_words() -> None:
    widget = ExerciseWidget(get(RISK))
    widget.submit(model_answer(RISK))
    page = output(widget)["text/html"]
    assert "<h4>Feedback</h4><p>Score: 100%.</p>" in page
    assert "<caption>Your risk log on the matrix</caption>" in page
    assert f'<td class="nosw-level-high" style="{STYLE["high"]}">High (6)<br>Risk 1</td>' in page
    assert f'<td class="nosw-level-low" style="{STYLE["low"]}">Low (1)</td>' in page


def test_the_exercise_fallback_leaves_its_title_and_criteria_to_the_markdown_above() -> None:
    """The generated markdown cell shows them once: the widget's view repeats neither."""
    page = output(ExerciseWidget(get(RISK)))["text/html"]
    assert "Classify the risks in a customer service process" not in page
    assert "Evidences" not in page and "<h3>" not in page


def test_the_risk_matrix_is_a_grid_before_answering_with_every_band_in_words() -> None:
    page = output(ExerciseWidget(get(RISK)))["text/html"]  # nothing answered
    grid = page[page.index('<table class="nosw-ex-matrix">') :]
    grid = grid[: grid.index("</table>")]
    # likelihood 3 (top) down to 1, impact 1 to 3 across
    assert [w.split(" (")[0] for w in re.findall(r'">([A-Z][a-z]+ \(\d+\))</td>', grid)] == [
        "Medium", "High", "High", "Low", "Medium", "High", "Low", "Low", "Medium",
    ]  # fmt: skip
    assert f'<td class="nosw-level-high" style="{STYLE["high"]}">High (6)</td>' in grid


def test_a_cohorts_own_matrix_is_drawn_as_its_own_grid() -> None:
    own = get_matrix(
        {
            "name": "4x4",
            "likelihood": ["rare", "unlikely", "likely", "very likely"],
            "impact": ["small", "noticeable", "serious", "very serious"],
            "bands": [[3, "low"], [8, "medium"], [16, "high"]],
        }
    )
    grid = block_html(matrix_block(own, {(4, 4): ["Risk <1>"]}, "Our <own> matrix"))
    assert "<caption>Our &lt;own&gt; matrix</caption>" in grid
    assert grid.count("<td ") == 16 and grid.count('scope="row"') == 4
    assert '<th scope="row">4 very likely</th>' in grid
    assert "High (16)<br>Risk &lt;1&gt;</td>" in grid
    assert "Low (3)</td>" in grid and "Medium (4)</td>" in grid


def _luminance(colour: str) -> float:
    values = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in values]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_band_colours_contrast_and_match_the_widgets_style_sheet() -> None:
    css = (Path(nosworkbook.widgets.__file__).parent / "static" / "exercise.css").read_text()
    for band, (background, text) in LEVEL_COLOURS.items():
        rule = f".nosw-level-{band} {{ background: {background}; color: {text}; }}"
        assert rule in css, f"exercise.css and LEVEL_COLOURS differ for {band}"
        assert _contrast(background, text) >= 4.5, band
    bands = list(LEVEL_COLOURS)
    for i, a in enumerate(bands):
        for b in bands[i + 1 :]:
            ratio = _contrast(LEVEL_COLOURS[a][0], LEVEL_COLOURS[b][0])
            assert ratio >= 3, f"{a} and {b} cells: {ratio:.2f}:1"


def test_image_and_table_blocks_are_escaped() -> None:
    image = block_html(
        {
            "type": "image",
            "src": "data:image/png;base64,AAAA",
            "alt": 'Chart "quoted" <b>',
            "caption": EVIL,
        }
    )
    alt = "Chart &quot;quoted&quot; &lt;b&gt;"
    assert f'<img src="data:image/png;base64,AAAA" alt="{alt}">' in image
    assert "<figcaption>&lt;script&gt;" in image and "<script>" not in image
    remote = block_html({"type": "image", "src": "https://example.com/x.png", "alt": "A chart"})
    assert "<img" not in remote and "A chart" in remote  # only embedded images are shown
    table = block_html({"type": "table", "columns": [EVIL], "rows": [[1, EVIL]]})
    assert "<script>" not in table and "<td>1</td>" in table


# --- sign-in and progress ---------------------------------------------------------------------


def test_sign_in_fallback_carries_no_learner_data(tmp_path: Path) -> None:
    wb = make(tmp_path)
    wb.sign_in.submit("a.khan")
    data = output(wb.sign_in)
    assert data["text/plain"] == "Sign in to record your answers (learner id)."
    assert "Sign in to record your answers (learner id)." in data["text/html"]
    assert "a.khan" not in data["text/html"] + data["text/plain"]
    assert output(SignIn())["text/html"] == data["text/html"]


def test_progress_fallback_has_heading_due_date_and_rows(tmp_path: Path) -> None:
    data = output(make(tmp_path, due="2027-03-31").progress)
    assert "<h3>Progress in INSCS027, due by 31 March 2027</h3>" in data["text/html"]
    assert "Performance criteria: 0 of 13 rated Competent; 0 rated in all" in data["text/html"]
    assert "Sign in to see your progress." in data["text/html"]
    assert data["text/plain"].startswith("Progress in INSCS027, due by 31 March 2027")
    assert "due by" not in output(make(tmp_path).progress)["text/html"]


def test_progress_fallback_escapes_labels_and_links_only_safe_hrefs() -> None:
    widget = ProgressSummary(heading=EVIL, top="Yes")
    widget.rows = [
        {"label": "INSCS001 Deal", "href": "INSCS001.ipynb", "done": 1, "rated": 2, "total": 5},
        {"label": EVIL, "href": "javascript:alert(1)", "done": 0, "rated": 0, "total": 3},
    ]
    page = output(widget)["text/html"]
    assert '<a href="INSCS001.ipynb">INSCS001 Deal</a>: 1 of 5 rated Yes; 2 rated in all' in page
    assert "javascript:" not in page and "<script>" not in page


def test_index_progress_links_every_unit(tmp_path: Path) -> None:
    index = Index(
        units=["INSCS001", "INSCS027"], store=str(tmp_path / "p.sqlite"), auto_sign_in=False
    )
    page = output(index.progress)["text/html"]
    assert '<a href="INSCS001.ipynb">INSCS001 Deal with customers</a>' in page
    assert '<a href="INSCS027.ipynb">' in page


# --- about this workbook ----------------------------------------------------------------------


def about(tmp_path: Path, **kwargs: Any) -> dict[str, Any]:
    return output(make(tmp_path, **kwargs).about)


def test_about_names_every_parameter(tmp_path: Path) -> None:
    data = about(
        tmp_path,
        cohort="spring-2027",
        cohort_name="Spring 2027, Leeds",
        organisation="Acme Stores",
        sector="retail",
        edition="tutor",
        rating_scale=["No", "Partly", "Yes"],
        risk_matrix="5x5",
        due="2027-03-31",
    )
    page, text = data["text/html"], data["text/plain"]
    for words in (
        "About this workbook",
        "Spring 2027, Leeds (spring-2027)",
        "Acme Stores",
        "retail (scenarios are set in a shop)",
        "Tutor edition: model answers and marking notes are shown",
        "No / Partly / Yes",
        "5x5 (level = likelihood x impact: 1 to 4 low, 5 to 12 medium, 13 to 25 high)",
        "31 March 2027",
    ):
        assert words in page and words in text, words


def test_about_defaults_read_sensibly(tmp_path: Path) -> None:
    text = about(tmp_path)["text/plain"]
    assert "Cohort: default" in text
    assert "Organisation" not in text and "Due" not in text
    assert "Sector: general customer service" in text
    assert "Learner edition: model answers and marking notes are not shown" in text
    assert "Rating scale: Not yet / Developing / Competent" in text
    assert "Risk matrix: 3x3" in text


@pytest.mark.parametrize(
    ("parameter", "value", "words"),
    [
        ("cohort", "autumn-2026", "autumn-2026"),
        ("cohort_name", "Autumn intake", "Autumn intake"),
        ("organisation", "Northern Rail", "Northern Rail"),
        ("sector", "contact-centre", "contact centre"),
        ("edition", "tutor", "Tutor edition"),
        ("rating_scale", ["Not started", "Done"], "Not started / Done"),
        ("risk_matrix", "5x5", "5x5"),
        ("due", date(2027, 1, 5), "5 January 2027"),
        ("due", "2026-12-01", "1 December 2026"),
    ],
)
def test_changing_each_parameter_changes_about(
    tmp_path: Path, parameter: str, value: Any, words: str
) -> None:
    before = about(tmp_path)["text/html"]
    after = about(tmp_path, **{parameter: value})["text/html"]
    assert after != before
    assert words in after and words not in before


def test_about_escapes_everything(tmp_path: Path) -> None:
    data = about(tmp_path, organisation=EVIL, cohort_name=f"Cohort {EVIL}")
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    assert "<script>" not in data["text/html"]
    assert f"Organisation:</strong> {escaped}" in data["text/html"]
    assert EVIL in data["text/plain"]  # plain text is shown as text, never as markup


def test_index_about_uses_the_notebook_parameters(tmp_path: Path) -> None:
    index = Index(
        units=["INSCS001"],
        store=str(tmp_path / "p.sqlite"),
        auto_sign_in=False,
        cohort="spring-2027",
        organisation=EVIL,
        sector="hospitality",
        edition="tutor",
        risk_matrix="5x5",
        due="2027-03-31",
    )
    page = output(index.about)["text/html"]
    assert "spring-2027" in page and "&lt;script&gt;" in page and "<script>" not in page
    assert "hospitality (scenarios are set in a hotel)" in page
    assert "Tutor edition" in page and "5x5" in page and "31 March 2027" in page
    assert "Learner edition" in output(Index(units=[], auto_sign_in=False).about)["text/html"]
