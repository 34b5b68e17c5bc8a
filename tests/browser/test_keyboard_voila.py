"""Keyboard use and WCAG 2.2's additions, in a classroom-mode workbook served as `nosworkbook
serve` serves it (the nosworkbook template).

- Keyboard only: sign in (learner id and access code), rate a criterion, write an evidence
  note and check an exercise with Tab, Shift+Tab, arrows, Space and Enter alone. At every stop
  the test asserts which control has focus, that its outline shows (solid, 2 px or more, 3:1
  against the page) and, for 2.4.11 Focus Not Obscured, that nothing covers it (the element at
  its centre is the control itself).
- 3.3.8 Accessible Authentication: the access code box is a password box a password manager
  may fill (`autocomplete="current-password"`) and a pasted code signs in; the learner box says
  it is a user name (`autocomplete="username"`). There is nothing to remember or work out.
- 3.3.7 Redundant Entry: the form asks for each thing once, and after a code that does not
  match the learner id is still there: only the code is typed again.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from nosworkbook.classroom import access
from nosworkbook.store import open_store

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60_000
RISK = "Classify the risks in a customer service process"
MOST_TABS = 250

FOCUS = """() => {
  const node = document.activeElement;
  if (!node || node === document.body) return null;
  const style = getComputedStyle(node);
  const box = node.getBoundingClientRect();
  const x = box.left + box.width / 2, y = box.top + box.height / 2;
  const top = document.elementFromPoint(x, y);
  return {
    tag: node.tagName.toLowerCase(),
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth),
    outlineColor: style.outlineColor,
    inView: y >= 0 && y <= innerHeight && x >= 0 && x <= innerWidth,
    onTop: top === node || node.contains(top),
  };
}"""


def luminance(rgb: str) -> float:
    values = [int(v) / 255 for v in re.findall(r"\d+", rgb)[:3]]
    lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in values]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def assert_focus_shown(page: Page, what: str) -> None:
    """The focused control's outline is visible and nothing sticky hides it."""
    state = page.evaluate(FOCUS)
    assert state is not None, f"{what}: nothing has focus"
    assert state["outlineStyle"] not in ("none", "hidden"), f"{what}: no focus outline {state}"
    assert state["outlineWidth"] >= 2, f"{what}: outline too thin {state}"
    ratio = 1.05 / (luminance(state["outlineColor"]) + 0.05)  # against the white page
    assert ratio >= 3, f"{what}: outline {state['outlineColor']} is {ratio:.2f}:1 on white"
    assert state["inView"] and state["onTop"], f"{what}: focused but hidden {state}"


def is_focused(locator: Locator) -> bool:
    return locator.evaluate("n => n === document.activeElement")


def tab_to(page: Page, target: Locator, what: str, key: str = "Tab") -> None:
    for _ in range(MOST_TABS):
        page.keyboard.press(key)
        if is_focused(target):
            assert_focus_shown(page, what)
            return
    pytest.fail(f"{key} never reached {what}")


def press(page: Page, key: str, target: Locator, what: str) -> None:
    page.keyboard.press(key)
    expect(target).to_be_focused()
    assert_focus_shown(page, what)


@pytest.fixture(scope="module")
def classroom(tmp_path_factory, voila_server) -> tuple[str, dict[str, str]]:
    folder = tmp_path_factory.mktemp("keyboard")
    shutil.copy(ROOT / "workbooks" / "INSCS027.ipynb", folder / "INSCS027.ipynb")
    store = folder / "progress.sqlite"
    with open_store(store) as opened:
        codes = access.issue_codes(opened, "default", ["k.one", "k.two", "k.three"]).codes
    url = voila_server(folder / "INSCS027.ipynb", {"NOSWORKBOOK_STORE": str(store)}, template=True)
    return url, codes


def open_workbook(page: Page, url: str) -> None:
    page.goto(url, timeout=TIMEOUT)
    expect(page.get_by_role("textbox", name="Access code", exact=True)).to_be_visible(
        timeout=TIMEOUT
    )
    # every widget is drawn: the last checklist item and the last exercise's button
    expect(page.get_by_role("radiogroup", name=re.compile(r"\bKU\d+\b")).last).to_be_visible()
    expect(page.get_by_role("button", name="Check my answer").last).to_be_visible()


def test_sign_in_rate_write_and_check_with_the_keyboard_alone(page: Page, classroom) -> None:
    url, codes = classroom
    open_workbook(page, url)
    learner = page.get_by_role("textbox", name="Learner", exact=True)
    code = page.get_by_role("textbox", name="Access code", exact=True)

    tab_to(page, learner, "the Learner box")
    page.keyboard.type("k.one")
    press(page, "Tab", code, "the Access code box")
    page.keyboard.type(codes["k.one"])
    page.keyboard.press("Enter")  # the form's own submit: Sign in
    expect(page.get_by_role("status").filter(has_text="Signed in as k.one")).to_be_visible(
        timeout=TIMEOUT
    )

    pc1 = page.get_by_role("radiogroup", name=re.compile(r"\bPC1\b"))
    not_yet = pc1.get_by_role("radio", name="Not yet", exact=True)
    developing = pc1.get_by_role("radio", name="Developing", exact=True)
    expect(not_yet).to_be_enabled()  # signed in: the checklist takes answers
    tab_to(page, not_yet, "PC1's first rating")
    page.keyboard.press("Space")
    expect(not_yet).to_be_checked()
    press(page, "ArrowRight", developing, "PC1 Developing")
    expect(developing).to_be_checked()

    evidence = page.get_by_role("textbox", name="Evidence for PC1", exact=True)
    press(page, "Tab", evidence, "Evidence for PC1")
    page.keyboard.type("Kept the risk log for the returns desk.")
    press(page, "Shift+Tab", developing, "back to PC1's rating")
    press(page, "Tab", evidence, "Evidence for PC1 again")
    expect(evidence).to_have_value("Kept the risk log for the returns desk.")

    exercise = page.get_by_role("region", name=RISK)
    likelihood = exercise.get_by_role("combobox", name="Risk 1 likelihood", exact=True)
    tab_to(page, likelihood, "Risk 1 likelihood")
    page.keyboard.press("ArrowDown")
    expect(likelihood).not_to_have_value("")
    check = exercise.get_by_role("button", name="Check my answer")
    tab_to(page, check, "Check my answer")
    page.keyboard.press("Enter")
    expect(exercise.get_by_role("status", name="Feedback")).to_contain_text(
        "of 12 right", timeout=TIMEOUT
    )
    expect(check).to_be_focused()  # focus stays where the learner was
    assert_focus_shown(page, "Check my answer after checking")


def test_the_access_code_can_be_pasted_or_filled_by_a_password_manager(
    page: Page, classroom
) -> None:
    url, codes = classroom
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url.rstrip("/"))
    open_workbook(page, url)
    learner = page.get_by_role("textbox", name="Learner", exact=True)
    code = page.get_by_role("textbox", name="Access code", exact=True)
    expect(learner).to_have_attribute("autocomplete", "username")
    expect(code).to_have_attribute("type", "password")
    expect(code).to_have_attribute("autocomplete", "current-password")
    learner.fill("k.two")
    page.evaluate("text => navigator.clipboard.writeText(text)", codes["k.two"])
    code.focus()
    page.keyboard.press("Control+V")
    expect(code).to_have_value(codes["k.two"])  # pasting is not blocked
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status").filter(has_text="Signed in as k.two")).to_be_visible(
        timeout=TIMEOUT
    )


def test_nothing_is_asked_twice_and_a_wrong_code_keeps_the_learner_id(
    page: Page, classroom
) -> None:
    url, codes = classroom
    open_workbook(page, url)
    expect(page.get_by_role("textbox", name="Learner", exact=True)).to_have_count(1)
    expect(page.get_by_role("textbox", name="Access code", exact=True)).to_have_count(1)
    learner = page.get_by_role("textbox", name="Learner", exact=True)
    learner.fill("k.three")
    page.get_by_role("textbox", name="Access code", exact=True).fill("not-the-code")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status").filter(has_text="do not match")).to_be_visible(
        timeout=TIMEOUT
    )
    expect(learner).to_have_value("k.three")  # only the code is typed again
    page.get_by_role("textbox", name="Access code", exact=True).fill(codes["k.three"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status").filter(has_text="Signed in as k.three")).to_be_visible(
        timeout=TIMEOUT
    )
