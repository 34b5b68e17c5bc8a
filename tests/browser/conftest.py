"""Browser-test fixtures: a standalone Voila server per notebook and one headless Chromium.

`voila_server(notebook)` starts Voila in its own process group and returns the base URL; every
server is killed (group and all kernels) when the session ends. `browser` is one Chromium for the
session; `page` is a fresh tab per test. Pages are opened with a `?run=<token>` query so a
notebook can tell which page's kernel it is (`os.environ["QUERY_STRING"]`, set by Voila).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

CHROMIUM = Path(os.environ.get("NOSWORKBOOK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_SECONDS = 90
PAGE_TIMEOUT_MS = 60_000  # a Voila page starts a kernel and runs the notebook before it shows


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    """Wait until the server accepts connections (any HTTP request to the page would start a
    kernel, so only the socket is probed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"voila exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(
        f"voila did not listen on {port} in {timeout:.0f} s:\n{log.read_text()[-4000:]}"
    )


def _kernels_of(runtime: Path) -> list[int]:
    """Kernels launched by one server: their command line names its private runtime dir."""
    pids = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if str(runtime).encode() in (entry / "cmdline").read_bytes():
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def _stop(proc: subprocess.Popen, runtime: Path) -> None:
    """Stop the server (its process group, politely then firmly), then any kernel it left:
    jupyter_client starts kernels in sessions of their own, outside the server's group."""
    kernels = _kernels_of(runtime)
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=wait)
        except ProcessLookupError:
            break
        except subprocess.TimeoutExpired:
            continue
    for pid in kernels:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def voila_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[Path], str]]:
    """Factory: serve one notebook with standalone Voila; returns its base URL."""
    started: list[tuple[subprocess.Popen, Path]] = []
    logs = tmp_path_factory.mktemp("voila-logs")
    home = tmp_path_factory.mktemp("jupyter-home")

    def serve(notebook: Path, extra_env: dict[str, str] | None = None) -> str:
        """Serve one notebook at `/`, or a folder with notebooks at `/voila/render/NAME`."""
        port = free_port()
        log = logs / f"{notebook.stem}-{port}.log"
        runtime = home / f"runtime-{port}"
        env = {
            **os.environ,
            # keep the user's Jupyter config and runtime files out of the test
            "JUPYTER_CONFIG_DIR": str(home / "config"),
            "JUPYTER_RUNTIME_DIR": str(runtime),
            "IPYTHONDIR": str(home / "ipython"),
            "JUPYTER_PLATFORM_DIRS": "1",
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        cmd = [
            sys.executable,
            "-m",
            "voila",
            "--no-browser",
            f"--port={port}",
            "--Voila.ip=127.0.0.1",
            "." if notebook.is_dir() else notebook.name,
        ]
        with log.open("wb") as out:
            proc = subprocess.Popen(
                cmd,
                cwd=notebook if notebook.is_dir() else notebook.parent,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so kernels die with it
            )
        started.append((proc, runtime))
        url = f"http://127.0.0.1:{port}/"
        _wait_for_port(port, proc, log, SERVER_START_SECONDS)
        return url

    yield serve
    for proc, runtime in started:
        _stop(proc, runtime)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    assert CHROMIUM.exists(), f"browser tests need Chromium at {CHROMIUM}"
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=PAGE_TIMEOUT_MS
    )
    yield browser
    browser.close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    """A fresh tab (own cookies and storage) with generous timeouts for kernel start-up."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()
