"""The classroom server's kernel manager: a cap on live kernels, refused politely.

`nosworkbook serve` hands this class to standalone Voila
(`--VoilaConfiguration.multi_kernel_manager_class`); Voila wraps it in its own pooling class
when kernels are preheated, so everything here also applies to pooled kernels.

- At most `max_kernels` kernels are live at once, pooled ones included. One more is refused
  with HTTP 503, which Voila shows as the "busy" page of the nosworkbook template (503.html),
  never a traceback. A pool refill refused at the cap is retried whenever a kernel ends.
- Pools: `pools` (JSON, notebook name -> kernels kept ready) becomes Voila's
  `kernel_pools_config`, with no pool for any notebook it does not name (Voila would otherwise
  keep kernels ready for every notebook it finds). A pooled kernel's environment names its
  notebook in `NOSWORKBOOK_PRELOADED_FOR`.
- Pool refills wait `refill_delay` seconds (Voila's `fill_delay`, 1 s by default) after a
  kernel is taken: a class arrives within a minute or so, and thirty replacement kernels
  starting in the middle of that would take both cores from the learners still waiting.
- Kernels talk to the server over Unix sockets (`IPCKernelManager`), not TCP: with many
  kernels starting at once, a TCP port picked as free can be taken before the kernel binds
  it (jupyter/jupyter_client#276), and the learner who gets that kernel gets a dead page.
  The sockets sit beside the connection files, in Voila's private `voila_*` temporary folder,
  or, where that folder's path is too long for a socket's name (108 bytes on Linux), in a
  private folder of their own under /tmp.
- Kernels never see the server's token (`JUPYTER_TOKEN` is left out of their environment).
- Kernels start through `nosworkbook.workbook.guard` (ipykernel with the kernel-side guards):
  comm opens only for the widget manager's own comms, plain messages instead of tracebacks.
- Owners: a kernel given to a page belongs to the browser that asked for the page (the page
  handler names it in `PAGE`, a context variable, while the page is made). Only that browser
  may connect to it, ask about it or shut it down (`is_owner`); a kernel waiting in a pool
  belongs to nobody, so nobody can.
- Pages that never connect: a kernel whose page has been sent but which no websocket has
  connected to within `connect_within` seconds (60 by default; 0 for never) is shut down, so
  requests that fetch pages and never run them cannot hold places under the cap. The clock
  starts when the page has been sent (making it can take a while on a busy server); kernels
  waiting in a pool have no page and are never ended by it.

Culling (`cull_idle_timeout`, `cull_interval`, `cull_connected`) is the parent class's; the
command line sets it. A kernel still starting is left to start: it has nothing to be idle from.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_server.services.kernels.kernelmanager import (
    AsyncMappingKernelManager,
    ServerKernelManager,
)
from tornado.ioloop import PeriodicCallback
from tornado.web import HTTPError
from traitlets import CaselessStrEnum, Float, Integer, TraitError, Unicode, default

from nosworkbook import runtime

BUSY = (
    "The workbooks are busy right now. Please wait a minute and try again; "
    "your saved answers are safe."
)
POOL_MARKER = runtime.PRELOADED_FOR
DEFAULT_CONNECT_WITHIN = 60
GUARD_LAUNCHER = "nosworkbook.workbook.guard"  # runs ipykernel with the kernel-side guards


@dataclass
class PageRequest:
    """A page being made for a browser: who asked (`owner`, from its cookie) and the kernels
    given to it (filled in by the kernel manager)."""

    owner: str
    kernels: list[str] = field(default_factory=list)


PAGE: contextvars.ContextVar[PageRequest | None] = contextvars.ContextVar(
    "nosworkbook_page", default=None
)
"""Set by the page handler while it makes a page; read where a kernel is started or taken
from a pool for it. (Pool refills started meanwhile inherit it, but are told apart by
Voila's `VOILA_PREHEAT` in their environment.)"""


def pools_config(pools: dict[str, int]) -> dict[str, dict]:
    """Voila's `kernel_pools_config` for `pools`: none for any other notebook. Keys are notebook
    paths relative to the served folder, as Voila matches them."""
    config: dict[str, dict] = {"default": {"pool_size": 0}}
    for name, size in pools.items():
        config[name] = {"pool_size": int(size), "kernel_env_variables": {POOL_MARKER: name}}
    return config


SOCKET_NAME_MAX = 100  # bytes: Linux allows 107 for a socket's path; N in "-N" is one digit


class IPCKernelManager(ServerKernelManager):
    """One kernel on Unix sockets (`<folder>/kernel-<first 12 of its id>-N`): no TCP ports
    to race for. The folder is the classroom manager's `socket_folder()`, else the
    connection file's. An IPython kernel is started through `GUARD_LAUNCHER`."""

    transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = super().format_kernel_cmd(extra_arguments)
        return guarded_command(command)

    async def _async_interrupt_kernel(self) -> None:
        """Interrupt, except while shutting down. jupyter_client interrupts every kernel it
        shuts down (so a kernel running a long cell hears the request), which breaks into the
        message a served kernel is handling (a learner's save, then never made) and prints a
        KeyboardInterrupt traceback to the server's log. A served kernel runs no learner code,
        so its handlers are short: the shutdown request is heard once the current one ends."""
        if self.shutting_down:
            return
        await super()._async_interrupt_kernel()

    @default("ip")
    def _ip_default(self) -> str:
        chosen = getattr(self.parent, "socket_folder", None)
        folder = chosen() if chosen else os.path.dirname(self.connection_file)
        kernel_id = Path(self.connection_file).stem.removeprefix("kernel-").replace("-", "")
        return os.path.join(folder, f"kernel-{kernel_id[:12]}")


class ClassroomKernelManager(AsyncMappingKernelManager):
    """Jupyter Server's kernel manager with a cap on live kernels."""

    @default("kernel_manager_class")
    def _default_kernel_manager_class(self) -> str:
        return f"{IPCKernelManager.__module__}.{IPCKernelManager.__qualname__}"

    max_kernels = Integer(
        40,
        config=True,
        help="Most kernels live at once, pooled ones included; 0 for no cap.",
    )

    pools = Unicode(
        "{}",
        config=True,
        help="JSON object: notebook name -> kernels kept ready for it (when preheating).",
    )

    refill_delay = Float(
        30.0,
        config=True,
        help="Seconds after a pooled kernel is taken before a replacement starts.",
    )

    connect_within = Integer(
        DEFAULT_CONNECT_WITHIN,
        config=True,
        help="Seconds a page has, once sent, to connect to its kernel before the kernel is "
        "shut down; 0 for never. Kernels waiting in a pool are not affected.",
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._reserved: set[str] = set()  # kernels being started, not yet listed
        self._stopping = False
        self._socket_folder: str | None = None
        self._own_socket_folder = False
        self._owners: dict[str, str] = {}  # kernel id -> the browser whose page has it
        self._unconnected: dict[str, float | None] = {}  # -> when its page was sent (None: not yet)
        self._connect_watch: PeriodicCallback | None = None
        if self.has_trait("kernel_pools_config"):  # Voila's pooling class wraps this one
            self.kernel_pools_config = pools_config(json.loads(self.pools or "{}"))
            self.fill_delay = self.refill_delay
            self._watch_pool_hand_outs()

    def _watch_pool_hand_outs(self) -> None:
        """Voila's pooling class hands a pooled kernel to a page in `get_rendered_notebook`,
        which it defines on top of this class: wrap it here, on the instance, to learn which
        page took which kernel."""
        take = self.get_rendered_notebook

        async def get_rendered_notebook(*args: Any, **kwargs: Any) -> Any:
            result = await take(*args, **kwargs)
            self._given_to_page(result[2])
            return result

        self.get_rendered_notebook = get_rendered_notebook

    def _given_to_page(self, kernel_id: str) -> None:
        """`kernel_id` is now a page's: it belongs to the browser making the page (if any)."""
        request = PAGE.get()
        if request is None:
            self.log.warning("Kernel %s was given to a page with no owner", kernel_id)
            return
        self._owners[kernel_id] = request.owner
        request.kernels.append(kernel_id)
        self._unconnected[kernel_id] = None  # the clock starts once the page is sent

    def page_sent(self, request: PageRequest) -> None:
        """The page for `request` has been sent (or failed): its kernels' clocks start now."""
        now = time.monotonic()
        for kernel_id in request.kernels:
            if kernel_id in self._unconnected:
                self._unconnected[kernel_id] = now
        if self.connect_within > 0 and self._connect_watch is None and request.kernels:
            period = max(0.5, min(10.0, self.connect_within / 3))
            self._connect_watch = PeriodicCallback(self._end_unconnected, period * 1000)
            self._connect_watch.start()

    def is_owner(self, kernel_id: str, owner: str | None) -> bool:
        """True if `owner` (a browser, from its cookie) was given `kernel_id` with a page."""
        return owner is not None and self._owners.get(kernel_id) == owner

    def notify_connect(self, kernel_id: str) -> None:
        super().notify_connect(kernel_id)
        self._unconnected.pop(kernel_id, None)

    async def _end_unconnected(self) -> None:
        if self.connect_within <= 0:
            return
        now = time.monotonic()
        late = [
            kernel_id
            for kernel_id, sent in self._unconnected.items()
            if sent is not None and now - sent > self.connect_within
        ]
        for kernel_id in late:
            self._unconnected.pop(kernel_id, None)
            if kernel_id not in self or self._stopping:
                continue
            self.log.info(
                "Shutting down kernel %s: its page did not connect within %d s",
                kernel_id,
                self.connect_within,
            )
            try:
                await self.shutdown_kernel(kernel_id)
            except Exception as exc:  # one kernel's trouble must not stop the watch
                self.log.warning("Could not shut down kernel %s: %s", kernel_id, exc)

    def socket_folder(self) -> str:
        """Where kernels' Unix sockets go: the private connection folder, unless its path is
        too long for a socket's name; then a private folder made for them (removed at the end)."""
        if self._socket_folder is None:
            folder = self.connection_dir or tempfile.gettempdir()
            longest = os.path.join(folder, "kernel-" + "0" * 12 + "-9")
            if len(os.fsencode(longest)) > SOCKET_NAME_MAX:
                short = "/tmp" if os.path.isdir("/tmp") else None
                folder = tempfile.mkdtemp(prefix="nosworkbook-", dir=short)
                self._own_socket_folder = True
                self.log.info("Kernel sockets in %s (the connection folder's path is long)", folder)
            self._socket_folder = folder
        return self._socket_folder

    def live_kernels(self) -> int:
        """Kernels running, starting or about to start."""
        pending = getattr(self, "_pending_kernels", {})
        return len(set(self._kernels) | set(pending) | self._reserved)

    async def start_kernel(self, *, kernel_id: str | None = None, **kwargs: Any) -> str:
        if kernel_id is not None and kernel_id in self:
            return await super().start_kernel(kernel_id=kernel_id, **kwargs)
        if self.max_kernels > 0 and self.live_kernels() >= self.max_kernels:
            self.log.warning(
                "Refused a new kernel: %d of %d live (--max-kernels)",
                self.live_kernels(),
                self.max_kernels,
            )
            raise HTTPError(503, BUSY, reason="Busy")
        # Chosen here, so the slot is counted from this moment (the check above and this
        # line run without a pause, so concurrent requests cannot both take the last slot).
        kernel_id = self.new_kernel_id()
        self._reserved.add(kernel_id)
        env = dict(kwargs.get("env") or os.environ)
        env.pop("JUPYTER_TOKEN", None)
        kwargs["env"] = env
        try:
            started = await super().start_kernel(kernel_id=kernel_id, **kwargs)
        finally:
            self._reserved.discard(kernel_id)
        if env.get("VOILA_PREHEAT") != "True":  # started for a page, not for a pool
            self._given_to_page(started)
        return started

    async def shutdown_kernel(self, kernel_id: str, *args: Any, **kwargs: Any) -> None:
        if self._stopping and kernel_id not in self:
            # Ended while the server stops (its page left, or it went unconnected): the
            # parent's shutdown_all listed it a moment before and would log a traceback.
            return
        await super().shutdown_kernel(kernel_id, *args, **kwargs)
        if not kwargs.get("restart"):
            self._owners.pop(kernel_id, None)
            self._unconnected.pop(kernel_id, None)
        if not kwargs.get("restart") and not self._stopping:
            self._refill_pools()

    async def shutdown_all(self, *args: Any, **kwargs: Any) -> None:
        self._stopping = True
        if self._connect_watch is not None:
            self._connect_watch.stop()
        try:
            await super().shutdown_all(*args, **kwargs)
        finally:
            if self._own_socket_folder and self._socket_folder:
                shutil.rmtree(self._socket_folder, ignore_errors=True)

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        """The parent's culling, minus a kernel still starting (it has no `last_activity` yet,
        and the parent would log a traceback for it at every pass of a busy start) and a
        kernel whose page is still being made."""
        kernel = self._kernels.get(kernel_id)
        if kernel is None:
            return
        try:
            starting = kernel.last_activity is None
        except TraitError:  # the trait is unset until the kernel has started
            starting = True
        if starting and getattr(kernel, "execution_state", None) != "dead":
            self.log.debug("Not culling kernel %s: it is still starting", kernel_id)
            return
        if kernel_id in self._unconnected and self._unconnected[kernel_id] is None:
            # Its page is still being made (the clock starts once it is sent): between two
            # cells a slow machine can leave it idle for longer than --cull-after, and ending
            # it then would leave the page waiting for ever.
            self.log.debug("Not culling kernel %s: its page is still being made", kernel_id)
            return
        await super().cull_kernel_if_idle(kernel_id)

    def _refill_pools(self) -> None:
        """A kernel ended, so there is room again: drop pool entries that were refused at the
        cap and top the pools up (Voila only refills a pool when a learner takes from it)."""
        pools = getattr(self, "_pools", None)  # set by Voila's pooling class
        fill = getattr(self, "fill_if_needed", None)
        if not pools or fill is None:
            return
        for name, pool in pools.items():
            pool[:] = [task for task in pool if not _failed(task)]
            fill(notebook_name=name)


def guarded_command(command: list[str]) -> list[str]:
    """An IPython kernel's command line, started through `GUARD_LAUNCHER` instead of
    `ipykernel_launcher`; any other kernel's, unchanged."""
    for index in range(len(command) - 1):
        if command[index] == "-m" and command[index + 1] in ("ipykernel_launcher", "ipykernel"):
            return [*command[: index + 1], GUARD_LAUNCHER, *command[index + 2 :]]
    return list(command)


def _failed(task: asyncio.Future) -> bool:
    return task.done() and (task.cancelled() or task.exception() is not None)
