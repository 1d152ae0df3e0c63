"""Where ``capsim serve`` listens: the address to print for opening the app, and whether to warn
that others can reach it (docs/serve.md, security model).

A loopback host (``127.0.0.0/8``, ``::1``, ``localhost`` or a name that resolves only to loopback)
is this computer only: no warning. The unspecified host (``0.0.0.0``, ``::``: every address of
this computer) cannot be opened as such: the address printed is the loopback one, with the
warning. Any other host is printed as given, with the warning.
"""

from __future__ import annotations

import ipaddress
import socket


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    if host.lower() == "localhost":
        return True
    try:
        found = {info[4][0] for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)}
    except OSError:
        return False
    return bool(found) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in found)


def listen_address(host: str, port: int) -> tuple[str, str | None]:
    """(the address to open the app at, the warning to print or None) when listening on ``host``:``port``."""
    bare = host.strip("[]")
    try:
        unspecified = ipaddress.ip_address(bare).is_unspecified
    except ValueError:
        unspecified = False
    if unspecified:
        local = "[::1]" if ":" in bare else "127.0.0.1"
        return (f"http://{local}:{port}/",
                f"listening on {host}, every address of this computer: anyone who can reach it on port {port} can use "
                f"the app and make it simulate (docs/serve.md, security); open it here at http://{local}:{port}/")
    shown = f"[{bare}]" if ":" in bare else bare
    if is_loopback(host):
        return f"http://{shown}:{port}/", None
    return (f"http://{shown}:{port}/",
            f"listening on {host}: anyone who can reach this computer on port {port} can use the app and make it "
            f"simulate (docs/serve.md, security)")
