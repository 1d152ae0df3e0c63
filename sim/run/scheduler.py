"""Reaching a Dask scheduler (``--scheduler ADDRESS``, :func:`sim.run.parallel.dask_executor`): the
address probed with a plain socket first (a stranger that accepts and says nothing, or greets with
a banner, is refused within the timeout), the client given the timeout and a grace, Dask's log lines
muted meanwhile, and every failure one :class:`~sim.errors.ScenarioError` that names the address."""

from __future__ import annotations

import contextlib
import threading

from ..errors import ScenarioError
from .signals import signals_held

DASK_HANDSHAKE_MAX_BYTES = 1 << 20
"""A Dask scheduler's first message (its handshake, about 100 bytes) is at most this long; a longer
announced length is some other service's banner read as one (``SSH-2.0-`` reads as 2.8 EiB)."""
DASK_CONNECT_GRACE_S = 5.0
"""How much longer than ``connect_timeout_s`` the Dask client may take before capsim gives up on it."""


def connect(client_class, address: str, timeout_s: float):
    """A Dask client of the scheduler at ``address``, or a ScenarioError that names the address.

    A ``tcp://`` address is first probed (:func:`_probe_scheduler`) so that something that is not a
    Dask scheduler is refused within ``timeout_s`` (an HTTP server would keep the client waiting,
    a banner would make it allocate exabytes); the client itself is given ``timeout_s`` and a
    grace of :data:`DASK_CONNECT_GRACE_S`, after which capsim stops waiting for it."""
    try:
        _probe_scheduler(address, timeout_s)
        with _dask_logs_muted():
            return _within(timeout_s + DASK_CONNECT_GRACE_S, client_class, address, timeout=timeout_s)
    except (OSError, ValueError, TypeError, MemoryError, EOFError, ImportError) as exc:
        # unreachable (OSError, TimeoutError, Dask's CommClosedError), unparsable, or not Dask
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if reason == "TimeoutError":
            reason = f"no answer within {timeout_s:g} s"
        raise ScenarioError(f"cannot reach the Dask scheduler at {address}: {reason}") from None
    except Exception as exc:  # noqa: BLE001 - whatever else the client raises on a stranger's reply
        raise ScenarioError(f"cannot reach the Dask scheduler at {address}: not a Dask scheduler? "
                            f"({type(exc).__name__})") from None


def _probe_scheduler(address: str, timeout_s: float) -> None:
    """OSError unless a ``tcp://`` (or schemeless) ``address`` answers like a Dask scheduler within
    ``timeout_s``: accepts a connection and sends, unasked, a first message of a plausible length
    (its handshake: an 8-byte length, then a frame count and the frames' lengths, 8 bytes each).
    Other schemes (``tls://``, ``ws://``, ...) are left to the client."""
    import socket
    import struct
    import time

    from distributed.comm.addressing import parse_address, parse_host_port

    scheme, location = parse_address(address)
    if scheme != "tcp":
        return
    host, port = parse_host_port(location, 8786)
    deadline = time.monotonic() + timeout_s
    with socket.create_connection((host, port), timeout=timeout_s) as probe:
        def read(count: int) -> bytes:
            data = b""
            while len(data) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no Dask handshake within {timeout_s:g} s: not a Dask scheduler?")
                probe.settimeout(left)
                try:
                    chunk = probe.recv(count - len(data))
                except socket.timeout:
                    chunk = None
                if chunk is None:
                    raise TimeoutError(f"no Dask handshake within {timeout_s:g} s: not a Dask scheduler?")
                if not chunk:
                    raise ConnectionError("the connection was closed before a Dask handshake: "
                                          "not a Dask scheduler?")
                data += chunk
            return data

        (length,) = struct.unpack("Q", read(8))
        if not 16 <= length <= DASK_HANDSHAKE_MAX_BYTES:
            raise ConnectionError("it answered something other than a Dask handshake: not a Dask scheduler?")
        (frames,) = struct.unpack("Q", read(8))
        if not 1 <= frames <= 64 or 8 * (frames + 1) > length:
            raise ConnectionError("it answered something other than a Dask handshake: not a Dask scheduler?")


@contextlib.contextmanager
def _dask_logs_muted():
    """Dask's loggers say nothing for the ``with`` block: what goes wrong while connecting is
    capsim's one line (Dask would log a traceback for a reply it cannot decode)."""
    import logging

    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


def _within(timeout_s: float, function, *args, **kwargs):
    """``function(*args, **kwargs)``, run in a daemon thread that is given up on after ``timeout_s``
    (a TimeoutError; the thread is left to finish or die with the process)."""
    outcome: dict = {}

    def call() -> None:
        try:
            outcome["value"] = function(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=call, name="capsim-dask-connect", daemon=True)
    with signals_held():  # Ctrl-C and SIGTERM go to the main thread
        thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        raise TimeoutError(f"no answer within {timeout_s:g} s: not a Dask scheduler?")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
