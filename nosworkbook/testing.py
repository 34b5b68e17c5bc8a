"""Helpers the test suite and the benchmarks share: servers, their kernels, Chromium, and
throwaway PostgreSQL clusters.

Both start Jupyter servers (Voila, JupyterLab, `nosworkbook serve`) as subprocesses and must
leave nothing running afterwards, also when a run fails half-way; both drive a headless
Chromium. Keeping that here means a fix (say, finding a server's kernels) reaches both.

Standard library only at import time: playwright and psutil are test extras, not dependencies.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

CHROMIUM = Path(os.environ.get("NOSWORKBOOK_CHROMIUM", "/usr/bin/chromium"))
# Headless in a container, as root, offline: no sandbox, no GPU, a small /dev/shm, and none of
# the background traffic that would compete with (or be mistaken for) the page's own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The name jupyter_client gives a kernel's connection file; it appears on the kernel's command
# line (`-f <folder>/kernel-<id>.json`).
KERNEL_FILE = re.compile(r"kernel-([0-9a-f-]{36})\.json")
LOG_TAIL = 4000  # characters of a server's log quoted when it fails to start


def launch_chromium(playwright: Playwright, *, timeout_ms: float) -> Browser:
    """The system's Chromium (Playwright's own build is not installed), with CHROMIUM_ARGS."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=timeout_ms
    )


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (the OS picks it), for a server about to start."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def jupyter_env(home: Path, runtime: Path | None = None, **extra: str) -> dict[str, str]:
    """This process's environment with the user's Jupyter config, runtime files and IPython
    profile moved into `home` (runtime files into `runtime` if given), so a run neither reads
    nor leaves anything there; `extra` is added last. JUPYTER_DATA_DIR is left alone:
    kernelspecs and lab extensions are found under sys.prefix/share/jupyter."""
    return {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(runtime or home / "runtime"),
        "IPYTHONDIR": str(home / "ipython"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def plain_voila_command(target: str, port: int) -> list[str]:
    """Standalone Voila serving `target` (a notebook, or a folder of them) on 127.0.0.1 only."""
    return [
        sys.executable,
        "-m",
        "voila",
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        target,
    ]


def start_logged(
    command: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    log: Path,
    append: bool = False,
) -> subprocess.Popen:
    """Start `command` in a session (and process group) of its own, stdout and stderr to `log`.

    Its own group so that stop_process_group() ends it and whatever it spawned in its group,
    and a Ctrl-C in the terminal reaches only this process, which then cleans up."""
    with log.open("ab" if append else "wb") as out:
        return subprocess.Popen(
            list(command),
            cwd=cwd,
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def log_tail(log: Path) -> str:
    try:
        return log.read_text(errors="replace")[-LOG_TAIL:]
    except OSError as exc:
        return f"(no log: {exc})"


def wait_for_port(
    proc: subprocess.Popen,
    port: int,
    *,
    log: Path,
    timeout: float,
    host: str = "127.0.0.1",
    name: str = "the server",
) -> None:
    """Wait until a server started with start_logged() accepts connections.

    Only the socket is probed: any HTTP request to a Voila page would start a kernel. Raises
    RuntimeError, quoting the end of `log`, if the server exits or does not listen in time."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}:\n{log_tail(log)}")
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"{name} did not listen on {host}:{port} in {timeout:.0f} s:\n{log_tail(log)}"
            )
        time.sleep(0.2)


def stop_process_group(
    proc: subprocess.Popen, *, term_timeout: float = 15.0, kill_timeout: float = 5.0
) -> None:
    """Stop the process group of `proc` (started with start_logged()): SIGTERM, which lets a
    Jupyter server shut its kernels down, then SIGKILL if it has not exited in time."""
    for sig, wait in ((signal.SIGTERM, term_timeout), (signal.SIGKILL, kill_timeout)):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=wait)
        except ProcessLookupError:
            break
        except subprocess.TimeoutExpired:
            continue


def kernels_in(folder: Path) -> dict[int, str]:
    """pid -> kernel id of every live kernel whose connection file lies under `folder`.

    jupyter_client starts kernels in sessions of their own, outside the server's process
    group, so stopping the group does not stop them. The connection file on a kernel's command
    line tells whose it is, also once its server has gone. Where that file lies: standalone
    Voila (and so `nosworkbook serve`) in a `voila_*` folder it makes under TMPDIR; JupyterLab
    in JUPYTER_RUNTIME_DIR. Give each server a TMPDIR and runtime folder of its own under
    `folder` and this finds exactly its kernels."""
    prefix = os.fsencode(folder) + b"/"
    found = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        for arg in args:
            match = KERNEL_FILE.search(os.fsdecode(arg)) if prefix in arg else None
            if match:
                found[int(entry.name)] = match.group(1)
                break
    return found


def stop_server(
    proc: subprocess.Popen,
    folder: Path,
    *,
    term_timeout: float = 15.0,
    kill_timeout: float = 5.0,
) -> None:
    """Stop a server's process group politely then firmly, then kill any kernel it left
    behind: those whose connection file lies under `folder` (see kernels_in())."""
    stop_process_group(proc, term_timeout=term_timeout, kill_timeout=kill_timeout)
    for pid in kernels_in(folder):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def run_apart(coroutine: Coroutine[Any, Any, Any], timeout: float = 120.0) -> Any:
    """Run a coroutine on a fresh event loop in a thread of its own and return its result.

    In a test worker where Playwright's sync API already runs a loop, asyncio.run() would
    refuse. The thread is a daemon, so a coroutine that hangs fails the test, not the run."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(coroutine)
        except BaseException as exc:  # handed back to the caller below
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    if "error" in outcome:
        raise outcome["error"]
    if "value" not in outcome:
        raise TimeoutError(f"the coroutine did not finish in {timeout:.0f} s")
    return outcome["value"]


def postgres_bin(name: str) -> str:
    """A program of Debian's PostgreSQL server (initdb, pg_ctl, createdb), newest version."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is missing: run scripts/setup.sh --test")
    return found[-1]


def as_postgres(*command: str) -> list[str]:
    """Run as the postgres user when we are root (PostgreSQL refuses to run as root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return list(command)


@contextlib.contextmanager
def postgres_cluster(settings: str = "") -> Iterator[Callable[[str], str]]:
    """A throwaway PostgreSQL cluster in a temporary folder, on a Unix socket (no TCP port),
    for the tests and benchmarks; yields a function that makes an empty database and gives
    its URL. `settings` are extra server options ("-c max_connections=200")."""
    base = Path(tempfile.mkdtemp(prefix="nosw-pg-"))
    base.chmod(0o755)
    data, sockets = base / "data", base / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        for path in (base, sockets):
            os.chown(path, user.pw_uid, user.pw_gid)
    run: dict[str, Any] = {"check": True, "capture_output": True, "timeout": 180}
    subprocess.run(
        as_postgres(postgres_bin("initdb"), "-D", str(data), "-U", "nosw", "--auth=trust"), **run
    )
    options = f"-c listen_addresses='' -k {sockets} -c fsync=on {settings}".strip()
    ctl = postgres_bin("pg_ctl")
    subprocess.run(
        as_postgres(ctl, "-D", str(data), "-o", options, "-w", "-l", str(base / "log"), "start"),
        **run,
    )

    def database(name: str) -> str:
        subprocess.run(
            as_postgres(postgres_bin("createdb"), "-h", str(sockets), "-U", "nosw", name), **run
        )
        return f"postgresql+psycopg://nosw@/{name}?host={sockets}"

    try:
        yield database
    finally:
        subprocess.run(
            as_postgres(ctl, "-D", str(data), "-m", "immediate", "stop"),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(base, ignore_errors=True)
