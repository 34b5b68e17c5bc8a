"""Feedback analysis: NPS, CSAT, CES and FCR at their boundaries, bad input, and the exercise."""

from __future__ import annotations

import base64
import copy

import pytest

from nosworkbook.exercises import Setting, get
from nosworkbook.exercises import answers as answer_book
from nosworkbook.exercises.feedback import (
    FeedbackAnalysis,
    ces,
    csat,
    fcr,
    nps,
    nps_groups,
    parse_number,
    score_chart,
)

FEEDBACK_UNITS = ("INSCS029", "INSCS033", "INSCS040")


# -- the measures -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "group", "alone"),
    [
        (0, "detractors", -100.0),
        (6, "detractors", -100.0),  # 6 is a detractor
        (7, "passives", 0.0),
        (8, "passives", 0.0),
        (9, "promoters", 100.0),
        (10, "promoters", 100.0),
    ],
)
def test_every_nps_boundary(score, group, alone):
    groups = nps_groups([score])
    assert getattr(groups, group) == 1 and groups.total == 1
    assert nps([score]) == alone


def test_nps_is_share_of_promoters_minus_share_of_detractors():
    assert nps([10, 9, 8, 7, 6, 0]) == 0.0
    assert nps([9, 9, 0]) == 33.3  # rounded to one decimal place
    assert nps([9, 6, 6]) == -33.3
    assert nps([10] * 7 + [8] * 5 + [6] * 8) == -5.0
    assert nps([9.0, 10]) == 100.0  # a whole-valued float is a whole number


def test_csat_counts_only_fours_and_fives():
    assert csat([3]) == 0.0  # 3 is not satisfied
    assert csat([4]) == 100.0 and csat([5]) == 100.0
    assert csat([1, 2, 3, 4, 5]) == 40.0
    assert csat([5, 4, 3]) == 66.7


def test_ces_is_the_mean_and_fcr_a_percentage():
    assert ces([1, 7]) == 4.0
    assert ces([1, 2, 2]) == 1.67
    assert ces([7]) == 7.0
    assert fcr(71, 100) == 71.0
    assert fcr(0, 5) == 0.0 and fcr(5, 5) == 100.0
    assert fcr(2, 3) == 66.7


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: nps([9, 11]), "NPS score 2 is 11: out of range, NPS scores run from 0 to 10"),
        (lambda: nps([-1]), "NPS score 1 is -1: out of range"),
        (lambda: csat([0]), "CSAT score 1 is 0: out of range, CSAT scores run from 1 to 5"),
        (lambda: csat([4, 6]), "CSAT score 2 is 6: out of range"),
        (lambda: ces([8]), "CES score 1 is 8: out of range, CES scores run from 1 to 7"),
        (lambda: nps([7.5]), "NPS score 1 is 7.5: scores must be whole numbers"),
        (lambda: nps([True]), "NPS score 1 is True: a yes/no value is not a score"),
        (lambda: csat([5, "4"]), "CSAT score 2 is '4': scores must be whole numbers, not text"),
        (lambda: nps([]), "no NPS scores: give at least one score from 0 to 10"),
        (lambda: csat("45"), "CSAT scores must be a list of whole numbers"),
        (lambda: ces(None), "CES scores must be a list"),
        (lambda: fcr(120, 100), r"first_contact_resolved \(120\) is more than total \(100\)"),
        (lambda: fcr(-3, 100), "first_contact_resolved is -3: a number of contacts cannot be"),
        (lambda: fcr(0, 0), "total is 0: there must be at least one contact"),
        (lambda: fcr(True, 10), "first_contact_resolved is True: it must be a whole number"),
        (lambda: fcr(5, 10.5), "total is 10.5: it must be a whole number"),
    ],
)
def test_bad_input_says_which_value_and_why(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("42", 42.0),
        ("42%", 42.0),
        ("42 %", 42.0),
        ("42.0", 42.0),
        ("-15", -15.0),
        ("\u221215", -15.0),
        ("+10", 10.0),
        (" 58.3 per cent ", 58.3),
        (".5", 0.5),
        ("4.38", 4.38),
        ("", None),
        ("forty", None),
        ("42-", None),
        ("1,000", None),
    ],
)
def test_learners_numbers_are_read_generously_but_not_guessed(text, value):
    assert parse_number(text) == value


# -- the exercise -----------------------------------------------------------------------------


@pytest.mark.parametrize("unit", FEEDBACK_UNITS)
def test_model_answers_match_values_computed_from_the_data(unit):
    exercise = get(f"{unit}.feedback-analysis")
    answer = answer_book.model_answer(exercise.id)
    for ask in exercise.asks:
        assert abs(parse_number(answer[ask]) - exercise.expected(ask)) <= exercise.tolerance(ask)
    assert exercise.check(answer).score == 1.0


def test_expected_values_come_from_the_data_not_the_answers():
    exercise = get("INSCS040.feedback-analysis")
    assert (exercise.expected("nps"), exercise.expected("detractors")) == (10.0, 7.0)
    assert exercise.expected("csat") == 58.3
    spec = copy.deepcopy(exercise.spec)
    spec["data"]["nps"] = [10, 10, 0, 8]
    spec["data"]["csat"] = [5, 1]
    changed = FeedbackAnalysis(spec=spec)
    assert (changed.expected("nps"), changed.expected("detractors"), changed.expected("csat")) == (
        25.0,
        1.0,
        50.0,
    )
    assert changed.check({"nps": "25", "detractors": "1", "csat": "50%"}).parts[0].ok


def test_tolerance_and_formats():
    exercise = get("INSCS040.feedback-analysis")  # NPS 10, CSAT 58.3
    marks = {p.name: p.score for p in exercise.check({"nps": "+10", "csat": "58"}).parts}
    assert marks["NPS"] == 1.0 and marks["CSAT"] == 1.0
    assert exercise.check({"csat": "58.3%"}).parts[2].ok
    assert not exercise.check({"csat": "59"}).parts[2].ok
    assert not exercise.check({"detractors": "6"}).parts[1].ok  # counts are exact
    ces_exercise = get("INSCS033.feedback-analysis")  # CES 4.375 -> 4.38
    assert ces_exercise.check({"ces": "4.4"}).parts[0].ok
    assert ces_exercise.check({"ces": "4.37"}).parts[0].ok
    assert not ces_exercise.check({"ces": "4.3"}).parts[0].ok


@pytest.mark.parametrize(
    ("exercise_id", "answer", "part", "says"),
    [
        ("INSCS040.feedback-analysis", {"nps": "30"}, 0, "6s were left out of the detractors"),
        ("INSCS040.feedback-analysis", {"nps": "45"}, 0, "share of promoters only"),
        ("INSCS040.feedback-analysis", {"nps": "-10"}, 0, "not the other way round"),
        ("INSCS040.feedback-analysis", {"nps": "0.1"}, 0, "not a fraction"),
        ("INSCS040.feedback-analysis", {"nps": "2"}, 0, "not the counts of people"),
        ("INSCS040.feedback-analysis", {"nps": "12.5"}, 0, "Passives count in the total"),
        ("INSCS040.feedback-analysis", {"detractors": "3"}, 1, "A score of 6 is a detractor"),
        ("INSCS040.feedback-analysis", {"csat": "83.3"}, 2, "A 3 is neutral, not satisfied"),
        ("INSCS040.feedback-analysis", {"csat": "33.3"}, 2, "Count the 4s as satisfied too"),
        ("INSCS040.feedback-analysis", {"csat": "7"}, 2, "number of satisfied customers"),
        ("INSCS040.feedback-analysis", {"csat": "99"}, 2, "Not quite. 7 of 12 customers"),
        ("INSCS029.feedback-analysis", {"fcr": "75"}, 0, "quiet week like a busy one"),
        ("INSCS029.feedback-analysis", {"fcr": "29"}, 0, "share NOT resolved"),
        ("INSCS029.feedback-analysis", {"fcr": "0.71"}, 0, "not a fraction"),
        ("INSCS033.feedback-analysis", {"fcr": "70"}, 1, "quiet channel like a busy one"),
        ("INSCS033.feedback-analysis", {"ces": "4.5"}, 0, "the median"),
        ("INSCS033.feedback-analysis", {"ces": "70"}, 0, "That is the total"),
        ("INSCS033.feedback-analysis", {"ces": "four"}, 0, "'four' is not a number"),
        ("INSCS033.feedback-analysis", {}, 0, "Enter your CES"),
    ],
)
def test_typical_slips_are_named(exercise_id, answer, part, says):
    result = get(exercise_id).check(answer).parts[part]
    assert result.score == 0
    assert says in result.feedback


def test_working_is_shown_with_the_feedback():
    part = get("INSCS040.feedback-analysis").check({"nps": "10"}).parts[0]
    assert part.feedback == (
        "Right. 9 of 20 are promoters (45%) and 7 are detractors, scoring 0 to 6 (35%): "
        "45 \u2212 35 = 10."
    )


def test_interpretation_answers_agree_with_the_computed_results():
    review = get("INSCS033.feedback-analysis")
    assert review.expected("ces") < 5.0 and review.expected("fcr") < 80.0
    assert review.spec["questions"][0]["answer"] == "Neither criterion is met."
    monitoring = get("INSCS029.feedback-analysis")
    assert monitoring.expected("fcr") < 75.0 and monitoring.expected("csat") >= 70.0
    rates = [r["resolved"] / r["contacts"] for r in monitoring.spec["data"]["fcr"]]
    busiest = max(monitoring.spec["data"]["fcr"], key=lambda r: r["contacts"])
    assert busiest["resolved"] / busiest["contacts"] == min(rates)
    wrong = review.check({"question1": "Both criteria are met."}).parts[2]
    assert wrong.score == 0 and "4.38, below 5.0" in wrong.feedback


def test_blocks_show_the_data_and_form_fields_are_labelled():
    exercise = get("INSCS040.feedback-analysis", Setting("Acme Ltd", "retail"))
    nps_table, csat_table = exercise.blocks()
    assert nps_table["rows"][0][0] == "1 to 10" and nps_table["rows"][1][0] == "11 to 20"
    assert nps_table["rows"][0][1].startswith("10, 9, 6, 8")
    assert "Acme Ltd" in nps_table["caption"] and "20 responses" in nps_table["caption"]
    assert csat_table["columns"] == ["Customers", "Scores (1 to 5)"]
    fields = exercise.form()
    assert [f["label"] for f in fields[:3]] == [
        "NPS (from -100 to 100)",
        "Number of detractors",
        "CSAT (%)",
    ]
    assert fields[3]["type"] == "choice" and fields[3]["name"] == "question1"
    fcr_table = get("INSCS033.feedback-analysis").blocks()[1]
    assert fcr_table["columns"][0] == "Channel"
    assert fcr_table["rows"][1] == ["Email", 60, 30]


def test_chart_is_a_small_png_with_groups_in_words():
    exercise = get("INSCS040.feedback-analysis")
    blocks = exercise.after_check({}, exercise.check({}))
    assert [b["type"] for b in blocks] == ["image", "image"]
    nps_chart = blocks[0]
    assert nps_chart["src"].startswith("data:image/png;base64,")
    png = base64.b64decode(nps_chart["src"].split(",", 1)[1])
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) < 60_000
    alt = nps_chart["alt"]
    assert "detractors (0 to 6) 7" in alt and "passives (7 to 8) 4" in alt
    assert "promoters (9 to 10) 9" in alt and "6: 4" in alt
    assert "hatched and labelled" in nps_chart["caption"]
    effort = score_chart([1, 7, 7], "ces")
    assert "Bar chart of 3 CES scores" in effort["alt"] and "7: 2" in effort["alt"]
    with pytest.raises(ValueError, match="out of range"):
        score_chart([11], "nps")


# -- halves -----------------------------------------------------------------------------------


def test_every_measure_rounds_a_half_up_from_the_counts():
    assert nps([9] + [0] * 2 + [7] * 13) == -6.3  # -6.25: negative halves round away from zero
    assert nps([9] * 3 + [0] + [7] * 12) == 12.5
    assert csat([4] + [1] * 15) == 6.3  # 6.25%
    assert ces([1] * 7 + [2]) == 1.13  # 1.125; Python's round gives 1.12
    assert ces([6, 6, 6, 7]) == 6.25
    assert fcr(1, 16) == 6.3 and fcr(1, 80) == 1.3 and fcr(1, 40) == 2.5


def test_the_worked_answer_shows_the_figure_a_learner_gets_by_hand():
    spec = {
        "id": "INSCS040.halves",
        "title": "t",
        "criteria": [],
        "scenario": "s",
        "data": {"csat": [4] + [1] * 15, "nps": [9] + [0] * 2 + [7] * 13},
        "ask": ["csat", "nps"],
        "tolerance": {"csat": 0, "nps": 0},
    }
    exercise = FeedbackAnalysis(spec=spec)
    csat_part, nps_part = exercise.check({"csat": "6.3", "nps": "-6.3"}).parts
    assert csat_part.ok and "1 \u00f7 16 \u00d7 100 = 6.3%." in csat_part.feedback
    assert nps_part.ok and "(1 \u2212 2) \u00f7 16 = \u22126.3, subtracting" in nps_part.feedback
    assert not exercise.check({"csat": "6.2"}).parts[0].ok  # round-half-even's answer


def test_nps_working_subtracts_before_rounding_when_the_shares_were_rounded():
    spec = {
        "id": "INSCS040.thirds",
        "title": "t",
        "criteria": [],
        "scenario": "s",
        "data": {"nps": [9, 9, 0, 7, 7, 7]},  # 33.3% promoters, 16.7% detractors: NPS 16.7
        "ask": ["nps"],
    }
    part = FeedbackAnalysis(spec=spec).check({"nps": "16.7"}).parts[0]
    assert part.ok
    assert "100 \u00d7 (2 \u2212 1) \u00f7 6 = 16.7, subtracting before rounding." in part.feedback
