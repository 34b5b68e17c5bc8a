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

    def __reduce__(self) -> tuple[type[StoreError], tuple[str, str]]:
        """Pickled as made (the store service's writer process raises it to the service)."""
        return (type(self), (self.location, self.problem))


class SaveLimitReached(ValueError):
    """A learner has saved too often, or too much, in the last minute: nothing was saved.

    The text is written for the learner (it names no file or database), so a page may show it
    as it is. Everything saved before stays as it was.
    """


OFTEN = "Not saved: you have saved very often in the last minute. Wait a moment, then try again."
MUCH = "Not saved: you have saved a lot of text in the last minute. Wait a moment, then try again."


def damaged(detail: str) -> str:
    """The problem a damaged SQLite store is reported with (after its file name), on one line."""
    return (
        f"is damaged ({detail}); nothing will be written to it. Stop the workbook server, keep "
        "a copy of this file, and put back your latest backup (nosworkbook store check tells "
        "you whether a file is sound)"
    )
