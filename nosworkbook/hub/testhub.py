"""A throwaway JupyterHub with the store service, and a throwaway PostgreSQL, for the tests
and benchmarks (`tests/test_store_service.py`, `benchmarks/store_service_bench.py`).

The hub is real: the real configurable-http-proxy, the store services configured as the
hub's configuration configures them (`store_service.service_config`, `roles`), started and
stopped by the hub. Users, groups and per-user tokens are made through the hub's REST API
with an admin service's token, as the hub issues a server's token.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nosworkbook.hub import store_service

ROOT = Path(__file__).resolve().parents[2]
PROXY = ROOT / ".venv" / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"
START_TIMEOUT_S = 120.0

CONFIG = """\
from nosworkbook.hub import store_service

c = get_config()  # noqa: F821
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {proxy_port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.JupyterHub.db_url = "sqlite:///{state}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{state}/cookie_secret"
c.JupyterHub.authenticator_class = "null"
c.JupyterHub.services = [
    *(
        store_service.service_config(database, name=name, url=url)
        for name, (database, url) in {services!r}.items()
    ),
    {{"name": "test-admin", "api_token": {admin!r}}},
]
c.JupyterHub.load_roles = [
    *store_service.roles(*{names!r}),
    {{
        "name": "test-admin",
        "scopes": ["admin:users", "admin:groups", "tokens"],
        "services": ["test-admin"],
    }},
]
"""


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Hub:
    """A JupyterHub in its own temporary folder running one store service per database.

    `databases` maps each service's name to its database (an SQLite path or a URL).
    """

    def __init__(self, databases: Mapping[str, str], state: Path | None = None) -> None:
        import httpx

        self.state = state or Path(tempfile.mkdtemp(prefix="nosw-hub-"))
        self.proxy_port = free_port()
        self.services = {
            name: (db, f"http://127.0.0.1:{free_port()}") for name, db in databases.items()
        }
        self.base = f"http://127.0.0.1:{self.proxy_port}"
        self._admin_token = "test-admin-" + secrets.token_hex(16)
        (self.state / "jupyterhub_config.py").write_text(
            CONFIG.format(
                proxy_port=self.proxy_port,
                hub_port=free_port(),
                proxy_api_port=free_port(),
                proxy=str(PROXY),
                state=self.state,
                services=self.services,
                names=tuple(self.services),
                admin=self._admin_token,
            )
        )
        self.proc: subprocess.Popen[bytes] | None = None
        self.admin = httpx.Client(
            base_url=f"{self.base}/hub/api/",
            headers={"Authorization": f"token {self._admin_token}"},
            timeout=60,
        )

    def start(self) -> None:
        """Start the hub (which starts the proxy and the services); return once all answer."""
        import httpx

        log = (self.state / "hub.log").open("ab")
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("jupyterhub")), "-f", "jupyterhub_config.py"],
            cwd=self.state,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        waiting = [f"{self.base}/hub/api/", *(self.url(name) + "health" for name in self.services)]
        while waiting:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the hub did not start:\n{self.log()}")
            try:
                if httpx.get(waiting[0], timeout=5).status_code == 200:
                    waiting.pop(0)
                    continue
            except httpx.HTTPError:
                pass
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop the hub as an administrator would (SIGTERM: it stops the services and proxy)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def close(self) -> None:
        """Stop the hub and remove its folder."""
        self.stop()
        self.admin.close()
        shutil.rmtree(self.state, ignore_errors=True)

    def log(self) -> str:
        return (self.state / "hub.log").read_text(errors="replace")[-5000:]

    def url(self, name: str) -> str:
        """A service's URL through the hub's proxy."""
        return store_service.service_url(self.base, name)

    def direct_url(self, name: str) -> str:
        """A service's URL at its own address, past the proxy."""
        return store_service.service_url(self.services[name][1], name)

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.admin.request(method, path, **kwargs)
        if response.status_code >= 300:
            raise RuntimeError(f"hub API {method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    def add_users(self, groups: Mapping[str, list[str]]) -> None:
        """Make every user named in `groups` and put them in those hub groups."""
        users = sorted({user for members in groups.values() for user in members})
        self.api("POST", "users", json={"usernames": users})
        for group, members in groups.items():
            self.api("POST", f"groups/{group}", json={"users": members})

    def token(self, user: str, *scopes: str) -> str:
        """A new token for `user`, by default with the scopes a server's token has."""
        wanted = list(scopes) or [
            "users:activity!user",
            *(store_service.access_scope(name) for name in self.services),
        ]
        return self.api("POST", f"users/{user}/tokens", json={"scopes": wanted})["token"]


@contextmanager
def postgres(database: str = "progress") -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a Unix socket (no TCP port); its database's URL."""
    from nosworkbook.testing import postgres_cluster

    with postgres_cluster("-c max_connections=200") as make:
        yield make(database)
