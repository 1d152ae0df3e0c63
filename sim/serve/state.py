"""The setting in the URL: what a link restores, and the checks every value passes first.

A setting is the lever values moved from today's (each by its path), the variant switched on (if
any) and the seed. Its query string also names the scenario (:func:`scenario_hash`) and capsim's
version, so that a link made with another scenario or version says so instead of showing other
numbers::

    ?scenario=3f2a9c01d4be&capsim=0.1.0&seed=0&variant=grid-tight&grid.headroom_mw=900.0

:func:`decode` refuses (:class:`Refused`) anything it does not know or that is out of range: a key
given twice, a key that is not a lever, a value that is not a plain decimal number, one outside
its lever's range, an unknown variant, a seed that is not digits; nothing refused is simulated.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote_plus

from ..scenario.schema import Scenario
from .levers import Lever

MAX_QUERY = 4096
"""Longest query string read (a link with every lever moved is well under 2,000 characters)."""
MAX_SEED = 2**63 - 1
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?$")
"""A plain decimal number (no ``nan``, ``inf``, hex, underscores or spaces)."""
RESERVED = ("scenario", "capsim", "seed", "variant")


class Refused(ValueError):
    """A query string that is not used; ``mismatch`` when it was made with another scenario or
    capsim version (well formed, but not for this app)."""

    def __init__(self, message: str, mismatch: bool = False):
        super().__init__(message)
        self.mismatch = mismatch


@dataclass(frozen=True)
class State:
    values: dict[str, float] = field(default_factory=dict)  # path -> value, levers moved from today only
    variant: str | None = None
    seed: int = 0

    def key(self) -> tuple:
        return tuple(sorted(self.values.items())), self.variant, self.seed


def scenario_hash(scenario: Scenario) -> str:
    """12 hex digits of the SHA-256 of the scenario's content (its JSON dump: comments and layout
    of the file do not count)."""
    text = scenario.model_dump_json(by_alias=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def number_text(value: float) -> str:
    """The shortest text that reads back as the same float (``900.0`` -> ``900``)."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def encode(state: State, scenario_id: str, version: str) -> str:
    parts = [("scenario", scenario_id), ("capsim", version), ("seed", str(state.seed))]
    if state.variant:
        parts.append(("variant", state.variant))
    parts += [(path, number_text(value)) for path, value in sorted(state.values.items())]
    return "?" + "&".join(f"{quote(k, safe='.')}={quote(v, safe='.-+')}" for k, v in parts)


def from_values(levers: list[Lever], values: dict[str, float], variant: str | None, seed: int) -> State:
    """The state of slider ``values`` (path -> value): only the levers away from today's value."""
    today = {lever.path: lever.today for lever in levers}
    return State({p: float(v) for p, v in values.items() if p in today and float(v) != today[p]},
                 variant or None, seed)


def decode(search: str | None, levers: list[Lever], variants: list[str], scenario_id: str, version: str,
           default_seed: int = 0) -> State:
    """The state in ``search`` (a query string, with or without its ``?``); raises :class:`Refused`."""
    text = (search or "").lstrip("?")
    if len(text) > MAX_QUERY:
        raise Refused(f"the link's query is too long ({len(text):,} characters; at most {MAX_QUERY:,})")
    by_path = {lever.path: lever for lever in levers}
    pairs: dict[str, str] = {}
    for part in filter(None, text.split("&")):
        key, sep, value = part.partition("=")
        key, value = unquote_plus(key), unquote_plus(value)
        if not sep:
            raise Refused(f"{key!r} has no value (write KEY=VALUE)")
        if key in pairs:
            raise Refused(f"{key!r} is given twice")
        pairs[key] = value
    if "scenario" in pairs and pairs["scenario"] != scenario_id:
        raise Refused(f"this link was made with another scenario (its hash {pairs['scenario']!r}, this one's "
                      f"{scenario_id!r}): its numbers would not be the ones it showed", mismatch=True)
    if "capsim" in pairs and pairs["capsim"] != version:
        raise Refused(f"this link was made with capsim {pairs['capsim']!r}, this is {version!r}: its numbers may "
                      f"differ", mismatch=True)
    seed = default_seed
    if "seed" in pairs:
        if not pairs["seed"].isascii() or not pairs["seed"].isdigit() or int(pairs["seed"]) > MAX_SEED:
            raise Refused(f"seed must be a whole number 0 to {MAX_SEED} (got {pairs['seed']!r})")
        seed = int(pairs["seed"])
    variant = pairs.get("variant") or None
    if variant is not None and variant not in variants:
        raise Refused(f"unknown variant {variant!r}; this scenario's: {', '.join(variants) or 'none'}")
    values: dict[str, float] = {}
    for key, value in pairs.items():
        if key in RESERVED:
            continue
        if key not in by_path:
            raise Refused(f"{key!r} is not a lever of this scenario")
        if not NUMBER.match(value):
            raise Refused(f"{key}: must be a decimal number (got {value!r})")
        problem = by_path[key].check(float(value))
        if problem:
            raise Refused(problem)
        values[key] = float(value)
    return from_values(levers, values, variant, seed)
