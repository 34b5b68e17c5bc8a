"""One widget for every exercise kind: the scenario, a form, a "Check my answer" button, feedback.

Kinds describe their form as data (fields) and their material as blocks, and the ES module
renders both with native, labelled controls, so each exercise is one widget model and every
kind gets the same keyboard and screen-reader behaviour.

Field types: `choice` (radio group), `select`, `multi` (checkboxes), `text` (textarea),
`number`, `order` (a list re-ordered with Move up / Move down buttons) and `group` (a fieldset
of other fields). Block types: `html` (rendered by Python from markdown, raw HTML escaped),
`table`, `image` (data URL) and `matrix` (cells with a level shown in words and colour).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anywidget
import mistune
import traitlets

from nosworkbook.exercises.base import Exercise, Result

logger = logging.getLogger(__name__)

MAX_TEXT = 5_000
AttemptCallback = Callable[[str, dict[str, Any], Result], None]

_markdown = mistune.create_markdown(escape=True, plugins=["table"])


def markdown_html(text: str) -> str:
    """Markdown to HTML with any raw HTML escaped, so scenario data cannot inject markup."""
    return str(_markdown(text))


def field_names(fields: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    names: dict[str, dict[str, Any]] = {}
    for field in fields:
        if field["type"] == "group":
            names.update(field_names(field["fields"]))
        else:
            names[field["name"]] = field
    return names


class ExerciseWidget(anywidget.AnyWidget):
    """An exercise's scenario, form and feedback as one widget model."""

    _esm = Path(__file__).parent / "static" / "exercise.js"
    _css = Path(__file__).parent / "static" / "exercise.css"

    exercise_id = traitlets.Unicode("").tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    criteria = traitlets.List(traitlets.Unicode()).tag(sync=True)
    intro_html = traitlets.Unicode("").tag(sync=True)
    blocks = traitlets.List().tag(sync=True)
    fields = traitlets.List().tag(sync=True)
    answer = traitlets.Dict().tag(sync=True)
    result = traitlets.Dict().tag(sync=True)
    after = traitlets.List().tag(sync=True)
    checked_at = traitlets.Unicode("").tag(sync=True)
    tutor_html = traitlets.Unicode("").tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)
    disabled_note = traitlets.Unicode("Sign in to answer this exercise.").tag(sync=True)
    _epoch = traitlets.Int(0).tag(sync=True)

    def __init__(self, exercise: Exercise, tutor_html: str = "", **kwargs: Any) -> None:
        self.exercise = exercise
        self._callbacks: list[AttemptCallback] = []
        super().__init__(
            exercise_id=exercise.id,
            title=exercise.title,
            criteria=[c.split(".", 1)[1] for c in exercise.criteria],
            intro_html=markdown_html(exercise.scenario()),
            blocks=exercise.blocks(),
            fields=exercise.form(),
            tutor_html=tutor_html,
            **kwargs,
        )
        self.on_msg(self._on_custom_msg)

    def on_attempt(self, callback: AttemptCallback) -> None:
        """`callback(exercise_id, answer, result)` after every check, e.g. to save the attempt."""
        self._callbacks.append(callback)

    def restore(self, answer: dict[str, Any] | None) -> None:
        """Show a saved answer and its feedback (re-checked, so feedback is current)."""
        with self.hold_sync():
            self._epoch += 1
            if not answer:
                self.answer, self.result, self.after, self.checked_at = {}, {}, [], ""
                return
            clean = self._clean(answer)
            result = self.exercise.check(clean)
            self.answer = clean
            self.result = result.as_dict()
            self.after = self.exercise.after_check(clean, result)

    def clear(self) -> None:
        self.restore(None)

    def submit(self, answer: dict[str, Any]) -> Result:
        """Check an answer as the form would, and tell the callbacks."""
        clean = self._clean(answer)
        result = self.exercise.check(clean)
        with self.hold_sync():
            self.answer = clean
            self.result = result.as_dict()
            self.after = self.exercise.after_check(clean, result)
            self.checked_at = datetime.now(UTC).isoformat(timespec="seconds")
        for callback in list(self._callbacks):
            try:
                callback(self.exercise.id, clean, result)
            except Exception:
                logger.debug("saving the attempt at %s failed", self.exercise.id, exc_info=True)
                self.result = {
                    **self.result,
                    "error": "Your answer was checked but could not be saved. "
                    "Please try again or tell your tutor.",
                }
        return result

    def _clean(self, answer: dict[str, Any]) -> dict[str, Any]:
        """Keep only this form's fields, as text or lists of text, within size limits."""
        known = field_names(self.fields)
        clean: dict[str, Any] = {}
        for name, value in (answer or {}).items():
            if name not in known:
                continue
            if isinstance(value, list):
                clean[name] = [str(v)[:MAX_TEXT] for v in value][:100]
            elif value is not None:
                clean[name] = str(value)[:MAX_TEXT]
        return clean

    def _on_custom_msg(self, _widget: object, content: Any, _buffers: object) -> None:
        if not isinstance(content, dict) or content.get("type") != "check":
            return
        if self.disabled or content.get("epoch") != self._epoch:
            self.send({"type": "refused", "reason": "Sign in to answer this exercise."})
            return
        answer = content.get("answer")
        self.submit(answer if isinstance(answer, dict) else {})
