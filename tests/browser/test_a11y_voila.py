"""Accessibility of workbook pages served by Voila, checked with axe-core (issue 6).

axe-core's script comes from the `axe-playwright-python` wheel (PyPI; it ships `axe.min.js`),
which the `test` extra installs. Only the script is used: it is injected into the page and
`axe.run` is called with the WCAG 2.0, 2.1 and 2.2 level A and AA rules (WCAG 2.2 AA is the
baseline for UK further education). A page passes when no violation is "serious" or
"critical". The whole page is checked, Voila's own page included, served with the nosworkbook
template as `nosworkbook serve` serves it.

Every kind of page is checked: the index, a unit in each edition (learner, and tutor with the
5x5 matrix), signed in and not, after checking an exercise (feedback and, for the risk exercise,
the matrix are in the page), with every state of a criterion shown (working towards, returned
with the tutor's feedback, signed off, changed since sign-off), with the "not yet Competent"
filter on, the landing page, the busy page (503) and the accessibility statement. WCAG 2.2's
target size (2.5.8) is also measured on every rating radio, checkbox, button and link in a
table.
"""

from __future__ import annotations

import re
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import nbformat
import pytest
from classroom_server import start
from playwright.sync_api import Page, expect

from nosworkbook.store import open_store

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60_000
UNITS = ("INSCS027", "INSCS035")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
MIN_TARGET = 24  # CSS pixels, WCAG 2.2 2.5.8
BLOCKING = ("serious", "critical")
SHOWN_NODES = 5


def axe_script() -> str:
    try:
        return (resources.files("axe_playwright_python") / "axe.min.js").read_text("utf-8")
    except ModuleNotFoundError:
        pytest.fail(
            "the accessibility check needs axe-core: pip install -e '.[test]' "
            "(it brings axe-playwright-python, which ships axe.min.js)"
        )


def run_axe(
    page: Page, context: Any = None, rules: list[str] | None = None
) -> list[dict[str, Any]]:
    """Inject axe-core (once per document) and run the WCAG 2.x A/AA rules (or the `rules`
    named); the violations."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_script())
    only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": WCAG_TAGS}
    options = {"runOnly": only, "resultTypes": ["violations"]}
    results = page.evaluate(
        "([context, options]) => axe.run(context || document, options)", [context, options]
    )
    return results["violations"]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} [{v['helpUrl']}]")
        for node in v["nodes"][:SHOWN_NODES]:
            lines.append(f"    {' > '.join(map(str, node['target']))}: {node['html'][:160]}")
        if len(v["nodes"]) > SHOWN_NODES:
            lines.append(f"    ... and {len(v['nodes']) - SHOWN_NODES} more")
    return "\n".join(lines)


def assert_accessible(page: Page, state: str, context: Any = None) -> None:
    violations = run_axe(page, context)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    if violations:
        print(f"axe, {state}: {len(violations)} violation(s)\n{describe(violations)}")
    assert not blocking, (
        f"axe found {len(blocking)} serious or critical violation(s) {state}:\n"
        + describe(blocking)
    )


@pytest.fixture(scope="module")
def a11y_store(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("a11y-store") / "progress.sqlite"


@pytest.fixture(scope="module")
def served(tmp_path_factory, voila_server, a11y_store: Path) -> str:
    folder = tmp_path_factory.mktemp("a11y-workbooks")
    for name in (*UNITS, "index"):
        shutil.copy(ROOT / "workbooks" / f"{name}.ipynb", folder / f"{name}.ipynb")
    # the tutor edition of a cohort on the 5x5 matrix: the parameters Papermill would inject
    nb = nbformat.read(ROOT / "workbooks" / "INSCS027.ipynb", as_version=4)
    params = next(c for c in nb.cells if c.id == "parameters")
    for old, new in (
        ('edition = "learner"', 'edition = "tutor"'),
        ('risk_matrix = "3x3"', 'risk_matrix = "5x5"'),
    ):
        assert old in params.source, old
        params.source = params.source.replace(old, new, 1)
    nbformat.write(nb, folder / "tutor.ipynb")
    return voila_server(folder, {"NOSWORKBOOK_STORE": str(a11y_store)}, template=True)


def open_unit(page: Page, url: str, urn: str) -> None:
    page.goto(f"{url}voila/render/{urn}.ipynb", timeout=TIMEOUT)
    expect(page.get_by_role("textbox", name="Learner", exact=True)).to_be_visible(timeout=TIMEOUT)
    # the last checklist item is drawn: every widget view is in the page
    expect(page.get_by_role("radiogroup", name=re.compile(r"\bKU\d+\b")).last).to_be_visible()


def sign_in(page: Page, learner: str) -> None:
    page.get_by_role("textbox", name="Learner", exact=True).fill(learner)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status").filter(has_text=f"Signed in as {learner}")).to_be_visible(
        timeout=TIMEOUT
    )


@pytest.mark.parametrize("urn", UNITS)
def test_a_workbook_page_has_no_serious_violations(page: Page, served: str, urn: str) -> None:
    open_unit(page, served, urn)
    assert_accessible(page, f"on {urn} before signing in")
    sign_in(page, f"a11y.{urn.lower()}")
    assert_accessible(page, f"on {urn} signed in")


def test_every_state_of_a_criterion_has_no_serious_violations(
    page: Page, served: str, a11y_store: Path
) -> None:
    """Working towards, returned with feedback, signed off and changed since sign-off, shown
    together (the rest are not started), in the learner's words and colours."""
    learner = "a11y.states"
    with open_store(str(a11y_store)) as store:
        for n in (1, 2, 3):
            store.save("default", learner, f"INSCS027.PC{n}", rating="Developing")
        store.sign_off("default", learner, "INSCS027.PC2", tutor="m.price")
        store.sign_off("default", learner, "INSCS027.PC3", tutor="m.price")
        store.save("default", learner, "INSCS027.PC3", evidence="Changed after sign-off")
        store.sign_off(
            "default",
            learner,
            "INSCS027.KU1",
            tutor="m.price",
            feedback="Add a date.",
            returned=True,
        )
    open_unit(page, served, "INSCS027")
    sign_in(page, learner)
    for words in ("Working towards", "Signed off by", "Changed since sign-off", "Returned by"):
        expect(page.get_by_text(words).first).to_be_visible()
    expect(page.get_by_text("Add a date.", exact=True)).to_be_visible()
    assert_accessible(page, "on INSCS027 with every state of a criterion shown")


def test_the_filter_on_has_no_serious_violations(page: Page, served: str) -> None:
    open_unit(page, served, "INSCS027")
    sign_in(page, "a11y.filter")
    group = page.get_by_role("radiogroup", name=re.compile(r"\bPC1\b"))
    group.get_by_role("radio", name="Competent", exact=True).check()
    filters = page.get_by_role("checkbox", name=re.compile("not yet Competent"))
    expect(filters.first).to_be_visible()
    for i in range(filters.count()):
        filters.nth(i).check()
    page.get_by_role("heading", name="You must be able to").click()  # focus leaves PC1
    expect(page.get_by_role("radiogroup", name=re.compile(r"\bPC1\b"))).to_be_hidden()
    assert_accessible(page, "on INSCS027 with the not-yet-Competent filter on")


def test_risk_feedback_and_matrix_have_no_serious_violations(page: Page, served: str) -> None:
    from nosworkbook.exercises.answers import model_answer

    open_unit(page, served, "INSCS027")
    sign_in(page, "a11y.risk")
    exercise = page.get_by_role("region", name="Classify the risks in a customer service process")
    answer = model_answer("INSCS027.risk-classification")
    answer["risk4.level"] = "low"  # one mistake: feedback shows right and wrong parts
    for name, value in answer.items():
        number, part = name.removeprefix("risk").split(".")
        exercise.get_by_role("combobox", name=f"Risk {number} {part}", exact=True).select_option(
            value
        )
    exercise.get_by_role("button", name="Check my answer").click()
    expect(exercise.get_by_role("status", name="Feedback")).to_contain_text(
        "Feedback: 11 of 12 right", timeout=TIMEOUT
    )
    expect(exercise.get_by_role("table", name="Your risk log on the matrix")).to_be_visible()
    assert_accessible(page, "on INSCS027 after checking the risk exercise")


def test_smart_feedback_has_no_serious_violations(page: Page, served: str) -> None:
    open_unit(page, served, "INSCS035")
    sign_in(page, "a11y.smart")
    exercise = page.get_by_role("region", name=re.compile("SMART", re.IGNORECASE)).first
    exercise.get_by_role("textbox", name="Target 1", exact=True).fill(
        "Train all six complaint handlers to use the new complaint tracking log within six weeks."
    )
    exercise.get_by_role("textbox", name="Target 2", exact=True).fill("Make customers happier.")
    exercise.get_by_role("button", name="Check my answer").click()
    expect(exercise.get_by_role("status", name="Feedback")).to_contain_text(
        "Feedback: 1 of 2 right", timeout=TIMEOUT
    )
    assert_accessible(page, "on INSCS035 after checking the SMART exercise")


def test_each_exercise_names_its_form_and_feedback(page: Page, served: str) -> None:
    """INSCS027 has two exercises: a screen reader's list of landmarks must tell their forms
    and feedback regions apart (axe's best-practice rule landmark-unique)."""
    open_unit(page, served, "INSCS027")
    forms = page.get_by_role("form", name=re.compile("^Your answer: "))
    expect(forms).to_have_count(2)
    names = {forms.nth(i).get_attribute("aria-label") for i in range(2)}
    assert names == {
        "Your answer: Classify the risks in a customer service process",
        "Your answer: Use PESTLE and SWOT to find customer service risks",
    }
    feedback = page.get_by_role("status", name=re.compile("^Feedback: "))
    expect(feedback).to_have_count(2)
    violations = run_axe(page, rules=["landmark-unique"])
    assert not violations, describe(violations)


# --- every page kind --------------------------------------------------------------------------


def open_index(page: Page, url: str) -> None:
    page.goto(f"{url}voila/render/index.ipynb", timeout=TIMEOUT)
    expect(page.get_by_role("textbox", name="Learner", exact=True)).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("link", name="INSCS044", exact=True)).to_be_visible()


def test_the_index_has_no_serious_violations(page: Page, served: str) -> None:
    open_index(page, served)
    assert_accessible(page, "on the index before signing in")
    sign_in(page, "a11y.index")
    expect(page.get_by_role("progressbar").first).to_be_visible()
    assert_accessible(page, "on the index signed in")


def test_the_tutor_edition_has_no_serious_violations(page: Page, served: str) -> None:
    open_unit(page, served, "tutor")
    notes = page.get_by_text("Model answer and marking notes (tutor edition)").first
    expect(notes).to_be_visible()
    notes.click()  # the notes open: their tables are checked too
    expect(page.get_by_text("Marking notes").first).to_be_visible()
    exercise = page.get_by_role("region", name="Classify the risks in a customer service process")
    matrix = exercise.get_by_role("table", name=re.compile("^The 5x5 risk matrix"))
    expect(matrix.get_by_role("cell")).to_have_count(25)
    assert_accessible(page, "on the tutor edition (5x5 matrix, notes open)")
    sign_in(page, "a11y.tutor")
    assert_accessible(page, "on the tutor edition signed in")


def test_workbook_pages_have_a_main_landmark_and_link_the_statement(
    page: Page, served: str
) -> None:
    for name in ("index", "INSCS027"):
        page.goto(f"{served}voila/render/{name}.ipynb", timeout=TIMEOUT)
        expect(page.get_by_role("main", name="Workbook")).to_contain_text("Sign in")
        link = page.get_by_role("contentinfo").get_by_role("link", name="Accessibility statement")
        expect(link).to_have_attribute("href", "/accessibility")
    # nothing outside a landmark: axe's best-practice rule "region" (moderate, so not counted
    # by assert_accessible) finds no content a screen reader's landmarks would skip
    violations = run_axe(page, rules=["region"])
    assert not violations, describe(violations)


# --- WCAG 2.2 2.5.8 target size ---------------------------------------------------------------

TARGETS = """() => {
  const small = [];
  const targets = document.querySelectorAll(
    'input[type=radio], input[type=checkbox], button, td a, .nosw-progress a, footer a');
  for (const node of targets) {
    const box = node.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // not shown (a filtered item)
    const wide = node.matches('td a, .nosw-progress a, footer a') ? MIN : box.width;
    if (box.height < MIN || wide < MIN) {
      const size = `${box.width.toFixed(1)} x ${box.height.toFixed(1)}`;
      small.push(`${node.outerHTML.slice(0, 90)}: ${size}`);
    }
  }
  return [targets.length, small];
}""".replace("MIN", str(MIN_TARGET))


@pytest.mark.parametrize("name", ["index", "INSCS027"])
def test_every_radio_checkbox_button_and_table_link_is_24_pixels_or_more(
    page: Page, served: str, name: str
) -> None:
    """Links are text: they must be 24 pixels high; radios, checkboxes and buttons 24 by 24."""
    if name == "index":
        open_index(page, served)
    else:
        open_unit(page, served, name)
    sign_in(page, f"a11y.target.{name.lower()}")
    count, small = page.evaluate(TARGETS)
    assert count > 20
    assert not small, "targets under 24 CSS pixels:\n" + "\n".join(small)
    violations = run_axe(page, rules=["target-size"])
    assert not violations, describe(violations)


# --- the risk matrix: a coloured grid, labelled in words --------------------------------------


def luminance(rgb: str) -> float:
    values = [int(v) / 255 for v in re.findall(r"\d+", rgb)[:3]]
    lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in values]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_risk_matrix_is_a_coloured_grid_in_words_before_answering(
    page: Page, served: str
) -> None:
    open_unit(page, served, "INSCS027")  # not signed in, nothing answered
    exercise = page.get_by_role("region", name="Classify the risks in a customer service process")
    matrix = exercise.get_by_role("table", name=re.compile(r"^The 3x3 risk matrix"))
    expect(matrix).to_be_visible()
    expect(matrix.get_by_role("columnheader", name="3 major")).to_be_visible()
    expect(matrix.get_by_role("rowheader", name="3 likely")).to_be_visible()
    cells = matrix.get_by_role("cell")
    expect(cells).to_have_count(9)
    # likelihood 3 down to 1, impact 1 to 3 across: the bands of the default 3x3 in words
    words = [re.sub(r"\s*\(\d+\)", "", t).strip() for t in cells.all_inner_texts()]
    assert words == ["Medium", "High", "High", "Low", "Medium", "High", "Low", "Low", "Medium"]
    colours: dict[str, tuple[str, str]] = {}
    for i in range(9):
        style = cells.nth(i).evaluate(
            "n => [getComputedStyle(n).backgroundColor, getComputedStyle(n).color]"
        )
        colours.setdefault(words[i], tuple(style))
        assert colours[words[i]] == tuple(style), "one band, one colour"
    assert len({bg for bg, _ in colours.values()}) == 3
    for band, (background, text) in colours.items():
        assert contrast(background, text) >= 4.5, f"{band}: text {contrast(background, text)}"
    bands = list(colours.values())
    for i, (a, _) in enumerate(bands):
        for b, _ in bands[i + 1 :]:
            assert contrast(a, b) >= 3, f"band colours {a} and {b}: {contrast(a, b):.2f}:1"
    assert_accessible(page, "on the risk matrix", context=".nosw-ex-matrix")


# --- each exercise's title once ---------------------------------------------------------------


def test_each_exercise_title_and_criteria_are_shown_once(page: Page, served: str) -> None:
    open_unit(page, served, "INSCS027")
    title = "Classify the risks in a customer service process"
    expect(page.get_by_role("heading", name=title, exact=True)).to_have_count(1)
    expect(page.get_by_text("Evidences PC8, PC9, PC10, KU7", exact=False)).to_have_count(1)
    expect(page.get_by_role("region", name=title, exact=True)).to_have_count(1)
    expect(page.get_by_role("region", name=title).get_by_role("button")).to_have_text(
        ["Check my answer"]
    )


# --- pages of the classroom server: landing, busy, statement ----------------------------------


@pytest.fixture()
def classroom(tmp_path):
    server = start(tmp_path / "serve", "--pool", "0", "--max-kernels", "1")
    yield server
    server.stop()


def test_the_landing_page_links_the_statement_and_both_pass_axe(page: Page, classroom) -> None:
    # the landing page sends the learner on to the index at once: hold that, to check it
    page.route("**/voila/render/index.ipynb", lambda route: route.fulfill(status=204))
    page.goto(classroom.url + "/", timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Workbooks", level=1)).to_be_visible()
    assert_accessible(page, "on the landing page")
    page.get_by_role("link", name="Accessibility statement").click()
    page.wait_for_url(classroom.url + "/accessibility")
    heading = page.get_by_role("heading", name="Accessibility statement for the workbooks")
    expect(heading).to_be_visible()
    statement = page.get_by_role("main")
    expect(statement).to_contain_text("WCAG")
    expect(statement).to_contain_text("version 2.2 at level AA")
    expect(statement).to_contain_text("axe-core")
    expect(statement).to_contain_text("keyboard alone")
    expect(page.get_by_role("heading", name="What we know is not fully accessible")).to_be_visible()
    expect(page.get_by_role("heading", name="Reporting a problem")).to_be_visible()
    expect(statement).to_contain_text("tell your tutor")
    expect(statement.locator("time[datetime='2026-12-01']")).to_have_text("1 December 2026")
    assert_accessible(page, "on the accessibility statement")
    violations = run_axe(page, rules=["region", "page-has-heading-one", "landmark-one-main"])
    assert not violations, describe(violations)


def test_the_busy_page_passes_axe_and_links_the_statement(browser, classroom) -> None:
    first = browser.new_context(locale="en-GB")
    second = browser.new_context(locale="en-GB")
    try:
        holder = first.new_page()
        holder.goto(classroom.url + "/voila/render/INSCS027.ipynb", timeout=TIMEOUT)
        expect(holder.get_by_role("textbox", name="Learner", exact=True)).to_be_visible(
            timeout=TIMEOUT
        )
        page = second.new_page()
        response = page.goto(classroom.url + "/voila/render/INSCS001.ipynb", timeout=TIMEOUT)
        assert response is not None and response.status == 503
        expect(page.get_by_role("heading", name="The workbooks are busy")).to_be_visible()
        assert_accessible(page, "on the busy page")
        page.get_by_role("link", name="Accessibility statement").click()
        expect(
            page.get_by_role("heading", name="Accessibility statement for the workbooks")
        ).to_be_visible()
    finally:
        first.close()
        second.close()
