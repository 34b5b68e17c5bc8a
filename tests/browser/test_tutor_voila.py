"""The tutor's dashboard through `nosworkbook serve`, in a browser: the page shows nothing of
the cohort until a tutor signs in with a tutor's code (a learner's code is refused); the tutor
signs off one criterion and returns another with feedback, by keyboard; the learner reloads
their workbook and it says so. axe-core finds no serious or critical violation on the page.
"""

from __future__ import annotations

import re
import time

from classroom_server import start
from playwright.sync_api import Page, expect

from nosworkbook.classroom import access
from nosworkbook.cohorts.build import build
from nosworkbook.store import open_store

from .test_a11y_voila import assert_accessible

TIMEOUT = 60_000
SLUG = "tutor-view"
LEARNER, TUTOR = "s.one", "m.price"
FEEDBACK = "<script>window.pwned = 1</script> Add the date & <b>who</b> you told."
COHORT = f"""\
name: Tutor view
slug: {SLUG}
units: [INSCS027]
learners:
  - {{id: {LEARNER}, name: Sam One}}
tutors:
  - {{id: {TUTOR}, name: Mina Price}}
"""


def sign_in(page: Page, label: str, person: str, code: str) -> None:
    page.get_by_role("textbox", name=label, exact=True).fill(person)
    page.get_by_role("textbox", name="Access code", exact=True).fill(code)
    page.get_by_role("textbox", name="Access code", exact=True).press("Enter")


def criterion(page: Page, short_id: str):
    return page.get_by_role("listitem", name=re.compile(rf"^{short_id}: "))


def test_a_tutor_signs_off_in_the_dashboard_and_the_learner_sees_it_after_reload(
    page: Page, tmp_path
) -> None:
    cohort = tmp_path / "cohort.yaml"
    cohort.write_text(COHORT, encoding="utf-8")
    summary = build(cohort, out=tmp_path / "build", jobs=1, show_progress=False)
    assert summary.failed == [], summary.text()
    scratch = tmp_path / "server"
    scratch.mkdir()
    with open_store(str(scratch / "progress.sqlite")) as store:
        learner_code = access.issue_codes(store, SLUG, [LEARNER]).codes[LEARNER]
        tutor_code = access.issue_codes(store, SLUG, [TUTOR], role="tutor").codes[TUTOR]
        store.save(SLUG, LEARNER, "INSCS027.PC10", rating="Competent", evidence="Risk log")
    server = start(scratch, str(summary.folder), "--pool", "0")
    try:
        page.goto(server.url + "/voila/render/tutor.ipynb", timeout=TIMEOUT)
        expect(page.get_by_role("textbox", name="Tutor", exact=True)).to_be_visible(timeout=TIMEOUT)
        expect(page.get_by_text("Sign in above as one of the cohort's tutors").first).to_be_visible(
            timeout=TIMEOUT
        )
        assert "Sam One" not in page.content() and LEARNER not in page.content()

        sign_in(page, "Tutor", LEARNER, learner_code)  # a learner's own code: refused
        expect(page.get_by_role("status").filter(has_text="do not match")).to_be_visible(
            timeout=TIMEOUT
        )
        assert "Sam One" not in page.content()

        sign_in(page, "Tutor", TUTOR, tutor_code)
        expect(page.get_by_role("status").filter(has_text=f"Signed in as {TUTOR}")).to_be_visible(
            timeout=TIMEOUT
        )
        expect(page.get_by_role("combobox", name="Learner")).to_have_value(LEARNER)
        pc10 = criterion(page, "PC10")
        expect(pc10).to_contain_text("Risk log", timeout=TIMEOUT)
        expect(pc10).to_contain_text("Not signed off yet")
        assert_accessible(page, "on the tutor's dashboard, signed in")

        # by keyboard: focus the button and press Enter
        button = page.get_by_role("button", name="Sign off PC10", exact=True)
        button.focus()
        page.keyboard.press("Enter")
        expect(
            page.get_by_role("status").filter(has_text="PC10 of INSCS027 signed off")
        ).to_be_visible(timeout=TIMEOUT)
        expect(pc10).to_contain_text("Signed off by Mina Price (m.price)")

        # listing only what is still to decide hides the one just signed off
        page.get_by_role("combobox", name="List").select_option("waiting")
        expect(pc10).to_be_hidden()
        expect(page.get_by_text(re.compile(r"^Listing \d+ of \d+ criteria\.$"))).to_be_visible()
        page.get_by_role("combobox", name="List").select_option("all")
        expect(pc10).to_be_visible()

        pc1 = criterion(page, "PC1")
        pc1.get_by_role("textbox", name="Feedback on PC1").fill(FEEDBACK)
        pc1.get_by_role("button", name="Return PC1 with feedback").click()
        expect(pc1).to_contain_text("Returned by Mina Price (m.price)", timeout=TIMEOUT)
        expect(pc1.get_by_text(FEEDBACK, exact=True)).to_be_visible()
        assert page.evaluate("() => window.pwned") is None

        with open_store(str(scratch / "progress.sqlite")) as store:
            log = [(e.criterion, e.tutor, e.action) for e in store.sign_off_log(SLUG, LEARNER)]
        assert log == [
            ("INSCS027.PC10", TUTOR, "signed off"),
            ("INSCS027.PC1", TUTOR, "returned"),
        ]

        # the learner, in their workbook: signed off, and the returned one with its feedback
        page.goto(server.url + "/voila/render/INSCS027.ipynb", timeout=TIMEOUT)
        expect(page.get_by_role("textbox", name="Access code", exact=True)).to_be_visible(
            timeout=TIMEOUT
        )
        sign_in(page, "Learner", LEARNER, learner_code)
        expect(page.get_by_role("status").filter(has_text=f"Signed in as {LEARNER}")).to_be_visible(
            timeout=TIMEOUT
        )
        group = page.get_by_role("radiogroup", name=re.compile(r"\bPC10\b"))
        item = page.get_by_role("listitem").filter(has=group)
        expect(item).to_contain_text("Status: Signed off by your tutor on", timeout=TIMEOUT)
        returned = page.get_by_role("listitem").filter(
            has=page.get_by_role("radiogroup", name=re.compile(r"\bPC1\b"))
        )
        expect(returned).to_contain_text("Returned by your tutor on")
        expect(returned.get_by_text(FEEDBACK, exact=True)).to_be_visible()
        assert page.evaluate("() => window.pwned") is None
    finally:
        server.stop()
    deadline = time.monotonic() + 5
    while server.proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
