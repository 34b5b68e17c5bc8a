"""The self-assessment checklist: one anywidget model per checklist, however many items.

A unit's checklist can hold 50+ criteria. Built from stock ipywidgets that is several hundred
models (slow to load in Voila); here the whole checklist is one model and a small ES module
draws it with plain DOM.

Data flow (`nosworkbook.widgets.base.SavingWidget`). The browser never writes `values` itself.
Each user edit is sent as a message `{"type": "edit", "id", "seq", "epoch", "rating"?,
"evidence"?}` (absent keys mean unchanged); Python validates it, puts it in `values`, calls the
`on_change` callbacks once, stamps the item "changed" with the time the store gave its save
(`Record.changed_at`), and acknowledges with `{"type": "ack", "seq", "ok", "error"}`.
`set_values` and `clear` bump `_epoch`, so edits typed for a previous learner that are still
in flight are refused rather than saved for the next one.

Where each item stands (not started, working towards, returned, signed off, changed since
sign-off; `nosworkbook.widgets.standing`) is the kernel's `states` trait, worked out from
`values` and the tutors' decisions `set_values` was given. The browser cannot write it and
there is no verb that signs off: only a tutor does, through the store.
"""

from __future__ import annotations

import html
import logging
import pathlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, Protocol

import traitlets

from nosworkbook.ids import MAX_EVIDENCE
from nosworkbook.settings import DEFAULT_SCALE
from nosworkbook.widgets.base import Rejected, SavingWidget, ToSave, iso, shown
from nosworkbook.widgets.standing import Decision, changed, decision_of, standing

logger = logging.getLogger(__name__)

STATIC_EVIDENCE_CHARS = 300  # evidence shown per item in the static view, to keep files lean

ChangeCallback = Callable[[str, str | None, str], Any]
"""`(criterion_id, rating, evidence)`; returns what the store stored (a `Record`) or None."""


class CriterionLike(Protocol):
    """What `for_criteria` needs from a criterion (the catalog's `Criterion` has it)."""

    @property
    def id(self) -> str: ...

    @property
    def short_id(self) -> str: ...

    @property
    def text(self) -> str: ...


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


class Checklist(SavingWidget):
    """A rating, an evidence note and a last-changed date for each criterion of a checklist."""

    # The only trait the browser may change; answers arrive as validated edit messages.
    BROWSER_WRITABLE: ClassVar[frozenset[str]] = frozenset({"only_incomplete"})
    VERBS: ClassVar[Mapping[str, str]] = {"edit": "_on_edit"}

    _esm = pathlib.Path(__file__).parent / "static" / "checklist.js"
    _css = pathlib.Path(__file__).parent / "static" / "checklist.css"

    heading = traitlets.Unicode("").tag(sync=True)
    heading_level = traitlets.Int(2).tag(sync=True)
    items = traitlets.List(traitlets.Dict()).tag(sync=True)
    scale = traitlets.List(traitlets.Unicode(), default_value=list(DEFAULT_SCALE)).tag(sync=True)
    values = traitlets.Dict().tag(sync=True)
    only_incomplete = traitlets.Bool(False).tag(sync=True)
    max_evidence = traitlets.Int(MAX_EVIDENCE, read_only=True).tag(sync=True)
    # Where each item stands, by id (`Standing.as_json`): the kernel's alone, never the browser's.
    states = traitlets.Dict().tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        self._decisions: dict[str, Decision] = {}  # tutors' latest decisions, by item id
        super().__init__(**kwargs)

    # --- construction -------------------------------------------------------------------------

    @classmethod
    def for_criteria(
        cls,
        heading: str,
        criteria: Iterable[CriterionLike],
        scale: Iterable[str] | None = None,
        **kwargs: Any,
    ) -> Checklist:
        """A checklist of catalog criteria (e.g. `unit.performance`), in the order given."""
        items = [{"id": c.id, "short_id": c.short_id, "text": c.text} for c in criteria]
        if scale is not None:
            kwargs["scale"] = list(scale)
        return cls(heading=heading, items=items, **kwargs)

    @traitlets.validate("items")
    def _check_items(self, proposal: traitlets.Bunch) -> list[dict[str, str]]:
        items: list[dict[str, str]] = []
        seen: set[str] = set()
        for raw in proposal["value"]:
            item = {k: raw.get(k) for k in ("id", "short_id", "text")}
            for key, value in item.items():
                if not isinstance(value, str) or not value.strip():
                    raise traitlets.TraitError(f"checklist item {raw!r} needs a non-empty {key!r}")
            if item["id"] in seen:
                raise traitlets.TraitError(f"checklist item {item['id']!r} appears twice")
            seen.add(item["id"])
            items.append(item)
        return items

    @traitlets.validate("scale")
    def _check_scale(self, proposal: traitlets.Bunch) -> list[str]:
        scale = list(proposal["value"])
        if len(scale) < 2 or len(set(scale)) != len(scale) or not all(s.strip() for s in scale):
            raise traitlets.TraitError(
                f"a rating scale needs two or more different, non-empty labels; got {scale!r}"
            )
        return scale

    @traitlets.validate("heading_level")
    def _check_heading_level(self, proposal: traitlets.Bunch) -> int:
        if not 2 <= proposal["value"] <= 6:
            raise traitlets.TraitError("heading_level must be 2 to 6 (the notebook title is 1)")
        return proposal["value"]

    # --- Python API ---------------------------------------------------------------------------

    def on_change(self, callback: ChangeCallback, remove: bool = False) -> None:
        """Register `callback(criterion_id, rating, evidence)`, called once per learner edit.

        Use it to save to the progress store, and return what the store stored (its
        `Record`): the item then shows the store's `changed_at` as "Last changed". If no
        callback returns anything, the widget's own clock dates the change. An exception
        marks the edit as not saved. `set_values` and `clear` never call it, so loading saved
        answers does not write them straight back.
        """
        self._add_saver(callback, remove)

    def set_values(
        self,
        values: Mapping[str, Mapping[str, Any]],
        sign_offs: Mapping[str, Any] | None = None,
    ) -> None:
        """Show saved answers (e.g. after sign-in), replacing what is shown; fires no callbacks.

        `sign_offs` are the tutors' latest decisions by criterion (`Store.sign_off_states`),
        from which each item's state is shown. Ids that are not on this checklist are
        ignored, so one unit's saved answers can be handed to both of its checklists. A
        rating not on the scale is shown as unrated.
        """
        known = {item["id"] for item in self.items}
        scale = set(self.scale)
        loaded: dict[str, dict[str, Any]] = {}
        for cid, entry in values.items():
            if cid not in known:
                continue
            rating = entry.get("rating")
            if rating is not None and rating not in scale:
                logger.warning("%s: rating %r is not on the scale %r", cid, rating, self.scale)
                rating = None
            evidence = entry.get("evidence") or ""
            loaded[cid] = {
                "rating": rating,
                "evidence": str(evidence)[:MAX_EVIDENCE],
                "changed": iso(entry.get("changed")),
            }
        decisions = {}
        for cid, entry in (sign_offs or {}).items():
            decision = decision_of(entry) if cid in known else None
            if decision is not None:
                decisions[cid] = decision
        with self.hold_sync():
            self._epoch += 1
            self._decisions = decisions
            self.values = loaded
            self._show_states()

    def clear(self) -> None:
        """Forget every answer, decision and the filter (sign-out, learner switch); no callbacks."""
        with self.hold_sync():
            self._epoch += 1
            self._decisions = {}
            self.values = {}
            self.only_incomplete = False
            self._show_states()

    @property
    def top(self) -> str:
        """The top of the scale ("Competent"): the rating that counts as complete."""
        return self.scale[-1]

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def completed(self) -> int:
        """How many items are rated at the top of the scale."""
        return sum(1 for cid in self._ids() if self._rating(cid) == self.top)

    @property
    def summary(self) -> str:
        """The same sentence the widget shows, e.g. "12 of 27 rated Competent"."""
        return f"{self.completed} of {self.total} rated {self.top}"

    @property
    def incomplete_ids(self) -> list[str]:
        """Ids the "not yet Competent" filter shows, in checklist order."""
        return [cid for cid in self._ids() if self._rating(cid) != self.top]

    def state_of(self, cid: str) -> str:
        """Where one item stands ("signed off", ...), as the learner is shown it."""
        return str(self.states[cid]["state"])

    # --- states: worked out here, whenever the answers or the decisions change -------------

    @traitlets.observe("values", "items")
    def _on_values(self, _change: traitlets.Bunch) -> None:
        self._show_states()

    def _show_states(self) -> None:
        self.states = {
            cid: standing(self.values.get(cid), self._decisions.get(cid)).as_json()
            for cid in self._ids()
        }

    # --- browser -> Python --------------------------------------------------------------------

    def _on_edit(self, msg: dict[str, Any]) -> ToSave | None:
        """Validate one edit and show it; what to save, or None if nothing changed."""
        cid = msg.get("id")
        if not isinstance(cid, str) or cid not in self._ids():
            raise Rejected(f"Unknown item {shown(cid)}.")
        old = self.values.get(cid) or {"rating": None, "evidence": "", "changed": None}
        rating, evidence = old.get("rating"), old.get("evidence") or ""
        if "rating" in msg:
            rating = msg["rating"]
            if rating is not None and (not isinstance(rating, str) or rating not in self.scale):
                raise Rejected(f"{shown(rating)} is not a rating on this checklist.")
        if "evidence" in msg:
            evidence = msg["evidence"]
            if not isinstance(evidence, str):
                raise Rejected("Evidence must be text.")
            if len(evidence) > MAX_EVIDENCE:  # characters (code points), as the store counts
                raise Rejected(
                    f"Evidence is limited to {MAX_EVIDENCE:,} characters; "
                    f"this has {len(evidence):,}."
                )
            if "\x00" in evidence:  # the store refuses it: say why here
                raise Rejected("Evidence cannot contain a null character; remove it and try again.")
        if rating == old.get("rating") and evidence == (old.get("evidence") or ""):
            return None  # e.g. a blur after the debounced send: nothing new to save
        # "changed" stays the last stored date until the store has this edit too.
        entry = {"rating": rating, "evidence": evidence, "changed": old.get("changed")}
        self.values = {**self.values, cid: entry}
        return ToSave((cid, rating, evidence), lambda stored: self._stamp(cid, stored), cid)

    def _stamp(self, cid: str, stored: Any) -> None:
        """Date an item with the store's `changed_at`; the widget's clock if nothing saves.

        A decided item is now changed since its sign-off or return, as the store would say.
        """
        when = self._now_iso() if stored is None else iso(getattr(stored, "changed_at", None))
        if when is None:
            logger.warning("%s: the save returned %r, which has no changed_at", cid, stored)
            when = self._now_iso()
        with self.hold_sync():  # the date and the state reach the browser in one update
            if cid in self._decisions:
                self._decisions = {**self._decisions, cid: changed(self._decisions[cid])}
            self.values = {**self.values, cid: {**self.values[cid], "changed": when}}
            self._show_states()

    # --- static view (executed notebooks read without a kernel) -------------------------------

    def _static_text(self) -> str:
        return f"{self.heading}: {self.total} items, {self.summary}"

    def _static_html(self) -> str:
        """Heading, scale and one compact row per item (with its rating and evidence if any)."""
        esc = html.escape
        level = self.heading_level
        answered = bool(self._decisions) or any(
            entry.get("rating") or entry.get("evidence") for entry in self.values.values()
        )
        rows = []
        for item in self.items:
            cells = f'<th scope="row">{esc(item["short_id"])}</th><td>{esc(item["text"])}</td>'
            if answered:
                entry = self.values.get(item["id"]) or {}
                evidence = _clip(entry.get("evidence") or "", STATIC_EVIDENCE_CHARS)
                cells += f"<td>{esc(entry.get('rating') or '')}</td><td>{esc(evidence)}</td>"
                cells += f"<td>{esc(self._static_state(item['id']))}</td>"
            rows.append(f"<tr>{cells}</tr>")
        head = "<th>Item</th><th>Criterion</th>"
        if answered:
            head += "<th>Rating</th><th>Evidence</th><th>Status</th>"
        return (
            f'<section class="nosw-static">'
            f"<h{level}>{esc(self.heading)}</h{level}>"
            f"<p>Rate each item: {esc(' / '.join(self.scale))}. {esc(self.summary)}.</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            "</section>"
        )

    def _static_state(self, cid: str) -> str:
        state = self.states.get(cid) or {}
        text, feedback = state.get("text") or "", state.get("feedback") or ""
        if feedback:
            text += f". Your tutor's feedback: {_clip(feedback, STATIC_EVIDENCE_CHARS)}"
        return text

    # --- helpers ------------------------------------------------------------------------------

    def _ids(self) -> list[str]:
        return [item["id"] for item in self.items]

    def _rating(self, cid: str) -> str | None:
        entry = self.values.get(cid)
        return entry.get("rating") if entry else None
