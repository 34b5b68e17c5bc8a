"""Learner progress store: ratings, evidence notes, their history, exercise attempts and
tutors' sign-offs.

SQLite by default (one file, safe for many kernels writing at once), any PostgreSQL database
through an SQLAlchemy URL for larger deployments. Every save is committed before it returns.

    store = open_store()  # $NOSWORKBOOK_STORE, else progress.sqlite in the user data dir
    store.save("default", "a.khan", "INSCS027.PC10", rating="Competent")
    store.load("default", "a.khan", urn="INSCS027")

The names below are imported on first use: SQLAlchemy takes about 0.2 s to import, and a
workbook page should not wait for it before anyone signs in (see `peek`).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from nosworkbook.ids import DEFAULT_COHORT
from nosworkbook.store.errors import StoreError
from nosworkbook.store.peek import ENV_VAR

if TYPE_CHECKING:
    from nosworkbook.store.database import Store
    from nosworkbook.store.location import default_location, resolve_location
    from nosworkbook.store.opening import open_store
    from nosworkbook.store.records import (
        UNCHANGED,
        Attempt,
        Change,
        Erased,
        LatestScore,
        LearnerSummary,
        Record,
        Save,
        SignOff,
        SignOffState,
    )
    from nosworkbook.store.remote import RemoteStore


_LAZY = {
    "default_location": "location",
    "resolve_location": "location",
    "UNCHANGED": "records",
    "Attempt": "records",
    "Change": "records",
    "Erased": "records",
    "LatestScore": "records",
    "LearnerSummary": "records",
    "Record": "records",
    "Save": "records",
    "SignOff": "records",
    "SignOffState": "records",
    "Store": "database",
    "open_store": "opening",
    "RemoteStore": "remote",
}

__all__ = [
    "DEFAULT_COHORT",
    "ENV_VAR",
    "UNCHANGED",
    "Attempt",
    "Change",
    "Erased",
    "LatestScore",
    "LearnerSummary",
    "Record",
    "RemoteStore",
    "Save",
    "SignOff",
    "SignOffState",
    "Store",
    "StoreError",
    "default_location",
    "open_store",
    "resolve_location",
]


def __getattr__(name: str) -> Any:
    try:
        module = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
