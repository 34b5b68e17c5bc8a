"""A learner's own server under the hub: the classroom server's Voila, signed in by the hub.

`python -m nosworkbook.hub.singleuser FOLDER --Voila...` is what the spawner runs for each
learner (the Voila profile). It is `nosworkbook serve`'s hardened standalone Voila
(`classroom.app.ClassroomVoila`: page-owned kernels, checked websocket messages, no
`execute_request`, plain errors, safe paths), with JupyterHub's own identity provider and
authorizer (`jupyterhub.singleuser.extension`), so only the server's owner, signed in to the
hub, gets past OAuth; anyone else gets 403 from the hub. Standalone Voila rather than the
Jupyter server extension under `jupyterhub-singleuser`: the extension would bring Jupyter
Server's contents, terminals and kernels APIs, which a learner must not have, and none of
serve's protections.

serve's options are put first by `main` (`voila_args`), whatever the spawner passes, and the
folder is checked as serve checks it (only notebooks `generate` or `build` wrote). Where it
listens and its URL prefix come from the hub (`JUPYTERHUB_SERVICE_URL`,
`JUPYTERHUB_SERVICE_PREFIX`). Voila's folder-listing API (`/voila/api/contents`) is left
out: the landing page needs none. Kernels are told the hub signed their user in
(`runtime.HUB_SIGNED_IN`), so the workbook needs no second sign-in; only this server's kernel
manager sets it, so no other server's kernels can inherit it.
"""

from __future__ import annotations

import nosworkbook.startup  # noqa: F401  (first: it defers an import Jupyter makes)

# isort: split
import os
import re
import sys
import urllib.parse
from pathlib import Path
from typing import Any

from jupyter_server.utils import url_path_join
from jupyterhub.singleuser.extension import JupyterHubAuthorizer, JupyterHubIdentityProvider
from tornado.web import RedirectHandler
from traitlets import default
from voila.tornado.contentshandler import VoilaContentsHandler

from nosworkbook import runtime
from nosworkbook.classroom.app import ClassroomVoila
from nosworkbook.classroom.kernels import ClassroomKernelManager

KERNEL_MANAGER = "nosworkbook.hub.singleuser.HubKernelManager"
APP = "nosworkbook.hub.singleuser"
WORKBOOKS = "NOSWORKBOOK_HUB_WORKBOOKS"
KERNELS_PER_SERVER = 6
"""Kernels one learner's server may run at once: the index and a unit need two; a few tabs."""
KERNEL_CULL_AFTER = 900
"""Seconds before a kernel whose page went without a word is shut down, as for serve."""
READY = "NOSWORKBOOK_HUB_READY"
"""Set by `nosworkbook hub --ready` (`config.configure`): this server keeps one kernel ready
for the index, and one for each unit the variable names (space-separated), with the notebook
already run, as serve's pools do; the learner's answers are read when their page arrives."""


class HubKernelManager(ClassroomKernelManager):
    """The classroom kernel manager; each kernel is told who the hub signed in."""

    async def start_kernel(self, **kwargs: Any) -> str:
        env = dict(kwargs.get("env") or os.environ)
        env[runtime.HUB_SIGNED_IN] = runtime.hub_user()
        kwargs["env"] = env
        return await super().start_kernel(**kwargs)


class HubIdentityProvider(JupyterHubIdentityProvider):
    """JupyterHub's identity provider, taking the keyword arguments Voila gives any provider
    (Voila passes a `token`, which this provider reads from the hub instead)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("token", None)
        kwargs.pop("login_handler_class", None)
        super().__init__(**kwargs)


def _service_url() -> urllib.parse.SplitResult:
    return urllib.parse.urlsplit(os.environ.get("JUPYTERHUB_SERVICE_URL", ""))


class HubVoila(ClassroomVoila):
    """`ClassroomVoila` as a hub's single-user server (see the module)."""

    @default("identity_provider_class")
    def _default_identity_provider_class(self) -> type:
        return HubIdentityProvider

    @default("authorizer_class")
    def _default_authorizer_class(self) -> type:
        return JupyterHubAuthorizer

    @default("base_url")
    def _default_base_url(self) -> str:
        return os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")

    @default("ip")
    def _default_ip(self) -> str:
        return _service_url().hostname or "127.0.0.1"

    @default("port")
    def _default_port(self) -> int:
        return _service_url().port or 8888

    def init_settings(self) -> dict:
        import jupyterhub

        settings = super().init_settings()
        headers = settings.setdefault("headers", {})
        headers["X-JupyterHub-Version"] = jupyterhub.__version__  # the hub checks it on start
        return settings

    def init_handlers(self) -> list:
        own = {pattern: rest for pattern, *rest in self.identity_provider.get_handlers()}
        handlers: list = []
        landing = os.environ.get("JUPYTERHUB_DEFAULT_URL", "").strip("/")
        if landing:  # where the spawner says this user's server opens (a tutor's dashboard)
            target = url_path_join(self.base_url, urllib.parse.quote(landing))
            handlers.append(
                (f"{re.escape(self.base_url.rstrip('/'))}/?", RedirectHandler, {"url": target})
            )
        for pattern, handler, *rest in super().init_handlers():
            if pattern in own:  # Voila adds these without its prefix, and logs out its own way
                handlers.append((url_path_join(self.base_url, pattern), *own[pattern]))
            elif handler is not VoilaContentsHandler:
                handlers.append((pattern, handler, *rest))
        return handlers


def voila_args(
    folder: Path,
    kernel_cull_after: int = KERNEL_CULL_AFTER,
    ready: tuple[str, ...] | None = None,
) -> list[str]:
    """`nosworkbook serve`'s Voila options for `folder` (checked as serve checks it), but no
    address (the hub gives it) and pools for one learner: none, or with `ready` (the units
    named by `READY`) one kernel for the index and one for each of those units."""
    from nosworkbook.classroom.server import check_folder, voila_command

    check_folder(folder)
    command = voila_command(
        folder,
        units=ready or (),
        pool=1 if ready else 0,
        index_pool=0 if ready is None else 1,
        cull_after=kernel_cull_after,
        max_kernels=KERNELS_PER_SERVER,
    )
    args = []
    for arg in command[4:]:  # python -m APP FOLDER
        if arg.startswith(("--Voila.ip=", "--Voila.port=")):
            continue
        if arg.startswith("--VoilaConfiguration.multi_kernel_manager_class="):
            arg = f"--VoilaConfiguration.multi_kernel_manager_class={KERNEL_MANAGER}"
        args.append(arg)
    return args


def main(argv: list[str] | None = None) -> None:
    """`python -m nosworkbook.hub.singleuser [FOLDER] [--Voila...]`: serve FOLDER (else
    `$NOSWORKBOOK_HUB_WORKBOOKS`) with serve's options first, so no spawner's configuration can
    leave them out; options after FOLDER come after them."""
    from nosworkbook.classroom.server import voila_environment
    from nosworkbook.errors import NosworkbookError

    args = list(sys.argv[1:] if argv is None else argv)
    if not runtime.hub_user():
        sys.exit(f"{APP}: JupyterHub's spawner runs this (there is no JUPYTERHUB_USER)")
    folder = args.pop(0) if args and not args[0].startswith("-") else os.environ.get(WORKBOOKS)
    if not folder:
        sys.exit(f"{APP}: name the workbooks' folder (or set {WORKBOOKS})")
    ready = tuple(os.environ[READY].split()) if READY in os.environ else None
    try:
        safe = voila_args(Path(folder), ready=ready)
    except NosworkbookError as exc:
        sys.exit(f"{APP}: {exc}")
    os.environ["JUPYTER_PATH"] = voila_environment(base=os.environ)["JUPYTER_PATH"]
    HubVoila.launch_instance(argv=[folder, *safe, *args])


if __name__ == "__main__":
    main()
