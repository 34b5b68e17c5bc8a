"""Kernel-side guards for the classroom server's kernels: what a browser may ask of a kernel.

The classroom server (`nosworkbook serve`) starts every kernel as `python -m
nosworkbook.workbook.guard -f <connection file>` instead of `-m ipykernel_launcher`: this is
ipykernel with `install()` applied before any notebook code runs. (The server checks the same
things on its side too: these hold even for a message that reached the kernel some other way.)

- Comm opens: a browser may open only the widget manager's own comm (`CLIENT_COMM_TARGETS`:
  `jupyter.widget.control`, which Voila's page opens to fetch the widgets' states).
  Widgets are made by the kernel; a `comm_open` to `jupyter.widget` from the browser would
  make a real widget of whatever state it sent (memory without bound). Any other comm open
  is logged and closed at once.
- A page arriving: a page asks for its widgets' states by opening the widget manager's comm
  (or, the older way, by asking which widget comms there are): the first such message is the
  moment a kernel kept ready in a pool is a learner's page at last. `when_a_page_connects`
  runs what waited for it (bringing the hub's learner's answers up to date) before that
  message is answered, and so before any widget's state is sent, as the kernel answers its
  messages in order.
- Tracebacks: an error in a widget's callback is shown to the page as one plain sentence
  (`PLAIN_ERROR`); the traceback, with its file paths and source lines, goes to the kernel's
  own standard error, which is the server's log. Warnings go there too, not to the page.

`install()` may also be called from inside a running kernel (it does nothing elsewhere, and
nothing the second time).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import warnings
from collections.abc import Callable
from typing import Any

CLIENT_COMM_TARGETS = frozenset({"jupyter.widget.control"})
PLAIN_ERROR = "Something went wrong on the server. Your saved answers are safe; please try again."
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

log = logging.getLogger("nosworkbook.guard")
_waiting_for_a_page: list[Callable[[], Any]] = []
_page_connected = False


class Error(Exception):
    """What a page is told an error was called."""


def _log_fd() -> int:
    """The kernel's real standard error (the server's log), not the page's stderr stream:
    ipykernel keeps a copy of the original descriptor when it captures fd 2."""
    return getattr(sys.stderr, "_original_stdstream_copy", None) or 2


def to_server_log(text: str) -> None:
    """Write `text` (ANSI colours removed) to the server's log."""
    data = ANSI.sub("", text).rstrip("\n") + "\n"
    with contextlib.suppress(OSError):
        os.write(_log_fd(), data.encode("utf-8", errors="replace"))


def install(kernel: Any | None = None) -> bool:
    """Apply the guards to `kernel` (default: the running IPython kernel). True if applied."""
    if kernel is None:
        try:
            from ipykernel.kernelapp import IPKernelApp
        except ImportError:
            return False
        if not IPKernelApp.initialized():
            return False
        kernel = IPKernelApp.instance().kernel
    if kernel is None or getattr(kernel, "_nosworkbook_guarded", False):
        return False
    _guard_comm_opens(kernel)
    _guard_tracebacks(kernel.shell)
    warnings.showwarning = _warning_to_log
    kernel._nosworkbook_guarded = True
    return True


def when_a_page_connects(callback: Callable[[], Any]) -> None:
    """Run `callback` when a page first opens the widget manager's comm to this kernel, before
    that page is answered; at once if one has, or if this kernel has no guards (nothing would
    tell it: JupyterLab, a test)."""
    if _page_connected or not _guarded_kernel():
        callback()
    else:
        _waiting_for_a_page.append(callback)


def _guarded_kernel() -> bool:
    try:
        from ipykernel.kernelapp import IPKernelApp
    except ImportError:
        return False
    if not IPKernelApp.initialized():
        return False
    return bool(getattr(IPKernelApp.instance().kernel, "_nosworkbook_guarded", False))


def _page_arrived() -> None:
    global _page_connected
    _page_connected = True
    while _waiting_for_a_page:
        callback = _waiting_for_a_page.pop(0)
        try:
            callback()
        except Exception:  # the page still opens; what went wrong goes to the server's log
            log.exception("a callback waiting for the page failed")


def _guard_comm_opens(kernel: Any) -> None:
    opened = kernel.shell_handlers.get("comm_open")

    def comm_open(stream: Any, ident: Any, msg: dict) -> Any:
        content = msg.get("content") or {}
        target = content.get("target_name")
        if target in CLIENT_COMM_TARGETS and opened is not None:
            if not _page_connected:
                _page_arrived()
            return opened(stream, ident, msg)
        to_server_log(f"[nosworkbook.guard] Refused a comm open from the page: {target!r:.80}")
        comm_id = content.get("comm_id")
        if isinstance(comm_id, str):
            kernel.session.send(
                kernel.iopub_socket,
                "comm_close",
                {"comm_id": comm_id, "data": {}},
                parent=msg.get("header"),
                ident=kernel._topic("comm_close"),
            )
        return None

    kernel.shell_handlers["comm_open"] = comm_open
    listed = kernel.shell_handlers.get("comm_info_request")
    if listed is not None:

        def comm_info_request(stream: Any, ident: Any, msg: dict) -> Any:
            if not _page_connected:
                _page_arrived()
            return listed(stream, ident, msg)

        kernel.shell_handlers["comm_info_request"] = comm_info_request


def _guard_tracebacks(shell: Any) -> None:
    show = shell._showtraceback

    def _showtraceback(etype: Any, evalue: Any, stb: Any) -> None:
        details = "\n".join(stb) if isinstance(stb, list) else str(stb)
        to_server_log(
            f"[nosworkbook.guard] Error in the kernel (the page was told less):\n{details}"
        )
        show(Error, PLAIN_ERROR, [PLAIN_ERROR])

    shell._showtraceback = _showtraceback


def _warning_to_log(message: Any, category: Any, filename: str, lineno: int, *_: Any) -> None:
    to_server_log(f"[nosworkbook.guard] {filename}:{lineno}: {category.__name__}: {message}")


def main() -> None:
    """ipykernel's launcher, with the guards applied before the kernel starts."""
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize()
    install(app.kernel)
    app.start()


if __name__ == "__main__":
    # Run as `python -m`, this file is `__main__`; the workbook imports it by its own name.
    # The kernel takes the guards, and the callbacks waiting for a page, from that one.
    from nosworkbook.workbook.guard import main as guarded_main

    guarded_main()
