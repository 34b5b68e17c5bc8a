"""SLA deadlines in working hours: edges of the working day, weekends, holidays, parsing."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta

import pytest

from nosworkbook.exercises import Setting, get, scenario_specs, sla
from nosworkbook.exercises import answers as answer_book
from nosworkbook.exercises.sla import (
    MET,
    MISSED,
    SlaDeadline,
    add_working_hours,
    format_hours,
    format_when,
    parse_when,
    working_hours_between,
    working_segments,
)

EASTER = (date(2025, 4, 18), date(2025, 4, 21))  # Good Friday, Easter Monday


def at(day: int, hour: int, minute: int = 0, month: int = 1) -> datetime:
    """A moment in 2025; January 2025 starts on a Wednesday, so 13 Jan is a Monday."""
    return datetime(2025, month, day, hour, minute)


@pytest.mark.parametrize(
    ("start", "hours", "expected", "case"),
    [
        (at(13, 9), 1, at(13, 10), "within the day"),
        (at(13, 9), 8, at(13, 17), "lands exactly at closing: stays 17:00 that day"),
        (at(13, 16, 59), 0.5, at(14, 9, 29), "overnight"),
        (at(13, 15, 30), 8, at(14, 15, 30), "8 hours is one working day"),
        (at(17, 15), 4, at(20, 11), "Friday into Monday"),
        (at(17, 9), 40, at(23, 17), "a whole working week, ending at closing"),
        (at(13, 7, 45), 2, at(13, 11), "before opening: the clock starts at 09:00"),
        (at(13, 17), 1, at(14, 10), "exactly at closing: outside hours"),
        (at(13, 19), 1, at(14, 10), "after closing"),
        (at(18, 10), 1, at(20, 10), "Saturday: rolls to Monday"),
        (at(19, 23, 59), 0.25, at(20, 9, 15), "Sunday night, a quarter of an hour"),
        (at(18, 10), 0, at(20, 9), "0 hours from a weekend: the next opening"),
        (at(13, 11), 0, at(13, 11), "0 hours within hours: the start"),
    ],
)
def test_add_working_hours(start, hours, expected, case):
    assert add_working_hours(start, hours) == expected, case


def test_bank_holidays_are_skipped():
    thursday = datetime(2025, 4, 17, 14)
    assert add_working_hours(thursday, 8, holidays=EASTER) == datetime(2025, 4, 22, 14)
    assert add_working_hours(thursday, 8) == datetime(2025, 4, 18, 14)
    good_friday = datetime(2025, 4, 18, 10)
    assert add_working_hours(good_friday, 1, holidays=EASTER) == datetime(2025, 4, 22, 10)
    iso = add_working_hours(thursday, 8, holidays=["2025-04-18", datetime(2025, 4, 21)])
    assert iso == datetime(2025, 4, 22, 14)


def test_other_opening_hours_and_days():
    saturday_open = (0, 1, 2, 3, 4, 5)
    friday = datetime(2025, 8, 22, 16)
    kwargs = {"day_start": time(8), "day_end": time(18), "working_days": saturday_open}
    assert add_working_hours(friday, 4, **kwargs) == datetime(2025, 8, 23, 10)
    late = datetime(2025, 8, 23, 17)
    got = add_working_hours(late, 4, holidays=[date(2025, 8, 25)], **kwargs)
    assert got == datetime(2025, 8, 26, 11)
    half_day = add_working_hours(at(13, 12), 1.5, day_start=time(9, 30), day_end=time(12, 30))
    assert half_day == at(14, 10, 30)  # half an hour on Monday, one hour on Tuesday


def test_timezone_is_kept():
    start = datetime(2025, 1, 13, 16, tzinfo=UTC)
    end = add_working_hours(start, 2)
    assert end == datetime(2025, 1, 14, 10, tzinfo=UTC) and end.tzinfo is UTC


def test_segments_explain_the_count():
    segments = working_segments(datetime(2025, 4, 17, 14), 8, holidays=EASTER)
    assert segments == [
        (datetime(2025, 4, 17, 14), datetime(2025, 4, 17, 17)),
        (datetime(2025, 4, 22, 9), datetime(2025, 4, 22, 14)),
    ]
    assert working_segments(at(13, 10), 0) == []


@pytest.mark.parametrize("start", [at(13, 8), at(13, 9), at(15, 16, 45), at(17, 17), at(18, 12)])
@pytest.mark.parametrize("hours", [0.25, 1, 7.5, 8, 12, 23, 41])
def test_between_undoes_add(start, hours):
    end = add_working_hours(start, hours, holidays=[date(2025, 1, 20)])
    counted = working_hours_between(start, end, holidays=[date(2025, 1, 20)])
    assert math.isclose(counted, hours)


def test_between_counts_only_working_time_and_signs_the_direction():
    assert working_hours_between(at(17, 16), at(20, 10)) == 2.0
    assert working_hours_between(at(20, 10), at(17, 16)) == -2.0
    assert working_hours_between(at(18, 8), at(19, 20)) == 0.0
    assert working_hours_between(at(13, 18), at(14, 8)) == 0.0
    assert working_hours_between(at(13, 9), at(13, 9)) == 0.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"hours": -1}, "hours must be 0 or more, not -1"),
        ({"hours": math.nan}, "hours must be a finite number"),
        ({"hours": math.inf}, "hours must be a finite number"),
        ({"hours": True}, "hours must be a number"),
        ({"hours": "8"}, "hours must be a number"),
        ({"day_end": time(9)}, "day_end 09:00 must be after day_start 09:00"),
        ({"day_start": time(18)}, "day_end 17:00 must be after day_start 18:00"),
        ({"working_days": ()}, "working_days is empty"),
        ({"working_days": (0, 7)}, r"working_days \[7\] are not days"),
        ({"holidays": ["Christmas"]}, "holiday 'Christmas' is not a date"),
    ],
)
def test_bad_input_says_which_value_and_why(kwargs, message):
    args = {"start": at(13, 9), "hours": 1, **kwargs}
    with pytest.raises(ValueError, match=message):
        add_working_hours(**args)


def test_no_working_day_in_reach_is_an_error(monkeypatch):
    monkeypatch.setattr(sla, "MAX_DAYS", 20)
    mondays = [date(2025, 1, 13) + timedelta(weeks=n) for n in range(4)]
    with pytest.raises(ValueError, match="no working day within 20 days"):
        add_working_hours(at(11, 10), 1, working_days=(0,), holidays=mondays)


@pytest.mark.parametrize(
    "text",
    [
        "Tue 14 Jan 2025 11:30",
        "14/01/2025 11:30",
        "2025-01-14 11:30",
        "2025-01-14T11:30",
        "Tuesday, 14 January 2025 at 11:30",
        "14th Jan 2025 11.30am",
        "14 jan 2025 11:30",
        "14/01/25 11:30",
    ],
)
def test_parse_when_accepts_the_stated_formats(text):
    assert parse_when(text) == datetime(2025, 1, 14, 11, 30)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no date and time given"),
        ("Mon 14 Jan 2025 11:30", "14 Jan 2025 is a Tuesday, not a Monday"),
        ("14/01/2025", "has no time"),
        ("31/02/2025 10:00", "is not a date I can read"),
        ("01/14/2025 10:00", "is not a date I can read"),
        ("tomorrow 9am", "is not a date I can read"),
        ("14 Jan 2025 13pm", "13 is not an hour on a 12-hour clock"),
        ("14 Jan 2025 25:00", "is not a time of day"),
    ],
)
def test_parse_when_refuses_with_a_reason(text, message):
    with pytest.raises(ValueError, match=message):
        parse_when(text)


def test_formats_are_locale_free():
    assert format_when(datetime(2025, 4, 22, 9, 5)) == "Tue 22 Apr 2025 09:05"
    assert parse_when(format_when(datetime(2025, 12, 1, 17))) == datetime(2025, 12, 1, 17)
    assert [format_hours(h) for h in (0.5, 1, 2.5, 8)] == [
        "30 minutes",
        "1 hour",
        "2.5 hours",
        "8 hours",
    ]


def test_the_worked_examples_have_the_deadlines_in_the_marking_notes():
    easter = get("INSCS020.sla-deadline")
    assert [format_when(m["deadline"]) for m in easter._messages()] == [
        "Tue 22 Apr 2025 14:00",
        "Tue 15 Apr 2025 17:00",
        "Mon 14 Apr 2025 13:00",
        "Thu 17 Apr 2025 16:30",
    ]
    august = get("INSCS002.sla-deadline")
    assert [format_when(m["deadline"]) for m in august._messages()] == [
        "Sat 23 Aug 2025 10:00",
        "Tue 26 Aug 2025 11:00",
        "Tue 26 Aug 2025 12:00",
        "Wed 27 Aug 2025 18:00",
    ]


@pytest.mark.parametrize(
    ("message", "written", "slip"),
    [
        (1, "17/04/2025 22:00", "You counted clock hours"),
        (1, "Fri 18 Apr 2025 14:00", "You counted Good Friday (Fri 18 Apr 2025) and Easter Monday"),
        (
            1,
            "Mon 21 Apr 2025 14:00",
            "You counted Easter Monday (Mon 21 Apr 2025) as a working day",
        ),
        (2, "Wed 16 Apr 2025 09:00", "stays at 17:00 that day"),
        (3, "Sun 13 Apr 2025 14:30", "starts at the next opening, Mon 14 Apr 2025 09:00"),
        (4, "Fri 18 Apr 2025 16:30", "Counted: Wed 16 Apr 16:30 to 17:00 (30 minutes)"),
    ],
)
def test_wrong_deadlines_are_told_their_slip(message, written, slip):
    exercise = get("INSCS020.sla-deadline")
    parts = {p.name: p for p in exercise.check({f"message{message}.deadline": written}).parts}
    part = parts[f"Message {message} deadline"]
    assert part.score == 0 and slip in part.feedback, part.feedback


def test_counting_the_weekend_is_named():
    spec = {
        "id": "INSCS020.test",
        "title": "t",
        "criteria": [],
        "scenario": "s",
        "sla_hours": 8,
        "messages": [
            {"received": "Fri 10 Jan 2025 16:00", "text": "x", "reply": "13/01/2025 9:00"}
        ],
    }
    exercise = SlaDeadline(spec=spec)
    part = exercise.check({"message1.deadline": "Sat 11 Jan 2025 16:00"}).parts[0]
    assert "You counted the weekend" in part.feedback
    assert "the deadline is Mon 13 Jan 2025 16:00" in part.feedback
    assert exercise.check({"message1.deadline": "13/01/2025 16:00"}).parts[0].ok


def test_met_is_judged_on_the_true_deadline_with_half_marks_for_consistency():
    exercise = get("INSCS020.sla-deadline")
    right = exercise.check({"message2.deadline": "15/04/2025 17:00", "message2.met": MISSED})
    met = {p.name: p for p in right.parts}["Message 2 met the SLA"]
    assert met.ok and "5 minutes of working time after the deadline" in met.feedback
    exact = {p.name: p for p in exercise.check({"message3.met": MET}).parts}
    assert exact["Message 3 met the SLA"].ok  # a reply exactly at the deadline is on time
    slip = exercise.check({"message1.deadline": "Fri 18 Apr 2025 14:00", "message1.met": MISSED})
    half = {p.name: p for p in slip.parts}["Message 1 met the SLA"]
    assert half.score == 0.5 and "follows from your deadline" in half.feedback
    blank = {p.name: p for p in exercise.check({}).parts}["Message 1 met the SLA"]
    assert blank.score == 0 and "Say whether" in blank.feedback


def test_unreadable_deadlines_get_the_format():
    exercise = get("INSCS020.sla-deadline")
    part = exercise.check({"message1.deadline": "next Tuesday"}).parts[0]
    assert part.score == 0 and "Tue 14 Jan 2025 11:30" in part.feedback
    long = exercise.check({"message1.deadline": "x" * 5000}).parts[0]
    assert long.score == 0 and "has no time" in long.feedback and len(long.feedback) < 200


def test_tables_show_the_rules_and_the_messages():
    rules, inbox = get("INSCS020.sla-deadline").blocks()
    assert rules["rows"][0] == ["Working days", "Monday to Friday"]
    assert rules["rows"][2] == [
        "Bank holidays (closed)",
        "Fri 18 Apr 2025 (Good Friday), Mon 21 Apr 2025 (Easter Monday)",
    ]
    assert "unless the message says otherwise" in rules["rows"][3][1]
    assert inbox["rows"][2][4] == "4 hours"
    saturday = get("INSCS002.sla-deadline").blocks()[0]
    assert saturday["rows"][0] == ["Working days", "Monday to Saturday"]


CHRISTMAS_2026 = {
    "id": "INSCS020.christmas",
    "title": "t",
    "criteria": [],
    "scenario": "s",
    "sla_hours": 8,
    "messages": [
        {"received": "Thu 24 Dec 2026 13:00", "text": "x", "reply": "Wed 30 Dec 2026 9:00"}
    ],
}


def test_bank_holidays_come_from_the_calendar_for_the_cohorts_nation():
    from nosworkbook.exercises.toolkit.calendar import between

    england = between("england-and-wales", date(2026, 12, 24), date(2027, 1, 4))
    scotland = between("scotland", date(2026, 12, 24), date(2027, 1, 4))
    assert list(england) == [
        date(2026, 12, 25),
        date(2026, 12, 26),
        date(2026, 12, 28),
        date(2027, 1, 1),
    ]
    assert date(2027, 1, 4) in scotland  # 2 January falls on a Saturday: Monday instead
    assert date(2025, 4, 21) not in between("scotland", date(2025, 4, 1), date(2025, 4, 30))
    assert date(2025, 3, 17) in between("northern-ireland", date(2025, 3, 1), date(2025, 3, 31))
    with pytest.raises(ValueError, match="unknown nation 'wales'"):
        between("wales", date(2025, 1, 1), date(2025, 1, 2))


def test_the_deadline_and_its_explanation_follow_the_nation():
    england = get("INSCS020.sla-deadline", Setting(nation="england-and-wales"))
    scotland = get("INSCS020.sla-deadline", Setting(nation="scotland"))
    assert england.model_answer()["message1.deadline"] == "Tue 22 Apr 2025 14:00"
    assert scotland.model_answer()["message1.deadline"] == "Mon 21 Apr 2025 14:00"
    assert scotland.model_answer()["message1.met"] == MISSED
    right = {p.name: p for p in scotland.check(scotland.model_answer()).parts}
    assert right["Message 1 deadline"].score == 1.0
    assert "Easter Monday is not" in right["Message 1 deadline"].feedback
    assert scotland.blocks()[0]["rows"][2][1] == "Fri 18 Apr 2025 (Good Friday)"
    for nation in ("england-and-wales", "scotland", "northern-ireland"):
        exercise = get("INSCS020.sla-deadline", Setting(nation=nation))
        parts = exercise.check(exercise.model_answer()).parts
        assert all(p.score == 1.0 for p in parts if p.name.startswith("Message")), nation


def test_forgetting_one_substitute_bank_holiday_is_named():
    exercise = SlaDeadline(spec=CHRISTMAS_2026)
    want = exercise.model_answer()["message1.deadline"]
    assert want == "Tue 29 Dec 2026 13:00"  # 4 hours on Christmas Eve, 4 on Tuesday
    forgot = exercise.check({"message1.deadline": "Mon 28 Dec 2026 13:00"}).parts[0]
    assert forgot.score == 0
    assert "Boxing Day (substitute day) (Mon 28 Dec 2026) as a working day" in forgot.feedback


def test_a_scenario_may_not_type_its_own_bank_holidays():
    spec = {**CHRISTMAS_2026, "opening": {"holidays": ["2026-12-25"]}}
    with pytest.raises(ValueError, match="bank holidays come from the calendar"):
        SlaDeadline(spec=spec).blocks()


def test_the_tutor_edition_shows_the_model_answer_for_the_cohorts_nation(tmp_path):
    from nosworkbook.workbook import Workbook

    store = str(tmp_path / "s.sqlite")
    scottish = Workbook(
        "INSCS020", edition="tutor", nation="scotland", store=store, auto_sign_in=False
    )
    notes = scottish.exercise("INSCS020.sla-deadline").tutor_html
    assert "Mon 21 Apr 2025 14:00" in notes and "Tue 22 Apr 2025 14:00" not in notes
    assert ("Bank holidays", "Scotland") in scottish.about.lines


# -- naming the slip --------------------------------------------------------------------------


def _sla(received: str, hours: float = 8, opening: dict | None = None, **message) -> SlaDeadline:
    """A one-message SLA exercise (Monday to Friday, 09:00 to 17:00 unless `opening` says)."""
    spec = {
        "id": "INSCS020.slips",
        "title": "t",
        "criteria": [],
        "scenario": "s",
        "sla_hours": 8,
        "messages": [{"received": received, "text": "x", "reply": received, **message}],
    }
    if hours != 8:
        spec["messages"][0]["hours"] = hours
    if opening:
        spec["opening"] = opening
    return SlaDeadline(spec=spec)


SATURDAYS = {"start": "08:00", "end": "18:00", "days": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]}
SLIPS = [
    # (received, hours, opening, the learner's deadline, the slip named)
    ("Mon 13 Jan 2025 14:00", 8, None, "Mon 13 Jan 2025 22:00", "You counted clock hours"),
    (
        "Sun 12 Jan 2025 10:30",
        4,
        None,
        "Sun 12 Jan 2025 14:30",
        "You started the clock when the message arrived, outside opening hours: it starts at "
        "the next opening, Mon 13 Jan 2025 09:00, and only working hours count.",
    ),
    (
        "Sat 11 Jan 2025 14:00",
        8,
        None,
        "Mon 13 Jan 2025 14:00",  # Saturday 14:00 to 17:00 counted, then Monday from 09:00
        "You started the clock when the message arrived, outside opening hours: it starts at "
        "the next opening, Mon 13 Jan 2025 09:00.",
    ),
    (
        "Thu 17 Apr 2025 14:00",
        8,
        None,
        "Mon 21 Apr 2025 14:00",
        "You counted Easter Monday (Mon 21 Apr 2025) as a working day: it is a bank holiday in "
        "England and Wales, and the service is closed.",
    ),
    (
        "Tue 15 Apr 2025 09:00",
        8,
        None,
        "Wed 16 Apr 2025 09:00",
        "A deadline that lands exactly at closing time stays at 17:00 that day.",
    ),
    (
        "Mon 13 Jan 2025 14:00",
        8,
        None,
        "Tue 14 Jan 2025 17:00",
        "You started the clock the next working day: a message that arrives within opening "
        "hours starts it at once, at 14:00 on Monday.",
    ),
    (
        "Mon 13 Jan 2025 14:00",
        8,
        None,
        "Mon 13 Jan 2025 17:00",
        "You counted Monday from opening: the clock starts when the message arrived, at 14:00, "
        "not at 09:00.",
    ),
    (
        "Fri 10 Jan 2025 16:00",
        8,
        None,
        "Sat 11 Jan 2025 16:00",
        "You counted the weekend: only working days count.",
    ),
    (
        "Sat 23 Aug 2025 17:00",
        4,
        SATURDAYS,
        "Sun 24 Aug 2025 11:00",
        "You counted Sunday as a working day: the service is closed then.",
    ),
    (
        "Thu 17 Apr 2025 14:00",
        16,
        None,
        "Sat 19 Apr 2025 14:00",  # Good Friday and Saturday counted: the right one is Wed 14:00
        "You counted calendar days, weekends and bank holidays too",
    ),
    (
        "Fri 22 Aug 2025 16:00",
        4,
        SATURDAYS,
        "Tue 26 Aug 2025 10:00",
        "You left out Saturday: this service works Monday to Saturday.",
    ),
    (
        "Tue 26 Aug 2025 07:15",
        4,
        SATURDAYS,
        "Tue 26 Aug 2025 13:00",
        "You used opening hours of 09:00 to 17:00: this service is open 08:00 to 18:00.",
    ),
    (
        "Sun 13 Apr 2025 10:30",
        4,
        None,
        "Mon 14 Apr 2025 17:00",
        "You used the usual SLA of 8 hours: this message has 4 hours.",
    ),
]


@pytest.mark.parametrize(("received", "hours", "opening", "written", "slip"), SLIPS)
def test_a_deadline_with_exactly_one_slip_is_told_that_slip_by_name(
    received, hours, opening, written, slip
):
    exercise = _sla(received, hours, opening)
    right = exercise.model_answer()["message1.deadline"]
    assert parse_when(written) != parse_when(right)
    part = exercise.check({"message1.deadline": written}).parts[0]
    assert part.score == 0, "a wrong deadline scores nothing, as before"
    assert f"the deadline is {right}. {slip}" in part.feedback, part.feedback
    assert exercise.check({"message1.deadline": right}).parts[0].ok


def test_a_deadline_no_single_slip_explains_names_none():
    exercise = _sla("Mon 13 Jan 2025 14:00")
    part = exercise.check({"message1.deadline": "Wed 15 Jan 2025 10:20"}).parts[0]
    assert part.feedback.startswith(
        "You wrote Wed 15 Jan 2025 10:20; the deadline is Tue 14 Jan 2025 14:00. Counted:"
    )


def test_forgetting_the_boxing_day_substitute_holiday_alone_is_named_as_a_substitute_day():
    exercise = SlaDeadline(spec=CHRISTMAS_2026, setting=Setting(nation="england-and-wales"))
    part = exercise.check({"message1.deadline": "Mon 28 Dec 2026 13:00"}).parts[0]
    assert part.score == 0
    assert (
        "You counted Boxing Day (substitute day) (Mon 28 Dec 2026) as a working day: it is a "
        "bank holiday in England and Wales, and the service is closed." in part.feedback
    )
    every = exercise.check({"message1.deadline": "Fri 25 Dec 2026 13:00"}).parts[0]
    assert (
        "You counted Christmas Day (Fri 25 Dec 2026) and Boxing Day (substitute day) "
        "(Mon 28 Dec 2026) as working days" in every.feedback
    )  # Boxing Day itself is a Saturday, when the service is closed anyway: not named


def test_scotland_has_2_january_and_northern_ireland_st_patricks_day():
    new_year = {"received": "Wed 31 Dec 2025 14:00"}
    england = _sla(**new_year)
    scotland = SlaDeadline(spec=england.spec, setting=Setting(nation="scotland"))
    assert england.model_answer()["message1.deadline"] == "Fri 2 Jan 2026 14:00"
    assert scotland.model_answer()["message1.deadline"] == "Mon 5 Jan 2026 14:00"
    part = scotland.check({"message1.deadline": "Fri 2 Jan 2026 14:00"}).parts[0]
    assert (
        "You counted 2nd January (Fri 2 Jan 2026) as a working day: it is a bank "
        "holiday in Scotland" in part.feedback
    )
    part = england.check({"message1.deadline": "Mon 5 Jan 2026 14:00"}).parts[0]
    assert (
        "You took 2nd January (Fri 2 Jan 2026) as a bank holiday: it is not one in England "
        "and Wales, so the service is open that day." in part.feedback
    )

    st_patrick = _sla("Mon 16 Mar 2026 14:00")
    ulster = SlaDeadline(spec=st_patrick.spec, setting=Setting(nation="northern-ireland"))
    assert st_patrick.model_answer()["message1.deadline"] == "Tue 17 Mar 2026 14:00"
    assert ulster.model_answer()["message1.deadline"] == "Wed 18 Mar 2026 14:00"
    part = ulster.check({"message1.deadline": "Tue 17 Mar 2026 14:00"}).parts[0]
    assert (
        "You counted St Patrick's Day (Tue 17 Mar 2026) as a working day: it is a bank "
        "holiday in Northern Ireland" in part.feedback
    )
    part = st_patrick.check({"message1.deadline": "Wed 18 Mar 2026 14:00"}).parts[0]
    assert "You took St Patrick's Day (Tue 17 Mar 2026) as a bank holiday" in part.feedback


SLA_EXERCISES = [
    s["id"] for specs in scenario_specs().values() for s in specs if s["kind"] == "sla-deadline"
]


@pytest.mark.parametrize("nation", ["england-and-wales", "scotland", "northern-ireland"])
@pytest.mark.parametrize("exercise_id", SLA_EXERCISES)
def test_the_model_answer_scores_full_marks_for_every_nation(exercise_id, nation):
    exercise = get(exercise_id, Setting(nation=nation))
    answer = {**answer_book.model_answer(exercise_id), **exercise.model_answer()}
    result = exercise.check(answer)
    assert result.score == 1.0, [p for p in result.parts if not p.ok]


@pytest.mark.parametrize("exercise_id", SLA_EXERCISES)
def test_no_scenario_types_in_its_own_bank_holidays(exercise_id):
    spec = get(exercise_id).spec
    assert "holidays" not in spec.get("opening", {})
    assert all("holidays" not in message for message in spec["messages"])


def test_bank_holidays_are_named_as_gov_uk_names_them():
    from nosworkbook.exercises.toolkit.calendar import bank_holidays

    england = bank_holidays("england-and-wales", [2026, 2027])
    assert england[date(2026, 12, 28)] == "Boxing Day (substitute day)"
    assert england[date(2026, 5, 4)] == "Early May bank holiday"
    assert england[date(2026, 8, 31)] == "Summer bank holiday"
    assert bank_holidays("northern-ireland", [2026])[date(2026, 3, 17)] == "St Patrick's Day"
    scotland = bank_holidays("scotland", [2026, 2027])
    assert scotland[date(2026, 1, 2)] == "2nd January"
    assert scotland[date(2027, 1, 4)] == "2nd January (substitute day)"
    assert scotland[date(2026, 11, 30)] == "St Andrew's Day"
    two = bank_holidays("scotland", [2023])[date(2023, 1, 2)]  # the package joins them by ';'
    assert two == "2nd January and New Year's Day (substitute day)"
