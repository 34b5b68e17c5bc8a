"""Where each criterion of a learner's checklist stands, in the words the learner reads.

Five states, worked out in the kernel from what the store holds (the learner's rating and
evidence, and the latest entry of the tutors' sign-off log, `Store.sign_off_states`), so the
browser only shows them and cannot decide them:

- not started: no rating and no evidence;
- working towards: rated or evidenced, and no tutor has decided on it;
- returned: a tutor sent it back with feedback (shown to the learner, as text);
- signed off: a tutor signed it off, with the day;
- changed since sign-off: signed off, then the learner saved it again.

A tutor's decision outweighs what the learner has entered: a criterion a tutor signed off
after seeing it in a review is signed off even with nothing typed. Days are UK days, as the
reports give them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nosworkbook.settings import day_words

logger = logging.getLogger(__name__)

StateName = Literal[
    "not started", "working towards", "returned", "signed off", "changed since sign-off"
]
NOT_STARTED: StateName = "not started"
WORKING_TOWARDS: StateName = "working towards"
RETURNED: StateName = "returned"
SIGNED_OFF: StateName = "signed off"
CHANGED_SINCE: StateName = "changed since sign-off"

ACTIONS = frozenset({"signed off", "returned"})
"""The store's two sign-off actions (its CHECK constraint)."""


@dataclass(frozen=True, slots=True)
class Decision:
    """A tutor's latest decision on one criterion, as the checklist keeps it."""

    action: Literal["signed off", "returned"]
    feedback: str
    at: datetime | None  # the store's time, UTC
    changed_since: bool  # the learner has saved the criterion after it


@dataclass(frozen=True, slots=True)
class Standing:
    """One criterion's state, the sentence that says it, and the tutor's feedback if any."""

    state: StateName
    text: str
    feedback: str = ""

    def as_json(self) -> dict[str, str]:
        return {"state": self.state, "text": self.text, "feedback": self.feedback}


def decision_of(entry: Any) -> Decision | None:
    """A `SignOffState` (or a mapping with its fields) as a `Decision`; None, logged, for one
    the checklist cannot read, so a bad row never shows as signed off."""
    get = entry.get if isinstance(entry, Mapping) else lambda key: getattr(entry, key, None)
    action = get("action")
    if action not in ACTIONS:
        logger.warning("ignoring a sign-off with the action %r", action)
        return None
    at = get("at")
    if isinstance(at, str):
        try:
            at = datetime.fromisoformat(at)
        except ValueError:
            at = None
    if not isinstance(at, datetime):
        at = None
    elif at.tzinfo is None:  # the store's times are UTC
        at = at.replace(tzinfo=UTC)
    feedback = get("feedback")
    return Decision(
        action=action,
        feedback=feedback if isinstance(feedback, str) else "",
        at=at,
        changed_since=bool(get("changed_since")),
    )


def changed(decision: Decision) -> Decision:
    """The decision once the learner has saved the criterion again."""
    return decision if decision.changed_since else replace(decision, changed_since=True)


def _uk() -> tzinfo:
    try:
        return ZoneInfo("Europe/London")
    except ZoneInfoNotFoundError:  # no time zone data: the UTC day is at most an hour out
        return UTC


def uk_day(moment: datetime) -> date:
    """The day `moment` fell on in the UK."""
    return moment.astimezone(_uk()).date()


def _on(moment: datetime | None) -> str:
    return f" on {day_words(uk_day(moment))}" if moment is not None else ""


def standing(entry: Mapping[str, Any] | None, decision: Decision | None) -> Standing:
    """Where one criterion stands, from the learner's entry (`rating`, `evidence`) and the
    latest tutor's decision on it (None when no tutor has decided)."""
    if decision is None:
        entry = entry or {}
        if entry.get("rating") or str(entry.get("evidence") or "").strip():
            return Standing(WORKING_TOWARDS, "Working towards: not signed off yet")
        return Standing(NOT_STARTED, "Not started")
    on = _on(decision.at)
    if decision.action == "returned":
        text = f"Returned by your tutor{on} with feedback"
        if decision.changed_since:
            text += "; you have changed it since"
        return Standing(RETURNED, text, decision.feedback)
    if decision.changed_since:
        return Standing(
            CHANGED_SINCE,
            f"Changed since sign-off: your tutor signed this off{on} "
            "and you have changed it since, so they may look at it again",
        )
    return Standing(SIGNED_OFF, f"Signed off by your tutor{on}")
