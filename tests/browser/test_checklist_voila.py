"""The Checklist widget in a real browser, served by standalone Voila, and the save path's acks.

Controls are found by role and accessible name only, as a screen-reader user would find them.
The notebook logs every `on_change` callback to `<run>.jsonl` and its widget-model count to
`<run>.models.json`, where `<run>` is the page's `?run=` token, so each test checks its own
kernel's view of what was saved. A page opened with `&ack_ms=N` waits N ms for an ack (not
20 s), and PC24's save takes 6 s: an ack that does not come in time, then comes late.

A second notebook holds one exercise whose save fails or stalls on demand, to check what the
learner is told when an ack says "not saved", or does not come in time (the exercise's
feedback and forms are tested in a whole workbook in test_workbook_voila.py).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import date
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import Page, expect

from nosworkbook.catalog import load

HEADING = "You must be able to"
FILTER = "Show only items not yet Competent"
TOTAL = len(load()["INSCS008"].performance)
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

SETUP = """\
import json, os, pathlib, time, urllib.parse
from ipywidgets.widgets.widget import _instances
from nosworkbook.catalog import load
from nosworkbook.widgets import Checklist

_query = urllib.parse.parse_qs(os.environ.get("QUERY_STRING", ""))
_run = _query.get("run", ["default"])[0]
_ack_ms = int(_query.get("ack_ms", ["0"])[0])
_log = pathlib.Path({out!r}) / f"{{_run}}.jsonl"


def _record(cid, rating, evidence):
    if cid == "INSCS008.PC25":
        time.sleep(1.5)  # a slow store: edits queue up behind this save
    if cid == "INSCS008.PC24":
        time.sleep(6)  # a stalled store: the ack comes after the page stopped waiting
    with _log.open("a", encoding="utf-8") as f:
        f.write(json.dumps({{"id": cid, "rating": rating, "evidence": evidence}}) + "\\n")
"""

SHOW = """\
checklist = Checklist.for_criteria("You must be able to", load()["INSCS008"].performance)
checklist.on_change(_record)
if _ack_ms:
    checklist._ack_timeout_ms = _ack_ms
(pathlib.Path({out!r}) / f"{{_run}}.models.json").write_text(json.dumps({{
    "models": len(_instances),
    "checklists": sum(isinstance(w, Checklist) for w in list(_instances.values())),
}}))
checklist
"""


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("checklist-out")


@pytest.fixture(scope="module")
def server(voila_server, tmp_path_factory: pytest.TempPathFactory, out_dir: Path) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(SETUP.format(out=str(out_dir))),
        nbformat.v4.new_code_cell(SHOW.format(out=str(out_dir))),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = tmp_path_factory.mktemp("checklist-nb") / "nb.ipynb"
    nbformat.write(nb, path)
    return voila_server(path)


class Run:
    """One page load: its kernel's log of saved edits and model count."""

    def __init__(self, page: Page, server: str, out_dir: Path, query: str = "") -> None:
        self.token = uuid.uuid4().hex
        self.log = out_dir / f"{self.token}.jsonl"
        self.models = out_dir / f"{self.token}.models.json"
        self.started = time.monotonic()
        page.goto(f"{server}?run={self.token}{query}")
        expect(page.get_by_role("heading", name=HEADING)).to_be_visible()
        self.load_seconds = time.monotonic() - self.started

    def saved(self) -> list[dict]:
        """The records written whole so far: the kernel appends a line at a time, and a long
        one (a 20,000-emoji note) can be read while it is still being written."""
        if not self.log.exists():
            return []
        whole = self.log.read_text().split("\n")[:-1]  # the last piece has no newline yet
        return [json.loads(line) for line in whole if line]

    def wait_saved(self, predicate, timeout: float = 20) -> list[dict]:
        """Poll the callback log until `predicate(records)` holds."""
        deadline = time.monotonic() + timeout
        while True:
            records = self.saved()
            if predicate(records):
                return records
            if time.monotonic() > deadline:
                raise AssertionError(f"callback log never satisfied the check: {records}")
            time.sleep(0.1)


@pytest.fixture()
def run(page: Page, server: str, out_dir: Path) -> Run:
    expect.set_options(timeout=30_000)
    return Run(page, server, out_dir)


def group(page: Page, short_id: str):
    return page.get_by_role("radiogroup", name=re.compile(rf"\b{short_id}\b"))


def evidence(page: Page, short_id: str):
    return page.get_by_role("textbox", name=re.compile(rf"\bEvidence for {short_id}\b"))


def count(page: Page):
    return page.get_by_role("status").filter(has_text=re.compile(r"rated Competent"))


def test_every_item_has_named_controls(page: Page, run: Run) -> None:
    expect(page.get_by_role("radiogroup")).to_have_count(TOTAL)
    expect(page.get_by_role("textbox")).to_have_count(TOTAL)
    names = set()
    for n in (1, 10, TOTAL):
        radios = group(page, f"PC{n}").get_by_role("radio")
        expect(radios).to_have_count(3)
        for label in ("Not yet", "Developing", "Competent"):
            radio = group(page, f"PC{n}").get_by_role("radio", name=label, exact=True)
            expect(radio).not_to_be_checked()
            names.add(radio.get_attribute("name"))
        expect(evidence(page, f"PC{n}")).to_be_editable()
    assert len(names) == 3  # one radio group per item, none shared
    expect(count(page)).to_have_text(f"0 of {TOTAL} rated Competent")
    bar = page.get_by_role("progressbar", name=re.compile(HEADING))
    expect(bar).to_have_attribute("aria-valuenow", "0")
    expect(bar).to_have_attribute("aria-valuemax", str(TOTAL))
    expect(page.get_by_role("checkbox", name=FILTER)).not_to_be_checked()


def test_notebook_builds_one_model_not_hundreds(run: Run) -> None:
    deadline = time.monotonic() + 10
    while not run.models.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    counts = json.loads(run.models.read_text())
    assert counts["checklists"] == 1
    assert counts["models"] <= 3  # the checklist and its layout; stock ipywidgets would be ~300


def test_rating_and_evidence_reach_python_once_each(page: Page, run: Run) -> None:
    pc10 = group(page, "PC10")
    pc10.get_by_role("radio", name="Developing").click()
    page.keyboard.press("ArrowRight")  # keyboard: moves to and checks the next radio
    expect(pc10.get_by_role("radio", name="Competent")).to_be_checked()
    expect(pc10.get_by_role("radio", name="Developing")).not_to_be_checked()
    expect(count(page)).to_have_text(f"1 of {TOTAL} rated Competent")
    bar = page.get_by_role("progressbar", name=re.compile(HEADING))
    expect(bar).to_have_attribute("aria-valuenow", "1")

    records = run.wait_saved(lambda r: len(r) >= 2)
    assert records == [
        {"id": "INSCS008.PC10", "rating": "Developing", "evidence": ""},
        {"id": "INSCS008.PC10", "rating": "Competent", "evidence": ""},
    ]

    note = "Handled a refund request <b>calmly</b> & noted it"
    box = evidence(page, "PC10")
    box.click()
    page.keyboard.type(note)
    # saved by the debounce while the box still has focus: nothing lost if the page closes now
    run.wait_saved(lambda r: r[-1]["evidence"] == note)
    expect(box).to_be_focused()
    expect(box).to_have_value(note)

    page.keyboard.press("Tab")  # blur: a change event with text that is already saved
    group(page, "PC11").get_by_role("radio", name="Not yet").click()
    records = run.wait_saved(lambda r: r[-1]["id"] == "INSCS008.PC11")
    assert [r for r in records if r["evidence"] == note] == [
        {"id": "INSCS008.PC10", "rating": "Competent", "evidence": note}
    ]
    assert len(records) == 4  # Developing, Competent, evidence, PC11: one save per edit

    today = date.today()
    stamp = f"Last changed {today.day} {MONTHS[today.month - 1]} {today.year}"
    expect(page.get_by_text(stamp, exact=True)).to_have_count(2)  # PC10 and PC11
    expect(page.get_by_text("Not changed yet", exact=True)).to_have_count(TOTAL - 2)
    expect(count(page)).to_have_text(f"1 of {TOTAL} rated Competent")


def test_typing_is_not_undone_by_the_save_echo(page: Page, run: Run) -> None:
    """A save echoes `values` back, possibly while the learner is still typing in that box."""
    group(page, "PC25").get_by_role("radio", name="Developing").click()  # a 1.5 s save
    box = evidence(page, "PC5")
    box.click()
    box.press_sequentially("Greeted ")
    page.wait_for_timeout(700)  # a learner's pause: the 600 ms debounce sends "Greeted "
    # the kernel is still busy, so the echo of "Greeted " lands while this is being typed
    box.press_sequentially("the customer by name", delay=60)
    final = "Greeted the customer by name"
    records = run.wait_saved(lambda r: r and r[-1]["evidence"] == final)
    expect(box).to_have_value(final)
    assert [r["evidence"] for r in records] == ["", "Greeted ", final]


def test_keyboard_order_and_visible_focus(page: Page, run: Run) -> None:
    page.get_by_role("checkbox", name=FILTER).focus()
    page.keyboard.press("Tab")
    first = group(page, "PC1").get_by_role("radio", name="Not yet")
    expect(first).to_be_focused()
    outline = first.evaluate(
        "e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert outline == ["solid", "3px"]
    page.keyboard.press("ArrowRight")
    expect(group(page, "PC1").get_by_role("radio", name="Developing")).to_be_checked()
    page.keyboard.press("Tab")
    expect(evidence(page, "PC1")).to_be_focused()
    page.keyboard.press("Tab")
    expect(group(page, "PC2").get_by_role("radio", name="Not yet")).to_be_focused()
    run.wait_saved(lambda r: r == [{"id": "INSCS008.PC1", "rating": "Developing", "evidence": ""}])


def test_filter_shows_only_items_not_yet_competent(page: Page, run: Run) -> None:
    group(page, "PC3").get_by_role("radio", name="Competent").click()
    expect(count(page)).to_have_text(f"1 of {TOTAL} rated Competent")
    run.wait_saved(lambda r: len(r) == 1)
    only = page.get_by_role("checkbox", name=FILTER)
    only.check()
    expect(group(page, "PC3")).to_be_hidden()
    expect(evidence(page, "PC3")).to_be_hidden()
    expect(group(page, "PC4")).to_be_visible()
    expect(page.get_by_role("radiogroup")).to_have_count(TOTAL - 1)
    only.uncheck()
    expect(group(page, "PC3")).to_be_visible()
    expect(page.get_by_role("radiogroup")).to_have_count(TOTAL)


# --- what the learner is told when an edit is not saved -------------------------------------

EMOJI = "\U0001f600"  # one character, two UTF-16 code units
NO_REPLY = "This change has not been saved: the workbook did not reply."


def test_an_edit_with_no_ack_in_time_shows_as_not_saved_until_the_late_ack_comes(
    page: Page, server: str, out_dir: Path
) -> None:
    expect.set_options(timeout=30_000)
    run = Run(page, server, out_dir, query="&ack_ms=2000")
    pc24 = group(page, "PC24")
    pc24.get_by_role("radio", name="Competent").click()  # a 6 s save; the page waits 2 s
    alert = page.get_by_role("alert")
    expect(alert).to_have_count(1, timeout=5_000)
    expect(alert).to_contain_text(NO_REPLY)
    expect(alert).to_be_visible()
    # Heard where the learner is: the item's controls are described by the error.
    expect(pc24).to_have_accessible_description(re.compile(re.escape(NO_REPLY)))
    expect(evidence(page, "PC24")).to_have_accessible_description(re.compile("not been saved"))
    expect(pc24.get_by_role("radio", name="Competent")).to_be_checked()  # as the learner left it
    assert run.saved() == []  # not yet in the store
    # The late ack: it was saved after all, and the item says so.
    expect(page.get_by_role("alert")).to_have_count(0, timeout=15_000)
    assert run.wait_saved(lambda r: len(r) == 1) == [
        {"id": "INSCS008.PC24", "rating": "Competent", "evidence": ""}
    ]
    expect(page.get_by_text(re.compile(r"^Last changed \d"))).to_have_count(1)
    expect(pc24).not_to_have_accessible_description(re.compile("not been saved"))


def test_a_note_of_twenty_thousand_emoji_is_saved_whole_and_one_more_is_refused(
    page: Page, run: Run
) -> None:
    box = evidence(page, "PC7")
    note = EMOJI * 20_000  # 20,000 characters, 40,000 UTF-16 code units
    box.fill(note)
    records = run.wait_saved(lambda r: len(r) == 1)
    saved = records[0]["evidence"]
    assert len(saved) == 20_000 and saved == note  # whole: not cut at 20,000 units or in half
    expect(page.get_by_role("alert")).to_have_count(0)

    box.fill(note + EMOJI)
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("Evidence is limited to 20,000 characters; this has 20,001.")
    expect(box).to_have_accessible_description(re.compile("limited to 20,000 characters"))
    page.keyboard.press("Tab")  # leaving the box does not send it either
    page.wait_for_timeout(1_500)
    assert len(run.saved()) == 1  # refused, not cut to fit and saved
    assert box.evaluate("e => [...e.value].length") == 20_001  # left as typed, to shorten

    box.fill(note[:-1] + "!")  # shortened: saved, and the message goes
    run.wait_saved(lambda r: len(r) == 2 and r[-1]["evidence"].endswith("!"))
    expect(page.get_by_role("alert")).to_have_count(0)


# --- the exercise widget's acks ---------------------------------------------------------------

EXERCISE = """\
import time
from nosworkbook.exercises import get
from nosworkbook.exercises.answers import model_answer
from nosworkbook.widgets.exercise import ExerciseWidget

exercise = ExerciseWidget(get("INSCS027.risk-classification"))
exercise._ack_timeout_ms = 1500


def _save(exercise_id, answer, result):
    level = answer.get("risk1.level")
    if level == "low":
        raise OSError("disk full")  # the store refuses the attempt
    if level == "medium":
        time.sleep(5)  # the store is slow: the ack comes after the browser gave up waiting


exercise.on_attempt(_save)
# Stored at 60% under older marking; the same answer scores 100% today.
answer = model_answer("INSCS027.risk-classification")
exercise.restore(answer, score=0.6, checked_at="2026-11-23T09:30:00+00:00")
exercise
"""
EXERCISE_TITLE = "Classify the risks in a customer service process"


@pytest.fixture(scope="module")
def exercise_server(voila_server, tmp_path_factory: pytest.TempPathFactory) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(EXERCISE)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = tmp_path_factory.mktemp("exercise-nb") / "exercise.ipynb"
    nbformat.write(nb, path)
    return voila_server(path)


@pytest.fixture()
def exercise(page: Page, exercise_server: str):
    expect.set_options(timeout=30_000)
    page.goto(exercise_server)
    region = page.get_by_role("region", name=EXERCISE_TITLE)
    expect(region).to_be_visible(timeout=60_000)
    return region


def check(exercise, risk1_level: str) -> None:
    exercise.get_by_role("combobox", name="Risk 1 level", exact=True).select_option(risk1_level)
    exercise.get_by_role("button", name="Check my answer").click()


def test_a_restored_attempt_shows_its_stored_score_and_says_why_today_differs(exercise) -> None:
    feedback = exercise.get_by_role("status", name="Feedback")
    expect(feedback.get_by_role("heading", name="Feedback: 60%", exact=True)).to_be_visible()
    expect(feedback).to_contain_text(
        "When you checked this it scored 60%. Marked again today it scores 100%."
    )
    expect(exercise.get_by_text(re.compile(r"^Last checked 23 Nov 2026"))).to_be_visible()
    expect(exercise.get_by_role("alert")).to_have_count(0)


def test_a_save_that_fails_is_shown_in_an_alert(exercise) -> None:
    check(exercise, "low")
    alert = exercise.get_by_role("alert")
    expect(alert).to_have_text(
        "Your answer was checked but could not be saved. Please try again or tell your tutor."
    )
    feedback = exercise.get_by_role("status", name="Feedback")
    expect(feedback).to_contain_text("Feedback: 11 of 12 right")  # checked, just not saved
    expect(feedback).not_to_contain_text("When you checked this")
    check(exercise, "high")  # the store takes this one: the alert goes
    expect(exercise.get_by_role("alert")).to_have_count(0)
    expect(feedback).to_contain_text("Feedback: 12 of 12 right")


def test_a_check_with_no_ack_in_time_is_shown_as_not_saved_until_the_ack_comes(exercise) -> None:
    check(exercise, "medium")  # a 5 s save; the page waits 1.5 s for its ack
    alert = exercise.get_by_role("alert")
    expect(alert).to_contain_text("Your answer has not been saved", timeout=4_000)
    expect(exercise.get_by_role("status", name="Feedback")).not_to_contain_text("Checking")
    expect(alert).to_have_count(0, timeout=15_000)  # the late ack: it was saved after all
