"""Risk classification: likelihood x impact on a risk matrix gives a level.

The matrices themselves are data, in `toolkit.matrix` (3x3 and 5x5 by default, or the
cohort's own). A scenario rates each risk on every matrix size it supports and gives the
reasons for its judgement in words that name no level; the feedback puts the matrix's own
level names to them, so an explanation never names a level other than the one it marks right,
whichever matrix the cohort uses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nosworkbook.exercises.base import Answer, Exercise, Part, Result, answer_text, register
from nosworkbook.exercises.toolkit.matrix import (
    LEVELS,
    RiskMatrix,
    band_text,
    get_matrix,
    matrix_block,
)


def _level(value: int | str, names: Sequence[str], axis: str, matrix: RiskMatrix) -> int:
    """1..n from an integer, a numeric string, a name ('likely') or a label ('3 likely')."""
    if isinstance(value, bool):
        raise ValueError(f"{axis} must be a level 1 to {matrix.size} or a name, not {value!r}")
    if isinstance(value, str):
        text = value.strip().lower()
        lowered = [n.lower() for n in names]
        if text in lowered:
            return lowered.index(text) + 1
        head = text.split(" ", 1)[0]
        if not head.lstrip("-").isdigit():
            raise ValueError(
                f"{axis} {value!r} is not a level of the {matrix.name} matrix: use 1 to "
                f"{matrix.size} or one of {', '.join(names)}"
            )
        value = int(head)
    if not isinstance(value, int):
        raise ValueError(f"{axis} must be a whole number or a name, not {value!r}")
    if not 1 <= value <= matrix.size:
        raise ValueError(
            f"{axis} {value} is out of range for the {matrix.name} matrix (1 to {matrix.size})"
        )
    return value


def classify(
    likelihood: int | str, impact: int | str, matrix: str | Mapping[str, Any] | RiskMatrix = "3x3"
) -> str:
    """`"low"`, `"medium"` or `"high"` for a likelihood and impact on the matrix."""
    grid = get_matrix(matrix)
    lik = _level(likelihood, grid.likelihood, "likelihood", grid)
    imp = _level(impact, grid.impact, "impact", grid)
    return grid.level_of(lik * imp)


@register("risk-classification")
class RiskClassification(Exercise):
    """Rate each risk in a scenario's risk log; the matrix gives its level.

    Spec: `risks`: list of `{risk, ratings: {"3x3": [likelihood, impact], "5x5": [...]},
    why: {likelihood, impact, action?}}`: the reasons for the likelihood and for the impact,
    and what to do about the risk, each written without a level's name ("two people have
    tripped this month", not "it is likely"), because the level comes from the matrix in use.
    The cohort's matrix (built-in or its own) is used when the scenario rates its risks on a
    matrix of that size, otherwise the scenario's own (`matrix`, default 3x3).
    """

    @property
    def matrix(self) -> RiskMatrix:
        wanted = get_matrix(self.setting.risk_matrix)
        key = f"{wanted.size}x{wanted.size}"
        if all(key in r["ratings"] for r in self.spec["risks"]):
            return wanted
        return get_matrix(self.spec.get("matrix", "3x3"))

    def _expected(self, risk: Mapping[str, Any]) -> tuple[int, int]:
        grid = self.matrix
        likelihood, impact = risk["ratings"][f"{grid.size}x{grid.size}"]
        return int(likelihood), int(impact)

    def reasons(self, risk: Mapping[str, Any]) -> dict[str, str]:
        """The reasons for a risk's likelihood and impact, and the action (may be empty)."""
        why = risk.get("why")
        if not isinstance(why, Mapping) or not {"likelihood", "impact"} <= set(why):
            raise ValueError(
                f"{self.id}: each risk's why gives the reasons for its likelihood and its impact "
                "(why: {likelihood: ..., impact: ...}), naming no level: the matrix names them"
            )
        return {
            key: self.text(str(why.get(key) or "")).strip()
            for key in ("likelihood", "impact", "action")
        }

    def model_answer(self) -> dict[str, str]:
        """The ratings and levels on the cohort's matrix, in its own words."""
        grid, answer = self.matrix, {}
        for i, risk in enumerate(self.spec["risks"], 1):
            likelihood, impact = self._expected(risk)
            answer[f"risk{i}.likelihood"] = grid.label("likelihood", likelihood)
            answer[f"risk{i}.impact"] = grid.label("impact", impact)
            answer[f"risk{i}.level"] = grid.level_of(likelihood * impact)
        return answer

    def blocks(self) -> list[dict[str, Any]]:
        grid = self.matrix
        rows = [[i, self.text(r["risk"])] for i, r in enumerate(self.spec["risks"], 1)]
        bands = band_text(grid)
        return [
            {
                "type": "table",
                "caption": "Risk log",
                "columns": ["Risk", "Description"],
                "rows": rows,
            },
            # the grid a tutor knows, before the learner answers: every cell's band in words
            matrix_block(
                grid, {}, f"The {grid.name} risk matrix: level = likelihood x impact ({bands})"
            ),
        ]

    def form(self) -> list[dict[str, Any]]:
        grid = self.matrix
        fields = []
        for i, risk in enumerate(self.spec["risks"], 1):
            fields.append(
                {
                    "type": "group",
                    "label": f"Risk {i}: {self.text(risk['risk'])}",
                    "fields": [
                        {
                            "type": "select",
                            "name": f"risk{i}.likelihood",
                            "label": f"Risk {i} likelihood",
                            "options": [
                                grid.label("likelihood", n) for n in range(1, grid.size + 1)
                            ],
                        },
                        {
                            "type": "select",
                            "name": f"risk{i}.impact",
                            "label": f"Risk {i} impact",
                            "options": [grid.label("impact", n) for n in range(1, grid.size + 1)],
                        },
                        {
                            "type": "select",
                            "name": f"risk{i}.level",
                            "label": f"Risk {i} level",
                            "options": list(LEVELS),
                        },
                    ],
                }
            )
        return fields

    def _read(self, answer: Answer, name: str, axis: str) -> int | None:
        grid = self.matrix
        names = grid.likelihood if axis == "likelihood" else grid.impact
        try:
            return _level(answer_text(answer, name), names, axis, grid)
        except ValueError:
            return None

    def check(self, answer: Answer) -> Result:
        grid = self.matrix
        parts = []
        for i, risk in enumerate(self.spec["risks"], 1):
            want_l, want_i = self._expected(risk)
            got_l = self._read(answer, f"risk{i}.likelihood", "likelihood")
            got_i = self._read(answer, f"risk{i}.impact", "impact")
            reasons = self.reasons(risk)
            for axis, got, want in (("likelihood", got_l, want_l), ("impact", got_i, want_i)):
                why = reasons[axis]
                if got == want:
                    feedback = f"Yes: {grid.label(axis, want)}. {why}".strip()
                    parts.append(Part(f"Risk {i} {axis}", 1.0, feedback))
                elif got is None:
                    parts.append(Part(f"Risk {i} {axis}", 0.0, f"Choose a {axis} for risk {i}."))
                else:
                    near = abs(got - want) == 1
                    parts.append(
                        Part(
                            f"Risk {i} {axis}",
                            0.5 if near else 0.0,
                            f"You chose {grid.label(axis, got)}; a better judgement is "
                            f"{grid.label(axis, want)}. {why}".strip(),
                        )
                    )
            level = answer_text(answer, f"risk{i}.level").lower()
            expected = grid.level_of(want_l * want_i)
            action = f" {reasons['action']}" if reasons["action"] else ""
            if got_l and got_i:
                by_matrix = grid.level_of(got_l * got_i)
                consistent = level == by_matrix
            else:
                by_matrix, consistent = None, False
            if level == expected and consistent:
                parts.append(
                    Part(
                        f"Risk {i} level",
                        1.0,
                        f"Right: {want_l} x {want_i} = {want_l * want_i}, {expected}.{action}",
                    )
                )
            elif not level:
                parts.append(Part(f"Risk {i} level", 0.0, f"Choose a level for risk {i}."))
            elif consistent:
                parts.append(
                    Part(
                        f"Risk {i} level",
                        0.5,
                        f"{level.capitalize()} follows from your ratings ({got_l} x {got_i}), "
                        f"but with likelihood {grid.label('likelihood', want_l)} and impact "
                        f"{grid.label('impact', want_i)} the risk is {expected}.{action}",
                    )
                )
            else:
                hint = (
                    f" Your ratings give {got_l} x {got_i} = {got_l * got_i}, {by_matrix}."
                    if by_matrix
                    else ""
                )
                parts.append(
                    Part(
                        f"Risk {i} level",
                        0.0,
                        f"{level.capitalize() or 'That'} does not follow from the matrix.{hint} "
                        f"Multiply likelihood by impact and read the band.",
                    )
                )
        return Result(tuple(parts))

    def after_check(self, answer: Answer, result: Result) -> list[dict[str, Any]]:
        placed: dict[tuple[int, int], list[str]] = {}
        for i, _risk in enumerate(self.spec["risks"], 1):
            got_l = self._read(answer, f"risk{i}.likelihood", "likelihood")
            got_i = self._read(answer, f"risk{i}.impact", "impact")
            if got_l and got_i:
                placed.setdefault((got_l, got_i), []).append(f"Risk {i}")
        return [matrix_block(self.matrix, placed, "Your risk log on the matrix")]
