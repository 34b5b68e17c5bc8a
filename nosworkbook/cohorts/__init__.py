"""Cohorts: one YAML file describes a cohort, and its workbooks are built from it.

- `schema`: the cohort file, checked before anything is built (`load_cohort`, `Cohort`),
  and who an id is in a cohort (`role_of`: learner, tutor or neither).
- `build`: the cohort's executed workbooks, with Papermill (`nosworkbook build`).
"""

from __future__ import annotations

from nosworkbook.cohorts.schema import (
    Cohort,
    CohortError,
    Learner,
    Tutor,
    example_path,
    load_cohort,
    role_of,
)

__all__ = ["Cohort", "CohortError", "Learner", "Tutor", "example_path", "load_cohort", "role_of"]
