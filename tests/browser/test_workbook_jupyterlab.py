"""A generated workbook in real JupyterLab: answers outlive a kernel restart.

The learner opens `INSCS027.ipynb`, runs all cells (JupyterLab signs them in as
`JUPYTERHUB_USER`), rates PC10 and types evidence, then restarts the kernel and runs all again:
the new kernel's widgets must show both, loaded from the store at `NOSWORKBOOK_STORE`.
Controls are found by role and accessible name, as a screen-reader user would find them.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from nosworkbook.store import open_store
from nosworkbook.testing import free_port, jupyter_env, start_logged, stop_server

WORKBOOKS = Path(__file__).resolve().parents[2] / "workbooks"
URN = "INSCS027"
LEARNER = "lab.learner"
# Typed key by key: a, b, x, m and "d d" are notebook shortcuts in command mode, so this also
# shows that typing in the evidence box does not drive JupyterLab.
EVIDENCE = "Classified the refund desk risks as high, medium or low; added a backup till."
START_SECONDS = 90  # JupyterLab's server start on a cold, busy 2-core machine
STOP_SECONDS = 10
WAIT_MS = 60_000  # kernel start plus a run of the whole notebook
SAVE_SECONDS = 20


@dataclass(frozen=True)
class Lab:
    url: str  # the notebook's page, token included
    store: Path


def _wait_until_up(base: str, token: str, proc: subprocess.Popen, log: Path) -> None:
    """Poll the REST API (which starts no kernel) until the server answers, token and all."""
    request = urllib.request.Request(
        f"{base}api/status", headers={"Authorization": f"token {token}"}
    )
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:  # not listening yet (URLError and HTTPError are OSErrors)
            time.sleep(0.2)
    raise RuntimeError(f"jupyter lab did not answer in {START_SECONDS} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab serving a copy of the workbook, in its own process group, offline."""
    root = tmp_path_factory.mktemp("lab-root")
    home = tmp_path_factory.mktemp("lab-home")
    shutil.copy(WORKBOOKS / f"{URN}.ipynb", root)
    config = home / "config"  # also holds JupyterLab's user settings and workspaces
    runtime = home / "runtime"  # kernels' connection files: how `stop_server` finds the kernels
    # No "would you like news?" prompt, and no fetch of news from the internet.
    (config / "labconfig").mkdir(parents=True)
    (config / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
    )
    port = free_port()
    token = secrets.token_hex(16)
    store = root / "progress.sqlite"
    # The user's Jupyter config, runtime files and IPython profile stay out of the test; the
    # anywidget lab extension is found under sys.prefix/share/jupyter.
    env = jupyter_env(home, runtime, JUPYTERHUB_USER=LEARNER, NOSWORKBOOK_STORE=str(store))
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--allow-root",  # CI and this machine run as root
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.terminals_enabled=False",
        # nothing that reaches out to the internet: news, update check, PyPI extension search
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    log = home / "jupyter-lab.log"
    proc = start_logged(cmd, cwd=root, env=env, log=log)
    try:
        base = f"http://127.0.0.1:{port}/"
        _wait_until_up(base, token, proc, log)
        yield Lab(url=f"{base}lab/tree/{URN}.ipynb?token={token}", store=store)
    finally:
        stop_server(proc, runtime, term_timeout=STOP_SECONDS)


def rating(page: Page, short_id: str, label: str) -> Locator:
    group = page.get_by_role("radiogroup", name=re.compile(rf"\b{short_id}\b"))
    return group.get_by_role("radio", name=label, exact=True)


def evidence(page: Page, short_id: str) -> Locator:
    return page.get_by_role("textbox", name=re.compile(rf"\bEvidence for {short_id}\b"))


def sign_in_status(page: Page) -> Locator:
    return page.get_by_role("form", name="Sign in").get_by_role("status")


def menu(page: Page, top: str, item: str) -> None:
    page.get_by_role("menubar").get_by_role("menuitem", name=top, exact=True).click()
    page.get_by_role("menu").get_by_role("menuitem", name=item, exact=True).click()


def wait_for_store(store, check) -> None:
    deadline = time.monotonic() + SAVE_SECONDS
    while True:
        record = store.load("default", LEARNER, urn=URN).get(f"{URN}.PC10")
        if record is not None and check(record):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the store never had the edit; it has {record}")
        time.sleep(0.2)


def test_answers_survive_a_kernel_restart(page: Page, lab: Lab) -> None:
    # Should JupyterLab ask which kernel to use, take the one it offers (the notebook names
    # python3, so it normally does not ask). Its accept button is labelled "Select Kernel".
    page.add_locator_handler(
        page.get_by_role("dialog", name=re.compile(r"^Select Kernel")),
        lambda dialog: dialog.get_by_role("button", name="Select Kernel", exact=True).click(),
    )
    page.goto(lab.url)
    # The status bar's kernel item reads "Python 3 (ipykernel) | Idle" once the kernel is up.
    kernel_idle = page.get_by_role("contentinfo").get_by_role(
        "button", name=re.compile(r"\| Idle$")
    )
    expect(kernel_idle).to_be_visible(timeout=WAIT_MS)

    menu(page, "Run", "Run All Cells")
    status = sign_in_status(page)
    expect(status).to_have_text(f"Signed in as {LEARNER}. Nothing saved yet.", timeout=WAIT_MS)

    competent = rating(page, "PC10", "Competent")
    box = evidence(page, "PC10")
    competent.check()
    box.click()
    box.press_sequentially(EVIDENCE)
    box.blur()  # sends the evidence at once, without waiting for the typing pause
    expect(box).to_have_value(EVIDENCE)  # every key reached the box, none ran a shortcut

    with open_store(lab.store) as store:
        wait_for_store(store, lambda r: (r.rating, r.evidence) == ("Competent", EVIDENCE))
        before = store.history("default", LEARNER, criterion=f"{URN}.PC10")

        # The first kernel's views: they must be gone before the assertions below, or those
        # would pass on the old page content.
        old = [status.element_handle(), competent.element_handle(), box.element_handle()]
        menu(page, "Kernel", "Restart Kernel and Run All Cells…")
        dialog = page.get_by_role("dialog", name=re.compile(r"^Restart Kernel\?"))
        dialog.get_by_role("button", name="Confirm Kernel Restart").click()
        page.wait_for_function(
            "nodes => nodes.every(node => !node.isConnected)", arg=old, timeout=WAIT_MS
        )

        expect(status).to_have_text(
            f"Signed in as {LEARNER}. Your saved answers are shown below.", timeout=WAIT_MS
        )
        expect(page.get_by_role("radiogroup", name=re.compile(r"\bPC10\b"))).to_have_count(1)
        expect(competent).to_be_checked()
        expect(box).to_have_value(EVIDENCE)
        for label in ("Not yet", "Developing"):
            expect(rating(page, "PC10", label)).not_to_be_checked()
        expect(rating(page, "PC1", "Competent")).not_to_be_checked()
        expect(evidence(page, "PC1")).to_have_value("")

        history = store.history("default", LEARNER, criterion=f"{URN}.PC10")
    # The rating was saved when clicked, the evidence after it; loading them again saved nothing.
    assert (history[0].rating, history[0].evidence) == ("Competent", "")
    assert (history[-1].rating, history[-1].evidence) == ("Competent", EVIDENCE)
    assert history == before
