"""Test-wide set-up, for tests/ and for the workbooks nbval executes.

Kernels inherit this process's environment, so pointing NOSWORKBOOK_STORE at a throwaway
file here keeps every test (and every executed workbook) out of the user's real store.
"""

from __future__ import annotations

import os
import shutil
import tempfile

_SCRATCH: list[str] = []


def pytest_configure(config) -> None:
    if "NOSWORKBOOK_STORE" not in os.environ:
        scratch = tempfile.mkdtemp(prefix="nosworkbook-tests-")
        _SCRATCH.append(scratch)
        os.environ["NOSWORKBOOK_STORE"] = os.path.join(scratch, "progress.sqlite")
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")


def pytest_unconfigure(config) -> None:
    """The throwaway store goes with the run (xdist workers inherit the controller's)."""
    while _SCRATCH:
        shutil.rmtree(_SCRATCH.pop(), ignore_errors=True)
