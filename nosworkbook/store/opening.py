"""open_store: one door to the progress store, whether a database or the hub's store service.

A location that is an http or https URL names the store service (`remote`): opening it loads
neither SQLAlchemy nor the database module, so a workbook page on the hub asks whether its
cohort is in classroom mode without that wait. Anything else is a database (`database`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nosworkbook.store.peek import configured_location
from nosworkbook.store.remote import RemoteStore, is_service

if TYPE_CHECKING:
    from nosworkbook.store.database import Store
    from nosworkbook.store.location import Location


def open_store(location: Location | None = None) -> Store | RemoteStore:
    """Open (creating if need be) the store at `location`: a path, an SQLAlchemy URL, the
    store service's URL, or None.

    None means $NOSWORKBOOK_STORE, else progress.sqlite in the user's data directory.
    """
    named = configured_location() if location is None else location
    if is_service(named):
        return RemoteStore(str(named))
    from nosworkbook.store.database import open_store as open_database

    return open_database(location)
