"""A scenario's own sources: fact ids it lists itself, and cited ids listed nowhere.

A scenario may list its own facts, as capsim's docs/sources.md lists the shipped ones:

    sources:
      - {id: Q1, figure: "Qingyang hub: 100,000 standard racks planned by 2025", date: 2024-03-01,
         address: "https://...", reliability: H}

or name a file beside it that holds them (``sources: gansu-sources.yaml``, the same list; or a
Markdown file written as docs/sources.md is, one ``### ID`` heading per fact). A file is read when
the scenario is validated and its facts are put in the scenario (so the resolved scenario of a
results folder, and its report, carry them). The report resolves a cited id to the scenario's own
entry first, then to docs/sources.md (sim.report.sources).

A ``source:`` text that cites a fact id (of the shipped form, S1, B12, G5, ``FACTS B``, or of the
form of the scenario's own ids: Q7 when it lists Q1) that neither the scenario nor docs/sources.md
lists is a warning, not an error (:func:`unlisted`): a citation changes no number, a file that
validated before must still validate, and an installed capsim may have no docs/sources.md to look in.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

FACT_ID = re.compile(r"\b(FACTS B|[SBG][1-9][0-9]?)\b")
"""The form of the shipped fact ids (docs/sources.md)."""
SOURCES_MD = Path(__file__).resolve().parents[2] / "docs" / "sources.md"
"""docs/sources.md of the checkout capsim runs from (absent in an installed wheel)."""


class Fact(BaseModel):
    """One fact a scenario cites by its id."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$", description="Fact id cited in `source:` texts, e.g. Q1")
    figure: str = Field(description="What the source says, in your words, with its number")
    date: str | None = Field(None, description="Date of the publication")
    address: str | None = Field(None, description="Where it can be read (an http(s) address)")
    reliability: Literal["H", "M", "L"] | None = Field(
        None, description="H: official or state media; M: trade press citing officials; L: an aggregator's copy")


Sources = Annotated[Union[Annotated[tuple[Fact, ...], Tag("facts")], Annotated[str, Tag("file")]],
                    Discriminator(lambda value: "file" if isinstance(value, str) else "facts")]
"""``sources:``: a list of facts, or the name of a file beside the scenario that holds them."""
SOURCES_TAGS = ("facts", "file")


def entry_text(fact: dict) -> str:
    """A fact as one line of text, as docs/sources.md entries read in the report."""
    parts = [str(fact.get("figure") or "").strip()]
    if fact.get("date"):
        parts.append(f"Date: {fact['date']}.")
    if fact.get("reliability"):
        parts.append(f"Reliability: {fact['reliability']}.")
    if fact.get("address"):
        parts.append(f"Address: {fact['address']}")
    return " ".join(p for p in parts if p)


def listed_ids(path: Path | None = SOURCES_MD) -> set[str] | None:
    """The fact ids docs/sources.md lists (its ``### ID`` headings and ``## FACTS B``); None when
    the file is not there (an installed wheel)."""
    if path is None or not path.is_file():
        return None
    ids = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("### "):
            ids.add(line[4:].strip())
        elif line.strip() == "## FACTS B":
            ids.add("FACTS B")
    return ids


def markdown_facts(text: str) -> list[dict]:
    """Facts of a Markdown file written as docs/sources.md is: each ``### ID`` heading and the
    text below it (up to the next heading) as its figure."""
    facts, current, lines = [], None, []
    for line in text.splitlines() + ["## "]:
        if line.startswith("#"):
            if current is not None:
                facts.append({"id": current, "figure": " ".join(" ".join(lines).split())})
            current, lines = (line[4:].strip() if line.startswith("### ") else None), []
        elif current is not None:
            lines.append(line)
    return facts


def own_ids(scenario: dict) -> list[str]:
    """The ids of a scenario's own facts (its resolved ``sources:``)."""
    facts = scenario.get("sources")
    return [str(f["id"]) for f in facts if isinstance(f, dict) and "id" in f] if isinstance(facts, list) else []


def cites(text: str, fact_id: str) -> bool:
    """Whether ``text`` cites ``fact_id`` as a word of its own."""
    return re.search(rf"(?<![\w-]){re.escape(fact_id)}(?![\w-])", text) is not None


def unlisted(data: Any, own: list[str], listed: set[str] | None) -> list[tuple[tuple, str]]:
    """(location of the ``source:``, message) for each fact id cited there and listed neither by the
    scenario (``own``) nor in docs/sources.md (``listed``; None: the file is not there, and ids of
    the shipped form are not checked). A fact id is a word of the shipped form (S1, B12, G5,
    ``FACTS B``) or of the form of the scenario's own letters-and-digits ids (with Q1 listed, Q7)."""
    families = {m.group(1) for m in (re.fullmatch(r"([A-Za-z]+)[0-9]+", fid) for fid in own) if m}
    own_form = re.compile(rf"(?<![\w-])((?:{'|'.join(sorted(families))})[0-9]+)(?![\w-])") if families else None
    listed = set() if listed is None else listed
    found = []

    def walk(node: Any, loc: tuple) -> None:
        if isinstance(node, dict):
            text = node.get("source")
            if isinstance(text, str):
                shipped = FACT_ID.findall(text) if listed else []  # not checked without docs/sources.md
                for fid in dict.fromkeys(shipped + (own_form.findall(text) if own_form else [])):
                    if fid not in own and fid not in listed:
                        found.append((loc + ("source",), f"cites fact {fid!r}, which neither the scenario's "
                                      "`sources:` nor capsim's docs/sources.md lists"))
            for key, value in node.items():
                if key not in ("source", "sources"):
                    walk(value, loc + (key,))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, loc + (i,))

    walk(data, ())
    return found
