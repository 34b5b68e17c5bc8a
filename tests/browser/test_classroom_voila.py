"""Classroom mode in Voila: each learner signs in with their own access code.

The store has codes for two learners of cohort "default" (what the published workbooks use),
so the workbook asks for an access code; a right code opens the learner's own work, a wrong
one is refused with one message and nothing loads, and B never sees A's answers.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from nosworkbook.classroom import access
from nosworkbook.store import open_store

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60_000
NO_MATCH = "That learner id and access code do not match. Check them, or ask your tutor."


@pytest.fixture(scope="module")
def classroom(tmp_path_factory, voila_server) -> tuple[str, Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("voila-classroom")
    shutil.copy(ROOT / "workbooks" / "INSCS027.ipynb", folder / "INSCS027.ipynb")
    store = folder / "progress.sqlite"
    with open_store(store) as opened:
        codes = access.issue_codes(opened, "default", ["c.one", "c.two"]).codes
    url = voila_server(folder / "INSCS027.ipynb", {"NOSWORKBOOK_STORE": str(store)})
    return url, store, codes


def open_workbook(page: Page, url: str) -> None:
    page.goto(url, timeout=TIMEOUT)
    expect(page.get_by_role("textbox", name="Access code", exact=True)).to_be_visible(
        timeout=TIMEOUT
    )


def sign_in(page: Page, learner: str, code: str) -> None:
    page.get_by_role("textbox", name="Learner", exact=True).fill(learner)
    page.get_by_role("textbox", name="Access code", exact=True).fill(code)
    page.get_by_role("button", name="Sign in").click()


def signed_in(page: Page, learner: str) -> None:
    expect(page.get_by_role("status").filter(has_text=f"Signed in as {learner}")).to_be_visible(
        timeout=TIMEOUT
    )


def pc10(page: Page):
    return page.get_by_role("radiogroup", name=re.compile(r"\bPC10\b"))


def wait_for_rating(store: Path, learner: str, rating: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        record = open_store(str(store)).load("default", learner).get("INSCS027.PC10")
        if record is not None and record.rating == rating:
            return
        time.sleep(0.2)
    raise AssertionError(f"PC10 for {learner} never reached the store as {rating}")


def test_sign_in_with_the_right_code_then_rate_and_save(page: Page, classroom) -> None:
    url, store, codes = classroom
    open_workbook(page, url)
    code_box = page.get_by_role("textbox", name="Access code", exact=True)
    sign_in(page, "c.one", codes["c.one"].lower())  # case does not matter
    signed_in(page, "c.one")
    expect(code_box).to_have_value("")  # cleared once sent
    pc10(page).get_by_role("radio", name="Competent", exact=True).check()
    evidence = page.get_by_role("textbox", name=re.compile(r"Evidence for PC10\b"))
    evidence.fill("Risk log for the spring sale")
    evidence.press("Tab")
    wait_for_rating(store, "c.one", "Competent")


def test_a_wrong_code_is_refused_and_nothing_loads(page: Page, classroom) -> None:
    url, store, _codes = classroom
    open_store(str(store)).save("default", "c.two", "INSCS027.PC9", rating="Developing")
    open_workbook(page, url)
    code_box = page.get_by_role("textbox", name="Access code", exact=True)
    sign_in(page, "c.two", "AAAA-AAAA")
    expect(page.get_by_role("status").filter(has_text=NO_MATCH)).to_be_visible(timeout=TIMEOUT)
    expect(code_box).to_have_value("")
    pc9 = page.get_by_role("radiogroup", name=re.compile(r"\bPC9\b"))
    expect(pc9.get_by_role("radio", name="Developing", exact=True)).not_to_be_checked()
    expect(pc9.get_by_role("radio", name="Developing", exact=True)).to_be_disabled()
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()


def test_learner_b_cannot_see_learner_a_answers(page: Page, classroom) -> None:
    url, store, codes = classroom
    open_store(str(store)).save(
        "default", "c.one", "INSCS027.PC10", rating="Competent", evidence="A's own note"
    )
    open_workbook(page, url)
    sign_in(page, "c.one", codes["c.two"])  # B's code does not open A's work
    expect(page.get_by_role("status").filter(has_text=NO_MATCH)).to_be_visible(timeout=TIMEOUT)
    expect(pc10(page).get_by_role("radio", name="Competent", exact=True)).not_to_be_checked()
    sign_in(page, "c.two", codes["c.two"])
    signed_in(page, "c.two")
    expect(pc10(page).get_by_role("radio", name="Competent", exact=True)).not_to_be_checked()
    expect(page.get_by_role("textbox", name=re.compile(r"Evidence for PC10\b"))).to_have_value("")
    expect(page.get_by_text("A's own note")).to_have_count(0)
