"""The store service's operations: each Store method a page, the dashboard or a report uses,
with its arguments checked and its permission decided before the store is touched.

Ids are checked first (a malformed one is a ValueError, so HTTP 400), then who may do it
(`permissions`, 403), then the Store's own checks run as they do for a local store. Nothing
the request says about who is asking is believed: a sign-off's tutor is the caller.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from nosworkbook.hub.permissions import (
    MAX_SUBJECTS,
    Caller,
    Refused,
    in_cohort,
    may_read,
    may_verify,
    may_write,
    own_subjects,
    tutor_of,
)
from nosworkbook.settings import check_scale
from nosworkbook.store import validate

REQUIRED: Any = object()
MAX_CODE = 256
"""Characters in an access code sent to be checked: far more than any code, far fewer than
would make checking it (scrypt) slow."""
MAX_LOCKOUT_SECONDS = 24 * 60 * 60
MAX_FORGET_SECONDS = 30 * 24 * 60 * 60
MAX_FAILURES = 1_000
MAX_SUBJECT = 100


class UnknownOperation(LookupError):
    """No operation by that name (HTTP 404)."""


@dataclass(frozen=True, slots=True)
class Operation:
    """One Store method as the service offers it."""

    run: Callable[..., Any]
    fields: Mapping[str, Any]  # argument name -> default, or REQUIRED
    writes: bool = False


def _ids(cohort: object, learner: object) -> tuple[str, str]:
    return validate.cohort(cohort), validate.learner(learner)


def _optional(check: Callable[[object], str], value: object) -> str | None:
    return None if value is None else check(value)


def _load(store: Any, caller: Caller, cohort: Any, learner: Any, urn: Any) -> Any:
    cohort, learner = _ids(cohort, learner)
    may_read(caller, cohort, learner)
    return store.load(cohort, learner, urn=_optional(validate.urn, urn))


def _history(
    store: Any, caller: Caller, cohort: Any, learner: Any, criterion: Any, urn: Any
) -> Any:
    cohort, learner = _ids(cohort, learner)
    may_read(caller, cohort, learner)
    return store.history(
        cohort,
        learner,
        criterion=_optional(validate.criterion, criterion),
        urn=_optional(validate.urn, urn),
    )


def _learners(store: Any, caller: Caller, cohort: Any) -> Any:
    cohort = validate.cohort(cohort)
    tutor_of(caller, cohort)
    return store.learners(cohort)


def _cohort_reports(store: Any, caller: Caller, cohort: Any) -> Any:
    cohort = validate.cohort(cohort)
    tutor_of(caller, cohort)
    return store.cohort_reports(cohort)


def _cohort_summary(store: Any, caller: Caller, cohort: Any, scale: Any) -> Any:
    cohort = validate.cohort(cohort)
    tutor_of(caller, cohort)
    return store.cohort_summary(cohort, check_scale(scale))


def _save(store: Any, caller: Caller, cohort: Any, learner: Any, criterion: Any, **new: Any) -> Any:
    cohort, learner = _ids(cohort, learner)
    may_write(caller, cohort, learner)
    return store.save(cohort, learner, validate.criterion(criterion), **new)


def _save_attempt(
    store: Any,
    caller: Caller,
    cohort: Any,
    learner: Any,
    exercise_id: Any,
    answer: Any,
    score: Any,
) -> Any:
    cohort, learner = _ids(cohort, learner)
    may_write(caller, cohort, learner)
    return store.save_attempt(cohort, learner, validate.exercise(exercise_id), answer, score)


def _attempts(store: Any, caller: Caller, cohort: Any, learner: Any, exercise_id: Any) -> Any:
    cohort, learner = _ids(cohort, learner)
    may_read(caller, cohort, learner)
    return store.attempts(cohort, learner, _optional(validate.exercise, exercise_id))


def _latest_attempt(store: Any, caller: Caller, cohort: Any, learner: Any, exercise_id: Any) -> Any:
    cohort, learner = _ids(cohort, learner)
    may_read(caller, cohort, learner)
    return store.latest_attempt(cohort, learner, validate.exercise(exercise_id))


def _flag(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{what} must be true or false, not {type(value).__name__}.")
    return value


def _sign_off(
    store: Any,
    caller: Caller,
    cohort: Any,
    learner: Any,
    criterion: Any,
    feedback: Any,
    returned: Any,
    tutor: Any,
) -> Any:
    cohort, learner = _ids(cohort, learner)
    tutor_of(caller, cohort)
    if tutor is not None and tutor != caller.name:
        raise Refused(f"{caller.name} signs off as themselves, not as {tutor}.")
    return store.sign_off(
        cohort,
        learner,
        validate.criterion(criterion),
        tutor=validate.tutor(caller.name),
        feedback=feedback,
        returned=_flag(returned, "returned"),
    )


def _sign_off_log(store: Any, caller: Caller, cohort: Any, learner: Any) -> Any:
    cohort = validate.cohort(cohort)
    if learner is None:
        tutor_of(caller, cohort)
        return store.sign_off_log(cohort)
    learner = validate.learner(learner)
    may_read(caller, cohort, learner)
    return store.sign_off_log(cohort, learner)


def _sign_off_states(store: Any, caller: Caller, cohort: Any, learner: Any) -> Any:
    cohort, learner = _ids(cohort, learner)
    may_read(caller, cohort, learner)
    return store.sign_off_states(cohort, learner)


def _role(value: object) -> str:
    if value not in ("learner", "tutor"):
        raise ValueError(f"The role must be 'learner' or 'tutor', not {value!r}.")
    return str(value)


def _has_access_codes(store: Any, caller: Caller, cohort: Any) -> Any:
    cohort = validate.cohort(cohort)
    in_cohort(caller, cohort)
    return store.has_access_codes(cohort)


def _access_roster(store: Any, caller: Caller, cohort: Any, role: Any) -> Any:
    """The whole roster for the cohort's tutors; for anyone else in the cohort, only whether
    they themselves hold a code (a list of them or of nobody): a workbook asks that before it
    signs in the hub's user without a second sign-in."""
    cohort = validate.cohort(cohort)
    in_cohort(caller, cohort)
    held = store.access_roster(cohort, role=_role(role))
    return held if caller.tutors(cohort) else [name for name in held if name == caller.name]


def _verify_access(
    store: Any, caller: Caller, cohort: Any, learner: Any, code: Any, role: Any
) -> Any:
    cohort, learner = _ids(cohort, learner)
    role = _role(role)
    if not isinstance(code, str) or len(code) > MAX_CODE:
        raise ValueError(f"The access code must be text of at most {MAX_CODE} characters.")
    may_verify(caller, cohort, learner, role)
    return store.verify_access(cohort, learner, code, role=role)


def _subjects(caller: Caller, cohort: str, subjects: object) -> list[str]:
    if not isinstance(subjects, list):
        raise ValueError("The sign-in subjects must be a list.")
    in_cohort(caller, cohort)
    return own_subjects(caller, subjects)


def _sign_in_locked_until(store: Any, caller: Caller, cohort: Any, subjects: Any) -> Any:
    """A learner asks about their own sign-ins; the cohort's tutors about anyone's (the
    learner's records say whether they are locked out)."""
    cohort = validate.cohort(cohort)
    if caller.tutors(cohort) and isinstance(subjects, list):
        if not subjects or len(subjects) > MAX_SUBJECTS:
            raise ValueError(f"Give 1 to {MAX_SUBJECTS} sign-in subjects.")
        if not all(isinstance(s, str) and len(s) <= MAX_SUBJECT for s in subjects):
            raise ValueError(f"Each sign-in subject must be text of at most {MAX_SUBJECT}.")
        return store.sign_in_locked_until(cohort, subjects)
    return store.sign_in_locked_until(cohort, _subjects(caller, cohort, subjects))


def _seconds(value: object, what: str, most: float) -> timedelta:
    number_ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not number_ok or not math.isfinite(value) or not 0 <= value <= most:  # type: ignore[arg-type]
        raise ValueError(f"{what} must be a number of seconds from 0 to {most:g}.")
    return timedelta(seconds=float(value))  # type: ignore[arg-type]


def _sign_in_failed(
    store: Any,
    caller: Caller,
    cohort: Any,
    subjects: Any,
    max_failures: Any,
    lockout_seconds: Any,
    forget_after_seconds: Any,
) -> Any:
    cohort = validate.cohort(cohort)
    found = _subjects(caller, cohort, subjects)
    if (
        isinstance(max_failures, bool)
        or not isinstance(max_failures, int)
        or not 1 <= max_failures <= MAX_FAILURES
    ):
        raise ValueError(f"max_failures must be a whole number from 1 to {MAX_FAILURES}.")
    return store.sign_in_failed(
        cohort,
        found,
        datetime.now(UTC),  # the service's clock, not the caller's
        max_failures,
        _seconds(lockout_seconds, "lockout_seconds", MAX_LOCKOUT_SECONDS),
        _seconds(forget_after_seconds, "forget_after_seconds", MAX_FORGET_SECONDS),
    )


def _sign_in_succeeded(store: Any, caller: Caller, cohort: Any, subject: Any) -> Any:
    cohort = validate.cohort(cohort)
    if subject != f"learner:{caller.name}":
        raise Refused(f"{caller.name} may clear only the failed sign-ins against their own id.")
    in_cohort(caller, cohort)
    return store.sign_in_succeeded(cohort, subject)


_KEY = {"cohort": REQUIRED, "learner": REQUIRED}

OPERATIONS: dict[str, Operation] = {
    "load": Operation(_load, {**_KEY, "urn": None}),
    "history": Operation(_history, {**_KEY, "criterion": None, "urn": None}),
    "learners": Operation(_learners, {"cohort": REQUIRED}),
    "cohort_reports": Operation(_cohort_reports, {"cohort": REQUIRED}),
    "cohort_summary": Operation(_cohort_summary, {"cohort": REQUIRED, "scale": REQUIRED}),
    "save": Operation(_save, {**_KEY, "criterion": REQUIRED}, writes=True),
    "save_attempt": Operation(
        _save_attempt,
        {**_KEY, "exercise_id": REQUIRED, "answer": REQUIRED, "score": REQUIRED},
        writes=True,
    ),
    "attempts": Operation(_attempts, {**_KEY, "exercise_id": None}),
    "latest_attempt": Operation(_latest_attempt, {**_KEY, "exercise_id": REQUIRED}),
    "sign_off": Operation(
        _sign_off,
        {**_KEY, "criterion": REQUIRED, "feedback": "", "returned": False, "tutor": None},
        writes=True,
    ),
    "sign_off_log": Operation(_sign_off_log, {"cohort": REQUIRED, "learner": None}),
    "sign_off_states": Operation(_sign_off_states, dict(_KEY)),
    "has_access_codes": Operation(_has_access_codes, {"cohort": REQUIRED}),
    "access_roster": Operation(_access_roster, {"cohort": REQUIRED, "role": "learner"}),
    "verify_access": Operation(_verify_access, {**_KEY, "code": REQUIRED, "role": "learner"}),
    "sign_in_locked_until": Operation(
        _sign_in_locked_until, {"cohort": REQUIRED, "subjects": REQUIRED}
    ),
    "sign_in_failed": Operation(
        _sign_in_failed,
        {
            "cohort": REQUIRED,
            "subjects": REQUIRED,
            "max_failures": REQUIRED,
            "lockout_seconds": REQUIRED,
            "forget_after_seconds": REQUIRED,
        },
        writes=True,
    ),
    "sign_in_succeeded": Operation(
        _sign_in_succeeded, {"cohort": REQUIRED, "subject": REQUIRED}, writes=True
    ),
}
"""Every operation, by the Store method's name (`nosworkbook.store.wire.RESULTS` says what
each returns)."""

_SAVE_FIELDS = ("rating", "evidence")  # optional, and left out means unchanged, not None


def operation(name: str) -> Operation:
    """The operation called `name`; UnknownOperation if there is none."""
    try:
        return OPERATIONS[name]
    except KeyError:
        raise UnknownOperation(name) from None


def arguments(name: str, body: object) -> dict[str, Any]:
    """The operation's arguments from a request's JSON object; ValueError naming any field
    that is missing or unknown."""
    if not isinstance(body, dict):
        raise ValueError("The request must be a JSON object of the operation's arguments.")
    fields = operation(name).fields
    optional = _SAVE_FIELDS if name == "save" else ()
    unknown = sorted(str(key) for key in body if key not in fields and key not in optional)
    if unknown:
        raise ValueError(f"Unknown field(s) for {name}: {', '.join(unknown)}.")
    missing = [key for key, default in fields.items() if default is REQUIRED and key not in body]
    if missing:
        raise ValueError(f"Missing field(s) for {name}: {', '.join(missing)}.")
    found = {key: body.get(key, default) for key, default in fields.items()}
    found.update({key: body[key] for key in optional if key in body})
    return found


def call(store: Any, caller: Caller, name: str, body: object) -> Any:
    """Run operation `name` for `caller` with the request's arguments; what the Store returns.

    Raises ValueError (bad arguments; SaveLimitReached is one), Refused (not allowed),
    UnknownOperation, or StoreError (the database could not do it).
    """
    op = operation(name)
    return op.run(store, caller, **arguments(name, body))
