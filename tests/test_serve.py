"""`nosworkbook serve`: standalone Voila on localhost showing the workbooks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from nosworkbook.cli import main
from nosworkbook.serve import voila_command

ROOT = Path(__file__).resolve().parent.parent


def test_command_is_standalone_voila_on_localhost():
    command = voila_command(ROOT / "workbooks")
    assert command[1:3] == ["-m", "voila"]
    assert "--Voila.ip=127.0.0.1" in command
    assert "--VoilaConfiguration.strip_sources=True" in command
    assert "--VoilaConfiguration.show_tracebacks=False" in command


@pytest.mark.parametrize("args", [["serve", "/no/such/folder"], ["serve", "--port", "70000"]])
def test_bad_arguments_are_one_line_errors(args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.output.startswith("nosworkbook: error: ") and result.output.count("\n") == 1


def test_serve_lists_the_workbooks_and_strips_sources(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    env["NOSWORKBOOK_STORE"] = str(tmp_path / "progress.sqlite")
    proc = subprocess.Popen(
        [sys.executable, "-m", "nosworkbook", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as reply:
                    assert reply.status == 200
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode()
                assert time.monotonic() < deadline, "server never answered"
                time.sleep(0.3)
        index = f"http://127.0.0.1:{port}/voila/render/index.ipynb"
        with urllib.request.urlopen(index, timeout=60) as reply:
            assert 'href="INSCS027.ipynb"' in reply.read().decode()
        url = f"http://127.0.0.1:{port}/voila/render/INSCS001.ipynb"
        with urllib.request.urlopen(url, timeout=60) as reply:
            page = reply.read().decode()
        assert "Deal with customers" in page  # markdown is shown
        assert "from nosworkbook.workbook import Workbook" not in page  # code is not
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
