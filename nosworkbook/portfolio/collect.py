"""What the reports read: the cohort's roster, the store and the exercises, checked first.

The reports only read. A store that does not exist is refused rather than created (a mistyped
`--store` would otherwise leave an empty database behind), and a learner is checked against
the cohort before anything is read for them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nosworkbook.catalog import Catalog, load
from nosworkbook.classroom.access import Throttle
from nosworkbook.cohorts import Cohort
from nosworkbook.errors import NosworkbookError
from nosworkbook.exercises import for_unit
from nosworkbook.portfolio.records import (
    Evidencing,
    Portfolio,
    build_portfolio,
    export_document,
)
from nosworkbook.store import Store, StoreError
from nosworkbook.store.location import Location, describe, resolve_location, sqlite_path


def open_existing(location: Location | None) -> Store:
    """The store at `location` (default: $NOSWORKBOOK_STORE, else the user data folder), if
    it exists; a report never creates one."""
    url = resolve_location(location)
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise StoreError(
            describe(url),
            "does not exist; give --store, or set NOSWORKBOOK_STORE, to the store the "
            "workbooks use",
        )
    return Store(url)


def roster(store: Store, cohort: Cohort) -> list[str]:
    """The cohort's learners: its roster in file order, or, with no roster, everyone the store
    holds work for in the cohort."""
    if cohort.learners:
        return [entry.id for entry in cohort.learners]
    return store.learners(cohort.slug)


def check_learner(store: Store, cohort: Cohort, learner: str, source: str | Path) -> str:
    """`learner`, if the cohort has them; a one-line NosworkbookError naming the file if not."""
    if learner in roster(store, cohort):
        return learner
    if cohort.learners:
        raise NosworkbookError(f"{source}: learner {learner!r} is not on the cohort's roster")
    raise NosworkbookError(
        f"{source}: has no roster, and the store holds nothing for learner {learner!r} in "
        f"cohort {cohort.slug}"
    )


def cohort_exercises(cohort: Cohort) -> list[Evidencing]:
    """The exercises of the cohort's units (only their ids, titles and criteria are used)."""
    return [exercise for urn in cohort.units for exercise in for_unit(urn)]


def portfolio(
    store: Store,
    cohort: Cohort,
    learner: str,
    *,
    catalog: Catalog | None = None,
    exercises: list[Evidencing] | None = None,
    now: datetime | None = None,
) -> Portfolio:
    """The learner's portfolio as the store holds it now."""
    return build_portfolio(
        catalog or load(),
        cohort,
        learner,
        records=store.load(cohort.slug, learner),
        attempts=store.attempts(cohort.slug, learner),
        sign_offs=store.sign_off_states(cohort.slug, learner),
        exercises=cohort_exercises(cohort) if exercises is None else exercises,
        made_at=now or datetime.now(UTC),
    )


def cohort_portfolios(
    store: Store, cohort: Cohort, *, now: datetime | None = None
) -> list[Portfolio]:
    """Every learner's portfolio, in roster order."""
    catalog, exercises, now = load(), cohort_exercises(cohort), now or datetime.now(UTC)
    return [
        portfolio(store, cohort, learner, catalog=catalog, exercises=exercises, now=now)
        for learner in roster(store, cohort)
    ]


def learner_export(
    store: Store, cohort: Cohort, learner: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """Everything the store holds about the learner in the cohort (see `export_document`)."""
    found = portfolio(store, cohort, learner, now=now)
    slug = cohort.slug
    return export_document(
        found,
        ratings=store.load(slug, learner).values(),
        history=store.history(slug, learner),
        attempts=store.attempts(slug, learner),
        sign_off_log=store.sign_off_log(slug, learner),
        access_code_held=learner in store.access_roster(slug),
        sign_in_locked_until=store.sign_in_locked_until(slug, Throttle.subjects(learner)),
    )
