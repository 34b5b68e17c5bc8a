"""Where each criterion stands, as the learner sees it: the five states, from data, in the kernel.

The rules are tested as a pure function (`widgets.standing`), then in the checklist (a
kernel-owned trait, loaded on sign-in, cleared on sign-out, updated by the learner's own save)
and in a workbook over a real store, where a tutor's sign-off is recorded with `Store.sign_off`
and a new `Workbook` signs in as a new kernel would.
"""

from __future__ import annotations

import itertools
import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from nosworkbook.catalog import Catalog
from nosworkbook.store import open_store
from nosworkbook.store.database import Record, SignOffState
from nosworkbook.widgets.base import NOT_UNDERSTOOD
from nosworkbook.widgets.checklist import Checklist
from nosworkbook.widgets.standing import (
    CHANGED_SINCE,
    NOT_STARTED,
    RETURNED,
    SIGNED_OFF,
    WORKING_TOWARDS,
    Decision,
    Standing,
    decision_of,
    standing,
)
from nosworkbook.workbook import Workbook

STATIC = Path(__file__).resolve().parent.parent / "nosworkbook" / "widgets" / "static"
PC1, PC2, PC3 = "INSCS008.PC1", "INSCS008.PC2", "INSCS008.PC3"
DECEMBER = datetime(2026, 12, 2, 14, 5, tzinfo=UTC)
SCRIPT = '<script>window.pwned = 1</script> & "quotes"'
_seq = itertools.count(1)


def signed_off(changed_since: bool = False, at: datetime = DECEMBER) -> Decision:
    return Decision("signed off", "", at, changed_since)


def returned(feedback: str = "Add an example.", changed_since: bool = False) -> Decision:
    return Decision("returned", feedback, DECEMBER, changed_since)


# --- the rules, from data ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "decision", "expected"),
    [
        (None, None, Standing(NOT_STARTED, "Not started")),
        ({"rating": None, "evidence": "  \n"}, None, Standing(NOT_STARTED, "Not started")),
        (
            {"rating": "Not yet", "evidence": ""},
            None,
            Standing(WORKING_TOWARDS, "Working towards: not signed off yet"),
        ),
        (
            {"rating": None, "evidence": "A refund I handled"},
            None,
            Standing(WORKING_TOWARDS, "Working towards: not signed off yet"),
        ),
        (
            {"rating": "Developing", "evidence": "Draft"},
            returned("Add an example."),
            Standing(
                RETURNED,
                "Returned by your tutor on 2 December 2026 with feedback",
                "Add an example.",
            ),
        ),
        (
            {"rating": "Competent", "evidence": "Log"},
            signed_off(),
            Standing(SIGNED_OFF, "Signed off by your tutor on 2 December 2026"),
        ),
        (
            {"rating": "Competent", "evidence": "Log, updated"},
            signed_off(changed_since=True),
            Standing(
                CHANGED_SINCE,
                "Changed since sign-off: your tutor signed this off on 2 December 2026 and you "
                "have changed it since, so they may look at it again",
            ),
        ),
    ],
    ids=["nothing", "blank note", "rated", "evidenced", "returned", "signed off", "changed"],
)
def test_each_state_follows_from_the_answer_and_the_tutors_latest_decision(
    entry: dict[str, Any] | None, decision: Decision | None, expected: Standing
) -> None:
    assert standing(entry, decision) == expected


def test_a_returned_criterion_changed_since_says_so_and_keeps_the_feedback() -> None:
    shown = standing({"rating": "Developing"}, returned("Say what you did.", changed_since=True))
    assert shown == Standing(
        RETURNED,
        "Returned by your tutor on 2 December 2026 with feedback; you have changed it since",
        "Say what you did.",
    )


def test_a_tutors_sign_off_counts_even_with_nothing_entered() -> None:
    assert standing(None, signed_off()).state == SIGNED_OFF


def test_the_day_shown_is_the_uk_day() -> None:
    """23:30 UTC on 1 June is half past midnight on 2 June in the UK (BST)."""
    late = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)
    assert standing(None, signed_off(at=late)).text == "Signed off by your tutor on 2 June 2026"


def test_a_store_sign_off_state_is_read_as_a_decision_and_a_bad_action_is_ignored(
    caplog: pytest.LogCaptureFixture,
) -> None:
    state = SignOffState("returned", "m.price", "Add a date.", DECEMBER, changed_since=True)
    assert decision_of(state) == Decision("returned", "Add a date.", DECEMBER, True)
    naive = {"action": "signed off", "feedback": "", "at": "2026-12-02T14:05:00"}
    assert decision_of(naive) == Decision("signed off", "", DECEMBER, False)
    with caplog.at_level(logging.WARNING):
        assert decision_of({"action": "approved by me", "at": DECEMBER}) is None
    assert "ignoring a sign-off with the action 'approved by me'" in caplog.text


# --- the checklist: a kernel-owned trait ------------------------------------------------------


@pytest.fixture()
def checklist(catalog: Catalog) -> Checklist:
    return Checklist.for_criteria("You must be able to", catalog["INSCS008"].performance)


def edit(widget: Checklist, cid: str, **fields: object) -> None:
    content = {"type": "edit", "id": cid, "seq": next(_seq), "epoch": widget._epoch, **fields}
    widget._handle_custom_msg(content, [])


def decisions() -> dict[str, SignOffState]:
    return {
        PC1: SignOffState("signed off", "m.price", "", DECEMBER, changed_since=False),
        PC2: SignOffState("returned", "m.price", SCRIPT, DECEMBER, changed_since=False),
        "INSCS008.KU1": SignOffState("signed off", "m.price", "", DECEMBER, False),  # not here
    }


def test_every_item_has_a_state_and_nothing_saved_is_not_started(checklist: Checklist) -> None:
    assert set(checklist.states) == {item["id"] for item in checklist.items}
    assert {s["state"] for s in checklist.states.values()} == {NOT_STARTED}


def test_saved_answers_and_sign_offs_load_together_and_clear_on_sign_out(
    checklist: Checklist,
) -> None:
    checklist.set_values({PC3: {"rating": "Developing", "evidence": ""}}, sign_offs=decisions())
    assert checklist.state_of(PC1) == SIGNED_OFF
    assert checklist.states[PC1]["text"] == "Signed off by your tutor on 2 December 2026"
    assert checklist.state_of(PC2) == RETURNED
    assert checklist.states[PC2]["feedback"] == SCRIPT
    assert checklist.state_of(PC3) == WORKING_TOWARDS
    assert checklist.state_of("INSCS008.PC4") == NOT_STARTED
    assert "INSCS008.KU1" not in checklist.states  # the other checklist's criterion
    checklist.clear()
    assert {s["state"] for s in checklist.states.values()} == {NOT_STARTED}
    assert SCRIPT not in repr(checklist.get_state())


def test_the_learners_own_save_makes_a_signed_off_item_changed_since_at_once(
    checklist: Checklist, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored_at = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    checklist.on_change(lambda cid, rating, evidence: Record(cid, rating, evidence, stored_at))
    checklist.set_values({PC1: {"rating": "Competent", "evidence": "Log"}}, sign_offs=decisions())
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(checklist, "_send", lambda msg, buffers=None: sent.append(msg))
    edit(checklist, PC1, evidence="Log, with the manager's note")
    assert checklist.state_of(PC1) == CHANGED_SINCE
    updates = [m["state"] for m in sent if m["method"] == "update"]
    # the store's date and the new state reach the browser in one update, before the ack
    assert updates[-1]["states"][PC1]["state"] == CHANGED_SINCE
    assert updates[-1]["values"][PC1]["changed"] == "2026-12-03T09:00:00+00:00"
    edit(checklist, PC2, rating="Competent")
    assert checklist.states[PC2]["text"].endswith("; you have changed it since")
    assert checklist.states[PC2]["feedback"] == SCRIPT


def test_a_save_that_fails_leaves_the_item_signed_off(checklist: Checklist) -> None:
    def broken(*_args: object) -> None:
        raise OSError("disk full")

    checklist.on_change(broken)
    checklist.set_values({}, sign_offs=decisions())
    edit(checklist, PC1, rating="Developing")
    assert checklist.state_of(PC1) == SIGNED_OFF


def test_the_browser_cannot_write_the_states(
    checklist: Checklist, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    checklist.set_values({}, sign_offs=decisions())
    before = checklist.states
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(checklist, "_send", lambda msg, buffers=None: sent.append(msg))
    forged = {cid: {"state": SIGNED_OFF, "text": "Signed off", "feedback": ""} for cid in before}
    with caplog.at_level(logging.WARNING, logger="nosworkbook.widgets.base"):
        checklist.set_state({"states": forged})
    assert checklist.states == before
    assert [m["state"] for m in sent if m["method"] == "update"] == [{"states": before}]
    assert "Checklist: ignoring browser update of states" in caplog.text


def test_a_crafted_message_cannot_sign_anything_off(
    checklist: Checklist, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved: list[tuple] = []
    checklist.on_change(lambda *args: saved.append(args))
    acks: list[dict[str, Any]] = []
    monkeypatch.setattr(checklist, "send", lambda content, buffers=None: acks.append(content))
    sign_off = {"type": "sign_off", "id": PC3, "seq": 7, "epoch": checklist._epoch}
    checklist._handle_custom_msg({**sign_off, "tutor": "m.price"}, [])
    assert acks[-1] == {"type": "ack", "seq": 7, "ok": False, "error": NOT_UNDERSTOOD}
    # an edit carrying a state, an action or a tutor saves only the rating; the rest is ignored
    edit(checklist, PC3, rating="Competent", state=SIGNED_OFF, action="signed off", tutor="me")
    assert saved == [(PC3, "Competent", "")]
    assert checklist.state_of(PC3) == WORKING_TOWARDS
    assert set(checklist.VERBS) == {"edit"}


def test_the_page_has_no_control_that_signs_off_and_shows_tutors_words_as_text() -> None:
    js = (STATIC / "checklist.js").read_text(encoding="utf-8")
    assert set(re.findall(r'model\.send\(\{ type: "(\w+)"', js)) == {
        "edit"
    }  # the only message it sends
    assert 'h("button"' not in js and "model.set(" in js
    assert set(re.findall(r'model\.set\("(\w+)"', js)) == {"only_incomplete"}
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js
    assert "setText(row.feedbackWords, words)" in js  # textContent: tags stay text
    assert "${rid}-state" in js and "aria-describedby" in js


def test_the_static_view_escapes_the_tutors_feedback(checklist: Checklist) -> None:
    checklist.set_values({}, sign_offs=decisions())
    page = checklist._static_html()
    assert "<script>" not in page
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt; &amp; &quot;quotes&quot;" in page
    assert "Signed off by your tutor on 2 December 2026" in page


# --- a workbook over a real store -------------------------------------------------------------


@pytest.fixture()
def store(tmp_path: Path) -> Path:
    return tmp_path / "progress.sqlite"


def make(store: Path, **kwargs: Any) -> Workbook:
    return Workbook("INSCS027", store=str(store), auto_sign_in=False, **kwargs)


def wb_edit(checklist: Checklist, cid: str, rating: str | None, evidence: str = "") -> None:
    content = {"type": "edit", "id": cid, "rating": rating, "evidence": evidence}
    checklist._on_custom_msg(checklist, content | {"epoch": checklist._epoch, "seq": 1}, None)


def test_after_a_tutor_signs_off_the_learner_sees_it_on_signing_in_again(store: Path) -> None:
    wb = make(store)
    wb.sign_in.submit("a.khan")
    wb_edit(wb.performance, "INSCS027.PC10", "Competent", "Risk log for the spring sale")
    wb_edit(wb.knowledge, "INSCS027.KU7", "Developing", "Notes")
    assert wb.performance.state_of("INSCS027.PC10") == WORKING_TOWARDS
    with open_store(str(store)) as db:
        db.sign_off("default", "a.khan", "INSCS027.PC10", tutor="m.price")
        db.sign_off(
            "default", "a.khan", "INSCS027.KU7", tutor="m.price", feedback=SCRIPT, returned=True
        )
        db.sign_off("default", "a.khan", "INSCS001.PC1", tutor="m.price")  # another unit
    again = make(store)  # a new kernel: nothing in memory
    again.sign_in.submit("a.khan")
    day = open_store(str(store)).sign_off_log("default", "a.khan")[0].at
    shown = again.performance.states["INSCS027.PC10"]
    assert shown["state"] == SIGNED_OFF
    assert shown["text"] == standing(None, signed_off(at=day)).text
    assert shown["text"].startswith("Signed off by your tutor on ")
    assert again.knowledge.state_of("INSCS027.KU7") == RETURNED
    assert again.knowledge.states["INSCS027.KU7"]["feedback"] == SCRIPT
    assert again.performance.state_of("INSCS027.PC1") == NOT_STARTED
    assert "<script>" not in again.knowledge._static_html()

    # the learner's own save: changed since sign-off at once, and the store agrees on reload
    wb_edit(again.performance, "INSCS027.PC10", "Competent", "Risk log, now with the review")
    assert again.performance.state_of("INSCS027.PC10") == CHANGED_SINCE
    third = make(store)
    third.sign_in.submit("a.khan")
    assert third.performance.state_of("INSCS027.PC10") == CHANGED_SINCE

    # signing out, or another learner signing in, leaves nothing of it
    third.sign_in.submit("b.jones")
    assert third.performance.state_of("INSCS027.PC10") == NOT_STARTED
    assert SCRIPT not in repr(third.knowledge.get_state())
    third.sign_in.sign_out()
    assert {s["state"] for s in third.knowledge.states.values()} == {NOT_STARTED}


def test_a_sign_off_on_a_criterion_the_learner_never_answered_is_shown(store: Path) -> None:
    with open_store(str(store)) as db:
        db.sign_off("default", "c.smith", "INSCS027.PC2", tutor="m.price")
    wb = make(store)
    wb.sign_in.submit("c.smith")
    assert wb.performance.state_of("INSCS027.PC2") == SIGNED_OFF
    assert wb.performance.values == {}
