"""The classroom server, live: kernel pools, the busy page, culling, the token, and Ctrl-C.

What a hostile client can and cannot do (websockets, the shut-down API, odd paths) is in
test_hostile_clients.py."""

from __future__ import annotations

import json
import os
import re
import signal
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from classroom_server import KERNEL_ID, Server, get, open_page, start, wait_until

from nosworkbook.classroom.kernels import BUSY, POOL_MARKER
from nosworkbook.store import open_store


@pytest.fixture(scope="module")
def pooled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Kernels kept ready for INSCS027 (and the index), none for other units."""
    server = start(
        tmp_path_factory.mktemp("pooled"),
        "--units",
        "INSCS027",
        "--pool",
        "2",
        wait_for="Kernel pool of INSCS027.ipynb is filled",
    )
    yield server
    server.stop()


def test_pools_only_the_named_units_and_the_index(pooled: Server):
    def four_ready():
        kernels = pooled.kernels()
        return kernels if len(kernels) >= 4 else None

    kernels = wait_until(four_ready, 60, "four pooled kernels")
    time.sleep(2)  # nothing else starts later
    kernels = pooled.kernels()
    counts = Counter(env.get(POOL_MARKER, "none") for env in kernels.values())
    assert counts == {"INSCS027.ipynb": 2, "index.ipynb": 2}, counts

    ready = pooled.kernel_ids()
    status, _, page = get(pooled, "/voila/render/INSCS027.ipynb")
    assert status == 200 and "Assess the risks in customer service" in page
    # The page got a kernel from the pool (how fast that is: benchmarks/classroom.md).
    assert KERNEL_ID.search(page)[1] in ready

    # The replacement waits (refill_delay, 30 s): it must not compete with learners arriving.
    time.sleep(3)
    counts = Counter(env.get(POOL_MARKER, "none") for env in pooled.kernels().values())
    assert counts["INSCS027.ipynb"] == 2, counts  # the one taken and the one still ready


def test_kernels_talk_over_unix_sockets_in_a_private_folder(pooled: Server):
    kernels = wait_until(pooled.kernels, 60, "pooled kernels")
    folders: set[Path] = set()
    for pid in kernels:
        cmdline = (Path("/proc") / str(pid) / "cmdline").read_bytes().decode().split("\0")
        connection_file = Path(cmdline[cmdline.index("-f") + 1])
        info = json.loads(connection_file.read_text())
        assert info["transport"] == "ipc", info
        assert connection_file.parent.name.startswith("voila_")
        assert connection_file.parent.parent == pooled.scratch / "tmp"
        # Beside the connection file, or (this test's TMPDIR is too long for a socket's name)
        # in a private folder of the server's own under /tmp.
        folder = Path(info["ip"]).parent
        assert folder == connection_file.parent or folder.name.startswith("nosworkbook-")
        assert folder.stat().st_mode & 0o077 == 0  # only the server's user can reach it
        folders.add(folder)
        for channel in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"):
            assert Path(f"{info['ip']}-{info[channel]}").is_socket(), channel
        # (ipykernel still binds one TCP port of its own for subprocess output, but it binds
        # it itself, with no gap for another process to take it.)
    served = Path(__file__).resolve().parent.parent / "workbooks"  # serve's default folder
    assert not list(served.glob("*ipc*")), "sockets in the served folder"
    assert len(folders) == 1, folders


def test_landing_page_leads_to_the_index(pooled: Server):
    status, _, page = get(pooled, "/")
    assert status == 200
    assert 'http-equiv="refresh" content="0; url=/voila/render/index.ipynb"' in page
    assert '<a href="/voila/render/index.ipynb">' in page
    status, _, index = get(pooled, "/voila/render/index.ipynb")
    assert status == 200 and 'href="INSCS027.ipynb"' in index


def test_busy_page_then_room_again_once_an_idle_kernel_is_culled(tmp_path: Path):
    server = start(tmp_path, "--pool", "0", "--max-kernels", "1", "--cull-after", "3")
    try:
        first, page, cookie = open_page(server, "/voila/render/INSCS001.ipynb")
        assert "Deal with customers" in page
        status, headers, page = get(server, "/voila/render/INSCS002.ipynb")
        assert status == 503
        assert headers["Content-Type"].startswith("text/html")
        assert BUSY in page
        assert "Traceback" not in page and "HTTPError" not in page
        assert len(server.kernels()) == 1
        assert get(server, f"/api/kernels/{first}", {"Cookie": cookie})[0] == 200

        # Nobody has INSCS001 open (no websocket), so its kernel is culled and room is made.
        # Its process ends a moment before the server has finished with it (and counts it no
        # longer): wait for both.
        wait_until(lambda: not server.kernels(), 30, "the idle kernel to be culled")
        wait_until(
            lambda: get(server, f"/api/kernels/{first}", {"Cookie": cookie})[0] == 404,
            10,
            "the server to forget it",
        )
        status, _, page = get(server, "/voila/render/INSCS002.ipynb")
        assert status == 200 and "Manage communications" in page
    finally:
        server.stop()
    # Connection files and kernel sockets go with the server.
    assert not list((tmp_path / "tmp").glob("voila_*"))
    folders = re.findall(r"Kernel sockets in (\S+)", server.output())
    assert not [folder for folder in folders if Path(folder).exists()], folders


def test_token_is_needed_beyond_localhost(tmp_path: Path):
    server = start(tmp_path, "--pool", "1", host="127.0.0.2", wait_for="Kernel pool of index.ipynb")
    try:
        printed = re.search(r"Serving workbooks at (\S+)", server.output())[1]
        query = urllib.parse.urlparse(printed).query
        token = urllib.parse.parse_qs(query)["token"][0]
        assert len(token) >= 24
        assert server.output().count(token) == 1  # printed once; Voila shows "..."

        ready = wait_until(server.kernels, 60, "the index's kernel")
        assert not any("JUPYTER_TOKEN" in env for env in ready.values())  # kernels never see it

        status, headers, _ = get(server, "/")
        assert status == 302 and "/login" in headers["Location"]
        status, headers, _ = get(server, "/voila/render/INSCS001.ipynb")
        assert status == 302 and "/login" in headers["Location"]
        status, _, _ = get(server, f"/api/kernels/{uuid.uuid4()}")
        assert status == 403
        status, _, _ = get(server, "/?token=wrong-token-of-the-right-length")
        assert status == 302
        assert server.kernels().keys() == ready.keys()  # no kernel started for anyone

        status, _, page = get(server, f"/?token={token}")
        assert status == 200 and "voila/render/index.ipynb" in page
        status, _, page = get(server, "/", headers={"Authorization": f"token {token}"})
        assert status == 200
    finally:
        server.stop()


def test_ctrl_c_stops_the_server_and_its_kernels_once_keeping_saved_answers(tmp_path: Path):
    """A tutor at a terminal presses Ctrl-C: the terminal sends SIGINT to the foreground
    process group, which is the server (`nosworkbook serve` execs it), not the kernels."""
    server = start(tmp_path, "--pool", "1", wait_for="Kernel pool of index.ipynb")
    try:
        kernel_id, _, _ = open_page(server, "/voila/render/INSCS001.ipynb")
        with open_store(str(server.scratch / "progress.sqlite")) as store:
            store.save("default", "t.learner", "INSCS001.PC1", rating="Competent")
        wait_until(lambda: len(server.kernels()) >= 2, 60, "the pooled and the page's kernels")
        assert kernel_id in server.kernel_ids()

        os.killpg(server.proc.pid, signal.SIGINT)
        assert server.proc.wait(timeout=30) == 0
        wait_until(lambda: not server.kernels(), 15, "the kernels to end")
    finally:
        server.stop()
    log = server.output()
    assert log.count("Stopping the server") == 1
    assert "Traceback" not in log and "(y/[n])" not in log
    with open_store(str(server.scratch / "progress.sqlite")) as store:
        assert store.load("default", "t.learner")["INSCS001.PC1"].rating == "Competent"
