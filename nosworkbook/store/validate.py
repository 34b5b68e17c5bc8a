"""Checks on every value before it reaches SQL, with messages a learner or tutor can act on.

SQLAlchemy binds values as parameters, so these checks are not what keeps SQL safe; they keep
the data clean (one spelling per id) and turn mistakes into plain-English ValueErrors.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from nosworkbook import ids
from nosworkbook.ids import MAX_ANSWER, MAX_EVIDENCE, MAX_FEEDBACK, MAX_RATING

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")  # half a UTF-16 pair: it has no UTF-8


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} must be text, not {type(value).__name__}.")
    return value


def _person(value: object, who: str, example: str) -> str:
    """A learner's or a tutor's id: one grammar, since both sign in the same way."""
    if not ids.is_learner(_text(value, f"The {who.lower()} id")):
        raise ValueError(
            f"{who} id {_show(value)} is not valid: use 1 to 64 letters, digits, "
            f"dots, hyphens or underscores, such as '{example}'."
        )
    return str(value)


def learner(value: object) -> str:
    return _person(value, "Learner", "a.khan")


def tutor(value: object) -> str:
    return _person(value, "Tutor", "m.price")


def cohort(value: object) -> str:
    if not ids.is_cohort(_text(value, "The cohort")):
        raise ValueError(
            f"Cohort {_show(value)} is not valid: use a slug of {ids.COHORT_RULE}, "
            "or 'default' when there is no cohort."
        )
    return str(value)


def urn(value: object) -> str:
    if not ids.is_unit(_text(value, "The unit URN")):
        raise ValueError(f"Unit {_show(value)} is not valid: expected a URN such as 'INSCS027'.")
    return str(value)


def criterion(value: object) -> str:
    if not ids.is_criterion(_text(value, "The criterion id")):
        raise ValueError(
            f"Criterion id {_show(value)} is not valid: expected a unit URN, a dot, PC or KU "
            "and the item number, such as 'INSCS027.PC10' or 'INSCS027.KU7'."
        )
    return str(value)


def rating(value: object) -> str | None:
    """None (not rated) or a scale label such as 'Competent'."""
    if value is None:
        return None
    text = _text(value, "The rating")
    if not text.strip() or len(text) > MAX_RATING or _CONTROL.search(text):
        raise ValueError(
            f"Rating {_show(value)} is not valid: use a scale label of 1 to {MAX_RATING} "
            "characters on one line, or None for not rated."
        )
    return text


def evidence(value: object) -> str:
    """The evidence note; None is taken as an empty note."""
    if value is None:
        return ""
    text = _text(value, "The evidence note")
    if len(text) > MAX_EVIDENCE:
        raise ValueError(
            f"The evidence note is {len(text):,} characters long; the most it can hold is "
            f"{MAX_EVIDENCE:,}. Shorten it or refer to a separate document."
        )
    if "\x00" in text:
        raise ValueError("The evidence note contains a null character; remove it and save again.")
    return text


def feedback(value: object, *, required: bool) -> str:
    """A tutor's feedback on a criterion; `required` when it is returned to the learner, who
    needs to know what to do next. Counted in code points, as evidence notes are."""
    text = _text(value, "The feedback")
    if required and not text.strip():
        raise ValueError(
            "A criterion returned to the learner needs feedback: say what they should do next."
        )
    if len(text) > MAX_FEEDBACK:
        raise ValueError(
            f"The feedback is {len(text):,} characters long; the most it can hold is "
            f"{MAX_FEEDBACK:,}. Shorten it."
        )
    if "\x00" in text:
        raise ValueError("The feedback contains a null character; remove it and try again.")
    if not text.isascii() and _SURROGATE.search(text):
        raise ValueError(
            "The feedback has a broken character in it (often half of an emoji) that cannot "
            "be saved; remove it and try again."
        )
    return text


def exercise(value: object) -> str:
    if not ids.is_exercise(_text(value, "The exercise id")):
        raise ValueError(
            f"Exercise id {_show(value)} is not valid: expected a unit URN, a dot and a name "
            "of letters, digits, hyphens or underscores, such as 'INSCS027.risk-classification'."
        )
    return str(value)


def answer(value: object) -> dict[str, Any]:
    """A JSON-serialisable dict; returns the copy that will be read back (tuples become lists)."""
    if not isinstance(value, dict):
        raise ValueError(f"An exercise answer must be a dict, not {type(value).__name__}.")
    try:
        text = json.dumps(value, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError) as err:
        raise ValueError(f"An exercise answer must be plain JSON data: {err}.") from None
    if len(text) > MAX_ANSWER:
        raise ValueError(
            f"The exercise answer is {len(text):,} characters as JSON; the most it can hold is "
            f"{MAX_ANSWER:,}."
        )
    return json.loads(text)


def score(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"Score {_show(value)} is not valid: it must be a finite number.")
    return float(value)
