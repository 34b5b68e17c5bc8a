"""Risk classification: every band boundary of both default matrices, names, bad input."""

from __future__ import annotations

import pytest

from nosworkbook.exercises import Setting, get
from nosworkbook.exercises.risk import classify
from nosworkbook.exercises.toolkit.matrix import MATRICES, band_text, get_matrix

# Every cell of the default matrices, from docs/DESIGN.md: 3x3 product 1-2 low, 3-4 medium, 6-9
# high; 5x5 product 1-4 low, 5-12 medium, 15-25 high.
EXPECTED_3 = {1: "low", 2: "low", 3: "medium", 4: "medium", 6: "high", 9: "high"}
EXPECTED_5 = {p: "low" if p <= 4 else "medium" if p <= 12 else "high" for p in range(1, 26)}


@pytest.mark.parametrize("likelihood", range(1, 4))
@pytest.mark.parametrize("impact", range(1, 4))
def test_every_cell_of_the_3x3(likelihood, impact):
    assert classify(likelihood, impact) == EXPECTED_3[likelihood * impact]


@pytest.mark.parametrize("likelihood", range(1, 6))
@pytest.mark.parametrize("impact", range(1, 6))
def test_every_cell_of_the_5x5(likelihood, impact):
    assert classify(likelihood, impact, "5x5") == EXPECTED_5[likelihood * impact]


def test_band_edges():
    assert (classify(1, 2), classify(3, 1), classify(2, 2), classify(2, 3)) == (
        "low",
        "medium",
        "medium",
        "high",
    )
    assert (classify(2, 2, "5x5"), classify(1, 5, "5x5"), classify(3, 4, "5x5")) == (
        "low",
        "medium",
        "medium",
    )
    assert classify(3, 5, "5x5") == "high"
    assert band_text(MATRICES["3x3"]) == "1 to 2 low, 3 to 4 medium, 5 to 9 high"


def test_levels_as_names_and_labels():
    assert classify("likely", "major") == "high"
    assert classify("Unlikely", "minor") == "low"
    assert classify("3 likely", "2 moderate") == "high"
    assert classify("almost certain", "negligible", "5x5") == "medium"
    assert classify("2", "2") == "medium"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((4, 1), "likelihood 4 is out of range for the 3x3 matrix (1 to 3)"),
        ((1, 0), "impact 0 is out of range"),
        ((6, 1, "5x5"), "likelihood 6 is out of range for the 5x5 matrix (1 to 5)"),
        (("often", 1), "likelihood 'often' is not a level of the 3x3 matrix"),
        ((True, 1), "likelihood must be a level"),
        ((1.5, 1), "likelihood must be a whole number"),
        ((1, 1, "4x4"), "unknown risk matrix '4x4'"),
    ],
)
def test_bad_input_says_which_and_why(args, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        classify(*args)


def test_a_cohort_matrix_is_data():
    own = {
        "name": "4x4",
        "likelihood": ["rare", "possible", "likely", "frequent"],
        "impact": ["minor", "moderate", "major", "critical"],
        "bands": [[3, "low"], [8, "medium"], [16, "high"]],
    }
    assert classify(1, 3, own) == "low" and classify(2, 2, own) == "medium"
    assert classify(3, 3, own) == "high" and classify("frequent", "critical", own) == "high"
    with pytest.raises(ValueError, match="bands stop at 8 but products reach 16"):
        get_matrix({**own, "bands": [[3, "low"], [8, "medium"]]})
    with pytest.raises(ValueError, match="same number"):
        get_matrix({**own, "impact": ["a", "b"]})
    with pytest.raises(ValueError, match="unknown band"):
        get_matrix({**own, "bands": [[3, "low"], [16, "severe"]]})


def test_exercise_marks_each_part_and_explains():
    exercise = get("INSCS027.risk-classification")
    answer = {"risk1.likelihood": "3 likely", "risk1.impact": "2 moderate", "risk1.level": "medium"}
    parts = {p.name: p for p in exercise.check(answer).parts}
    assert parts["Risk 1 likelihood"].ok and parts["Risk 1 impact"].ok
    level = parts["Risk 1 level"]
    assert level.score == 0 and "3 x 2 = 6, high" in level.feedback
    near = exercise.check({"risk1.likelihood": "2 possible"}).parts[0]
    assert near.score == 0.5 and "better judgement is 3 likely" in near.feedback
    consistent = exercise.check(
        {"risk1.likelihood": "2 possible", "risk1.impact": "2 moderate", "risk1.level": "medium"}
    ).parts[2]
    assert consistent.score == 0.5 and "follows from your ratings" in consistent.feedback


def test_exercise_uses_the_cohorts_matrix_and_shows_it():
    exercise = get("INSCS027.risk-classification", Setting(risk_matrix="5x5"))
    assert exercise.matrix.name == "5x5"
    assert exercise.form()[0]["fields"][0]["options"][-1] == "5 almost certain"
    own = {
        "likelihood": ["a", "b", "c", "d"],
        "impact": ["a", "b", "c", "d"],
        "bands": [[3, "low"], [8, "medium"], [16, "high"]],
    }
    fallback = get("INSCS027.risk-classification", Setting(risk_matrix=own))
    assert fallback.matrix.name == "3x3"  # the scenario is not rated on a 4x4
    answer = {"risk1.likelihood": "3 likely", "risk1.impact": "3 major"}
    block = exercise.after_check(answer, exercise.check(answer))[0]
    assert block["type"] == "matrix" and len(block["rows"]) == 5
    three = get("INSCS027.risk-classification")
    block = three.after_check(answer, three.check(answer))[0]
    top_row = block["rows"][0]
    assert top_row["label"] == "3 likely" and top_row["cells"][2]["items"] == ["Risk 1"]
    assert [c["level"] for c in top_row["cells"]] == ["medium", "high", "high"]
