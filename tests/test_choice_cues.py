"""Choice questions give nothing away: not the right option's place, nor its length.

Measured over every single-choice question of every unit (the toolkit's choices, the feedback
questions, every decision step), as a learner sees them: in `shown_order`, per learner. The
right option is the one the tutors' model answer picks. Each assertion prints the figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from statistics import mean
from typing import Any

import pytest

from nosworkbook.exercises import Exercise, all_exercises
from nosworkbook.exercises import answers as answer_book
from nosworkbook.exercises.toolkit.choices import KEEP_ORDER, shown_form, shown_order
from nosworkbook.exercises.toolkit.wording import text_key
from nosworkbook.widgets.exercise import ExerciseWidget, field_names
from nosworkbook.workbook import Workbook

EXERCISES = all_exercises()
LEARNERS = ["", "a.khan", "b.smith", "c.jones", "learner-42", "T.Nguyen_2"]
"""Nobody signed in (the fixed seed) and a few learners."""
MARGIN = 0.12  # about three standard deviations of the first-place share over ~125 questions


@dataclass(frozen=True)
class Question:
    exercise: str
    name: str
    options: tuple[str, ...]
    right: int  # the index of the model answer's option in `options`
    decision: bool

    @property
    def k(self) -> int:
        return len(self.options)


def model(exercise: Exercise) -> dict[str, Any]:
    entry = answer_book.for_unit(exercise.unit)[exercise.id]
    return {**entry["model_answer"], **exercise.model_answer()}


def choices(fields: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The choice fields that are shuffled (a Met / Missed pair keeps its order)."""
    for field in fields:
        if field["type"] == "group":
            yield from choices(field["fields"])
        elif field["type"] == "choice" and not field.get(KEEP_ORDER):
            yield field


def questions(learner: str | None) -> list[Question]:
    """Every question as `learner` sees it; `None` for the order the scenario files give."""
    found = []
    for exercise in EXERCISES:
        form = exercise.form()
        if learner is not None:
            form = shown_form(form, exercise=exercise.id, learner=learner)
        answer = model(exercise)
        for field in choices(form):
            keys = [text_key(o) for o in field["options"]]
            want = text_key(str(answer.get(field["name"], "")))
            assert want in keys, f"{exercise.id} {field['name']}: the model answer is no option"
            found.append(
                Question(
                    exercise.id,
                    field["name"],
                    tuple(field["options"]),
                    keys.index(want),
                    exercise.kind == "decision-scenario",
                )
            )
    return found


def positions(found: list[Question]) -> tuple[Counter[int], Counter[int]]:
    """How often the right option is in each place, and how often it would be by chance."""
    seen: Counter[int] = Counter(q.right for q in found)
    fair: Counter[int] = Counter()
    for q in found:
        for place in range(q.k):
            fair[place] += 1 / q.k  # type: ignore[assignment]
    return seen, fair


def figures(seen: Counter[int], fair: Counter[int]) -> str:
    return ", ".join(f"place {p + 1}: {seen[p]} (chance {fair[p]:.1f})" for p in sorted(fair))


def test_there_are_enough_questions_to_measure():
    found = questions(None)
    assert len(found) >= 100, len(found)
    assert sum(q.decision for q in found) >= 60 and sum(not q.decision for q in found) >= 30


@pytest.mark.parametrize("learner", LEARNERS, ids=lambda v: v or "nobody signed in")
def test_the_right_option_is_not_usually_first_and_its_place_is_spread(learner):
    found = questions(learner)
    seen, fair = positions(found)
    share, chance = seen[0] / len(found), fair[0] / len(found)
    assert share <= chance + MARGIN, (
        f"right first in {share:.0%} of {len(found)} questions (chance {chance:.0%}); "
        + figures(seen, fair)
    )
    for place, expected in fair.items():
        if expected >= 10:  # places only four-option questions have are too few to judge
            assert 0.5 * expected <= seen[place] <= 1.5 * expected, figures(seen, fair)


def test_with_nobody_signed_in_each_group_of_questions_is_spread_too():
    """A build and the tutor edition use the fixed seed: neither the single-choice questions
    nor the decision steps should then show the right option mostly in one place."""
    for decision in (False, True):
        found = [q for q in questions("") if q.decision == decision]
        seen, fair = positions(found)
        share, chance = seen[0] / len(found), fair[0] / len(found)
        what = "decision steps" if decision else "single-choice questions"
        assert share <= chance + 0.15, f"{what}: right first in {share:.0%}; " + figures(seen, fair)
        top = max(seen.values()) / len(found)
        assert top <= 0.5, f"{what}: one place holds {top:.0%}; " + figures(seen, fair)


def test_the_right_option_is_rarely_the_longest_or_much_longer_than_the_others():
    found = questions(None)  # lengths do not depend on the order
    longest = much_longer = 0
    rank: Counter[str] = Counter()
    for q in found:
        lengths = [len(" ".join(o.split())) for o in q.options]
        others = [n for i, n in enumerate(lengths) if i != q.right]
        mine = lengths[q.right]
        longest += mine == max(lengths)
        much_longer += mine > 1.5 * mean(others)
        if mine == max(lengths):
            rank["longest"] += 1
        else:
            rank["shortest" if mine == min(lengths) else "middle"] += 1
    n = len(found)
    summary = (
        f"of {n}: right longest in {longest} ({longest / n:.0%}), more than 1.5 times the "
        f"others' mean in {much_longer} ({much_longer / n:.0%}); by length rank {dict(rank)}"
    )
    assert longest / n <= 0.40, summary
    assert much_longer / n <= 0.05, summary
    assert max(rank.values()) / n <= 0.60, "a length rank picks the answer: " + summary
    for decision in (False, True):
        group = [q for q in found if q.decision == decision]
        share = sum(len(q.options[q.right]) == max(map(len, q.options)) for q in group)
        assert share / len(group) <= 0.40, f"decision={decision}: {share}/{len(group)}; {summary}"


def test_each_learner_sees_the_same_order_every_time_and_learners_differ():
    found = {learner: questions(learner) for learner in LEARNERS}
    for learner in LEARNERS:
        assert questions(learner) == found[learner], f"{learner!r}: the order changed"
    written = questions(None)
    for shown in found.values():
        for before, after in zip(written, shown, strict=True):
            assert sorted(before.options) == sorted(after.options), "options lost or added"
            assert before.options[before.right] == after.options[after.right]
    differ = sum(
        a.options != b.options for a, b in zip(found["a.khan"], found["b.smith"], strict=True)
    )
    n = len(written)
    assert differ >= n // 3, f"a.khan and b.smith see a different order in {differ} of {n}"


def test_the_order_is_a_stable_hash_not_pythons_salted_one():
    """The same order in every process, whatever PYTHONHASHSEED says."""
    code = (
        "import json; from nosworkbook.exercises.toolkit.choices import shown_order; "
        "print(json.dumps([shown_order(list('abcdef'), exercise=e, name='q', learner=l) "
        "for e in ('INSCS001.x', 'INSCS002.y') for l in ('', 'a.khan')]))"
    )
    here = [
        shown_order(list("abcdef"), exercise=e, name="q", learner=learner)
        for e in ("INSCS001.x", "INSCS002.y")
        for learner in ("", "a.khan")
    ]
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        assert json.loads(out.stdout) == here


def test_the_order_depends_only_on_exercise_question_and_learner():
    options = ["one", "two", "three", "four"]
    order = shown_order(options, exercise="INSCS001.a", name="q1", learner="a.khan")
    assert order == shown_order(list(options), exercise="INSCS001.a", name="q1", learner="a.khan")
    assert sorted(order) == sorted(options)
    others = {
        tuple(shown_order(options, exercise="INSCS001.a", name=f"q{i}", learner="a.khan"))
        for i in range(12)
    }
    assert len(others) > 3, "different questions get different orders"
    assert shown_order(options, exercise="x", name="q", learner="") == shown_order(
        options, exercise="x", name="q"
    )


@pytest.mark.parametrize("learner", LEARNERS[:3], ids=lambda v: v or "nobody signed in")
def test_marking_does_not_depend_on_the_order(learner):
    """Answers are option texts: where there are choices, the model answer scores full marks in
    every learner's order, and every answer scores as the exercise alone marks it."""
    for exercise in EXERCISES:
        widget = ExerciseWidget(exercise)
        widget.show_to(learner)
        shown = field_names(widget.fields)
        assert shown.keys() == field_names(exercise.form()).keys()
        answer = model(exercise)
        shuffled = list(choices(widget.fields))
        for field in shuffled:
            assert text_key(answer[field["name"]]) in map(text_key, field["options"])
        score = widget.submit(answer).score
        assert score == exercise.check(answer).score, exercise.id
        if shuffled:
            assert score == 1.0, exercise.id
        for case in answer_book.for_unit(exercise.unit)[exercise.id].get("wrong_answers", []):
            assert widget.submit(case["answer"]).score == exercise.check(case["answer"]).score


def test_a_signed_in_learner_sees_their_own_order_and_signing_out_restores_the_fixed_one(
    tmp_path,
):
    wb = Workbook("INSCS016", store=str(tmp_path / "progress.sqlite"), auto_sign_in=False)
    widget = next(iter(wb.exercises.values()))
    exercise = widget.exercise
    assert widget.fields == shown_form(exercise.form(), exercise=exercise.id)
    wb.sign_in.submit("a.khan")
    mine = shown_form(exercise.form(), exercise=exercise.id, learner="a.khan")
    assert widget.fields == mine
    widget.submit(model(exercise))
    wb.sign_out()
    assert widget.fields == shown_form(exercise.form(), exercise=exercise.id)
    wb.sign_in.submit("a.khan")  # a reload, or a new kernel: the same order, the answer back
    assert widget.fields == mine and widget.result["score"] == 1.0
    wb.sign_in.submit("b.smith")
    theirs = shown_form(exercise.form(), exercise=exercise.id, learner="b.smith")
    assert widget.fields == theirs and widget.answer == {}
