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
from nosworkbook.portfolio.records import (
    Evidencing,
    Portfolio,
    build_portfolio,
    export_document,
    listed_exercises,
)
from nosworkbook.store import Attempt, Record, SignOffState, Store, StoreError
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
    """The exercises of the cohort's units, as their scenario files list them."""
    return listed_exercises(cohort.units)


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
    """Every learner's portfolio, in roster order, from one read of the whole cohort
    (`Store.cohort_reports`): reading each learner's ratings, attempts and sign-offs in turn
    took most of a 30-learner cohort's report."""
    catalog, exercises, now = load(), cohort_exercises(cohort), now or datetime.now(UTC)
    held = store.cohort_reports(cohort.slug)
    nothing: tuple[dict[str, Record], list[Attempt], dict[str, SignOffState]] = ({}, [], {})
    portfolios = []
    for learner in roster(store, cohort):
        records, attempts, sign_offs = held.get(learner, nothing)
        portfolios.append(
            build_portfolio(
                catalog,
                cohort,
                learner,
                records=records,
                attempts=attempts,
                sign_offs=sign_offs,
                exercises=exercises,
                made_at=now,
            )
        )
    return portfolios


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
