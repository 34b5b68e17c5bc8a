"""The progress store as a JupyterHub service: one process owns the database.

The hub starts it (`service_config`) with the database's URL in the service's own
environment; learners' kernels reach it over HTTP with their hub token (`RemoteStore`), so
no database address or password is ever in a learner's environment. Each request's token is
shown to the hub (HubAuth; `tokens` remembers the answer) to learn who owns it and its groups;
`store_api` and `permissions` decide what they may do.

Learners' saves that arrive while others are being written wait, then go in together, in the
order they arrived, in one transaction (`SaveQueue`, `Store.save_many`): one commit for a
classroom's worth, and no writer polls for SQLite's lock, so none is starved
(`benchmarks/hub.md`). Every write runs in the service's writer process (`hub.writer`), one
at a time, beside the requests; reads run on threads of the service.

    python -m nosworkbook.hub.store_service     # as the hub runs it

API: `POST <prefix>api/<method>` with a JSON object of the Store method's arguments and the
header `Authorization: token <JUPYTERHUB_API_TOKEN>`; the answer is `{"result": ...}` or
`{"error": "one line"}`, with 400 (bad value), 401 (no or unknown token), 403 (not allowed),
404 (no such method), 413 (too large), 429 (saving too fast) or 503 (the store or the hub
could not answer). `GET <prefix>health` (and `<prefix>`) answers without a token, and says
nothing but that the service is up. No request answers 500.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import signal
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from nosworkbook import ids, runtime

logger = logging.getLogger("nosworkbook.store_service")

SERVICE_NAME = "nosworkbook-store"
DEFAULT_URL = "http://127.0.0.1:10101"
DATABASE_ENV = "NOSWORKBOOK_STORE_DATABASE"
BIND_ENV = "NOSWORKBOOK_STORE_BIND"
"""Where the service listens (host:port) when that is not its URL's host: in a Kubernetes hub
pod the URL names the pod's service (http://hub:10101), which the process cannot bind to."""
"""The service's database: an SQLite path or an SQLAlchemy URL. Only in the service's
environment; learners get the service's URL in NOSWORKBOOK_STORE instead."""
CACHE_ENV = "NOSWORKBOOK_STORE_AUTH_CACHE_SECONDS"
DEFAULT_CACHE_SECONDS = 60
"""How long the service trusts the hub's answer about a token (asking again in the background
after half of it): a tutor added to a cohort's group, or a revoked token, takes effect within
this time."""
MAX_BODY_BYTES = 4 * ids.MAX_MESSAGE_TEXT
"""The largest request: an exercise answer's worth of text (the store's own limit) and its
envelope, at four bytes a character in UTF-8."""
READERS = 4
POSTGRES_WRITERS = 8
MOST_SAVES_AT_ONCE = 64
"""The most saves one transaction writes (`SaveQueue`); more wait for the next."""


# -- for the hub's configuration -----------------------------------------------------------


def access_scope(name: str = SERVICE_NAME) -> str:
    """The scope a token needs to use the service."""
    return f"access:services!service={name}"


def service_config(
    database: str | os.PathLike[str] | None = None,
    *,
    name: str = SERVICE_NAME,
    url: str = DEFAULT_URL,
    python: str = sys.executable,
    cache_seconds: int = DEFAULT_CACHE_SECONDS,
) -> dict[str, Any]:
    """The `c.JupyterHub.services` entry that has the hub start, and keep, the store service.

    `database` is the store's SQLite path or SQLAlchemy URL (with any password): it goes in
    the service's environment only. None or '' means the hub's own default store
    ($NOSWORKBOOK_STORE in the hub's environment, else progress.sqlite in its data folder).
    """
    if not database:
        from nosworkbook.store.peek import configured_location

        database = configured_location()
    if _is_service_url(str(database)):
        raise ValueError("The store service's database must be a file or a database URL.")
    return {
        "name": name,
        "url": url,
        "command": [python, "-m", "nosworkbook.hub.store_service"],
        "environment": {DATABASE_ENV: str(database), CACHE_ENV: str(cache_seconds)},
        "display": False,
        "oauth_no_confirm": True,
    }


def roles(*names: str) -> list[dict[str, Any]]:
    """`c.JupyterHub.load_roles` entries: every user may use the named services (default:
    the store service), and so may the token each user's server is given."""
    scopes = [access_scope(n) for n in names or (SERVICE_NAME,)]
    return [
        {"name": "user", "scopes": ["self", *scopes]},
        {"name": "server", "scopes": ["users:activity!user", "access:servers!server", *scopes]},
    ]


def service_url(url: str = DEFAULT_URL, name: str = SERVICE_NAME, base_url: str = "/") -> str:
    """Where kernels reach the service: its own address and the hub's prefix for it."""
    return f"{url.rstrip('/')}{base_url.rstrip('/')}/services/{name}/"


def learner_environment(
    url: str = DEFAULT_URL, name: str = SERVICE_NAME, base_url: str = "/"
) -> dict[str, str]:
    """What to add to `c.Spawner.environment`: the store is the service, not a database."""
    return {runtime.STORE: service_url(url, name, base_url)}


def _is_service_url(location: object) -> bool:
    return isinstance(location, str) and location.lower().startswith(("http://", "https://"))


# -- the service ---------------------------------------------------------------------------


class _SaveAsked:
    """Stands for the store while a save's arguments and permission are checked (`store_api`,
    as for any request): what it gives back is the save asked for, for the queue to write."""

    def save(self, cohort: str, learner: str, criterion: str, **new: Any) -> Any:
        from nosworkbook.store import Save

        return Save(cohort, learner, criterion, **new)


class SaveQueue:
    """Group commit: saves that arrive while a batch is being written wait, and the next
    batch takes them all (up to `most`), in arrival order, in one transaction on the writer
    thread. Thirty learners saving at once wait for two or three commits, not thirty."""

    def __init__(self, writer: Any, most: int = MOST_SAVES_AT_ONCE) -> None:
        self._writer, self._most = writer, most
        self._waiting: list[tuple[Any, asyncio.Future[Any]]] = []
        self._draining: asyncio.Task[None] | None = None

    async def save(self, asked: Any) -> Any:
        """The Record, once committed; or raise why this save was refused, or StoreError."""
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((asked, future))
        if self._draining is None:
            self._draining = asyncio.ensure_future(self._drain())
        return await future

    async def finish(self) -> None:
        """Return once every save asked for so far is written (or refused)."""
        while self._draining is not None:
            await asyncio.shield(self._draining)

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[: self._most], self._waiting[self._most :]
                try:
                    results = await self._writer.save_many([asked for asked, _ in batch])
                except Exception as err:  # the database failed: every save of the batch
                    results = [err] * len(batch)
                for (_, future), found in zip(batch, results, strict=True):
                    if future.done():  # the request went away
                        continue
                    if isinstance(found, Exception):
                        future.set_exception(found)
                    else:
                        future.set_result(found)
        finally:
            self._draining = None


class _Answer(Exception):
    """An answer decided on the way: its status and one-line message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, " ".join(message.split())


_JSON_HEADERS = [
    (b"content-type", b"application/json; charset=utf-8"),
    (b"cache-control", b"no-store"),
]
_METHOD_NAME = re.compile(r"[a-z_]+")


class StoreApp:
    """The service's ASGI application, answering under `prefix` (the hub's /services/<name>/).

    Plain ASGI on uvicorn, whose HTTP parser is compiled: on a classroom's burst of saves a
    request costs the event loop a fraction of what tornado's does (`benchmarks/hub.md`).
    Reads run on threads here with `store`; writes go to `writer` (`hub.writer`; default: a
    thread here), saves through the group-commit queue `saves`. `close` once the server has
    stopped and `saves.finish()` has returned.
    """

    def __init__(
        self,
        store: Any,
        hub_auth: Any,
        prefix: str,
        cache_seconds: float,
        writer: Any = None,
    ) -> None:
        from nosworkbook.hub.tokens import TokenCache
        from nosworkbook.hub.writer import ThreadWriter

        self.store, self.hub_auth = store, hub_auth
        self.owners = TokenCache(
            lambda token: hub_auth.user_for_token(token, use_cache=False, sync=False),
            max_age=cache_seconds,
        )
        if writer is None:  # on threads here, with `store`
            sqlite = getattr(store, "_dialect", "") == "sqlite"
            writer = ThreadWriter(store, 1 if sqlite else POSTGRES_WRITERS)
        self.readers = ThreadPoolExecutor(READERS, thread_name_prefix="store-read")
        self.writer = writer
        self.saves, self._save_asked = SaveQueue(writer), _SaveAsked()
        self.prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
        self._health = {self.prefix, self.prefix.rstrip("/") or "/", self.prefix + "health"}

    def close(self) -> None:
        """Return once every write that started is committed; then stop the threads."""
        self.writer.close()
        self.readers.shutdown(wait=True)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":  # lifespan and websockets are off in `serve`
            return
        path, method = scope["path"], scope["method"]
        try:
            status, body = await self._answer(path, method, scope, receive)
        except _Answer as err:
            status, body = err.status, {"error": err.message}
        except Exception:  # never a 500
            logger.exception("unexpected error answering %s", path)
            status, body = 503, {"error": "The store service met an unexpected problem."}
        headers = list(_JSON_HEADERS)
        if status == 401:
            headers.append((b"www-authenticate", b"token"))
        elif status == 405:
            headers.append((b"allow", b"GET, HEAD" if path in self._health else b"POST"))
        payload = json.dumps(body, ensure_ascii=False, allow_nan=False).encode()
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else payload})
        if status >= 400:
            logger.warning("%d %s %s", status, method, path)

    async def _answer(
        self, path: str, method: str, scope: dict[str, Any], receive: Any
    ) -> tuple[int, dict[str, Any]]:
        if path in self._health:  # the hub looks here to see that the service is up
            if method not in ("GET", "HEAD"):
                raise _Answer(405, f"Use GET for {path}.")
            return 200, {"status": "ok"}
        name = path.removeprefix(self.prefix + "api/")
        if name == path or not _METHOD_NAME.fullmatch(name):
            raise _Answer(404, f"There is no {path} here.")
        if method != "POST":
            raise _Answer(405, "Use POST for the store service's methods.")
        return 200, {"result": await self._call(name, scope, receive)}

    async def _call(self, method: str, scope: dict[str, Any], receive: Any) -> Any:
        """What the store gave for `method`, encoded; the errors as their status and words."""
        from nosworkbook.hub import store_api
        from nosworkbook.hub.permissions import Refused
        from nosworkbook.store import wire
        from nosworkbook.store.errors import SaveLimitReached, StoreError

        try:
            if method not in store_api.OPERATIONS:
                raise _Answer(404, f"The store service has no method {method!r}.")
            caller = await self._caller(scope)
            body = _parse(await _read_body(receive))
            if method == "save":  # checked here, then written with the others waiting
                result = await self.saves.save(
                    store_api.call(self._save_asked, caller, method, body)
                )
            elif store_api.OPERATIONS[method].writes:
                result = await self.writer.call(caller, method, body)
            else:
                loop = asyncio.get_running_loop()
                result = await loop.run_in_executor(
                    self.readers, store_api.call, self.store, caller, method, body
                )
            try:
                return wire.encode(result)
            except ValueError:  # what the store returned, not what was asked: not a 400
                logger.exception("could not encode the answer to %s", method)
                raise _Answer(503, "The store's answer could not be sent.") from None
        except Refused as err:
            raise _Answer(403, str(err)) from None
        except SaveLimitReached as err:
            raise _Answer(429, str(err)) from None
        except ValueError as err:
            raise _Answer(400, " ".join(str(err).split()) or "Bad request.") from None
        except StoreError as err:  # the database's own problem: its words may name it
            logger.error("store %s: %s", method, err)
            raise _Answer(503, f"The store could not {method}; see the service's log.") from None

    async def _caller(self, scope: dict[str, Any]) -> Any:
        """Who is asking, as the hub says of their token."""
        from nosworkbook.hub.permissions import Caller, Refused

        header = _header(scope, b"authorization")
        match = self.hub_auth.auth_header_pat.match(header)
        if not match:
            raise _Answer(401, "Give your JupyterHub token: Authorization: token <token>.")
        try:
            model = await self.owners.owner(match[1].strip())
        except Exception as err:  # the hub is down or refused us: not the caller's fault
            logger.warning("could not check a token with the hub: %s", err)
            raise _Answer(503, "The hub could not be asked who this token is; try again.") from None
        if not model:
            raise _Answer(401, "The hub does not know this token; sign in again.")
        if not self.hub_auth.check_scopes(self.hub_auth.access_scopes, model):
            raise _Answer(403, "This token may not use the store service.")
        try:
            return Caller.from_hub(model)
        except Refused as err:
            raise _Answer(403, str(err)) from None


def _header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return ""


async def _read_body(receive: Any) -> bytes:
    """The request's body, refused with a 413 once it is over MAX_BODY_BYTES."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Answer(400, "The request ended before its body.")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _Answer(413, f"The request is over {MAX_BODY_BYTES:,} bytes.")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError) as err:
        raise _Answer(400, f"The request is not JSON: {err}.") from None


def _open_database() -> Any:
    from nosworkbook.store.database import Store

    database = os.environ.get(DATABASE_ENV, "").strip()
    if not database:
        raise SystemExit(f"{DATABASE_ENV} is not set: the hub's configuration gives it.")
    if _is_service_url(database):
        raise SystemExit(f"{DATABASE_ENV} must name a database, not a store service.")
    return Store(database)


def listen_address(url: str, bind: str = "") -> tuple[str, int]:
    """(host, port) to listen on: `bind` ("host:port") where given, else the service's URL."""
    if bind.strip():
        host, _, port = bind.strip().rpartition(":")
        return host or "0.0.0.0", int(port)
    address = urlsplit(url)
    return address.hostname or "127.0.0.1", address.port or 80


def http_server(app: StoreApp, host: str, port: int) -> Any:
    """The uvicorn server for `app` on host:port, run in the caller's event loop; it leaves
    SIGTERM and SIGINT to the caller, who sets `should_exit` and then finishes the saves."""
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="none",  # the caller's (main() runs uvloop)
        http="httptools",
        ws="none",
        lifespan="off",
        interface="asgi3",
        log_config=None,
        access_log=False,  # StoreApp logs what it refuses
        server_header=False,
        proxy_headers=False,  # nothing here uses the client's address
        timeout_graceful_shutdown=60,
    )
    return Server(config)


async def serve() -> None:
    """Open the store, answer until SIGTERM or SIGINT, then finish what is running and close."""
    from jupyterhub.services.auth import HubAuth

    from nosworkbook.hub.writer import ProcessWriter

    store = _open_database()
    cache = int(os.environ.get(CACHE_ENV, DEFAULT_CACHE_SECONDS))
    hub_auth = HubAuth()  # asked with use_cache=False: `tokens.TokenCache` remembers
    address = urlsplit(os.environ.get("JUPYTERHUB_SERVICE_URL", DEFAULT_URL))
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", f"/services/{SERVICE_NAME}/")
    writer = ProcessWriter(os.environ[DATABASE_ENV].strip(), store.location)
    app = StoreApp(store, hub_auth, prefix, cache, writer)
    host, port = listen_address(address.geturl(), os.environ.get(BIND_ENV, ""))
    server = http_server(app, host, port)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: setattr(server, "should_exit", True))
    logger.info("store service for %s listening on %s%s", store.location, address.netloc, prefix)
    try:
        await server.serve()  # on should_exit: stops listening, lets running requests end
    finally:
        await app.saves.finish()  # every save asked for is written before we go
        app.close()  # every write that started is committed
        store.close()
    if not server.started:
        raise SystemExit(f"The store service could not listen on {host}:{port}.")
    logger.info("store service stopped")


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="[%(levelname)s %(asctime)s %(name)s] %(message)s"
    )
    import uvloop

    uvloop.run(serve())


if __name__ == "__main__":
    main()
