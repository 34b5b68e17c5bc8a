"""Serve workbooks to a classroom with standalone Voila.

Standalone Voila (never the Jupyter server extension, which would hand learners a full
kernel), bound to localhost unless told otherwise, with sources stripped and no tracebacks.
It runs as `python -m nosworkbook.classroom.app` (`APP`): Voila with owners for kernels,
checked websocket messages, safe paths and a clean Ctrl-C (see that module).

- Landing page: `/` (Voila's folder listing) is replaced by the nosworkbook Voila template
  (`data/jupyter/voila/templates/nosworkbook`, found through `JUPYTER_PATH`), which sends the
  learner to `voila/render/index.ipynb`: the generated index with their progress.
- Pools: `pool` kernels are kept ready, the notebook already run, for the index and for each
  unit named in `units`; none for the rest (Voila would otherwise preheat every notebook).
  `nosworkbook.classroom.kernels` turns this into Voila's `kernel_pools_config`. A taken kernel is
  replaced 30 s later, once the class has arrived, not while learners are still waiting; and
  kernels use Unix sockets, not TCP ports that many kernels starting at once could race for.
- Culling: a kernel with no open page is shut down after `cull_after` idle seconds. A closed
  laptop stops answering the websocket's pings and the server drops the socket after about
  90 seconds, so its kernel goes too. A page still open and connected keeps its kernel
  (`cull_connected=False`): a learner reading for twenty minutes loses nothing.
- Cap: at most `max_kernels` live kernels, pools included (`nosworkbook.classroom.kernels`);
  one more gets the "busy" page with HTTP status 503.
- Pages that never connect: a kernel whose page is sent but never connects to it within
  `connect_within` seconds (60 by default) is shut down, so fetching pages without running
  them cannot fill the cap. Kernels waiting in a pool are not affected.
- Token: beyond localhost the server asks for a token; it reaches Voila through the
  environment (`JUPYTER_TOKEN`), never the command line, which other users can read.
- Only notebooks we generated or built are served: see `check_folder`.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from nosworkbook import listening
from nosworkbook.errors import NosworkbookError
from nosworkbook.files import sha256_of

if TYPE_CHECKING:
    from nosworkbook.cohorts.build import BuildSummary

LOCALHOST = frozenset({"127.0.0.1", "localhost", "::1"})
TEMPLATE = "nosworkbook"
KERNEL_MANAGER = "nosworkbook.classroom.kernels.ClassroomKernelManager"
APP = "nosworkbook.classroom.app"
INDEX = "index.ipynb"
DEFAULT_POOL = 2
DEFAULT_INDEX_POOL = 2
"""Kernels kept ready for the index: a learner opens it once, at the start, and leaves it for a
unit (which ends its kernel), so a class needs only a few, however large."""
DEFAULT_CULL_AFTER = 900
DEFAULT_MAX_KERNELS = 40


def jupyter_data_dir() -> Path:
    """The folder added to `JUPYTER_PATH`: it holds `voila/templates/nosworkbook`."""
    return Path(__file__).resolve().parents[1] / "data" / "jupyter"


def is_localhost(host: str) -> bool:
    """Only these names count: 127.0.0.2 is loopback, but not what a tutor means by local."""
    return host in LOCALHOST


def parse_units(text: str) -> tuple[str, ...]:
    """'INSCS027, inscs001-INSCS003' -> ('INSCS001', 'INSCS002', 'INSCS003', 'INSCS027')."""
    from nosworkbook.catalog import load
    from nosworkbook.catalog.selection import select_units

    try:
        return select_units(text, load()) if text.strip() else ()
    except ValueError as exc:
        raise NosworkbookError(f"--units: {exc}") from None


def check_folder(path: Path) -> str:
    """Refuse to serve anything but notebooks we generated or built: Voila runs every notebook
    it can find for whoever asks. Returns 'build' for a cohort build, 'workbooks' otherwise.

    A cohort build (it has `manifest.json`) must hold only the notebooks its manifest lists,
    unchanged since they were built; any other folder must hold only workbooks identical to
    what `nosworkbook generate` writes. Notebooks in subfolders are refused either way.
    """
    path = Path(path)
    notebooks = sorted(p for p in path.rglob("*.ipynb") if p.is_file())
    nested = [p for p in notebooks if p.parent != path]
    if nested:
        raise NosworkbookError(
            f"{nested[0]}: only generated workbooks may be served; remove it "
            f"({len(nested)} notebook(s) in subfolders)"
        )
    if not (path / INDEX).is_file():
        raise NosworkbookError(f"{path}: no {INDEX} (run nosworkbook generate or build)")
    manifest_path = path / "manifest.json"
    if manifest_path.is_file():
        try:
            listed = json.loads(manifest_path.read_text(encoding="utf-8"))["notebooks"]
        except (OSError, ValueError, KeyError, TypeError):
            raise NosworkbookError(f"{manifest_path}: not a cohort build manifest") from None
        for notebook in notebooks:
            entry = listed.get(notebook.name)
            if not isinstance(entry, dict):
                raise NosworkbookError(f"{notebook}: not part of this cohort build; remove it")
            if entry.get("sha256") != sha256_of(notebook):
                raise NosworkbookError(
                    f"{notebook}: changed since it was built (run nosworkbook build again)"
                )
        return "build"
    from nosworkbook.generate import workbook_texts

    expected = workbook_texts()
    for notebook in notebooks:
        text = expected.get(notebook.name)
        if text is None:
            raise NosworkbookError(f"{notebook}: not a generated workbook; remove it")
        if notebook.read_text(encoding="utf-8") != text:
            raise NosworkbookError(f"{notebook}: out of date or edited (run nosworkbook generate)")
    return "workbooks"


def cull_interval(cull_after: int) -> int:
    """How often idle kernels are looked for: a minute, or sooner for short timeouts."""
    return max(1, min(60, cull_after // 3))


def index_pool_size(pool: int, index_pool: int | None = None) -> int:
    """The index's own pool: as given, else `DEFAULT_INDEX_POOL` (or `pool`, if smaller)."""
    return min(pool, DEFAULT_INDEX_POOL) if index_pool is None else index_pool


def pools(units: tuple[str, ...], pool: int, index_pool: int | None = None) -> dict[str, int]:
    """Kernels kept ready: `pool` for each named unit, the index's own pool for the index
    (`index_pool_size`), none for the rest."""
    return {
        INDEX: index_pool_size(pool, index_pool),
        **{f"{urn}.ipynb": pool for urn in units},
    }


def check_options(
    port: int,
    host: str,
    *,
    units: tuple[str, ...] = (),
    pool: int = DEFAULT_POOL,
    cull_after: int = DEFAULT_CULL_AFTER,
    max_kernels: int = DEFAULT_MAX_KERNELS,
    connect_within: int | None = None,
    index_pool: int | None = None,
) -> None:
    """The checks that need no folder, so a typing mistake is caught before any build."""
    listening.check_options(host, port)
    if pool < 0:
        raise NosworkbookError(f"--pool {pool}: give 0 (no kernels kept ready) or more")
    if cull_after < 0:
        raise NosworkbookError(f"--cull-after {cull_after}: give seconds, or 0 for never")
    if max_kernels < 1:
        raise NosworkbookError(f"--max-kernels {max_kernels}: give 1 or more")
    if connect_within is not None and connect_within < 0:
        raise NosworkbookError(f"--connect-within {connect_within}: give seconds, or 0 for never")
    if index_pool is not None and index_pool < 0:
        raise NosworkbookError(f"--index-pool {index_pool}: give 0 (none kept ready) or more")
    pooled = sum(pools(units, pool, index_pool).values())
    if pooled >= max_kernels:
        raise NosworkbookError(
            f"--pool {pool} keeps {pooled} kernels ready (with the index's "
            f"{index_pool_size(pool, index_pool)}), which leaves none of --max-kernels "
            f"{max_kernels} for learners: lower --pool, name fewer --units or raise --max-kernels"
        )


def voila_command(
    path: Path,
    port: int = 8866,
    host: str = "127.0.0.1",
    *,
    units: tuple[str, ...] = (),
    pool: int = DEFAULT_POOL,
    cull_after: int = DEFAULT_CULL_AFTER,
    max_kernels: int = DEFAULT_MAX_KERNELS,
    connect_within: int | None = None,
    index_pool: int | None = None,
    token: str | None = None,
) -> list[str]:
    """The command line that serves the folder `path`. The token itself is not in it: pass
    `voila_environment(token)` as the environment. `connect_within` None leaves the kernel
    manager's default (`kernels.DEFAULT_CONNECT_WITHIN`, 60 s), or a Voila config file's."""
    path = Path(path)
    check_options(
        port,
        host,
        units=units,
        pool=pool,
        cull_after=cull_after,
        max_kernels=max_kernels,
        connect_within=connect_within,
        index_pool=index_pool,
    )
    if not path.exists():
        raise NosworkbookError(f"{path}: no such folder (run nosworkbook generate first)")
    if not path.is_dir():
        raise NosworkbookError(f"{path}: serve a folder of workbooks (or --cohort), not one file")
    if not any(path.glob("*.ipynb")):
        raise NosworkbookError(f"{path}: no notebooks to serve (run nosworkbook generate)")
    missing = [urn for urn in units if not (path / f"{urn}.ipynb").is_file()]
    if missing:
        raise NosworkbookError(f"--units: {', '.join(missing)} not in {path}")
    command = [
        sys.executable,
        "-m",
        APP,
        str(path),
        "--no-browser",
        f"--Voila.ip={host}",
        f"--Voila.port={port}",
        "--Voila.port_retries=0",
        "--VoilaConfiguration.strip_sources=True",
        "--VoilaConfiguration.show_tracebacks=False",
        f"--VoilaConfiguration.template={TEMPLATE}",
        "--VoilaConfiguration.allow_template_override=NO",
        f"--VoilaConfiguration.multi_kernel_manager_class={KERNEL_MANAGER}",
        f"--ClassroomKernelManager.max_kernels={max_kernels}",
        f"--ClassroomKernelManager.cull_idle_timeout={cull_after}",
        f"--ClassroomKernelManager.cull_interval={cull_interval(cull_after)}",
        "--ClassroomKernelManager.cull_connected=False",
    ]
    if connect_within is not None:
        command.append(f"--ClassroomKernelManager.connect_within={connect_within}")
    if any(pools(units, pool, index_pool).values()):
        command += [
            "--VoilaConfiguration.preheat_kernel=True",
            f"--ClassroomKernelManager.pools={json.dumps(pools(units, pool, index_pool))}",
        ]
    else:
        command.append("--VoilaConfiguration.preheat_kernel=False")
    if token is not None:
        command.append("--Voila.auto_token=True")  # the token comes from JUPYTER_TOKEN
    return command


def voila_environment(
    token: str | None = None, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The server's environment: the nosworkbook template on `JUPYTER_PATH`, and the token
    (if any) in `JUPYTER_TOKEN`, where Voila reads it when started with auto_token."""
    env = dict(os.environ if base is None else base)
    paths = [str(jupyter_data_dir()), *filter(None, env.get("JUPYTER_PATH", "").split(os.pathsep))]
    env["JUPYTER_PATH"] = os.pathsep.join(dict.fromkeys(paths))
    env.pop("JUPYTER_TOKEN", None)
    env.pop("JUPYTER_TOKEN_FILE", None)
    if token is not None:
        env["JUPYTER_TOKEN"] = token
    return env


def choose_token(host: str, token: str | None) -> str | None:
    """The token to ask for: the one given, else a new one beyond localhost, else none."""
    if token is not None:
        if len(token) < 16 or not re.fullmatch(r"[A-Za-z0-9_-]+", token):
            raise NosworkbookError(
                "--token: use at least 16 letters, digits, '-' or '_' (or leave it out and "
                "one is made for you)"
            )
        return token
    return None if is_localhost(host) else secrets.token_urlsafe(24)


def address(host: str, port: int, token: str | None = None, page: str = "") -> str:
    """The address to give learners (or, with `page`, the address of that page)."""
    shown = socket.gethostname() if host in ("0.0.0.0", "::") else host
    if ":" in shown:
        shown = f"[{shown}]"
    query = f"?token={token}" if token else ""
    return f"http://{shown}:{port}/{page}{query}"


DASHBOARD_PAGE = "voila/render/tutor.ipynb"
"""Where a cohort build's dashboard is served (behind the tutor's sign-in)."""


def build_cohort(cohort_file: Path, out: Path = Path("build")) -> BuildSummary:
    """Build the cohort into `out/<slug>/` (units whose inputs have not changed are skipped);
    refuses if any unit failed, so a learner never meets a broken or out-of-date workbook."""
    from nosworkbook.cohorts.build import build

    summary = build(cohort_file, out=out, show_progress=True)
    if summary.failed:
        raise NosworkbookError(
            f"{cohort_file}: {len(summary.failed)} workbook(s) failed to build, so nothing is "
            f"served: {summary.failed[0].error}"
        )
    return summary
