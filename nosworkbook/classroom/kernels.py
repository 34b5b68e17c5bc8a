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

Culling (`cull_idle_timeout`, `cull_interval`, `cull_connected`) is the parent class's; the
command line sets it. A kernel still starting is left to start: it has nothing to be idle from.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from jupyter_server.services.kernels.kernelmanager import (
    AsyncMappingKernelManager,
    ServerKernelManager,
)
from tornado.web import HTTPError
from traitlets import CaselessStrEnum, Float, Integer, TraitError, Unicode, default

from nosworkbook import runtime

BUSY = (
    "The workbooks are busy right now. Please wait a minute and try again; "
    "your saved answers are safe."
)
POOL_MARKER = runtime.PRELOADED_FOR


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
    connection file's."""

    transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

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

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._reserved: set[str] = set()  # kernels being started, not yet listed
        self._stopping = False
        self._socket_folder: str | None = None
        self._own_socket_folder = False
        if self.has_trait("kernel_pools_config"):  # Voila's pooling class wraps this one
            self.kernel_pools_config = pools_config(json.loads(self.pools or "{}"))
            self.fill_delay = self.refill_delay

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
            return await super().start_kernel(kernel_id=kernel_id, **kwargs)
        finally:
            self._reserved.discard(kernel_id)

    async def shutdown_kernel(self, kernel_id: str, *args: Any, **kwargs: Any) -> None:
        await super().shutdown_kernel(kernel_id, *args, **kwargs)
        if not kwargs.get("restart") and not self._stopping:
            self._refill_pools()

    async def shutdown_all(self, *args: Any, **kwargs: Any) -> None:
        self._stopping = True
        try:
            await super().shutdown_all(*args, **kwargs)
        finally:
            if self._own_socket_folder and self._socket_folder:
                shutil.rmtree(self._socket_folder, ignore_errors=True)

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        """The parent's culling, minus a kernel still starting: it has no `last_activity`
        yet, and the parent would log a traceback for it at every pass of a busy start."""
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


def _failed(task: asyncio.Future) -> bool:
    return task.done() and (task.cancelled() or task.exception() is not None)
