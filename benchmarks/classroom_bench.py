"""Classroom benchmark: 30 learners open the same unit at once, preheated against cold (issue 6).

    .venv/bin/python benchmarks/classroom_bench.py           # full run (~7 min); rewrites
                                                             # benchmarks/classroom.md and .png
    .venv/bin/python benchmarks/classroom_bench.py --quick --no-write   # smoke run (~2 min)
    .venv/bin/python benchmarks/classroom_bench.py --json raw.json      # keep the raw figures;
    .venv/bin/python benchmarks/classroom_bench.py --from-json raw.json # re-render from them
    .venv/bin/python benchmarks/classroom_bench.py --launcher voila     # plain Voila flags
    .venv/bin/python benchmarks/classroom_bench.py --keep-logs DIR      # keep the servers' logs

What is measured:

1. Time to a ready page. A simulated learner does what a browser does for a Voila page, minus
   drawing it: GET /voila/render/<unit>.ipynb (Voila starts or takes a kernel, runs the notebook
   and returns the page), finds the kernel id in the page's config, GET /api/kernels/<id> (as
   Voila's widget manager does first), opens the kernel websocket /api/kernels/<id>/channels
   with the page's cookies and the v1 kernel websocket protocol (binary frames, which the
   server relays without parsing them; Voila's page asks for it too), and asks for the widget
   state as the ipywidgets 8 front end does:
   a comm_open to target "jupyter.widget.control" (metadata version 1.0.0), then a comm_msg
   {"method": "request_states"}. Ready = the comm_msg "update_states" reply with every
   model's state has arrived. Where the kernel closes that comm instead (a served kernel
   registers no control target), the front end's fallback: a comm_info_request, then a
   request_state to each widget comm; ready once every state has arrived.
   `--learners` (30) learners start at once, as asyncio tasks in this
   one process (no browsers competing for the cores), each with a time limit.
2. Two servers serve the same folder (index.ipynb and the unit, as `nosworkbook generate`
   writes them) side by side: "preheated" (30 kernels kept ready for the unit, the notebook
   already run in them) and "cold" (a kernel per page, started on request). They are started
   with `nosworkbook serve --pool/--units/--cull-after/--max-kernels` when it has those
   options, else (or with `--launcher voila`) with standalone Voila and explicit flags
   (`--VoilaConfiguration.preheat_kernel`, `--VoilaKernelManager.kernel_pools_config`,
   `--MappingKernelManager.cull_idle_timeout` and `cull_interval`). The modes alternate (P C,
   C P, P C, ...) for `--rounds` rounds. Before every burst the script waits until both servers
   are quiet (under 0.15 of a core for 2 s) and, for the preheated one, until its pools hold
   their kernels, each idle with no activity for 2 s (Voila logs "Kernel pool ... is filled"
   once the kernels have started, before the notebook has run in them, so that line is not
   enough).
3. Signing in: once all are ready, every learner signs in at once as the form does (a custom
   message {"type": "sign-in"} to the sign-in widget's comm); signed in = the kernel set
   `signed_in` (the store has loaded the learner's answers).
4. Memory per learner kernel: RSS and USS (psutil) of every learner's kernel process, once all
   learners are ready and again once all have signed in.
5. Culling: all learners then drop their websocket without a goodbye (a closed laptop lid or a
   lost connection; a browser that unloads the page normally also posts
   /voila/api/shutdown/<id>, which ends its kernel at once). The script counts the learners'
   kernels still alive every 0.5 s until none is left: that time is set by the servers'
   `cull_idle_timeout` and `cull_interval`.
6. Kernel trouble in the servers' logs (ports already in use, kernels that died starting).

Every server and kernel the script starts is stopped on exit, also on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from common import HERE, machine, percentile, sigterm_as_ctrl_c, versions

from nosworkbook import testing
from nosworkbook.classroom.server import pools as server_pools

MARKDOWN = HERE / "classroom.md"
PNG = HERE / "classroom.png"

TARGET_P95_S = 1.0
TARGET_KERNEL_MB = 100.0
SERVER_START_SECONDS = 90
LEARNER_TIMEOUT_S = 180.0
POOL_WARM_TIMEOUT_S = 150.0
POOL_SETTLE_S = 20.0
IDLE_S, IDLE_CPU_S = 2.0, 0.05
"""A warm kernel: under IDLE_CPU_S of CPU over IDLE_S seconds."""
LOG_EVENTS = {
    "port already in use": "Address already in use",
    "kernel died while starting": "Kernel died before replying to kernel_info",
    "restart failed": "restart failed",
    "refused at --max-kernels": "Refused a new kernel",
    "culler met a kernel still starting": "expected a datetime, not the NoneType None",
    "server errors": "[Voila] ERROR",
}
QUIET_CORES = 0.15
QUIET_WINDOW_S = 2.0
QUIET_TIMEOUT_S = 180.0
CONTROL_PROTOCOL = "1.0.0"  # ipywidgets 8's widget control protocol
MB = 1e6
KERNEL_ID = re.compile(r'"kernelId":\s*"([0-9a-f-]{36})"')


# --- small helpers --------------------------------------------------------------------------


def p95(values: list[float]) -> float:
    return percentile(values, 95)


def describe_machine() -> dict[str, Any]:
    dists = ("voila", "jupyter_server", "ipywidgets", "anywidget", "ipykernel", "tornado")
    return machine(versions(*dists))


# --- the servers ----------------------------------------------------------------------------


class Server:
    """One standalone Voila server in its own process group, and the kernels it started."""

    def __init__(self, mode: str, folder: Path, home: Path, args: argparse.Namespace) -> None:
        self.mode, self.folder = mode, folder
        self.notebook = f"{args.unit}.ipynb"
        self.port = testing.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = home / f"voila-{mode}.log"
        self.pool = args.learners if mode == "preheated" else 0  # per pooled notebook
        self.refill_delay = kernel_settings(args)["refill_delay"]
        if args.launcher == "serve":
            # nosworkbook serve keeps --pool kernels for each of --units, a few for the index
            self.standby = sum(server_pools((args.unit,), self.pool).values()) if self.pool else 0
            self.args = [
                "-m", "nosworkbook", "serve", "<dir>", "--port", str(self.port),
                "--host", "127.0.0.1", "--pool", str(self.pool),
                *(["--units", args.unit] if self.pool else []),
                "--cull-after", str(args.cull_after), "--max-kernels", str(args.max_kernels),
            ]  # fmt: skip
        else:
            self.standby = self.pool
            self.args = [
                "-m", "voila", "<dir>", "--no-browser", f"--port={self.port}",
                "--Voila.ip=127.0.0.1",
                f"--MappingKernelManager.cull_idle_timeout={args.cull_after}",
                f"--MappingKernelManager.cull_interval={args.cull_interval}",
            ]  # fmt: skip
            if self.pool:
                pools = json.dumps({self.notebook: {"pool_size": self.pool}})
                self.args += [
                    "--VoilaConfiguration.preheat_kernel=True",
                    "--VoilaConfiguration.default_pool_size=0",
                    f"--VoilaKernelManager.kernel_pools_config={pools}",
                ]
        # keep the user's Jupyter config, runtime files and progress store out of the run
        self.env = testing.jupyter_env(
            home, home / f"runtime-{mode}", NOSWORKBOOK_STORE=str(home / "progress.sqlite")
        )
        self.proc: subprocess.Popen | None = None
        self.started = 0.0
        self.seen: dict[int, psutil.Process] = {}  # every kernel process ever seen

    def command(self) -> list[str]:
        return [sys.executable, *(str(self.folder) if a == "<dir>" else a for a in self.args)]

    def shown(self) -> list[str]:
        """The command as documented: `python` for the venv's interpreter."""
        return ["python", *self.args]

    def start(self) -> None:
        self.started = time.monotonic()
        self.proc = testing.start_logged(
            self.command(), cwd=self.folder, env=self.env, log=self.log
        )
        testing.wait_for_port(
            self.proc, self.port, log=self.log, timeout=SERVER_START_SECONDS, name="voila"
        )

    def processes(self) -> list[psutil.Process]:
        """The server and all its descendants (kernels run in sessions of their own)."""
        assert self.proc is not None
        try:
            root = psutil.Process(self.proc.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def kernels(self) -> dict[str, psutil.Process]:
        """Live kernels by kernel id (read from the connection file on their command line)."""
        found = {}
        for proc in self.processes()[1:]:
            with contextlib.suppress(psutil.Error):
                match = testing.KERNEL_FILE.search(" ".join(proc.cmdline()))
                if match:
                    found[match.group(1)] = proc
                    self.seen[proc.pid] = proc
        return found

    def stop(self) -> None:
        """SIGTERM the group (Voila shuts its kernels down), then SIGKILL what is left."""
        if self.proc is None:
            return
        with contextlib.suppress(Exception):
            self.kernels()
        leftovers = [p for p in self.processes()[1:]] + list(self.seen.values())
        testing.stop_process_group(self.proc)
        _gone, alive = psutil.wait_procs(leftovers, timeout=5)
        for proc in alive:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        self.proc = None


def cpu_seconds(procs: list[psutil.Process]) -> dict[int, float]:
    times = {}
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            t = proc.cpu_times()
            times[proc.pid] = t.user + t.system  # not children_*: reaped kernels land there
    return times


async def wait_quiet(servers: list[Server]) -> float:
    """Wait until all servers' process trees together use under QUIET_CORES for a window."""
    start = time.monotonic()
    while time.monotonic() - start < QUIET_TIMEOUT_S:
        before = cpu_seconds([p for s in servers for p in s.processes()])
        await asyncio.sleep(QUIET_WINDOW_S)
        after = cpu_seconds([p for s in servers for p in s.processes()])
        used = sum(after[pid] - before[pid] for pid in after.keys() & before.keys())
        if used / QUIET_WINDOW_S < QUIET_CORES:
            return time.monotonic() - start
    return time.monotonic() - start


def idle_kernels(kernels: dict[str, psutil.Process], seconds: float = IDLE_S) -> int:
    """How many of `kernels` used next to no CPU over `seconds` (they ran their notebook and
    wait). Read from the processes: the classroom server rightly tells no one about a kernel
    still waiting in its pool, so /api/kernels cannot be asked."""

    def cpu(proc: psutil.Process) -> float | None:
        try:
            return sum(proc.cpu_times()[:2])
        except psutil.Error:
            return None

    before = {k: cpu(proc) for k, proc in kernels.items()}
    time.sleep(seconds)
    after = {k: cpu(proc) for k, proc in kernels.items()}
    return sum(
        1
        for k in kernels
        if before[k] is not None and after[k] is not None and after[k] - before[k] < IDLE_CPU_S
    )


async def wait_pool_warm(http: Any, server: Server, claimed: set[str]) -> dict[str, Any]:
    """Wait until the pools hold `server.standby` kernels that ran their notebook and are idle.

    A pool that stays short (a kernel that died while starting is not replaced until another
    kernel ends) is accepted once it has not changed for POOL_SETTLE_S plus the server's
    refill delay (replacements not yet started are not a short pool) and its kernels are idle.
    Never raises: after POOL_WARM_TIMEOUT_S it gives up and says what it saw."""
    start = time.monotonic()
    last: set[str] = set()
    changed = start
    seen: dict[str, int] = {}
    while time.monotonic() - start < POOL_WARM_TIMEOUT_S:
        kernels = {k: proc for k, proc in server.kernels().items() if k not in claimed}
        standby = set(kernels)
        if standby != last:
            last, changed = standby, time.monotonic()
        settled = time.monotonic() - changed > POOL_SETTLE_S + server.refill_delay
        if standby and (len(standby) >= server.standby or settled):
            idle = await asyncio.to_thread(idle_kernels, kernels)
            seen = {"kernels": len(standby), "idle": idle}
            if idle == len(standby):
                short = max(0, server.standby - len(standby))
                return {"seconds": time.monotonic() - start, "short": short, "warm": True}
        await asyncio.sleep(1)
    return {
        "seconds": time.monotonic() - start,
        "short": max(0, server.standby - len(last)),
        "warm": False,
        "seen": seen,
    }


async def pool_warm_again(
    http: Any, server: Server, claimed: set[str], since: float
) -> dict[str, Any]:
    """As wait_pool_warm, with `seconds` counted from `since` (the burst's start)."""
    found = await wait_pool_warm(http, server, claimed)
    return {**found, "seconds": time.monotonic() - since}


def log_events(server: Server) -> dict[str, int]:
    """Kernel trouble in a server's log, counted."""
    try:
        text = server.log.read_text(errors="replace")
    except OSError:
        return {}
    return {name: text.count(needle) for name, needle in LOG_EVENTS.items()}


# --- a simulated learner --------------------------------------------------------------------


WS_PROTOCOL = "v1.kernel.websocket.jupyter.org"  # what Voila's page asks for, and gets


def message(msg_type: str, content: dict, session: str, metadata: dict | None = None) -> bytes:
    """A shell message in the v1 kernel websocket protocol, as Voila's page sends it."""
    from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

    msg = {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "msg_type": msg_type,
            "username": "learner",
            "session": session,
            "date": datetime.now(UTC).isoformat(),
            "version": "5.3",
        },
        "parent_header": {},
        "metadata": metadata or {},
        "content": content,
    }
    return serialize_msg_to_ws_v1(msg, "shell", pack=lambda part: json.dumps(part).encode())


def received(raw: bytes | str) -> dict[str, Any]:
    """A v1 websocket frame as the page reads it: header and content, parsed."""
    from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1

    if isinstance(raw, str):
        raise RuntimeError("the server sent a text frame: not the v1 protocol")
    channel, parts = deserialize_msg_from_ws_v1(raw)
    header = json.loads(parts[0])
    return {
        "channel": channel,
        "msg_type": header.get("msg_type"),
        "content": json.loads(parts[3]),
    }


async def read_frame(ws: Any) -> bytes:
    """The next frame from a kernel's websocket; RuntimeError once it has closed."""
    raw = await ws.read_message()
    if raw is None:
        raise RuntimeError("the kernel websocket closed")
    return raw


async def widget_states(ws: Any, session: str) -> dict[str, Any]:
    """Every widget's state (comm id -> {"state": ...}), asked as Voila's page asks when the
    kernel has no control comm: a comm_info_request, then a request_state to each comm."""
    info = {"target_name": "jupyter.widget"}
    await ws.write_message(message("comm_info_request", info, session), binary=True)
    while (msg := received(await read_frame(ws))).get("msg_type") != "comm_info_reply":
        pass
    comms = msg["content"]["comms"]
    for comm_id in comms:
        ask = {"comm_id": comm_id, "data": {"method": "request_state"}}
        await ws.write_message(message("comm_msg", ask, session), binary=True)
    states: dict[str, Any] = {}
    while len(states) < len(comms):
        msg = received(await read_frame(ws))
        content = msg.get("content", {})
        data = content.get("data", {})
        if msg.get("msg_type") == "comm_msg" and data.get("method") == "update":
            states[content["comm_id"]] = {"state": data.get("state", {})}
    return states


class Learner:
    def __init__(self, index: int) -> None:
        self.index = index
        self.kernel_id = ""
        self.ws: Any = None
        self.marks: dict[str, float] = {}
        self.models = 0
        self.states: dict[str, Any] = {}
        self.session = ""
        self.error = ""

    async def open(self, http: Any, base: str, path: str, start: float) -> None:
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        chunks: list[bytes] = []

        def on_chunk(chunk: bytes) -> None:
            if not chunks:
                self.marks["first_byte"] = time.perf_counter() - start
            chunks.append(chunk)
            if not self.kernel_id and (found := KERNEL_ID.search(chunk.decode("utf-8", "replace"))):
                self.kernel_id = found.group(1)  # known early, to name it if the page hangs

        response = await http.fetch(
            base + path, request_timeout=LEARNER_TIMEOUT_S, streaming_callback=on_chunk
        )
        self.marks["page"] = time.perf_counter() - start
        match = KERNEL_ID.search(b"".join(chunks).decode("utf-8", "replace"))
        if not match:
            raise RuntimeError("no kernelId in the page")
        self.kernel_id = match.group(1)
        cookies = "; ".join(c.split(";", 1)[0] for c in response.headers.get_list("Set-Cookie"))
        headers = {"Cookie": cookies} if cookies else {}
        await http.fetch(f"{base}/api/kernels/{self.kernel_id}", headers=headers)
        self.session = session = uuid.uuid4().hex
        url = base.replace("http", "ws", 1) + f"/api/kernels/{self.kernel_id}/channels"
        self.ws = await websocket_connect(
            HTTPRequest(f"{url}?session_id={session}", headers=headers, connect_timeout=60),
            subprotocols=[WS_PROTOCOL],
        )
        if self.ws.selected_subprotocol != WS_PROTOCOL:
            raise RuntimeError(f"the server did not accept {WS_PROTOCOL}")
        self.marks["socket"] = time.perf_counter() - start
        comm_id = uuid.uuid4().hex
        await self.ws.write_message(
            message(
                "comm_open",
                {"comm_id": comm_id, "target_name": "jupyter.widget.control", "data": {}},
                session,
                {"version": CONTROL_PROTOCOL},
            ),
            binary=True,
        )
        await self.ws.write_message(
            message(
                "comm_msg", {"comm_id": comm_id, "data": {"method": "request_states"}}, session
            ),
            binary=True,
        )
        states = await self.control_states(comm_id)
        if states is None:  # the kernel has no control comm: what Voila's page does then
            states = await widget_states(self.ws, session)
        self.states = states
        self.models = len(self.states)
        self.marks["ready"] = time.perf_counter() - start

    async def control_states(self, comm_id: str) -> dict[str, Any] | None:
        """Every widget's state from the control comm; None if the kernel closed it (a kernel
        that imported ipywidgets before its shell existed registers no control target)."""
        while True:
            msg = received(await read_frame(self.ws))
            content = msg.get("content", {})
            if content.get("comm_id") != comm_id:
                continue
            if msg.get("msg_type") == "comm_close":
                return None
            if msg.get("msg_type") == "comm_msg" and content["data"].get("method") == (
                "update_states"
            ):
                return content["data"]["states"]

    async def comm_data(self, comm_id: str) -> dict[str, Any]:
        """The data of the next comm_msg on `comm_id`, skipping every other message."""
        while True:
            msg = received(await read_frame(self.ws))
            content = msg.get("content", {})
            if msg.get("msg_type") == "comm_msg" and content.get("comm_id") == comm_id:
                return content.get("data", {})

    async def sign_in(self, learner: str, start: float) -> None:
        """Sign in as the form does (a custom message to the SignIn model); wait for the
        kernel to set `signed_in`, which it does once the store has loaded the answers."""
        model = next(
            k for k, v in self.states.items() if {"signed_in", "ask_code"} <= v["state"].keys()
        )
        custom = {"method": "custom", "content": {"type": "sign-in", "learner": learner}}
        await self.ws.write_message(
            message("comm_msg", {"comm_id": model, "data": custom}, self.session), binary=True
        )
        while True:
            state = (await self.comm_data(model)).get("state", {})
            if state.get("signed_in") == learner:
                break
            if state.get("is_error"):
                raise RuntimeError(f"sign-in refused: {state.get('message', '')}")
        self.marks["signed_in"] = time.perf_counter() - start

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()
            self.ws = None


async def burst(http: Any, server: Server, n: int) -> tuple[list[Learner], dict[str, float]]:
    """`n` learners open the unit at once; returns them and the CPU the servers used."""
    learners = [Learner(i) for i in range(n)]
    cpu_before = cpu_seconds(server.processes())
    start = time.perf_counter()

    async def one(learner: Learner) -> None:
        try:
            await asyncio.wait_for(
                learner.open(http, server.base, f"/voila/render/{server.notebook}", start),
                LEARNER_TIMEOUT_S,
            )
        except Exception as exc:  # every failure is counted and reported
            learner.error = f"{type(exc).__name__}: {exc}"[:200]

    await asyncio.gather(*(one(learner) for learner in learners))
    wall = time.perf_counter() - start
    procs = server.processes()
    after = cpu_seconds(procs)
    server_pid = procs[0].pid if procs else -1
    kernel_cpu = sum(v - cpu_before.get(pid, 0.0) for pid, v in after.items() if pid != server_pid)
    cpu = {
        "wall": wall,
        "server": after.get(server_pid, 0.0) - cpu_before.get(server_pid, 0.0),
        "kernels": kernel_cpu,
    }
    return learners, cpu


async def sign_in_all(learners: list[Learner]) -> float:
    """Every ready learner signs in at once (as `learner-NN`); returns the wall time."""
    start = time.perf_counter()

    async def one(learner: Learner) -> None:
        try:
            await asyncio.wait_for(
                learner.sign_in(f"learner-{learner.index:02d}", start), LEARNER_TIMEOUT_S
            )
        except Exception as exc:  # counted and reported
            learner.error = f"sign-in: {type(exc).__name__}: {exc}"[:200]

    await asyncio.gather(*(one(ln) for ln in learners if "ready" in ln.marks))
    return time.perf_counter() - start


def kernel_memory(server: Server, learners: list[Learner]) -> list[dict[str, float]]:
    kernels = server.kernels()
    found = []
    for learner in learners:
        proc = kernels.get(learner.kernel_id)
        if proc is None:
            continue
        with contextlib.suppress(psutil.Error):
            info = proc.memory_full_info()
            t = proc.cpu_times()
            found.append({"rss": info.rss / MB, "uss": info.uss / MB, "cpu": t.user + t.system})
    return found


async def watch_culling(server: Server, ids: set[str], limit: float) -> dict[str, Any]:
    """Count the given kernels still alive every 0.5 s until none is left (or `limit`)."""
    start = time.monotonic()
    curve = []
    while True:
        t = time.monotonic() - start
        alive = len(ids & server.kernels().keys())
        curve.append((round(t, 2), alive))
        if alive == 0 or t > limit:
            break
        await asyncio.sleep(0.5)
    others = len(server.kernels().keys() - ids)
    return {"curve": curve, "left": curve[-1][1], "seconds": curve[-1][0], "others": others}


# --- the run --------------------------------------------------------------------------------


async def measure(args: argparse.Namespace, servers: dict[str, Server]) -> dict[str, Any]:
    from tornado.httpclient import AsyncHTTPClient

    AsyncHTTPClient.configure(None, max_clients=args.learners * 2 + 10)
    http = AsyncHTTPClient()
    claimed: set[str] = set()
    rounds: list[dict[str, Any]] = []
    pre = servers["preheated"]
    initial = await wait_pool_warm(http, pre, claimed)
    initial_fill = time.monotonic() - pre.started
    print(f"{pre.standby} kernels warm {initial_fill:.0f} s after the server started", flush=True)
    limit = args.cull_after + 3 * args.cull_interval + 60
    for r in range(args.rounds):
        order = ["preheated", "cold"] if r % 2 == 0 else ["cold", "preheated"]
        for mode in order:
            server = servers[mode]
            refill = None
            if mode == "preheated":
                refill = await wait_pool_warm(http, pre, claimed)
            quiet = await wait_quiet(list(servers.values()))
            burst_start = time.monotonic()
            learners, cpu = await burst(http, server, args.learners)
            ids = {ln.kernel_id for ln in learners if ln.kernel_id}
            claimed |= ids
            memory = kernel_memory(server, learners)
            sign_in_wall = await sign_in_all(learners)
            memory_signed_in = kernel_memory(server, learners)
            for learner in learners:
                learner.close()
            refilled = None
            if mode == "preheated":  # the pool refills while the dropped kernels wait
                refill_task = asyncio.create_task(
                    pool_warm_again(http, pre, set(claimed), burst_start)
                )
            culling = await watch_culling(server, ids, limit)
            if mode == "preheated":
                refilled = await refill_task
            ready = [ln.marks["ready"] for ln in learners if "ready" in ln.marks]
            errors = [ln.error for ln in learners if ln.error]
            print(
                f"round {r + 1} {mode:9s}: ready {len(ready)}/{args.learners}, "
                f"median {statistics.median(ready) if ready else float('nan'):.2f} s, "
                f"p95 {p95(ready) if ready else float('nan'):.2f} s; "
                f"{culling['left']} learner kernels left after "
                f"{culling['seconds']:.0f} s",
                flush=True,
            )
            rounds.append(
                {
                    "round": r + 1,
                    "mode": mode,
                    "waited_quiet": quiet,
                    "pool_before": refill,
                    "learners": [
                        {
                            "marks": ln.marks,
                            "models": ln.models,
                            "error": ln.error,
                            "kernel_id": ln.kernel_id,
                        }
                        for ln in learners
                    ],
                    "errors": errors,
                    "cpu": cpu,
                    "memory": memory,
                    "memory_signed_in": memory_signed_in,
                    "sign_in_wall": sign_in_wall,
                    "refilled": refilled,
                    "culling": culling,
                }
            )
    return {
        "initial_fill": initial_fill,
        "initial_pool": initial,
        "rounds": rounds,
        "log_events": {mode: log_events(server) for mode, server in servers.items()},
    }


def serve_has_pools() -> bool:
    """True when `nosworkbook serve` has the classroom options (--pool, --units, --cull-after)."""
    try:
        from nosworkbook.classroom import server as serve
    except ImportError:
        return False
    return hasattr(serve, "voila_command") and hasattr(serve, "cull_interval")


def kernel_settings(args: argparse.Namespace) -> dict[str, Any]:
    """How the preheated server refills its pool and how kernels reach the server."""
    if args.launcher == "serve":
        from nosworkbook.classroom.kernels import ClassroomKernelManager

        traits = ClassroomKernelManager.class_traits()
        delay = traits["refill_delay"].default_value if "refill_delay" in traits else 1.0
        ipc = "_default_kernel_manager_class" in vars(ClassroomKernelManager)
        return {"refill_delay": delay, "transport": "ipc" if ipc else "tcp"}
    return {"refill_delay": 1.0, "transport": "tcp"}  # Voila's fill_delay; TCP ports


def refill_words(st: dict[str, Any]) -> str:
    delay = st.get("refill_delay", 1.0)
    who = "nosworkbook's `refill_delay`" if delay != 1.0 else "Voila's `fill_delay`"
    return f"{delay:.0f} s after each kernel is taken ({who})"


def voila_commands(args: argparse.Namespace, servers: dict[str, Server]) -> dict[str, list[str]]:
    """The Voila command lines `nosworkbook serve` runs, for the report."""
    if args.launcher != "serve":
        return {}
    from nosworkbook.classroom.server import parse_units, voila_command

    found = {}
    for mode, server in servers.items():
        cmd = voila_command(
            server.folder,
            server.port,
            "127.0.0.1",
            units=parse_units(args.unit) if server.pool else (),
            pool=server.pool,
            cull_after=args.cull_after,
            max_kernels=args.max_kernels,
        )
        found[mode] = [
            "python" if c == sys.executable else "<dir>" if c == str(server.folder) else c
            for c in cmd
        ]
    return found


def run(args: argparse.Namespace) -> dict[str, Any]:
    from nosworkbook.generate import workbook_texts

    info = describe_machine()
    with tempfile.TemporaryDirectory(prefix="classroom-bench-") as tmp:
        home = Path(tmp)
        folder = home / "served"
        folder.mkdir()
        texts = workbook_texts()  # what `nosworkbook generate` writes (serve checks that)
        for name in ("index.ipynb", f"{args.unit}.ipynb"):
            (folder / name).write_text(texts[name], encoding="utf-8")
        servers = {mode: Server(mode, folder, home, args) for mode in ("preheated", "cold")}
        documented = voila_commands(args, servers)
        try:
            for server in servers.values():
                server.start()
            results = asyncio.run(measure(args, servers))
        finally:
            for server in servers.values():
                server.stop()
            if args.keep_logs:
                args.keep_logs.mkdir(parents=True, exist_ok=True)
                for server in servers.values():
                    with contextlib.suppress(OSError):
                        (args.keep_logs / server.log.name).write_bytes(server.log.read_bytes())
    info["load_end"] = os.getloadavg()
    return {
        "machine": info,
        "settings": {
            "unit": args.unit,
            "learners": args.learners,
            "rounds": args.rounds,
            "cull_after": args.cull_after,
            "cull_interval": args.cull_interval,
            "launcher": args.launcher,
            **kernel_settings(args),
            "standby": servers["preheated"].standby,
            "commands": {m: s.shown() for m, s in servers.items()},
            "voila_commands": documented,
        },
        **results,
    }


# --- the report -----------------------------------------------------------------------------


def fmt_p95(values: list[float]) -> str:
    return f"{p95(values):.2f}" if values else "-"


def ready_times(raw: dict[str, Any], mode: str, mark: str = "ready") -> list[float]:
    return [
        ln["marks"][mark]
        for rd in raw["rounds"]
        if rd["mode"] == mode
        for ln in rd["learners"]
        if mark in ln["marks"]
    ]


def report(raw: dict[str, Any]) -> str:
    info, st = raw["machine"], raw["settings"]
    n, unit = st["learners"], st["unit"]
    modes = ("preheated", "cold")
    rounds = {m: [rd for rd in raw["rounds"] if rd["mode"] == m] for m in modes}
    ready = {m: ready_times(raw, m) for m in modes}
    attempts = {m: n * len(rounds[m]) for m in modes}
    rss_ready = [k["rss"] for rd in raw["rounds"] for k in rd["memory"]]
    signed = [k for rd in raw["rounds"] for k in rd["memory_signed_in"]]
    rss, uss = [k["rss"] for k in signed], [k["uss"] for k in signed]
    culling = [rd["culling"] for rd in raw["rounds"]]
    left = max(c["left"] for c in culling)
    cull_s = [c["seconds"] for c in culling]
    v = info["versions"]
    pre_p95 = p95(ready["preheated"]) if ready["preheated"] else float("inf")
    cold_p95 = p95(ready["cold"]) if ready["cold"] else float("inf")
    failed = {m: attempts[m] - len(ready[m]) for m in modes}
    per_mode = "round" if len(rounds["preheated"]) == 1 else "rounds"
    per_round_p95 = [
        fmt_p95([ln["marks"]["ready"] for ln in rd["learners"] if "ready" in ln["marks"]])
        for rd in rounds["preheated"]
    ]

    def verdict(ok: bool) -> str:
        return "met" if ok else "missed"

    def fmt(values: list[float], fn: Any) -> str:
        return f"{fn(values):.2f}" if values else "-"

    commands = "\n".join(f"    {shlex.join(cmd)}" for cmd in st["commands"].values())
    if st.get("voila_commands"):
        commands += (
            "\n\nwhich run standalone Voila as (nosworkbook's own template and kernel manager, "
            f"culling every {st['cull_interval']} s: "
            "`nosworkbook.classroom.server.cull_interval`):\n\n"
            + "\n".join(f"    {shlex.join(cmd)}" for cmd in st["voila_commands"].values())
        )
    if st.get("launcher") == "serve":
        started = (
            f"`nosworkbook serve`, serving a folder with `index.ipynb` and `{unit}.ipynb` as "
            "`nosworkbook generate` writes them (the store: a fresh SQLite file). `--pool` keeps "
            f"kernels ready for the index and for each of `--units`, so the preheated server "
            f"holds {st.get('standby')} ready kernels, {n} of them for {unit}:"
        )
    else:
        started = (
            f"standalone Voila serving a folder with `index.ipynb` and `{unit}.ipynb` as "
            "`nosworkbook generate` writes them (the store: a fresh SQLite file); the pool is "
            "keyed by the notebook's path relative to the served folder (traitlets warns that "
            "a dict on the command line is deprecated, but takes it):"
        )
    lines = [
        f"# Classroom: {n} learners open {unit} at once, preheated against cold",
        "",
        "Reproduce with `.venv/bin/python benchmarks/classroom_bench.py` (options:",
        "`--learners N`, `--rounds N`, `--cull-after S`, `--cull-interval S`, `--unit URN`,",
        "`--launcher serve|voila`, `--max-kernels N`, `--quick`, `--no-write`, `--json FILE`,",
        "`--from-json FILE`, `--keep-logs DIR`). Its docstring says exactly what is timed. The",
        "machine is shared and noisy; the two modes were measured in the same run, alternating.",
        "The learners are simulated in one process (page, websocket, widget state, sign-in: no",
        "browser draws the page), so the figures are the server's side of a classroom.",
        "",
        f"- Date: {info['date']}",
        f"- Machine: {info['nproc']} CPUs (nproc), {info['cpu']}, {info['ram_gib']:.0f} GiB RAM; "
        f"1-minute load average {info['load'][0]:.2f} at the start, "
        f"{info.get('load_end', [0])[0]:.2f} at the end",
        f"- Python {v.get('Python')}, Voila {v.get('voila')}, jupyter_server "
        f"{v.get('jupyter_server')}, ipywidgets {v.get('ipywidgets')}, anywidget "
        f"{v.get('anywidget')}, ipykernel {v.get('ipykernel')}, tornado {v.get('tornado')}",
        f"- Servers: {started}",
        "",
        commands,
        "",
        "## Summary",
        "",
        f"- Time to a ready page, p95 with a preheated pool: {pre_p95:.2f} s (target under "
        f"{TARGET_P95_S:g} s): **{verdict(pre_p95 < TARGET_P95_S and not failed['preheated'])}**. "
        f"Per round: {', '.join(per_round_p95)} s. Cold (no pool), same run: p95 "
        f"{cold_p95:.2f} s.",
        f"- Memory per learner kernel, signed in: median {fmt(rss, statistics.median)} MB RSS, "
        f"max {fmt(rss, max)} MB (target under {TARGET_KERNEL_MB:g} MB): "
        f"**{verdict(bool(rss) and max(rss) < TARGET_KERNEL_MB)}**. Before signing in: median "
        f"{fmt(rss_ready, statistics.median)} MB.",
        f"- Learners who never got a ready page: {failed['preheated']} of "
        f"{attempts['preheated']} preheated, {failed['cold']} of {attempts['cold']} cold "
        "(section 5).",
        f"- Learner kernels left after culling: {left} (target none): **{verdict(left == 0)}**; "
        f"all gone {min(cull_s):.0f} to {max(cull_s):.0f} s after the learners disconnected "
        f"(cull_idle_timeout {st['cull_after']} s, cull_interval {st['cull_interval']} s).",
        "",
        f"## 1. Time to a ready page ({n} learners at once, {len(rounds['preheated'])} "
        f"{per_mode} per mode)",
        "",
        "From the start of the burst until the learner's widget state has arrived over the",
        "kernel websocket (see the docstring). All learners of all rounds of a mode pooled.",
        "",
        "| Mode | Ready | Median s | p95 s | Min s | Max s |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for m in modes:
        t = ready[m]
        lines.append(
            f"| {m} | {len(t)} of {attempts[m]} | {fmt(t, statistics.median)} | {fmt(t, p95)} "
            f"| {fmt(t, min)} | {fmt(t, max)} |"
        )
    lines += [
        "",
        "Per round (rounds alternate which mode goes first). CPU: what the Voila server process",
        "and the kernels used during the burst, in CPU seconds.",
        "",
        "| Round | Mode | Median s | p95 s | Max s | Burst wall s | Server CPU s | Kernel CPU s |",
        "|--:|---|--:|--:|--:|--:|--:|--:|",
    ]
    for rd in raw["rounds"]:
        t = [ln["marks"]["ready"] for ln in rd["learners"] if "ready" in ln["marks"]]
        c = rd["cpu"]
        lines.append(
            f"| {rd['round']} | {rd['mode']} | {fmt(t, statistics.median)} | {fmt(t, p95)} | "
            f"{fmt(t, max)} | {c['wall']:.1f} | {c['server']:.1f} | {c['kernels']:.1f} |"
        )
    lines += [
        "",
        "Where the time goes (medians over all learners of a mode, s from the burst's start):",
        "first byte of the page, page received (Voila has run the notebook), kernel websocket",
        "open, widget state received (ready).",
        "",
        "| Mode | First byte | Page received | Websocket open | Ready |",
        "|---|--:|--:|--:|--:|",
    ]
    for m in modes:
        cells = [
            fmt(ready_times(raw, m, k), statistics.median)
            for k in ("first_byte", "page", "socket", "ready")
        ]
        lines.append(f"| {m} | {' | '.join(cells)} |")
    models = sorted({ln["models"] for rd in raw["rounds"] for ln in rd["learners"]} - {0})
    errors = [e for rd in raw["rounds"] for e in rd["errors"]]
    lines += [
        "",
        f"Every ready learner received the state of {', '.join(map(str, models)) or '-'} widget "
        f"models. Failed learners: {len(errors)}"
        + (f" (first: `{errors[0]}`)." if errors else "."),
        "",
        explain_time(raw, ready, rounds),
        "",
        "![Time to a ready page, and learner kernels alive after disconnecting](classroom.png)",
        "",
        "## 2. Signing in, all at once",
        "",
        "Once every learner of a burst was ready, all sign in at once as the form does (a custom",
        "message to the sign-in widget); signed in = the kernel has opened the store, loaded the",
        "learner's answers and set `signed_in`. Seconds from the sign-in burst's start:",
        "",
        "| Mode | Signed in | Median s | p95 s | Max s |",
        "|---|--:|--:|--:|--:|",
    ]
    for m in modes:
        t = ready_times(raw, m, "signed_in")
        lines.append(
            f"| {m} | {len(t)} of {attempts[m]} | {fmt(t, statistics.median)} | {fmt(t, p95)} "
            f"| {fmt(t, max)} |"
        )
    slowest = [
        f"round {rd['round']} {rd['mode']} "
        + fmt(
            [ln["marks"]["signed_in"] for ln in rd["learners"] if "signed_in" in ln["marks"]], max
        )
        for rd in raw["rounds"]
    ]
    lines += [
        "",
        f"The slowest sign-in of each round, s: {'; '.join(slowest)}. Signing in is a few SQLite "
        "reads per learner: the kernel opened the store before the learner signed in (a "
        "pooled kernel while it was kept ready, any other 2 s after its workbook was built). "
        "The preheated server replaces the kernels taken "
        f"{refill_words(st)}; "
        + (
            "every preheated burst and its sign-ins were over before then, so the "
            f"{st['learners']} replacements starting together (section 4) took no cores from "
            "these learners."
            if all(
                rd["cpu"]["wall"] + rd.get("sign_in_wall", 0) < st.get("refill_delay", 1.0)
                for rd in rounds["preheated"]
            )
            else f"the {st['learners']} replacements start together and keep both cores busy "
            "for half a minute or more (section 4), so any learner still waiting or signing "
            "in then waits longer."
        ),
        "",
        "## 3. Memory per learner kernel",
        "",
        "Each learner kernel's RSS and USS (memory only that process holds), psutil, MB = 10^6",
        "bytes: once every learner of a burst was ready (the notebook has run), and again once",
        "all had signed in (the store is open). CPU: the kernel's whole life, notebook included.",
        "",
        "| Mode | When | Kernels | RSS median MB | RSS max MB | USS median MB | CPU median s |",
        "|---|---|--:|--:|--:|--:|--:|",
    ]
    for m in modes:
        for when, key in (("ready", "memory"), ("signed in", "memory_signed_in")):
            mem = [k for rd in rounds[m] for k in rd[key]]
            r_, u_, c_ = [k["rss"] for k in mem], [k["uss"] for k in mem], [k["cpu"] for k in mem]
            lines.append(
                f"| {m} | {when} | {len(mem)} | {fmt(r_, statistics.median)} | {fmt(r_, max)} | "
                f"{fmt(u_, statistics.median)} | {fmt(c_, statistics.median)} |"
            )
    if rss:
        lines += [
            "",
            f"{n} signed-in learners' kernels hold about {statistics.median(rss) * n / 1000:.1f} "
            f"GB RSS ({statistics.median(uss) * n / 1000:.1f} GB USS, which counts shared "
            "library pages once); a preheated server keeps as many again warm for the next "
            "learners. A kernel's memory is what it imports: a bare ipykernel kernel holds "
            "about 55 MB RSS (`benchmarks/workbooks.md`, section 3), the workbook's imports "
            "(pydantic, SQLAlchemy, anywidget, mistune, PyYAML and the catalog) most of the "
            "rest; its widget models and a learner's answers are small beside them.",
        ]
    lines += [
        "",
        "## 4. Kernels after all learners disconnect",
        "",
        "Every learner drops its websocket at once, without the page's shutdown beacon (see the",
        "docstring). Learner kernels alive right after, and seconds until none was left (polled",
        "every 0.5 s). Standby: the pool's kernels, which Voila never culls.",
        "",
        "| Round | Mode | Alive after disconnect | Left at the end | All gone after s | "
        "Standby kernels |",
        "|--:|---|--:|--:|--:|--:|",
    ]
    for rd in raw["rounds"]:
        c = rd["culling"]
        lines.append(
            f"| {rd['round']} | {rd['mode']} | {c['curve'][0][1]} | {c['left']} | "
            f"{c['seconds']:.1f} | {c['others']} |"
        )
    refills = [
        rd["refilled"]["seconds"]
        for rd in rounds["preheated"]
        if rd.get("refilled") and rd["refilled"]["warm"]
    ]
    spans = []  # from the first learner kernel culled to the last
    for c in culling:
        first = next((t for t, alive in c["curve"] if alive < c["curve"][0][1]), None)
        if first is not None and c["left"] == 0:
            spans.append((first, c["seconds"] - first))
    standby = st.get("standby", st["learners"])
    lines += [
        "",
        f"With cull_idle_timeout {st['cull_after']} s and cull_interval {st['cull_interval']} s "
        f"a dropped learner's kernel is culled {st['cull_after']} to "
        f"{st['cull_after'] + st['cull_interval']} s after its last activity, then takes a "
        "moment to shut down"
        + (
            f": the first learner kernel went {min(f for f, _ in spans):.0f} to "
            f"{max(f for f, _ in spans):.0f} s after the disconnect, and the culler, which "
            "shuts idle kernels down one after another, needed "
            f"{min(d for _, d in spans):.0f} to {max(d for _, d in spans):.0f} s more for the "
            "rest. "
            if spans
            else ". "
        )
        + "Kernels with an open connection are never culled "
        "(`cull_connected` is False), so a learner reading a page for a long time keeps "
        "their kernel. The preheated server refills its pool "
        f"{refill_words(st)}: the first {standby} kernels were warm "
        f"{raw['initial_fill']:.0f} s after the server started"
        + (
            f"; after a burst the pool was warm again {min(refills):.0f} to "
            f"{max(refills):.0f} s after the burst began (a warm kernel: idle, no activity "
            "for 2 s; section 5 for pools that were not)."
            if refills
            else "."
        ),
        "",
    ]
    return "\n".join(lines + trouble(raw))


def trouble(raw: dict[str, Any]) -> list[str]:
    """Section 5: kernels that failed to start, pools left short, learners who failed."""
    events = raw.get("log_events", {})
    names = list(LOG_EVENTS)
    lines = [
        "## 5. Kernel start-up trouble",
        "",
        "Counted in each server's log over the whole run. Pools: ready kernels missing at the",
        "first fill, before each preheated burst and after it (a pool is accepted short once it",
        f"has not changed for {POOL_SETTLE_S + raw['settings'].get('refill_delay', 0):g} s; "
        f"the script waits at most "
        f"{POOL_WARM_TIMEOUT_S:g} s for it).",
        "",
        "| Server | " + " | ".join(names) + " |",
        "|---|" + "--:|" * len(names),
    ]
    for mode, counts in events.items():
        lines.append(f"| {mode} | " + " | ".join(str(counts.get(k, 0)) for k in names) + " |")
    pre = [rd for rd in raw["rounds"] if rd["mode"] == "preheated"]

    def state(pool: dict[str, Any] | None) -> str:
        if not pool:
            return "-"
        if not pool["warm"]:
            seen = pool.get("seen", {})
            return (
                f"not warm after {pool['seconds']:.0f} s ({seen.get('kernels', '?')} standby "
                f"kernels, {seen.get('idle', '?')} idle)"
            )
        return f"{pool['short']} short" if pool["short"] else "full"

    states = [f"first fill: {state(raw.get('initial_pool'))}"]
    for rd in pre:
        states.append(f"before round {rd['round']}: {state(rd.get('pool_before'))}")
        states.append(f"after round {rd['round']}: {state(rd.get('refilled'))}")
    failures = [
        f"round {rd['round']} {rd['mode']}: `{e}`" for rd in raw["rounds"] for e in rd["errors"]
    ]
    lines += [
        "",
        f"The preheated server's pools: {'; '.join(states)}. Failed learners: {len(failures)}"
        + ("." if not failures else ":"),
    ]
    lines += [f"- {f}" for f in failures[:10]]
    noise = sum(c.get("culler met a kernel still starting", 0) for c in events.values())
    if noise:
        lines += [
            "",
            f'The culler\'s {noise} error(s) "expected a datetime, not the NoneType None" are '
            "jupyter_server's culler reading `last_activity` of a kernel that is still "
            "starting (a cold burst runs longer than the cull interval); it skips that kernel "
            "until its next pass. Harmless, but logged as an error with a traceback.",
        ]
    elif raw["settings"].get("launcher") == "serve":
        lines += [
            "",
            "The culler leaves kernels that are still starting alone "
            "(`nosworkbook.classroom.kernels.ClassroomKernelManager.cull_kernel_if_idle`). "
            "jupyter_server's own culler reads their unset `last_activity` and logs a "
            "traceback for each at every pass: an earlier run of this benchmark, 2026-11-23, "
            "logged 27 on the cold server.",
        ]
    ports = sum(c.get("port already in use", 0) for c in events.values())
    if raw["settings"].get("transport") == "ipc":
        lines += [
            "",
            "Kernels talk to the server over Unix sockets (`nosworkbook.classroom.kernels."
            "IPCKernelManager`), so no TCP port is picked, let go and then bound by the "
            'kernel: the race behind "Address already in use" (jupyter/jupyter_client#276) '
            "cannot happen. (An earlier run of this benchmark on TCP ports, 2026-11-23, counted "
            "6 such failures on the preheated server, and one learner got a page with no "
            "kernel.)",
        ]
    if ports:
        lines += [
            "",
            '"Address already in use": jupyter_client picks free TCP ports for a kernel, '
            "writes them into its connection file and lets them go before the kernel binds "
            "them; when many kernels start at once (a cold burst, a pool refilling, other "
            "servers on the machine) another process can take one in between "
            "(jupyter/jupyter_client#276). The kernel exits; the restarter may start it again "
            "(in one trial run here it tried five times, each time with the same port, then "
            "gave up). Either way the pool keeps the entry: the learner who takes it gets a "
            "broken page (reproduced by hand with a kernel made to die on its third launch: "
            "Voila sends the page's head, then fails with \"Kernel died before replying to "
            'kernel_info", and no widget ever appears). Kernels started with '
            "`--KernelManager.transport=ipc` use Unix sockets in Voila's private connection "
            "folder instead of ports, which removes the race (checked by hand to work with "
            "Voila 0.5.13 and preheated pools).",
        ]
    lines.append("")
    return lines


def explain_time(
    raw: dict[str, Any], ready: dict[str, list[float]], rounds: dict[str, list]
) -> str:
    n = raw["settings"]["learners"]
    nproc = raw["machine"]["nproc"]
    parts = []
    cold = rounds["cold"]
    if cold and ready["cold"]:
        server = statistics.median(rd["cpu"]["server"] for rd in cold)
        kernels = statistics.median(rd["cpu"]["kernels"] for rd in cold)
        wall = statistics.median(rd["cpu"]["wall"] for rd in cold)
        parts.append(
            f"Cold, a burst of {n} cost {kernels:.1f} s of kernel CPU (starting Python, "
            f"importing ipykernel, ipywidgets, anywidget and the catalog, running the cells, "
            "and opening the store on a thread 2 s after the workbook is built, so that "
            "signing in does not wait for it: `nosworkbook.workbook.OPEN_STORE_AFTER_S`) "
            f"and {server:.1f} s in the Voila server process (rendering the pages, relaying "
            f"messages: one Python thread), on {nproc} cores: {wall:.1f} s of wall time for "
            "the burst. The learners queue behind each other, so the p95 is close to the "
            "whole burst."
        )
    pre = rounds["preheated"]
    if pre and ready["preheated"]:
        st = raw["settings"]
        server = statistics.median(rd["cpu"]["server"] for rd in pre)
        wall = statistics.median(rd["cpu"]["wall"] for rd in pre)
        parts.append(
            f"Preheated, the notebook has already run: the page is rendered from the kernel's "
            f"cached outputs and the Voila server spends {server:.1f} s of CPU on a burst "
            f"that lasts {wall:.1f} s (sending the pages, accepting the websockets and "
            "connecting each to its kernel, relaying the state). That is one Python thread "
            "serving every learner in turn, so the last learner's wait is close to the "
            "server's CPU time for the whole burst, and it grows with the class and with "
            "whatever else takes the cores. The replacements for the kernels taken start "
            f"{refill_words(st)}"
        )
        late = [rd for rd in pre if rd["cpu"]["wall"] > st.get("refill_delay", 1.0)]
        if late:
            said = "; ".join(
                f"round {rd['round']}: {rd['cpu']['wall']:.1f} s, {rd['cpu']['kernels']:.1f} s "
                "of kernel CPU"
                for rd in late
            )
            parts[-1] += (
                f", and where a burst outlasted that ({said}) the new kernels started while "
                "learners were still waiting and took the cores from them."
            )
        else:
            parts[-1] += ": after every preheated burst of this run had ended."
        slowest = max(pre, key=lambda rd: rd["cpu"]["wall"])
        others = [rd for rd in pre if rd is not slowest]
        if others and slowest["cpu"]["wall"] > 1.3 * max(rd["cpu"]["wall"] for rd in others):
            cpu = [rd["cpu"]["server"] for rd in others]
            parts.append(
                f"The slowest preheated burst (round {slowest['round']}, "
                f"{slowest['cpu']['wall']:.1f} s) cost the server "
                f"{slowest['cpu']['server']:.1f} s of CPU, against {min(cpu):.1f} to "
                f"{max(cpu):.1f} s for the same work in the other rounds: the same steps took "
                "more CPU time, which points at the shared machine (other guests on the same "
                "host, which this script cannot see) rather than at anything the server did "
                "differently."
            )
    return " ".join(parts)


def plot(raw: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    st = raw["settings"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    colours = {"preheated": "tab:blue", "cold": "tab:orange"}
    for mode, colour in colours.items():
        t = sorted(ready_times(raw, mode))
        if t:
            share = [(i + 1) / len(t) * 100 for i in range(len(t))]
            left.step(t, share, where="post", color=colour, label=f"{mode} (p95 {p95(t):.2f} s)")
    left.axvline(TARGET_P95_S, color="grey", linestyle="--", linewidth=1)
    left.axhline(95, color="grey", linestyle=":", linewidth=1)
    left.set_xscale("log")
    left.set_xlabel("seconds from the burst's start until ready (log scale)")
    left.set_ylabel("% of learners ready")
    left.set_title(f"{st['learners']} learners open {st['unit']} at once")
    left.legend(loc="lower right")
    for rd in raw["rounds"]:
        xs, ys = zip(*rd["culling"]["curve"], strict=True)
        right.step(
            xs, ys, where="post", color=colours[rd["mode"]], alpha=0.8,
            label=f"round {rd['round']} {rd['mode']}",
        )  # fmt: skip
    right.axvline(st["cull_after"], color="grey", linestyle="--", linewidth=1)
    right.set_xlabel("seconds after every learner disconnected")
    right.set_ylabel("learner kernels alive")
    right.set_title(
        f"Culling (idle timeout {st['cull_after']} s, interval {st['cull_interval']} s)"
    )
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(PNG, dpi=110)
    plt.close(fig)


# --- main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=30, help="learners per burst (and pool)")
    parser.add_argument("--rounds", type=int, default=3, help="bursts per mode")
    parser.add_argument("--unit", default="INSCS027", help="the unit every learner opens")
    parser.add_argument("--cull-after", type=int, default=20, help="cull_idle_timeout, s")
    parser.add_argument(
        "--cull-interval",
        type=int,
        default=5,
        help="cull_interval, s (--launcher voila; nosworkbook serve derives it from --cull-after)",
    )
    parser.add_argument(
        "--launcher",
        choices=["serve", "voila"],
        help="start servers with `nosworkbook serve` (the default when it has --pool) or with "
        "standalone Voila and explicit flags",
    )
    parser.add_argument(
        "--max-kernels", type=int, default=100, help="nosworkbook serve's --max-kernels"
    )
    parser.add_argument("--keep-logs", type=Path, help="copy the servers' logs to this folder")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 10 learners, 1 round")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite the .md/.png")
    parser.add_argument("--json", type=Path, help="also write the raw results as JSON here")
    parser.add_argument("--from-json", type=Path, help="measure nothing: report a --json file")
    args = parser.parse_args()
    if args.quick:
        args.learners, args.rounds = min(args.learners, 10), 1
    if args.launcher is None:
        args.launcher = "serve" if serve_has_pools() else "voila"
    if args.launcher == "serve":
        from nosworkbook.classroom.server import cull_interval

        args.cull_interval = cull_interval(args.cull_after)
    sigterm_as_ctrl_c()  # clean up on kill as on Ctrl-C

    raw = json.loads(args.from_json.read_text()) if args.from_json else run(args)
    if args.json and not args.from_json:
        args.json.write_text(json.dumps(raw, indent=1))
    text = report(raw)
    print(text)
    if not args.no_write:
        MARKDOWN.write_text(text)
        plot(raw)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
