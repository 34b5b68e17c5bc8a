"""Cohorts: one YAML file describes a cohort, and its workbooks are built from it.

- `schema`: the cohort file, checked before anything is built (`load_cohort`, `Cohort`).
- `build`: the cohort's executed workbooks, with Papermill (`nosworkbook build`).
"""

from __future__ import annotations

from nosworkbook.cohorts.schema import Cohort, CohortError, Learner, example_path, load_cohort

__all__ = ["Cohort", "CohortError", "Learner", "example_path", "load_cohort"]
