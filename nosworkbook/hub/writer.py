"""Where the store service's writes run: in a process of their own (`ProcessWriter`, as the
service runs), or on threads of the service (`ThreadWriter`, for a Store object in tests).

The service answers a classroom's burst of saves on one event loop, and with the database's
work on a thread of the same process both wait for one interpreter lock: a burst costs the
sum of the two. With the writes in a process of their own, requests are read, checked and
answered on one core while the batch before them is written on another
(`benchmarks/hub.md`). Still one writer: every write goes through this process, one batch or
call at a time, so SQLite never has two writers waiting on each other's lock.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from nosworkbook.store.errors import StoreError

logger = logging.getLogger(__name__)

PARENT_CHECK_SECONDS = 1.0
_STORE: Any = None
"""The writer process's own Store (`_open`)."""


class ThreadWriter:
    """Writes on `threads` threads of this process, with `store`."""

    def __init__(self, store: Any, threads: int = 1) -> None:
        self._store = store
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="store-write")

    async def save_many(self, saves: list[Any]) -> list[Any]:
        """`Store.save_many` (the store service's `SaveQueue` writes its batches here)."""
        return await _run(self._pool, self._store.save_many, saves)

    async def call(self, caller: Any, method: str, body: object) -> Any:
        """`store_api.call` of a write other than a save."""
        from nosworkbook.hub import store_api

        return await _run(self._pool, store_api.call, self._store, caller, method, body)

    def close(self) -> None:
        """Return once every write that started is committed."""
        self._pool.shutdown(wait=True)


class ProcessWriter:
    """Writes in one process of their own, which opens the store at `database` (a path or
    URL, passwords and all: the process is the service's own child). If the process dies,
    the writes it had are answered with StoreError and the next write starts a new one."""

    def __init__(self, database: str, location: str) -> None:
        self._database, self.location = database, location
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(
            1,
            mp_context=multiprocessing.get_context("spawn"),  # no copy of our threads
            initializer=_open,
            initargs=(self._database, os.getpid()),
        )
        pool.submit(int)  # start it now, not at the first save
        return pool

    async def save_many(self, saves: list[Any]) -> list[Any]:
        return await self._run(_save_many, saves)

    async def call(self, caller: Any, method: str, body: object) -> Any:
        return await self._run(_call, caller, method, body)

    async def _run(self, function: Any, *args: Any) -> Any:
        pool = self._pool
        try:
            return await _run(pool, function, *args)
        except BrokenProcessPool:
            logger.error("the store service's writer process stopped; starting another")
            if self._pool is pool:
                pool.shutdown(wait=False)
                self._pool = self._start()
            raise StoreError(self.location, "could not write: the writer process stopped") from None

    def close(self) -> None:
        """Return once every write that started is committed and the process has ended."""
        self._pool.shutdown(wait=True)


async def _run(pool: Executor, function: Any, *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(pool, function, *args)


def _open(database: str, service: int) -> None:
    """In the writer process: open the store. SIGINT and SIGTERM are the service's to handle
    (Ctrl-C reaches the whole process group): it finishes the writes, then ends this one.
    Should the service be killed outright, this process ends too (`_watch`)."""
    global _STORE
    from nosworkbook.store.database import Store

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _STORE = Store(database)
    threading.Thread(target=_watch, args=(service,), daemon=True).start()


def _watch(service: int) -> None:
    """End this process once the service that started it has gone (its writes with it: the
    transaction under way, if any, is rolled back, and nobody is waiting for its answer)."""
    while os.getppid() == service:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _save_many(saves: list[Any]) -> list[Any]:
    return _STORE.save_many(saves)


def _call(caller: Any, method: str, body: object) -> Any:
    from nosworkbook.hub import store_api

    return store_api.call(_STORE, caller, method, body)
