"""Run `nosworkbook hub` for a test, sign in through it as a browser would, and clean up.

Everything a hub makes (its state, the learners' working folders, their kernels' connection
files) lies under one scratch folder, so whatever it leaves running is found by the folder on
its command line, as `nosworkbook.testing.kernels_in` finds kernels.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from classroom_server import KERNEL_ID, V1, decode, receive, send
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from nosworkbook.testing import free_port, jupyter_env, log_tail, start_logged, stop_process_group

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 90
SPAWN_SECONDS = 120
XSRF = re.compile(r'name="_xsrf" value="([^"]+)"')


@dataclass
class Hub:
    """A running hub: its process, where it answers and the folders it uses."""

    proc: subprocess.Popen | None
    port: int
    scratch: Path
    cohort_file: Path
    store: Path
    log: Path
    options: tuple[str, ...] = ()  # more `nosworkbook hub` options, such as --profile lab
    name: str = "state"  # the state folder, under the scratch folder

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def state(self) -> Path:
        return self.scratch / self.name

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def start(self) -> None:
        """`nosworkbook hub` from the scratch folder (where `build/` is), until it answers."""
        env = jupyter_env(self.scratch / "home", NOSWORKBOOK_STORE=str(self.store))
        command = [sys.executable, "-m", "nosworkbook", "hub", str(self.cohort_file)]
        command += ["--port", str(self.port), "--state", str(self.state), "--cull-after", "600"]
        command += self.options
        before = len(self.output()) if self.log.exists() else 0
        self.proc = start_logged(command, cwd=self.scratch, env=env, log=self.log, append=True)
        deadline = time.monotonic() + START_SECONDS
        while "JupyterHub is now running" not in self.output()[before:]:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"the hub exited with {self.proc.returncode}:\n{log_tail(self.log)}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(f"the hub did not start:\n{log_tail(self.log)}")
            time.sleep(0.2)

    def stop(self) -> None:
        """The hub stops its learners' servers and the proxy; then anything left is killed."""
        if self.proc is not None:
            stop_process_group(self.proc, term_timeout=60)
            self.proc = None
        for pid in processes_under(self.state):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def processes_under(folder: Path) -> list[int]:
    """Live processes (never this one) working in `folder` or with an argument naming
    something in it: the hub (its config file), the proxy, the culler and learners' servers
    (their working folders), kernels (their connection files)."""
    prefix = os.fsencode(folder)
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
            cwd = os.fsencode(os.readlink(entry / "cwd"))
        except OSError:
            continue
        mine = cwd == prefix or cwd.startswith(prefix + b"/") or any(prefix in a for a in args)
        if int(entry.name) != os.getpid() and mine:
            found.append(int(entry.name))
    return found


def start_hub(
    scratch: Path, cohort_file: Path, store: Path, *options: str, name: str = "state"
) -> Hub:
    hub = Hub(None, free_port(), scratch, cohort_file, store, scratch / f"{name}.log")
    hub.options, hub.name = options, name
    try:
        hub.start()
    except BaseException:
        hub.stop()
        raise
    return hub


class Browser:
    """One person's cookies, talking to the hub over HTTP, following no redirect unasked."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.client = httpx.Client(base_url=hub.url, follow_redirects=False, timeout=120)

    def close(self) -> None:
        self.client.close()

    def sign_in(self, person: str, code: str) -> httpx.Response:
        """Post the hub's login form as the page does; once in, go where the hub sends a
        browser (which starts their server) and wait until it has started."""
        reply = self.sign_in_only(person, code)
        if reply.status_code == 302:
            self.start_server()
        return reply

    def sign_in_only(self, person: str, code: str) -> httpx.Response:
        """Post the hub's login form as the page does (with its _xsrf), and go no further."""
        form = self.client.get("/hub/login")
        xsrf = XSRF.search(form.text)[1]
        data = {"_xsrf": xsrf, "username": person, "password": code}
        return self.client.post("/hub/login", data=data)

    def start_server(self) -> None:
        """What a browser does at /hub/spawn: start the server and wait for it."""
        reply, visited = self.follow("/hub/spawn")
        assert reply.status_code == 200, (reply.status_code, visited, reply.text[:500])

    def follow(self, path: str, seconds: float = SPAWN_SECONDS) -> tuple[httpx.Response, list[str]]:
        """GET `path` and follow redirects (waiting while a server starts): the last response
        and every URL visited."""
        visited = [path]
        deadline = time.monotonic() + seconds
        url, hops = path, 0
        while True:
            reply = self.client.get(url)
            if reply.status_code in (301, 302, 303, 307) and hops < 20:
                url, hops = reply.headers["location"], hops + 1
                visited.append(url)
                continue
            if "spawn-pending" in url and time.monotonic() < deadline:
                time.sleep(1)
                url, hops = path, 0
                continue
            return reply, visited[-25:]

    def open_unit(self, person: str, urn: str) -> tuple[str, str]:
        """Open a unit of `person`'s server through the hub: (the page, its kernel id).

        The hub answers 503 ("your server is not running") while a server it has just
        counted as started is not yet reachable, as after a cull frees a place under the cap;
        a learner then starts it again from that page, and so does this, for up to
        SPAWN_SECONDS."""
        deadline = time.monotonic() + SPAWN_SECONDS
        while True:
            reply, visited = self.follow(f"/user/{person}/voila/render/{urn}.ipynb")
            if reply.status_code != 503 or time.monotonic() > deadline:
                break
            time.sleep(1)
            self.follow("/hub/spawn")
        assert reply.status_code == 200, (reply.status_code, visited, reply.text[:500])
        return reply.text, KERNEL_ID.search(reply.text)[1]

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.client.cookies.jar)


async def connect(hub: Hub, person: str, kernel_id: str, cookie: str, protocol: str = V1):
    """A websocket to a kernel of `person`'s server, through the proxy."""
    session = uuid.uuid4().hex
    url = (
        f"ws://127.0.0.1:{hub.port}/user/{person}/api/kernels/{kernel_id}/channels"
        f"?session_id={session}"
    )
    socket = await websocket_connect(
        HTTPRequest(url, headers={"Cookie": cookie}, request_timeout=30),
        subprotocols=[protocol] if protocol else None,
    )
    socket.nosworkbook_session = session
    return socket


async def widget_states(socket: Any, protocol: str = V1) -> dict[str, dict]:
    """Every widget's state (comm id -> {"state": ...}), asked for as Voila's page asks: the
    kernel's widget comms, then each one's state."""
    await send(socket, "comm_info_request", {"target_name": "jupyter.widget"}, protocol)

    def is_info(m: dict | None) -> bool:
        return bool(m) and m["msg_type"] == "comm_info_reply"

    received = await receive(socket, protocol, 30, until=is_info)
    comms = [m for m in received if is_info(m)][0]["content"]["comms"]
    for comm_id in comms:
        ask = {"comm_id": comm_id, "data": {"method": "request_state"}}
        await send(socket, "comm_msg", ask, protocol)
    states: dict[str, dict] = {}

    def all_in(m: dict | None) -> bool:
        data = (m or {}).get("content", {}).get("data", {})
        if data.get("method") == "update" and m["content"].get("comm_id") in comms:
            states[m["content"]["comm_id"]] = {"state": data.get("state", {})}
        return len(states) == len(comms)

    await receive(socket, protocol, 30, until=all_in)
    assert len(states) == len(comms), (len(states), len(comms))
    return states


def signed_in(states: dict[str, dict]) -> list[str]:
    """Who the page's sign-in widgets say is signed in."""
    return [s["state"]["signed_in"] for s in states.values() if "signed_in" in s["state"]]


async def rate(socket: Any, states: dict[str, dict], criterion: str, rating: str) -> dict:
    """Rate `criterion` as the checklist's page does; the kernel's acknowledgement."""
    comm_id, state = next(
        (key, s["state"])
        for key, s in states.items()
        if any(item.get("id") == criterion for item in s["state"].get("items", []))
    )
    edit = {"type": "edit", "seq": 1, "epoch": state["_epoch"], "id": criterion, "rating": rating}
    await send(
        socket, "comm_msg", {"comm_id": comm_id, "data": {"method": "custom", "content": edit}}, V1
    )

    def is_ack(m: dict | None) -> bool:
        data = (m or {}).get("content", {}).get("data", {})
        return data.get("method") == "custom" and data.get("content", {}).get("type") == "ack"

    received = await receive(socket, V1, 30, until=is_ack)
    acks = [m for m in received if is_ack(m)]
    assert acks, received[-3:]
    return acks[0]["content"]["data"]["content"]


@contextlib.contextmanager
def browser(hub: Hub) -> Iterator[Browser]:
    person = Browser(hub)
    try:
        yield person
    finally:
        person.close()


__all__ = ["Browser", "Hub", "browser", "connect", "decode", "rate", "signed_in", "start_hub"]
