"""A learner sees where each criterion stands, in Voila: a tutor signs off in the store, the
learner reloads and signs in, and the criterion says "Signed off", in words and in its
controls' description; a returned criterion shows the tutor's feedback as text; the learner's
own change makes it "Changed since sign-off" at once. Nothing on the page signs off."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from nosworkbook.settings import day_words
from nosworkbook.store import open_store
from nosworkbook.widgets.standing import uk_day

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60_000
LEARNER = "s.learner"
FEEDBACK = '<script>window.pwned = 1</script> Please add <b>a date</b> & "where".'


@pytest.fixture(scope="module")
def served(tmp_path_factory, voila_server) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("standing-workbooks")
    shutil.copy(ROOT / "workbooks" / "INSCS027.ipynb", folder / "INSCS027.ipynb")
    store = folder / "progress.sqlite"
    url = voila_server(folder, {"NOSWORKBOOK_STORE": str(store)}, template=True)
    return url, store


def open_and_sign_in(page: Page, url: str) -> None:
    page.goto(url + "voila/render/INSCS027.ipynb", timeout=TIMEOUT)
    box = page.get_by_role("textbox", name="Learner", exact=True)
    expect(box).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("radiogroup", name=re.compile(r"\bKU\d+\b")).last).to_be_visible()
    # nobody is signed in: no criterion says where it stands
    expect(page.get_by_text(re.compile("^(Not started|Working towards)"))).to_have_count(0)
    box.fill(LEARNER)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status").filter(has_text=f"Signed in as {LEARNER}")).to_be_visible(
        timeout=TIMEOUT
    )


def group(page: Page, short_id: str):
    return page.get_by_role("radiogroup", name=re.compile(rf"\b{short_id}\b"))


def item(page: Page, short_id: str):
    return page.get_by_role("listitem").filter(has=group(page, short_id))


def test_a_criterion_signed_off_in_the_store_shows_signed_off_after_a_reload(
    page: Page, served
) -> None:
    url, store = served
    with open_store(str(store)) as db:
        db.save("default", LEARNER, "INSCS027.PC10", rating="Competent", evidence="Risk log")
    open_and_sign_in(page, url)
    expect(item(page, "PC10")).to_contain_text("Status: Working towards: not signed off yet")
    expect(item(page, "PC1")).to_contain_text("Status: Not started")

    with open_store(str(store)) as db:
        entry = db.sign_off("default", LEARNER, "INSCS027.PC10", tutor="m.price")
        db.sign_off(
            "default", LEARNER, "INSCS027.KU7", tutor="m.price", feedback=FEEDBACK, returned=True
        )
    signed = f"Signed off by your tutor on {day_words(uk_day(entry.at))}"

    page.reload(timeout=TIMEOUT)  # a new kernel, which reads the sign-off from the store
    open_and_sign_in(page, url)
    expect(item(page, "PC10")).to_contain_text(f"Status: {signed}")
    # said to a screen reader with the item's controls, not only shown
    described = re.compile(re.escape(f"Status: {signed}"))
    expect(group(page, "PC10")).to_have_accessible_description(described)
    evidence = page.get_by_role("textbox", name=re.compile(r"Evidence for PC10\b"))
    expect(evidence).to_have_accessible_description(described)

    # the returned item: the tutor's feedback, as text (its tags are shown, never run)
    ku7 = item(page, "KU7")
    expect(ku7).to_contain_text("Returned by your tutor on")
    expect(ku7.get_by_text(FEEDBACK, exact=True)).to_be_visible()
    assert page.evaluate("() => window.pwned") is None
    expect(ku7.locator("script, b")).to_have_count(0)

    # nothing on the page signs off
    expect(page.get_by_role("button", name=re.compile(r"sign.?off|approve", re.I))).to_have_count(0)

    # the learner changes the signed-off item: it says so at once, and a screen reader hears it
    evidence.fill("Risk log, reviewed with my manager")
    evidence.press("Tab")
    expect(item(page, "PC10")).to_contain_text("Status: Changed since sign-off", timeout=TIMEOUT)
    expect(
        page.get_by_role("status").filter(has_text="PC10: Changed since sign-off")
    ).to_have_count(1)
    deadline = time.monotonic() + 30
    while (
        not open_store(str(store))
        .sign_off_states("default", LEARNER)["INSCS027.PC10"]
        .changed_since
    ):
        assert time.monotonic() < deadline, "the change never reached the store"
        time.sleep(0.2)
