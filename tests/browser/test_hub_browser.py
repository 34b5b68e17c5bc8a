"""`nosworkbook hub` in a browser: a learner signs in to the hub with their access code, finds
the workbook already signed in as them, rates a criterion, signs out of the hub, signs in
again and finds it. A tutor signs in to the hub with a tutor's code, opens the dashboard on
their own server, finds both learners there, and signs off one learner's criterion by
keyboard; the learner's hostile evidence note is shown as text. With `--ready`, a learner
lands on a kernel their server kept ready, signed in as them when their page arrived."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
import yaml
from classroom_server import KERNEL_ID
from hub_server import Hub, start_hub
from playwright.sync_api import Page, expect

from nosworkbook.catalog import load
from nosworkbook.classroom.access import issue_codes
from nosworkbook.portfolio.records import percent
from nosworkbook.store import open_store
from nosworkbook.testing import kernels_in

from .test_a11y_voila import assert_accessible

TIMEOUT = 90_000  # the learner's server starts, then the page runs its notebook
SLUG = "hub-browser"
LEARNERS = {"a.khan": "Aisha Khan", "b.jones": "Ben Jones"}
TUTOR = "m.price"
HOSTILE = "<img src=x onerror=alert(1)> Told the manager & <b>logged</b> it."
COHORT = {
    "name": "Hub browser cohort",
    "slug": SLUG,
    "units": ["INSCS001"],
    "due": date.today() + timedelta(days=365),  # so the dashboard works out progress
    "learners": [{"id": person, "name": name} for person, name in LEARNERS.items()],
    "tutors": [{"id": TUTOR, "name": "Mina Price"}],
}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Hub, dict[str, str]]]:
    """The cohort built, codes issued to both learners and the tutor, and a hub running for
    it: (hub, id -> code)."""
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
        codes = issue_codes(opened, SLUG, list(LEARNERS)).codes
        codes |= issue_codes(opened, SLUG, [TUTOR], role="tutor").codes
    running = start_hub(scratch, cohort_file, store)
    yield running, codes
    running.stop()


def sign_in_to_the_hub(
    page: Page, hub: Hub, person: str, code: str, lands_on: str = "index.ipynb"
) -> None:
    page.goto(hub.url + "/hub/login", timeout=TIMEOUT)
    page.get_by_label("Learner or tutor id:").fill(person)
    page.get_by_label("Access code:").fill(code)
    page.get_by_role("button", name="Sign in").click()
    landing = re.compile(rf"/user/{re.escape(person)}/voila/render/{re.escape(lands_on)}$")
    page.wait_for_url(landing, timeout=TIMEOUT)


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
    running, codes = hub
    sign_in_to_the_hub(page, running, "a.khan", codes["a.khan"])
    competent = open_unit(page, running)
    competent.check()
    deadline = time.monotonic() + 30
    while True:
        with open_store(running.store) as store:
            record = store.load(SLUG, "a.khan").get("INSCS001.PC1")
        if record is not None and record.rating == "Competent":
            break
        assert time.monotonic() < deadline, "the rating never reached the store"
        time.sleep(0.2)

    page.goto(running.url + "/hub/logout", timeout=TIMEOUT)
    page.wait_for_url(re.compile(r"/hub/login"), timeout=TIMEOUT)
    page.goto(running.url + "/user/a.khan/voila/render/INSCS001.ipynb", timeout=TIMEOUT)
    expect(page.get_by_label("Access code:")).to_be_visible(timeout=TIMEOUT)  # signed out

    sign_in_to_the_hub(page, running, "a.khan", codes["a.khan"])
    expect(open_unit(page, running)).to_be_checked(timeout=TIMEOUT)


def wait_for_rating(store: object, person: str, criterion: str, rating: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        with open_store(store) as opened:
            record = opened.load(SLUG, person).get(criterion)
        if record is not None and record.rating == rating:
            return
        assert time.monotonic() < deadline, f"{criterion} never reached the store as {rating}"
        time.sleep(0.2)


def test_with_ready_a_learner_lands_on_a_kernel_kept_ready_and_it_knows_them_at_once(
    page: Page, hub
) -> None:
    """The real page's first widget messages, not a harness's, are what sign the kept-ready
    kernel in as the hub's learner."""
    running, codes = hub
    warm = start_hub(
        running.scratch,
        running.cohort_file,
        running.store,
        "--ready-unit",
        "INSCS001",
        "--max-servers",
        "1",
        name="ready-browser",
    )
    try:
        deadline = time.monotonic() + 120
        users = warm.state / "users" / "a.khan"
        while not (
            "1 of 1 learners' servers are up" in warm.output() and len(kernels_in(users)) == 2
        ):
            assert time.monotonic() < deadline, warm.output()[-2000:]
            time.sleep(0.5)
        kept_ready = set(kernels_in(users).values())

        sign_in_to_the_hub(page, warm, "a.khan", codes["a.khan"])
        page.goto(warm.url + "/user/a.khan/voila/render/INSCS001.ipynb", timeout=TIMEOUT)
        expect(page.get_by_role("status").filter(has_text="Signed in as a.khan")).to_be_visible(
            timeout=TIMEOUT
        )
        assert KERNEL_ID.search(page.content())[1] in kept_ready
        developing = page.get_by_role("radiogroup", name=re.compile(r"\bPC3\b")).get_by_role(
            "radio", name="Developing", exact=True
        )
        developing.check()
        wait_for_rating(warm.store, "a.khan", "INSCS001.PC3", "Developing")
        assert_accessible(page, "a unit from a kernel kept ready through the hub")
    finally:
        warm.stop()
    assert not re.search(r"\] Traceback|500 (GET|POST)", warm.output())


def test_the_hub_login_page_is_in_the_workbooks_words(page: Page, hub) -> None:
    running, _ = hub
    page.goto(running.url + "/hub/login", timeout=TIMEOUT)
    expect(page.get_by_label("Learner or tutor id:")).to_be_visible()
    expect(page.get_by_label("Access code:")).to_have_attribute("type", "password")


def tab_to(page: Page, wanted: str, most: int = 40) -> None:
    """Press Tab until the focused element is the one whose accessible name (its label's text
    or its own) is `wanted`."""
    for _ in range(most):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const el = document.activeElement;
                if (!el) return "";
                if (el.labels && el.labels.length) return el.labels[0].textContent.trim();
                return el.textContent.trim();
            }"""
        )
        if focused == wanted:
            return
    pytest.fail(f"{most} presses of Tab never reached {wanted!r}")


def test_a_tutor_signs_in_through_the_hub_sees_both_learners_and_signs_off_by_keyboard(
    page: Page, hub
) -> None:
    running, codes = hub
    with open_store(running.store) as store:  # both learners have saved something
        store.save(SLUG, "a.khan", "INSCS001.KU1", rating="Competent", evidence="Greeted them")
        store.save(SLUG, "b.jones", "INSCS001.PC2", rating="Competent", evidence=HOSTILE)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # A tutor's own server opens on the dashboard, not on the learners' index.
    sign_in_to_the_hub(page, running, TUTOR, codes[TUTOR], lands_on="tutor.ipynb")
    # No second sign-in: the dashboard knows the tutor the hub signed in.
    expect(page.get_by_role("status").filter(has_text=f"Signed in as {TUTOR}")).to_be_visible(
        timeout=TIMEOUT
    )

    # both learners, in the heat map and in the progress against the due date
    heat_map = page.get_by_role("table", name=re.compile(r"^Share of each unit's criteria"))
    progress = page.get_by_role("table", name="Progress against the due date")
    for table in (heat_map, progress):
        for person, name in LEARNERS.items():
            expect(
                table.get_by_role("row", name=re.compile(rf"^{name} \({person}\)"))
            ).to_be_visible(timeout=TIMEOUT)
    ben = heat_map.get_by_role("row", name=re.compile(r"^Ben Jones \(b\.jones\)"))
    expect(ben).to_contain_text("Signed off: 0%")

    # the sign-off form, by keyboard only: choose Ben, show his criteria, sign off PC2
    learner = page.get_by_role("combobox", name="Learner", exact=True)
    expect(learner).to_have_value("a.khan", timeout=TIMEOUT)  # the first learner, shown first
    learner.focus()
    page.keyboard.press("ArrowDown")
    expect(learner).to_have_value("b.jones")
    tab_to(page, "Show criteria")
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("status").filter(has_text="criteria of INSCS001 for Ben Jones (b.jones)")
    ).to_be_visible(timeout=TIMEOUT)
    pc2 = page.get_by_role("listitem", name=re.compile(r"^PC2: "))
    expect(pc2).to_contain_text("Not signed off yet", timeout=TIMEOUT)

    # the hostile note, as text: no element made from it, nothing run
    note = pc2.get_by_text(HOSTILE, exact=True)
    expect(note).to_be_visible()
    assert note.evaluate("node => node.children.length") == 0
    assert page.locator('img[src="x"]').count() == 0
    assert pc2.locator("b").count() == 0
    assert_accessible(page, "on the tutor's dashboard through the hub, signed in")

    tab_to(page, "Feedback on PC2")
    page.keyboard.type("Clear evidence, well done.")
    tab_to(page, "Sign off PC2")
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("status").filter(
            has_text="PC2 of INSCS001 signed off for Ben Jones (b.jones)."
        )
    ).to_be_visible(timeout=TIMEOUT)
    expect(pc2).to_contain_text("Signed off by Mina Price (m.price)")
    one = percent(1 / len(load()["INSCS001"].criteria))
    expect(ben).to_contain_text(f"Signed off: {one}%", timeout=TIMEOUT)  # the heat map too

    with open_store(running.store) as store:
        states = store.sign_off_states(SLUG, "b.jones")
        others = store.sign_off_states(SLUG, "a.khan")
    assert set(states) == {"INSCS001.PC2"}, states
    assert states["INSCS001.PC2"].tutor == TUTOR
    assert states["INSCS001.PC2"].action == "signed off"
    assert states["INSCS001.PC2"].feedback == "Clear evidence, well done."
    assert others == {}  # nothing of Aisha's was decided
    assert dialogs == []
    assert page.locator('img[src="x"]').count() == 0
