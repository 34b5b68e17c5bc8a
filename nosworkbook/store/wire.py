"""The store's records as JSON, for the store service and its client (`remote`).

The service encodes whatever a Store method returns (`encode`); the client turns the JSON back
into the same dataclasses (`decode`), by what each method returns (`RESULTS`), so a page
cannot tell a RemoteStore from a Store. Times travel as ISO 8601 with their UTC offset.
The dataclasses are imported when first decoded: that module loads SQLAlchemy.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any

RESULTS: dict[str, str] = {
    "load": "records",
    "history": "changes",
    "learners": "names",
    "save": "record",
    "save_attempt": "attempt",
    "attempts": "attempts",
    "latest_attempt": "attempt?",
    "sign_off": "sign_off",
    "sign_off_log": "sign_offs",
    "sign_off_states": "states",
    "has_access_codes": "bool",
    "access_roster": "names",
    "verify_access": "bool",
    "sign_in_locked_until": "time?",
    "sign_in_failed": "bool",
    "sign_in_succeeded": "none",
    "cohort_reports": "reports",
    "cohort_summary": "summaries",
}
"""What each method the service offers returns, by name."""


def encode(value: Any) -> Any:
    """A Store method's result as JSON data: dataclasses as objects, times as ISO text."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("the store returned a time without a time zone")
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    return value


def time(value: Any) -> datetime:
    """An ISO 8601 time with its offset, as sent by the service."""
    if not isinstance(value, str):
        raise ValueError(f"expected a time, got {type(value).__name__}")
    found = datetime.fromisoformat(value)
    if found.tzinfo is None:
        raise ValueError(f"the time {value!r} has no time zone")
    return found


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {type(value).__name__}")
    return value


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {type(value).__name__}")
    return float(value)


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number, got {type(value).__name__}")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {type(value).__name__}")
    return value


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"expected an object, got {type(value).__name__}")
    return value


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"expected a list, got {type(value).__name__}")
    return value


def _record(value: Any) -> Any:
    from nosworkbook.store.records import Record

    v = _object(value)
    return Record(
        _text(v["criterion"]),
        _optional_text(v["rating"]),
        _text(v["evidence"]),
        time(v["changed_at"]),
    )


def _change(value: Any) -> Any:
    from nosworkbook.store.records import Change

    v = _object(value)
    return Change(
        _integer(v["id"]),
        _text(v["criterion"]),
        _optional_text(v["rating"]),
        _text(v["evidence"]),
        time(v["changed_at"]),
    )


def _attempt(value: Any) -> Any:
    from nosworkbook.store.records import Attempt

    v = _object(value)
    return Attempt(
        _integer(v["id"]),
        _text(v["exercise_id"]),
        _object(v["answer"]),
        _number(v["score"]),
        time(v["attempted_at"]),
    )


def _action(value: Any) -> Any:
    from nosworkbook.store.records import RETURNED, SIGNED_OFF

    if value not in (SIGNED_OFF, RETURNED):
        raise ValueError(f"unknown sign-off action {value!r}")
    return value


def _sign_off(value: Any) -> Any:
    from nosworkbook.store.records import SignOff

    v = _object(value)
    return SignOff(
        _text(v["cohort"]),
        _text(v["learner"]),
        _text(v["criterion"]),
        _text(v["tutor"]),
        _action(v["action"]),
        _text(v["feedback"]),
        time(v["at"]),
    )


def _state(value: Any) -> Any:
    from nosworkbook.store.records import SignOffState

    v = _object(value)
    return SignOffState(
        _action(v["action"]),
        _text(v["tutor"]),
        _text(v["feedback"]),
        time(v["at"]),
        _flag(v["changed_since"]),
    )


def _by_key(item: Callable[[Any], Any]) -> Callable[[Any], dict[str, Any]]:
    return lambda value: {_text(key): item(found) for key, found in _object(value).items()}


def _each(item: Callable[[Any], Any]) -> Callable[[Any], list[Any]]:
    return lambda value: [item(found) for found in _list(value)]


def _or_none(item: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else item(value)


def _none(value: Any) -> None:
    if value is not None:
        raise ValueError("expected nothing")


def _report(value: Any) -> tuple[dict[str, Any], list[Any], dict[str, Any]]:
    records, attempts, states = _list(value)
    return _by_key(_record)(records), _each(_attempt)(attempts), _by_key(_state)(states)


def _latest_score(value: Any) -> Any:
    from nosworkbook.store.records import LatestScore

    v = _object(value)
    return LatestScore(_number(v["score"]), time(v["attempted_at"]))


def _pair(value: Any) -> tuple[str, str]:
    first, latest = _list(value)
    return _text(first), _text(latest)


def _summary(value: Any) -> Any:
    from nosworkbook.store.records import LearnerSummary

    v = _object(value)
    return LearnerSummary(
        _by_key(_optional_text)(v["ratings"]),
        _by_key(_pair)(v["travelled"]),
        _by_key(_action)(v["decisions"]),
        _by_key(_latest_score)(v["scores"]),
        _or_none(time)(v["first_save"]),
    )


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "records": _by_key(_record),
    "changes": _each(_change),
    "names": _each(_text),
    "record": _record,
    "attempt": _attempt,
    "attempts": _each(_attempt),
    "attempt?": _or_none(_attempt),
    "sign_off": _sign_off,
    "sign_offs": _each(_sign_off),
    "states": _by_key(_state),
    "bool": _flag,
    "time?": _or_none(time),
    "none": _none,
    "reports": _by_key(_report),
    "summaries": _by_key(_summary),
}


def decode(method: str, value: Any) -> Any:
    """What `method` returned, from its JSON; ValueError (or KeyError) if it is not that."""
    return _DECODERS[RESULTS[method]](value)
