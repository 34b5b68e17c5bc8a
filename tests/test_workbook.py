"""The workbook runtime: sign-in, saving every edit, restoring in a new kernel, no mixing."""

from __future__ import annotations

import logging
import random
import sqlite3
from pathlib import Path

import pytest

from nosworkbook import ids
from nosworkbook.runtime import in_voila
from nosworkbook.store import integrity, open_store
from nosworkbook.workbook import Index, Workbook, default_learner


def edit(checklist, cid, rating=None, evidence=""):
    """What the browser sends when a learner changes an item."""
    message = {"type": "edit", "id": cid, "rating": rating, "evidence": evidence}
    checklist._on_custom_msg(checklist, message | {"epoch": checklist._epoch, "seq": 1}, None)


@pytest.fixture()
def store(tmp_path) -> Path:
    return tmp_path / "progress.sqlite"


def make(store, urn="INSCS027", **kwargs) -> Workbook:
    return Workbook(urn, store=str(store), auto_sign_in=False, **kwargs)


def test_checklists_wait_for_sign_in(store):
    wb = make(store)
    assert wb.performance.disabled and wb.knowledge.disabled
    assert wb.progress.note == "Sign in to see your progress."
    wb.sign_in.submit("a.khan")
    assert not wb.performance.disabled
    assert wb.sign_in.signed_in == "a.khan"
    assert wb.sign_in.message == "Signed in as a.khan. Nothing saved yet."


def test_answers_are_saved_at_once_and_restored_in_a_new_kernel(store):
    wb = make(store)
    wb.sign_in.submit("a.khan")
    edit(wb.performance, "INSCS027.PC10", "Competent", "Risk log for the spring sale")
    edit(wb.knowledge, "INSCS027.KU7", "Developing", "")
    saved = open_store(str(store)).load("default", "a.khan", urn="INSCS027")
    assert saved["INSCS027.PC10"].rating == "Competent"
    assert saved["INSCS027.PC10"].evidence == "Risk log for the spring sale"
    assert wb.progress.rows[0] == {
        "label": "Performance criteria",
        "done": 1,
        "rated": 1,
        "total": 13,
    }
    again = make(store)  # a new kernel: nothing in memory
    assert again.performance.values == {}
    again.sign_in.submit("a.khan")
    value = again.performance.values["INSCS027.PC10"]
    assert (value["rating"], value["evidence"]) == ("Competent", "Risk log for the spring sale")
    assert value["changed"]
    assert again.knowledge.values["INSCS027.KU7"]["rating"] == "Developing"
    assert again.sign_in.message == "Signed in as a.khan. Your saved answers are shown below."


def test_switching_learner_never_mixes_answers(store):
    wb = make(store)
    wb.sign_in.submit("a.khan")
    edit(wb.performance, "INSCS027.PC1", "Competent", "A's note")
    wb.sign_in.submit("b.jones")
    assert wb.performance.values == {}
    edit(wb.performance, "INSCS027.PC2", "Developing", "B's note")
    wb.sign_in.submit("a.khan")
    assert set(wb.performance.values) == {"INSCS027.PC1"}
    records = open_store(str(store)).load("default", "b.jones", urn="INSCS027")
    assert set(records) == {"INSCS027.PC2"}
    wb.sign_in.sign_out()
    assert wb.performance.values == {} and wb.performance.disabled
    edit(wb.performance, "INSCS027.PC3", "Competent", "")  # ignored: nobody signed in
    assert "INSCS027.PC3" not in open_store(str(store)).load("default", "a.khan")


def test_cohorts_are_kept_apart(store):
    one = make(store, cohort="retail-2027")
    one.sign_in.submit("a.khan")
    edit(one.performance, "INSCS027.PC1", "Competent", "")
    other = make(store, cohort="hospitality-2027")
    other.sign_in.submit("a.khan")
    assert other.performance.values == {}


@pytest.mark.parametrize("bad", ["", "a khan", "../etc/passwd", "x" * 65, "ann@example"])
def test_invalid_learner_ids_are_refused(store, bad):
    wb = make(store)
    wb.sign_in.submit(bad)
    assert wb.sign_in.is_error and "letters, digits" in wb.sign_in.message
    assert wb.sign_in.signed_in == "" and wb.performance.disabled


def test_an_unusable_store_is_reported_not_raised(tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"this is not a database" * 100)
    wb = make(broken)
    wb.sign_in.submit("a.khan")
    assert wb.sign_in.is_error
    assert wb.sign_in.message == "Your saved answers could not be loaded. Please tell your tutor."
    assert str(broken) in caplog.text and "is not an SQLite database" in caplog.text
    assert wb.performance.disabled
    assert broken.read_bytes() == b"this is not a database" * 100


def _damaged_store(path):
    with open_store(path) as store:
        for n in range(120):
            store.save("default", f"l{n % 5}", f"INSCS001.PC{n % 20 + 1}", evidence="x" * 1500)
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.seek(size // 2)
        handle.write(random.Random(5).randbytes(16 * 1024))
    integrity.forget()
    return path


@pytest.mark.parametrize("where", ["damaged", "unreachable", "save"])
def test_no_store_path_or_driver_error_reaches_the_learner(tmp_path, caplog, monkeypatch, where):
    caplog.set_level(logging.WARNING)
    folder = tmp_path / "srv" / "secret-folder"
    folder.mkdir(parents=True)
    if where == "damaged":
        location = str(_damaged_store(folder / "progress.sqlite"))
    elif where == "unreachable":
        location = "postgresql+psycopg://tutor:pw@127.0.0.1:9/secret-folder"
    else:
        location = str(folder / "progress.sqlite")
    wb = make(location)
    if where == "save":
        wb.sign_in.submit("a.khan")

        def refuse(**_kwargs):
            raise sqlite3.OperationalError(f"disk I/O error in {folder}")

        monkeypatch.setattr(wb.store, "save", refuse)
        edit(wb.performance, "INSCS027.PC4", "Competent", "")
        assert wb.sign_in.message == (
            "Your last change to PC4 could not be saved. Please tell your tutor."
        )
    else:
        wb.sign_in.submit("a.khan")
        assert wb.sign_in.message == (
            "Your saved answers could not be loaded. Please tell your tutor."
        )
    shown = repr(wb.sign_in.get_state()) + repr(wb.performance.get_state())
    for secret in ("secret-folder", str(tmp_path), "sqlite", "postgres", "malformed", "I/O"):
        assert secret not in shown
    assert "secret-folder" in caplog.text  # the tutor finds the details in the log


def test_custom_scale(store):
    wb = make(store, rating_scale=["No", "Partly", "Yes"])
    assert wb.performance.scale == ["No", "Partly", "Yes"]
    assert wb.progress.top == "Yes"


def test_default_learner_and_voila_detection(monkeypatch, store):
    monkeypatch.setenv("JUPYTERHUB_USER", "c.smith")
    monkeypatch.delenv("VOILA_KERNEL_ID", raising=False)
    monkeypatch.delenv("SERVER_SOFTWARE", raising=False)
    assert default_learner() == "c.smith" and not in_voila()
    wb = Workbook("INSCS001", store=str(store))  # JupyterLab: signed in straight away
    assert wb.sign_in.signed_in == "c.smith"
    monkeypatch.setenv("VOILA_KERNEL_ID", "abc")
    assert in_voila()
    wb = Workbook("INSCS001", store=str(store))  # Voila: the learner must type their id
    assert wb.sign_in.signed_in == ""
    monkeypatch.setenv("JUPYTERHUB_USER", "not valid!")
    assert default_learner() != "not valid!"


def test_index_shows_progress_per_unit(store):
    wb = make(store)
    wb.sign_in.submit("a.khan")
    edit(wb.performance, "INSCS027.PC1", "Competent", "")
    edit(wb.performance, "INSCS027.PC2", "Developing", "")
    index = Index(store=str(store), auto_sign_in=False)
    assert len(index.progress.rows) == 44
    index.sign_in.submit("a.khan")
    row = index.progress.rows[26]
    assert row["label"].startswith("INSCS027") and row["href"] == "INSCS027.ipynb"
    assert (row["done"], row["rated"], row["total"]) == (1, 2, 26)
    assert index.progress.rows[0]["rated"] == 0


def test_a_failed_save_is_shown_to_the_learner(store, monkeypatch):
    wb = make(store)
    wb.sign_in.submit("a.khan")
    sent = []
    monkeypatch.setattr(wb.performance, "send", lambda msg, *a, **k: sent.append(msg))

    def refuse(**_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(wb.store, "save", refuse)
    edit(wb.performance, "INSCS027.PC4", "Competent", "")
    assert sent[-1]["ok"] is False and "could not be saved" in sent[-1]["error"]
    assert wb.sign_in.is_error and "PC4 could not be saved. Please tell" in wb.sign_in.message
    assert "disk full" not in wb.sign_in.message


def test_a_learner_who_saves_too_often_is_told_to_wait_and_keeps_what_was_saved(store, monkeypatch):
    monkeypatch.setattr(ids, "MAX_SAVES_PER_MINUTE", 5)
    wb = make(store)
    wb.sign_in.submit("a.khan")
    for n in range(5):
        edit(wb.performance, "INSCS027.PC1", "Developing", f"draft {n}")
    sent = []
    monkeypatch.setattr(wb.performance, "send", lambda msg, *a, **k: sent.append(msg))
    edit(wb.performance, "INSCS027.PC1", "Competent", "one too many")
    assert sent[-1]["ok"] is False
    assert wb.sign_in.message == (
        "Your last change to PC1 was not saved: you have saved very often in the last minute. "
        "Wait a moment, then try again."
    )
    with open_store(str(store)) as again:
        record = again.load("default", "a.khan")["INSCS027.PC1"]
        assert (record.rating, record.evidence) == ("Developing", "draft 4")
        assert len(again.history("default", "a.khan")) == 5


def test_exercise_attempts_are_saved_and_the_latest_restored(store):
    from nosworkbook.exercises.answers import model_answer

    exercise_id = "INSCS027.risk-classification"
    wb = make(store, organisation="Example Stores Ltd", sector="retail")
    widget = wb.exercise(exercise_id)
    assert widget.disabled and "Example Stores Ltd" in widget.intro_html
    wb.sign_in.submit("a.khan")
    assert not widget.disabled
    message = {"type": "check", "epoch": widget._epoch}
    widget._on_custom_msg(widget, message | {"seq": 1, "answer": {"risk1.level": "low"}}, None)
    widget._on_custom_msg(widget, message | {"seq": 2, "answer": model_answer(exercise_id)}, None)
    attempts = open_store(str(store)).attempts("default", "a.khan", exercise_id)
    assert [round(a.score, 2) for a in attempts][-1] == 1.0 and len(attempts) == 2
    again = make(store)
    again.sign_in.submit("a.khan")
    restored = again.exercise(exercise_id)
    assert restored.answer == model_answer(exercise_id)
    assert restored.result["score"] == 1.0 and restored.checked_at
    again.sign_in.submit("b.jones")
    assert restored.answer == {} and restored.result == {}


def test_tutor_edition_shows_model_answers_and_due_date(store):
    learner = make(store)
    assert learner.exercise("INSCS027.risk-classification").tutor_html == ""
    tutor = make(store, edition="tutor", due="2027-03-31")
    notes = tutor.exercise("INSCS027.risk-classification").tutor_html
    assert "Model answer" in notes and "risk1.level: high" in notes and "Marking notes" in notes
    assert tutor.progress.heading == "Progress in INSCS027, due by 31 March 2027"
    with pytest.raises(ValueError, match="edition 'teacher'"):
        make(store, edition="teacher")
    with pytest.raises(ValueError, match="unknown sector 'farming'"):
        make(store, sector="farming")
