"""The address a server listens on: checked, and free, before `serve` or `hub` starts one."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from nosworkbook import listening
from nosworkbook.errors import NosworkbookError
from nosworkbook.testing import free_port

ROOT = Path(__file__).resolve().parent.parent


def test_a_free_port_on_this_machine_passes():
    listening.check_address("127.0.0.1", free_port())
    listening.check_address("0.0.0.0", free_port())


@pytest.mark.parametrize(
    ("host", "port", "problem"),
    [
        ("127.0.0.1", 0, "--port 0 is out of range (1 to 65535)"),
        ("127.0.0.1", 65536, "--port 65536 is out of range (1 to 65535)"),
        ("", 8866, "--host: give an address, such as 0.0.0.0 for every interface"),
        ("192.0.2.1", 8866, "--host 192.0.2.1: not an address of this machine"),  # TEST-NET-1
        ("no-such-host.invalid", 8866, "--host no-such-host.invalid: not a known address"),
    ],
)
def test_an_address_no_server_could_listen_on_is_named(host, port, problem):
    with pytest.raises(NosworkbookError) as refused:
        listening.check_address(host, port)
    assert str(refused.value).startswith(problem)
    assert "\n" not in str(refused.value)


def test_a_port_another_server_listens_on_is_refused_on_every_address_that_covers_it():
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        for host in ("127.0.0.1", "0.0.0.0"):
            with pytest.raises(NosworkbookError) as refused:
                listening.check_address(host, port)
            assert str(refused.value) == (
                f"--port {port}: something on this machine is already listening on "
                f"{host}:{port} (another server?); stop it or choose another --port"
            )


def test_serve_on_a_port_in_use_says_so_in_one_line_before_saying_where_it_serves():
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "nosworkbook", "serve", "--port", str(port)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"nosworkbook: error: --port {port}: something on this machine is already listening "
        f"on 127.0.0.1:{port} (another server?); stop it or choose another --port"
    ]
