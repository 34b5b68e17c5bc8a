"""Ask an SQLite store whether a cohort is in classroom mode, without SQLAlchemy.

Every workbook page asks this as it opens, before anyone signs in, to know whether to show the
access-code box. Importing SQLAlchemy for that one question cost about 0.2 s of every page
load. So the question is answered here with the standard library, read-only; whenever this
cannot tell for sure (a database URL, a damaged or older file, a busy database), it answers
None and the caller asks the full store, which explains any problem properly.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from nosworkbook import runtime

ENV_VAR = runtime.STORE
DEFAULT_FILENAME = "progress.sqlite"
BUSY_TIMEOUT_S = 2.0


def configured_location() -> str | Path:
    """$NOSWORKBOOK_STORE, else progress.sqlite in the per-user data directory."""
    from_env = os.environ.get(ENV_VAR, "").strip()
    if from_env:
        return from_env
    import platformdirs

    return Path(platformdirs.user_data_dir("nosworkbook")) / DEFAULT_FILENAME


def sqlite_file(location: object = None) -> Path | None:
    """The file a store location names, if it is a plain path; None for a URL or anything else."""
    if location is None:
        location = configured_location()
    if isinstance(location, str) and "://" in location:
        return None
    if not isinstance(location, str | os.PathLike):
        return None
    return Path(location).expanduser().absolute()


def has_access_codes(location: object, cohort: str) -> bool | None:
    """True or False when an SQLite store file can answer for certain; None when it cannot.

    A file that does not exist yet holds no access codes. Nothing is ever written or created.
    """
    path = sqlite_file(location)
    if path is None:
        return None
    if not path.exists():
        return False
    if not path.is_file():
        return None
    uri = f"{path.as_uri()}?mode=ro"
    try:
        with closing(sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S)) as conn:
            row = conn.execute(
                "SELECT 1 FROM access_codes WHERE cohort = ? LIMIT 1", (cohort,)
            ).fetchone()
    except sqlite3.Error:  # not a database, an older schema, locked: let the store decide
        return None
    return row is not None
