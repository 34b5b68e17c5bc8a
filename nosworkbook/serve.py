"""Serve workbooks to a classroom with standalone Voila.

Standalone Voila (never the Jupyter server extension, which would hand learners a full
kernel), bound to localhost unless told otherwise, with sources stripped and no tracebacks.
"""

from __future__ import annotations

import sys
from pathlib import Path

from nosworkbook.errors import NosworkbookError


def voila_command(path: Path, port: int = 8866, host: str = "127.0.0.1") -> list[str]:
    """The command line that serves `path` (a folder of notebooks, or one notebook)."""
    path = Path(path)
    if not path.exists():
        raise NosworkbookError(f"{path}: no such folder (run nosworkbook generate first)")
    if path.is_dir() and not any(path.glob("*.ipynb")):
        raise NosworkbookError(f"{path}: no notebooks to serve (run nosworkbook generate)")
    if not 0 < port < 65536:
        raise NosworkbookError(f"port {port} is out of range (1 to 65535)")
    return [
        sys.executable,
        "-m",
        "voila",
        str(path),
        "--no-browser",
        f"--Voila.ip={host}",
        f"--Voila.port={port}",
        "--Voila.port_retries=0",
        "--VoilaConfiguration.strip_sources=True",
        "--VoilaConfiguration.show_tracebacks=False",
    ]
