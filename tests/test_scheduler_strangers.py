"""``--scheduler`` pointed at something that is not a Dask scheduler (an HTTP server, a service that
greets with a banner, a port nobody listens on): one line naming the address, exit 2, within the
``--scheduler-timeout`` (the subprocess is given that plus a margin for starting Python), nothing
written."""

from __future__ import annotations

import http.server
import importlib.util
import os
import socket
import threading

import pytest

from safety import EXAMPLE, capsim, one_line, snapshot

pytestmark = pytest.mark.skipif(importlib.util.find_spec("distributed") is None, reason="needs capsim[dask]")

TIMEOUT_S = 2
MARGIN_S = 60
"""Starting Python and importing capsim and Dask on a loaded machine; the hang this guards against
lasted over ten minutes."""


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve_http():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"tcp://127.0.0.1:{server.server_address[1]}", server.shutdown


def _serve_banner(banner: bytes):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stopping = threading.Event()
    held = []

    def accept():
        while not stopping.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            held.append(connection)  # kept open: the client reads only the banner
            connection.sendall(banner)

    threading.Thread(target=accept, daemon=True).start()

    def stop():
        stopping.set()
        listener.close()
        for connection in held:
            connection.close()

    return f"tcp://127.0.0.1:{listener.getsockname()[1]}", stop


def _nothing_listening():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"tcp://127.0.0.1:{port}", lambda: None


STRANGERS = {
    "http server": _serve_http,
    "ssh banner": lambda: _serve_banner(b"SSH-2.0-OpenSSH_9.6\r\n"),
    "random bytes": lambda: _serve_banner(bytes(range(256)) * 16),
    "short greeting": lambda: _serve_banner(b"hi\n"),
    "nothing listening": _nothing_listening,
}


@pytest.mark.parametrize("command", ["run", "explore"])
@pytest.mark.parametrize("stranger", list(STRANGERS))
def test_a_scheduler_address_that_is_not_dask_is_one_line_exit_2_within_the_timeout(tmp_path, stranger, command):
    address, stop = STRANGERS[stranger]()
    before = snapshot(tmp_path)
    extra = ["--method", "lhs", "-n", "4"] if command == "explore" else []
    try:
        done = capsim(command, EXAMPLE, "-r", "3", *extra, "--scheduler", address,
                      "--scheduler-timeout", str(TIMEOUT_S), "--out", tmp_path / "o", cwd=tmp_path,
                      timeout=TIMEOUT_S + MARGIN_S)
    finally:
        stop()
    assert done.returncode == 2, done.stderr
    line = one_line(done)
    assert line.startswith(f"capsim: error: cannot reach the Dask scheduler at {address}: "), line
    assert "MemoryError" not in line and "EiB" not in line
    assert snapshot(tmp_path) == before
    assert os.listdir(tmp_path) == []
