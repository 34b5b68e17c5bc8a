"""The tutor's sign-off form: choose a learner and a unit, then sign off each criterion or
return it with feedback.

The widget only shows and asks. What the browser sends is a request (`choose`, `decide`),
checked at the door like every widget's message and then handed to the kernel-side handlers,
which decide what happens; every trait is the kernel's, so a browser cannot change whose work
is shown or who signs off. Nothing is shown until a tutor has signed in (`enabled`), not even
the roster. Learner text reaches the page as data and is drawn with `textContent`, never as
markup.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

import traitlets

from nosworkbook.ids import MAX_FEEDBACK
from nosworkbook.widgets.base import KernelOwnedWidget, message_problem

STATIC_NOTE = (
    "Sign-off: open this dashboard in JupyterLab or through the classroom server and sign in "
    "as a tutor to sign off criteria or return them with feedback."
)
NOT_SIGNED_IN = "Sign in as one of the cohort's tutors to sign off criteria."
ACTIONS = {"sign-off": False, "return": True}  # the browser's verb -> returned?
_STATIC = Path(__file__).parent / "static"
_SHORT = 200  # characters of an id the browser sends that are looked at

ChooseHandler = Callable[[str, str], None]  # (learner id, unit urn)
DecideHandler = Callable[[str, bool, str], None]  # (criterion id, returned, feedback)


class Review(KernelOwnedWidget):
    """Sign-off form; `on_choose` and `on_decide` handlers run in the kernel."""

    _esm = _STATIC / "review.js"
    _css = _STATIC / "review.css"

    enabled = traitlets.Bool(False).tag(sync=True)
    learners = traitlets.List(traitlets.Dict()).tag(sync=True)  # [{"id", "label"}]
    units = traitlets.List(traitlets.Dict()).tag(sync=True)  # [{"urn", "label"}]
    learner = traitlets.Unicode("").tag(sync=True)  # the one shown
    unit = traitlets.Unicode("").tag(sync=True)
    rows = traitlets.List(traitlets.Dict()).tag(sync=True)  # see `row`
    message = traitlets.Unicode(NOT_SIGNED_IN).tag(sync=True)
    is_error = traitlets.Bool(False).tag(sync=True)
    max_feedback = traitlets.Int(MAX_FEEDBACK).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._choose: list[ChooseHandler] = []
        self._decide: list[DecideHandler] = []
        self.on_msg(self._on_custom_msg)

    def _static_text(self) -> str:
        return STATIC_NOTE

    def _static_html(self) -> str:
        return f'<p class="nosw-static">{html.escape(STATIC_NOTE)}</p>'

    def on_choose(self, handler: ChooseHandler) -> None:
        self._choose.append(handler)

    def on_decide(self, handler: DecideHandler) -> None:
        self._decide.append(handler)

    def show(self, message: str, error: bool = False) -> None:
        self.message, self.is_error = message, error

    def close_form(self) -> None:
        """Nobody is signed in: show nothing of the cohort."""
        with self.hold_sync():
            self.enabled = False
            self.rows, self.learners, self.units = [], [], []
            self.learner = self.unit = ""
            self.show(NOT_SIGNED_IN)

    def choose(self, learner: str, unit: str) -> None:
        """As if the tutor chose `learner` and `unit`: the kernel-side path the form takes."""
        for handler in self._choose:
            handler(learner, unit)

    def decide(self, criterion: str, returned: bool, feedback: str = "") -> None:
        """As if the tutor pressed Sign off (or Return) on `criterion`."""
        for handler in self._decide:
            handler(criterion, returned, feedback)

    def _on_custom_msg(self, _widget: object, content: Any, _buffers: object) -> None:
        if not isinstance(content, dict):
            return
        problem = message_problem(content)
        if problem is not None:
            self.show(problem, error=True)
            return
        if not self.enabled:
            self.show(NOT_SIGNED_IN, error=True)
            return
        kind = content.get("type")
        if kind == "choose":
            self.choose(_text(content.get("learner"))[:_SHORT], _text(content.get("unit"))[:_SHORT])
        elif kind == "decide" and content.get("action") in ACTIONS:
            feedback = _text(content.get("feedback"))
            if len(feedback) > MAX_FEEDBACK:
                self.show(
                    f"Feedback can be at most {MAX_FEEDBACK:,} characters: please shorten it.",
                    error=True,
                )
                return
            self.decide(
                _text(content.get("criterion"))[:_SHORT], ACTIONS[content["action"]], feedback
            )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def row(
    *,
    criterion: str,
    short_id: str,
    text: str,
    rating: str,
    evidence: str,
    changed: str,
    exercises: list[str],
    standing: str,
    feedback: str,
    changed_since: bool,
    decided: bool,
) -> dict[str, Any]:
    """One criterion as the form shows it: every value is text the page draws as text."""
    return {
        "criterion": criterion,
        "short_id": short_id,
        "text": text,
        "rating": rating,
        "evidence": evidence,
        "changed": changed,
        "exercises": exercises,
        "standing": standing,
        "feedback": feedback,
        "changed_since": changed_since,
        "decided": decided,  # a tutor has signed it off or returned it
    }
