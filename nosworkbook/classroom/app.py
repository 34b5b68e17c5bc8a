"""The Voila application that `nosworkbook serve` runs: standalone Voila with its doors checked.

`python -m nosworkbook.classroom.app FOLDER --Voila...` (the command `server.voila_command`
builds) is Voila, with these changes:

- Owners: every page sets a signed cookie naming the browser (`OWNER_COOKIE`), and the kernel
  manager notes which browser each page's kernel was given to (`kernels.PAGE`). Only that
  browser may open the kernel's websocket, ask about it (`/api/kernels/<id>`), or shut it down
  (`/voila/api/shutdown/<id>`, the beacon a page sends when the learner leaves it, and `DELETE
  /api/kernels/<id>`). Anyone else, and anyone at all for a kernel still waiting in a pool, is
  refused (403), and an unknown kernel is 404. The page also sets the `_xsrf` cookie its
  shut-down beacon needs.
- Messages from a page to its kernel: at most `MAX_CLIENT_MESSAGE` bytes each (1 MiB: a
  20,000-character evidence note or a 200,000-character answer fits with room to spare; a
  larger one is dropped and logged, and one over twice that closes the websocket); malformed
  ones are dropped and logged in one line; a `comm_open` is passed on only for the widget
  manager's own comms (`guard.CLIENT_COMM_TARGETS`), any other is answered with `comm_close`.
- Messages from a kernel to its page: an `error` (or a reply with status `error`) reaches the
  page as one plain sentence (`guard.PLAIN_ERROR`) and the traceback goes to the server's log;
  the kernel's standard error goes to the log and never to the page.
- Paths: Voila's template file handler, page handler and logout answer 404 (or a redirect)
  for paths they would have failed on with a 500 (`..`, NUL and other control characters,
  paths too short to name a template file, /logout with no token); error pages render.
- The accessibility statement: `/accessibility` (the template's `accessibility.html`), open to
  anyone, token or not, and linked from the landing page, the busy page and every workbook's
  footer.
- Ctrl-C (SIGINT) stops the server as SIGTERM does: once, at once, no question asked, every
  kernel shut down (each saves as it goes, so nothing saved is lost).
"""

from __future__ import annotations

import nosworkbook.startup  # noqa: F401  (first: it defers an import Jupyter makes)

# isort: split
import contextlib
import json
import logging
import re
import secrets
import signal
import sys
from typing import Any

from jupyter_client.session import DELIM
from jupyter_server import DEFAULT_STATIC_FILES_PATH
from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.logout import LogoutHandler
from jupyter_server.services.kernels.connection.base import (
    deserialize_binary_message,
    deserialize_msg_from_ws_v1,
    serialize_msg_to_ws_v1,
)
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from jupyter_server.services.kernels.handlers import KernelHandler
from jupyter_server.utils import url_path_join
from tornado import web
from voila.app import Voila
from voila.handler import BaseVoilaHandler
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.static_file_handler import TemplateStaticFileHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

from nosworkbook.classroom.kernels import PAGE, PageRequest
from nosworkbook.workbook.guard import ANSI, CLIENT_COMM_TARGETS, PLAIN_ERROR

OWNER_COOKIE = "nosworkbook-page"
MAX_CLIENT_MESSAGE = 1024 * 1024  # bytes in one websocket message from a page
V1 = "v1.kernel.websocket.jupyter.org"
TEMPLATE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
LOGGED_OUTPUT = 20_000  # characters of a kernel's stderr or traceback quoted in the log


def unsafe_path(path: str) -> bool:
    """True for a request path no handler here should try to open: a `..` or `.` segment, a
    backslash, NUL or another control character."""
    if any(ord(char) < 32 or ord(char) == 127 for char in path) or "\\" in path:
        return True
    return any(part in ("..", ".") for part in path.split("/"))


def page_owner(handler: web.RequestHandler) -> str | None:
    """The browser named by the request's owner cookie, or None."""
    value = handler.get_signed_cookie(OWNER_COOKIE, max_age_days=2)
    return value.decode() if value else None


def _check_owner(handler: Any, kernel_id: str) -> None:
    """404 for a kernel that does not exist, 403 unless the request comes from its page."""
    manager = handler.kernel_manager
    if kernel_id not in manager:
        raise web.HTTPError(404, "No such kernel")
    if not manager.is_owner(kernel_id, page_owner(handler)):
        raise web.HTTPError(403, f"Kernel {kernel_id} belongs to another page")


def split_v1(raw: bytes) -> list[bytes]:
    """The parts (header, parent header, metadata, content, buffers...) of a v1-protocol
    message, checked first: Jupyter Server's own reader trusts the count of offsets in the
    first 8 bytes, so a message starting with a huge count would stall the whole server."""
    if len(raw) < 8:
        raise ValueError("too short")
    count = int.from_bytes(raw[:8], "little")
    if not 6 <= count <= (len(raw) - 8) // 8 or count > 1000:
        raise ValueError("bad offsets")
    offsets = [int.from_bytes(raw[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(count)]
    if offsets[0] < 8 * (count + 1) or offsets != sorted(offsets) or offsets[-1] > len(raw):
        raise ValueError("bad offsets")
    channel, parts = deserialize_msg_from_ws_v1(raw)
    if channel not in ("shell", "control", "iopub", "stdin"):
        raise ValueError("no such channel")
    return parts


class PageHandler(TornadoVoilaHandler):
    """A workbook page: the owner cookie, the `_xsrf` cookie, and the kernel given to it
    noted as this browser's."""

    async def get_generator(self, path: str | None = None):  # type: ignore[override]
        if path is not None and unsafe_path(path):
            raise web.HTTPError(404)
        owner = page_owner(self)
        if owner is None:
            owner = secrets.token_urlsafe(18)
            self.set_signed_cookie(
                OWNER_COOKIE,
                owner,
                expires_days=None,
                httponly=True,
                samesite="Strict",
                path=self.base_url,
            )
        self.xsrf_token  # noqa: B018 (sets the _xsrf cookie the shut-down beacon sends)
        request = PageRequest(owner)
        token = PAGE.set(request)
        try:
            async for html in super().get_generator(path=path):
                yield html
        finally:
            with contextlib.suppress(ValueError):  # closed from another context: no undo
                PAGE.reset(token)
            self.kernel_manager.page_sent(request)


class OwnedShutdownHandler(VoilaShutdownKernelHandler):
    """The page's shut-down beacon: only the page's own browser may end its kernel."""

    @web.authenticated
    async def post(self, kernel_id: str) -> None:
        _check_owner(self, kernel_id)
        await super().post(kernel_id)


class OwnedKernelHandler(KernelHandler):
    """`/api/kernels/<id>`: about, or delete, only the requester's own kernel."""

    @web.authenticated
    async def get(self, kernel_id: str) -> None:
        _check_owner(self, kernel_id)
        await super().get(kernel_id)

    @web.authenticated
    async def delete(self, kernel_id: str) -> None:
        _check_owner(self, kernel_id)
        await super().delete(kernel_id)


class OwnedWebsocketHandler(VoilaKernelWebsocketHandler):
    """A kernel's websocket: only from the page that has it."""

    async def pre_get(self) -> None:
        _check_owner(self, self.kernel_id)
        await super().pre_get()


class SafeTemplateStaticFileHandler(TemplateStaticFileHandler):
    """`/voila/templates/<template>/static/<file>`: 404 for anything else."""

    async def get(self, path: str, include_body: bool = True) -> None:
        parts = path.split("/", 2)
        if (
            unsafe_path(path)
            or len(parts) != 3
            or parts[1] != "static"
            or not TEMPLATE_NAME.fullmatch(parts[0])
            or not parts[2]
        ):
            raise web.HTTPError(404)
        await super().get(path, include_body=include_body)


class ClassroomLogoutHandler(LogoutHandler):
    """Logging out (Voila has no logout page): with a token, clear the login cookie and go to
    the landing page (which asks for the token again); with no token there is nothing to log
    out of: 404."""

    def get(self) -> None:
        if not self.identity_provider.auth_enabled:
            raise web.HTTPError(404)
        self.identity_provider.clear_login_cookie(self)
        self.redirect(self.base_url)


class AccessibilityHandler(BaseVoilaHandler):
    """`/accessibility`: the accessibility statement, for anyone (it holds nothing private)."""

    @allow_unauthenticated
    def get(self) -> None:
        self.write(self.render_template("accessibility.html"))


REPLACED = {
    TornadoVoilaHandler: PageHandler,
    VoilaShutdownKernelHandler: OwnedShutdownHandler,
    KernelHandler: OwnedKernelHandler,
    VoilaKernelWebsocketHandler: OwnedWebsocketHandler,
    TemplateStaticFileHandler: SafeTemplateStaticFileHandler,
}


class PageConnection(ZMQChannelsWebsocketConnection):
    """The messages between a page and its kernel, checked both ways (see the module)."""

    def handle_incoming_message(self, incoming_msg: Any) -> None:
        size = len(incoming_msg)
        if size > MAX_CLIENT_MESSAGE:
            self.log.warning(
                "Dropped a %d-byte message for kernel %s (most %d)",
                size,
                self.kernel_id,
                MAX_CLIENT_MESSAGE,
            )
            return
        try:
            header, content = self._peek(incoming_msg)
        except Exception as exc:
            self.log.warning(
                "Dropped a malformed message for kernel %s: %s", self.kernel_id, str(exc)[:200]
            )
            return
        if header.get("msg_type") == "comm_open":
            target = content.get("target_name")
            if target not in CLIENT_COMM_TARGETS:
                self.log.warning(
                    "Refused a comm open for kernel %s: target %r", self.kernel_id, target
                )
                self._send_comm_close(content, header)
                return
        try:
            super().handle_incoming_message(incoming_msg)
        except Exception as exc:
            self.log.warning("Dropped a message for kernel %s: %s", self.kernel_id, str(exc)[:200])

    def _peek(self, incoming_msg: Any) -> tuple[dict, dict]:
        """The header and content of a message from the page; raises if malformed."""
        if self.subprotocol == V1:
            if not isinstance(incoming_msg, bytes):
                raise ValueError("text in the binary protocol")
            parts = split_v1(incoming_msg)
            header, content = json.loads(parts[0]), json.loads(parts[3])
        else:
            if isinstance(incoming_msg, bytes):
                # as split_v1: the count of buffers in the first 4 bytes is checked first
                count = int.from_bytes(incoming_msg[:4], "big", signed=True)
                if len(incoming_msg) < 8 or not 1 <= count <= min(1000, len(incoming_msg) // 4):
                    raise ValueError("bad offsets")
                msg = deserialize_binary_message(incoming_msg)
            else:
                msg = json.loads(incoming_msg)
            if not isinstance(msg, dict):
                raise ValueError("not a message")
            header, content = msg.get("header"), msg.get("content")
        if not isinstance(header, dict) or not isinstance(header.get("msg_type"), str):
            raise ValueError("no header")
        if not isinstance(content, dict):
            raise ValueError("no content")
        return header, content

    def _send_comm_close(self, content: dict, parent: dict) -> None:
        comm_id = content.get("comm_id")
        if not isinstance(comm_id, str):
            return
        msg = self.session.msg("comm_close", {"comm_id": comm_id, "data": {}}, parent=parent)
        if self.subprotocol == V1:
            parts = [
                self.session.pack(msg[key])
                for key in ("header", "parent_header", "metadata", "content")
            ]
            self.write_message(serialize_msg_to_ws_v1(parts, "iopub"), binary=True)
        else:
            msg["channel"] = "iopub"
            self.write_message(json.dumps(msg, default=str))

    def handle_outgoing_message(self, stream: Any, outgoing_msg: list) -> None:
        try:
            checked = self._plain(outgoing_msg)
        except Exception as exc:
            self.log.warning(
                "Dropped a malformed message from kernel %s: %s", self.kernel_id, str(exc)[:200]
            )
            return
        if checked is not None:
            super().handle_outgoing_message(stream, checked)

    def _plain(self, outgoing_msg: list) -> list | None:
        """The message as the page may see it; None for one it must not see at all."""
        idents, parts = self.session.feed_identities(outgoing_msg)
        parts = [bytes(part) if not isinstance(part, bytes) else part for part in parts]
        header = self.session.unpack(parts[1])
        kind = header.get("msg_type")
        if kind not in ("stream", "error") and not kind.endswith("_reply"):
            return outgoing_msg
        content = self.session.unpack(parts[4])
        if kind == "stream":
            if content.get("name") != "stderr":
                return outgoing_msg
            self.log.warning(
                "Kernel %s wrote to stderr (not shown to the page):\n%s",
                self.kernel_id,
                ANSI.sub("", str(content.get("text", "")))[:LOGGED_OUTPUT],
            )
            return None
        if kind != "error" and content.get("status") != "error":
            return outgoing_msg
        details = "\n".join(str(line) for line in content.get("traceback") or ())
        if content.get("evalue") != PLAIN_ERROR or details != PLAIN_ERROR:
            self.log.warning(
                "Error in kernel %s (the page was told less): %s: %s\n%s",
                self.kernel_id,
                content.get("ename"),
                str(content.get("evalue"))[:1000],
                ANSI.sub("", details)[:LOGGED_OUTPUT],
            )
        content.update(ename="Error", evalue=PLAIN_ERROR, traceback=[PLAIN_ERROR])
        parts[4] = self.session.pack(content)
        parts[0] = self.session.sign(parts[1:5])
        return [*idents, DELIM, *parts]


class WarmUpInterrupted(logging.Filter):
    """Stopping the server interrupts every kernel first (jupyter_client does), so a pooled
    kernel still running its warm-up cell reports a KeyboardInterrupt, which Voila logs with a
    full traceback. That is no error: say so in one line."""

    MESSAGE = "A kernel was stopped while it was still warming up."

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if (
            error is not None
            and "KeyboardInterrupt" in str(error)
            and str(record.msg).startswith("Error at server while executing cell")
        ):
            record.msg, record.args = self.MESSAGE, ()
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


class ClassroomVoila(Voila):
    """Voila as `nosworkbook serve` runs it (see the module)."""

    def initialize(self, argv: list[str] | None = None) -> None:
        super().initialize(argv)
        quiet = WarmUpInterrupted()
        for handler in {*self.log.handlers, *logging.getLogger().handlers}:
            handler.addFilter(quiet)
        self._stop_asked = False
        signal.signal(signal.SIGINT, self._handle_signal_stop)
        signal.signal(signal.SIGTERM, self._handle_signal_stop)

    def _handle_signal_stop(self, sig: int, frame: Any) -> None:
        if self._stop_asked:
            return  # stopping already: a second Ctrl-C changes nothing
        self._stop_asked = True
        self.log.info("Stopping the server (signal %s): shutting down its kernels.", sig)
        loop = getattr(self, "ioloop", None)
        if loop is None:  # not serving yet: nothing to shut down
            raise SystemExit(128 + sig)
        loop.add_callback_from_signal(loop.stop)

    def init_settings(self) -> dict:
        settings = super().init_settings()
        settings["kernel_websocket_connection_class"] = PageConnection
        settings["websocket_max_message_size"] = 2 * MAX_CLIENT_MESSAGE
        settings["static_path"] = DEFAULT_STATIC_FILES_PATH  # so error pages can render
        return settings

    def init_handlers(self) -> list:
        statement = url_path_join(self.server_url, r"/accessibility/?")
        handlers: list = [
            (statement, AccessibilityHandler, {"voila_configuration": self.voila_configuration})
        ]
        for pattern, handler, *rest in super().init_handlers():
            if isinstance(handler, type) and issubclass(handler, LogoutHandler):
                handler = ClassroomLogoutHandler
            handlers.append((pattern, REPLACED.get(handler, handler), *rest))
        return handlers


def main(argv: list[str] | None = None) -> None:
    ClassroomVoila.launch_instance(argv=sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
