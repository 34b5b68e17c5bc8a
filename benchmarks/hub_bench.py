"""Benchmark: 30 learners sign in to `nosworkbook hub` and open a unit at once, with and
without `--ready`, beside `nosworkbook serve` preheated, in the same run.

    .venv/bin/python benchmarks/hub_bench.py                 # rewrites its section of hub.md
    .venv/bin/python benchmarks/hub_bench.py --learners 4 --rounds 1 --no-write   # a smoke run

A cohort of `--learners` learners and one unit (`--unit`) is built with `nosworkbook build`,
and each learner is issued an access code. Every learner is an asyncio task in this one
process (no browsers competing for the cores); all start together, and each is timed from
that moment:

- through the hub (`nosworkbook hub`, the real JupyterHub and proxy): GET /hub/login for the
  form's _xsrf, POST the id and access code (`signed in`), then what a browser does next:
  follow the redirects to /hub/spawn, which starts the learner's own server (the hardened
  Voila of `nosworkbook.hub.singleuser`), polling the spawn-pending page once a second as the
  hub's page does, until the server answers (`server`); then GET the unit's page through the
  proxy (Voila starts a kernel and runs the notebook in it: `page`), open the kernel's
  websocket through the proxy and ask for every widget's state as Voila's page does (the
  kernel's widget comms, then each one's state): `ready` once all have arrived;
- through the hub with `--ready-unit UNIT`: the same, once the hub has started every
  learner's server, each with a kernel kept ready for the index and one for the unit (the
  notebooks run in them), and all are quiet;
- with `nosworkbook serve --pool N --units UNIT` (N kernels kept ready with the unit already
  run in them, waited for until the server and its kernels are quiet): GET the unit's page
  and the same websocket steps. Serve has its own sign-in, after the page: not timed here.

Memory, once every learner is ready: through the hub, each learner's server process and its
kernel (RSS and USS, psutil); with serve, each learner's kernel, and the one server's process.
Each round starts the hub (or serve) afresh and stops it after, so no learner's server is
left from the round before; the three take turns (in reverse order in even rounds).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import common
import httpx
import psutil
from classroom_bench import (
    KERNEL_ID,
    LEARNER_TIMEOUT_S,
    MB,
    WS_PROTOCOL,
    Server,
    wait_quiet,
    widget_states,
)
from common import machine, percentile, sigterm_as_ctrl_c, versions

from nosworkbook import testing
from nosworkbook.classroom.access import issue_codes
from nosworkbook.store import open_store

HEADING = "## 30 learners signing in and opening a unit at once"
SLUG = "hub-bench"
XSRF = re.compile(r'name="_xsrf" value="([^"]+)"')
HUB_START_S = 120.0
SPAWN_POLL_S = 1.0  # the hub's spawn-pending page checks about this often
POOL_TIMEOUT_S = 300.0  # serve: how long its pools may take to fill
READY_TIMEOUT_S = 600.0  # --ready: how long the learners' servers may take to start
QUIET_S = 2.0
MODES = {
    "hub": "Through the hub",
    "ready": "Through the hub, `--ready`",
    "serve": "`nosworkbook serve`, preheated",
}


def learner_id(n: int) -> str:
    return f"learner{n:02d}"


def build(folder: Path, learners: int, unit: str) -> tuple[Path, Path, dict[str, str]]:
    """The cohort file, built; its store with every learner's access code; the codes."""
    roster = "\n".join(f"  - {{id: {learner_id(n)}}}" for n in range(learners))
    cohort = folder / "cohort.yaml"
    cohort.write_text(
        f"name: Hub benchmark\nslug: {SLUG}\nunits: [{unit}]\nlearners:\n{roster}\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "nosworkbook", "build", str(cohort)],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"nosworkbook build failed:\n{done.stdout}{done.stderr}")
    store = folder / "progress.sqlite"
    with open_store(store) as opened:
        codes = issue_codes(opened, SLUG, [learner_id(n) for n in range(learners)]).codes
    return cohort, store, codes


class Hub:
    """`nosworkbook hub` for the cohort, in its own process group."""

    def __init__(
        self, folder: Path, cohort: Path, store: Path, learners: int = 0, unit: str = ""
    ) -> None:
        self.folder, self.cohort, self.store = folder, cohort, store
        self.ready = learners  # > 0: `--ready-unit unit`, and wait until their servers are up
        self.unit = unit
        self.port = testing.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.state = folder / "hub-state"
        self.log = folder / "hub.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = testing.jupyter_env(self.folder / "home", NOSWORKBOOK_STORE=str(self.store))
        command = [sys.executable, "-m", "nosworkbook", "hub", str(self.cohort)]
        command += ["--port", str(self.port), "--state", str(self.state)]
        command += ["--cull-after", "3600", "--max-servers", "0"]
        command += ["--ready-unit", self.unit] if self.ready else []
        before = self.log.stat().st_size if self.log.exists() else 0
        self.proc = testing.start_logged(
            command, cwd=self.folder, env=env, log=self.log, append=True
        )
        deadline = time.monotonic() + HUB_START_S
        awaited = "JupyterHub is now running"
        if self.ready:
            awaited = f"{self.ready} of {self.ready} learners' servers are up"
            deadline += READY_TIMEOUT_S
        while awaited not in self.log.read_text(errors="replace")[before:]:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the hub did not start:\n{testing.log_tail(self.log)}")
            time.sleep(0.2)
        if self.ready:
            self.wait_ready(deadline)

    def wait_ready(self, deadline: float) -> None:
        """Until every learner's server has its two kernels kept ready (the index's and the
        unit's) and they are all quiet (the notebooks have run), as a class arriving some
        minutes after the hub started finds them."""
        while True:
            servers = self.servers()
            if len(servers) == self.ready and all(len(p) == 3 for p in servers.values()):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the learners' servers were not ready: {len(servers)} up")
            time.sleep(1)
        procs = [p for group in self.servers().values() for p in group]
        while time.monotonic() < deadline:
            before = sum(sum(p.cpu_times()[:2]) for p in procs)
            time.sleep(QUIET_S)
            used = sum(sum(p.cpu_times()[:2]) for p in procs) - before
            if used < 0.05 * QUIET_S * len(procs) / 10:  # under half a percent of a core each
                return

    def servers(self) -> dict[str, list[psutil.Process]]:
        """Each learner's server process and its descendants (the kernels), by learner."""
        found: dict[str, list[psutil.Process]] = {}
        for proc in psutil.process_iter(["cmdline", "environ"]):
            with contextlib.suppress(psutil.Error):
                if "nosworkbook.hub.singleuser" not in " ".join(proc.info["cmdline"] or ()):
                    continue
                user = (proc.info["environ"] or {}).get("JUPYTERHUB_USER", "")
                if user:
                    found[user] = [proc, *proc.children(recursive=True)]
        return found

    def stop(self) -> None:
        """The hub stops every learner's server and the proxy; anything left is killed."""
        if self.proc is None:
            return
        left = [p for procs in self.servers().values() for p in procs]
        testing.stop_process_group(self.proc, term_timeout=90)
        self.proc = None
        _gone, alive = psutil.wait_procs(left, timeout=10)
        for proc in alive:
            with contextlib.suppress(psutil.Error):
                proc.kill()


class Visitor:
    """One learner's browser, minus the drawing: their cookies, the unit's page, its kernel's
    websocket and the widgets' states, asked for as Voila's page asks (the kernel's widget
    comms, then each one's state; `tests/hub_server.widget_states` does the same)."""

    def __init__(self, index: int, base: str) -> None:
        self.index, self.base = index, base
        self.marks: dict[str, float] = {}
        self.error = ""
        self.kernel_id = ""
        self.ws: Any = None
        self.client = httpx.AsyncClient(
            base_url=base, follow_redirects=False, timeout=LEARNER_TIMEOUT_S
        )

    async def close(self) -> None:
        if self.ws is not None:
            self.ws.close()
        await self.client.aclose()

    async def sign_in(self, code: str, start: float) -> None:
        """The hub's login form, then /hub/spawn until the learner's own server answers."""
        form = await self.client.get("/hub/login")
        xsrf = XSRF.search(form.text)
        if not xsrf:
            raise RuntimeError(f"no _xsrf in the login page ({form.status_code})")
        data = {"_xsrf": xsrf[1], "username": learner_id(self.index), "password": code}
        signed = await self.client.post("/hub/login", data=data)
        if signed.status_code != 302:
            raise RuntimeError(f"sign-in answered {signed.status_code}")
        self.marks["signed_in"] = time.perf_counter() - start
        await self.follow("/hub/spawn")
        self.marks["server"] = time.perf_counter() - start

    async def follow(self, path: str) -> None:
        """GET `path` and its redirects, waiting on the spawn-pending page as a browser does."""
        url, hops = path, 0
        while True:
            reply = await self.client.get(url)
            if reply.status_code in (301, 302, 303, 307) and hops < 20:
                url, hops = reply.headers["location"], hops + 1
                continue
            if "spawn-pending" in url:
                await asyncio.sleep(SPAWN_POLL_S)
                url, hops = path, 0
                continue
            if reply.status_code != 200:
                raise RuntimeError(f"{url} answered {reply.status_code}")
            return

    async def open(self, prefix: str, unit: str, start: float) -> None:
        """The unit's page under `prefix` ("" or /user/<id>), then its widgets: `ready`."""
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        page = await self.client.get(f"{prefix}/voila/render/{unit}.ipynb")
        if page.status_code != 200:
            raise RuntimeError(f"the unit's page answered {page.status_code}")
        self.marks["page"] = time.perf_counter() - start
        found = KERNEL_ID.search(page.text)
        if not found:
            raise RuntimeError("no kernelId in the page")
        self.kernel_id = found[1]
        kernel = await self.client.get(f"{prefix}/api/kernels/{self.kernel_id}")
        if kernel.status_code != 200:
            raise RuntimeError(f"the page's kernel answered {kernel.status_code}")
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.client.cookies.jar)
        session = uuid.uuid4().hex
        url = self.base.replace("http", "ws", 1)
        url += f"{prefix}/api/kernels/{self.kernel_id}/channels?session_id={session}"
        self.ws = await websocket_connect(
            HTTPRequest(url, headers={"Cookie": cookie}, connect_timeout=60),
            subprotocols=[WS_PROTOCOL],
        )
        await widget_states(self.ws, session)
        self.marks["ready"] = time.perf_counter() - start


async def together(visitors: list[Visitor], visit: Any) -> None:
    """Every visitor's `visit` at once, each with a time limit; failures are noted."""

    async def one(visitor: Visitor) -> None:
        try:
            await asyncio.wait_for(visit(visitor), LEARNER_TIMEOUT_S)
        except Exception as exc:  # every failure is counted and reported
            visitor.error = f"{type(exc).__name__}: {exc}"[:200]

    await asyncio.gather(*(one(visitor) for visitor in visitors))


async def hub_round(hub: Hub, codes: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    waiting = []  # with --ready: each learner's server as it waits, before anyone arrives
    for procs in hub.servers().values():
        with contextlib.suppress(psutil.Error):
            waiting.append(sum(p.memory_full_info().uss for p in procs) / MB)
    visitors = [Visitor(n, hub.url) for n in range(args.learners)]
    start = time.perf_counter()

    async def visit(visitor: Visitor) -> None:
        await visitor.sign_in(codes[learner_id(visitor.index)], start)
        await visitor.open(f"/user/{learner_id(visitor.index)}", args.unit, start)

    await together(visitors, visit)
    memory = []
    for procs in hub.servers().values():
        with contextlib.suppress(psutil.Error):
            server, kernels = procs[0].memory_full_info(), [p.memory_full_info() for p in procs[1:]]
            memory.append(
                {
                    "server_rss": server.rss / MB,
                    "server_uss": server.uss / MB,
                    "kernel_rss": sum(k.rss for k in kernels) / MB,
                    "kernel_uss": sum(k.uss for k in kernels) / MB,
                }
            )
    for visitor in visitors:
        await visitor.close()
    return {
        "learners": [{"marks": v.marks, "error": v.error} for v in visitors],
        "memory": memory,
        "waiting_uss": waiting,
    }


async def serve_round(server: Server, args: argparse.Namespace) -> dict[str, Any]:
    """Once the pools hold their kernels and the server and kernels are quiet (the notebook
    has run in each), every learner opens the unit."""
    deadline = time.monotonic() + POOL_TIMEOUT_S
    while len(server.kernels()) < server.standby and time.monotonic() < deadline:
        await asyncio.sleep(1)
    await wait_quiet([server])
    visitors = [Visitor(n, server.base) for n in range(args.learners)]
    start = time.perf_counter()

    async def visit(visitor: Visitor) -> None:
        await visitor.open("", args.unit, start)

    await together(visitors, visit)
    kernels = server.kernels()
    memory = []
    for visitor in visitors:
        with contextlib.suppress(KeyError, psutil.Error):
            info = kernels[visitor.kernel_id].memory_full_info()
            memory.append({"rss": info.rss / MB, "uss": info.uss / MB})
    root = server.processes()[0].memory_full_info()
    for visitor in visitors:
        await visitor.close()
    return {
        "learners": [{"marks": v.marks, "error": v.error} for v in visitors],
        "memory": memory,
        "server": {"rss": root.rss / MB, "uss": root.uss / MB},
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    measured_on = machine(versions("jupyterhub", "voila", "jupyter_server", "httpx"))
    rounds: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="nosw-hub-bench-") as tmp:
        folder = Path(tmp)
        cohort, store, codes = build(folder, args.learners, args.unit)
        served = folder / "build" / SLUG
        settings = SimpleNamespace(
            learners=args.learners,
            unit=args.unit,
            launcher="serve",
            cull_after=3600,
            cull_interval=60,
            max_kernels=4 * args.learners + 10,
        )
        for r in range(args.rounds):
            for mode in list(MODES) if r % 2 == 0 else list(MODES)[::-1]:
                print(f"round {r + 1}: {mode}", flush=True)
                if mode in ("hub", "ready"):
                    ready = args.learners if mode == "ready" else 0
                    hub = Hub(folder, cohort, store, ready, args.unit)
                    try:
                        hub.start()
                        found = asyncio.run(hub_round(hub, codes, args))
                    finally:
                        hub.stop()
                else:
                    server = Server("preheated", served, folder, settings)
                    try:
                        server.start()
                        found = asyncio.run(serve_round(server, args))
                    finally:
                        server.stop()
                rounds.append({"round": r + 1, "mode": mode, **found})
                ready = [ln["marks"]["ready"] for ln in found["learners"] if "ready" in ln["marks"]]
                failed = [ln["error"] for ln in found["learners"] if ln["error"]]
                print(
                    f"  ready {len(ready)}/{args.learners}, median "
                    f"{statistics.median(ready) if ready else float('nan'):.1f} s"
                    + (f"; {len(failed)} failed: {failed[0]}" if failed else ""),
                    flush=True,
                )
    return {
        "machine": measured_on,
        "learners": args.learners,
        "unit": args.unit,
        "rounds": rounds,
        "load_end": os.getloadavg(),
    }


def summary(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):.1f} / {percentile(values, 95):.1f}"


def report(raw: dict[str, Any]) -> str:
    m, n = raw["machine"], raw["learners"]
    by_mode: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
    for found in raw["rounds"]:
        by_mode[found["mode"]].append(found)

    def marks(mode: str, mark: str) -> list[float]:
        return [
            ln["marks"][mark]
            for found in by_mode[mode]
            for ln in found["learners"]
            if mark in ln["marks"]
        ]

    def errors(mode: str) -> list[str]:
        return [ln["error"] for found in by_mode[mode] for ln in found["learners"] if ln["error"]]

    def memory(mode: str, key: str) -> list[float]:
        return [row[key] for found in by_mode[mode] for row in found["memory"] if key in row]

    rounds = len(raw["rounds"]) // len(MODES) or 1
    lines = [
        HEADING,
        "",
        f"{n} learners start together, {rounds} round(s) of each, alternating. Through the "
        "hub each signs in with their access code, the hub starts their own server, and they "
        f"open {raw['unit']} through the proxy; with `--ready` the hub has started every "
        "learner's server before they arrive; with `nosworkbook serve` preheated they open "
        "the same unit from kernels kept ready. Ready is when the page's widgets have all "
        "arrived over the kernel's websocket. Seconds from the start, median / p95 over "
        "every learner of every round. Reproduce with `.venv/bin/python "
        "benchmarks/hub_bench.py`; its docstring says exactly what is timed.",
        "",
        f"- Date: {m['date']}; load average {m['load'][0]:.1f} at the start, "
        f"{raw['load_end'][0]:.1f} at the end",
        f"- Machine: {m['nproc']} CPUs (nproc), {m['cpu']}, {m['ram_gib']:.0f} GiB",
        "- " + ", ".join(f"{name} {version}" for name, version in m["versions"].items()),
        "",
        "| | Signed in | Own server up | Page | Ready | Learners ready |",
        "|:--|--:|--:|--:|--:|--:|",
    ]
    for mode, label in MODES.items():
        total = sum(len(found["learners"]) for found in by_mode[mode])
        ready = marks(mode, "ready")
        lines.append(
            f"| {label} | {summary(marks(mode, 'signed_in'))} | "
            f"{summary(marks(mode, 'server'))} | {summary(marks(mode, 'page'))} | "
            f"**{summary(ready)}** | {len(ready)} of {total} |"
        )
    lines += [
        "",
        "Memory once every learner was ready (MB, median over learners):",
        "",
    ]
    hub_server, hub_kernel = memory("hub", "server_rss"), memory("hub", "kernel_rss")
    hub_uss = [
        row["server_uss"] + row["kernel_uss"] for found in by_mode["hub"] for row in found["memory"]
    ]
    if hub_server:
        lines.append(
            f"- Through the hub, each learner's own server: the server process "
            f"{statistics.median(hub_server):.0f} MB RSS and its kernel "
            f"{statistics.median(hub_kernel):.0f} MB RSS; "
            f"{statistics.median(hub_uss):.0f} MB unique to that learner (USS, both)."
        )
    serve_kernel = memory("serve", "rss")
    serve_uss = memory("serve", "uss")
    servers = [found["server"]["rss"] for found in by_mode["serve"]]
    if serve_kernel:
        lines.append(
            f"- `nosworkbook serve`: each learner's kernel {statistics.median(serve_kernel):.0f} "
            f"MB RSS ({statistics.median(serve_uss):.0f} MB USS), and one server process for "
            f"everyone, {statistics.median(servers):.0f} MB RSS."
        )
    for mode in MODES:
        found = errors(mode)
        if found:
            lines.append(f"- {mode}: {len(found)} learner(s) failed: {found[0]}")
    hub_ready, serve_ready = marks("hub", "ready"), marks("serve", "ready")
    warm_ready = marks("ready", "ready")
    waiting = [uss for found in by_mode["ready"] for uss in found.get("waiting_uss", [])]
    if hub_ready and serve_ready and hub_uss and serve_uss:
        hub_s, serve_s = statistics.median(hub_ready), statistics.median(serve_ready)
        own = statistics.median(hub_uss)
        lines += [
            "",
            f"Through the hub a learner waited {hub_s / serve_s:.0f} times as long as with "
            f"serve preheated ({hub_s:.1f} s against {serve_s:.1f} s at the median). Each "
            "learner's server is a process of its own, started when they sign in, and its "
            "kernel starts and runs the notebook only when the page is asked for; "
            f"{n} of them starting at once share this machine's {m['nproc']} cores (the "
            f"servers were up {statistics.median(marks('hub', 'server')):.0f} s after the "
            "start at the median). Serve keeps kernels ready with the notebook already run, "
            "and one server process for everyone.",
        ]
        if warm_ready and waiting:
            warm_s = statistics.median(warm_ready)
            lines += [
                "",
                f"With `--ready-unit {raw['unit']}` the hub starts every learner's server as "
                "it starts, each keeping a kernel ready for the index and one for the unit "
                "with the notebook already run, as serve does, so the class finds them up: "
                f"a learner waited {warm_s:.1f} s at the median, {hub_s / warm_s:.0f} times "
                f"less than without, against serve's {serve_s:.1f} s. Such a kernel reads the "
                "learner's answers when their page arrives, not when it was made ready. "
                f"Each server, with its two kernels, waited for its learner with "
                f"{statistics.median(waiting):.0f} MB of its own (USS) before the class "
                "arrived.",
            ]
        lines += [
            "",
            f"Each learner on the hub holds {own:.0f} MB of their own (server and kernel, "
            f"USS), against {statistics.median(serve_uss):.0f} MB for a kernel under serve: "
            f"300 learners signed in at once would hold about {300 * own / 1000:.0f} GB on "
            "the machines running their servers, with the hub's cap on running servers and "
            "idle culling keeping it to those at work.",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--unit", default="INSCS001")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite hub.md")
    args = parser.parse_args()
    sigterm_as_ctrl_c()
    text = report(run(args))
    if not args.no_write:
        common.write_section("hub.md", HEADING, text, "# JupyterHub")
    print(text)


if __name__ == "__main__":
    main()
