"""``python -m sim`` works like the ``capsim`` command."""

try:
    from .cli import command  # light: the heavy imports come after command() has set its signal handlers
except KeyboardInterrupt:  # Ctrl-C in the first few milliseconds
    import sys

    sys.stderr.write("capsim: interrupted; no results written\n")
    raise SystemExit(130) from None

command()
