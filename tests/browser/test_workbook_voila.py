"""A workbook served by Voila: sign in, rate and write, reload (a new kernel), find both."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from nosworkbook.store import open_store

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60_000


@pytest.fixture(scope="module")
def served(tmp_path_factory, voila_server) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("voila-workbooks")
    for name in ("INSCS027.ipynb", "INSCS035.ipynb", "index.ipynb"):
        shutil.copy(ROOT / "workbooks" / name, folder / name)
    store = folder / "progress.sqlite"
    url = voila_server(folder, {"NOSWORKBOOK_STORE": str(store)})
    return url, store


def sign_in(page: Page, learner: str) -> None:
    page.get_by_role("textbox", name="Learner", exact=True).fill(learner)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status").filter(has_text=f"Signed in as {learner}")).to_be_visible(
        timeout=TIMEOUT
    )


def wait_for_store(store: Path, learner: str, criterion: str, expected: tuple) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if store.exists():
            record = open_store(str(store)).load("default", learner).get(criterion)
            if record and (record.rating, record.evidence) == expected:
                return
        time.sleep(0.2)
    raise AssertionError(f"{criterion} for {learner} never reached the store as {expected}")


def test_answers_survive_a_reload_in_voila(page: Page, served) -> None:
    url, store = served
    page.goto(url + "voila/render/INSCS027.ipynb", timeout=TIMEOUT)
    learner_box = page.get_by_role("textbox", name="Learner", exact=True)
    expect(learner_box).to_be_visible(timeout=TIMEOUT)
    expect(learner_box).to_have_value("")  # in Voila the learner types their id
    sign_in(page, "v.learner")

    group = page.get_by_role("radiogroup", name=re.compile(r"\bPC10\b"))
    group.get_by_role("radio", name="Competent", exact=True).check()
    evidence = page.get_by_role("textbox", name=re.compile(r"Evidence for PC10\b"))
    evidence.fill("Risk log for the spring sale, reviewed with my manager")
    evidence.press("Tab")
    wait_for_store(
        store,
        "v.learner",
        "INSCS027.PC10",
        ("Competent", "Risk log for the spring sale, reviewed with my manager"),
    )

    page.reload(timeout=TIMEOUT)  # a new page is a new kernel: nothing kept in memory
    expect(page.get_by_role("textbox", name="Learner", exact=True)).to_have_value(
        "", timeout=TIMEOUT
    )
    group = page.get_by_role("radiogroup", name=re.compile(r"\bPC10\b"))
    expect(group.get_by_role("radio", name="Competent", exact=True)).not_to_be_checked()
    sign_in(page, "v.learner")
    expect(group.get_by_role("radio", name="Competent", exact=True)).to_be_checked()
    expect(page.get_by_role("textbox", name=re.compile(r"Evidence for PC10\b"))).to_have_value(
        "Risk log for the spring sale, reviewed with my manager"
    )
    pc9 = page.get_by_role("radiogroup", name=re.compile(r"\bPC9\b"))
    expect(pc9.get_by_role("radio", name="Competent", exact=True)).not_to_be_checked()

    # Another learner on the same page sees none of it.
    sign_in(page, "w.other")
    expect(group.get_by_role("radio", name="Competent", exact=True)).not_to_be_checked()
    expect(page.get_by_role("textbox", name=re.compile(r"Evidence for PC10\b"))).to_have_value("")


def test_index_shows_the_learners_progress(page: Page, served) -> None:
    url, store = served
    open_store(str(store)).save("default", "i.learner", "INSCS027.PC1", rating="Competent")
    page.goto(url + "voila/render/index.ipynb", timeout=TIMEOUT)
    sign_in(page, "i.learner")
    link = page.get_by_role("link", name=re.compile(r"^INSCS027 Assess the risks"))
    expect(link).to_have_attribute("href", "INSCS027.ipynb")
    bar = page.get_by_role("progressbar", name=re.compile(r"^INSCS027 .*: 1 of 26 rated Competent"))
    expect(bar).to_be_visible()


def test_a_risk_exercise_is_answered_and_gets_feedback(page: Page, served) -> None:
    from nosworkbook.exercises.answers import model_answer

    url, store = served
    page.goto(url + "voila/render/INSCS027.ipynb", timeout=TIMEOUT)
    sign_in(page, "r.learner")
    exercise = page.get_by_role("region", name="Classify the risks in a customer service process")
    expect(exercise).to_be_visible()
    answer = model_answer("INSCS027.risk-classification")
    answer["risk4.level"] = "low"  # one mistake, to see feedback on it
    for name, value in answer.items():
        number, part = name.removeprefix("risk").split(".")
        exercise.get_by_role("combobox", name=f"Risk {number} {part}", exact=True).select_option(
            value
        )
    exercise.get_by_role("button", name="Check my answer").click()
    feedback = exercise.get_by_role("status", name="Feedback")
    expect(feedback).to_contain_text("Feedback: 11 of 12 right", timeout=TIMEOUT)
    expect(feedback).to_contain_text("Risk 4 level")
    expect(exercise.get_by_role("table", name="Your risk log on the matrix")).to_be_visible()
    deadline = time.monotonic() + 30
    while not open_store(str(store)).attempts("default", "r.learner"):
        assert time.monotonic() < deadline, "the attempt was never saved"
        time.sleep(0.2)
    attempt = open_store(str(store)).latest_attempt(
        "default", "r.learner", "INSCS027.risk-classification"
    )
    assert attempt.answer["risk4.level"] == "low" and attempt.score < 1


def test_a_smart_exercise_is_answered_and_gets_feedback(page: Page, served) -> None:
    url, _store = served
    page.goto(url + "voila/render/INSCS035.ipynb", timeout=TIMEOUT)
    sign_in(page, "s.learner")
    exercise = page.get_by_role("region", name=re.compile("SMART", re.IGNORECASE)).first
    expect(exercise).to_be_visible()
    exercise.get_by_role("textbox", name="Target 1", exact=True).fill(
        "Train all six complaint handlers to use the new complaint tracking log within six weeks."
    )
    exercise.get_by_role("textbox", name="Target 2", exact=True).fill("Make customers happier.")
    exercise.get_by_role("button", name="Check my answer").click()
    feedback = exercise.get_by_role("status", name="Feedback")
    expect(feedback).to_contain_text("Feedback: 1 of 2 right", timeout=TIMEOUT)
    expect(feedback).to_contain_text("Target 2")
