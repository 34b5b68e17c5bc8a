"""SMART targets: each of the five tests, dates past and future, edge cases, and the exercise."""

from __future__ import annotations

from datetime import date

import pytest

from nosworkbook.exercises import Setting, get
from nosworkbook.exercises import answers as answer_book
from nosworkbook.exercises.base import SECTORS
from nosworkbook.exercises.smart import LONG_CHARS, MAX_CHARS, assess

TODAY = date(2026, 11, 23)
GOAL = ["complaint", "reply", "waiting", "calls"]
SMART_UNITS = ("INSCS007", "INSCS030", "INSCS035", "INSCS037", "INSCS042")


def check(text: str, today: date = TODAY, goal=GOAL):
    return assess(text, today, goal)


def test_a_good_target_passes_all_five_and_says_why():
    result = check("Reduce the average reply time to complaints to 3 days by 31 March 2030.")
    assert result.smart and result.met == 5
    assert result.deadline == date(2030, 3, 31)
    assert "'reduce'" in result.specific.feedback
    assert "31 March 2030" in result.time_bound.feedback
    assert "'complaints'" in result.relevant.feedback


# -- specific ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ok", "says"),
    [
        ("Answer 90% of calls within 20 seconds each month.", True, "'answer'"),
        ("Complaint replies reduced to 3 days each month.", True, "'reduced'"),
        ("Held two team briefings on the complaint log each week.", True, "'held'"),
        ("Improve customer service each month.", False, "'customer service' is too broad"),
        ("Reduce complaints each month.", True, "('complaints')"),
        ("Reduce each month.", False, "not clearly what"),
        ("Try to do well with complaints each month.", False, "'try' says what you will try"),
        ("Complaints at 3 days each month.", False, "Say what will be done"),
    ],
)
def test_specific_needs_an_action_verb_and_a_named_object(text, ok, says):
    result = check(text).specific
    assert result.ok is ok
    assert says in result.feedback


def test_a_very_long_target_is_not_specific_and_processing_is_capped():
    base = "Reduce the average reply time to complaints to 3 days by 31 March 2030. "
    long = base * 6
    assert len(long) > LONG_CHARS
    result = check(long)
    assert not result.specific.ok and "too long to be a clear target" in result.specific.feedback
    assert result.time_bound.ok  # the other tests still read it
    huge = check(base * 500)
    assert len(huge.text) == MAX_CHARS
    assert str(len(" ".join((base * 500).split()))) in huge.specific.feedback


@pytest.mark.parametrize("text", ["", "   \n\t ", None])
def test_empty_text_fails_everything_with_help(text):
    result = assess(text, TODAY, GOAL)
    assert not result.smart and result.met == 0
    for _, part in result.checks:
        assert not part.ok and part.feedback.startswith("Write a target")


# -- measurable -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("Cut abandoned calls to 5% within six weeks.", True),
        ("Answer calls within 20 seconds each month.", True),
        ("Train six advisers on complaint replies within a month.", True),
        ("Publish a complaint reply template by the end of June.", True),
        ("Have a call-back system for complaint calls in place by the end of June.", True),
        ("Reply to complaints faster by the end of June.", False),
        ("Improve complaint replies by 31 March 2030.", False),  # the date is not a measure
        ("Improve complaint replies within six weeks.", False),  # nor is the period
        ("Improve complaint replies by the end of Q2.", False),
    ],
)
def test_measurable_needs_a_number_or_a_finish_line(text, ok):
    assert check(text).measurable.ok is ok


def test_measurable_feedback_names_the_vague_comparative():
    feedback = check("Reply to complaints faster by the end of June.").measurable.feedback
    assert "'faster' needs a number" in feedback
    assert (
        "'publish the complaint guide' gives a yes or no test"
        in check("Publish the complaint guide.").measurable.feedback
    )


# -- achievable -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Always reply to complaints within 2 days.", "Always"),
        ("Never leave a complaint call waiting over 1 minute.", "Never"),
        ("Answer every customer within 20 seconds.", "every customer"),
        ("Resolve 100% of customers' complaints within 5 days.", "100%"),
        ("Resolve all complaints within 5 days.", "all complaints"),
        ("Achieve zero complaints about waiting by June.", "zero complaints"),
        ("Answer 110% of calls within 20 seconds.", "110% of"),
    ],
)
def test_absolutes_are_not_achievable_and_are_named(text, found):
    result = check(text).achievable
    assert not result.ok
    assert f"'{found}'" in result.feedback


@pytest.mark.parametrize(
    "text",
    [
        "Train all six complaint handlers on the new complaint log within six weeks.",
        "Increase complaint replies sent on time by 20% by June.",
        "Review the complaint log every week.",
        "Answer 95% of calls within 20 seconds.",
    ],
)
def test_ordinary_targets_are_achievable(text):
    assert check(text).achievable.ok


# -- relevant ---------------------------------------------------------------------------------


def test_relevance_uses_lemmas_and_ignores_broad_words():
    assert check("Answer replies to complaint calls by June.").relevant.ok
    assert check("Cut the complants backlog by June.").relevant.ok  # a misspelling
    assert check("Cut waits for phone queues to 2 minutes by June.").relevant.ok
    off = check("Raise customer service team sales by 10% by June.").relevant
    assert not off.ok and "'complaint'" in off.feedback
    # numbers and time words in the goal never make a target relevant
    goal = ["Resolve complaints within five working days"]
    assert not assess("Raise sales by 10% within five working days.", TODAY, goal).relevant.ok


def test_without_goal_words_relevance_is_not_judged():
    result = assess("Raise sales by 10% by June.", TODAY)
    assert result.relevant.ok and "no goal" in result.relevant.feedback


# -- time-bound -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "deadline"),
    [
        ("by 31 March 2030", date(2030, 3, 31)),
        ("by 31st of March 2030", date(2030, 3, 31)),
        ("by March 31, 2030", date(2030, 3, 31)),
        ("by 31/03/2030", date(2030, 3, 31)),
        ("by 31/3/30", date(2030, 3, 31)),
        ("by 2030-03-31", date(2030, 3, 31)),
        ("by March 2030", date(2030, 3, 31)),
        ("by the end of June", date(2027, 6, 30)),
        ("by the end of December", date(2026, 12, 31)),
        ("by 1 December", date(2026, 12, 1)),
        ("by 1 November", date(2027, 11, 1)),  # passed this year, so next year's
        ("by the end of Q2", date(2027, 6, 30)),
        ("by the end of Q4", date(2026, 12, 31)),
        ("by the end of the second quarter of 2028", date(2028, 6, 30)),
        ("in Q1 2027", date(2027, 3, 31)),
    ],
)
def test_dates_resolve_to_a_deadline(phrase, deadline):
    result = check(f"Cut complaint replies to 3 days {phrase}.")
    assert result.time_bound.ok, result.time_bound.feedback
    assert result.deadline == deadline


@pytest.mark.parametrize(
    "phrase",
    [
        "within six weeks",
        "within 30 days",
        "within a month",
        "in the next 30 days",
        "in twelve weeks' time",
        "over the next three months",
        "within 7 days",
        "six weeks from now",
        "by the end of the year",
        "by the end of next month",
        "next quarter",
        "by next Friday",
        "each month",
        "every week",
        "reviewed monthly",
        "every 2 weeks",
    ],
)
def test_periods_and_review_rhythms_are_time_bound(phrase):
    result = check(f"Cut complaint replies to 3 days {phrase}.")
    assert result.time_bound.ok, result.time_bound.feedback
    assert result.deadline is None


def test_quarter_and_month_ends_roll_over_at_the_boundary():
    text = "Cut complaint replies to 3 days by the end of Q2."
    assert check(text, date(2027, 6, 30)).deadline == date(2027, 6, 30)
    assert check(text, date(2027, 7, 1)).deadline == date(2028, 6, 30)
    june = "Cut complaint replies to 3 days by the end of June."
    assert check(june, date(2027, 7, 1)).deadline == date(2028, 6, 30)


def test_a_date_in_the_past_is_not_time_bound():
    text = "Cut complaint replies to 3 days by 31 March 2030."
    assert check(text, date(2030, 3, 31)).time_bound.ok  # today still counts
    late = check(text, date(2030, 4, 1)).time_bound
    assert not late.ok
    assert "'31 March 2030' has passed (today is 1 April 2030)" in late.feedback
    assert not check("Cut complaint replies to 3 days by 30/06/2025.").time_bound.ok
    assert not check("Cut complaint replies to 3 days by the end of Q2 2025.").time_bound.ok
    # a past date with a future one as well is still time-bound
    both = check("Since 1 January 2025, cut complaint replies to 3 days by 31 March 2030.")
    assert both.time_bound.ok and both.deadline == date(2030, 3, 31)


@pytest.mark.parametrize("phrase", ["by 31/02/2027", "by 31 April 2028", "by 12/13/2027"])
def test_impossible_dates_are_named(phrase):
    result = check(f"Cut complaint replies to 3 days {phrase}.").time_bound
    assert not result.ok and "is not a real date" in result.feedback


@pytest.mark.parametrize(
    ("phrase", "says"),
    [
        ("within 5 working days", "says how quickly each case is handled"),
        ("within 6 days", "says how quickly each case is handled"),
        ("within 20 seconds", "says how quickly each case is handled"),
        ("within 24 hours", "says how quickly each case is handled"),
        ("soon", "'soon' is not a date"),
        ("as soon as possible", "'as soon as possible' is not a date"),
        ("", "Add when it will be done or reviewed"),
    ],
)
def test_service_standards_and_vague_times_are_not_deadlines(phrase, says):
    result = check(f"Reply to 90% of complaints {phrase}.").time_bound
    assert not result.ok
    assert says in result.feedback


def test_today_defaults_to_the_real_date():
    assert assess("Cut complaint replies to 3 days by 1 January 2000.").time_bound.ok is False
    assert assess("Cut complaint replies to 3 days by 31 December 2999.").time_bound.ok


# -- the exercise -----------------------------------------------------------------------------


def model(exercise_id: str) -> dict:
    return answer_book.model_answer(exercise_id)


@pytest.mark.parametrize("unit", SMART_UNITS)
@pytest.mark.parametrize("sector", SECTORS)
def test_model_answers_score_full_marks_in_every_sector(unit, sector):
    exercise = get(f"{unit}.smart-targets", Setting("Example Ltd", sector, today=TODAY))
    result = exercise.check(model(exercise.id))
    assert result.score == 1.0, [p.feedback for p in result.parts if not p.ok]
    assert exercise.goal and "{" not in exercise.scenario()


@pytest.mark.parametrize("unit", SMART_UNITS)
@pytest.mark.parametrize(
    "today",
    [date(2026, 12, 1), date(2027, 3, 31), date(2027, 4, 1), date(2030, 4, 1), date(2099, 12, 31)],
)
def test_model_answers_never_expire(unit, today):
    # Dated relative to today ("by the end of March", periods), so no model answer stops
    # scoring full marks when a date passes.
    exercise = get(f"{unit}.smart-targets", Setting(today=today))
    result = exercise.check(model(exercise.id))
    assert result.score == 1.0, [p.feedback for p in result.parts if not p.ok]


def test_each_target_is_one_part_scored_by_tests_passed():
    exercise = get("INSCS035.smart-targets", Setting(today=TODAY))
    result = exercise.check(
        {
            "target1": "Resolve 80% of complaints within five working days by 31 March 2030.",
            "target2": "Improve complaint handling.",
        }
    )
    first, second = result.parts
    assert (first.name, first.score) == ("Target 1", 1.0)
    assert second.name == "Target 2" and second.score == 0.6
    assert second.feedback.startswith("Meets 3 of 5 (specific, achievable, relevant).")
    assert "Measurable:" in second.feedback and "Time-bound:" in second.feedback
    assert len(result.parts) == 2  # the optional third target was left blank, so not marked


def test_blank_required_targets_and_repeats_score_nothing():
    exercise = get("INSCS035.smart-targets", Setting(today=TODAY))
    good = "Resolve 80% of complaints within five working days by 31 March 2030."
    blank = exercise.check({"target1": good})
    assert blank.parts[1].score == 0 and blank.parts[1].feedback.startswith("Write target 2")
    repeat = exercise.check({"target1": good, "target2": good.upper(), "target3": good})
    assert [p.score for p in repeat.parts] == [1.0, 0.0, 0.0]
    assert "repeats target 1" in repeat.parts[2].feedback
    assert exercise.check({}).score == 0


def test_form_blocks_and_table_after_checking():
    exercise = get("INSCS042.smart-targets", Setting("Acme Ltd", "retail", today=TODAY))
    labels = [f["label"] for f in exercise.form()]
    assert labels == ["Target 1", "Target 2", "Target 3 (optional)"]
    assert all(f["type"] == "text" for f in exercise.form())
    assert "**The goal:**" in exercise.scenario() and "Acme Ltd" in exercise.scenario()
    letters = [row[0] for row in exercise.blocks()[0]["rows"]]
    assert letters[3] == "R: Relevant" and "Realistic" in exercise.blocks()[0]["caption"]
    answer = {"target1": "Reply to more emails.", "target2": model(exercise.id)["target2"]}
    table = exercise.after_check(answer, exercise.check(answer))[0]
    assert table["columns"][1:] == [
        "Specific",
        "Measurable",
        "Achievable",
        "Relevant",
        "Time-bound",
    ]
    assert table["rows"][0] == ["Target 1", "Yes", "Not yet", "Yes", "Yes", "Not yet"]
    assert table["rows"][1] == ["Target 2", "Yes", "Yes", "Yes", "Yes", "Yes"]
    assert exercise.after_check({}, exercise.check({})) == []


def test_sector_goals_are_used_for_relevance():
    hotel = get("INSCS007.smart-targets", Setting(sector="hospitality", today=TODAY))
    assert "attractions" in hotel.goal
    answer = {
        "target1": "Visit the three local attractions guests ask about most within six weeks.",
        "target2": "Read the hotel's room and package guide by the end of next month.",
    }
    assert hotel.check(answer).score == 1.0


# -- the way learners really write (issue examples; the corpus measures the rest) -------------


def in_035(text: str, today: date = date(2026, 12, 1)):
    exercise = get("INSCS035.smart-targets", Setting(today=today))
    return assess(text, today, exercise.goal_words())


@pytest.mark.parametrize(
    "verb",
    ["Decrease", "Minimise", "Boost", "Log", "Contact", "Provide", "Offer", "Set up", "Chase"],
)
def test_any_action_verb_makes_a_target_specific_not_a_fixed_list(verb):
    text = f"{verb} the callbacks to customers chasing complaints by 15% by 31 March 2027."
    assert in_035(text).specific.ok, in_035(text).specific.feedback


@pytest.mark.parametrize(
    "text",
    [
        "Be better at handling complaints soon.",
        "Try to sort complaints quicker.",
        "Keep calm with chasing customers.",
        "Learn more about complaints.",
    ],
)
def test_effort_or_a_state_is_not_a_specific_action(text):
    assert not in_035(text).specific.ok


@pytest.mark.parametrize(
    ("phrase", "deadline"),
    [
        ("by the end of 2027", date(2027, 12, 31)),
        ("by 2027", date(2027, 12, 31)),
        ("in 2027", date(2027, 12, 31)),
        ("by Christmas 2027", date(2027, 12, 25)),
        ("by Easter 2027", date(2027, 3, 28)),
        ("by the summer bank holiday", date(2027, 8, 30)),
    ],
)
def test_common_deadline_forms_are_time_bound(phrase, deadline):
    result = in_035(f"Cut chase calls to under 10% {phrase}.")
    assert result.time_bound.ok and result.deadline == deadline


@pytest.mark.parametrize("phrase", ["by year end", "by the year-end", "by end of year"])
def test_the_year_end_is_time_bound(phrase):
    assert in_035(f"Cut chase calls to under 10% {phrase}.").time_bound.ok


def test_a_start_date_is_not_a_deadline():
    result = in_035("Cut chase calls to under 10%, starting 4 January 2027.")
    assert not result.time_bound.ok and "says when it starts" in result.time_bound.feedback
    both = in_035("Cut chase calls to under 10%, starting 4 January 2027, reviewed weekly.")
    assert both.time_bound.ok


def test_a_shared_verb_does_not_make_a_target_relevant():
    result = in_035("Answer my personal emails within 10 minutes by the end of January 2027.")
    assert not result.relevant.ok
    assert not in_035("Answer the phone at home within 3 rings by March 2027.").relevant.ok
    assert in_035("Answer chase calls within 20 seconds by March 2027.").relevant.ok


@pytest.mark.parametrize(
    "text",
    [
        "Improve our 24/7 complaints line by 31 March 2027.",
        "Improve the 1st line complaints team by 31 March 2027.",
        "Improve the Model 500 complaint phones by 31 March 2027.",
        "Improve the 3-step complaint template by 31 March 2027.",
    ],
)
def test_numbers_that_are_labels_are_not_measures(text):
    assert not in_035(text).measurable.ok, in_035(text).measurable.feedback


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Reduce complaints to zero by 31 March 2027.", "to zero"),
        ("Reduce complaints to 0 by 31 March 2027.", "to 0"),
        ("Cut chase calls by 150% by 31 March 2027.", "150%"),
        ("No customer should wait more than 2 minutes by March 2027.", "No customer should"),
        ("Raise our complaint rating to 6 out of 5 by March 2027.", "6 out of 5"),
    ],
)
def test_absolutes_and_impossible_figures_are_caught_wherever_they_stand(text, found):
    result = in_035(text)
    assert not result.achievable.ok and found in result.achievable.feedback


def test_an_absolute_target_is_still_specific_and_measurable():
    result = in_035("Reduce complaints to 0 by 31 March 2027.")
    assert result.specific.ok and result.measurable.ok and not result.achievable.ok
