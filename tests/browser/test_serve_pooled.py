"""`nosworkbook serve` in a browser: the landing page opens the index, and a workbook whose
kernel was preheated (the notebook ran before the learner arrived) signs in and saves."""

from __future__ import annotations

import re
import time

from classroom_server import start
from playwright.sync_api import Page, expect

from nosworkbook.store import open_store

TIMEOUT = 60_000


def test_preheated_workbook_signs_in_and_saves(page: Page, tmp_path) -> None:
    server = start(
        tmp_path, "--units", "INSCS027", "--pool", "1", wait_for="Kernel pool of INSCS027"
    )
    try:
        page.goto(server.url + "/", timeout=TIMEOUT)
        page.wait_for_url(re.compile(r"/voila/render/index\.ipynb$"), timeout=TIMEOUT)
        expect(page.get_by_role("textbox", name="Learner", exact=True)).to_be_visible(
            timeout=TIMEOUT
        )

        page.goto(server.url + "/voila/render/INSCS027.ipynb", timeout=TIMEOUT)
        learner = page.get_by_role("textbox", name="Learner", exact=True)
        expect(learner).to_be_visible(timeout=TIMEOUT)
        assert "Using pre-heated kernel" in server.output()
        learner.fill("p.learner")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("status").filter(has_text="Signed in as p.learner")).to_be_visible(
            timeout=TIMEOUT
        )
        group = page.get_by_role("radiogroup", name=re.compile(r"\bPC10\b"))
        group.get_by_role("radio", name="Competent", exact=True).check()

        store = server.scratch / "progress.sqlite"
        deadline = time.monotonic() + 30
        while True:
            record = open_store(str(store)).load("default", "p.learner").get("INSCS027.PC10")
            if record and record.rating == "Competent":
                break
            assert time.monotonic() < deadline, "the rating never reached the store"
            time.sleep(0.3)
    finally:
        server.stop()


def test_leaving_a_page_opened_from_a_link_ends_its_kernel(page: Page, tmp_path) -> None:
    """A learner who opens a unit straight from a link (never the landing page) and then leaves
    it: the page's shut-down request must carry the _xsrf cookie, so the kernel ends at once
    rather than holding a place under --max-kernels until it is culled."""
    server = start(tmp_path, "--pool", "0")
    try:
        page.goto(server.url + "/voila/render/INSCS001.ipynb", timeout=TIMEOUT)
        expect(page.get_by_role("textbox", name="Learner", exact=True)).to_be_visible(
            timeout=TIMEOUT
        )
        assert len(server.kernels()) == 1
        page.goto("about:blank")
        deadline = time.monotonic() + 15
        while server.kernels():
            assert time.monotonic() < deadline, "the page's kernel outlived the page"
            time.sleep(0.3)
        assert "Kernel shutdown" in server.output()
        assert "'_xsrf' argument missing" not in server.output()
    finally:
        server.stop()
