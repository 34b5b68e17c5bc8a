"""SWOT and PESTLE sorting: the frameworks, the quadrant rule, marking and the learner's grid."""

from __future__ import annotations

import pytest

from nosworkbook.exercises import get
from nosworkbook.exercises.sorting import (
    FRAMEWORKS,
    SortIntoCategories,
    framework,
    sort_score,
    swot_category,
    swot_reason,
)


def test_frameworks_follow_the_definitions():
    assert list(FRAMEWORKS["PESTLE"]) == [
        "Political",
        "Economic",
        "Social",
        "Technological",
        "Legal",
        "Environmental",
    ]
    swot = FRAMEWORKS["SWOT"]
    assert all("inside" in swot[c] for c in ("Strength", "Weakness"))
    assert all("outside" in swot[c] for c in ("Opportunity", "Threat"))
    assert framework("swot") is FRAMEWORKS["SWOT"]
    assert framework({"Keep": "k", "Drop": "d"}) == {"Keep": "k", "Drop": "d"}


def test_bad_frameworks_say_why():
    with pytest.raises(ValueError, match="unknown framework 'STEEP': use SWOT or PESTLE"):
        framework("STEEP")
    with pytest.raises(ValueError, match="at least two categories"):
        framework({"Only": "one"})


@pytest.mark.parametrize(
    ("internal", "helpful", "category"),
    [
        (True, True, "Strength"),
        (True, False, "Weakness"),
        (False, True, "Opportunity"),
        (False, False, "Threat"),
    ],
)
def test_swot_quadrants(internal, helpful, category):
    assert swot_category(internal, helpful) == category
    reason = swot_reason(category)
    assert ("inside" in reason) == internal and ("helps" in reason) == helpful
    assert reason.endswith(f"{category.lower()}.")
    assert " an opportunity" in swot_reason("Opportunity")


def test_sort_score_right_near_and_wrong():
    assert sort_score(" legal ", "Legal") == 1.0
    assert sort_score("Political", "Legal", ["Political"]) == 0.5
    assert sort_score("Social", "Legal", ["Political"]) == 0.0
    assert sort_score("", "Legal", [""]) == 0.0


def test_statements_are_numbered_across_sections():
    exercise = get("INSCS034.sort-into-categories")
    groups = [f for f in exercise.form() if f["type"] == "group"]
    labels = [g["fields"][0]["label"] for g in groups]
    assert labels == [f"Statement {n} category" for n in range(1, 13)]
    assert groups[0]["fields"][0]["options"] == list(FRAMEWORKS["PESTLE"])
    assert groups[6]["fields"][0]["options"] == list(FRAMEWORKS["SWOT"])
    assert [b["caption"] for b in exercise.blocks()] == [
        "PESTLE: factors in the wider world",
        "SWOT: your own service",
    ]


def test_marking_explains_each_statement():
    exercise = get("INSCS034.sort-into-categories")
    answer = {"statement1": "Economic", "statement2": "Social", "statement9": "Opportunity"}
    parts = {p.name: p for p in exercise.check(answer).parts}
    assert parts["Statement 1"].score == 0.5 and "arguable" in parts["Statement 1"].feedback
    assert parts["Statement 2"].score == 0
    assert "belongs in Economic" in parts["Statement 2"].feedback
    assert FRAMEWORKS["PESTLE"]["Economic"] in parts["Statement 2"].feedback
    assert parts["Statement 9"].ok and "opportunity" in parts["Statement 9"].feedback
    assert parts["Statement 3"].feedback == "Choose a PESTLE category for statement 3."


def test_swot_feedback_falls_back_to_the_quadrant_rule():
    spec = {
        "id": "INSCS044.test",
        "title": "t",
        "criteria": [],
        "scenario": "s",
        "framework": "SWOT",
        "statements": [{"text": "A rival opens next door.", "category": "Threat"}],
    }
    part = SortIntoCategories(spec=spec).check({"statement1": "Weakness"}).parts[0]
    assert "outside the organisation and harms it, so it is a threat" in part.feedback


def test_a_statement_in_an_unknown_category_is_refused():
    spec = {
        "id": "INSCS044.test",
        "title": "t",
        "criteria": [],
        "scenario": "s",
        "framework": "PESTLE",
        "statements": [{"text": "x", "category": "Ethical"}],
    }
    with pytest.raises(ValueError, match="statement 1 category 'Ethical' is not one of"):
        SortIntoCategories(spec=spec).form()


def test_after_check_shows_the_learners_own_grid():
    exercise = get("INSCS034.sort-into-categories")
    answer = {"statement1": "Political", "statement7": "Strength", "statement12": "strength"}
    answer |= {"statement8": "Threat", "statement9": "Opportunity"}
    pestle, swot = exercise.after_check(answer, exercise.check(answer))
    assert pestle["rows"][0] == ["Political", "1"] and pestle["rows"][1] == ["Economic", "\u2014"]
    assert swot["rows"][0] == ["Inside (internal)", "7, 12", "\u2014"]
    assert swot["rows"][1] == ["Outside (external)", "9", "8"]
