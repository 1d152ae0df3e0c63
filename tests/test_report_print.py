"""What the report prints and what it shows of this machine, without a browser: the three charts
of the brief by kind of report, the sections left out of print, the Reproduce section's command in
words with machine paths by their last part, and the default link to the docs only from inside
the checkout (tests/test_report_pages.py prints the real pages)."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from report_folders import compare_folder, manifest, run_folder
from sim.report.brief import brief_ids, print_note, section_class
from sim.report.charts import Chart
from sim.report.page import build_html, default_docs_url
from sim.report.read import read_folder
from sim.report.reproduce import command_words, no_machine_paths

ROOT = Path(__file__).resolve().parents[1]
HOME, TMP, DRIVE = "/" + "home/me", "/" + "tmp/x", "C:" + "\\Users\\me"  # split: tests/test_repository.py


def chart(ident: str, section: str = "charts") -> Chart:
    return Chart(ident, ident, "", None, section)


CHARTS = [chart("growth"), chart("share"), chart("power"), chart("sites"), chart("differences", "compare"),
          chart("variants-growth", "compare"), chart("limits", "limits"), chart("tornado", "sensitivity"),
          chart("solve", "solve")]


@pytest.mark.parametrize("kind, expected", [
    ("run", {"growth", "share", "power"}),
    ("compare", {"differences", "variants-growth", "growth"}),
    ("explore", {"tornado", "growth", "share"}),
    ("solve", {"solve", "growth", "share"}),
])
def test_the_brief_prints_three_charts_chosen_by_the_kind_of_report(kind, expected):
    assert brief_ids(CHARTS, kind) == expected
    assert brief_ids(CHARTS[:1], kind) == {"growth"} and brief_ids([], kind) == set()


def test_sections_without_a_chart_of_the_brief_do_not_print():
    assert section_class("answer", "<p>x</p>") == "brief"
    assert section_class("charts", '<figure class="chart" id="fig-growth" data-print="brief">') == "brief"
    assert section_class("limits", '<figure class="chart" id="fig-limits">') == "more"
    assert section_class("sources", "<details>") == "more"


def test_the_print_note_counts_what_the_page_has_beyond_the_brief():
    note = print_note(CHARTS, {"growth", "share", "power"})
    assert "the answer and the key figures and 3 charts. The page (report.html) has 6 more charts, " in note
    assert "the key figures. The page (report.html) has the scenario's" in print_note([], set())


@pytest.mark.parametrize("value, shown", [
    (f"{TMP}/run/shanxi", "…/shanxi"),
    (f"{HOME}/capsim/scenarios/shanxi.yaml", "…/shanxi.yaml"),
    ("~/capsim/guizhou.yaml", "…/guizhou.yaml"),
    (f"{DRIVE}\\capsim\\s.yaml", "…/s.yaml"),
    ("\\\\server\\share\\s.yaml", "…/s.yaml"),
    ("/srv/results/", "…/results"),
    ("scenarios/shanxi.yaml", "scenarios/shanxi.yaml"),  # relative: as it is
    ("../s.yaml", "../s.yaml"),
    ("plan 2025 (S15)", "plan 2025 (S15)"),
    ("C:", "C:"),
])
def test_machine_paths_are_shown_by_their_last_part(value, shown):
    assert no_machine_paths(value) == shown
    assert no_machine_paths({"a": [value, 3]}) == {"a": [shown, 3]}


def test_the_command_in_words_hides_the_machine_paths_and_quotes_names():
    data = {"command": ["capsim", "solve", f"{TMP}/shanxi.yaml", "--target", "plan 2025 (S15)", "--out", f"{TMP}/out"]}
    assert command_words(data) == "capsim solve shanxi.yaml --target 'plan 2025 (S15)' --out out"
    assert command_words({}) is None and command_words({"command": "capsim run"}) is None


def test_the_page_says_the_command_in_words_and_keeps_the_manifest_closed(tmp_path):
    data = manifest(command=["capsim", "run", f"{HOME}/proj/test.yaml", "--out", str(tmp_path / "run")],
                    working_directory=f"{HOME}/proj", python_executable=f"{HOME}/.venv/bin/python3")
    data["scenario"]["resolved_path"] = f"{HOME}/proj/test.yaml"
    folder = run_folder(tmp_path / "run")
    (folder / "manifest.json").write_text(__import__("json").dumps(data), encoding="utf-8")
    page = build_html(read_folder(folder), folder)
    assert ("To get the same tables again, run <code>capsim run test.yaml --out run</code> with the scenario file "
            "<code>test.yaml</code> (Testland), sha256 <code>abababababab…</code> and capsim 0.1.0.") in page
    assert HOME not in page and str(tmp_path) not in page
    assert "<dd>…/proj</dd>" in page and "<dd>…/python3</dd>" in page
    closed = page[page.index('<details id="reproduce-details">'):]
    assert closed.index("working_directory") < closed.index("</details>")  # the manifest: in the closed block
    assert '<details id="sources-details"><summary>Show every value of the scenario and its source</summary>' in page
    assert '<section id="sources" class="more"' in page and '<section id="answer" class="brief"' in page


def test_the_default_docs_link_only_from_inside_the_checkout(tmp_path):
    assert default_docs_url(ROOT / "results" / "shanxi") == "../../docs"
    assert default_docs_url(tmp_path) is None  # a relative path out of /tmp would spell the checkout's folders
    page = sim.report.write(compare_folder(tmp_path / "cmp"))[0].read_text(encoding="utf-8")
    assert str(ROOT) not in page and str(ROOT).lstrip("/") not in page
