"""What one request costs the store service's HTTP server and a kernel's HTTP client, for
the servers and clients the store service could use, side by side in one run.

    .venv/bin/python benchmarks/http_stack_bench.py          # rewrites its section of hub.md
    .venv/bin/python benchmarks/http_stack_bench.py --no-write --requests 500

The store service answers a classroom's burst of saves on one event loop, and the kernels
sending them share the hub's cores with it, so CPU time per request on both sides is what a
burst waits for. Each server runs in its own process and answers every POST with a save's
answer (the same bytes the store service sends), doing nothing else; each client is a kept-
alive connection in this process sending a save's request (the body and headers RemoteStore
sends) one after another. CPU is user and system time: the server process's over the run,
and this process's own. Each figure is the median over `--repeats` runs of `--requests`.

Servers: tornado (as JupyterHub's own services are written), and uvicorn with httptools and
uvloop (the store service since December 2026). Clients: httpx, urllib3 (RemoteStore), and
the standard library's http.client for the floor.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import socket
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import common
from common import machine, sigterm_as_ctrl_c, versions

HEADING = "## One request's cost: the service's HTTP server and a kernel's client"
PATH = "/services/nosworkbook-store/api/save"
ANSWER = json.dumps(
    {
        "result": {
            "criterion": "INSCS001.PC1",
            "rating": "Competent",
            "evidence": "note 7: called the customer back the same day",
            "changed_at": "2026-12-02T10:00:00.123456+00:00",
        }
    }
).encode()
LOADED = b'{"result": {}}'
"""The answer to a load (uvicorn_server's), so that a RemoteStore can use the server."""
REQUEST = json.dumps(
    {
        "cohort": "bench",
        "learner": "learner07",
        "criterion": "INSCS001.PC1",
        "rating": "Competent",
        "evidence": "note 7: called the customer back the same day",
    }
).encode()
HEADERS = {"Authorization": "token " + "t" * 32, "Content-Type": "application/json"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tornado_server(port: int) -> None:
    import asyncio

    from tornado import web

    class Save(web.RequestHandler):
        def post(self) -> None:
            self.set_header("Content-Type", "application/json; charset=utf-8")
            self.finish(ANSWER)

    async def serve() -> None:
        web.Application([(PATH, Save)]).listen(port, "127.0.0.1")
        await asyncio.Event().wait()

    asyncio.run(serve())


def uvicorn_server(port: int) -> None:
    """A server answering every save at once with a save's answer, on the service's stack
    (and a load with nothing): the store service with no work of its own."""
    import uvicorn
    import uvloop

    headers = [(b"content-type", b"application/json; charset=utf-8")]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:
            more = (await receive()).get("more_body", False)
        body = LOADED if scope["path"].endswith("/load") else ANSWER
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        loop="none",
        http="httptools",
        ws="none",
        lifespan="off",
        log_level="warning",
        access_log=False,
        proxy_headers=False,
    )
    uvloop.run(uvicorn.Server(config).serve())


SERVERS: dict[str, Callable[[int], None]] = {
    "tornado": tornado_server,
    "uvicorn, httptools, uvloop": uvicorn_server,
}


def clients(port: int) -> dict[str, Callable[[], Any]]:
    """One kept-alive client of each kind: a callable sending one save and reading its JSON."""
    import httpx
    import urllib3

    url = f"http://127.0.0.1:{port}{PATH}"
    with_httpx = httpx.Client(headers=HEADERS)
    with_urllib3 = urllib3.PoolManager(num_pools=1, maxsize=1, headers=HEADERS, retries=False)
    plain = http.client.HTTPConnection("127.0.0.1", port)

    def stdlib() -> Any:
        plain.request("POST", PATH, body=REQUEST, headers=HEADERS)
        return json.loads(plain.getresponse().read())

    return {
        "httpx": lambda: with_httpx.post(url, content=REQUEST).json(),
        "urllib3": lambda: json.loads(with_urllib3.request("POST", url, body=REQUEST).data),
        "http.client": stdlib,
    }


def wait_for(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"the server on port {port} did not start")


def measure(args: argparse.Namespace) -> list[dict[str, Any]]:
    import psutil

    rows = []
    ctx = multiprocessing.get_context("spawn")
    for server_name, target in SERVERS.items():
        port = free_port()
        proc = ctx.Process(target=target, args=(port,), daemon=True)
        proc.start()
        try:
            wait_for(port)
            server = psutil.Process(proc.pid)
            for client_name, send in clients(port).items():
                for _ in range(100):  # warm up: connections made, code paths taken
                    send()
                server_ms, client_ms, wall_ms = [], [], []
                for _ in range(args.repeats):
                    server_before = sum(server.cpu_times()[:2])
                    client_before = time.process_time()
                    began = time.perf_counter()
                    for _ in range(args.requests):
                        send()
                    wall_ms.append((time.perf_counter() - began) * 1000 / args.requests)
                    client_ms.append((time.process_time() - client_before) * 1000 / args.requests)
                    server_cpu = sum(server.cpu_times()[:2]) - server_before
                    server_ms.append(server_cpu * 1000 / args.requests)
                rows.append(
                    {
                        "server": server_name,
                        "client": client_name,
                        "server_ms": statistics.median(server_ms),
                        "client_ms": statistics.median(client_ms),
                        "wall_ms": statistics.median(wall_ms),
                    }
                )
                print(rows[-1], flush=True)
        finally:
            proc.kill()
            proc.join()
    return rows


def report(rows: list[dict[str, Any]], info: dict[str, Any], args: argparse.Namespace) -> str:
    by = {(row["server"], row["client"]): row for row in rows}
    server = {
        name: statistics.median(row["server_ms"] for row in rows if row["server"] == name)
        for name in SERVERS
    }
    client = {
        name: statistics.median(row["client_ms"] for row in rows if row["client"] == name)
        for name in ("httpx", "urllib3", "http.client")
    }
    lines = [
        HEADING,
        "",
        f"One kept-alive connection sending a save's request {args.requests} times, one after "
        "another, to a server that answers each with a save's answer and does nothing else; "
        f"medians of {args.repeats} runs. CPU is user and system time per request, the "
        "server process's and the client's. Reproduce with "
        "`.venv/bin/python benchmarks/http_stack_bench.py`.",
        "",
        *common.machine_lines(info),
        "",
        "| Server | Client | Server CPU ms/request | Client CPU ms/request | Wall ms/request |",
        "|:-------|:-------|----------------------:|----------------------:|----------------:|",
    ]
    for (server_name, client_name), row in by.items():
        lines.append(
            f"| {server_name} | {client_name} | {row['server_ms']:.3f} | "
            f"{row['client_ms']:.3f} | {row['wall_ms']:.3f} |"
        )
    fast, slow = server["uvicorn, httptools, uvloop"], server["tornado"]
    lines += [
        "",
        f"- Server, the median over the clients: tornado {slow:.3f} ms of CPU a request, "
        f"uvicorn {fast:.3f} ms ({slow / fast:.1f} times less). Thirty saves arriving "
        f"together cost the service's one event loop about {30 * slow:.0f} ms on tornado "
        f"and {30 * fast:.0f} ms on uvicorn before any database work.",
        f"- Client, the median over the servers: httpx {client['httpx']:.3f} ms, urllib3 "
        f"{client['urllib3']:.3f} ms ({client['httpx'] / client['urllib3']:.1f} times less), "
        f"http.client {client['http.client']:.3f} ms. RemoteStore uses urllib3: the floor of "
        "http.client would mean writing connection reuse and reconnection by hand.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="do not rewrite hub.md")
    args = parser.parse_args()
    sigterm_as_ctrl_c()
    rows = measure(args)
    info = machine(versions("tornado", "uvicorn", "httptools", "uvloop", "httpx", "urllib3"))
    text = report(rows, info, args)
    print(text)
    if not args.no_write:
        common.write_section("hub.md", HEADING, text, "# JupyterHub")


if __name__ == "__main__":
    sys.exit(main())
