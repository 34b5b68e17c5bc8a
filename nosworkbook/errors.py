"""Errors that reach users as one line, never as a traceback."""

from __future__ import annotations

from pathlib import Path


class NosworkbookError(Exception):
    """A problem the user can fix; the CLI prints it on one line and exits with status 2."""


class SourceError(NosworkbookError):
    """A source document that cannot be imported: names the file and the problem."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")
