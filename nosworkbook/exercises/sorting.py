"""Sort statements into the categories of an analysis framework: SWOT and PESTLE.

SWOT sorts by two questions: is the factor inside the organisation (strengths, weaknesses) or
outside it (opportunities, threats), and does it help or harm? PESTLE sorts factors outside
the organisation into Political, Economic, Social, Technological, Legal and Environmental.
The frameworks are data, so a scenario may define its own categories.

Each statement has one right category; a scenario may name a `near` category (for a factor
that touches two, such as a new law driven by government policy) for half marks. Feedback
always says why the statement belongs where it does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nosworkbook.exercises.base import Answer, Exercise, Part, Result, answer_text, register
from nosworkbook.exercises.toolkit.choices import check_choices, choice_fields
from nosworkbook.exercises.toolkit.wording import variant

FRAMEWORKS: dict[str, dict[str, str]] = {
    "SWOT": {
        "Strength": "inside the organisation and helpful: something it does well or has",
        "Weakness": "inside the organisation and harmful: something it does badly or lacks",
        "Opportunity": "outside the organisation and helpful: a change or trend it could use",
        "Threat": "outside the organisation and harmful: a change or trend that could hurt it",
    },
    "PESTLE": {
        "Political": "government policy, funding, elections and political pressure",
        "Economic": "prices, wages, interest rates, spending power and the wider economy",
        "Social": "people's habits, expectations, ages, lifestyles and attitudes",
        "Technological": "new technology, systems, channels and automation",
        "Legal": "laws and regulations the organisation must follow",
        "Environmental": "weather, climate, pollution, waste and sustainability",
    },
}


def framework(name: str | Mapping[str, str]) -> dict[str, str]:
    """Category -> definition for a framework name ('SWOT', 'PESTLE') or a custom mapping."""
    if isinstance(name, Mapping):
        if len(name) < 2:
            raise ValueError("a framework needs at least two categories")
        return {str(k): str(v) for k, v in name.items()}
    try:
        return FRAMEWORKS[str(name).upper()]
    except KeyError:
        raise ValueError(
            f"unknown framework {name!r}: use {' or '.join(FRAMEWORKS)} or define categories"
        ) from None


def swot_category(internal: bool, helpful: bool) -> str:
    """The SWOT quadrant: internal and helpful is a strength, external and harmful a threat."""
    if internal:
        return "Strength" if helpful else "Weakness"
    return "Opportunity" if helpful else "Threat"


def swot_reason(category: str) -> str:
    """Why a quadrant is what it is, in the two SWOT questions."""
    inside = category in ("Strength", "Weakness")
    helpful = category in ("Strength", "Opportunity")
    where = "inside the organisation" if inside else "outside the organisation"
    effect = "helps" if helpful else "harms"
    article = "an" if category[0] in "AEIOU" else "a"
    return f"It is {where} and {effect} it, so it is {article} {category.lower()}."


def sort_score(chosen: str, expected: str, near: Sequence[str] = ()) -> float:
    """1 for the right category, 0.5 for a named near miss, else 0 (case and spacing ignored)."""
    got = " ".join(chosen.split()).casefold()
    if got == expected.casefold():
        return 1.0
    if got and got in {n.casefold() for n in near}:
        return 0.5
    return 0.0


@register("sort-into-categories")
class SortIntoCategories(Exercise):
    """Assign each statement to a category of SWOT, PESTLE or a scenario's own framework.

    Spec: `sections`: list of `{framework, heading?, statements: [{text, category, why,
    near?}]}` (or `framework` and `statements` at the top level for one section); statement
    text may vary by sector. `choices`: optional single-choice questions after the sorting.
    Statements are numbered across sections, so labels read "Statement 7 category".
    """

    @property
    def sections(self) -> list[Mapping[str, Any]]:
        if "sections" in self.spec:
            return list(self.spec["sections"])
        return [{"framework": self.spec["framework"], "statements": self.spec["statements"]}]

    @staticmethod
    def _name(section: Mapping[str, Any]) -> str:
        value = section["framework"]
        return value if isinstance(value, str) else str(section.get("name", "analysis"))

    def _numbered(self) -> list[tuple[int, Mapping[str, Any], dict[str, str], str, int]]:
        """(number, statement, categories, framework name, section) for every statement."""
        out, n = [], 0
        for index, section in enumerate(self.sections):
            cats = framework(section["framework"])
            name = self._name(section)
            for statement in section["statements"]:
                n += 1
                if statement["category"] not in cats:
                    raise ValueError(
                        f"{self.id}: statement {n} category {statement['category']!r} is not "
                        f"one of {', '.join(cats)}"
                    )
                out.append((n, statement, cats, name, index))
        return out

    def blocks(self) -> list[dict[str, Any]]:
        blocks = []
        for section in self.sections:
            cats = framework(section["framework"])
            title = section.get("heading") or f"{self._name(section)} categories"
            blocks.append(
                {
                    "type": "table",
                    "caption": self.text(str(title)),
                    "columns": ["Category", "What belongs there"],
                    "rows": [[c, d] for c, d in cats.items()],
                }
            )
        return blocks

    def form(self) -> list[dict[str, Any]]:
        fields = []
        for n, statement, cats, name, _section in self._numbered():
            text = self.text(variant(statement["text"], self.setting.sector))
            fields.append(
                {
                    "type": "group",
                    "label": f"Statement {n}: {text}",
                    "fields": [
                        {
                            "type": "select",
                            "name": f"statement{n}",
                            "label": f"Statement {n} category",
                            "help": f"{name}: {', '.join(cats)}",
                            "options": list(cats),
                        }
                    ],
                }
            )
        return fields + choice_fields(self.spec.get("choices", []), self.text)

    def check(self, answer: Answer) -> Result:
        parts = []
        for n, statement, cats, name, _section in self._numbered():
            want = statement["category"]
            got = answer_text(answer, f"statement{n}")
            why = self.text(statement.get("why", "")).strip()
            if name.upper() == "SWOT" and not why:
                why = swot_reason(want)
            score = sort_score(got, want, statement.get("near", ()))
            label = f"Statement {n}"
            if not got:
                parts.append(Part(label, 0.0, f"Choose a {name} category for statement {n}."))
            elif score == 1.0:
                parts.append(Part(label, 1.0, f"Yes: {want}. {why}".strip()))
            elif score > 0:
                parts.append(
                    Part(
                        label,
                        score,
                        f"{got} is arguable, but it is best seen as {want}. {why}".strip(),
                    )
                )
            else:
                definition = cats[want]
                parts.append(
                    Part(
                        label,
                        0.0,
                        f"You chose {got}; it belongs in {want} ({definition}). {why}".strip(),
                    )
                )
        parts += check_choices(answer, self.spec.get("choices", []), self.text)
        return Result(tuple(parts))

    def after_check(self, answer: Answer, result: Result) -> list[dict[str, Any]]:
        """The learner's own grid: a SWOT 2x2 or a list per category, by statement number."""
        blocks = []
        numbered = self._numbered()
        for index, section in enumerate(self.sections):
            cats = framework(section["framework"])
            placed: dict[str, list[str]] = {c: [] for c in cats}
            for n, _statement, _cats, _name, where in numbered:
                if where != index:
                    continue
                got = answer_text(answer, f"statement{n}")
                match = next((c for c in cats if c.casefold() == got.casefold()), None)
                if match:
                    placed[match].append(str(n))
            cell = {c: ", ".join(v) or "\u2014" for c, v in placed.items()}
            if set(cats) == set(FRAMEWORKS["SWOT"]):
                rows = [
                    ["Inside (internal)", cell["Strength"], cell["Weakness"]],
                    ["Outside (external)", cell["Opportunity"], cell["Threat"]],
                ]
                columns = ["", "Helpful: strengths, opportunities", "Harmful: weaknesses, threats"]
            else:
                rows = [[c, cell[c]] for c in cats]
                columns = ["Category", "Your statements"]
            blocks.append(
                {
                    "type": "table",
                    "caption": f"Your {self._name(section)}: statement numbers by category",
                    "columns": columns,
                    "rows": rows,
                }
            )
        return blocks
