"""Learners' servers started before the class arrives (`nosworkbook hub --ready`).

A class signing in together waits for thirty servers starting at once on the same cores
(`benchmarks/hub.md`). With `--ready`, this hub service starts every roster learner's server
as the hub starts, in roster order and within the hub's cap on running servers, so a learner
signing in goes straight to a server that is already up. Each server waits with about 160 MB
of its own, and the idle culler stops one nobody has used within `--cull-after`, so start the
hub shortly before the class.

The service makes the roster's hub users it needs (a learner who has never signed in has
none), asks the hub to start the servers that are not running, says in the hub's log how many
are up, and then waits: the hub restarts a managed service that ends, and a hub restarted
mid-lesson starts it again, which then starts only the servers that are not running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import time
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

SERVICE_NAME = "ready-servers"
COHORT_ENV = "NOSWORKBOOK_HUB_READY_COHORT"
CAP_ENV = "NOSWORKBOOK_HUB_READY_CAP"
HUB_WAIT_S = 120.0
"""How long to wait for the hub's API to answer before giving up (the hub starts services
before it listens)."""
UP_WAIT_S = 600.0
"""How long to report on servers still starting; a class of thirty on 2 cores needs ~60 s."""
POLL_S = 1.0
PAGE = 200  # the hub's default most users a page (`api_page_max_limit`)

log = logging.getLogger(SERVICE_NAME)


def service_config(cohort_file: str, cap: int, python: str = sys.executable) -> dict[str, Any]:
    """The `c.JupyterHub.services` entry for this service."""
    return {
        "name": SERVICE_NAME,
        "command": [python, "-m", "nosworkbook.hub.ready"],
        "environment": {COHORT_ENV: cohort_file, CAP_ENV: str(cap)},
        "display": False,
    }


def role() -> dict[str, Any]:
    """Its `c.JupyterHub.load_roles` entry: making users needs `admin:users`; starting and
    reading their servers, `servers`."""
    scopes = ["admin:users", "servers"]
    return {"name": SERVICE_NAME, "scopes": scopes, "services": [SERVICE_NAME]}


def servers_to_start(
    roster: Iterable[str], users: Mapping[str, Mapping[str, Any]], cap: int
) -> tuple[list[str], list[str]]:
    """Which roster learners' servers to start, in roster order, and which the cap leaves
    waiting. `users` is the hub's users by name (its API's model: `servers` holds a running
    or starting server); every running server counts against `cap` (0: no cap)."""
    running = sum(1 for user in users.values() if user.get("servers"))
    idle = [name for name in dict.fromkeys(roster) if not users.get(name, {}).get("servers")]
    room = len(idle) if cap <= 0 else max(0, cap - running)
    return idle[:room], idle[room:]


class HubAPI:
    """The hub's REST API with this service's token."""

    def __init__(self, url: str, token: str) -> None:
        import httpx

        self.url = url.rstrip("/")
        self.client = httpx.AsyncClient(headers={"Authorization": f"token {token}"}, timeout=60.0)

    async def close(self) -> None:
        await self.client.aclose()

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        return await self.client.request(method, f"{self.url}{path}", **kwargs)

    async def wait_until_up(self) -> None:
        import httpx

        deadline = time.monotonic() + HUB_WAIT_S
        while True:
            try:
                if (await self.call("GET", "/")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the hub's API at {self.url} did not answer")
            await asyncio.sleep(POLL_S)

    async def users(self, names: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The named users the hub has, with their servers."""
        found = {}
        for name in names:
            reply = await self.call("GET", f"/users/{urllib.parse.quote(name)}")
            if reply.status_code == 200:
                found[name] = reply.json()
        return found

    async def running(self, state: str = "active") -> dict[str, dict[str, Any]]:
        """Every hub user who has a server running or starting (`state` "active"), or ready
        (`state` "ready"), page by page: one request a page, not one a learner."""
        found: dict[str, dict[str, Any]] = {}
        while True:
            params = {"state": state, "offset": len(found), "limit": PAGE}
            reply = await self.call("GET", "/users", params=params)
            reply.raise_for_status()
            page = reply.json()
            found.update((user["name"], user) for user in page)
            if len(page) < PAGE:
                return found


async def make_ready(api: HubAPI, roster: list[str], cap: int) -> list[str]:
    """Start the roster's servers that are not running (see the module); the names started."""
    await api.wait_until_up()
    known = await api.users(roster)
    missing = [name for name in roster if name not in known]
    if missing:
        made = await api.call("POST", "/users", json={"usernames": missing})
        if made.status_code not in (201, 409):
            raise RuntimeError(f"the hub would not add the roster's users ({made.status_code})")
    users = {**{name: {} for name in roster}, **(await api.running())}
    start, waiting = servers_to_start(roster, users, cap)
    started = []
    for name in start:
        reply = await api.call("POST", f"/users/{urllib.parse.quote(name)}/server")
        if reply.status_code in (201, 202):
            started.append(name)
        elif reply.status_code == 429:  # the cap, reached by someone signing in meanwhile
            waiting = [*start[start.index(name) :], *waiting]
            break
        elif reply.status_code != 400:  # 400: already running
            log.warning("[%s] %s's server did not start (%s)", SERVICE_NAME, name, reply.text)
    if waiting:
        log.warning(
            "[%s] the cap on running servers (%d) leaves %d learner(s) to start their own "
            "server when they sign in: %s",
            SERVICE_NAME,
            cap,
            len(waiting),
            ", ".join(waiting),
        )
    await report_up(api, started)
    return started


async def report_up(api: HubAPI, started: list[str]) -> None:
    """Say in the hub's log when the servers asked for are up (or how many are, at the end)."""
    deadline = time.monotonic() + UP_WAIT_S
    up: list[str] = []
    while started:
        ready = await api.running("ready")
        up = [n for n in started if ready.get(n, {}).get("servers", {}).get("", {}).get("ready")]
        if len(up) == len(started) or time.monotonic() > deadline:
            break
        await asyncio.sleep(POLL_S)
    log.info("[%s] %d of %d learners' servers are up", SERVICE_NAME, len(up), len(started))


async def serve(env: Mapping[str, str]) -> None:
    """Make the roster ready, then wait for the hub to stop this service. A failure is one
    line in the hub's log and leaves learners to start their own servers: ending instead
    would have the hub restart the service, and fail again, at once and for ever."""
    from nosworkbook.cohorts import load_cohort

    try:
        cohort = load_cohort(env[COHORT_ENV])
        api = HubAPI(env["JUPYTERHUB_API_URL"], env["JUPYTERHUB_API_TOKEN"])
        try:
            roster = [learner.id for learner in cohort.learners]
            await make_ready(api, roster, int(env.get(CAP_ENV) or 0))
        finally:
            await api.close()
    except Exception as exc:  # whatever it is, one line
        log.error("[%s] no servers were made ready: %s", SERVICE_NAME, exc)
    await asyncio.Event().wait()  # a managed service that ends is restarted by the hub


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(os.environ))


if __name__ == "__main__":
    main()
