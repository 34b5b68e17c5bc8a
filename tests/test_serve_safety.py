"""The classroom server, live: kernel pools, the busy page, culling, the token, and a kernel
that runs nothing a websocket client sends it."""

from __future__ import annotations

import asyncio
import http.client
import json
import re
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from classroom_server import Server, start
from jupyter_server.services.kernels.connection.base import (
    deserialize_msg_from_ws_v1,
    serialize_msg_to_ws_v1,
)
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from nosworkbook.classroom.kernels import BUSY, POOL_MARKER
from nosworkbook.testing import run_apart

KERNEL_ID = re.compile(r'"kernelId": "([0-9a-f-]{36})"')


def get(server: Server, path: str, headers: dict[str, str] | None = None, timeout: float = 90):
    """One request, redirects not followed: (status, headers, body)."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        reply = conn.getresponse()
        return reply.status, reply.headers, reply.read().decode(errors="replace")
    finally:
        conn.close()


def wait_until(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


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
    started = time.monotonic()
    status, _, page = get(pooled, "/voila/render/INSCS027.ipynb")
    seconds = time.monotonic() - started
    assert status == 200 and "Assess the risks in customer service" in page
    assert KERNEL_ID.search(page)[1] in ready  # the page got a kernel from the pool
    assert seconds < 5, f"a pooled page took {seconds:.1f} s"

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


V1 = "v1.kernel.websocket.jupyter.org"  # the protocol Voila's page asks for


def _message(msg_type: str, content: dict, session: str) -> dict:
    header = {
        "msg_id": uuid.uuid4().hex,
        "msg_type": msg_type,
        "session": session,
        "username": "learner",
        "version": "5.3",
        "date": "",
    }
    return {
        "header": header,
        "parent_header": {},
        "metadata": {},
        "content": content,
        "channel": "shell",
        "buffers": [],
    }


def _pack(part: dict) -> bytes:
    return json.dumps(part).encode()


def _encode(message: dict, protocol: str) -> str | bytes:
    if protocol == V1:
        return serialize_msg_to_ws_v1(message, message["channel"], pack=_pack)
    return json.dumps(message)


def _decode(raw: str | bytes, protocol: str) -> dict:
    if protocol == V1:
        _, parts = deserialize_msg_from_ws_v1(raw)
        return {"msg_type": json.loads(parts[0])["msg_type"], "parent_header": json.loads(parts[1])}
    return json.loads(raw)


async def _talk_to_kernel(
    server: Server, kernel_id: str, cookie: str, code: str, protocol: str
) -> list:
    """Send execute_request then comm_info_request; everything that comes back in 5 s."""
    session = uuid.uuid4().hex
    url = f"ws://{server.host}:{server.port}/api/kernels/{kernel_id}/channels?session_id={session}"
    socket = await websocket_connect(
        HTTPRequest(url, headers={"Cookie": cookie}), subprotocols=[protocol] if protocol else None
    )
    assert (socket.selected_subprotocol or "") == protocol
    binary = protocol == V1
    execute = {
        "code": code,
        "silent": False,
        "store_history": True,
        "user_expressions": {},
        "allow_stdin": False,
        "stop_on_error": True,
    }
    await socket.write_message(
        _encode(_message("execute_request", execute, session), protocol), binary=binary
    )
    await socket.write_message(
        _encode(_message("comm_info_request", {}, session), protocol), binary=binary
    )
    received = []
    deadline = time.monotonic() + 5
    while (left := deadline - time.monotonic()) > 0:
        try:
            raw = await asyncio.wait_for(socket.read_message(), left)
        except TimeoutError:
            break
        if raw is None:
            break
        received.append(_decode(raw, protocol))
    socket.close()
    return received


@pytest.mark.parametrize("protocol", ["", V1], ids=["json", "v1"])
def test_a_websocket_client_cannot_execute_code(pooled: Server, tmp_path: Path, protocol: str):
    conn = http.client.HTTPConnection(pooled.host, pooled.port, timeout=90)
    conn.request("GET", "/voila/render/INSCS027.ipynb")
    reply = conn.getresponse()
    page = reply.read().decode()
    cookies = [v.split(";")[0] for k, v in reply.getheaders() if k.lower() == "set-cookie"]
    conn.close()
    kernel_id = KERNEL_ID.search(page)[1]

    marker = tmp_path / "executed"
    code = f"open({str(marker)!r}, 'w').write('ran')\nprint('ran')"
    received = run_apart(_talk_to_kernel(pooled, kernel_id, "; ".join(cookies), code, protocol))
    kinds = {(m["msg_type"], m["parent_header"].get("msg_type")) for m in received}

    assert ("comm_info_reply", "comm_info_request") in kinds  # the channel works
    assert not marker.exists()
    answered = {kind for kind, parent in kinds if parent == "execute_request"}
    assert not answered, answered  # no execute_reply, stream, execute_input or status
    assert "not allowed" in pooled.output()


def test_busy_page_then_room_again_once_an_idle_kernel_is_culled(tmp_path: Path):
    server = start(tmp_path, "--pool", "0", "--max-kernels", "1", "--cull-after", "3")
    try:
        status, _, page = get(server, "/voila/render/INSCS001.ipynb")
        assert status == 200 and "Deal with customers" in page
        first = KERNEL_ID.search(page)[1]
        status, headers, page = get(server, "/voila/render/INSCS002.ipynb")
        assert status == 503
        assert headers["Content-Type"].startswith("text/html")
        assert BUSY in page
        assert "Traceback" not in page and "HTTPError" not in page
        assert len(server.kernels()) == 1
        assert get(server, f"/api/kernels/{first}")[0] == 200

        # Nobody has INSCS001 open (no websocket), so its kernel is culled and room is made.
        # Its process ends a moment before the server has finished with it (and counts it no
        # longer): wait for both.
        wait_until(lambda: not server.kernels(), 30, "the idle kernel to be culled")
        wait_until(
            lambda: get(server, f"/api/kernels/{first}")[0] == 404, 10, "the server to forget it"
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
