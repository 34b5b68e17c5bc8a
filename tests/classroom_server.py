"""Start `nosworkbook serve` for a test and clean up after it: server and kernels.

Each server gets a private TMPDIR, where Voila keeps its kernels' connection files, so a
server's kernels are the processes whose command line names that folder (jupyter_client
starts kernels in sessions of their own, outside the server's process group).
"""

from __future__ import annotations

import asyncio
import http.client
import json
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_server.services.kernels.connection.base import (
    deserialize_msg_from_ws_v1,
    serialize_msg_to_ws_v1,
)
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from nosworkbook.testing import (
    free_port,
    jupyter_env,
    kernels_in,
    start_logged,
    stop_server,
    wait_for_port,
)

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 90


@dataclass
class Server:
    proc: subprocess.Popen
    url: str
    log: Path
    scratch: Path
    host: str
    port: int
    stopped: bool = field(default=False)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kernels(self) -> dict[int, dict[str, str]]:
        """pid -> environment, for each live kernel of this server."""
        found = {}
        for pid in kernels_in(self.scratch / "tmp"):
            try:
                raw = (Path("/proc") / str(pid) / "environ").read_bytes()
            except OSError:
                continue
            env = dict(
                item.split("=", 1)
                for item in raw.decode(errors="replace").split("\0")
                if "=" in item
            )
            found[pid] = env
        return found

    def kernel_ids(self) -> set[str]:
        return set(kernels_in(self.scratch / "tmp").values())

    def stop(self) -> None:
        """The server's group, politely then firmly; then any kernel it left behind."""
        if self.stopped:
            return
        self.stopped = True
        stop_server(self.proc, self.scratch / "tmp")


def start(
    scratch: Path,
    *args: str,
    host: str = "127.0.0.1",
    wait_for: str | None = None,
    config: dict | None = None,
) -> Server:
    """Run `nosworkbook serve --port P --host HOST ARGS...` from the project folder and wait
    until it listens (and, if given, until `wait_for` appears in its output). `config`, if
    given, is the server's Voila config file (`voila.json`): settings the command line leaves
    alone, such as `{"ClassroomKernelManager": {"connect_within": 3}}`."""
    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / "tmp").mkdir(exist_ok=True)
    if config is not None:
        (scratch / "config").mkdir(exist_ok=True)
        (scratch / "config" / "voila.json").write_text(json.dumps(config))
    port = free_port(host)
    log = scratch / "server.log"
    env = jupyter_env(
        scratch,
        TMPDIR=str(scratch / "tmp"),
        NOSWORKBOOK_STORE=str(scratch / "progress.sqlite"),
    )
    command = [sys.executable, "-m", "nosworkbook", "serve", "--port", str(port)]
    command += ["--host", host, *args]
    proc = start_logged(command, cwd=ROOT, env=env, log=log)
    server = Server(proc, f"http://{host}:{port}", log, scratch, host, port)
    deadline = time.monotonic() + START_SECONDS
    try:
        wait_for_port(proc, port, log=log, timeout=START_SECONDS, host=host)
        while wait_for is not None and wait_for not in server.output():
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited with {proc.returncode}:\n{server.output()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{server.output()[-4000:]}")
            time.sleep(0.2)
        return server
    except BaseException:
        server.stop()
        raise


# Talking to a server as a raw client would: plain HTTP, and the kernel websocket in both the
# JSON protocol and the v1 binary protocol Voila's page asks for.

KERNEL_ID = re.compile(r'"kernelId": "([0-9a-f-]{36})"')
V1 = "v1.kernel.websocket.jupyter.org"


def request(
    server: Server,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: str | None = None,
    timeout: float = 90,
) -> tuple[int, Any, str, str]:
    """One request, redirects not followed: (status, headers, body, the cookies it set as
    one Cookie header value)."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        reply = conn.getresponse()
        text = reply.read().decode(errors="replace")
        cookies = [v.split(";")[0] for k, v in reply.getheaders() if k.lower() == "set-cookie"]
        return reply.status, reply.headers, text, "; ".join(cookies)
    finally:
        conn.close()


def get(server: Server, path: str, headers: dict[str, str] | None = None, timeout: float = 90):
    """One GET, redirects not followed: (status, headers, body)."""
    return request(server, path, headers=headers, timeout=timeout)[:3]


def open_page(server: Server, path: str, cookie: str = "") -> tuple[str, str, str]:
    """GET a workbook page as a browser would (with `cookie`, if any): (its kernel id, the
    page, the cookies a browser would now send)."""
    status, _, page, cookies = request(server, path, headers={"Cookie": cookie} if cookie else None)
    assert status == 200, (status, page[:500])
    kept = dict(part.split("=", 1) for part in f"{cookie}; {cookies}".split("; ") if "=" in part)
    return KERNEL_ID.search(page)[1], page, "; ".join(f"{k}={v}" for k, v in kept.items())


def wait_until(check: Callable[[], Any], seconds: float, what: str, every: float = 0.5) -> Any:
    """Poll `check` until it returns something true, for at most `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(every)


def message(msg_type: str, content: dict, session: str, channel: str = "shell") -> dict:
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
        "channel": channel,
        "buffers": [],
    }


def _pack(part: dict) -> bytes:
    return json.dumps(part).encode()


def encode(msg: dict, protocol: str) -> str | bytes:
    if protocol == V1:
        return serialize_msg_to_ws_v1(msg, msg["channel"], pack=_pack)
    return json.dumps(msg)


def decode(raw: str | bytes, protocol: str) -> dict:
    """A message from the kernel: msg_type, parent_header and content."""
    if protocol == V1:
        _, parts = deserialize_msg_from_ws_v1(raw)
        return {
            "msg_type": json.loads(parts[0])["msg_type"],
            "parent_header": json.loads(parts[1]),
            "content": json.loads(parts[3]),
        }
    msg = json.loads(raw)
    return {"msg_type": msg["msg_type"], **msg}


async def connect(server: Server, kernel_id: str, cookie: str, protocol: str):
    """A websocket to the kernel; raises tornado's HTTPClientError if refused."""
    session = uuid.uuid4().hex
    url = f"ws://{server.host}:{server.port}/api/kernels/{kernel_id}/channels?session_id={session}"
    socket = await websocket_connect(
        HTTPRequest(url, headers={"Cookie": cookie} if cookie else {}, request_timeout=30),
        subprotocols=[protocol] if protocol else None,
    )
    assert (socket.selected_subprotocol or "") == protocol
    socket.nosworkbook_session = session
    return socket


async def send(socket, msg_type: str, content: dict, protocol: str, channel: str = "shell"):
    msg = message(msg_type, content, socket.nosworkbook_session, channel)
    await socket.write_message(encode(msg, protocol), binary=protocol == V1)
    return msg["header"]["msg_id"]


async def receive(socket, protocol: str, seconds: float, until: Callable | None = None) -> list:
    """What comes back within `seconds` (or until `until(message)` is true); stops early if
    the server closes the socket (then the list ends with None)."""
    received: list = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            raw = await asyncio.wait_for(socket.read_message(), left)
        except TimeoutError:
            break
        if raw is None:
            received.append(None)
            break
        received.append(decode(raw, protocol))
        if until is not None and until(received[-1]):
            break
    return received
