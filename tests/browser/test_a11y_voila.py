"""Accessibility of workbook pages served by Voila, checked with axe-core (issue 6).

axe-core's script comes from the `axe-playwright-python` wheel (PyPI; it ships `axe.min.js`),
which the `test` extra installs. Only the script is used: it is injected into the page and
`axe.run` is called with the WCAG 2.0 and 2.1 level A and AA rules. A page passes when no
violation is "serious" or "critical". The whole page is checked, Voila's own page included.

Each page is checked in the states a learner sees: before signing in, signed in, after checking
an exercise (feedback and, for the risk exercise, the matrix are in the page) and with the
"not yet Competent" filter on.
"""

from __future__ import annotations

import re
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60_000
UNITS = ("INSCS027", "INSCS035")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
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


def assert_accessible(page: Page, state: str) -> None:
    violations = run_axe(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    if violations:
        print(f"axe, {state}: {len(violations)} violation(s)\n{describe(violations)}")
    assert not blocking, (
        f"axe found {len(blocking)} serious or critical violation(s) {state}:\n"
        + describe(blocking)
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory, voila_server) -> str:
    folder = tmp_path_factory.mktemp("a11y-workbooks")
    for urn in UNITS:
        shutil.copy(ROOT / "workbooks" / f"{urn}.ipynb", folder / f"{urn}.ipynb")
    store = tmp_path_factory.mktemp("a11y-store") / "progress.sqlite"
    return voila_server(folder, {"NOSWORKBOOK_STORE": str(store)})


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
