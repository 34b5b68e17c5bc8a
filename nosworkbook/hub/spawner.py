"""How the hub starts a learner's (or tutor's) own server on this machine.

`CohortSpawner` is JupyterHub's local-process spawner that needs no system user per learner:
every server runs as the hub's own user, in a working folder of its own under the hub's state
folder (`users/<id>`, with a private `tmp/` for kernels' connection files). That gives no
isolation between servers, which is safe for the Voila profile only because a learner there
cannot run code (see `singleuser`); for the JupyterLab profile use it only where every learner
may be trusted with the hub's user, or run the workbooks on Zero to JupyterHub, where each
server is a pod of its own (`deploy/values.yaml`).

Profiles (`profile`):

- `voila` (the default): `python -m nosworkbook.hub.singleuser` on the cohort's build folder,
  which the learner reads but cannot change (there is no contents API).
- `lab`: JupyterLab (`jupyterhub-singleuser`) on a copy of the cohort's workbooks in the
  learner's working folder, for courses where learners write code; it is made on the first
  start and never overwritten, so the learner's own edits stay.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from jupyterhub.spawner import SimpleLocalProcessSpawner
from traitlets import CaselessStrEnum, Unicode, default

from nosworkbook.classroom.server import DASHBOARD_PAGE
from nosworkbook.hub.permissions import TUTORS_PREFIX

PROFILES = ("voila", "lab")
LAB_KERNEL_MANAGER = "nosworkbook.hub.lab.HubLabKernelManager"


def tutors_open_the_dashboard(spawner: Any) -> None:
    """A tutor's Voila server opens on the tutor's dashboard, not on the learners' index
    (which asks for a learner's id and code). Also a `pre_spawn_hook` for another hub's
    spawner (`config.configure_existing_hub`): a server opening elsewhere than "/" (the
    JupyterLab profile's /lab) is left alone."""
    tutor = any(group.name.startswith(TUTORS_PREFIX) for group in spawner.user.groups)
    if tutor and spawner.default_url in ("", "/"):
        spawner.default_url = "/" + DASHBOARD_PAGE


class CohortSpawner(SimpleLocalProcessSpawner):
    """A local process per user, in `<users_dir>/<id>` (see the module)."""

    workbooks = Unicode(config=True, help="The cohort's build folder (build/<slug>).")
    users_dir = Unicode(config=True, help="Where each user's working folder is made.")
    profile = CaselessStrEnum(PROFILES, default_value="voila", config=True)

    @default("home_dir")
    def _default_home_dir(self) -> str:
        return str(Path(self.users_dir) / self.user.name)

    @default("cmd")
    def _default_cmd(self) -> list[str]:
        if self.profile == "lab":
            return [sys.executable, "-m", "jupyterhub.singleuser"]
        return [sys.executable, "-m", "nosworkbook.hub.singleuser"]

    def get_args(self) -> list[str]:
        if self.profile == "lab":
            lab = [
                f"--ServerApp.root_dir={Path(self.home_dir) / 'workbooks'}",
                f"--ServerApp.kernel_manager_class={LAB_KERNEL_MANAGER}",
            ]
            if os.geteuid() == 0:  # a hub run as root (a container): its servers are too
                lab.append("--ServerApp.allow_root=True")
            return [*lab, *self.args]
        return [str(self.workbooks), *self.args]  # serve's options are added by singleuser

    async def start(self) -> Any:
        home = Path(self.home_dir)
        (home / "tmp").mkdir(parents=True, mode=0o700, exist_ok=True)
        if self.profile == "lab" and not (home / "workbooks").exists():
            shutil.copytree(self.workbooks, home / "workbooks")
        if self.profile == "voila":
            tutors_open_the_dashboard(self)
        return await super().start()

    def user_env(self, env: dict[str, str]) -> dict[str, str]:
        env = super().user_env(env)
        env["TMPDIR"] = str(Path(self.home_dir) / "tmp")
        return env
