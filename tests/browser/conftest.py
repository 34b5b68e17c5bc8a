"""Browser-test fixtures: a standalone Voila server per notebook and one headless Chromium.

`voila_server(notebook)` starts Voila in its own process group and returns the base URL (with
`template=True`, with the nosworkbook template `nosworkbook serve` uses: its <main> landmark,
footer and styles); every
server is killed (group and all kernels) when the session ends. `browser` is one Chromium for the
session; `page` is a fresh tab per test. Pages are opened with a `?run=<token>` query so a
notebook can tell which page's kernel it is (`os.environ["QUERY_STRING"]`, set by Voila).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from nosworkbook.classroom.server import TEMPLATE, voila_environment
from nosworkbook.testing import (
    CHROMIUM,
    free_port,
    jupyter_env,
    launch_chromium,
    plain_voila_command,
    start_logged,
    stop_server,
    wait_for_port,
)

SERVER_START_SECONDS = 90
SERVER_STOP_SECONDS = 10
PAGE_TIMEOUT_MS = 60_000  # a Voila page starts a kernel and runs the notebook before it shows


@pytest.fixture(scope="session")
def voila_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[Path], str]]:
    """Factory: serve one notebook with standalone Voila; returns its base URL."""
    started: list[tuple[subprocess.Popen, Path]] = []
    logs = tmp_path_factory.mktemp("voila-logs")
    home = tmp_path_factory.mktemp("jupyter-home")

    def serve(
        notebook: Path, extra_env: dict[str, str] | None = None, template: bool = False
    ) -> str:
        """Serve one notebook at `/`, or a folder with notebooks at `/voila/render/NAME`."""
        port = free_port()
        log = logs / f"{notebook.stem}-{port}.log"
        # Voila keeps its kernels' connection files in a folder under TMPDIR: a TMPDIR of this
        # server's own is how the clean-up finds the kernels it leaves behind.
        own = home / f"server-{port}"
        (own / "tmp").mkdir(parents=True)
        env = jupyter_env(
            home, runtime=own / "runtime", **{"TMPDIR": str(own / "tmp"), **(extra_env or {})}
        )
        cmd = plain_voila_command("." if notebook.is_dir() else notebook.name, port)
        if template:
            cmd.append(f"--VoilaConfiguration.template={TEMPLATE}")
            env = voila_environment(base=env)
        cwd = notebook if notebook.is_dir() else notebook.parent
        proc = start_logged(cmd, cwd=cwd, env=env, log=log)
        started.append((proc, own))
        wait_for_port(proc, port, log=log, timeout=SERVER_START_SECONDS, name="voila")
        return f"http://127.0.0.1:{port}/"

    yield serve
    for proc, own in started:
        stop_server(proc, own, term_timeout=SERVER_STOP_SECONDS)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    assert CHROMIUM.exists(), f"browser tests need Chromium at {CHROMIUM}"
    browser = launch_chromium(playwright_instance, timeout_ms=PAGE_TIMEOUT_MS)
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
