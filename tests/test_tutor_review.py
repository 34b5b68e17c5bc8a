"""The tutor's dashboard behind the tutor's sign-in, and signing off from it.

Under Voila (the classroom server shows the page to whoever can reach it) nothing of the
cohort is read or sent until one of the cohort's tutors signs in with a tutor's code; a
learner's code never opens it. Signed in, the tutor sees each criterion of a learner's unit
with its rating, evidence and exercise scores, signs it off or returns it with feedback, and
the log records the signed-in tutor, never a name from the page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from html import escape
from pathlib import Path
from typing import Any

import pytest

from nosworkbook.classroom.access import issue_codes
from nosworkbook.portfolio import review as desk_module
from nosworkbook.portfolio.dashboard_page import SIGN_IN_FIRST, Dashboard
from nosworkbook.store import Store
from nosworkbook.widgets.review import NOT_SIGNED_IN
from nosworkbook.workbook import session as session_module

SLUG = "review-2027-01"
UNITS = ["INSCS011"]
ROSTER = [{"id": "a.khan", "name": "Aisha Khan"}, {"id": "b.jones", "name": "Ben Jones"}]
TUTORS = [{"id": "m.price", "name": "Mina Price"}, {"id": "t.okafor", "name": ""}]
HOSTILE = "<script>window.pwned = 1</script> & <b>bold</b>"
PARAMETERS: dict[str, Any] = {"cohort": SLUG, "cohort_name": "Review cohort", "due": None}


@pytest.fixture()
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "progress.sqlite"
    with Store(path) as store:
        store.save(SLUG, "a.khan", "INSCS011.PC1", rating="Competent", evidence=HOSTILE)
        store.save(SLUG, "a.khan", "INSCS011.PC2", rating="Developing")
        store.save_attempt(SLUG, "a.khan", "INSCS011.decision-assumption", {"c": 1}, 0.625)
        store.save(SLUG, "b.jones", "INSCS011.PC1", rating="Not yet", evidence="Ben's own note")
    return path


@pytest.fixture()
def codes(store_path: Path) -> dict[str, str]:
    """Access codes for the learners and for the tutors, kept apart as the store keeps them."""
    with Store(store_path) as store:
        learners = issue_codes(store, SLUG, [p["id"] for p in ROSTER]).codes
        tutors = issue_codes(store, SLUG, [t["id"] for t in TUTORS], role="tutor").codes
    return {**learners, **tutors}


@pytest.fixture()
def voila(monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("VOILA_KERNEL_ID", "kernel-1")
    monkeypatch.delenv("NOSWORKBOOK_BUILD", raising=False)
    monkeypatch.setattr(session_module.THROTTLE, "lockout_seconds", 30)
    yield


def dashboard(store: Path, **changes: Any) -> Dashboard:
    values = {**PARAMETERS, "store": str(store), **changes}
    return Dashboard(units=UNITS, learners=ROSTER, tutors=TUTORS, **values)


def open_page(store: Path) -> tuple[Dashboard, Any, list[Any], Any]:
    """The dashboard as Voila runs tutor.ipynb: sign-in, sections, then the sign-off form."""
    page = dashboard(store)
    sign_in = page.sign_in()
    sections = [
        page.heading(),
        page.heat_map(),
        page.weakest(),
        page.progress(),
        page.exercise_scores(),
        page.distance_travelled(),
    ]
    return page, sign_in, sections, page.review()


def everything_sent(sign_in: Any, sections: list[Any], form: Any) -> str:
    """Every value the page's widgets would send to the browser, as one string."""
    state = [widget.get_state() for widget in (sign_in, *sections, form)]
    return json.dumps(state, default=str)


def test_under_voila_nothing_of_the_cohort_reaches_the_page_before_a_tutor_signs_in(
    store_path, codes, voila
):
    page, sign_in, sections, form = open_page(store_path)
    sent = everything_sent(sign_in, sections, form)
    for private in ("a.khan", "Aisha Khan", "b.jones", "Ben's own note", "pwned", "m.price"):
        assert private not in sent, private
    assert escape(SIGN_IN_FIRST) in sections[0].value and not page.read
    assert sign_in.ask_code and sign_in.id_label == "Tutor"
    assert not form.enabled and form.message == NOT_SIGNED_IN


def test_a_tutor_signs_in_with_a_tutors_code_and_sees_the_cohort_and_the_form(
    store_path, codes, voila
):
    page, sign_in, sections, form = open_page(store_path)
    sign_in.submit("m.price", codes["m.price"])
    assert sign_in.signed_in == "m.price" and not sign_in.is_error
    assert page.read and "Aisha Khan (a.khan)" in sections[1].value
    assert form.enabled
    assert [p["label"] for p in form.learners] == ["Aisha Khan (a.khan)", "Ben Jones (b.jones)"]
    assert form.learner == "a.khan" and form.unit == "INSCS011"
    first = form.rows[0]
    assert first["criterion"] == "INSCS011.PC1" and first["rating"] == "Competent"
    assert first["evidence"] == HOSTILE  # as data: the page draws it as text
    assert first["standing"] == "Not signed off yet" and not first["decided"]
    assert len(first["exercises"]) == 1
    assert first["exercises"][0].startswith("Serve a customer on evidence, not on a colleague")
    assert ": 63%, checked " in first["exercises"][0]  # 0.625 as stored, a half up
    assert form.rows[1]["exercises"] == []  # PC2: no exercise evidences it


def test_signing_out_empties_the_sections_and_the_form_again(store_path, codes, voila):
    page, sign_in, sections, form = open_page(store_path)
    sign_in.submit("m.price", codes["m.price"])
    sign_in.sign_out()
    sent = everything_sent(sign_in, sections, form)
    assert "a.khan" not in sent and "Aisha Khan" not in sent
    assert not form.enabled and not page.read and escape(SIGN_IN_FIRST) in sections[0].value


@pytest.mark.parametrize(
    ("person", "code_of"),
    [
        ("a.khan", "a.khan"),  # a learner with their own (learner's) code
        ("m.price", "a.khan"),  # a tutor's id with a learner's code
        ("m.price", "t.okafor"),  # another tutor's code
        ("x.stranger", "m.price"),
    ],
)
def test_only_a_tutor_with_their_own_tutors_code_gets_in(store_path, codes, voila, person, code_of):
    page, sign_in, sections, form = open_page(store_path)
    sign_in.submit(person, codes[code_of])
    assert sign_in.signed_in == "" and sign_in.is_error
    assert sign_in.message.startswith(session_module.TUTOR_NO_MATCH)
    assert not page.read and not form.enabled


def test_a_tutor_code_left_over_for_someone_no_longer_a_tutor_opens_nothing(
    store_path, codes, voila
):
    page = Dashboard(
        units=UNITS, learners=ROSTER, tutors=TUTORS[:1], store=str(store_path), **PARAMETERS
    )
    sign_in = page.sign_in()
    sign_in.submit("t.okafor", codes["t.okafor"])
    assert sign_in.signed_in == "" and sign_in.message.startswith(session_module.TUTOR_NO_MATCH)


def test_under_voila_tutors_without_codes_cannot_sign_in_at_all(store_path, voila):
    page, sign_in, sections, form = open_page(store_path)
    sign_in.submit("m.price", "")
    assert sign_in.signed_in == "" and sign_in.message == session_module.NO_TUTOR_CODES
    assert not page.read


def test_in_jupyterlab_without_tutor_codes_a_tutor_signs_in_by_id_and_no_one_else(store_path):
    page = dashboard(store_path)
    sign_in = page.sign_in()
    assert not sign_in.ask_code
    sign_in.submit("a.khan")
    assert sign_in.signed_in == "" and sign_in.message == session_module.NOT_A_TUTOR
    sign_in.submit("t.okafor")
    form = page.review()
    assert sign_in.signed_in == "t.okafor" and form.enabled


def signed_in(store_path: Path, codes: dict[str, str]) -> tuple[Dashboard, Any, list[Any], Any]:
    page, sign_in, sections, form = open_page(store_path)
    sign_in.submit("m.price", codes["m.price"])
    assert sign_in.signed_in == "m.price"
    return page, sign_in, sections, form


def test_signing_off_records_the_signed_in_tutor_and_shows_it_at_once(store_path, codes, voila):
    page, _, sections, form = signed_in(store_path, codes)
    before = sections[1].value
    form.decide("INSCS011.PC1", False, "")
    assert not form.is_error, form.message
    assert form.message == "PC1 of INSCS011 signed off for Aisha Khan (a.khan)."
    with Store(store_path) as store:
        (entry,) = store.sign_off_log(SLUG, "a.khan")
    assert (entry.criterion, entry.tutor, entry.action) == ("INSCS011.PC1", "m.price", "signed off")
    assert form.rows[0]["standing"].startswith("Signed off by Mina Price (m.price), ")
    assert form.rows[0]["decided"] and not form.rows[1]["decided"]
    assert sections[1].value != before  # the heat map's signed-off share moved


def test_returning_needs_feedback_and_the_feedback_is_kept_as_written(store_path, codes, voila):
    _, _, _, form = signed_in(store_path, codes)
    form.decide("INSCS011.PC2", True, "   ")
    assert form.is_error and form.message == desk_module.NEEDS_FEEDBACK
    form.decide("INSCS011.PC2", True, HOSTILE)
    assert not form.is_error, form.message
    with Store(store_path) as store:
        state = store.sign_off_states(SLUG, "a.khan")["INSCS011.PC2"]
    assert (state.action, state.feedback, state.tutor) == ("returned", HOSTILE, "m.price")
    assert form.rows[1]["feedback"] == HOSTILE
    assert form.rows[1]["standing"].startswith("Returned by Mina Price (m.price), ")


def test_the_form_acts_only_on_learners_units_and_criteria_it_offered(store_path, codes, voila):
    _, _, _, form = signed_in(store_path, codes)
    form.choose("z.nobody", "INSCS011")
    assert form.is_error and form.learner == "a.khan"
    form.choose("b.jones", "INSCS001")  # not one of the cohort's units
    assert form.is_error and form.learner == "a.khan"
    form.decide("INSCS024.PC1", False, "")  # not shown
    assert form.is_error and form.message == desk_module.NOT_SHOWN
    form.choose("b.jones", "INSCS011")
    assert not form.is_error and form.learner == "b.jones"
    assert form.rows[0]["evidence"] == "Ben's own note"
    with Store(store_path) as store:
        assert store.sign_off_log(SLUG) == []


def test_messages_from_the_page_decide_nothing_before_sign_in_and_name_no_tutor(
    store_path, codes, voila
):
    page, sign_in, sections, form = open_page(store_path)
    form._on_custom_msg(
        form, {"type": "decide", "criterion": "INSCS011.PC1", "action": "sign-off"}, []
    )
    assert form.message == NOT_SIGNED_IN
    sign_in.submit("m.price", codes["m.price"])
    form._on_custom_msg(
        form,
        {"type": "decide", "criterion": "INSCS011.PC1", "action": "sign-off", "tutor": "a.khan"},
        [],
    )
    form._on_custom_msg(form, {"type": "choose", "learner": "b.jones", "unit": "INSCS011"}, [])
    with Store(store_path) as store:
        (entry,) = store.sign_off_log(SLUG)
    assert (entry.learner, entry.tutor) == ("a.khan", "m.price")
    assert form.learner == "b.jones"


def test_feedback_over_the_limit_is_refused_before_the_store_is_asked(store_path, codes, voila):
    _, _, _, form = signed_in(store_path, codes)
    form._on_custom_msg(
        form,
        {"type": "decide", "criterion": "INSCS011.PC2", "action": "return", "feedback": "x" * 5001},
        [],
    )
    assert form.is_error and "5,000" in form.message
    with Store(store_path) as store:
        assert store.sign_off_log(SLUG) == []
