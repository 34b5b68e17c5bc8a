"""The progress store as a JupyterHub service: one process owns the database.

The hub starts it (`service_config`) with the database's URL in the service's own
environment; learners' kernels reach it over HTTP with their hub token (`RemoteStore`), so
no database address or password is ever in a learner's environment. Each request's token is
shown to the hub (HubAuth; `tokens` remembers the answer) to learn who owns it and its groups;
`store_api` and `permissions` decide what they may do.

Learners' saves that arrive while others are being written wait, then go in together, in the
order they arrived, in one transaction (`SaveQueue`, `Store.save_many`): one commit for a
classroom's worth, and no writer polls for SQLite's lock, so none is starved
(`benchmarks/hub.md`). Other writes run one at a time on SQLite's single writer thread, several
at once on PostgreSQL; reads run beside the writes on their own threads.

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
import json
import logging
import os
import signal
import sys
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

    def __init__(self, store: Any, writer: ThreadPoolExecutor, most: int = MOST_SAVES_AT_ONCE):
        self._store, self._writer, self._most = store, writer, most
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
        loop = asyncio.get_running_loop()
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[: self._most], self._waiting[self._most :]
                try:
                    results = await loop.run_in_executor(
                        self._writer, self._store.save_many, [asked for asked, _ in batch]
                    )
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


def _app(store: Any, hub_auth: Any, prefix: str, cache_seconds: float) -> Any:
    """The tornado application answering under `prefix` (the hub's /services/<name>/)."""
    from tornado import web
    from tornado.httputil import HTTPServerRequest

    from nosworkbook.hub import store_api
    from nosworkbook.hub.permissions import Caller, Refused
    from nosworkbook.hub.tokens import TokenCache
    from nosworkbook.store import wire
    from nosworkbook.store.errors import SaveLimitReached, StoreError

    owners = TokenCache(
        lambda token: hub_auth.user_for_token(token, use_cache=False, sync=False),
        max_age=cache_seconds,
    )
    sqlite = getattr(store, "_dialect", "") == "sqlite"
    readers = ThreadPoolExecutor(READERS, thread_name_prefix="store-read")
    writers = ThreadPoolExecutor(
        1 if sqlite else POSTGRES_WRITERS, thread_name_prefix="store-write"
    )
    saves, save_asked = SaveQueue(store, writers), _SaveAsked()

    class Answer(Exception):
        def __init__(self, status: int, message: str) -> None:
            super().__init__(message)
            self.status, self.message = status, " ".join(message.split())

    class Handler(web.RequestHandler):
        def set_default_headers(self) -> None:
            self.set_header("Content-Type", "application/json; charset=utf-8")
            self.set_header("Cache-Control", "no-store")

        def answer(self, status: int, body: dict[str, Any]) -> None:
            self.set_status(status)
            if status == 401:
                self.set_header("WWW-Authenticate", "token")
            self.finish(json.dumps(body, ensure_ascii=False, allow_nan=False))

        def write_error(self, status_code: int, **kwargs: Any) -> None:
            # Only tornado's own refusals get here; anything else would be a 500: never.
            if status_code >= 500:
                logger.error("unexpected error answering %s", self.request.path)
                status_code = 503
            self.set_status(status_code)
            reason = self._reason
            if status_code == 503:
                reason = "The store service could not answer; try again."
            self.finish(json.dumps({"error": reason}))

        def check_xsrf_cookie(self) -> None:  # tokens in headers only; no cookies are read
            return

    class NotFound(Handler):
        def prepare(self) -> None:
            self.answer(404, {"error": f"There is no {self.request.path} here."})

    class Health(Handler):
        def get(self) -> None:
            self.answer(200, {"status": "ok"})

    class Api(Handler):
        async def caller(self) -> Caller:
            header = self.request.headers.get("Authorization", "")
            match = hub_auth.auth_header_pat.match(header)
            if not match:
                raise Answer(401, "Give your JupyterHub token: Authorization: token <token>.")
            try:
                model = await owners.owner(match[1].strip())
            except Exception as err:  # the hub is down or refused us: not the caller's fault
                logger.warning("could not check a token with the hub: %s", err)
                raise Answer(
                    503, "The hub could not be asked who this token is; try again."
                ) from None
            if not model:
                raise Answer(401, "The hub does not know this token; sign in again.")
            if not hub_auth.check_scopes(hub_auth.access_scopes, model):
                raise Answer(403, "This token may not use the store service.")
            try:
                return Caller.from_hub(model)
            except Refused as err:
                raise Answer(403, str(err)) from None

        def body(self) -> Any:
            if len(self.request.body) > MAX_BODY_BYTES:
                raise Answer(413, f"The request is over {MAX_BODY_BYTES:,} bytes.")
            try:
                return json.loads(self.request.body or b"{}")
            except (ValueError, UnicodeDecodeError) as err:
                raise Answer(400, f"The request is not JSON: {err}.") from None

        async def post(self, method: str) -> None:
            try:
                if method not in store_api.OPERATIONS:
                    raise Answer(404, f"The store service has no method {method!r}.")
                caller = await self.caller()
                body = self.body()
                if method == "save":  # checked here, then written with the others waiting
                    result = await saves.save(store_api.call(save_asked, caller, method, body))
                else:
                    pool = writers if store_api.OPERATIONS[method].writes else readers
                    loop = asyncio.get_running_loop()
                    result = await loop.run_in_executor(
                        pool, store_api.call, store, caller, method, body
                    )
                try:
                    encoded = wire.encode(result)
                except ValueError:  # what the store returned, not what was asked: not a 400
                    logger.exception("could not encode the answer to %s", method)
                    raise Answer(503, "The store's answer could not be sent.") from None
                self.answer(200, {"result": encoded})
            except Answer as err:
                self.answer(err.status, {"error": err.message})
            except Refused as err:
                self.answer(403, {"error": " ".join(str(err).split())})
            except SaveLimitReached as err:
                self.answer(429, {"error": str(err)})
            except ValueError as err:
                self.answer(400, {"error": " ".join(str(err).split()) or "Bad request."})
            except StoreError as err:  # the database's own problem: its words may name it
                logger.error("store %s: %s", method, err)
                self.answer(503, {"error": f"The store could not {method}; see the service's log."})
            except Exception:
                logger.exception("unexpected error in %s", method)
                self.answer(503, {"error": "The store service met an unexpected problem."})

    def log_request(handler: web.RequestHandler) -> None:
        status = handler.get_status()
        request: HTTPServerRequest = handler.request
        if status >= 400:
            logger.warning("%d %s %s", status, request.method, request.path)

    prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    app = web.Application(
        [
            (rf"{prefix}api/([a-z_]+)", Api),
            (rf"{prefix}health", Health),
            (rf"{prefix}?", Health),  # the hub looks here to see that the service is up
        ],
        default_handler_class=NotFound,
        log_function=log_request,
    )
    app.settings["executors"] = (readers, writers)
    app.settings["saves"] = saves
    return app


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


async def serve() -> None:
    """Open the store, answer until SIGTERM or SIGINT, then finish what is running and close."""
    from jupyterhub.services.auth import HubAuth
    from tornado.httpserver import HTTPServer

    store = _open_database()
    cache = int(os.environ.get(CACHE_ENV, DEFAULT_CACHE_SECONDS))
    hub_auth = HubAuth()  # asked with use_cache=False: `tokens.TokenCache` remembers
    address = urlsplit(os.environ.get("JUPYTERHUB_SERVICE_URL", DEFAULT_URL))
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", f"/services/{SERVICE_NAME}/")
    app = _app(store, hub_auth, prefix, cache)
    # Up to twice the limit is read and refused with a clear 413; beyond, tornado cuts it off.
    server = HTTPServer(app, max_body_size=2 * MAX_BODY_BYTES, xheaders=True)
    host, port = listen_address(address.geturl(), os.environ.get(BIND_ENV, ""))
    server.listen(port, host)
    logger.info("store service for %s listening on %s%s", store.location, address.netloc, prefix)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.stop()
    await app.settings["saves"].finish()  # every save asked for is written before we go
    await server.close_all_connections()
    for pool in app.settings["executors"]:
        pool.shutdown(wait=True)  # every save that started is committed
    store.close()
    logger.info("store service stopped")


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="[%(levelname)s %(asctime)s %(name)s] %(message)s"
    )
    asyncio.run(serve())


if __name__ == "__main__":
    main()
