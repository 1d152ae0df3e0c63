"""Every number of the scenario with its ``source:``, facts told apart from assumptions, and the
fact ids (S1, B12, G5, "FACTS B") resolved to their entries in ``docs/sources.md``.

A ``source:`` that cites a fact id is a *fact* (or *fact + assumption* when it also says
"assumption"); one that only says "assumption" is an *assumption*. The entries of the fact ids
cited are read from ``docs/sources.md`` (``### S1`` headings) when capsim runs from a checkout
that has it, and embedded in the page, so the report stands alone; an entry without its own
address takes its section's (the S facts all come from one article). A scenario's own facts
(its ``sources:``, sim.scenario.facts) are resolved first: :func:`own_entries`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ..scenario.facts import FACT_ID, cites, entry_text, own_ids

URL = re.compile(r"https?://[^\s)<>\"']+[^\s)<>\"'.,;]")
SKIPPED_KEYS = frozenset({"source", "description", "name", "label", "version", "sources"})
SOURCES_MD = Path(__file__).resolve().parents[2] / "docs" / "sources.md"
"""docs/sources.md of the checkout capsim runs from (absent in an installed wheel)."""


@dataclass
class SourceRow:
    """One ``source:`` of the scenario: where it sits, the numbers it covers, its text, its kind."""

    path: str
    source: str
    numbers: list[str] = field(default_factory=list)
    own: tuple[str, ...] = ()  # the scenario's own fact ids

    @property
    def kind(self) -> str:
        fact = bool(FACT_ID.search(self.source)) or any(cites(self.source, fid) for fid in self.own)
        assumption = "assumption" in self.source.lower()
        if fact and assumption:
            return "fact + assumption"
        return "fact" if fact else "assumption" if assumption else ("not stated" if not self.source else "other")


def _scalar(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _item_key(item: dict, index: int) -> str:
    return str(item.get("id") or item.get("name") or index)


def _compact(values: list) -> str:
    return "[" + ", ".join(f"{v:g}" if _scalar(v) else str(v) for v in values) + "]"


def scenario_sources(scenario: dict) -> list[SourceRow]:
    """The scenario's ``source:`` texts in file order, each with the numbers beneath it."""
    rows: list[SourceRow] = []

    def walk(node: object, path: str, row: SourceRow | None, key: str) -> None:
        if isinstance(node, dict):
            text = node.get("source")
            if isinstance(text, str) and text.strip():
                row, key = SourceRow(path, text.strip()), ""
                rows.append(row)
            for name, value in node.items():
                if name in SKIPPED_KEYS or value is None:
                    continue
                here = f"{path}.{name}" if path else str(name)
                walk(value, here, row, f"{key}.{name}" if key else str(name))
        elif isinstance(node, list):
            if node and all(isinstance(v, dict) for v in node):
                for i, item in enumerate(node):
                    walk(item, f"{path}.{_item_key(item, i)}", row, f"{key}.{_item_key(item, i)}")
            elif node and all(_scalar(v) or isinstance(v, list) for v in node):
                _note(rows, row, path, key, _compact([_compact(v) if isinstance(v, list) else v for v in node]))
        elif _scalar(node):
            _note(rows, row, path, key, f"{node:g}")

    walk(scenario, "", None, "")
    own = tuple(own_ids(scenario))
    for row in rows:
        row.own = own
    return rows


def _note(rows: list[SourceRow], row: SourceRow | None, path: str, key: str, value: str) -> None:
    """Record a number under the row that sources it, or under a 'not stated' row of its own."""
    if row is None:
        parent = path.rsplit(".", 1)[0] if "." in path else path
        if not rows or rows[-1].source or rows[-1].path != parent:
            rows.append(SourceRow(parent, ""))
        row, key = rows[-1], path.rsplit(".", 1)[-1]
    row.numbers.append(f"{key} = {value}" if key else value)


def cited_ids(rows: list[SourceRow], own: list[str] = ()) -> list[str]:
    """Fact ids cited, in the order S, B, G and by number ('FACTS B' before the B ids, which
    its entry introduces, as in docs/sources.md); then the scenario's own ids cited (``own``),
    in the order it lists them."""
    found = {m for row in rows for m in FACT_ID.findall(row.source)} - set(own)

    def order(fid: str) -> tuple[int, int]:
        if fid == "FACTS B":
            return (1, 0)
        return ("SBG".index(fid[0]), int(fid[1:]))

    return sorted(found, key=order) + [fid for fid in own if any(cites(row.source, fid) for row in rows)]


def own_entries(scenario: dict) -> dict[str, str]:
    """{fact id: entry text} of the scenario's own facts (its resolved ``sources:``)."""
    facts = scenario.get("sources")
    return {str(f["id"]): entry_text(f) for f in facts if isinstance(f, dict) and "id" in f} \
        if isinstance(facts, list) else {}


def anchor(fact_id: str) -> str:
    """The anchor of a fact id in docs/sources.md: 's10', 'facts-b'."""
    return fact_id.lower().replace(" ", "-")


def read_entries(path: Path | None = SOURCES_MD) -> dict[str, str]:
    """{fact id: entry text} from docs/sources.md ({} when the file is not there). An entry without
    an address gets its section's first address."""
    if path is None or not path.is_file():
        return {}
    entries: dict[str, str] = {}
    section_url, current, lines = None, None, []
    intro: list[str] = []

    def close() -> None:
        if current is not None:
            text = " ".join(" ".join(lines).split())
            if section_url and not URL.search(text):
                text += f" Address (the section's): {section_url}"
            entries[current] = text

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            close()
            current, lines, intro = None, [], []
            name = line[3:].strip()
            if name == "FACTS B":
                current = "FACTS B"
            section_url = None
        elif line.startswith("### "):
            close()
            current, lines = line[4:].strip(), []
        elif current is not None:
            lines.append(line)
        else:
            intro.append(line)
            match = URL.search(line)
            if match and section_url is None:
                section_url = match.group(0)
    close()
    return entries


def docs_url_problem(url: str) -> str | None:
    """What is wrong with ``url`` as the page's link to capsim's docs/, or None: only an
    ``http://`` or ``https://`` address or a relative path (``../docs``, ``/srv/capsim/docs``) is
    accepted, so that no link of the page can run a script (``javascript:``) or carry data
    (``data:``). A protocol-relative ``//host/docs`` is refused too: from a page opened from disk it
    would point at ``file://host/docs``."""
    if not url:
        return "is empty; give an http(s):// address or a relative path"
    if any(ord(c) <= 0x20 or ord(c) == 0x7F or c == "\\" for c in url):
        return "may not hold spaces, control characters or backslashes"
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return f"is not an address: {exc}"
    if parts.scheme:
        if parts.scheme not in ("http", "https"):
            return f"must be an http:// or https:// address or a relative path (not {parts.scheme}:)"
        if not parts.netloc:
            return f"{parts.scheme}: needs a host ({parts.scheme}://host/...)"
    elif url.startswith("//"):
        return "a protocol-relative address (//host) points at file://host from a page opened from disk; " \
               "give https://host/..."
    return None


def linked(text: str, fact_href, own: list[str] = ()) -> str:
    """``text`` as HTML: escaped, addresses as links, fact ids (and the scenario's ``own``) linked by
    ``fact_href(id)`` (None: plain)."""
    out, last = [], 0
    extra = "".join(f"|(?<![\\w-]){re.escape(fid)}(?![\\w-])" for fid in sorted(own, key=len, reverse=True))
    pattern = re.compile(f"{URL.pattern}{extra}|{FACT_ID.pattern}")
    for match in pattern.finditer(text):
        out.append(html.escape(text[last:match.start()]))
        token = match.group(0)
        if token.startswith("http"):
            out.append(f'<a href="{html.escape(token)}" rel="noreferrer">{html.escape(token)}</a>')
        else:
            href = fact_href(token)
            out.append(f'<a href="{html.escape(href)}" class="fact">{html.escape(token)}</a>' if href
                       else html.escape(token))
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)
