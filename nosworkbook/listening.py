"""The address a server of ours listens on (`serve`'s Voila, `hub`'s proxy): one set of rules.

Checked before the server starts, so a busy port or an address that is not this machine's is
one line naming the option, not a server that prints where it is and then is not there (the
hub's proxy fails on a busy port while the hub itself goes on running).
"""

from __future__ import annotations

import errno
import socket

from nosworkbook.errors import NosworkbookError


def check_address(host: str, port: int) -> None:
    """NosworkbookError unless `host` and `port` are well formed (`check_options`) and a
    server could listen there now."""
    check_options(host, port)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as err:
        raise NosworkbookError(f"--host {host}: not a known address ({err.strerror})") from None
    for family, kind, proto, _name, address in found:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind
            try:
                probe.bind(address)
            except OSError as err:
                raise NosworkbookError(_why_not(host, port, err)) from None


def check_options(host: str, port: int) -> None:
    """The checks that need no socket: a port in range and an address given."""
    if not 0 < port < 65536:
        raise NosworkbookError(f"--port {port} is out of range (1 to 65535)")
    if host in ("", "*"):
        raise NosworkbookError("--host: give an address, such as 0.0.0.0 for every interface")


def _why_not(host: str, port: int, err: OSError) -> str:
    if err.errno == errno.EADDRINUSE:
        return (
            f"--port {port}: something on this machine is already listening on {host}:{port} "
            "(another server?); stop it or choose another --port"
        )
    if err.errno == errno.EADDRNOTAVAIL:
        return f"--host {host}: not an address of this machine"
    if err.errno == errno.EACCES:
        return f"--port {port}: this user may not listen on it; choose a port above 1023"
    return f"--host {host} --port {port}: cannot listen there ({err.strerror or err})"
