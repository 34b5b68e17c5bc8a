"""The one error the store raises for problems with the database itself (not with arguments)."""

from __future__ import annotations

from pathlib import Path

from nosworkbook.errors import NosworkbookError


class StoreError(NosworkbookError):
    """The progress store cannot be opened or written: names the store and the problem, on one line.

    Bad arguments (a malformed learner id, say) raise ValueError instead, because they are
    programming or typing mistakes rather than problems with the database.
    """

    def __init__(self, location: str | Path, problem: str) -> None:
        self.location = str(location)
        self.problem = " ".join(problem.split())  # one line, whatever the driver said
        super().__init__(f"{self.location}: {self.problem}")
