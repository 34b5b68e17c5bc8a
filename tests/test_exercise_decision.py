"""Decision scenarios: scoring per step, strict spec checks, and the 20 units' own scenarios."""

from __future__ import annotations

import copy
from collections import Counter

import pytest

from nosworkbook.exercises import Setting, for_unit
from nosworkbook.exercises import answers as answer_book
from nosworkbook.exercises.decision import (
    DecisionScenario,
    cited_criteria,
    find_choice,
    normalise,
    validate_spec,
)

UNITS = [
    f"INSCS{n:03d}"
    for n in (3, 4, 8, 9, 10, 11, 12, 13, 15, 17, 18, 19, 21, 23, 24, 31, 32, 36, 38, 39)
]

SPEC = {
    "id": "INSCS003.test-decision",
    "kind": "decision-scenario",
    "title": "Test",
    "criteria": ["INSCS003.PC5", "INSCS003.PC9", "INSCS003.KU3", "INSCS008.PC7"],
    "scenario": {"general": "At {organisation}.", "retail": "In the shop at {organisation}."},
    "steps": [
        {
            "situation": "A colleague asks for a customer's address.",
            "question": "what do you check first?",
            "choices": [
                {"text": "Give it at once", "verdict": "poor", "feedback": "Misses PC5."},
                {
                    "text": "Check they are authorised to have it",
                    "verdict": "best",
                    "feedback": "This meets PC5: only authorised requests.",
                },
                {"text": "Ask a manager", "verdict": "acceptable", "feedback": "Safe, see PC9."},
            ],
        },
        {
            "choices": [
                {
                    "text": "Explain it plainly to {organisation}'s customer",
                    "verdict": "acceptable",
                    "feedback": "Meets INSCS008.PC7 but not KU3.",
                },
                {"text": "Read out the policy", "verdict": "poor", "feedback": "Misses KU3."},
                {"text": "Validate the details", "verdict": "best", "feedback": "Meets KU3."},
            ],
        },
    ],
}
BEST = {"step1": "Check they are authorised to have it", "step2": "Validate the details"}


def make(spec=None, setting=None) -> DecisionScenario:
    return DecisionScenario(spec=spec or SPEC, setting=setting or Setting())


def broken(**changes):
    spec = copy.deepcopy(SPEC)
    for path, value in changes.items():
        target = spec
        *keys, last = path.split("__")
        for key in keys:
            target = target[int(key)] if key.isdigit() else target[key]
        if value is None:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value
    return spec


def test_best_acceptable_poor_score_one_half_nothing():
    exercise = make()
    assert exercise.check(BEST).score == 1.0
    mixed = exercise.check({"step1": "Ask a manager", "step2": "Read out the policy"})
    assert [p.score for p in mixed.parts] == [0.5, 0.0]
    assert mixed.score == 0.25
    assert mixed.parts[0].feedback.startswith("Acceptable, but not the best choice. Safe, see PC9")
    assert mixed.parts[1].feedback.startswith("Not a good choice.")
    assert mixed.summary == (
        "You made the best choice at 0 of 2 steps. Look again at PC9, KU3 in the unit."
    )
    assert exercise.check(BEST).summary == "You made the best choice at 2 of 2 steps."


def test_answers_match_by_words_and_organisation_either_way():
    exercise = make(setting=Setting("Acme Ltd", "retail"))
    filled = "explain it plainly to  ACME LTD's customer "
    assert exercise.check({"step1": BEST["step1"], "step2": filled}).parts[1].score == 0.5
    # a model answer written for the default setting still matches a cohort's wording
    default = "Explain it plainly to your organisation's customer"
    assert exercise.check({"step1": BEST["step1"], "step2": default}).parts[1].score == 0.5
    assert exercise.form()[1]["fields"][0]["options"][0] == (
        "Explain it plainly to Acme Ltd's customer"
    )


def test_blank_and_unknown_answers_score_nothing_with_clear_feedback():
    exercise = make()
    result = exercise.check({"step1": "", "step2": "Shout"})
    assert [p.score for p in result.parts] == [0.0, 0.0]
    assert result.parts[0].feedback == "Choose one of the options for step 1."
    assert "not one of the options for step 2" in result.parts[1].feedback
    assert exercise.check({}).score == 0.0
    assert exercise.check({"step1": "x" * 10_000, "step2": None}).score == 0.0


def test_find_choice_raises_naming_step_and_value():
    step = SPEC["steps"][0]
    assert find_choice(step, "  give IT at once", 1)["verdict"] == "poor"
    with pytest.raises(ValueError, match=r"step 3: 'Nope' is not one of this step's choices"):
        find_choice(step, "Nope", 3)
    with pytest.raises(ValueError, match="step 1: no choice was made"):
        find_choice(step, "   ", 1)
    with pytest.raises(ValueError, match=r"'x{57}\.\.\.' is not one"):
        find_choice(step, "x" * 500, 2)


def test_form_labels_are_specific_and_situations_shown():
    fields = make().form()
    assert [f["label"] for f in fields] == ["Step 1 of 2", "Step 2 of 2"]
    assert fields[0]["help"] == "A colleague asks for a customer's address."
    assert "help" not in fields[1]
    labels = [f["fields"][0]["label"] for f in fields]
    assert labels == ["Step 1: what do you check first?", "Step 2: what do you do?"]
    assert [f["fields"][0]["name"] for f in fields] == ["step1", "step2"]


def test_after_check_summarises_choices_against_the_best():
    exercise = make()
    answer = {"step1": "Give it at once", "step2": "Validate the details"}
    (table,) = exercise.after_check(answer, exercise.check(answer))
    assert table["type"] == "table"
    assert table["rows"][0] == [1, "Give it at once", "poor", BEST["step1"]]
    assert table["rows"][1] == [2, "Validate the details", "best", "(your choice)"]
    (empty,) = exercise.after_check({}, exercise.check({}))
    assert empty["rows"][0][1:3] == ["(no choice)", "-"]


def test_citations_resolve_to_the_unit_or_a_named_unit():
    assert cited_criteria("Meets PC7 and KU12, not INSCS008.PC3.", "INSCS011") == [
        "INSCS011.PC7",
        "INSCS011.KU12",
        "INSCS008.PC3",
    ]
    assert cited_criteria("PCs and KUs matter (PC)", "INSCS011") == []
    assert normalise("  A  b\nC ") == "a b c"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"steps__0__choices__0__verdict": "best"}, r"step 1: exactly one choice must be 'best' "),
        ({"steps__1__choices__2__verdict": "poor"}, r"step 2: exactly one .* \(found 0: none\)"),
        ({"steps__0__choices__2__feedback": " "}, r"step 1, choice C: every choice needs feedback"),
        ({"steps__0__choices__2__feedback": "Fine."}, r"step 1, choice C: .* must name the crit"),
        ({"steps__1__choices__1__feedback": "Misses PC12."}, r"step 2, choice B: .*INSCS003.PC12"),
        ({"steps__0__choices__1__verdict": "good"}, r"step 1, choice B: verdict 'good' is not"),
        ({"steps__0__choices__0__text": "Ask a manager"}, r"step 1, choice C: the same text"),
        ({"steps__0__choices__0__text": ""}, r"step 1, choice A: the choice has no text"),
        ({"steps__1__choices": []}, r"step 2: has 0 choices; give 3 to 4"),
        ({"steps__0__question": "Step 1: what?"}, r"step 1: the question must be words"),
        ({"steps__0__situation": {"retail": "x"}}, r"step 1: the situation needs a general"),
        ({"scenario": {"general": "x", "shop": "y"}}, r"scenario has unknown sectors \['shop'\]"),
        ({"steps": []}, r"give at least one step"),
        ({"criteria": []}, r"list the criteria it evidences"),
        ({"criteria": [*SPEC["criteria"], "INSCS003.PC1"]}, r"no feedback cites INSCS003.PC1"),
    ],
)
def test_bad_specs_raise_naming_exercise_and_step(changes, message):
    with pytest.raises(ValueError, match=r"exercise 'INSCS003.test-decision'.*" + message):
        validate_spec(broken(**changes))
    with pytest.raises(ValueError, match=message):
        make(broken(**changes))  # checked when the exercise is built


def test_order_and_length_must_not_give_the_answer_away():
    same_place = broken()
    same_place["steps"][1]["choices"] = [
        same_place["steps"][1]["choices"][i] for i in (1, 2, 0)
    ]  # best second in both steps
    with pytest.raises(ValueError, match="the best choice is always choice B"):
        validate_spec(same_place)
    longest = broken(steps__1__choices__2__text="Validate every detail against the customer record")
    with pytest.raises(ValueError, match="the best choice is the longest at every step"):
        validate_spec(longest)


# The units' own scenarios ------------------------------------------------------------------


def _decisions(unit: str) -> list[DecisionScenario]:
    return [e for e in for_unit(unit) if isinstance(e, DecisionScenario)]


@pytest.mark.parametrize("unit", UNITS)
def test_each_unit_has_a_decision_scenario_of_its_own(unit):
    exercises = _decisions(unit)
    assert exercises, f"{unit} has no decision scenario"
    cohort = Setting("Example Stores Ltd", "retail")
    for exercise in exercises:
        assert 3 <= len(exercise.steps) <= 5
        assert all(c.startswith(unit + ".") for c in exercise.criteria)
        entry = answer_book.for_unit(unit)[exercise.id]
        assert exercise.check(entry["model_answer"]).score == 1.0
        # the model answer (written for "your organisation") still scores in a cohort's wording
        in_cohort = DecisionScenario(spec=exercise.spec, setting=cohort)
        assert in_cohort.check(entry["model_answer"]).score == 1.0
        assert 2 <= len(entry["wrong_answers"]) <= 4
        for case in entry["wrong_answers"]:
            assert exercise.check(case["answer"]).score < 1.0, case["note"]
        sectors = Setting("Example Stores Ltd", "hospitality"), cohort
        texts = {DecisionScenario(spec=exercise.spec, setting=s).scenario() for s in sectors}
        assert len(texts) == 2 and all("Example Stores Ltd" in t for t in texts)


def test_best_choices_are_spread_over_positions_and_lengths():
    positions: Counter[int] = Counter()
    longest = steps = 0
    for unit in UNITS:
        for exercise in _decisions(unit):
            for step in exercise.steps:
                texts = [c["text"] for c in step["choices"]]
                best = next(i for i, c in enumerate(step["choices"]) if c["verdict"] == "best")
                positions[best] += 1
                longest += len(texts[best]) == max(len(t) for t in texts)
                steps += 1
    assert steps >= 60
    assert all(positions[i] >= steps // 6 for i in range(3)), positions
    assert max(positions.values()) <= steps * 0.4, positions
    assert longest <= steps * 0.45, f"the best choice is the longest in {longest} of {steps}"
