"""Every command the README prints runs as printed, so the README cannot drift from the code.

The commands run in a temporary folder that looks like a checkout (the set-up's `.venv` and a
copy of `workbooks/`), in the order the README gives them, so `cohort init` makes the file
that `build` and `serve --cohort` use. A server counts as working once it answers HTTP; it is
then stopped. The two set-up commands at the top are what CI itself runs.
"""

from __future__ import annotations

import http.client
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nosworkbook.testing import log_tail, stop_process_group

ROOT = Path(__file__).resolve().parent.parent
SERVER_READY_S = 180.0
COMMAND_S = 300.0


def readme_commands() -> list[str]:
    """Every command in the README's bash blocks, comments dropped, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.splitlines():
            command = line.split("  #")[0].strip()
            if command:
                commands.append(command)
    return commands


def test_the_readme_prints_the_commands_this_test_runs():
    commands = readme_commands()
    assert commands[0].startswith("bash scripts/setup.sh && ")
    assert commands[1].startswith("bash scripts/setup.sh --test && ")
    assert any(" serve" in c for c in commands[2:]) and any(" build " in c for c in commands[2:])


def _answers(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/")
        status = conn.getresponse().status
        conn.close()
    except OSError:
        return False
    return status < 500


def _serve(args: list[str], folder: Path, env: dict[str, str], log: Path) -> None:
    port = 8000 if args[1] == "hub" else 8866  # each command's default
    if "--port" in args:
        port = int(args[args.index("--port") + 1])
    with log.open("wb") as out:
        proc = subprocess.Popen(
            args, cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + SERVER_READY_S
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"{shlex.join(args)} exited {proc.returncode}:\n{log_tail(log)}")
            if _answers(port):
                return
            time.sleep(1)
        pytest.fail(f"{shlex.join(args)} did not answer in {SERVER_READY_S:.0f} s")
    finally:
        stop_process_group(proc)


def test_every_command_the_readme_prints_runs_as_printed(tmp_path):
    folder = tmp_path / "checkout"
    folder.mkdir()
    venv = Path(sys.executable).resolve().parent.parent
    (folder / ".venv").symlink_to(
        venv if (venv / "bin" / "nosworkbook").exists() else ROOT / ".venv"
    )
    shutil.copytree(ROOT / "workbooks", folder / "workbooks")
    env = {
        **os.environ,
        "NOSWORKBOOK_STORE": str(tmp_path / "store.sqlite"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "HOME": str(tmp_path / "home"),
    }
    from nosworkbook.store import open_store

    open_store(env["NOSWORKBOOK_STORE"]).save(
        "default", "a.khan", "INSCS027.PC1", rating="Competent"
    )
    ran = []
    for number, command in enumerate(readme_commands()[2:], 1):
        args = shlex.split(command)
        log = tmp_path / f"command-{number}.log"
        if args[0] == ".venv/bin/nosworkbook" and args[1] in ("serve", "hub"):
            _serve(args, folder, env, log)
        else:
            done = subprocess.run(
                args, cwd=folder, env=env, capture_output=True, text=True, timeout=COMMAND_S
            )
            assert done.returncode == 0, f"{command}\n{done.stdout}{done.stderr}"
        ran.append(command)
    assert len(ran) >= 4
    assert (folder / "retail.yaml").is_file()
    assert list((folder / "build").glob("*/manifest.json"))
    backups = list(folder.glob("progress-*.sqlite"))
    assert backups and open_store(backups[0]).load("default", "a.khan")["INSCS027.PC1"].rating
