"""Counts in words: ``counted(1, "replication")`` is "1 replication", ``counted(2, ...)`` "2
replications" (thousands separated: "1,000 replications")."""

from __future__ import annotations


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """'1 package', '3 packages', '1,000 replications'; ``plural`` for an irregular one ('1 index')."""
    return f"{n:,} {singular if n == 1 else (plural or singular + 's')}"
