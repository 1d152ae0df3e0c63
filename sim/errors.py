"""The one exception for bad input, and the problems it carries.

A :class:`ScenarioError` holds every problem found in a file at once. Each problem knows the file,
the line and column (1-based) and the dotted path of the field it concerns, so that the CLI can
print it as ``file:line:col: path: message``. Warnings are shown the same way, one line each
(:func:`warnings_as_lines`).
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input."""

    message: str
    path: str = ""
    file: str | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
            if self.line is not None:
                where.append(str(self.line))
                if self.column is not None:
                    where.append(str(self.column))
        head = ":".join(where)
        parts = [p for p in (head, self.path) if p]
        return ": ".join(parts + [self.message]) if parts else self.message


class ScenarioError(ValueError):
    """Bad input: a scenario, an override or a command-line value that cannot be used.

    ``problems`` lists every problem found; ``str(error)`` gives one line per problem.
    """

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


QUIET_WARNINGS = (
    (r"Glyph .* missing from", UserWarning),  # sim.plots.fonts has said it once, naming what to install
    (r".*(tight_layout|constrained_layout|[Cc]onstrained layout|axes sizes|[Ll]ayout not applied).*", UserWarning),
)
"""Warnings that tell the user nothing (matplotlib laying out a crowded figure as best it can)."""


def show_warnings_as_lines() -> None:
    """From now on a warning is one line ``capsim: warning: MESSAGE`` on stderr, once per message
    (not Python's two lines with a file name and a source line). For worker processes."""
    shown: set[str] = set()

    def show(message, category, filename, lineno, file=None, line=None):
        text = str(message).splitlines()[0] if str(message) else category.__name__
        if text not in shown:
            shown.add(text)
            with contextlib.suppress(AttributeError, OSError, ValueError):
                print(f"capsim: warning: {text}", file=file or sys.stderr)

    warnings.showwarning = show


@contextlib.contextmanager
def warnings_as_lines():
    """While a command runs: :func:`show_warnings_as_lines`, and :data:`QUIET_WARNINGS` not shown."""
    with warnings.catch_warnings():
        for pattern, category in QUIET_WARNINGS:
            warnings.filterwarnings("ignore", message=pattern, category=category)
        show_warnings_as_lines()
        yield
