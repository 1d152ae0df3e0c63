"""``python -m sim`` works like the ``capsim`` command."""

from .cli import command

command()
