"""The widget base: the kernel owns every widget's state, and saving has one acknowledged path.

Browser traffic is fed in as ipywidgets delivers it (`set_state` for a trait update, the
custom-message callback for a message); what goes back is captured from `_send`, the one
method every reply, echo and state update leaves through.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from nosworkbook.catalog import Catalog
from nosworkbook.exercises import get
from nosworkbook.exercises.answers import model_answer
from nosworkbook.store import open_store
from nosworkbook.store.database import Attempt, Record
from nosworkbook.widgets.base import NOT_UNDERSTOOD, STALE, WENT_WRONG, KernelOwnedWidget
from nosworkbook.widgets.checklist import Checklist
from nosworkbook.widgets.exercise import ExerciseWidget
from nosworkbook.widgets.signin import SignIn
from nosworkbook.widgets.summary import ProgressSummary
from nosworkbook.workbook import Workbook

RISK = "INSCS027.risk-classification"
PC1 = "INSCS008.PC1"
WIDGET_CLOCK = datetime(2031, 1, 1, 12, 0, tzinfo=UTC)  # far from any time a store gives
STORED_AT = datetime(2026, 11, 23, 9, 30, 15, tzinfo=UTC)
_seq = itertools.count(1)


class Wire:
    """Everything a widget sends to the browser: replies, echoes and state updates."""

    def __init__(self, widget: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sent: list[dict[str, Any]] = []
        monkeypatch.setattr(widget, "_send", lambda msg, buffers=None: self.sent.append(msg))

    def acks(self) -> list[dict[str, Any]]:
        return [m["content"] for m in self.sent if m["method"] == "custom"]

    def updates(self, method: str = "update") -> list[dict[str, Any]]:
        return [m["state"] for m in self.sent if m["method"] == method]


def message(widget: Any, verb: str, **fields: Any) -> int:
    """Deliver one browser message (the epoch the browser last saw); returns its seq."""
    seq = next(_seq)
    content = {"type": verb, "seq": seq, "epoch": widget._epoch, **fields}
    widget._handle_custom_msg(content, [])
    return seq


def checklist(catalog: Catalog) -> Checklist:
    widget = Checklist.for_criteria("You must be able to", catalog["INSCS008"].performance)
    widget._clock = lambda: WIDGET_CLOCK
    return widget


def exercise() -> ExerciseWidget:
    widget = ExerciseWidget(get(RISK))
    widget._clock = lambda: WIDGET_CLOCK
    return widget


def workbook(tmp_path: Path) -> Workbook:
    wb = Workbook("INSCS027", store=str(tmp_path / "progress.sqlite"), auto_sign_in=False)
    for widget in (*wb.checklists, *wb.exercises.values()):
        widget._clock = lambda: WIDGET_CLOCK
    return wb


# --- kernel-owned traits ----------------------------------------------------------------------

# For each widget class: writes a browser might try, none of which it may make.
BROWSER_WRITES: list[tuple[str, Callable[[Catalog], Any], dict[str, Any]]] = [
    (
        "Checklist",
        checklist,
        {
            "values": {PC1: {"rating": "Competent", "evidence": "", "changed": None}},
            "disabled": True,
            "items": [],
            "_epoch": 99,
        },
    ),
    (
        "ExerciseWidget",
        lambda _catalog: exercise(),
        {
            "answer": {"risk1.level": "low"},
            "result": {"score": 1.0, "summary": "", "parts": []},
            "checked_at": "2020-01-01T00:00:00+00:00",
            "score_note": "",
            "disabled": True,
        },
    ),
    (
        "SignIn",
        lambda _catalog: SignIn(),
        {"signed_in": "someone.else", "learner": "someone.else", "ask_code": True},
    ),
    (
        "ProgressSummary",
        lambda _catalog: ProgressSummary(),
        {"rows": [{"label": "All", "done": 9, "rated": 9, "total": 9}], "note": "Done!"},
    ),
]


@pytest.mark.parametrize(
    ("name", "make", "writes"), BROWSER_WRITES, ids=[w[0] for w in BROWSER_WRITES]
)
def test_a_browser_write_to_a_kernel_owned_trait_is_refused_and_put_right(
    name: str,
    make: Callable[[Catalog], Any],
    writes: dict[str, Any],
    catalog: Catalog,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    widget = make(catalog)
    assert type(widget).__name__ == name and isinstance(widget, KernelOwnedWidget)
    before = {key: getattr(widget, key) for key in writes}
    wire = Wire(widget, monkeypatch)
    with caplog.at_level(logging.WARNING, logger="nosworkbook.widgets.base"):
        widget.set_state(writes)
    assert {key: getattr(widget, key) for key in writes} == before
    assert wire.updates("echo_update") == []  # nothing refused is echoed to other views
    assert wire.updates() == [before]  # the browser's copy is put right with the kernel's
    assert f"{name}: ignoring browser update of {', '.join(writes)}" in caplog.text


def test_every_widget_class_is_kernel_owned_and_only_the_filter_is_writable() -> None:
    classes = (Checklist, ExerciseWidget, SignIn, ProgressSummary)
    assert all(issubclass(cls, KernelOwnedWidget) for cls in classes)
    assert {cls.__name__: set(cls.BROWSER_WRITABLE) for cls in classes} == {
        "Checklist": {"only_incomplete"},
        "ExerciseWidget": set(),
        "SignIn": set(),
        "ProgressSummary": set(),
    }


def test_a_browser_writable_trait_is_taken_even_beside_a_refused_one(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    widget = checklist(catalog)
    wire = Wire(widget, monkeypatch)
    widget.set_state({"only_incomplete": True, "disabled": True})
    assert widget.only_incomplete is True and widget.disabled is False
    assert wire.updates("echo_update") == [{"only_incomplete": True}]
    assert wire.updates() == [{"disabled": False}]


# --- one ack per message ----------------------------------------------------------------------


def _stale(widget: Any) -> dict[str, Any]:
    widget.clear()  # a sign-out: the browser's epoch is now the previous one
    return {"epoch": widget._epoch - 1}


def _disabled(widget: Any) -> dict[str, Any]:
    widget.disabled = True
    return {}


# (widget, case, how to prepare it, verb, fields, ok, the error or a part of it)
CASES = [
    ("checklist", "good", None, "edit", {"id": PC1, "rating": "Competent"}, True, None),
    ("checklist", "unchanged", None, "edit", {"id": PC1}, True, None),
    ("checklist", "unknown verb", None, "check", {"answer": {}}, False, NOT_UNDERSTOOD),
    ("checklist", "stale", _stale, "edit", {"id": PC1, "rating": "Competent"}, False, STALE),
    (
        "checklist",
        "disabled",
        _disabled,
        "edit",
        {"id": PC1, "rating": "Competent"},
        False,
        "Sign in to record your answers.",
    ),
    ("checklist", "invalid", None, "edit", {"id": PC1, "rating": "Expert"}, False, "not a rating"),
    ("exercise", "good", None, "check", {"answer": {"risk1.level": "low"}}, True, None),
    ("exercise", "unknown verb", None, "edit", {"id": PC1}, False, NOT_UNDERSTOOD),
    ("exercise", "stale", _stale, "check", {"answer": {}}, False, STALE),
    (
        "exercise",
        "disabled",
        _disabled,
        "check",
        {"answer": {}},
        False,
        "Sign in to answer this exercise.",
    ),
    ("exercise", "invalid", None, "check", {"answer": ["low"]}, False, "could not be read"),
]


@pytest.mark.parametrize(
    ("kind", "case", "prepare", "verb", "fields", "ok", "error"),
    CASES,
    ids=[f"{c[0]}-{c[1]}" for c in CASES],
)
def test_every_message_good_or_bad_gets_exactly_one_ack_with_its_seq(
    kind: str,
    case: str,
    prepare: Callable[[Any], dict[str, Any]] | None,
    verb: str,
    fields: dict[str, Any],
    ok: bool,
    error: str | None,
    catalog: Catalog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    widget = checklist(catalog) if kind == "checklist" else exercise()
    saved: list[tuple] = []
    (widget.on_change if kind == "checklist" else widget.on_attempt)(lambda *a: saved.append(a))
    overrides = prepare(widget) if prepare else {}
    wire = Wire(widget, monkeypatch)
    seq = next(_seq)
    widget._handle_custom_msg(
        {"type": verb, "seq": seq, "epoch": widget._epoch, **fields, **overrides}, []
    )
    [ack] = wire.acks()  # exactly one reply
    assert ack["type"] == "ack" and ack["seq"] == seq and ack["ok"] is ok
    if error is None:
        assert ack["error"] is None
    else:
        assert error in ack["error"]
    assert len(saved) == (1 if case == "good" else 0)


def test_a_handler_that_breaks_still_answers_with_a_plain_ack(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    widget = exercise()
    wire = Wire(widget, monkeypatch)

    def broken(_answer: Any) -> Any:
        raise KeyError("risk9")

    monkeypatch.setattr(widget.exercise, "check", broken)
    seq = message(widget, "check", answer={})
    assert wire.acks() == [{"type": "ack", "seq": seq, "ok": False, "error": WENT_WRONG}]
    assert "handling 'check' failed" in caplog.text


def test_a_message_without_a_seq_cannot_be_answered_and_changes_nothing(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    widget = checklist(catalog)
    wire = Wire(widget, monkeypatch)
    widget._handle_custom_msg({"type": "edit", "id": PC1, "rating": "Competent", "epoch": 0}, [])
    widget._handle_custom_msg({"type": "edit", "seq": True, "id": PC1, "epoch": 0}, [])
    assert wire.sent == [] and widget.values == {}


# --- a save that fails --------------------------------------------------------------------------


def _disk_full(*_args: Any) -> None:
    raise OSError("disk full at /var/lib/nosworkbook/progress.sqlite")


def test_a_checklist_save_that_raises_gives_ok_false_with_a_plain_message(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    widget = checklist(catalog)
    widget.on_change(_disk_full)
    wire = Wire(widget, monkeypatch)
    seq = message(widget, "edit", id=PC1, rating="Developing")
    assert wire.acks() == [
        {
            "type": "ack",
            "seq": seq,
            "ok": False,
            "error": "Your answer could not be saved. Please try again or tell your tutor.",
        }
    ]
    # Still on screen as the learner left it, but not dated: nothing was stored.
    assert widget.values[PC1] == {"rating": "Developing", "evidence": "", "changed": None}


def test_an_exercise_save_that_raises_gives_ok_false_with_a_plain_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    widget = exercise()
    widget.on_attempt(_disk_full)
    wire = Wire(widget, monkeypatch)
    seq = message(widget, "check", answer=model_answer(RISK))
    [ack] = wire.acks()
    assert ack == {
        "type": "ack",
        "seq": seq,
        "ok": False,
        "error": "Your answer was checked but could not be saved. "
        "Please try again or tell your tutor.",
    }
    assert widget.result["score"] == 1.0 and "error" not in widget.result
    assert widget.checked_at == ""  # no "Last checked" for an attempt that was not stored


def test_a_workbook_whose_store_fails_tells_the_browser_the_edit_was_not_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wb = workbook(tmp_path)
    wb.sign_in.submit("a.khan")
    wire = Wire(wb.performance, monkeypatch)
    monkeypatch.setattr(wb.store, "save", lambda **_kwargs: _disk_full())
    message(wb.performance, "edit", id="INSCS027.PC4", rating="Competent")
    [ack] = wire.acks()
    assert ack["ok"] is False and "disk full" not in ack["error"]
    assert wb.performance.values["INSCS027.PC4"]["changed"] is None


# --- one clock: the store's -------------------------------------------------------------------


def test_the_changed_shown_is_what_the_save_returned_not_the_widget_clock(
    catalog: Catalog,
) -> None:
    widget = checklist(catalog)
    widget.on_change(lambda cid, rating, evidence: Record(cid, rating, evidence, STORED_AT))
    message(widget, "edit", id=PC1, rating="Competent")
    assert widget.values[PC1]["changed"] == "2026-11-23T09:30:15+00:00"


def test_a_listener_that_returns_nothing_leaves_the_date_to_the_saver_that_stores(
    catalog: Catalog,
) -> None:
    widget = checklist(catalog)
    heard: list[str] = []
    widget.on_change(lambda cid, *_: heard.append(cid))  # listens, stores nothing
    widget.on_change(lambda cid, rating, evidence: Record(cid, rating, evidence, STORED_AT))
    message(widget, "edit", id=PC1, evidence="Kept a log")
    assert heard == [PC1] and widget.values[PC1]["changed"] == STORED_AT.isoformat()


def test_with_nothing_saving_the_widget_dates_changes_by_its_own_clock(catalog: Catalog) -> None:
    widget = checklist(catalog)
    message(widget, "edit", id=PC1, rating="Competent")
    assert widget.values[PC1]["changed"] == WIDGET_CLOCK.isoformat()
    other = exercise()
    message(other, "check", answer=model_answer(RISK))
    assert other.checked_at == WIDGET_CLOCK.isoformat()


def test_a_workbook_shows_the_stores_changed_at_and_attempted_at(tmp_path: Path) -> None:
    wb = workbook(tmp_path)
    wb.sign_in.submit("a.khan")
    message(wb.performance, "edit", id="INSCS027.PC10", rating="Competent")
    widget = wb.exercise(RISK)
    message(widget, "check", answer=model_answer(RISK))
    store = open_store(str(tmp_path / "progress.sqlite"))
    record = store.load("default", "a.khan", urn="INSCS027")["INSCS027.PC10"]
    attempt = store.latest_attempt("default", "a.khan", RISK)
    assert attempt is not None
    shown = wb.performance.values["INSCS027.PC10"]["changed"]
    assert shown == record.changed_at.isoformat(timespec="seconds") != WIDGET_CLOCK.isoformat()
    assert widget.checked_at == attempt.attempted_at.isoformat(timespec="seconds")


def test_the_checked_at_shown_is_the_attempts_time(monkeypatch: pytest.MonkeyPatch) -> None:
    widget = exercise()

    def store(exercise_id: str, answer: dict, result: Any) -> Attempt:
        return Attempt(7, exercise_id, answer, result.score, STORED_AT)

    widget.on_attempt(store)
    wire = Wire(widget, monkeypatch)
    message(widget, "check", answer=model_answer(RISK))
    assert widget.checked_at == "2026-11-23T09:30:15+00:00"
    assert wire.acks()[-1]["ok"] is True


# --- restoring an attempt: the stored score -----------------------------------------------------


def _saved_attempt(tmp_path: Path, score: float) -> Workbook:
    """A learner whose attempt was stored with `score`, signed in again in a new kernel."""
    store = open_store(str(tmp_path / "progress.sqlite"))
    store.save_attempt("default", "a.khan", RISK, model_answer(RISK), score)
    wb = workbook(tmp_path)
    wb.sign_in.submit("a.khan")
    return wb


def test_a_restored_attempt_shows_the_stored_score_and_explains_a_changed_mark(
    tmp_path: Path,
) -> None:
    wb = _saved_attempt(tmp_path, 0.6)  # marked 60% under older marking rules
    widget = wb.exercise(RISK)
    assert widget.result["score"] == 0.6
    assert all(part["ok"] for part in widget.result["parts"])  # feedback is today's marking
    assert widget.score_note == (
        "When you checked this it scored 60%. Marked again today it scores 100%. "
        "The feedback below is from marking it again today."
    )
    attempt = open_store(str(tmp_path / "progress.sqlite")).latest_attempt(
        "default", "a.khan", RISK
    )
    assert attempt is not None
    assert widget.checked_at == attempt.attempted_at.isoformat(timespec="seconds")
    assert "Score: 60%." in widget._static_html() and "scores 100%" in widget._static_html()


def test_a_restored_attempt_that_marks_the_same_today_says_nothing_more(tmp_path: Path) -> None:
    widget = _saved_attempt(tmp_path, 1.0).exercise(RISK)
    assert widget.result["score"] == 1.0 and widget.score_note == ""


def test_checking_again_after_a_restore_shows_todays_score_without_the_note(
    tmp_path: Path,
) -> None:
    widget = _saved_attempt(tmp_path, 0.6).exercise(RISK)
    message(widget, "check", answer=model_answer(RISK))
    assert widget.result["score"] == 1.0 and widget.score_note == ""


def test_signing_out_clears_a_restored_score_and_its_note(tmp_path: Path) -> None:
    wb = _saved_attempt(tmp_path, 0.6)
    wb.sign_in.sign_out()
    widget = wb.exercise(RISK)
    assert (widget.result, widget.score_note, widget.checked_at) == ({}, "", "")
