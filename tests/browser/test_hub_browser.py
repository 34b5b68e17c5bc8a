"""`nosworkbook hub` in a browser: a learner signs in to the hub with their access code, finds
the workbook already signed in as them, rates a criterion, signs out of the hub, signs in
again and finds it."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import yaml
from hub_server import Hub, start_hub
from playwright.sync_api import Page, expect

from nosworkbook.classroom.access import issue_codes
from nosworkbook.store import open_store

TIMEOUT = 90_000  # the learner's server starts, then the page runs its notebook
COHORT = {
    "name": "Hub browser cohort",
    "slug": "hub-browser",
    "units": ["INSCS001"],
    "learners": [{"id": "a.khan", "name": "Aisha Khan"}],
}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Hub, str]]:
    scratch = tmp_path_factory.mktemp("hub-browser")
    cohort_file = scratch / "cohort.yaml"
    cohort_file.write_text(yaml.safe_dump(COHORT))
    store = scratch / "store.sqlite"
    built = subprocess.run(
        [sys.executable, "-m", "nosworkbook", "build", str(cohort_file), "--jobs", "2"],
        cwd=scratch,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    with open_store(store) as opened:
        code = issue_codes(opened, "hub-browser", ["a.khan"]).codes["a.khan"]
    running = start_hub(scratch, cohort_file, store)
    yield running, code
    running.stop()


def sign_in_to_the_hub(page: Page, hub: Hub, code: str) -> None:
    page.goto(hub.url + "/hub/login", timeout=TIMEOUT)
    page.get_by_label("Learner or tutor id:").fill("a.khan")
    page.get_by_label("Access code:").fill(code)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/user/a\.khan/voila/render/index\.ipynb$"), timeout=TIMEOUT)


def open_unit(page: Page, hub: Hub):
    page.goto(hub.url + "/user/a.khan/voila/render/INSCS001.ipynb", timeout=TIMEOUT)
    # No second sign-in: the workbook knows who the hub signed in.
    expect(page.get_by_role("status").filter(has_text="Signed in as a.khan")).to_be_visible(
        timeout=TIMEOUT
    )
    return page.get_by_role("radiogroup", name=re.compile(r"\bPC1\b")).get_by_role(
        "radio", name="Competent", exact=True
    )


def test_a_learner_signs_in_through_the_hub_rates_signs_out_and_finds_it_again(
    page: Page, hub
) -> None:
    running, code = hub
    sign_in_to_the_hub(page, running, code)
    competent = open_unit(page, running)
    competent.check()
    deadline = time.monotonic() + 30
    while True:
        with open_store(running.store) as store:
            record = store.load("hub-browser", "a.khan").get("INSCS001.PC1")
        if record is not None and record.rating == "Competent":
            break
        assert time.monotonic() < deadline, "the rating never reached the store"
        time.sleep(0.2)

    page.goto(running.url + "/hub/logout", timeout=TIMEOUT)
    page.wait_for_url(re.compile(r"/hub/login"), timeout=TIMEOUT)
    page.goto(running.url + "/user/a.khan/voila/render/INSCS001.ipynb", timeout=TIMEOUT)
    expect(page.get_by_label("Access code:")).to_be_visible(timeout=TIMEOUT)  # signed out

    sign_in_to_the_hub(page, running, code)
    expect(open_unit(page, running)).to_be_checked(timeout=TIMEOUT)


def test_the_hub_login_page_is_in_the_workbooks_words(page: Page, hub) -> None:
    running, _ = hub
    page.goto(running.url + "/hub/login", timeout=TIMEOUT)
    expect(page.get_by_label("Learner or tutor id:")).to_be_visible()
    expect(page.get_by_label("Access code:")).to_have_attribute("type", "password")
