"""`nosworkbook hub COHORT.yaml`: check everything a cohort's hub needs, then run JupyterHub.

Nothing starts until the cohort file is valid, its build is there and unchanged
(`classroom.server.check_folder`), the store holds its access codes and the proxy is
installed; each problem is one line. The hub's state (database, cookie secret, proxy token,
learners' working folders) lives in a folder of its own, by default
`<user data folder>/hub/<slug>`, where `settings.json` and a two-line `jupyterhub_config.py`
(the same as `deploy/jupyterhub_config.py` without its notes) are written for it to read.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

from nosworkbook import listening
from nosworkbook.errors import NosworkbookError
from nosworkbook.hub.config import HubSettings, check_ready_units, proxy_command

CONFIG_TEXT = (
    "# Written by `nosworkbook hub`; deploy/jupyterhub_config.py explains it.\n"
    "from nosworkbook.hub.config import configure, settings_from_environment\n\n"
    "configure(c, settings_from_environment())  # noqa: F821 (c is JupyterHub's config)\n"
)


def default_state(slug: str) -> Path:
    """The hub's own folder for a cohort, in the user data folder."""
    import platformdirs

    return Path(platformdirs.user_data_dir("nosworkbook")) / "hub" / slug


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now, for the hub's internal API, the proxy's and the store
    service."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def prepare(
    cohort_file: Path,
    *,
    build_dir: Path = Path("build"),
    state: Path | None = None,
    store: str | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    profile: str = "voila",
    cull_after: int = 3600,
    max_servers: int = 40,
    ready: bool = False,
    ready_units: tuple[str, ...] = (),
) -> HubSettings:
    """The checked settings for the cohort's hub; raises NosworkbookError (one line) if the
    hub cannot work yet."""
    from nosworkbook.classroom.server import check_folder
    from nosworkbook.cohorts import load_cohort
    from nosworkbook.store import open_store
    from nosworkbook.store.location import resolve_location

    listening.check_options(host, port)
    if cull_after < 0:
        raise NosworkbookError(f"--cull-after {cull_after}: give seconds, or 0 for never")
    if max_servers < 0:
        raise NosworkbookError(f"--max-servers {max_servers}: give 1 or more, or 0 for no cap")
    cohort = load_cohort(cohort_file)
    if not cohort.learners:
        raise NosworkbookError(f"{cohort_file}: has no roster; add learners before running a hub")
    folder = (build_dir / cohort.slug).absolute()
    if not (folder / "manifest.json").is_file():
        raise NosworkbookError(
            f"{cohort_file}: not built yet (no {folder}); run nosworkbook build {cohort_file}"
        )
    check_folder(folder)
    missing = [urn for urn in cohort.units if not (folder / f"{urn}.ipynb").is_file()]
    if missing:
        raise NosworkbookError(
            f"{folder}: has no {missing[0]}, which {cohort_file} names; "
            f"run nosworkbook build {cohort_file}"
        )
    check_ready_units(cohort_file, cohort.units, ready_units)
    url = resolve_location(store)
    with open_store(url) as opened:
        if not opened.has_access_codes(cohort.slug):
            raise NosworkbookError(
                f"{cohort_file}: its learners have no access codes; "
                f"run nosworkbook cohort codes {cohort_file}"
            )
    proxy_command()  # installed, or say what to run
    chosen = (state or default_state(cohort.slug)).absolute()
    return HubSettings(
        cohort_file=str(Path(cohort_file).absolute()),
        workbooks=str(folder),
        state=str(chosen),
        store=url.render_as_string(hide_password=False),
        host=host,
        port=port,
        hub_port=free_port(),
        proxy_api_port=free_port(),
        store_port=free_port(),
        profile=profile,
        cull_after=cull_after,
        max_servers=max_servers,
        ready=ready or bool(ready_units),
        ready_units=tuple(dict.fromkeys(ready_units)),
    )


def write_state(settings: HubSettings) -> Path:
    """Write `settings.json` and `jupyterhub_config.py` into the state folder; returns it."""
    state = Path(settings.state)
    state.mkdir(parents=True, exist_ok=True, mode=0o700)
    settings.save(state / "settings.json")
    (state / "jupyterhub_config.py").write_text(CONFIG_TEXT, encoding="utf-8")
    return state


def hub_command(settings: HubSettings) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that run the hub from its state folder."""
    state = write_state(settings)
    command = [sys.executable, "-m", "jupyterhub", "-f", str(state / "jupyterhub_config.py")]
    env = {**os.environ, "NOSWORKBOOK_HUB_SETTINGS": str(state / "settings.json")}
    return command, env


def address(settings: HubSettings) -> str:
    """Where learners sign in."""
    shown = socket.gethostname() if settings.host in ("0.0.0.0", "::") else settings.host
    return f"http://{shown}:{settings.port}/hub/login"
