"""``capsim serve`` through a real subprocess: its address and the warning for an open host, and
bad input as one line with exit 2 (the app itself: tests/test_serve_browser.py)."""

from __future__ import annotations

import signal
import socket
import urllib.request

import pytest

from safety import capsim, one_line, snapshot, start

pytest.importorskip("dash")


def address_of(process) -> str:
    line = process.stdout.readline()
    assert line.startswith("capsim serve: Guizhou province at http://"), line
    return line[line.index("http://"):].split()[0]


def stop(process, how=signal.SIGINT) -> tuple[str, str]:
    process.send_signal(how)
    out, err = process.communicate(timeout=30)
    return out, err


def test_serve_prints_its_address_serves_the_page_and_writes_nothing(tmp_path):
    before = snapshot(tmp_path)
    process = start("serve", "scenarios/guizhou.yaml", "--port", "0", "-r", "5")
    try:
        address = address_of(process)
        assert address.startswith("http://127.0.0.1:")
        page = urllib.request.urlopen(address, timeout=30).read().decode()
        assert "capsim serve: Guizhou province" in page
        assert "cdn" not in page.lower() and "https://" not in page
    finally:
        _, err = stop(process)
    assert process.returncode == 0 and "Traceback" not in err
    assert err.splitlines()[-1] == "capsim serve: stopped"
    assert snapshot(tmp_path) == before


def test_an_open_host_prints_a_warning_and_the_local_address_to_open_and_sigterm_stops_it():
    process = start("serve", "scenarios/guizhou.yaml", "--port", "0", "--host", "0.0.0.0", "-r", "5")
    try:
        address = address_of(process)
        assert address.startswith("http://127.0.0.1:")  # not http://0.0.0.0:PORT/, which is no address to open
        assert "capsim serve: Guizhou" in urllib.request.urlopen(address, timeout=30).read().decode()
    finally:
        _, err = stop(process, signal.SIGTERM)  # how a service manager stops a server: it stopped, not failed
    assert "capsim serve: warning: listening on 0.0.0.0, every address of this computer: anyone who can reach" in err
    assert err.splitlines()[-1] == "capsim serve: stopped" and "terminated" not in err
    assert process.returncode == 143  # the exit code of SIGTERM (README's exit codes)


def test_the_host_check_warns_for_every_host_but_loopback():
    from sim.serve.hosts import listen_address

    assert listen_address("127.0.0.1", 8050) == ("http://127.0.0.1:8050/", None)
    assert listen_address("127.0.0.2", 8050) == ("http://127.0.0.2:8050/", None)  # all of 127/8 is loopback
    assert listen_address("::1", 8050) == ("http://[::1]:8050/", None)
    assert listen_address("localhost", 8050) == ("http://localhost:8050/", None)
    address, warning = listen_address("0.0.0.0", 8050)
    assert address == "http://127.0.0.1:8050/" and warning.startswith("listening on 0.0.0.0, every address")
    address, warning = listen_address("::", 8050)
    assert address == "http://[::1]:8050/" and "anyone who can reach it on port 8050" in warning
    address, warning = listen_address("192.0.2.7", 8050)
    assert address == "http://192.0.2.7:8050/" and warning.startswith("listening on 192.0.2.7: anyone who can reach")


@pytest.mark.parametrize("args, message", [
    (("--port", "http"), "argument --port: must be a port number 0 to 65535"),
    (("-r", "0"), "argument -r/--replications: must be at least 1"),
    (("--port", "1", "--port", "2"), "argument --port: given more than once"),
])
def test_a_bad_option_is_one_line_and_exit_2(args, message):
    done = capsim("serve", "scenarios/guizhou.yaml", *args)
    assert done.returncode == 2 and message in one_line(done)


def test_a_missing_file_or_a_busy_port_is_one_line_and_exit_2(tmp_path):
    done = capsim("serve", tmp_path / "nope.yaml", "--port", "0")
    assert done.returncode == 2 and "nope.yaml" in one_line(done)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = capsim("serve", "scenarios/guizhou.yaml", "--port", port)
    assert done.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in one_line(done)
