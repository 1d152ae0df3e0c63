"""A fast path for :func:`sim.scenario.yamlio.parse_yaml`: the same data and positions from libyaml's
parser (PyYAML's C extension), seven to nine times faster than ruamel's pure-Python parser
(Shanxi: 0.12 s -> 0.015 s).

It answers only for the files it is sure of, and says ``None`` for any other, which the reference
reader (ruamel, YAML 1.2) then reads as before, with its errors. So a file is read as before in
every case, only sooner for most:

* the grammar is libyaml's; a file it refuses, or that holds what YAML 1.1 and 1.2 read apart (the
  line breaks U+0085, U+2028 and U+2029, tabs, carriage returns, a ``%YAML``/``%TAG`` directive),
  or a character ruamel's reader refuses, goes to the reference reader;
* every plain scalar is resolved by ruamel's YAML 1.2 resolver and numbers are built by ruamel's
  constructor, so ``1_000``, ``0o17``, ``.inf`` or ``yes`` mean what they meant;
* what the reference reader refuses or treats specially (anchors, aliases, tags, merge keys,
  duplicate keys, keys that are not scalars, nesting past the limit, dates and other types, more
  than one document) is left to it, so the error and its position are the reference reader's;
* so is an empty value (``key:`` with nothing after it), whose position the two parsers place
  differently (ruamel: where the next token starts; libyaml: after the colon), a line of spaces
  only and a block scalar's header followed by ``#`` (which libyaml accepts where ruamel refuses
  them).

``tests/test_yaml_fast_path.py`` compares both readers on the shipped scenarios, on every YAML text
of the tests and on generated files.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.reader import Reader
from ruamel.yaml.resolver import VersionedResolver

try:
    import yaml as _pyyaml
    from yaml.cyaml import CParser as _CParser  # absent when PyYAML was built without libyaml
except ImportError:  # pragma: no cover - PyYAML's wheels ship libyaml
    _pyyaml = None
    _CParser = None

Positions = dict[tuple, tuple[int, int]]

_READ_APART = re.compile("[\t\r\x85\u2028\u2029\ufeff]|^%|^ +$|[|>][-+0-9]*#", re.MULTILINE)
"""What libyaml and ruamel may read differently: characters and directives YAML 1.1 and 1.2 treat
apart, a line of spaces only (libyaml accepts it as the first line of a block scalar followed by a
more indented one, ruamel refuses that) and a block scalar's header with ``#`` right after the
indicator (``|#``: libyaml reads a comment, ruamel refuses it)."""
_PLAIN_TAGS = ("tag:yaml.org,2002:str", "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool",
               "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


class _NotSure(Exception):
    """The fast path cannot vouch for this file: the reference reader reads it."""


def available() -> bool:
    """Whether libyaml's parser can be used here."""
    return _CParser is not None


def parse(text: str, max_depth: int) -> tuple[Any, Positions] | None:
    """(data, positions) as :func:`sim.scenario.yamlio.parse_yaml` returns them, or None when the
    reference reader must read ``text`` (see the module's text)."""
    refused = getattr(Reader, "NON_PRINTABLE", None)  # the characters ruamel's reader refuses
    if _CParser is None or refused is None or _READ_APART.search(text) or refused.search(text):
        return None
    parser = _CParser(text)
    try:
        return _Builder(parser, max_depth).document()
    except (_NotSure, _pyyaml.YAMLError, RecursionError):
        return None
    finally:
        parser.dispose()


class _Builder:
    """Plain data and positions from libyaml's events, as ``yamlio._to_plain`` builds them from
    ruamel's nodes."""

    def __init__(self, parser, max_depth: int):
        self.parser = parser
        self.max_depth = max_depth
        self.depth = 0
        self.resolver = VersionedResolver(version=(1, 2))
        reference = YAML(typ="rt", pure=True)
        reference.version = (1, 2)
        self.constructor = reference.constructor
        self.positions: Positions = {}
        self.tags: dict = {}  # (value, implicit) -> the resolver's tag, as text (keys and values repeat)

    def _next(self):
        return self.parser.get_event()

    def document(self) -> tuple[Any, Positions]:
        event = self._next()  # StreamStartEvent
        event = self._next()
        if isinstance(event, _pyyaml.StreamEndEvent):
            return None, {}
        if event.version is not None or event.tags:
            raise _NotSure
        data = self._node(self._next(), ())
        if not isinstance(self._next(), _pyyaml.DocumentEndEvent):
            raise _NotSure
        if not isinstance(self._next(), _pyyaml.StreamEndEvent):  # a second document
            raise _NotSure
        return data, self.positions

    def _node(self, event, path: tuple) -> Any:
        if isinstance(event, _pyyaml.ScalarEvent):
            self._check(event)
            return self._scalar(event)
        if isinstance(event, (_pyyaml.MappingStartEvent, _pyyaml.SequenceStartEvent)):
            self._check(event)
            self.depth += 1
            if self.depth > self.max_depth:
                raise _NotSure
            start = (event.start_mark.line + 1, event.start_mark.column + 1)
            if path not in self.positions:
                self.positions[path] = start
            out = self._mapping(path) if isinstance(event, _pyyaml.MappingStartEvent) else self._sequence(path)
            self.positions[path + ("<start>",)] = start
            self.depth -= 1
            return out
        raise _NotSure  # an alias

    def _mapping(self, path: tuple) -> dict:
        out: dict = {}
        seen: set = set()
        while True:
            event = self._next()
            if isinstance(event, _pyyaml.MappingEndEvent):
                return out
            if not isinstance(event, _pyyaml.ScalarEvent):
                raise _NotSure  # a key that is a mapping or a list
            self._check(event)
            if event.value == "<<" and event.style is None:
                raise _NotSure  # a merge key
            key = self._scalar(event, key=True)
            if key in seen:
                raise _NotSure  # a duplicate key
            seen.add(key)
            value_event = self._next()
            self.positions[path + (key, "<key>")] = (event.start_mark.line + 1, event.start_mark.column + 1)
            self.positions[path + (key,)] = (value_event.start_mark.line + 1, value_event.start_mark.column + 1)
            out[str(key) if not isinstance(key, (int, float)) else key] = self._node(value_event, path + (key,))

    def _sequence(self, path: tuple) -> list:
        out: list = []
        while True:
            event = self._next()
            if isinstance(event, _pyyaml.SequenceEndEvent):
                return out
            index = len(out)
            self.positions[path + (index,)] = (event.start_mark.line + 1, event.start_mark.column + 1)
            out.append(self._node(event, path + (index,)))

    def _check(self, event) -> None:
        if event.anchor is not None:
            raise _NotSure
        if isinstance(event, _pyyaml.ScalarEvent) and event.value == "" and not event.style:  # plain: ""
            raise _NotSure  # an empty value: ruamel places it where the next token starts, libyaml after the colon
        if isinstance(event, _pyyaml.ScalarEvent):
            explicit = event.tag is not None and not any(event.implicit)
        else:
            explicit = event.tag is not None and not event.implicit
        if explicit:
            raise _NotSure

    def _scalar(self, event, key: bool = False) -> Any:
        """The scalar as ``yamlio._to_plain`` makes it from ruamel's constructed value; a mapping's
        ``key`` as ruamel constructs it (``_to_plain`` keeps a number key as ruamel's own int or
        float subclass, e.g. ``ScalarFloat``)."""
        tag = self.tags.get((event.value, event.implicit))
        if tag is None:
            tag = self.tags[event.value, event.implicit] = str(self.resolver.resolve(  # as ruamel's composer does
                ScalarNode, event.value, event.implicit))
        if tag not in _PLAIN_TAGS:
            raise _NotSure  # a date, a merge or value key: the reference reader's business
        if tag == "tag:yaml.org,2002:str":
            return event.value
        value = self.constructor.construct_object(ScalarNode(tag, event.value), deep=True)
        if key or value is None or isinstance(value, bool):
            return value
        return int(value) if isinstance(value, int) else float(value)
