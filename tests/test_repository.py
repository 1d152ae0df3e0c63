"""The repository itself: no machine's absolute paths in tracked files, and every fact a scenario
cites is listed in docs/sources.md.

- A path such as ``/home/someone/...`` or ``C:\\Users\\...`` in a doc, scenario or test works on one
  machine only; the check names every offending ``file:line``.
- Every fact id cited in a ``source:`` of ``scenarios/*.yaml`` (``S10``, ``B12``, ``G5``, and
  ``FACTS B`` as a whole) has an anchor heading in docs/sources.md (``### S10`` -> ``#s10``).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "docs" / "sources.md"
SKIP_DIRS = {".git", ".venv", "venv", "__pycache__", ".pytest_cache", ".hypothesis", "results", "build", "dist"}

# Written so that this file does not match itself: "/" then a top-level folder name then "/".
MACHINE_PATH = re.compile(
    r"(?<![\w.~])/(?:work|home|root|Users|tmp|mnt|opt|var/folders)/"  # POSIX home and scratch folders
    r"|\b[A-Za-z]:\\\\?[A-Za-z]"  # a Windows drive: C:\Users, C:\\Users
)
FACT_ID = re.compile(r"\b([SBG]\d{1,2})\b")


def tracked_files() -> list[Path]:
    """Files git tracks (or, outside a git checkout, every file below the root but the skipped folders)."""
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
        names = [name for name in out.decode().split("\0") if name]
        if names:
            return [ROOT / name for name in names if (ROOT / name).is_file()]
    except (OSError, subprocess.CalledProcessError):
        pass
    return [p for p in ROOT.rglob("*") if p.is_file() and not SKIP_DIRS.intersection(p.relative_to(ROOT).parts)]


def text_lines(path: Path) -> list[str]:
    """The file's lines, or nothing for a binary file."""
    data = path.read_bytes()
    if b"\0" in data[:8192]:
        return []
    try:
        return data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return []


def machine_paths(lines: list[str]) -> list[tuple[int, str]]:
    return [(n, m.group(0)) for n, line in enumerate(lines, 1) for m in MACHINE_PATH.finditer(line)]


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ("see /work/shared/reference/FACTS.md", True),
        ("--out /tmp/capsim-shanxi", True),
        ("C:\\Users\\me\\capsim", True),
        ("/home/me/capsim and /Users/me/capsim", True),
        ("--out results/readme-shanxi", False),
        ("docs/sources.md#s10 and scenarios/shanxi.yaml", False),
        ("10 MW / 0.0025 and 4.0/4.4 TWh", False),
        ("https://example.org/home/page", False),
    ],
)
def test_machine_path_pattern(line, found):
    assert bool(machine_paths([line])) is found


def test_no_tracked_file_names_a_machine_path():
    problems = []
    for path in tracked_files():
        if path.resolve() == Path(__file__).resolve():
            continue  # this file's examples are machine paths on purpose
        for number, match in machine_paths(text_lines(path)):
            problems.append(f"{path.relative_to(ROOT).as_posix()}:{number}: {match}")
    assert problems == [], "absolute machine paths:\n" + "\n".join(problems)


# --- sources ---------------------------------------------------------------------------------


def source_texts(node) -> list[str]:
    """Every ``source`` value anywhere in a scenario's data (variants included)."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "source" and isinstance(value, str):
                found.append(value)
            else:
                found.extend(source_texts(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(source_texts(item))
    return found


def cited_ids(text: str) -> set[str]:
    ids = set(FACT_ID.findall(text))
    if "FACTS B" in text:
        ids.add("FACTS B")
    return ids


def anchors(markdown: str) -> set[str]:
    """GitHub-style anchors of the markdown headings."""
    out = set()
    for line in markdown.splitlines():
        heading = re.match(r"#{1,6}\s+(.*)", line)
        if heading:
            slug = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower()).replace(" ", "-")
            out.add(slug)
    return out


def test_cited_ids_are_found():
    assert cited_ids("S10 (3.2 bn CNY), FACTS B lead times; B13; G5 and G12; not 5G or S10x") == {
        "S10", "FACTS B", "B13", "G5", "G12"}


SCENARIOS = sorted((ROOT / "scenarios").glob("*.y*ml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_cited_fact_is_in_sources(path):
    data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    cited = set().union(*(cited_ids(text) for text in source_texts(data)))
    have = anchors(SOURCES.read_text(encoding="utf-8"))
    missing = sorted(fact for fact in cited if fact.lower().replace(" ", "-") not in have)
    assert missing == [], f"{path.name} cites facts without an entry in docs/sources.md: {missing}"


def test_every_number_of_a_shipped_scenario_has_a_source():
    """Variants included: the report's sources table lists no number as 'not stated'."""
    import sim
    from sim.report.sources import scenario_sources

    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        data = sim.load_scenario(path).model_dump(mode="json", by_alias=True, exclude_none=True)
        unsourced = [row.path for row in scenario_sources(data) if row.kind == "not stated"]
        assert not unsourced, f"{path.name}: numbers without a source: {unsourced}"
