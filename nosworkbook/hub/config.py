"""The hub's configuration for one cohort, as one function of a few settings.

`configure(c, settings)` fills a JupyterHub config object: sign-in with access codes
(`auth.CohortAuthenticator`), a local server per learner (`spawner.CohortSpawner`, the Voila
profile or JupyterLab), idle servers culled by `jupyterhub-idle-culler`, a cap on running
servers, and the hub's state (its database, cookie secret and proxy token) kept in a folder
of its own, so a restarted hub knows its users and their sign-ins still hold. Answers are in
the store, saved as they are made, so a restart loses none. `nosworkbook hub` (`launch`) and
`deploy/jupyterhub_config.py` both call it; `settings_from_environment` reads the settings
the second one is given.

The store is a hub service (`store_service`, started and kept by the hub): the learners'
servers are told only its URL (`NOSWORKBOOK_STORE`) and reach it with their own hub token, so
no database address or password reaches a learner's server; the hub's own sign-in reads the
database directly.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nosworkbook.errors import NosworkbookError

PROXY_VERSION = "4.6.3"
"""The configurable-http-proxy `scripts/setup.sh` installs from npm (into `.venv/hub`)."""
PROXY = "configurable-http-proxy"
STATE_FILES = ("jupyterhub.sqlite", "jupyterhub_cookie_secret", "proxy_token")
ENV_PREFIX = "NOSWORKBOOK_HUB_"
TEMPLATES = Path(__file__).resolve().parent / "templates"
CULLER = (
    "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from jupyterhub_idle_culler import main; main()"
)
"""jupyterhub-idle-culler, stopping at the hub's SIGINT even when started with SIGINT ignored
(as a background job is): otherwise the hub waits 30 s for it at every stop."""


def proxy_command(prefix: str | os.PathLike[str] | None = None) -> list[str]:
    """The proxy to run: the one `scripts/setup.sh` put in `<venv>/hub`, else one on PATH."""
    installed = Path(prefix or sys.prefix) / "hub" / "node_modules" / ".bin" / PROXY
    if installed.is_file() and os.access(installed, os.X_OK):
        return [str(installed)]
    found = shutil.which(PROXY)
    if found:
        return [found]
    raise NosworkbookError(
        f"{PROXY} is not installed: run bash scripts/setup.sh (it installs it into .venv/hub)"
    )


@dataclass(frozen=True)
class HubSettings:
    """What one cohort's hub needs to know; every path absolute."""

    cohort_file: str
    workbooks: str  # the cohort's build folder
    state: str  # the hub's own folder: database, cookie secret, proxy token, users' folders
    store: str = ""  # '' for the default store ($NOSWORKBOOK_STORE, else the data folder)
    host: str = "127.0.0.1"
    port: int = 8000
    hub_port: int = 8081
    proxy_api_port: int = 8001
    store_port: int = 10101  # the store service, on 127.0.0.1
    profile: str = "voila"
    cull_after: int = 3600  # seconds before an idle learner's server is stopped; 0 never
    max_servers: int = 40  # learners' servers running at once; 0 no cap
    ready: bool = False  # start every roster learner's server as the hub starts (`ready`)
    ready_units: tuple[str, ...] = ()  # with `ready`: units each server keeps a kernel ready for
    extra: dict[str, Any] = field(default_factory=dict)  # for services added later

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> HubSettings:
        values = json.loads(Path(path).read_text(encoding="utf-8"))
        values["ready_units"] = tuple(values.get("ready_units", ()))
        return cls(**values)


def settings_from_environment(env: Mapping[str, str] | None = None) -> HubSettings:
    """`HubSettings` from `NOSWORKBOOK_HUB_SETTINGS` (a file `HubSettings.save` wrote), else
    from `NOSWORKBOOK_HUB_<FIELD>` variables (`NOSWORKBOOK_HUB_COHORT_FILE`, `..._WORKBOOKS`,
    `..._STATE` are needed) and `NOSWORKBOOK_STORE`."""
    env = os.environ if env is None else env
    if env.get(ENV_PREFIX + "SETTINGS"):
        return HubSettings.load(env[ENV_PREFIX + "SETTINGS"])
    values: dict[str, Any] = {}
    for name, kind in HubSettings.__annotations__.items():
        key = ENV_PREFIX + name.upper()
        if name != "extra" and key in env:
            values[name] = _from_text(env[key], kind)
    missing = [f"{ENV_PREFIX}{n.upper()}" for n in ("cohort_file", "workbooks", "state")]
    missing = [key for key in missing if key.removeprefix(ENV_PREFIX).lower() not in values]
    if missing:
        raise NosworkbookError(f"the hub's configuration needs {', '.join(missing)}")
    values.setdefault("store", env.get("NOSWORKBOOK_STORE", ""))
    return HubSettings(**values)


def _from_text(text: str, kind: str) -> Any:
    if kind == "int":
        return int(text)
    if kind == "bool":
        return text.strip().lower() in ("1", "true", "yes")
    if kind.startswith("tuple"):
        return tuple(text.split())
    return text


def proxy_token(state: Path) -> str:
    """The proxy's API token, kept in the state folder (made on first use, owner-only)."""
    path = state / "proxy_token"
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_hex(32))
    return path.read_text().strip()


def store_url(settings: HubSettings) -> str:
    return f"http://127.0.0.1:{settings.store_port}"


def learner_environment(settings: HubSettings) -> dict[str, str]:
    """What a learner's server is given beyond the hub's own variables: the store service's
    URL as its store, never the database's; with `ready`, the pages to keep kernels ready for."""
    from nosworkbook.hub import singleuser, store_service

    env = store_service.learner_environment(store_url(settings))
    if settings.ready and settings.profile == "voila":
        env[singleuser.READY] = " ".join(settings.ready_units)
    return env


def store_services(settings: HubSettings) -> list[dict[str, Any]]:
    """The store as a hub service (`c.JupyterHub.services` entries): the database's location
    is in its environment alone."""
    from nosworkbook.hub import store_service

    return [store_service.service_config(settings.store or None, url=store_url(settings))]


def store_roles(settings: HubSettings) -> list[dict[str, Any]]:
    """The roles the store service and learners' servers need for it (`c.JupyterHub.load_roles`)."""
    from nosworkbook.hub import store_service

    return store_service.roles()


def culler(settings: HubSettings) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """jupyterhub-idle-culler as a hub service, and the role it needs; nothing for 0."""
    if settings.cull_after <= 0:
        return [], []
    every = max(10, min(300, settings.cull_after // 4))
    service = {
        "name": "idle-culler",
        "command": [
            sys.executable,
            "-c",
            CULLER,
            f"--timeout={settings.cull_after}",
            f"--cull-every={every}",
        ],
    }
    role = {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }
    return [service], [role]


def ready_servers(settings: HubSettings) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The service that starts the roster's servers as the hub starts, and its role; nothing
    unless `settings.ready`."""
    if not settings.ready:
        return [], []
    from nosworkbook.hub import ready

    return [ready.service_config(settings.cohort_file, settings.max_servers)], [ready.role()]


def configure_sign_in(c: Any, cohort_file: str, store: str = "") -> None:
    """The part an existing hub (Zero to JupyterHub's, say) takes on its own: sign-in with
    the cohort's access codes, tutors in `tutors-<slug>`."""
    from nosworkbook.hub.auth import CohortAuthenticator

    c.JupyterHub.authenticator_class = CohortAuthenticator
    c.CohortAuthenticator.cohort_file = cohort_file
    c.CohortAuthenticator.store = store
    c.JupyterHub.template_paths = [str(TEMPLATES)]  # the form asks for an id and access code


def configure_existing_hub(
    c: Any,
    cohort_file: str,
    database: str,
    *,
    store_url: str = "http://hub:10101",
    bind: str = "0.0.0.0:10101",
    spawner: str = "KubeSpawner",
    ready: bool = False,
    ready_units: Sequence[str] = (),
) -> None:
    """For a hub this package does not start (Zero to JupyterHub's, `deploy/values.yaml`):
    sign-in with the cohort's codes, the store service run by the hub in its own pod
    (reached at `store_url`, listening on `bind`), the roles it needs, the learners'
    servers given the service's URL as their store, never `database`, and tutors' servers
    opening on the dashboard (unless the hub has its own `pre_spawn_hook`).

    With `ready` (as `nosworkbook hub --ready`, and `ready_units` as its `--ready-unit`):
    the hub service that starts every roster learner's server as the hub starts, within the
    hub's `active_server_limit`, each server keeping a kernel ready for the index and those
    units. Set the limit before this call: Zero to JupyterHub applies `hub.config` first."""
    from nosworkbook.hub import store_service

    configure_sign_in(c, cohort_file, database)
    service = store_service.service_config(database, url=store_url)
    service["environment"][store_service.BIND_ENV] = bind
    services = c.JupyterHub.services if isinstance(c.JupyterHub.services, list) else []
    roles = c.JupyterHub.load_roles if isinstance(c.JupyterHub.load_roles, list) else []
    services, roles = [*services, service], [*roles, *store_service.roles()]
    settings = c[spawner]
    environment = settings.environment if isinstance(settings.environment, dict) else {}
    environment = {**environment, **store_service.learner_environment(store_url)}
    if ready:
        from nosworkbook.cohorts import load_cohort
        from nosworkbook.hub import ready as ready_service
        from nosworkbook.hub import singleuser

        units = load_cohort(Path(cohort_file)).units
        check_ready_units(cohort_file, units, ready_units, "ready_units")
        limit = c.JupyterHub.active_server_limit
        cap = limit if isinstance(limit, int) else 0  # unset: no cap, as the hub's default
        services.append(ready_service.service_config(cohort_file, cap))
        roles.append(ready_service.role())
        environment[singleuser.READY] = " ".join(ready_units)
    c.JupyterHub.services, c.JupyterHub.load_roles = services, roles
    settings.environment = environment
    if not callable(settings.get("pre_spawn_hook")):
        from nosworkbook.hub.spawner import tutors_open_the_dashboard

        settings.pre_spawn_hook = tutors_open_the_dashboard


def check_ready_units(
    cohort_file: object,
    units: Sequence[str],
    ready_units: Sequence[str],
    what: str = "--ready-unit",
) -> None:
    """NosworkbookError (one line) for a unit to keep kernels ready for that the cohort has
    not: its servers have no such workbook. `what` names the setting in the message."""
    unknown = [urn for urn in ready_units if urn not in units]
    if unknown:
        raise NosworkbookError(
            f"{what} {unknown[0]}: {cohort_file} has no such unit (its units are "
            "the ones it was built with)"
        )


def configure(c: Any, settings: HubSettings) -> None:
    """Fill the JupyterHub config object `c` for `settings` (see the module)."""
    from nosworkbook.hub.spawner import CohortSpawner

    state = Path(settings.state)
    state.mkdir(parents=True, exist_ok=True, mode=0o700)
    c.JupyterHub.bind_url = f"http://{settings.host}:{settings.port}"
    c.JupyterHub.hub_ip = "127.0.0.1"
    c.JupyterHub.hub_port = settings.hub_port
    c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
    c.ConfigurableHTTPProxy.command = proxy_command()
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings.proxy_api_port}"
    c.ConfigurableHTTPProxy.auth_token = proxy_token(state)
    c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")

    configure_sign_in(c, settings.cohort_file, settings.store)

    c.JupyterHub.spawner_class = CohortSpawner
    c.CohortSpawner.workbooks = settings.workbooks
    c.CohortSpawner.users_dir = str(state / "users")
    c.CohortSpawner.profile = settings.profile
    c.CohortSpawner.environment = learner_environment(settings)
    c.CohortSpawner.default_url = "/lab" if settings.profile == "lab" else "/"
    c.CohortSpawner.http_timeout = 60
    c.CohortSpawner.start_timeout = 120
    c.CohortSpawner.interrupt_timeout = 20  # the server shuts its kernels down at SIGINT

    c.JupyterHub.active_server_limit = max(0, settings.max_servers)
    services, roles = culler(settings)
    ready, ready_role = ready_servers(settings)
    c.JupyterHub.services = [*services, *store_services(settings), *ready]
    c.JupyterHub.load_roles = [*roles, *store_roles(settings), *ready_role]
