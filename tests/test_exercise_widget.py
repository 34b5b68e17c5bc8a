"""The exercise widget: checks answers sent by the browser, saves attempts, escapes markup."""

from __future__ import annotations

import itertools

from nosworkbook.exercises import Setting, get
from nosworkbook.exercises.answers import model_answer
from nosworkbook.widgets.exercise import ExerciseWidget, markdown_html

ID = "INSCS027.risk-classification"
_seq = itertools.count(1)


def send(widget, answer, epoch=None):
    """What the browser sends when the learner chooses Check my answer."""
    epoch = widget._epoch if epoch is None else epoch
    message = {"type": "check", "seq": next(_seq), "answer": answer, "epoch": epoch}
    widget._on_custom_msg(widget, message, None)


def test_check_from_the_browser_scores_and_calls_back():
    widget = ExerciseWidget(get(ID))
    attempts = []
    widget.on_attempt(lambda eid, answer, result: attempts.append((eid, answer, result.score)))
    send(widget, model_answer(ID) | {"not.a.field": "x", "risk2.level": None})
    assert widget.result["score"] < 1.0  # risk 2's level was left out
    assert attempts[-1][0] == ID and "not.a.field" not in attempts[-1][1]
    send(widget, model_answer(ID))
    assert widget.result["score"] == 1.0 and attempts[-1][2] == 1.0
    assert widget.after and widget.after[0]["type"] == "matrix"
    assert widget.checked_at


def test_refused_when_disabled_or_stale():
    widget = ExerciseWidget(get(ID), disabled=True)
    replies, attempts = [], []
    widget.send = lambda msg, *a, **k: replies.append(msg)
    widget.on_attempt(lambda *args: attempts.append(args))
    send(widget, model_answer(ID))
    assert attempts == [] and replies[-1]["type"] == "ack" and replies[-1]["ok"] is False
    assert replies[-1]["error"] == "Sign in to answer this exercise."
    widget.disabled = False
    old = widget._epoch
    widget.clear()
    send(widget, model_answer(ID), epoch=old)  # typed before a learner switch
    assert attempts == [] and replies[-1]["error"] == "stale"


def test_restore_rechecks_and_clear_empties():
    widget = ExerciseWidget(get(ID))
    widget.restore(model_answer(ID))
    assert widget.result["score"] == 1.0 and widget.answer == model_answer(ID)
    widget.clear()
    assert (widget.answer, widget.result, widget.after) == ({}, {}, [])


def test_failed_save_is_reported():
    widget = ExerciseWidget(get(ID))

    def broken(*_args):
        raise OSError("disk full")

    widget.on_attempt(broken)
    replies = []
    widget.send = lambda msg, *a, **k: replies.append(msg)
    send(widget, model_answer(ID))
    assert widget.result["score"] == 1.0 and "error" not in widget.result  # checked, shown
    assert replies[-1]["ok"] is False and "could not be saved" in replies[-1]["error"]


def test_text_is_sized_and_markup_escaped():
    widget = ExerciseWidget(get(ID, Setting(organisation="<script>alert(1)</script> Ltd")))
    assert "<script>" not in widget.intro_html and "&lt;script&gt;" in widget.intro_html
    assert "<em>" in markdown_html("*word*") and "<b>" not in markdown_html("<b>x</b>")
    send(widget, {"risk1.level": "x" * 10_000})
    assert len(widget.answer["risk1.level"]) == 5_000


def test_organisation_is_filled_in_and_capitalised_at_a_sentence_start():
    from nosworkbook.exercises.base import fill

    text = "{organisation} ran a survey. Then {organisation} acted.\n{organisation} won."
    assert fill(text, Setting()) == (
        "Your organisation ran a survey. Then your organisation acted.\nYour organisation won."
    )
    assert fill(text, Setting("Acme Ltd")).startswith("Acme Ltd ran a survey. Then Acme Ltd")
    assert fill("Keep {unknown} as typed", Setting()) == "Keep {unknown} as typed"
