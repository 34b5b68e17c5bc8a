"""Start `nosworkbook serve` for a test and clean up after it: server and kernels.

Each server gets a private TMPDIR, where Voila keeps its kernels' connection files, so a
server's kernels are the processes whose command line names that folder (jupyter_client
starts kernels in sessions of their own, outside the server's process group).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 90


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    proc: subprocess.Popen
    url: str
    log: Path
    scratch: Path
    host: str
    port: int
    stopped: bool = field(default=False)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kernels(self) -> dict[int, dict[str, str]]:
        """pid -> environment, for each live kernel of this server."""
        found = {}
        marker = str(self.scratch / "tmp").encode()
        for entry in Path("/proc").glob("[0-9]*"):
            try:
                if marker not in (entry / "cmdline").read_bytes():
                    continue
                raw = (entry / "environ").read_bytes()
            except OSError:
                continue
            env = dict(
                item.split("=", 1)
                for item in raw.decode(errors="replace").split("\0")
                if "=" in item
            )
            found[int(entry.name)] = env
        return found

    def kernel_ids(self) -> set[str]:
        ids = set()
        for pid in self.kernels():
            with contextlib.suppress(OSError):
                cmdline = (Path("/proc") / str(pid) / "cmdline").read_bytes().decode()
                ids.update(re.findall(r"kernel-([0-9a-f-]{36})\.json", cmdline))
        return ids

    def stop(self) -> None:
        """The server's group, politely then firmly; then any kernel it left behind."""
        if self.stopped:
            return
        self.stopped = True
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            if self.proc.poll() is not None:
                break
            try:
                os.killpg(self.proc.pid, sig)
                self.proc.wait(timeout=wait)
            except ProcessLookupError:
                break
            except subprocess.TimeoutExpired:
                continue
        for pid in self.kernels():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def start(
    scratch: Path, *args: str, host: str = "127.0.0.1", wait_for: str | None = None
) -> Server:
    """Run `nosworkbook serve --port P --host HOST ARGS...` from the project folder and wait
    until it listens (and, if given, until `wait_for` appears in its output)."""
    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / "tmp").mkdir(exist_ok=True)
    port = free_port(host)
    log = scratch / "server.log"
    env = {
        **os.environ,
        "TMPDIR": str(scratch / "tmp"),
        "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"),
        "JUPYTER_CONFIG_DIR": str(scratch / "config"),
        "IPYTHONDIR": str(scratch / "ipython"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "NOSWORKBOOK_STORE": str(scratch / "progress.sqlite"),
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "-m", "nosworkbook", "serve", "--port", str(port)]
    command += ["--host", host, *args]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(proc, f"http://{host}:{port}", log, scratch, host, port)
    deadline = time.monotonic() + START_SECONDS
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited with {proc.returncode}:\n{server.output()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{server.output()[-4000:]}")
            try:
                with socket.create_connection((host, port), timeout=1):
                    pass
            except OSError:
                time.sleep(0.2)
                continue
            if wait_for is None or wait_for in server.output():
                return server
            time.sleep(0.2)
    except BaseException:
        server.stop()
        raise
