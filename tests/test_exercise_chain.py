"""Service chains: roles from where a party sits and which way work flows, and the chain order."""

from __future__ import annotations

import pytest

from nosworkbook.exercises import answers as answer_book
from nosworkbook.exercises import get
from nosworkbook.exercises.base import Setting
from nosworkbook.exercises.chain import ROLES, ServiceChain, read_role, role_for


@pytest.mark.parametrize(
    ("internal", "supplies_you", "end_user", "role"),
    [
        (True, True, False, "internal supplier"),
        (True, False, False, "internal customer"),
        (False, True, False, "external supplier"),
        (False, False, False, "external customer"),
        (False, False, True, "end-user customer"),
    ],
)
def test_role_for(internal, supplies_you, end_user, role):
    assert role_for(internal, supplies_you, end_user) == role
    assert role in ROLES


def test_an_end_user_inside_the_organisation_is_refused():
    with pytest.raises(ValueError, match="end-user customer is outside your organisation"):
        role_for(True, False, end_user=True)


def test_read_role_forgives_case_spacing_and_hyphens():
    assert read_role("End user customer") == "end-user customer"
    assert read_role("  INTERNAL   supplier ") == "internal supplier"
    assert read_role("partner") is None


def test_form_asks_every_party_but_orders_every_link():
    exercise = get("INSCS041.service-chain")
    fields = exercise.form()
    selects = [f["fields"][0] for f in fields if f["type"] == "group"]
    assert [s["label"] for s in selects] == [f"Party {n} role" for n in range(1, 6)]
    assert all(s["options"] == list(ROLES) for s in selects)
    chain = next(f for f in fields if f["type"] == "order")
    names = [p["name"]["general"] for p in exercise.spec["parties"]]
    assert chain["items"] != names and sorted(chain["items"]) == sorted(names)
    assert "You: the customer service team" in chain["items"]


def test_feedback_per_party_names_the_role_and_why():
    exercise = get("INSCS041.service-chain")
    parts = {p.name: p for p in exercise.check({"party2.role": "external supplier"}).parts}
    party2 = parts["Party 2 role"]
    assert party2.score == 0
    assert "\u201cthe warehouse team\u201d is your internal supplier" in party2.feedback
    assert "Choose a role for party 1" in parts["Party 1 role"].feedback


def test_the_flow_hint_catches_a_supplier_placed_after_you():
    exercise = get("INSCS041.service-chain")
    model = answer_book.model_answer("INSCS041.service-chain")
    chain = list(model["chain"])
    chain[1], chain[2] = chain[2], chain[1]  # you before your internal supplier
    order = exercise.check({**model, "chain": chain}).parts[5]
    assert order.name == "Order of the chain" and 0 < order.score < 1
    assert "You called \u201cthe warehouse team\u201d a supplier" in order.feedback


def test_names_from_any_sector_are_accepted_and_shown_in_the_cohorts_words():
    hotel = get("INSCS041.service-chain", Setting("Harbour Hotel", "hospitality"))
    chain = next(f for f in hotel.form() if f["type"] == "order")
    assert "You: the reception team" in chain["items"]
    in_order = [p["name"]["hospitality"] for p in hotel.spec["parties"]]
    roles = {f"party{n}.role": p["role"] for n, p in hotel._asked()}
    parts = hotel.check({**roles, "chain": in_order}).parts
    assert all(p.ok for p in parts if p.name.startswith(("Party", "Order")))
    model = answer_book.model_answer("INSCS041.service-chain")
    assert hotel.check(model).score == 1.0  # the general names still match


def test_after_check_lists_the_learners_chain():
    exercise = get("INSCS014.service-chain")
    model = answer_book.model_answer("INSCS014.service-chain")
    table = exercise.after_check(model, exercise.check(model))[0]
    assert [row[2] for row in table["rows"]] == [
        "external supplier",
        "internal supplier",
        "you",
        "internal customer",
        "end-user customer",
    ]
    assert exercise.after_check({}, exercise.check({})) == []


def test_an_unknown_role_in_the_scenario_is_refused():
    spec = {
        "id": "INSCS041.test",
        "title": "t",
        "criteria": [],
        "scenario": "s",
        "parties": [{"name": "A", "role": "partner"}, {"name": "B", "role": "you"}],
    }
    with pytest.raises(ValueError, match="unknown role 'partner'"):
        ServiceChain(spec=spec).form()
