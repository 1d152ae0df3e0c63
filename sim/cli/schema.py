"""``capsim schema``: print the JSON Schema of the scenario format."""

from __future__ import annotations

import argparse
import json

from .exits import EXIT_OK


def add_command(sub) -> None:
    schema = sub.add_parser("schema", help="print the JSON Schema of the scenario format")
    schema.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)


def cmd_schema(args: argparse.Namespace) -> int:
    from ..scenario.schema import json_schema

    print(json.dumps(json_schema(), indent=2))
    return EXIT_OK
