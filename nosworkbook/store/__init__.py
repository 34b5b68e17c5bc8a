"""Learner progress store: ratings, evidence notes, their history and exercise attempts.

SQLite by default (one file, safe for many kernels writing at once), any PostgreSQL database
through an SQLAlchemy URL for larger deployments. Every save is committed before it returns.

    store = open_store()  # $NOSWORKBOOK_STORE, else progress.sqlite in the user data dir
    store.save("default", "a.khan", "INSCS027.PC10", rating="Competent")
    store.load("default", "a.khan", urn="INSCS027")
"""

from __future__ import annotations

from nosworkbook.store.errors import StoreError
from nosworkbook.store.location import ENV_VAR, default_location, resolve_location
from nosworkbook.store.progress import (
    UNCHANGED,
    Attempt,
    Change,
    Record,
    Store,
    open_store,
)

DEFAULT_COHORT = "default"
"""The cohort slug to use when learners are not grouped into cohorts."""

__all__ = [
    "DEFAULT_COHORT",
    "ENV_VAR",
    "UNCHANGED",
    "Attempt",
    "Change",
    "Record",
    "Store",
    "StoreError",
    "default_location",
    "open_store",
    "resolve_location",
]
