"""Risk classification: every band boundary of both default matrices, names, bad input, and
explanations that agree with the mark on every matrix."""

from __future__ import annotations

import re

import pytest

from nosworkbook.exercises import Setting, get, scenario_specs
from nosworkbook.exercises import answers as answer_book
from nosworkbook.exercises.risk import RiskClassification, classify
from nosworkbook.exercises.toolkit.matrix import LEVELS, MATRICES, band_text, get_matrix

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


# -- explanations on every matrix -------------------------------------------------------------

RISK_IDS = [
    s["id"]
    for specs in scenario_specs().values()
    for s in specs
    if s["kind"] == "risk-classification"
]
OWN_5X5 = {  # a cohort's own matrix: its own names, and bands unlike the default's
    "name": "college 5x5",
    "likelihood": ["remote", "unusual", "occasional", "frequent", "expected"],
    "impact": ["trivial", "slight", "noticeable", "grave", "catastrophic"],
    "bands": [[3, "low"], [9, "medium"], [25, "high"]],
}
OWN_3X3 = {
    "name": "college 3x3",
    "likelihood": ["improbable", "plausible", "probable"],
    "impact": ["limited", "significant", "grave"],
    "bands": [[2, "low"], [3, "medium"], [9, "high"]],
}
IN_USE = {"3x3": "3x3", "5x5": "5x5", "own 5x5": OWN_5X5, "own 3x3": OWN_3X3}


def _names_in(text: str, names: list[str]) -> set[str]:
    """The names that appear in `text` as whole words ('likely' is not in 'unlikely')."""
    return {n for n in names if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text, re.I)}


def _assert_names_only_the_right_levels(text, grid, right, where):
    named = _names_in(text, [*grid.likelihood, *grid.impact, *LEVELS])
    assert named <= set(right), f"{where}: {text!r} names {sorted(named - set(right))}"


@pytest.mark.parametrize("matrix", IN_USE, ids=list(IN_USE))
@pytest.mark.parametrize("exercise_id", RISK_IDS)
def test_no_explanation_names_a_level_other_than_the_one_marked_right(exercise_id, matrix):
    exercise = get(exercise_id, Setting(risk_matrix=IN_USE[matrix]))
    grid = exercise.matrix
    assert grid == get_matrix(IN_USE[matrix]), "the scenario rates its risks on this matrix"
    model = exercise.model_answer()
    assert exercise.check(model).score == 1.0
    for i, risk in enumerate(exercise.spec["risks"], 1):
        want_l, want_i = risk["ratings"][f"{grid.size}x{grid.size}"]
        want = {"likelihood": want_l, "impact": want_i}
        level = grid.level_of(want_l * want_i)
        right = (grid.likelihood[want_l - 1], grid.impact[want_i - 1], level)
        for axis in ("likelihood", "impact"):
            for value in range(1, grid.size + 1):
                chosen = grid.label(axis, value)
                parts = {
                    p.name: p for p in exercise.check({**model, f"risk{i}.{axis}": chosen}).parts
                }
                part = parts[f"Risk {i} {axis}"]
                assert (part.score == 1.0) == (value == want[axis])
                assert grid.label(axis, want[axis]) in part.feedback
                explained = part.feedback.replace(f"You chose {chosen};", "")  # the echo
                where = f"risk {i} {axis} answered {chosen!r}"
                _assert_names_only_the_right_levels(explained, grid, right, where)
        for chosen_l in range(1, grid.size + 1):
            for chosen_i in range(1, grid.size + 1):
                for chosen in LEVELS:
                    answer = {
                        **model,
                        f"risk{i}.likelihood": grid.label("likelihood", chosen_l),
                        f"risk{i}.impact": grid.label("impact", chosen_i),
                        f"risk{i}.level": chosen,
                    }
                    if chosen != grid.level_of(chosen_l * chosen_i) and chosen != level:
                        continue  # the learner's own misreading: the feedback quotes it
                    part = {p.name: p for p in exercise.check(answer).parts}[f"Risk {i} level"]
                    explained = part.feedback.removeprefix(chosen.capitalize())  # the echo
                    if chosen != level:
                        _assert_names_only_the_right_levels(
                            explained, grid, right, f"risk {i} level answered {chosen!r}"
                        )


@pytest.mark.parametrize("exercise_id", RISK_IDS)
def test_the_reasons_name_no_level_of_any_matrix(exercise_id):
    """The reasons are shown whichever matrix a cohort uses, so no level name belongs in them."""
    names = {n for grid in MATRICES.values() for n in (*grid.likelihood, *grid.impact)}
    exercise = get(exercise_id)
    for i, risk in enumerate(exercise.spec["risks"], 1):
        for key, reason in exercise.reasons(risk).items():
            named = _names_in(reason, [*names, *LEVELS])
            assert not named, f"risk {i} {key}: {reason!r} names {sorted(named)}"
        assert exercise.reasons(risk)["likelihood"] and exercise.reasons(risk)["impact"]


@pytest.mark.parametrize("exercise_id", RISK_IDS)
def test_the_tutors_model_answer_is_the_ratings_on_the_default_matrix(exercise_id):
    exercise = get(exercise_id)
    assert answer_book.model_answer(exercise_id) == exercise.model_answer()
    five = get(exercise_id, Setting(risk_matrix="5x5")).model_answer()
    assert all(five[f"risk{i}.likelihood"][0] in "12345" for i in range(1, 4))


def test_a_5x5_explanation_uses_the_5x5_words():
    """The finding: on the 5x5, '3 possible' for INSCS043 risk 3 was told 'It is possible'."""
    exercise = get("INSCS043.risk-classification", Setting(risk_matrix="5x5"))
    part = exercise.check({"risk3.likelihood": "3 possible"}).parts[6]
    assert part.name == "Risk 3 likelihood" and part.score == 0.5
    assert "a better judgement is 2 unlikely." in part.feedback
    assert "possible" not in part.feedback.replace("You chose 3 possible;", "")
    own = get("INSCS043.risk-classification", Setting(risk_matrix=OWN_5X5))
    part = own.check({"risk3.likelihood": "3 occasional"}).parts[6]
    assert "a better judgement is 2 unusual." in part.feedback


@pytest.mark.parametrize("matrix", ["3x3", "5x5"])
def test_a_blocked_fire_exit_and_a_cable_people_trip_over_are_high_on_every_built_in_matrix(
    matrix,
):
    exercise = get("INSCS005.risk-classification", Setting(risk_matrix=matrix))
    model = exercise.model_answer()
    assert model["risk1.level"] == "high"  # the trailing cable: two trips this month
    assert model["risk2.level"] == "high"  # the fire exit: checked, but people could be trapped
    slip = get("INSCS027.risk-classification", Setting(risk_matrix=matrix)).model_answer()
    assert slip["risk2.level"] == "medium"  # a customer badly hurt: well controlled, not low


def test_a_risk_without_reasons_for_each_axis_is_refused():
    spec = {**get("INSCS027.risk-classification").spec}
    spec["risks"] = [{**spec["risks"][0], "why": "It is likely, a moderate impact."}]
    with pytest.raises(ValueError, match="gives the reasons for its likelihood and its impact"):
        RiskClassification(spec=spec).check({})


def test_the_tutor_edition_shows_the_model_answer_on_the_cohorts_matrix(tmp_path):
    from nosworkbook.workbook import Workbook

    store = str(tmp_path / "s.sqlite")
    five = Workbook("INSCS005", edition="tutor", risk_matrix="5x5", store=store, auto_sign_in=False)
    notes = five.exercise("INSCS005.risk-classification").tutor_html
    assert "risk2.likelihood: 3 possible" in notes and "risk2.impact: 5 severe" in notes
    assert "risk2.impact: 3 major" not in notes
