"""Complaint handling: the ISO 10002 order, deterministic shuffles, pair scoring, choices."""

from __future__ import annotations

from itertools import permutations

import pytest

from nosworkbook.exercises import all_exercises, get
from nosworkbook.exercises.base import Setting
from nosworkbook.exercises.complaints import ISO_10002_STEPS, ComplaintHandling
from nosworkbook.exercises.toolkit.choices import mark_choice, validate_choices
from nosworkbook.exercises.toolkit.ordering import (
    mark_order,
    order_score,
    pairs_in_order,
    read_order,
    shuffled,
)

STEPS = list(ISO_10002_STEPS)
# The kinds whose scenarios use these shared choice questions.
MY_KINDS = {
    "complaint-handling",
    "question-technique",
    "sort-into-categories",
    "service-chain",
    "sla-deadline",
}


def test_the_iso_10002_process_as_in_the_design():
    words = [s.split()[0] for s in STEPS]
    assert words == [
        "Receive",
        "Acknowledge",
        "Assess",
        "Investigate",
        "Respond",
        "Communicate",
        "Close",
        "Analyse",
    ]
    assert "record" in STEPS[0]


@pytest.mark.parametrize("size", range(2, 10))
def test_shuffles_are_deterministic_permutations_never_in_order(size):
    items = [f"step {n}" for n in range(size)]
    for seed in (f"INSCS0{n:02d}.x" for n in range(40)):
        order = shuffled(items, seed)
        assert order != items and sorted(order) == sorted(items)
        assert order == shuffled(items, seed)


def test_shuffle_refuses_too_few_or_repeated_items():
    with pytest.raises(ValueError, match="at least 2 items, not 1"):
        shuffled(["only"], "seed")
    with pytest.raises(ValueError, match="must all be different"):
        shuffled(["a", "A ", "b"], "seed")


def test_order_score_is_the_share_of_pairs_in_order():
    assert order_score(STEPS, STEPS) == 1.0
    assert order_score(STEPS[::-1], STEPS) == 0.0
    one_swap = STEPS[:2] + [STEPS[3], STEPS[2]] + STEPS[4:]
    assert order_score(one_swap, STEPS) == round(27 / 28, 4)
    last_first = STEPS[-1:] + STEPS[:-1]
    assert order_score(last_first, STEPS) == round(21 / 28, 4)
    # Only the exact order scores 1: every other permutation of four has an inversion.
    small = ["a", "b", "c", "d"]
    scores = [order_score(list(p), small) for p in permutations(small)]
    assert scores.count(1.0) == 1 and min(scores) == 0.0


def test_order_matching_forgives_case_spacing_and_apostrophes():
    messy = ["  receive AND record the complaint"] + STEPS[1:]
    assert order_score(messy, STEPS) == 1.0
    assert read_order(["it\u2019s b", "a"], ["a", "it's b"]) == [1, 0]
    assert read_order("b\na\n", ["a", "b"]) == [1, 0]  # one per line also works


@pytest.mark.parametrize(
    "answer",
    [STEPS[:-1], STEPS + STEPS[:1], STEPS[:-1] + ["Make a cup of tea"], None, 42, []],
)
def test_incomplete_orders_are_refused(answer):
    assert read_order(answer, STEPS) is None
    with pytest.raises(ValueError, match="each of the 8 items exactly once"):
        order_score(answer, STEPS)


def test_mark_order_gives_pairs_and_hints():
    swapped = STEPS[:2] + [STEPS[3], STEPS[2]] + STEPS[4:]
    part = mark_order({"steps": swapped}, "steps", "Order", STEPS, STEPS, "Why.")
    assert part.score == round(27 / 28, 4) and not part.ok
    assert "27 of 28 pairs" in part.feedback
    assert f"\u201c{STEPS[3]}\u201d comes after \u201c{STEPS[2]}\u201d" in part.feedback
    assert part.feedback.endswith("Why.")
    empty = mark_order({}, "steps", "Order", STEPS, STEPS)
    assert empty.score == 0 and "Put all 8 steps in order" in empty.feedback
    assert pairs_in_order([0, 1, 2]) == (3, 3) and pairs_in_order([2, 1, 0]) == (0, 3)


CHOICE = {
    "name": "q",
    "label": "Is it justified?",
    "options": [
        {"text": "Yes", "correct": True, "feedback": "The records agree."},
        {"text": "Partly", "score": 0.5, "feedback": "Two questions in one."},
        {"text": "No", "feedback": "The evidence says otherwise."},
    ],
}


def test_mark_choice_uses_each_options_feedback():
    fill = str
    right = mark_choice({"q": " yes "}, CHOICE, fill)
    assert right.ok and right.feedback == "Right. The records agree."
    half = mark_choice({"q": "Partly"}, CHOICE, fill)
    assert half.score == 0.5 and "A better answer: \u201cYes\u201d." in half.feedback
    wrong = mark_choice({"q": "No"}, CHOICE, fill)
    assert wrong.score == 0 and wrong.feedback.startswith("The evidence says otherwise.")
    assert "Choose one answer" in mark_choice({}, CHOICE, fill).feedback
    assert "Choose one of the answers offered" in mark_choice({"q": "Maybe"}, CHOICE, fill).feedback


def test_every_scenario_choice_has_exactly_one_right_option():
    for exercise in all_exercises():
        if exercise.kind in MY_KINDS:
            validate_choices(exercise.spec.get("choices", []), exercise.id)
    with pytest.raises(ValueError, match="exactly one fully right option"):
        validate_choices([{**CHOICE, "options": CHOICE["options"][1:]}], "test")
    with pytest.raises(ValueError, match="missing or repeated"):
        validate_choices([CHOICE, CHOICE], "test")


def test_the_complaint_exercise_starts_shuffled_and_marks_each_part():
    exercise = get("INSCS028.complaint-handling")
    order = exercise.form()[0]
    assert order["type"] == "order" and order["items"] != STEPS
    assert sorted(order["items"]) == sorted(STEPS)
    untouched = exercise.check({"steps": order["items"]})
    assert 0 < untouched.parts[0].score < 1  # submitting the starting order is never right
    names = [p.name for p in untouched.parts]
    assert names == [
        "Order of the steps",
        "Justified or not",
        "Weighing option A",
        "Weighing option C",
        "Choosing the option",
    ]


def test_sector_wording_reaches_the_tables():
    hotel = get("INSCS028.complaint-handling", Setting("Seaview Hotels", "hospitality"))
    record, options = hotel.blocks()
    assert "sea-view room" in record["rows"][0][1]
    assert "Seaview Hotels" in hotel.scenario()
    assert "move the guests to a sea-view room" in options["rows"][1][1]
    shop = get("INSCS028.complaint-handling", Setting(sector="retail"))
    assert "£12" in shop.blocks()[0]["rows"][0][1]


def test_a_scenario_may_give_its_own_steps():
    spec = {
        "id": "INSCS025.test",
        "title": "t",
        "criteria": [],
        "scenario": "s",
        "steps": ["First", "Second", "Third"],
    }
    exercise = ComplaintHandling(spec=spec)
    assert exercise.check({"steps": ["First", "Second", "Third"]}).score == 1.0
    assert exercise.check({"steps": ["Third", "Second", "First"]}).score == 0.0
