"""Every unit's exercises: they exist, cite real criteria, and their model answers score 1.0."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from nosworkbook.exercises import (
    KIND_MODULES,
    _discover_kinds,
    all_exercises,
    for_unit,
    scenario_specs,
)
from nosworkbook.exercises import answers as answer_book
from nosworkbook.exercises.base import KINDS, SECTORS, Setting
from nosworkbook.widgets.exercise import field_names

EXERCISES = all_exercises()
IDS = [e.id for e in EXERCISES]


def test_every_unit_has_an_exercise_of_its_own(catalog):
    missing = [u.urn for u in catalog if not for_unit(u.urn)]
    assert missing == [], f"units without an exercise: {missing}"
    assert set(scenario_specs()) <= {u.urn for u in catalog}


def test_ids_are_unique_and_stable():
    assert len(IDS) == len(set(IDS))
    for exercise in EXERCISES:
        slug = exercise.id.split(".", 1)[1]
        assert exercise.id.startswith(exercise.unit + ".")
        assert slug and slug.replace("-", "").isalnum() and slug == slug.lower()


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_criteria_exist_and_mostly_belong_to_the_unit(catalog, exercise):
    assert exercise.criteria, "an exercise names the criteria it evidences"
    for cid in exercise.criteria:
        catalog.criterion(cid)  # raises if unknown
    own = [c for c in exercise.criteria if c.startswith(exercise.unit + ".")]
    assert own, "an exercise evidences criteria of its own unit"


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_model_answer_scores_full_marks_and_wrong_answers_do_not(exercise):
    entry = answer_book.for_unit(exercise.unit).get(exercise.id)
    assert entry, f"answers/{exercise.unit}.yaml has no entry for {exercise.id}"
    assert len(str(entry.get("marking_notes", "")).strip()) > 40, "marking notes for tutors"
    fields = field_names(exercise.form())
    assert set(entry["model_answer"]) <= set(fields), "model answer keys are form fields"
    result = exercise.check(entry["model_answer"])
    assert result.score == 1.0, [p for p in result.parts if not p.ok]
    wrong = entry.get("wrong_answers") or []
    assert wrong, "typical wrong answers are written down"
    for case in wrong:
        assert exercise.check(case["answer"]).score < 1.0, case.get("note")
    assert exercise.check({}).score < 1.0


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_every_sector_reads_well_and_serialises(exercise):
    texts = set()
    for sector in SECTORS:
        variant = type(exercise)(spec=exercise.spec, setting=Setting("Example Stores Ltd", sector))
        text = variant.scenario()
        assert text and "{" not in text and "}" not in text, text
        texts.add(text)
        json.dumps(variant.form())
        json.dumps(variant.blocks())
        names = list(field_names(variant.form()))
        assert len(names) == len(set(names))
    assert len(texts) >= 3, "scenarios have sector variants"
    nameless = type(exercise)(spec=exercise.spec, setting=Setting())
    assert "your organisation" in nameless.scenario().lower() or "{" not in nameless.scenario()


def test_every_kind_is_listed_with_the_module_it_lives_in():
    _discover_kinds()
    where = {name: cls.__module__.rsplit(".", 1)[1] for name, cls in KINDS.items()}
    assert where == KIND_MODULES


def test_a_unit_imports_only_the_kinds_it_uses():
    """A workbook's page load waits for every import: one unit must not load every kind."""
    code = (
        "import sys; from nosworkbook.exercises import for_unit; for_unit('INSCS008');"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('nosworkbook.exercises.'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    kinds = {spec["kind"] for spec in scenario_specs()["INSCS008"]}
    expected = {f"nosworkbook.exercises.{KIND_MODULES[k]}" for k in kinds}
    assert set(loaded) - {"nosworkbook.exercises.base"} == expected
