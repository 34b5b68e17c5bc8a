"""Rounding as learners are taught it: halves go up (away from zero), from exact figures."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from nosworkbook.exercises.sla import format_hours
from nosworkbook.exercises.toolkit.rounding import half_up, rounded, shown
from nosworkbook.widgets.exercise import percent


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (6.25, 1, "6.3"),  # Python's round gives 6.2
        (2.5, 0, "3"),  # Python's round gives 2
        (3.5, 0, "4"),
        (Fraction(1, 8), 2, "0.13"),  # Python's round(0.125, 2) gives 0.12
        (0.125, 2, "0.13"),
        (1.005, 2, "1.01"),  # the float is 1.00499...: read as the decimal it prints as
        (Fraction(201, 200), 2, "1.01"),
        (Decimal("4.375"), 2, "4.38"),
        ("58.25", 1, "58.3"),
        (6.24999, 1, "6.2"),
        (Fraction(2, 3), 1, "0.7"),
        (Fraction(1, 3), 1, "0.3"),
        (-12.25, 1, "-12.3"),  # negatives round by size and keep their sign
        (-2.5, 0, "-3"),
        (Fraction(-1, 16), 1, "-0.1"),
        (Fraction(-1, 30), 1, "0.0"),  # no minus sign on a rounded zero
        (0, 1, "0.0"),
    ],
)
def test_halves_round_up_away_from_zero_from_the_exact_figure(value, places, expected):
    assert half_up(value, places) == Decimal(expected)
    assert str(half_up(value, places)) == expected
    assert rounded(value, places) == float(expected)


def test_shown_figures_drop_trailing_zeros():
    assert [shown(6.25, 1), shown(42, 1), shown(-15, 1), shown(4.0, 2), shown(100, 1)] == [
        "6.3",
        "42",
        "-15",
        "4",
        "100",
    ]


def test_a_yes_or_no_value_is_not_a_number():
    with pytest.raises(ValueError, match="yes/no value"):
        half_up(True)
    with pytest.raises(ValueError, match="not a number"):
        half_up(None)  # type: ignore[arg-type]


def test_working_time_is_shown_rounded_half_up():
    assert format_hours(0.375) == "23 minutes"  # 22.5 minutes; Python's round gives 22
    assert format_hours(2.125) == "2.13 hours"
    assert format_hours(1 / 60) == "1 minute"
    assert format_hours(5 / 60) == "5 minutes"


def test_a_score_is_shown_as_the_percentage_a_learner_works_out():
    assert percent(0.125) == 13  # one part in eight
    assert percent(0.145) == 15  # 0.145 x 100 is 14.4999... as a float
    assert percent(0.5) == 50 and percent(1.0) == 100 and percent(0) == 0
