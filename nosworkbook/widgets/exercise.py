"""One widget for every exercise kind: the scenario, a form, a "Check my answer" button, feedback.

Kinds describe their form as data (fields) and their material as blocks, and the ES module
renders both with native, labelled controls, so each exercise is one widget model and every
kind gets the same keyboard and screen-reader behaviour.

Field types: `choice` (radio group), `select`, `multi` (checkboxes), `text` (textarea),
`number`, `order` (a list re-ordered with Move up / Move down buttons) and `group` (a fieldset
of other fields). Block types: `html` (rendered by Python from markdown, raw HTML escaped),
`table`, `image` (data URL) and `matrix` (cells with a level shown in words and colour).

Checking goes through the widget base (`nosworkbook.widgets.base.SavingWidget`): the browser
sends `{"type": "check", "seq", "epoch", "answer"}`, the kernel marks it, shows the feedback,
saves the attempt and acknowledges with `{"type": "ack", "seq", "ok", "error"}`. "Last
checked" is the time the store gave the attempt. A restored attempt shows the score it was
given when it was checked (the one reports use); if marking it again today gives another
score, the widget says so rather than quietly showing a different mark.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import mistune
import traitlets

from nosworkbook import ids
from nosworkbook.exercises.base import Exercise, Result
from nosworkbook.exercises.toolkit.choices import shown_form
from nosworkbook.exercises.toolkit.rounding import exact, half_up
from nosworkbook.widgets.base import Rejected, SavingWidget, ToSave, iso

logger = logging.getLogger(__name__)

MAX_TEXT = ids.MAX_ANSWER_TEXT
UNREADABLE = "Your answer could not be read. Please try again."
LEVEL_COLOURS: dict[str, tuple[str, str]] = {
    "low": ("#e6f7e1", "#0b3d17"),
    "medium": ("#c46a00", "#000000"),
    "high": ("#5c1010", "#ffffff"),
}
"""Band -> (background, text) of a risk matrix cell, as in static/exercise.css: text at least
4.5:1 on its cell, and each band's cell at least 3:1 against the others'."""
AttemptCallback = Callable[[str, dict[str, Any], Result], Any]
"""`(exercise_id, answer, result)`; returns what the store stored (an `Attempt`) or None."""


class SaveFailed(RuntimeError):
    """`ExerciseWidget.submit` checked the answer but a save callback failed."""


def percent(score: float) -> int:
    """A score between 0 and 1 as the whole percentage the learner sees, a half up as learners
    round (`exercises.toolkit.rounding`): 0.125 is 13%, not Python's 12%."""
    return int(half_up(exact(float(score)) * 100))


def marked_again(stored: float, now: float) -> str:
    """The sentence shown when a saved attempt would score differently if marked today."""
    if percent(stored) == percent(now):
        return ""
    return (
        f"When you checked this it scored {percent(stored)}%. "
        f"Marked again today it scores {percent(now)}%. "
        "The feedback below is from marking it again today."
    )


_markdown = mistune.create_markdown(escape=True, plugins=["table"])


def markdown_html(text: str) -> str:
    """Markdown to HTML with any raw HTML escaped, so scenario data cannot inject markup."""
    return str(_markdown(text))


def _cells(tag: str, values: Iterable[Any], scope: str = "") -> str:
    attr = f' scope="{scope}"' if scope else ""
    return "".join(f"<{tag}{attr}>{html.escape(str(v))}</{tag}>" for v in values)


def block_html(block: dict[str, Any]) -> str:
    """A material block as plain HTML, as the widget draws it (every value escaped)."""
    esc = html.escape
    kind = block.get("type")
    if kind == "html":
        return f"<div>{block.get('html', '')}</div>"  # rendered by markdown_html, raw HTML escaped
    if kind == "table":
        caption = f"<caption>{esc(str(block['caption']))}</caption>" if block.get("caption") else ""
        rows = "".join(f"<tr>{_cells('td', row)}</tr>" for row in block.get("rows", []))
        head = _cells("th", block.get("columns", []), "col")
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    if kind == "image":
        alt = esc(str(block.get("alt") or ""), quote=True)
        src = str(block.get("src") or "")
        image = (
            f'<img src="{esc(src, quote=True)}" alt="{alt}">'
            if src.startswith("data:image/")
            else f"<p>{alt}</p>"
        )
        caption = block.get("caption")
        caption_html = f"<figcaption>{esc(str(caption))}</figcaption>" if caption else ""
        return f"<figure>{image}{caption_html}</figure>"
    if kind == "matrix":
        return matrix_html(block)
    return f"<p>{esc(str(block.get('text', '')))}</p>"


def matrix_html(block: dict[str, Any]) -> str:
    """A risk matrix as a static table: likelihood down, impact across, each cell's band in
    words (and its score), coloured inline so it reads the same in a viewer without the
    widget's style sheet. The words carry the meaning; the colours only repeat it."""
    esc = html.escape
    corner = f"{block.get('row_label', '')} \u2193 / {block.get('col_label', '')} \u2192"
    head = _cells("th", [corner, *block.get("col_labels", [])], "col")
    rows = []
    for row in block.get("rows", []):
        cells = []
        for cell in row.get("cells", []):
            level = str(cell.get("level", ""))
            words = [level_words(cell)]
            if cell.get("score") is not None:
                words[0] += f" ({esc(str(cell['score']))})"
            words += [esc(str(item)) for item in cell.get("items", [])]
            colours = LEVEL_COLOURS.get(level)
            style = f' style="background:{colours[0]};color:{colours[1]}"' if colours else ""
            cells.append(
                f'<td class="nosw-level-{esc(level, quote=True)}"{style}>'
                + "<br>".join(words)
                + "</td>"
            )
        rows.append(f"<tr>{_cells('th', [row.get('label', '')], 'row')}{''.join(cells)}</tr>")
    caption = esc(str(block.get("title", "")))
    return (
        f'<table class="nosw-ex-matrix"><caption>{caption}</caption><thead><tr>{head}</tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )


def level_words(cell: Mapping[str, Any]) -> str:
    """A matrix cell's band in words, as the widget shows it: "High"."""
    return html.escape(str(cell.get("level_label") or cell.get("level", "")).capitalize())


def questions_html(fields: Iterable[dict[str, Any]]) -> str:
    """The form's questions as a nested list of their labels and options, not controls."""
    items = []
    for field in fields:
        text = html.escape(str(field.get("label", "")))
        choices = field.get("options") or field.get("items")
        if choices:
            text += " <em>(" + html.escape(" / ".join(str(c) for c in choices)) + ")</em>"
        if field.get("help"):
            text += f"<br><small>{html.escape(str(field['help']))}</small>"
        if field.get("type") == "group":
            text += questions_html(field.get("fields", []))
        items.append(f"<li>{text}</li>")
    return f"<ul>{''.join(items)}</ul>" if items else ""


def field_names(fields: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    names: dict[str, dict[str, Any]] = {}
    for field in fields:
        if field["type"] == "group":
            names.update(field_names(field["fields"]))
        else:
            names[field["name"]] = field
    return names


class ExerciseWidget(SavingWidget):
    """An exercise's scenario, form and feedback as one widget model."""

    VERBS: ClassVar[Mapping[str, str]] = {"check": "_on_check"}
    SAVE_FAILED: ClassVar[str] = (
        "Your answer was checked but could not be saved. Please try again or tell your tutor."
    )

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
    score_note = traitlets.Unicode("").tag(sync=True)  # a restored score that marking changed
    tutor_html = traitlets.Unicode("").tag(sync=True)
    disabled_note = traitlets.Unicode("Sign in to answer this exercise.").tag(sync=True)

    def __init__(self, exercise: Exercise, tutor_html: str = "", **kwargs: Any) -> None:
        self.exercise = exercise
        form = exercise.form()
        # The kernel's own form: what an answer may hold, whatever the `fields` trait says.
        self._form = field_names(form)
        super().__init__(
            exercise_id=exercise.id,
            title=exercise.title,
            criteria=[ids.local(c) for c in exercise.criteria],
            intro_html=markdown_html(exercise.scenario()),
            blocks=exercise.blocks(),
            fields=shown_form(form, exercise=exercise.id),
            tutor_html=tutor_html,
            **kwargs,
        )

    # --- static view (executed notebooks read without a kernel) -------------------------------

    def _static_text(self) -> str:
        return f"Exercise: {self.title}. Evidences {', '.join(self.criteria)}."

    def _static_html(self) -> str:
        """Scenario, material and questions; model answers in the tutor edition.

        No title or criteria: the workbook's markdown cell above the widget shows them once
        (a heading in any viewer and in the table of contents), so they are not repeated."""
        esc = html.escape
        parts = [
            f"<div>{self.intro_html}</div>",  # rendered by markdown_html, raw HTML escaped
            *(block_html(block) for block in self.blocks),
            "<h4>Questions</h4>",
            questions_html(self.fields),
        ]
        if self.result:
            score = f"Score: {percent(self.result.get('score') or 0)}%."
            summary = f"{score} {self.result.get('summary') or ''}".strip()
            parts.append(f"<h4>Feedback</h4><p>{esc(summary)}</p>")
            if self.score_note:
                parts.append(f"<p>{esc(self.score_note)}</p>")
            parts += [block_html(block) for block in self.after]
        if self.tutor_html:
            # rendered by tutor_notes through markdown_html, raw HTML escaped
            parts.append(f"<h4>For tutors</h4><div>{self.tutor_html}</div>")
        return f'<section class="nosw-static">{"".join(parts)}</section>'

    def show_to(self, learner: str) -> None:
        """Show the options in the order this learner always sees them ("" for nobody), so
        where the right answer sits gives nothing away and a reload changes nothing."""
        self.fields = shown_form(self.exercise.form(), exercise=self.exercise.id, learner=learner)

    def on_attempt(self, callback: AttemptCallback) -> None:
        """`callback(exercise_id, answer, result)` after every check, e.g. to save the attempt.

        Return what the store stored (its `Attempt`): "Last checked" then shows the store's
        `attempted_at`. An exception tells the learner the attempt was not saved.
        """
        self._add_saver(callback)

    def restore(
        self,
        answer: dict[str, Any] | None,
        *,
        score: float | None = None,
        checked_at: datetime | str | None = None,
    ) -> None:
        """Show a saved attempt: its answer, the score it was given, and when it was checked.

        Feedback is worked out again from the answer, so it reads as today's marking does;
        the score shown is the stored one (what a report shows), and if marking the answer
        again gives a different score the widget says so. Without a `score` (an answer that
        was never marked) today's score is shown.
        """
        with self.hold_sync():
            self._epoch += 1
            if not answer:
                self.answer, self.result, self.after = {}, {}, []
                self.checked_at, self.score_note = "", ""
                return
            clean = self._clean(answer, strict=False)
            result = self.exercise.check(clean)
            shown = result.as_dict()
            note = ""
            if score is not None:
                shown["score"] = float(score)
                note = marked_again(score, result.score)
            shown["percent"] = percent(shown["score"])
            self.answer = clean
            self.result = shown
            self.after = self.exercise.after_check(clean, result)
            self.checked_at = iso(checked_at) or ""
            self.score_note = note

    def clear(self) -> None:
        self.restore(None)

    def submit(self, answer: dict[str, Any]) -> Result:
        """Check an answer as the form would, and save it; raises SaveFailed if saving failed,
        and `Rejected` (a ValueError) for an answer the form could not have sent.

        This is the kernel's own way in, so it needs no epoch and works while disabled.
        """
        with self.hold_sync():
            to_save = self._on_check({"answer": answer})
        error = self._save(to_save)
        if error is not None:
            raise SaveFailed(error)
        return to_save.args[2]

    def _on_check(self, msg: dict[str, Any]) -> ToSave:
        """Mark the answer and show the feedback; the attempt to save."""
        answer = msg.get("answer")
        if not isinstance(answer, dict):
            raise Rejected(UNREADABLE)
        clean = self._clean(answer, strict=True)
        size = len(json.dumps(clean, ensure_ascii=False))
        if size > ids.MAX_ANSWER:  # the store's limit: say so before marking, not after
            raise Rejected(
                f"Your answer is too long to save ({size:,} characters; the most is "
                f"{ids.MAX_ANSWER:,}). Please shorten it and try again."
            )
        result = self.exercise.check(clean)
        self.answer = clean
        self.result = {**result.as_dict(), "percent": percent(result.score)}
        self.after = self.exercise.after_check(clean, result)
        self.score_note = ""
        return ToSave((self.exercise.id, clean, result), self._checked, self.exercise.id)

    def _checked(self, stored: Any) -> None:
        """Date the check with the store's `attempted_at`; the widget's clock if nothing saves."""
        when = self._now_iso() if stored is None else iso(getattr(stored, "attempted_at", None))
        if when is None:
            logger.warning(
                "%s: the save returned %r, without attempted_at", self.exercise.id, stored
            )
            when = self._now_iso()
        self.checked_at = when

    def _clean(self, answer: dict[str, Any], strict: bool) -> dict[str, Any]:
        """Keep only the kernel's form's fields, as text or lists of text, within size limits.

        Names not on the form are dropped. A value that is neither text (or a number) nor a
        list of them cannot be an answer from the form: `strict` (a message from the browser)
        refuses it, otherwise (a stored answer) it is dropped.
        """
        clean: dict[str, Any] = {}
        for name, value in (answer or {}).items():
            if name not in self._form or value is None:
                continue
            if isinstance(value, list) and all(_scalar(v) for v in value):
                clean[name] = [str(v)[:MAX_TEXT] for v in value][: ids.MAX_ANSWER_ITEMS]
            elif _scalar(value):
                clean[name] = str(value)[:MAX_TEXT]
            elif strict:
                raise Rejected(UNREADABLE)
        return clean


def _scalar(value: object) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)
