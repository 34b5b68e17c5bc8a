"""Where the progress store lives, and whether an existing file there is safe to use.

The location is `NOSWORKBOOK_STORE` (a path to a .sqlite file, or a full SQLAlchemy URL
containing `://`), else `progress.sqlite` in the per-user data directory. An existing SQLite
file is checked here, before SQLite opens it, so a file that is not a database is reported and
left exactly as it was.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from nosworkbook.store.errors import StoreError
from nosworkbook.store.peek import configured_location

SQLITE_HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite 3 database file

Location = str | os.PathLike[str] | URL


def default_location() -> URL:
    """The store `open_store()` uses when given nothing: $NOSWORKBOOK_STORE, else the data dir."""
    return resolve_location(None)


def resolve_location(location: Location | None = None) -> URL:
    """A path, URL string or URL, as an SQLAlchemy URL; None means the default location."""
    if location is None:
        location = configured_location()
    if isinstance(location, URL):
        return location
    if isinstance(location, str) and "://" in location:
        try:
            return make_url(location)
        except ArgumentError:
            scheme = location.split("://", 1)[0]
            raise StoreError(f"{scheme}://...", "is not a valid database URL") from None
    if not isinstance(location, str | os.PathLike):
        raise TypeError(f"store location must be a path or URL, not {type(location).__name__}")
    path = Path(location).expanduser().absolute()
    return URL.create("sqlite+pysqlite", database=str(path))


def sqlite_path(url: URL) -> Path | None:
    """The database file behind an SQLite URL; None for in-memory and non-SQLite databases."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def describe(url: URL) -> str:
    """How to name the store in messages: the file path, or the URL without its password."""
    path = sqlite_path(url)
    return str(path) if path is not None else url.render_as_string(hide_password=True)


def check_file(path: Path) -> None:
    """Make sure `path` can hold the store without harming anything already there.

    A missing file gets its parent directories created; an empty file is fine. Anything else
    must start with the SQLite header: we only read it, so a foreign file stays untouched.
    """
    try:
        if path.is_dir():
            raise StoreError(path, "is a directory, not a database file")
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            return
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as err:
        raise StoreError(path, f"cannot be used: {err.strerror or err}") from None
    if header and header != SQLITE_HEADER:
        raise StoreError(
            path,
            "is not an SQLite database (another kind of file, or corrupt); it was left untouched",
        )
