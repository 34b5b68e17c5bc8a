"""Start `nosworkbook serve` for a test and clean up after it: server and kernels.

Each server gets a private TMPDIR, where Voila keeps its kernels' connection files, so a
server's kernels are the processes whose command line names that folder (jupyter_client
starts kernels in sessions of their own, outside the server's process group).
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from nosworkbook.testing import (
    free_port,
    jupyter_env,
    kernels_in,
    start_logged,
    stop_server,
    wait_for_port,
)

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 90


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
        for pid in kernels_in(self.scratch / "tmp"):
            try:
                raw = (Path("/proc") / str(pid) / "environ").read_bytes()
            except OSError:
                continue
            env = dict(
                item.split("=", 1)
                for item in raw.decode(errors="replace").split("\0")
                if "=" in item
            )
            found[pid] = env
        return found

    def kernel_ids(self) -> set[str]:
        return set(kernels_in(self.scratch / "tmp").values())

    def stop(self) -> None:
        """The server's group, politely then firmly; then any kernel it left behind."""
        if self.stopped:
            return
        self.stopped = True
        stop_server(self.proc, self.scratch / "tmp")


def start(
    scratch: Path, *args: str, host: str = "127.0.0.1", wait_for: str | None = None
) -> Server:
    """Run `nosworkbook serve --port P --host HOST ARGS...` from the project folder and wait
    until it listens (and, if given, until `wait_for` appears in its output)."""
    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / "tmp").mkdir(exist_ok=True)
    port = free_port(host)
    log = scratch / "server.log"
    env = jupyter_env(
        scratch,
        TMPDIR=str(scratch / "tmp"),
        NOSWORKBOOK_STORE=str(scratch / "progress.sqlite"),
    )
    command = [sys.executable, "-m", "nosworkbook", "serve", "--port", str(port)]
    command += ["--host", host, *args]
    proc = start_logged(command, cwd=ROOT, env=env, log=log)
    server = Server(proc, f"http://{host}:{port}", log, scratch, host, port)
    deadline = time.monotonic() + START_SECONDS
    try:
        wait_for_port(proc, port, log=log, timeout=START_SECONDS, host=host)
        while wait_for is not None and wait_for not in server.output():
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited with {proc.returncode}:\n{server.output()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{server.output()[-4000:]}")
            time.sleep(0.2)
        return server
    except BaseException:
        server.stop()
        raise
