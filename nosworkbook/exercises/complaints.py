"""Complaint handling: put the ISO 10002 process in order, judge a complaint, weigh the options.

The default process follows ISO 10002 as summarised in docs/DESIGN.md: receive and record,
acknowledge, assess, investigate, respond, communicate the decision, close; then analyse
complaints for improvement. A scenario may give its own steps (for example a problem-handling
procedure) in the same shape.

Ordering is marked by pairs (`toolkit.ordering`): one swap of neighbours out of eight steps
scores 27/28, a reversed list 0, and only the exact order 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nosworkbook.exercises.base import Answer, Exercise, Result, register
from nosworkbook.exercises.toolkit.choices import check_choices, choice_fields
from nosworkbook.exercises.toolkit.ordering import mark_order, order_field
from nosworkbook.exercises.toolkit.wording import variant, variants

ISO_10002_STEPS: tuple[str, ...] = (
    "Receive and record the complaint",
    "Acknowledge the complaint",
    "Assess the complaint",
    "Investigate the complaint",
    "Respond with a proposed resolution",
    "Communicate the decision to the customer",
    "Close the complaint",
    "Analyse complaints for improvement",
)


@register("complaint-handling")
class ComplaintHandling(Exercise):
    """Order a complaint (or problem) process, then answer choices about one complaint.

    Spec: `steps` (optional; the correct order, default ISO 10002), `steps_label`, `steps_why`;
    `facts`: rows `[label, value]` shown as the complaint record; `options_table`: rows
    `[option, what it involves]` shown for weighing; `choices`: single-choice questions with
    feedback per option (see `choice_fields`).
    """

    @property
    def steps(self) -> list[str | Mapping[str, str]]:
        return list(self.spec.get("steps") or ISO_10002_STEPS)

    def _step_names(self) -> list[str]:
        return [self.text(variant(s, self.setting.sector)) for s in self.steps]

    def blocks(self) -> list[dict[str, Any]]:
        blocks = []
        if self.spec.get("facts"):
            blocks.append(
                {
                    "type": "table",
                    "caption": self.text(self.spec.get("facts_caption", "The complaint record")),
                    "columns": ["Item", "Details"],
                    "rows": [
                        [self.text(label), self.text(variant(value, self.setting.sector))]
                        for label, value in self.spec["facts"]
                    ],
                }
            )
        if self.spec.get("options_table"):
            blocks.append(
                {
                    "type": "table",
                    "caption": self.text(self.spec.get("options_caption", "The options")),
                    "columns": ["Option", "What it involves"],
                    "rows": [
                        [self.text(label), self.text(variant(value, self.setting.sector))]
                        for label, value in self.spec["options_table"]
                    ],
                }
            )
        return blocks

    def form(self) -> list[dict[str, Any]]:
        label = self.text(self.spec.get("steps_label", "Complaint process steps, first to last"))
        fields = [order_field("steps", label, self._step_names(), self.id)]
        return fields + choice_fields(self.spec.get("choices", []), self.text)

    def check(self, answer: Answer) -> Result:
        correct = [[self.text(w) for w in variants(s)] for s in self.steps]
        parts = [
            mark_order(
                answer,
                "steps",
                "Order of the steps",
                correct,
                self._step_names(),
                self.text(self.spec.get("steps_why", "")).strip(),
            )
        ]
        parts += check_choices(answer, self.spec.get("choices", []), self.text)
        return Result(tuple(parts))
