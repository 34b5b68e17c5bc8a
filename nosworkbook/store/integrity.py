"""Is an SQLite store file sound? SQLite's own checks, on a read-only connection.

A store is checked when it opens (`quick_check`: every page and every record, without
comparing indexes to their tables), so a damaged file is refused before anything writes to
it, and `nosworkbook store check` runs the full `integrity_check`. The connection is opened
read-only: it never writes to the file, and never checkpoints a WAL into a damaged one.

A file that passed is not checked again by the same process until it changes (its size or
modification time), so reopening a store costs nothing.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

BUSY_TIMEOUT_S = 60.0
_DAMAGE_WORDS = ("malformed", "corrupt", "not a database")

_passed: set[tuple[int, int, int, int]] = set()  # (device, inode, size, mtime) of sound files
_passed_lock = threading.Lock()


def is_damage(text: str) -> bool:
    """True if a database error's text says the file itself is damaged."""
    lowered = text.lower()
    return any(word in lowered for word in _DAMAGE_WORDS)


def _key(path: Path) -> tuple[int, int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def problems(path: Path, *, full: bool = False) -> list[str]:
    """What SQLite's check finds wrong with the file at `path`, one line each; [] if sound.

    Raises sqlite3.DatabaseError when the file cannot be read as a database at all (its text
    says why), and sqlite3.OperationalError when it cannot be checked now (locked, say).
    """
    pragma = "integrity_check" if full else "quick_check"
    uri = f"{path.as_uri()}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S)) as conn:
        rows = [str(row[0]) for row in conn.execute(f"PRAGMA {pragma}(20)")]
    if rows == ["ok"]:
        return []
    found = []
    for row in rows:
        for line in row.splitlines():
            line = line.strip()
            if line and not line.startswith("***") and line not in found:
                found.append(line)
    return found or ["the check did not say ok"]


def first_problem(path: Path) -> str | None:
    """The open-time check: None if the file is sound (or was, unchanged, in this process)."""
    key = _key(path)
    with _passed_lock:
        if key is not None and key in _passed:
            return None
    found = problems(path)
    if found:
        return found[0]
    if key is not None and key == _key(path):
        with _passed_lock:
            _passed.add(key)
    return None


def forget() -> None:
    """Check every file again on its next opening (for tests and benchmarks)."""
    with _passed_lock:
        _passed.clear()


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (where the platform allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
