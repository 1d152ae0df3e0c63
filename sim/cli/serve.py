"""The ``capsim serve`` command: a local web app on a scenario (:mod:`sim.serve`, docs/serve.md).

The options, and the server: 127.0.0.1 by default, a warning for any other host.
"""

from __future__ import annotations

import argparse
import sys

from .exits import EXIT_INPUT, EXIT_OK
from .options import MAX_SEED, Once, whole_number

EXTRA_MESSAGE = "capsim serve needs Dash: pip install 'capsim[serve]'"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def _port(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 0 to 65535 (0: any free port) (got {text!r})")
    return int(text)


def add_command(sub) -> None:
    from ..serve import DEFAULT_REPLICATIONS

    serve = sub.add_parser("serve", help="a local web app: move the scenario's levers and see the answer at once")
    serve.add_argument("scenario", metavar="FILE", nargs="?", default=None,
                       help="scenario YAML file (default: the shipped scenarios/shanxi.yaml)")
    serve.add_argument("--port", type=_port, default=8050, action=Once, help="port (default: 8050; 0: any free port)")
    serve.add_argument("--host", default="127.0.0.1", action=Once,
                       help="address to listen on (default: 127.0.0.1, this computer only)")
    serve.add_argument("-r", "--replications", type=whole_number(1, 100_000), default=DEFAULT_REPLICATIONS, action=Once,
                       help=f"replications of every answer (default: {DEFAULT_REPLICATIONS}, under a second for the "
                            f"shipped scenarios on two cores)")
    serve.add_argument("--seed", type=whole_number(0, MAX_SEED), default=0, action=Once,
                       help="random seed of the base and of every setting (default: 0)")
    serve.add_argument("--open", action="store_true", help="open the app in the web browser")
    serve.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")


def cmd_serve(args: argparse.Namespace) -> int:
    from ..scenario.load import load_scenario, shipped_scenario

    try:
        from ..serve.app import build_app
    except ImportError as exc:
        if getattr(exc, "name", "") not in ("dash", "flask", "werkzeug"):
            raise
        print(f"capsim: error: {EXTRA_MESSAGE}", file=sys.stderr)
        return EXIT_INPUT
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request

    scenario = load_scenario(args.scenario if args.scenario is not None else shipped_scenario())
    app = build_app(scenario, args.replications, args.seed)
    problem = _cannot_listen(args.host, args.port)
    if problem:
        print(f"capsim serve: error: argument --port/--host: cannot listen on {args.host}:{args.port}: {problem}",
              file=sys.stderr)
        return EXIT_INPUT
    server = make_server(args.host, args.port, app.server, threaded=True)
    from ..serve.hosts import listen_address

    address, warning = listen_address(args.host, server.server_port)
    if warning:
        print(f"capsim serve: warning: {warning}", file=sys.stderr)
    print(f"capsim serve: {scenario.name} at {address} ({args.replications:,} replications, seed {args.seed}); "
          f"Ctrl-C stops it", flush=True)
    if args.open:
        import webbrowser

        webbrowser.open(address)
    from ..run.signals import SIGNALLED

    try:
        server.serve_forever()  # werkzeug's returns on Ctrl-C (it catches the KeyboardInterrupt)
    finally:
        server.server_close()
    terminated = SIGNALLED.raised not in (None, KeyboardInterrupt)  # SIGTERM: exit 143, but the app just stopped
    SIGNALLED.reset()  # Ctrl-C or SIGTERM is how the app is stopped: no "terminated; no results written"
    print("capsim serve: stopped", file=sys.stderr)
    return 143 if terminated else EXIT_OK


def _cannot_listen(host: str, port: int) -> str | None:
    """Why the server could not listen on ``host``:``port`` (None when it can), checked as the
    server binds (address reuse on), so that the error is one line (werkzeug prints several)."""
    import socket

    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        return exc.strerror or str(exc)
    return None
