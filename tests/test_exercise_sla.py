"""SLA deadlines in working hours: edges of the working day, weekends, holidays, parsing."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta

import pytest

from nosworkbook.exercises import Setting, get, sla
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
    assert "Boxing Day (observed) (Mon 28 Dec 2026) as a working day" in forgot.feedback


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
