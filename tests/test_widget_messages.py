"""What the browser sends is checked at the door: text the kernel cannot send, oversized or
malformed messages, and writes to kernel-owned traits, for every widget.

Replies are captured as the kernel sends them: packed with jupyter_client's own JSON packer
(what `Session.send` does), so a reply the kernel could not encode fails here as it would in a
kernel, instead of passing unnoticed.
"""

from __future__ import annotations

import itertools
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.session import json_packer

from nosworkbook.catalog import Catalog
from nosworkbook.exercises import get
from nosworkbook.exercises.answers import model_answer
from nosworkbook.ids import MAX_ANSWER_ITEMS, MAX_EVIDENCE
from nosworkbook.store.database import Record
from nosworkbook.widgets.base import (
    MAX_MESSAGE_DEPTH,
    MAX_MESSAGE_TEXT,
    MAX_MESSAGE_VALUES,
    NOT_UNDERSTOOD,
    SHOW_FAILED,
    TOO_LARGE,
    UNENCODABLE,
    WENT_WRONG,
    KernelOwnedWidget,
    SavingWidget,
)
from nosworkbook.widgets.checklist import Checklist
from nosworkbook.widgets.exercise import ExerciseWidget, field_names
from nosworkbook.widgets.signin import SignIn
from nosworkbook.widgets.summary import ProgressSummary

RISK = "INSCS027.risk-classification"
PC1 = "INSCS008.PC1"
EMOJI = "\U0001f600"  # one code point, two UTF-16 code units
HALF = "\ud83d"  # the first half of a surrogate pair, alone: no UTF-8 for it
STORED_AT = datetime(2026, 11, 23, 9, 30, 15, tzinfo=UTC)
STATIC = Path(__file__).resolve().parent.parent / "nosworkbook" / "widgets" / "static"
_seq = itertools.count(1)


class Kernel:
    """What a widget sends, packed as a kernel's session packs it (raises as it would)."""

    def __init__(self, widget: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sent: list[dict[str, Any]] = []
        self.fail_updates: set[int] = set()  # the n-th state updates (1-based) fail to send
        self._updates = 0

        def send(msg: dict[str, Any], buffers: Any = None) -> None:
            if msg["method"] == "update":
                self._updates += 1
                if self._updates in self.fail_updates:
                    raise OSError("the kernel could not send this update")
            json_packer(msg)  # UnicodeEncodeError for text with no UTF-8, as in a kernel
            self.sent.append(msg)

        monkeypatch.setattr(widget, "_send", send)

    def acks(self) -> list[dict[str, Any]]:
        return [m["content"] for m in self.sent if m["method"] == "custom"]

    def updates(self, method: str = "update") -> list[dict[str, Any]]:
        return [m["state"] for m in self.sent if m["method"] == method]


def deliver(widget: Any, content: Any) -> None:
    """Hand a custom message to the widget as ipywidgets does."""
    widget._handle_custom_msg(content, [])


def message(widget: Any, verb: str, **fields: Any) -> int:
    seq = next(_seq)
    deliver(widget, {"type": verb, "seq": seq, "epoch": widget._epoch, **fields})
    return seq


def checklist(catalog: Catalog) -> tuple[Checklist, list[tuple]]:
    widget = Checklist.for_criteria("You must be able to", catalog["INSCS008"].performance)
    saved: list[tuple] = []
    widget.on_change(lambda *args: saved.append(args))
    return widget, saved


def exercise() -> tuple[ExerciseWidget, list[tuple]]:
    widget = ExerciseWidget(get(RISK))
    saved: list[tuple] = []
    widget.on_attempt(lambda *args: saved.append(args))
    return widget, saved


def saving_widget(kind: str, catalog: Catalog) -> tuple[SavingWidget, list[tuple]]:
    return checklist(catalog) if kind == "checklist" else exercise()


# --- 1. evidence limits count code points, as the store does ---------------------------------


def test_a_note_of_twenty_thousand_emoji_is_saved_whole(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    widget, saved = checklist(catalog)
    kernel = Kernel(widget, monkeypatch)
    note = EMOJI * MAX_EVIDENCE  # 40,000 UTF-16 code units, 20,000 characters
    seq = message(widget, "edit", id=PC1, evidence=note)
    assert kernel.acks() == [{"type": "ack", "seq": seq, "ok": True, "error": None}]
    assert saved == [(PC1, None, note)]
    assert widget.values[PC1]["evidence"] == note


def test_a_note_one_emoji_over_the_limit_is_refused_with_the_limit_in_words(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    widget, saved = checklist(catalog)
    kernel = Kernel(widget, monkeypatch)
    message(widget, "edit", id=PC1, evidence=EMOJI * (MAX_EVIDENCE + 1))
    [ack] = kernel.acks()
    assert ack["ok"] is False
    assert ack["error"] == "Evidence is limited to 20,000 characters; this has 20,001."
    assert saved == [] and widget.values == {}


def test_the_checklist_script_counts_characters_not_utf16_units() -> None:
    """No `maxlength` (it counts UTF-16 units and cuts a pasted note without a word) and no
    `slice` of the note (it can halve an emoji): the script counts code points itself."""
    js = (STATIC / "checklist.js").read_text()
    assert "maxlength:" not in js and '"maxlength"' not in js  # not set as an attribute
    assert ".slice(0, maxEvidence)" not in js
    assert "codePoints(" in js


# --- 1. text the kernel cannot encode is refused at the door ----------------------------------

# (widget, what carries the lone surrogate, the message's fields)
UNENCODABLE_CASES = [
    ("checklist", "evidence", {"type": "edit", "id": PC1, "evidence": f"Smiled {HALF}"}),
    ("checklist", "evidence cut inside an emoji", {"type": "edit", "id": PC1, "evidence": HALF}),
    ("checklist", "rating", {"type": "edit", "id": PC1, "rating": f"Competent{HALF}"}),
    ("checklist", "id", {"type": "edit", "id": f"{PC1}{HALF}", "rating": "Competent"}),
    ("checklist", "verb", {"type": f"edit{HALF}", "id": PC1, "rating": "Competent"}),
    ("checklist", "an extra key", {"type": "edit", "id": PC1, f"x{HALF}": 1}),
    ("exercise", "an answer", {"type": "check", "answer": {"risk1.level": f"low{HALF}"}}),
    ("exercise", "an answer's name", {"type": "check", "answer": {f"risk1.level{HALF}": "low"}}),
    ("exercise", "a list entry", {"type": "check", "answer": {"risk1.level": ["low", HALF]}}),
    ("exercise", "a low surrogate", {"type": "check", "answer": {"risk1.level": "\udc00"}}),
]


@pytest.mark.parametrize(
    ("kind", "where", "fields"),
    UNENCODABLE_CASES,
    ids=[f"{c[0]}-{c[1]}" for c in UNENCODABLE_CASES],
)
def test_text_the_kernel_cannot_encode_is_refused_with_a_plain_ack_and_nothing_stored(
    kind: str,
    where: str,
    fields: dict[str, Any],
    catalog: Catalog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    widget, saved = saving_widget(kind, catalog)
    kernel = Kernel(widget, monkeypatch)
    before = widget.get_state()
    seq = next(_seq)
    deliver(widget, {**fields, "seq": seq, "epoch": widget._epoch})
    assert kernel.acks() == [{"type": "ack", "seq": seq, "ok": False, "error": UNENCODABLE}]
    assert saved == [] and widget.get_state() == before and kernel.updates() == []
    # Nothing is left half-sent: the next good message on the widget is saved and answered.
    good = {"id": PC1, "rating": "Competent"} if kind == "checklist" else {"answer": {}}
    seq = message(widget, "edit" if kind == "checklist" else "check", **good)
    assert kernel.acks()[-1] == {"type": "ack", "seq": seq, "ok": True, "error": None}
    assert len(saved) == 1


def test_the_sign_in_form_refuses_text_it_cannot_encode_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    widget = SignIn()
    Kernel(widget, monkeypatch)  # every state update is packed: the message must encode
    tried: list[tuple[str, str]] = []
    widget.on_submit(lambda learner, code: tried.append((learner, code)))
    deliver(widget, {"type": "sign-in", "learner": f"a.khan{HALF}", "code": ""})
    deliver(widget, {"type": "sign-in", "learner": "a.khan", "code": f"x{HALF}"})
    assert tried == []
    assert widget.learner == "" and widget.is_error is True
    assert widget.message == UNENCODABLE
    deliver(widget, {"type": "sign-in", "learner": "a.khan", "code": ""})
    assert tried == [("a.khan", "")]


# --- 1. an exception while sending state back still gets an ack -------------------------------


def test_a_state_update_that_cannot_be_sent_still_gets_an_ack_and_saves_nothing(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    widget, saved = checklist(catalog)
    kernel = Kernel(widget, monkeypatch)
    kernel.fail_updates = {1}  # showing the edit fails, before anything is saved
    seq = message(widget, "edit", id=PC1, rating="Competent")
    assert kernel.acks() == [{"type": "ack", "seq": seq, "ok": False, "error": WENT_WRONG}]
    assert saved == []
    assert "handling 'edit' failed" in caplog.text
    seq = message(widget, "edit", id="INSCS008.PC2", rating="Developing")  # not stuck
    assert kernel.acks()[-1]["ok"] is True and len(saved) == 1


def test_a_save_whose_date_cannot_be_shown_says_it_was_saved_and_to_reload(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    widget = Checklist.for_criteria("You must be able to", catalog["INSCS008"].performance)
    stored: list[Record] = []

    def store(cid: str, rating: str | None, evidence: str) -> Record:
        stored.append(Record(cid, rating, evidence, STORED_AT))
        return stored[-1]

    widget.on_change(store)
    kernel = Kernel(widget, monkeypatch)
    kernel.fail_updates = {2}  # the edit is shown and saved; showing the store's date fails
    seq = message(widget, "edit", id=PC1, rating="Competent")
    assert kernel.acks() == [{"type": "ack", "seq": seq, "ok": False, "error": SHOW_FAILED}]
    assert len(stored) == 1 and "saved" in SHOW_FAILED and "reload" in SHOW_FAILED
    assert "showing INSCS008.PC1 failed" in caplog.text


def test_an_ack_that_cannot_be_sent_is_replaced_by_a_plain_one(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    widget, _saved = checklist(catalog)
    kernel = Kernel(widget, monkeypatch)
    monkeypatch.setattr(widget, "_answer", lambda msg: f"Not saved {HALF}")  # cannot be packed
    seq = message(widget, "edit", id=PC1, rating="Competent")
    assert kernel.acks() == [{"type": "ack", "seq": seq, "ok": False, "error": WENT_WRONG}]
    assert "could not send the ack" in caplog.text


# --- 3. every synced trait but BROWSER_WRITABLE is the kernel's ---------------------------------


def _widgets(catalog: Catalog) -> list[KernelOwnedWidget]:
    return [checklist(catalog)[0], exercise()[0], SignIn(), ProgressSummary()]


def _other(value: Any) -> Any:
    """A JSON value of the same shape as `value` (a trait's state) that differs from it."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return value + "-forged"
    if isinstance(value, list):
        return [*value, "forged"]
    if isinstance(value, dict):
        return {**value, "forged": "forged"}
    return "forged"


def test_the_trait_walk_covers_every_widget_and_the_exercise_traits_named_in_the_brief(
    catalog: Catalog,
) -> None:
    names = {type(w).__name__: set(w.keys) for w in _widgets(catalog)}
    assert set(names) == {"Checklist", "ExerciseWidget", "SignIn", "ProgressSummary"}
    assert {"disabled", "fields", "tutor_html", "intro_html", "_ack_timeout_ms"} <= names[
        "ExerciseWidget"
    ]
    assert {"values", "items", "scale", "max_evidence", "_epoch", "_ack_timeout_ms"} <= names[
        "Checklist"
    ]
    assert Checklist()._ack_timeout_ms == 20_000  # the checklist waits for acks as exercises do


@pytest.mark.parametrize(
    "index", range(4), ids=["Checklist", "ExerciseWidget", "SignIn", "Summary"]
)
def test_a_browser_write_to_any_synced_trait_not_browser_writable_is_refused_and_put_right(
    index: int,
    catalog: Catalog,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    widget = _widgets(catalog)[index]
    name = type(widget).__name__
    owned = sorted(set(widget.keys) - widget.BROWSER_WRITABLE)
    assert len(owned) > 10
    kernel = Kernel(widget, monkeypatch)
    for key in owned:
        before = widget.get_state(key)
        forged = {key: _other(before[key])}
        assert forged != before
        sent = len(kernel.sent)
        with caplog.at_level(logging.WARNING, logger="nosworkbook.widgets.base"):
            widget.set_state(forged)
        assert widget.get_state(key) == before, f"{name}.{key} took a browser write"
        assert kernel.updates("echo_update") == [], f"{name}.{key} was echoed"
        assert [m["state"] for m in kernel.sent[sent:]] == [before], f"{name}.{key} not put right"
        assert f"{name}: ignoring browser update of {key}" in caplog.text


def test_a_faked_form_cannot_make_an_attempt_store_made_up_fields(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    widget, saved = exercise()
    form = widget.fields
    forged = [*form, {"type": "text", "name": "made.up", "label": "Anything"}]
    widget.set_state({"fields": forged})  # the browser tries to add a field: refused
    assert widget.fields == form
    # Even if the trait did change (a kernel-side slip), the check keeps to the kernel's form.
    widget.fields = forged
    message(widget, "check", answer={**model_answer(RISK), "made.up": "x" * 100})
    [(_id, answer, result)] = saved
    assert "made.up" not in answer and set(answer) == set(field_names(form))
    assert result.score == 1.0


# --- 4. oversized or malformed messages --------------------------------------------------------


def _deep(levels: int) -> list[Any]:
    value: list[Any] = ["low"]
    for _ in range(levels):
        value = [value]
    return value


def _wide(n: int) -> dict[str, str]:
    return {f"field{i}": "x" for i in range(n)}


# (widget, case, the message's fields without seq, the error)
MALFORMED = [
    ("exercise", "thousands of fields", {"type": "check", "answer": _wide(5_000)}, TOO_LARGE),
    (
        "exercise",
        "one field too many for any form",
        {"type": "check", "answer": _wide(MAX_ANSWER_ITEMS + 1)},
        TOO_LARGE,
    ),
    (
        "exercise",
        "a list with too many entries",
        {"type": "check", "answer": {"risk1.level": ["low"] * (MAX_ANSWER_ITEMS + 1)}},
        TOO_LARGE,
    ),
    (
        "exercise",
        "too many values in all",
        {"type": "check", "answer": {f"f{i}": ["x"] * 99 for i in range(30)}},
        TOO_LARGE,
    ),
    (
        "exercise",
        "a huge answer",
        {"type": "check", "answer": {"risk1.level": "x" * (MAX_MESSAGE_TEXT + 1)}},
        TOO_LARGE,
    ),
    (
        "checklist",
        "a huge note",
        {"type": "edit", "id": PC1, "evidence": "x" * 1_000_000},
        TOO_LARGE,
    ),
    (
        "exercise",
        "nesting one level too deep",
        {"type": "check", "answer": {"risk1.level": _deep(MAX_MESSAGE_DEPTH - 2)}},
        NOT_UNDERSTOOD,
    ),
    (
        "exercise",
        "nesting a hundred thousand deep",
        {"type": "check", "answer": {"risk1.level": _deep(100_000)}},
        NOT_UNDERSTOOD,
    ),
    ("exercise", "an answer that is a list", {"type": "check", "answer": ["low"]}, "not be read"),
    (
        "exercise",
        "an answer field that is an object",
        {"type": "check", "answer": {"risk1.level": {"value": "low"}}},
        "not be read",
    ),
    (
        "exercise",
        "a list inside a list",
        {"type": "check", "answer": {"risk1.level": [["low"]]}},
        "not be read",
    ),
    (
        "exercise",
        "a number that is not finite",
        {"type": "check", "answer": {"risk1.level": float("nan")}},
        NOT_UNDERSTOOD,
    ),
    ("checklist", "a verb that is not text", {"type": ["edit"], "id": PC1}, NOT_UNDERSTOOD),
    ("checklist", "no verb", {"id": PC1, "rating": "Competent"}, NOT_UNDERSTOOD),
    ("checklist", "an id that is not text", {"type": "edit", "id": [PC1]}, "Unknown item"),
    ("checklist", "a rating that is a number", {"type": "edit", "id": PC1, "rating": 3}, "not a"),
    ("checklist", "a null character", {"type": "edit", "id": PC1, "evidence": "a\x00b"}, "null"),
]


@pytest.mark.parametrize(
    ("kind", "case", "fields", "error"), MALFORMED, ids=[f"{c[0]}-{c[1]}" for c in MALFORMED]
)
def test_an_oversized_or_malformed_message_is_refused_cheaply_with_an_ack_and_nothing_stored(
    kind: str,
    case: str,
    fields: dict[str, Any],
    error: str,
    catalog: Catalog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    widget, saved = saving_widget(kind, catalog)
    marked: list[Any] = []
    if isinstance(widget, ExerciseWidget):
        check = widget.exercise.check
        monkeypatch.setattr(widget.exercise, "check", lambda a: marked.append(a) or check(a))
    kernel = Kernel(widget, monkeypatch)
    before = widget.get_state()
    seq = next(_seq)
    deliver(widget, {**fields, "seq": seq, "epoch": widget._epoch})
    [ack] = kernel.acks()
    assert ack["seq"] == seq and ack["ok"] is False and error in ack["error"]
    assert len(ack["error"]) < 200  # a plain sentence, not the message read back
    assert saved == [] and marked == [] and widget.get_state() == before


@pytest.mark.parametrize("epoch", ["1", 1.0, True, None, [1], {"epoch": 1}], ids=repr)
def test_an_epoch_that_is_not_a_whole_number_is_not_understood(
    epoch: Any, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    widget, saved = checklist(catalog)
    widget.clear()  # epoch 1: True == 1 and 1.0 == 1 in Python, but neither is an epoch
    assert widget._epoch == 1
    kernel = Kernel(widget, monkeypatch)
    seq = next(_seq)
    deliver(widget, {"type": "edit", "seq": seq, "epoch": epoch, "id": PC1, "rating": "Competent"})
    assert kernel.acks() == [{"type": "ack", "seq": seq, "ok": False, "error": NOT_UNDERSTOOD}]
    assert saved == [] and widget.values == {}


@pytest.mark.parametrize(
    "content",
    [
        ["edit", 1],
        "edit",
        42,
        None,
        {"type": "edit", "seq": "1", "epoch": 0, "id": PC1, "rating": "Competent"},
        {"type": "edit", "seq": 1.0, "epoch": 0, "id": PC1, "rating": "Competent"},
        {"type": "edit", "seq": True, "epoch": 0, "id": PC1, "rating": "Competent"},
        {"type": "edit", "seq": -1, "epoch": 0, "id": PC1, "rating": "Competent"},
        {"type": "edit", "seq": 2**60, "epoch": 0, "id": PC1, "rating": "Competent"},
        {"type": "edit", "seq": [1], "epoch": 0, "id": PC1, "rating": "Competent"},
    ],
    ids=repr,
)
def test_a_message_that_cannot_be_matched_to_a_reply_is_logged_and_changes_nothing(
    content: Any,
    catalog: Catalog,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    widget, saved = checklist(catalog)
    kernel = Kernel(widget, monkeypatch)
    with caplog.at_level(logging.WARNING):
        deliver(widget, content)
    assert kernel.sent == [] and saved == [] and widget.values == {}
    assert "ignoring Checklist message without a seq" in caplog.text


def test_a_refused_message_is_logged_without_the_learners_text(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    widget, _saved = checklist(catalog)
    Kernel(widget, monkeypatch)
    with caplog.at_level(logging.WARNING):
        message(widget, "edit", id=PC1, evidence="private note " * 100_000)
    assert "refusing" in caplog.text and "private note" not in caplog.text


def test_a_browser_write_of_many_traits_is_logged_in_a_bounded_line(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    widget, _saved = checklist(catalog)
    Kernel(widget, monkeypatch)
    with caplog.at_level(logging.WARNING):
        widget.set_state({f"trait{i}{HALF}": i for i in range(10_000)})
    [record] = [r for r in caplog.records if "ignoring browser update" in r.getMessage()]
    line = record.getMessage()
    assert len(line) < 1_000 and "and 9,990 more" in line
    line.encode("utf-8")  # a log handler can write it


def test_the_bounds_leave_room_for_every_real_answer_and_note(catalog: Catalog) -> None:
    """Every exercise's model answer, and the longest note, pass the door unchanged."""
    from nosworkbook.exercises import all_exercises
    from nosworkbook.widgets.base import message_problem

    for one in all_exercises():
        content = {"type": "check", "seq": 1, "epoch": 0, "answer": model_answer(one.id)}
        assert message_problem(content) is None, one.id
        names = field_names(one.form())
        assert len(names) <= MAX_ANSWER_ITEMS
        everything = {
            name: list(f.get("options") or f.get("items") or []) or "x" * 5_000
            for name, f in names.items()
        }
        content["answer"] = everything
        assert message_problem(content) is None, one.id
    note = {"type": "edit", "seq": 1, "epoch": 0, "id": PC1, "evidence": EMOJI * MAX_EVIDENCE}
    assert message_problem(note) is None
    assert MAX_MESSAGE_VALUES >= 1_000
