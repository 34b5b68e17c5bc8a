"""Rounding as learners are taught it: a half goes up, away from zero.

Every figure shown to a learner, or compared with a learner's figure, is rounded here, so the
worked answer is the figure they get by hand. Python's `round` and format strings round a half
to the even neighbour (6.25 becomes 6.2, 2.5 becomes 2), and they round the binary float, not
the number: 1.005 is stored as 1.00499999..., so `round(1.005, 2)` gives 1.0.

The rule (decimal `ROUND_HALF_UP`): look at the digit after the last one kept; 5 or more
rounds the size of the number up, less leaves it. Negative numbers are rounded by size and keep
their sign, as learners round the share of detractors and put the minus sign in front:
-12.25 becomes -12.3, and -2.5 becomes -3.

Exact inputs round exactly: give counts as integers or a `Fraction` (`Fraction(7, 16)`, not
`7 / 16`). A float is read as the shortest decimal that prints as it (`str(1.005)` is "1.005"),
which is the figure a person sees.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

Number = int | float | Fraction | Decimal | str


def exact(value: Number) -> Fraction:
    """The number as an exact fraction; a float as the decimal it prints as."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is a yes/no value, not a number")
    if isinstance(value, float):
        return Fraction(repr(value))  # shortest round-tripping decimal: what a person sees
    if isinstance(value, int | Fraction | Decimal | str):
        return Fraction(value)
    raise ValueError(f"{value!r} is not a number")


def half_up(value: Number, places: int = 0) -> Decimal:
    """`value` rounded to `places` decimal places, a half away from zero (see the module)."""
    scaled = exact(value) * 10**places
    whole, rest = divmod(abs(scaled.numerator), scaled.denominator)
    if 2 * rest >= scaled.denominator:
        whole += 1
    sign = -1 if scaled < 0 else 1
    return Decimal(sign * whole).scaleb(-places)


def rounded(value: Number, places: int = 0) -> float:
    """`half_up` as a float, for comparing with a learner's number."""
    return float(half_up(value, places))


def shown(value: Number, places: int = 0) -> str:
    """The rounded figure as a learner writes it: '6.3', '42', '-15' (no trailing zeros)."""
    text = f"{half_up(value, places):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
