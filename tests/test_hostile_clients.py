"""The classroom server against clients that are not Voila's page: raw HTTP and raw websockets
speaking both the JSON and the v1 kernel protocols.

One server for the module (kernels kept ready for the index and INSCS027; a page has
`CONNECT_WITHIN` seconds to connect to its kernel), so the probes stay fast. Each test opens
pages of its own; kernels of pages that connected are culled `CULL_AFTER` seconds after
their socket closes, so the server stays small.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from classroom_server import (
    V1,
    Server,
    connect,
    get,
    open_page,
    receive,
    request,
    send,
    start,
    wait_until,
)
from tornado.httpclient import HTTPClientError
from tornado.websocket import WebSocketClosedError

from nosworkbook.classroom.app import MAX_CLIENT_MESSAGE, OWNER_COOKIE
from nosworkbook.classroom.kernels import POOL_MARKER
from nosworkbook.testing import kernels_in, run_apart
from nosworkbook.workbook import guard

CONNECT_WITHIN = 20  # long enough for a slow, loaded machine to open two cold pages
CULL_AFTER = 45  # idle culling comes after CONNECT_WITHIN, so it is that rule that is tested
PROTOCOLS = pytest.mark.parametrize("protocol", ["", V1], ids=["json", "v1"])
MODEL_ID = re.compile(r'"model_id": "([0-9a-f]{32})"')
DETAILS = re.compile(r"Traceback|File \"|site-packages|\.py\b|line \d+")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    started = start(
        tmp_path_factory.mktemp("hostile"),
        "--units",
        "INSCS027",
        "--pool",
        "1",
        "--cull-after",
        str(CULL_AFTER),
        config={"ClassroomKernelManager": {"connect_within": CONNECT_WITHIN}},
        wait_for="Kernel pool of INSCS027.ipynb is filled",
    )
    wait_until(lambda: len(started.kernel_ids()) >= 2, 60, "the pooled kernels")
    yield started
    started.stop()


def log_since(server: Server, offset: int) -> str:
    return server.output()[offset:]


def pooled_ids(server: Server) -> set[str]:
    """Kernels waiting in the index's pool: no test asks for the index, so none is taken."""
    ids = kernels_in(server.scratch / "tmp")
    return {
        ids[pid]
        for pid, env in server.kernels().items()
        if env.get(POOL_MARKER) == "index.ipynb" and pid in ids
    }


def xsrf_headers(cookie: str) -> dict[str, str]:
    token = re.search(r"_xsrf=([^;]+)", cookie)[1]
    return {"Cookie": cookie, "X-XSRFToken": token}


def rss_kb(server: Server, kernel_id: str) -> int:
    pid = next(pid for pid, kid in kernels_in(server.scratch / "tmp").items() if kid == kernel_id)
    status = (Path("/proc") / str(pid) / "status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status)[1])


def reply_to(m: dict, msg_id: str) -> bool:
    """Anything the kernel sends in answer to `msg_id` (its status too)."""
    return m["parent_header"].get("msg_id") == msg_id


async def comm_info(socket, protocol: str) -> dict:
    """The kernel's comm_info_reply: proves the socket and the kernel still answer."""
    msg_id = await send(socket, "comm_info_request", {}, protocol)

    def is_reply(m: dict) -> bool:
        return m["msg_type"] == "comm_info_reply" and m["parent_header"].get("msg_id") == msg_id

    replies = await receive(socket, protocol, 15, until=is_reply)
    reply = [m for m in replies if m and is_reply(m)]
    assert reply, replies[-3:]
    return reply[0]["content"]


# Kernels held by pages that never connect


def test_a_page_that_never_connects_gives_its_kernel_back_and_pooled_kernels_stay(
    server: Server,
):
    waiting = pooled_ids(server)
    assert waiting, "a kernel should be waiting in the index's pool"
    unconnected = [open_page(server, "/voila/render/INSCS001.ipynb")[0]]  # a new kernel
    unconnected.append(open_page(server, "/voila/render/INSCS027.ipynb")[0])  # from the pool
    connected_id, _, cookie = open_page(server, "/voila/render/INSCS002.ipynb")

    async def hold_a_page_open() -> set[str]:
        socket = await connect(server, connected_id, cookie, V1)
        try:
            await comm_info(socket, V1)
            deadline = time.monotonic() + CONNECT_WITHIN + 20
            while set(unconnected) & server.kernel_ids():
                assert time.monotonic() < deadline, "kernels of unconnected pages outlived them"
                await asyncio.sleep(0.5)
            await comm_info(socket, V1)  # the connected page's kernel still answers
            return server.kernel_ids()
        finally:
            socket.close()

    alive = run_apart(hold_a_page_open())
    assert connected_id in alive
    assert waiting <= alive, "a kernel waiting in a pool was ended"
    assert server.output().count(f"did not connect within {CONNECT_WITHIN} s") >= 2


# Who may end, ask about, or connect to a kernel


def test_only_the_page_that_owns_a_kernel_can_shut_it_down(server: Server):
    _, _, _, stranger = request(server, "/")  # the _xsrf cookie anyone can get
    assert "_xsrf=" in stranger
    for kernel_id in pooled_ids(server):
        status = request(
            server,
            f"/voila/api/shutdown/{kernel_id}",
            method="POST",
            body="",
            headers=xsrf_headers(stranger),
        )[0]
        assert status == 403
        assert kernel_id in server.kernel_ids()

    kernel_id, _, owner = open_page(server, "/voila/render/INSCS003.ipynb")
    assert f"{OWNER_COOKIE}=" in owner and "_xsrf=" in owner
    _, _, other = open_page(server, "/voila/render/INSCS004.ipynb")[0:3]
    for cookie in (stranger, other):
        shutdown = f"/voila/api/shutdown/{kernel_id}"
        assert (
            request(server, shutdown, method="POST", body="", headers=xsrf_headers(cookie))[0]
            == 403
        )
        assert (
            request(
                server, f"/api/kernels/{kernel_id}", method="DELETE", headers=xsrf_headers(cookie)
            )[0]
            == 403
        )
        assert request(server, f"/api/kernels/{kernel_id}", headers={"Cookie": cookie})[0] == 403
    assert kernel_id in server.kernel_ids()
    unknown = f"/voila/api/shutdown/{uuid.uuid4()}"
    assert request(server, unknown, method="POST", body="", headers=xsrf_headers(owner))[0] == 404

    assert request(server, f"/api/kernels/{kernel_id}", headers={"Cookie": owner})[0] == 200
    status = request(
        server,
        f"/voila/api/shutdown/{kernel_id}",
        method="POST",
        body="",
        headers=xsrf_headers(owner),
    )[0]
    assert status == 204
    wait_until(lambda: kernel_id not in server.kernel_ids(), 15, "the owner's shut-down")


@PROTOCOLS
def test_a_websocket_for_another_pages_kernel_is_refused(server: Server, protocol: str):
    kernel_id, _, owner = open_page(server, "/voila/render/INSCS005.ipynb")
    _, _, other = open_page(server, "/voila/render/INSCS006.ipynb")
    _, _, _, stranger = request(server, "/")
    pooled = next(iter(pooled_ids(server)))

    async def attempts() -> list[int]:
        refused = []
        for target, cookie in (
            (kernel_id, other),
            (kernel_id, stranger),
            (kernel_id, ""),
            (pooled, owner),
            (str(uuid.uuid4()), owner),
        ):
            try:
                socket = await connect(server, target, cookie, protocol)
            except HTTPClientError as exc:
                refused.append(exc.code)
            else:
                socket.close()
                refused.append(101)
        socket = await connect(server, kernel_id, owner, protocol)  # the page itself may
        try:
            await comm_info(socket, protocol)
        finally:
            socket.close()
        return refused

    assert run_apart(attempts()) == [403, 403, 403, 403, 404]
    assert "belongs to another page" in server.output()


# What a connected client may send


@PROTOCOLS
def test_a_websocket_client_cannot_execute_code(server: Server, tmp_path: Path, protocol: str):
    kernel_id, _, cookie = open_page(server, "/voila/render/INSCS027.ipynb")
    marker = tmp_path / "executed"
    code = f"open({str(marker)!r}, 'w').write('ran')\nprint('ran')"

    async def talk() -> list:
        socket = await connect(server, kernel_id, cookie, protocol)
        try:
            execute = {
                "code": code,
                "silent": False,
                "store_history": True,
                "user_expressions": {},
                "allow_stdin": False,
                "stop_on_error": True,
            }
            await send(socket, "execute_request", execute, protocol)
            await comm_info(socket, protocol)  # the channel works
            return await receive(socket, protocol, 3)
        finally:
            socket.close()

    received = run_apart(talk())
    assert not marker.exists()
    answered = {
        m["msg_type"]
        for m in received
        if m and m["parent_header"].get("msg_type") == "execute_request"
    }
    assert not answered, answered  # no execute_reply, stream, execute_input or status
    assert "not allowed" in server.output()


@PROTOCOLS
def test_comm_opens_for_widgets_are_refused_and_closed(server: Server, protocol: str):
    kernel_id, _, cookie = open_page(server, "/voila/render/INSCS007.ipynb")
    state = {
        "_model_name": "DOMWidgetModel",
        "_model_module": "@jupyter-widgets/base",
        "description": "x" * 900_000,
    }  # under the size limit: refused for what it is

    async def flood() -> tuple[set[str], set[str], dict, int, int]:
        socket = await connect(server, kernel_id, cookie, protocol)
        try:
            await comm_info(socket, protocol)
            before = rss_kb(server, kernel_id)
            comm_ids = {uuid.uuid4().hex for _ in range(10)}
            for comm_id in comm_ids:
                content = {
                    "comm_id": comm_id,
                    "target_name": "jupyter.widget",
                    "data": {"state": state, "buffer_paths": []},
                }
                await send(socket, "comm_open", content, protocol)
            closed = set()
            deadline = time.monotonic() + 20
            while closed != comm_ids and time.monotonic() < deadline:
                for m in await receive(socket, protocol, 2):
                    if m and m["msg_type"] == "comm_close":
                        closed.add(m["content"]["comm_id"])
            info = await comm_info(socket, protocol)
            return comm_ids, comm_ids - closed, info, before, rss_kb(server, kernel_id)
        finally:
            socket.close()

    sent, not_closed, info, before, after = run_apart(flood())
    assert not not_closed, f"{len(not_closed)} comm opens were not closed"
    assert not set(info.get("comms", {})) & sent, "a widget was made from a client's state"
    assert after - before < 20_000, f"the kernel grew by {(after - before) // 1024} MB"
    assert "Refused a comm open" in server.output()


def test_messages_over_the_limit_are_dropped_and_a_long_evidence_note_passes(server: Server):
    kernel_id, _, cookie = open_page(server, "/voila/render/INSCS008.ipynb")
    offset = len(server.output())
    note = "\U0001f600" * 20_000  # the longest evidence note, in the widest characters

    async def sizes() -> tuple[bool, bool, list]:
        socket = await connect(server, kernel_id, cookie, V1)
        try:
            msg_id = await send(socket, "comm_info_request", {"target_name": note}, V1)
            long_note = await receive(socket, V1, 15, until=lambda m: reply_to(m, msg_id))
            passed = any(m and reply_to(m, msg_id) for m in long_note)
            over = "x" * (MAX_CLIENT_MESSAGE + 1000)
            msg_id = await send(socket, "comm_info_request", {"target_name": over}, V1)
            dropped = await receive(socket, V1, 5, until=lambda m: reply_to(m, msg_id))
            answered_over = any(m and reply_to(m, msg_id) for m in dropped)
            await comm_info(socket, V1)  # still connected, still answered
            try:
                await send(socket, "comm_info_request", {"target_name": "x" * 5_000_000}, V1)
            except WebSocketClosedError:  # closed by the server while it was being sent
                return passed, answered_over, [None]
            return passed, answered_over, await receive(socket, V1, 10)
        finally:
            socket.close()

    passed, answered_over, after_huge = run_apart(sizes())
    assert passed, "a 20,000-character evidence note did not reach the kernel"
    assert not answered_over
    assert after_huge and after_huge[-1] is None, "a 5 MB message did not close the socket"
    assert "Dropped a" in log_since(server, offset)
    assert kernel_id in server.kernel_ids()


@PROTOCOLS
def test_malformed_messages_are_dropped_without_a_traceback(server: Server, protocol: str):
    kernel_id, _, cookie = open_page(server, "/voila/render/INSCS009.ipynb")
    offset = len(server.output())
    junk: list[str | bytes] = [
        "not json",
        "[]",
        "[" * 100_000,
        '{"header": 5, "channel": "shell"}',
        '{"header": {"msg_type": "comm_msg"}, "channel": "shell"}',
        b"\x7f\xff\xff\xffgarbage",  # a binary message claiming 2**31 buffers
    ]
    if protocol == V1:
        # The first: 8 bytes read as a count of about 7e18 offsets (it stalled the server).
        junk = [b"\x00garbage", b"\x02\x00\x00\x00\x00\x00\x00\x00", b"", "text"]

    async def send_junk() -> None:
        socket = await connect(server, kernel_id, cookie, protocol)
        try:
            for raw in junk:
                await socket.write_message(raw, binary=isinstance(raw, bytes))
            await comm_info(socket, protocol)
        finally:
            socket.close()

    run_apart(send_junk())
    log = log_since(server, offset)
    assert "Dropped a malformed message" in log
    assert "Traceback" not in log and "Uncaught exception" not in log


@PROTOCOLS
def test_a_client_sees_plain_errors_never_tracebacks(server: Server, protocol: str):
    kernel_id, page, cookie = open_page(server, "/voila/render/INSCS027.ipynb")
    models = sorted(set(MODEL_ID.findall(page)))
    assert models

    async def provoke() -> list:
        socket = await connect(server, kernel_id, cookie, protocol)
        try:
            for model in models:
                await send(socket, "comm_msg", {"comm_id": model, "data": None}, protocol)
                update = {"method": "update", "state": {"layout": "IPY_MODEL_nope"}}
                await send(socket, "comm_msg", {"comm_id": model, "data": update}, protocol)
            await send(socket, "comm_msg", {"comm_id": "f" * 32, "data": {}}, protocol)
            return await receive(socket, protocol, 5)
        finally:
            socket.close()

    received = [m for m in run_apart(provoke()) if m]
    errors = [m for m in received if m["msg_type"] == "error"]
    assert errors, "nothing provoked an error: the test proves nothing"
    for m in errors:
        assert m["content"]["evalue"] == guard.PLAIN_ERROR
        assert m["content"]["traceback"] == [guard.PLAIN_ERROR]
    for m in received:
        assert not DETAILS.search(json.dumps(m["content"])), m
        assert not (m["msg_type"] == "stream" and m["content"].get("name") == "stderr"), m
    assert "the page was told less" in server.output()


# Paths that used to answer 500

BAD_PATHS = [
    "/voila/templates/",
    "/voila/templates/x",
    "/voila/templates/lab",
    "/voila/templates/lab/static",
    "/voila/templates/lab/static/",
    "/voila/templates/%00",
    "/voila/templates/./static/x",
    "/voila/templates/../../../../etc/passwd",
    "/voila/templates/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/voila/templates/lab/static/../../../../etc/passwd",
    "/voila/templates/lab/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/voila/templates/nosworkbook/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/voila/templates/nosworkbook/static/%00",
    "/voila/templates/nosworkbook/static/a%5c..%5c..%5cetc%5cpasswd",
    "/voila/render/%00",
    "/voila/render/../../etc/passwd",
    "/voila/render/%2e%2e/%2e%2e/etc/passwd",
    "/voila/render/INSCS001.ipynb%00",
    "/voila/static/%00",
    "/voila/static/../../../etc/passwd",
    "/voila/files/%00",
    "/voila/files/../../etc/passwd",
    "/voila/tree/%00",
    "/voila/api/themes/%00",
    "/voila/api/themes/../../../etc/passwd",
    "/voila/api/contents/%00",
    "/voila/query/%00",
    "/api/kernels/%00",
    f"/api/kernels/{uuid.uuid4()}",
    "/logout",
    "/login",
    "/%00",
    "/static/../../etc/passwd",
]


def test_paths_that_used_to_fail_answer_4xx_without_a_traceback(server: Server):
    offset = len(server.output())
    statuses = {path: get(server, path, timeout=30)[0] for path in BAD_PATHS}
    statuses["POST unknown shutdown"] = request(
        server,
        f"/voila/api/shutdown/{uuid.uuid4()}",
        method="POST",
        body="",
        headers=xsrf_headers(request(server, "/")[3]),
    )[0]
    failed = {path: status for path, status in statuses.items() if not 400 <= status < 500}
    assert not failed, failed
    assert statuses["/logout"] == 404
    log = log_since(server, offset)
    assert "Traceback" not in log and "Uncaught exception" not in log, log[-3000:]


# The kernel-side guard, without a server


class FakeSession:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []

    def send(self, socket, msg_type: str, content: dict, **kwargs) -> None:
        self.sent.append((msg_type, content))


class FakeShell:
    def __init__(self) -> None:
        self.shown: list = []

    def _showtraceback(self, etype, evalue, stb) -> None:
        self.shown.append((etype.__name__, evalue, stb))


class FakeKernel:
    def __init__(self) -> None:
        self.opened: list[str] = []
        self.shell_handlers = {"comm_open": lambda s, i, msg: self.opened.append(msg)}
        self.session = FakeSession()
        self.iopub_socket = None
        self.shell = FakeShell()

    def _topic(self, name: str) -> bytes:
        return name.encode()


def test_the_kernel_guard_closes_comm_opens_and_hides_tracebacks(monkeypatch, capfd):
    monkeypatch.setattr("warnings.showwarning", guard.warnings.showwarning)
    kernel = FakeKernel()
    assert guard.install(kernel) and not guard.install(kernel)  # once only
    handler = kernel.shell_handlers["comm_open"]
    for target in ("jupyter.widget", "jupyter.widget.control", "other"):
        msg = {"header": {}, "content": {"comm_id": target, "target_name": target}}
        handler(None, None, msg)
    assert [m["content"]["target_name"] for m in kernel.opened] == ["jupyter.widget.control"]
    assert kernel.session.sent == [
        ("comm_close", {"comm_id": "jupyter.widget", "data": {}}),
        ("comm_close", {"comm_id": "other", "data": {}}),
    ]
    kernel.shell._showtraceback(KeyError, "secret", ['File "/srv/x.py", line 3'])
    assert kernel.shell.shown == [("Error", guard.PLAIN_ERROR, [guard.PLAIN_ERROR])]
    assert "/srv/x.py" in capfd.readouterr().err  # the details go to the server's log


def test_classroom_kernels_start_through_the_guard(server: Server):
    for pid in server.kernels():
        cmdline = (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")
        assert b"nosworkbook.workbook.guard" in cmdline, cmdline
