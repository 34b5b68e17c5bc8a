"""Customer feedback analysis: NPS, CSAT, CES and FCR from survey data, checked by calculation.

The measures follow common usage (docs/DESIGN.md, "Reference facts"):

- NPS (Net Promoter Score): 0-10 "how likely are you to recommend us?". Promoters score 9-10,
  passives 7-8, detractors 0-6 (so 6 is a detractor). NPS = % promoters - % detractors, from
  -100 to 100, rounded to one decimal place.
- CSAT (customer satisfaction): the share of 4s and 5s on a 1-5 scale, as a percentage rounded to
  one decimal place (3 is neutral, not satisfied).
- CES (customer effort score): the mean on a 1-7 agreement scale ("it was easy to deal with
  us"; higher is easier), rounded to two decimal places.
- FCR (first contact resolution): contacts resolved at first contact / all contacts, as a
  percentage rounded to one decimal place.

Every figure is worked out exactly from the counts and rounded as learners are taught, a half
up (`toolkit.rounding`: 6.25 gives 6.3, and an NPS of -12.25 gives -12.3), so the worked
answer is the figure a learner gets by hand.

Scores must be whole numbers in range (a whole-valued float such as 7.0 is accepted; yes/no
values, text and fractions are not); bad input raises ValueError naming the value and why.
"""

from __future__ import annotations

import base64
import io
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from nosworkbook.exercises.base import Answer, Exercise, Part, Result, answer_text, register
from nosworkbook.exercises.toolkit.rounding import half_up, rounded, shown

SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
NAMES = {"nps": "NPS", "csat": "CSAT", "ces": "CES", "fcr": "FCR"}


def scores_of(scores: Iterable[Any], measure: str) -> list[int]:
    """The scores as whole numbers, checked against the measure's scale."""
    low, high = SCALES[measure]
    name = NAMES[measure]
    if isinstance(scores, str | bytes) or not isinstance(scores, Iterable):
        raise ValueError(f"{name} scores must be a list of whole numbers, not {scores!r}")
    found = []
    for position, score in enumerate(scores, 1):
        where = f"{name} score {position}"
        if isinstance(score, bool):
            raise ValueError(f"{where} is {score!r}: a yes/no value is not a score")
        if isinstance(score, float):
            if not score.is_integer():
                raise ValueError(f"{where} is {score!r}: scores must be whole numbers")
            score = int(score)
        if not isinstance(score, int):
            raise ValueError(f"{where} is {score!r}: scores must be whole numbers, not text")
        if not low <= score <= high:
            raise ValueError(
                f"{where} is {score}: out of range, {name} scores run from {low} to {high}"
            )
        found.append(score)
    if not found:
        raise ValueError(f"no {name} scores: give at least one score from {low} to {high}")
    return found


@dataclass(frozen=True)
class NpsGroups:
    """How many promoters (9-10), passives (7-8) and detractors (0-6) answered."""

    promoters: int
    passives: int
    detractors: int

    @property
    def total(self) -> int:
        return self.promoters + self.passives + self.detractors


def nps_groups(scores: Iterable[Any]) -> NpsGroups:
    values = scores_of(scores, "nps")
    return NpsGroups(
        promoters=sum(s >= 9 for s in values),
        passives=sum(7 <= s <= 8 for s in values),
        detractors=sum(s <= 6 for s in values),
    )


def _percent(part: int, whole: int) -> float:
    """`part` as a percentage of `whole`, exactly, then to one decimal place (a half up)."""
    return rounded(Fraction(100 * part, whole), 1)


def nps(scores: Iterable[Any]) -> float:
    """Net Promoter Score: % promoters - % detractors, -100..100, to one decimal place."""
    groups = nps_groups(scores)
    return _percent(groups.promoters - groups.detractors, groups.total)


def csat(scores: Iterable[Any]) -> float:
    """Customer satisfaction: the percentage of 4s and 5s on the 1-5 scale, to 1 dp."""
    values = scores_of(scores, "csat")
    return _percent(sum(s >= 4 for s in values), len(values))


def ces(scores: Iterable[Any]) -> float:
    """Customer effort score: the mean on the 1-7 scale, to two decimal places."""
    values = scores_of(scores, "ces")
    return _mean(values)


def _mean(values: Sequence[int]) -> float:
    """The mean of whole-number scores, exactly, then to two decimal places (a half up)."""
    return rounded(Fraction(sum(values), len(values)), 2)


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} is {value!r}: it must be a whole number of contacts")
    if value < 0:
        raise ValueError(f"{name} is {value}: a number of contacts cannot be negative")
    return value


def fcr(first_contact_resolved: int, total: int) -> float:
    """First contact resolution: resolved at first contact / all contacts, as a % to 1 dp."""
    resolved = _count(first_contact_resolved, "first_contact_resolved")
    contacts = _count(total, "total")
    if contacts == 0:
        raise ValueError("total is 0: there must be at least one contact to work out FCR")
    if resolved > contacts:
        raise ValueError(
            f"first_contact_resolved ({resolved}) is more than total ({contacts}): no more "
            f"contacts can be resolved than were received"
        )
    return _percent(resolved, contacts)


_NUMBER = re.compile(r"^([+-]?)\s*(\d+(?:\.\d*)?|\.\d+)\s*(%|per\s*cent|percent)?$", re.IGNORECASE)


def parse_number(text: Any) -> float | None:
    """A learner's number: "42", "42%", "42.0", "-15", "+15", "−15", "4.25"; else None."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        return float(text)
    cleaned = str(text or "").strip().replace("\u2212", "-").replace("\u2013", "-")
    m = _NUMBER.match(cleaned)
    if not m:
        return None
    value = float(m.group(2))
    return -value if m.group(1) == "-" else value


# -- the exercise -------------------------------------------------------------------------------

ASKS = ("nps", "promoters", "passives", "detractors", "csat", "ces", "fcr")
DEFAULT_TOLERANCE = {
    "nps": 0.5,
    "csat": 0.5,
    "fcr": 0.5,
    "ces": 0.05,
    "promoters": 0,
    "passives": 0,
    "detractors": 0,
}
LABELS = {
    "nps": "NPS (from -100 to 100)",
    "promoters": "Number of promoters",
    "passives": "Number of passives",
    "detractors": "Number of detractors",
    "csat": "CSAT (%)",
    "ces": "CES (mean, 1 to 7)",
    "fcr": "FCR (%)",
}
HELP = {
    "nps": "A whole number or one decimal place, such as -15 or 42.5.",
    "csat": "A percentage to one decimal place, such as 66.7.",
    "ces": "The mean to two decimal places, such as 4.25.",
    "fcr": "A percentage to one decimal place, such as 78.5.",
}
CAPTIONS = {
    "nps": "NPS survey: how likely are you to recommend {organisation} to a friend? "
    "(0 = not at all likely, 10 = extremely likely)",
    "csat": "CSAT survey: how satisfied were you with the service? "
    "(1 = very dissatisfied, 5 = very satisfied)",
    "ces": "CES survey: {organisation} made it easy to deal with my request. "
    "(1 = strongly disagree, 7 = strongly agree)",
    "fcr": "Contacts and first contact resolution",
}


def _fcr_rows(data: Any) -> list[dict[str, Any]]:
    rows = data if isinstance(data, list) else [data]
    return [
        {
            "label": str(r.get("label", "All contacts")),
            "contacts": r["contacts"],
            "resolved": r["resolved"],
        }
        for r in rows
    ]


def _near(a: float, b: float, tolerance: float) -> bool:
    return abs(a - b) <= tolerance + 1e-9


def _fmt(value: float | Decimal) -> str:
    """A figure as the feedback shows it: at most two decimal places, a true minus sign."""
    return shown(value, 2).replace("-", "\u2212")


@register("feedback-analysis")
class FeedbackAnalysis(Exercise):
    """Work out NPS, CSAT, CES or FCR from a small survey dataset, then interpret the result.

    Spec: `data` with any of `nps`, `csat`, `ces` (lists of scores) and `fcr` (a list of rows
    `{label, contacts, resolved}`, summed before dividing; `fcr_column` heads the label column);
    `ask`: which values to enter, from nps, promoters, passives, detractors, csat, ces, fcr
    (default: each measure with data); `tolerance`: overrides per value (defaults: 0.5 points
    for NPS, CSAT and FCR, 0.05 for CES, exact counts); `questions`: choice questions `{label,
    options, answer, why}`; `captions`: table captions per measure. The
    expected values are always computed from the data with the functions above.
    """

    @property
    def data(self) -> Mapping[str, Any]:
        return self.spec["data"]

    @property
    def asks(self) -> list[str]:
        asked = self.spec.get("ask") or [m for m in ("nps", "csat", "ces", "fcr") if m in self.data]
        unknown = [a for a in asked if a not in ASKS]
        if unknown:
            raise ValueError(f"{self.id}: cannot ask for {unknown}; use {', '.join(ASKS)}")
        return list(asked)

    def tolerance(self, ask: str) -> float:
        return float({**DEFAULT_TOLERANCE, **self.spec.get("tolerance", {})}[ask])

    def expected(self, ask: str) -> float:
        """The right value, computed from the scenario's data."""
        if ask == "fcr":
            rows = _fcr_rows(self.data["fcr"])
            return fcr(sum(r["resolved"] for r in rows), sum(r["contacts"] for r in rows))
        if ask in ("promoters", "passives", "detractors"):
            return float(getattr(nps_groups(self.data["nps"]), ask))
        return {"nps": nps, "csat": csat, "ces": ces}[ask](self.data[ask])

    # -- what the learner sees --------------------------------------------------------------

    def blocks(self) -> list[dict[str, Any]]:
        blocks = []
        for measure in ("nps", "csat", "ces"):
            if measure not in self.data:
                continue
            values = scores_of(self.data[measure], measure)
            rows = [
                [f"{start + 1} to {min(start + 10, len(values))}", ", ".join(map(str, chunk))]
                for start in range(0, len(values), 10)
                for chunk in [values[start : start + 10]]
            ]
            low, high = SCALES[measure]
            blocks.append(
                {
                    "type": "table",
                    "caption": self.text(
                        self.spec.get("captions", {}).get(measure, CAPTIONS[measure])
                    )
                    + f": {len(values)} responses",
                    "columns": ["Customers", f"Scores ({low} to {high})"],
                    "rows": rows,
                }
            )
        if "fcr" in self.data:
            rows = _fcr_rows(self.data["fcr"])
            blocks.append(
                {
                    "type": "table",
                    "caption": self.text(self.spec.get("captions", {}).get("fcr", CAPTIONS["fcr"])),
                    "columns": [
                        self.spec.get("fcr_column", "Period"),
                        "Contacts",
                        "Resolved at first contact",
                    ],
                    "rows": [[self.text(r["label"]), r["contacts"], r["resolved"]] for r in rows],
                }
            )
        return blocks

    def form(self) -> list[dict[str, Any]]:
        fields: list[dict[str, Any]] = []
        for ask in self.asks:
            field = {"type": "number", "name": ask, "label": LABELS[ask]}
            if ask in HELP:
                field["help"] = HELP[ask]
            fields.append(field)
        for i, question in enumerate(self.spec.get("questions", []), 1):
            fields.append(
                {
                    "type": "choice",
                    "name": f"question{i}",
                    "label": self.text(question["label"]),
                    "options": [self.text(o) for o in question["options"]],
                }
            )
        return fields

    # -- checking ------------------------------------------------------------------------------

    def working(self, ask: str) -> str:
        """How the right value comes from the data, in words."""
        if ask in ("nps", "promoters", "passives", "detractors"):
            g = nps_groups(self.data["nps"])
            if ask != "nps":
                return (
                    f"Of {g.total} responses, {g.promoters} are promoters (9 to 10), "
                    f"{g.passives} passives (7 to 8) and {g.detractors} detractors (0 to 6)."
                )
            p = half_up(Fraction(100 * g.promoters, g.total), 1)
            d = half_up(Fraction(100 * g.detractors, g.total), 1)
            score = half_up(Fraction(100 * (g.promoters - g.detractors), g.total), 1)
            if p - d == score:
                sums = f"{_fmt(p)} \u2212 {_fmt(d)} = {_fmt(score)}"
            else:  # the shares were rounded: the difference is worked out before rounding
                sums = (
                    f"100 \u00d7 ({g.promoters} \u2212 {g.detractors}) \u00f7 {g.total} = "
                    f"{_fmt(score)}, subtracting before rounding"
                )
            return (
                f"{g.promoters} of {g.total} are promoters ({_fmt(p)}%) and {g.detractors} are "
                f"detractors, scoring 0 to 6 ({_fmt(d)}%): {sums}."
            )
        if ask == "csat":
            values = scores_of(self.data["csat"], "csat")
            happy = sum(s >= 4 for s in values)
            return (
                f"{happy} of {len(values)} customers gave 4 or 5: {happy} \u00f7 {len(values)} "
                f"\u00d7 100 = {_fmt(self.expected('csat'))}%."
            )
        if ask == "ces":
            values = scores_of(self.data["ces"], "ces")
            return (
                f"The scores add up to {sum(values)}; {sum(values)} \u00f7 {len(values)} = "
                f"{_fmt(self.expected('ces'))}."
            )
        rows = _fcr_rows(self.data["fcr"])
        resolved, contacts = sum(r["resolved"] for r in rows), sum(r["contacts"] for r in rows)
        return (
            f"{resolved} of {contacts} contacts were resolved at first contact: {resolved} "
            f"\u00f7 {contacts} \u00d7 100 = {_fmt(self.expected('fcr'))}%."
        )

    def mistakes(self, ask: str) -> list[tuple[float, str]]:
        """Values that typical slips give, each with what went wrong."""
        found: list[tuple[float, str]] = []
        if ask in ("nps", "promoters", "passives", "detractors"):
            values = scores_of(self.data["nps"], "nps")
            g = nps_groups(values)
            n = g.total
            six = sum(s == 6 for s in values)
            if ask == "nps":
                right = self.expected("nps")
                found += [
                    (
                        _percent(g.promoters - g.detractors + six, n),
                        "It looks as if the 6s were left out of the detractors: detractors "
                        "score 0 to 6.",
                    ),
                    (
                        _percent(g.promoters, n),
                        "That is the share of promoters only: subtract the share of detractors.",
                    ),
                    (-right, "Subtract detractors from promoters, not the other way round."),
                    (
                        right / 100,
                        "Give NPS as a score from -100 to 100, not a fraction: multiply by 100.",
                    ),
                    (
                        float(g.promoters - g.detractors),
                        "Use percentages of all responses, not the counts of people.",
                    ),
                    (
                        _mean(values),
                        "NPS is not the average score: count promoters and detractors.",
                    ),
                ]
                if g.promoters + g.detractors:
                    found.append(
                        (
                            _percent(g.promoters - g.detractors, g.promoters + g.detractors),
                            "Passives count in the total too: divide by all responses.",
                        )
                    )
            elif ask == "detractors":
                found.append((float(g.detractors - six), "A score of 6 is a detractor too."))
            elif ask == "passives":
                found.append(
                    (float(g.passives + six), "A score of 6 is a detractor, not a passive.")
                )
            elif ask == "promoters":
                eights = sum(s == 8 for s in values)
                found.append(
                    (float(g.promoters + eights), "Only 9 and 10 are promoters; 8 is a passive.")
                )
        elif ask == "csat":
            values = scores_of(self.data["csat"], "csat")
            n, right = len(values), self.expected("csat")
            found += [
                (
                    _percent(sum(s >= 3 for s in values), n),
                    "A 3 is neutral, not satisfied: count only the 4s and 5s.",
                ),
                (_percent(sum(s == 5 for s in values), n), "Count the 4s as satisfied too."),
                (right / 100, "Give CSAT as a percentage, not a fraction: multiply by 100."),
                (
                    float(sum(s >= 4 for s in values)),
                    "That is the number of satisfied customers: divide it by all responses.",
                ),
                (
                    _mean(values),
                    "CSAT here is the share of 4s and 5s, not the average score.",
                ),
            ]
        elif ask == "ces":
            values = scores_of(self.data["ces"], "ces")
            ordered = sorted(values)
            mid = len(ordered) // 2
            median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
            found += [
                (float(sum(values)), "That is the total: divide it by the number of responses."),
                (float(median), "That is the middle score (the median); CES is the mean."),
            ]
        elif ask == "fcr":
            rows = _fcr_rows(self.data["fcr"])
            resolved, contacts = sum(r["resolved"] for r in rows), sum(r["contacts"] for r in rows)
            right = self.expected("fcr")
            found += [
                (
                    _percent(contacts - resolved, contacts),
                    "That is the share NOT resolved at first contact.",
                ),
                (right / 100, "Give FCR as a percentage, not a fraction: multiply by 100."),
                (float(resolved), "That is the number resolved: divide it by all contacts."),
            ]
            if len(rows) > 1:
                group = str(self.spec.get("fcr_column", "period")).lower()
                rates = sum(Fraction(100 * r["resolved"], r["contacts"]) for r in rows)
                mean_of_rates = rounded(rates / len(rows), 1)
                found.append(
                    (
                        mean_of_rates,
                        "Add up all contacts and all first-contact resolutions before dividing: "
                        f"an average of the {group} rates treats a quiet {group} like a busy one.",
                    )
                )
        return found

    def _mark(self, ask: str, raw: str) -> Part:
        name = LABELS[ask].split(" (")[0]
        if not raw:
            return Part(name, 0.0, f"Enter your {name}: a number, such as -15 or 42.5.")
        value = parse_number(raw)
        if value is None:
            return Part(
                name, 0.0, f"'{raw}' is not a number: type digits, such as -15, 42 or 42.5."
            )
        right, tolerance = self.expected(ask), self.tolerance(ask)
        if _near(value, right, tolerance):
            return Part(name, 1.0, f"Right. {self.working(ask)}")
        why = next(
            (
                message
                for slip, message in self.mistakes(ask)
                if not _near(slip, right, tolerance) and _near(value, slip, tolerance)
            ),
            "Not quite.",
        )
        return Part(name, 0.0, f"{why} {self.working(ask)}")

    def check(self, answer: Answer) -> Result:
        parts = [self._mark(ask, answer_text(answer, ask)) for ask in self.asks]
        for i, question in enumerate(self.spec.get("questions", []), 1):
            chosen = answer_text(answer, f"question{i}")
            right = self.text(question["answer"])
            why = self.text(question.get("why", "")).strip()
            if chosen == right:
                parts.append(Part(f"Question {i}", 1.0, f"Yes. {why}".strip()))
            elif not chosen:
                parts.append(Part(f"Question {i}", 0.0, f"Choose an answer to question {i}."))
            else:
                parts.append(
                    Part(f"Question {i}", 0.0, f"Look again at your results. {why}".strip())
                )
        return Result(tuple(parts))

    def after_check(self, answer: Answer, result: Result) -> list[dict[str, Any]]:
        return [
            score_chart(self.data[m], m, self.text(f"{NAMES[m]} scores at {{organisation}}"))
            for m in ("nps", "csat", "ces")
            if m in self.data
        ]


# -- charts -------------------------------------------------------------------------------------

GROUPS = {
    "nps": (
        ("Detractors", 0, 6, "xx", "#f4a6a6"),
        ("Passives", 7, 8, "..", "#d9d9d9"),
        ("Promoters", 9, 10, "//", "#9fd8a4"),
    ),
    "csat": (("Not satisfied", 1, 3, "xx", "#f4a6a6"), ("Satisfied", 4, 5, "//", "#9fd8a4")),
    "ces": (("Effort scores", 1, 7, "", "#a9c7e8"),),
}


def score_chart(scores: Sequence[Any], measure: str, title: str = "") -> dict[str, Any]:
    """A bar chart of how many customers gave each score, as an `image` block (PNG data URL).

    Groups (detractors, passives, promoters; not satisfied, satisfied) are told apart by hatch
    pattern and labelled in words, never by colour alone; the alt text gives every count.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    values = scores_of(scores, measure)
    low, high = SCALES[measure]
    heading = title or f"{NAMES[measure]} scores"
    counts = Counter(values)
    xs = list(range(low, high + 1))
    figure = Figure(figsize=(6, 3), dpi=80)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    handles = []
    summary = []
    for label, first, last, hatch, colour in GROUPS[measure]:
        span = [x for x in xs if first <= x <= last]
        axes.bar(
            span,
            [counts[x] for x in span],
            color=colour,
            edgecolor="black",
            hatch=hatch,
            linewidth=0.8,
        )
        handles.append(
            Patch(
                facecolor=colour,
                edgecolor="black",
                hatch=hatch,
                label=f"{label} ({first} to {last})",
            )
        )
        summary.append(f"{label.lower()} ({first} to {last}) {sum(counts[x] for x in span)}")
    for x in xs:
        if counts[x]:
            axes.annotate(str(counts[x]), (x, counts[x]), ha="center", va="bottom", fontsize=9)
    axes.set_xticks(xs)
    axes.set_xlabel("Score")
    axes.set_ylabel("Customers")
    axes.set_ylim(0, max(counts.values()) + 1)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.legend(
        handles=handles,
        fontsize=8,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.25),
        ncol=len(handles),
        frameon=False,
    )
    axes.set_title(heading, fontsize=10)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    src = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    by_score = ", ".join(f"{x}: {counts[x]}" for x in xs)
    return {
        "type": "image",
        "src": src,
        "alt": (
            f"Bar chart of {len(values)} {NAMES[measure]} scores: {'; '.join(summary)}. "
            f"Customers at each score: {by_score}."
        ),
        "caption": f"{heading}: bars are hatched and labelled by group.",
    }
