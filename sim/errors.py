"""The one exception for bad input, and the problems it carries.

A :class:`ScenarioError` holds every problem found in a file at once. Each problem knows the file,
the line and column (1-based) and the dotted path of the field it concerns, so that the CLI can
print it as ``file:line:col: path: message``.
"""

from __future__ import annotations

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
