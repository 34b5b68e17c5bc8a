"""Scenario exercises: for each unit, practice on realistic situations with real checking.

Each kind is a module here (pure checking logic, then its `Exercise` subclass); scenarios are
data in `scenarios/INSCSxxx.yaml`; model answers and marking notes for tutors are data in
`model_answers/INSCSxxx.yaml`; the tools kinds share are in `toolkit/`. Kind modules are
discovered, so adding one needs no edit here.

    from nosworkbook.exercises import for_unit
    exercise = for_unit("INSCS027")[0]
    exercise.check({...}).score   # 0..1, with feedback per part
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from nosworkbook import ids
from nosworkbook.errors import NosworkbookError
from nosworkbook.exercises.base import KINDS, Exercise, Part, Result, Setting, register

__all__ = [
    "Exercise",
    "Part",
    "Result",
    "Setting",
    "all_exercises",
    "for_unit",
    "get",
    "register",
    "scenario_specs",
    "unit_specs",
]

_NOT_KINDS = {"base", "answers"}
_REQUIRED = ("id", "kind", "title", "criteria", "scenario")


KIND_MODULES = {
    "complaint-handling": "complaints",
    "decision-scenario": "decision",
    "feedback-analysis": "feedback",
    "question-technique": "questions",
    "risk-classification": "risk",
    "service-chain": "chain",
    "sla-deadline": "sla",
    "smart-targets": "smart",
    "sort-into-categories": "sorting",
}
"""Where each kind lives, so a workbook imports only the kinds its unit uses (a page load
waits for every import). A kind missing here is still found, by importing them all."""


@cache
def _discover_kinds() -> None:
    for module in pkgutil.iter_modules(__path__):
        if module.ispkg or module.name in _NOT_KINDS or module.name.startswith("_"):
            continue  # the toolkit, the base class and tutor notes register no kind
        importlib.import_module(f"{__name__}.{module.name}")


def _kind(name: str) -> type[Exercise] | None:
    if name not in KINDS and name in KIND_MODULES:
        importlib.import_module(f"{__name__}.{KIND_MODULES[name]}")
    if name not in KINDS:
        _discover_kinds()
    return KINDS.get(name)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster


def _scenario_files() -> dict[str, Any]:
    folder = files(__name__).joinpath("scenarios")
    entries = sorted(folder.iterdir(), key=lambda e: e.name)
    return {e.name.removesuffix(".yaml"): e for e in entries if e.name.endswith(".yaml")}


@cache
def unit_specs(urn: str) -> tuple[dict[str, Any], ...]:
    """The exercise specs in one unit's scenario file, as written. Only that file is read: a
    workbook's kernel builds one unit, and every page load waits for it."""
    entry = files(__name__).joinpath("scenarios", f"{urn}.yaml")
    if not entry.is_file():
        return ()
    specs = yaml.load(entry.read_text(encoding="utf-8"), Loader=_LOADER) or []
    for spec in specs:
        missing = [key for key in _REQUIRED if key not in spec]
        if missing:
            raise NosworkbookError(f"{entry.name}: exercise {spec.get('id')!r} has no {missing}")
        if not spec["id"].startswith(urn + "."):
            raise NosworkbookError(f"{entry.name}: exercise id {spec['id']!r} is not {urn}.*")
    return tuple(specs)


def scenario_specs() -> dict[str, tuple[dict[str, Any], ...]]:
    """URN -> the exercise specs in its scenario file, as written."""
    return {urn: unit_specs(urn) for urn in _scenario_files()}


def _build(spec: dict[str, Any], setting: Setting) -> Exercise:
    kind = _kind(spec["kind"])
    if kind is None:
        raise NosworkbookError(
            f"exercise {spec['id']}: unknown kind {spec['kind']!r} (known: {', '.join(KINDS)})"
        )
    return kind(spec=spec, setting=setting)


def for_unit(urn: str, setting: Setting | None = None) -> list[Exercise]:
    """The unit's exercises, in the order its scenario file gives them."""
    setting = setting or Setting()
    return [_build(spec, setting) for spec in unit_specs(urn)]


def get(exercise_id: str, setting: Setting | None = None) -> Exercise:
    urn = ids.unit_of(exercise_id)
    for exercise in for_unit(urn, setting):
        if exercise.id == exercise_id:
            return exercise
    raise NosworkbookError(f"unknown exercise {exercise_id!r}")


def all_exercises(setting: Setting | None = None) -> list[Exercise]:
    return [e for urn in scenario_specs() for e in for_unit(urn, setting)]
