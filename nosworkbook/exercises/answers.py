"""Model answers and marking notes for tutors: `model_answers/INSCSxxx.yaml`, keyed by exercise id.

They are packaged with the code, so an installed wheel's tutor edition has them;
`NOSWORKBOOK_ANSWERS` can point to a folder of a college's own instead.
"""

from __future__ import annotations

import copy
import os
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from nosworkbook import ids, runtime
from nosworkbook.errors import NosworkbookError

ENV_VAR = runtime.ANSWERS


def answers_dir() -> Path:
    """`$NOSWORKBOOK_ANSWERS`, else the packaged `model_answers/` folder."""
    configured = os.environ.get(ENV_VAR)
    return Path(configured) if configured else Path(str(files(__package__) / "model_answers"))


@cache
def _read(path: Path) -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise NosworkbookError(f"{path}: expected exercise ids as keys")
    for exercise_id, entry in data.items():
        if not isinstance(entry, dict) or "model_answer" not in entry:
            raise NosworkbookError(f"{path}: {exercise_id} has no model_answer")
    return data


def for_unit(urn: str) -> dict[str, dict[str, Any]]:
    """Exercise id -> {"model_answer": {...}, "marking_notes": "..."}; empty if none.

    A copy: callers may change what they are given without changing it for anyone else.
    """
    path = answers_dir() / f"{urn}.yaml"
    return copy.deepcopy(_read(path)) if path.exists() else {}


def model_answer(exercise_id: str) -> dict[str, Any]:
    entry = for_unit(ids.unit_of(exercise_id)).get(exercise_id)
    if entry is None:
        raise NosworkbookError(f"no model answer for {exercise_id} in {answers_dir()}")
    return entry["model_answer"]


def marking_notes(exercise_id: str) -> str:
    entry = for_unit(ids.unit_of(exercise_id)).get(exercise_id) or {}
    return str(entry.get("marking_notes", "")).strip()
