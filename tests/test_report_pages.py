"""Every kind of report of both shipped scenarios, as a reader sees it in headless Chromium: a run,
a comparison, an explore and a solve of scenarios/shanxi.yaml and scenarios/guizhou.yaml (few
replications: the page's shape does not depend on them), opened from file:// with the network cut
off, at 1000 px wide, and printed to PDF by Chromium.

Each test asserts one property of the page from the DOM with the functions of
tests/report_pages.py.
"""

from __future__ import annotations

import re
import shutil
import sys
from unittest import mock

import pytest

from report_pages import (CHROMIUM, DRIVER, answer_sentences, charts, chromium, dotted_paths, hover_text, open_page,
                          outside, printed_pages, visible_text, wider_than_viewport, x_ranges)

pytestmark = pytest.mark.slow

if not (CHROMIUM and DRIVER and shutil.which("chromedriver")):
    pytest.skip("headless Chromium not installed (apt-get install chromium chromium-driver)", allow_module_level=True)

SHANXI, GUIZHOU = "sim/scenarios/shanxi.yaml", "sim/scenarios/guizhou.yaml"
COMMANDS = {  # name: the capsim command, with few replications
    "run-shanxi": ["run", "shanxi.yaml", "-r", "3"],
    "run-guizhou": ["run", "guizhou.yaml", "-r", "3"],
    "compare-shanxi": ["compare", "shanxi.yaml", "-r", "2"],
    "compare-guizhou": ["compare", "guizhou.yaml", "-r", "2"],
    "explore-shanxi": ["explore", "shanxi.yaml", "--method", "morris", "-n", "2", "-r", "2"],
    "explore-guizhou": ["explore", "guizhou.yaml", "--method", "morris", "-n", "2", "-r", "2"],
    "solve-shanxi": ["solve", "shanxi.yaml", "--lever", "accounting.factors.FP16", "--target", "plan 2025 (S15)",
                     "-r", "3", "--tolerance", "0.5"],
    "solve-guizhou": ["solve", "guizhou.yaml", "--lever", "grid.headroom_mw", "--low", "0", "--high", "3000",
                      "--target", "plan 2026 (G5, G6)", "-r", "3", "--tolerance", "1000"],
}
NAMES = list(COMMANDS)
MAX_BRIEF_PAGES = 4


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """The eight results folders, written in this process by the CLI's own entry (its report included)."""
    from pathlib import Path

    from sim.cli import main

    shipped = Path(__file__).resolve().parents[1] / "scenarios"
    root = tmp_path_factory.mktemp("pages")
    out = {}
    for name, args in COMMANDS.items():
        argv = [args[0], str(shipped / args[1]), *args[2:], "-q", "-j", "1", "--no-plots", "--out", str(root / name)]
        with mock.patch.object(sys, "argv", ["capsim", *argv]):  # the manifest's command is sys.argv
            assert main(argv) == 0, name
        out[name] = root / name
    return out


@pytest.fixture(scope="module")
def browser():
    driver = chromium()
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def pages(folders, browser):
    """What each page logged while it loaded, how its charts drew and its visible text (one load each)."""
    seen = {}
    for name, folder in folders.items():
        found = open_page(browser, folder / "report.html")
        seen[name] = {**found, "charts": charts(browser), "text": visible_text(browser),
                      "answer": answer_sentences(browser), "wide": wider_than_viewport(browser),
                      "x_ranges": x_ranges(browser), "pages": printed_pages(browser),
                      "html": (folder / "report.html").read_text(encoding="utf-8")}
    return seen


@pytest.mark.parametrize("name", NAMES)
def test_the_page_asks_the_network_for_nothing_logs_no_error_and_draws_every_chart(pages, name):
    page = pages[name]
    assert outside(page["requests"]) == []
    assert page["errors"] == []
    assert page["charts"] and all(marks > 0 for marks in page["charts"].values()), page["charts"]


@pytest.mark.parametrize("name", NAMES)
def test_nothing_is_wider_than_the_viewport_at_1000_px(pages, name):
    assert pages[name]["wide"] == []


@pytest.mark.parametrize("name", NAMES)
def test_the_printed_brief_has_at_most_four_pages(pages, name):
    """Sources and the Reproduce block are closed: the printout is the brief, nothing after it."""
    assert 1 <= pages[name]["pages"] <= MAX_BRIEF_PAGES


def test_opened_sources_and_reproduce_print_after_the_brief(folders, browser, pages):
    """The appendix prints only when opened: more pages, and the brief's pages unchanged before it."""
    open_page(browser, folders["run-shanxi"] / "report.html")
    assert printed_pages(browser, open_details=True) > pages["run-shanxi"]["pages"] + 5  # the sources table
    assert printed_pages(browser) == pages["run-shanxi"]["pages"]


@pytest.mark.parametrize("name", NAMES)
def test_no_machine_path_in_the_page(folders, pages, name):
    """Neither the temporary folder the reports are written in nor the checkout shows, and the
    page's source holds no absolute path of this machine (closed blocks included)."""
    here, tmp = str(folders[name].parents[1]), str(folders[name].parent)
    from pathlib import Path

    checkout = str(Path(__file__).resolve().parents[1])
    for text in (pages[name]["text"], pages[name]["html"]):
        assert tmp not in text and here not in text and checkout not in text
    assert re.findall(r"(?<![\w.~])/(?:tmp|home|root|work|Users)/", pages[name]["text"]) == []


@pytest.mark.parametrize("name", NAMES)
def test_the_reproduce_section_says_the_command_in_words(pages, name):
    """The command with the scenario and the output folder by their last part (written from a
    temporary folder here); the manifest itself is in a closed block."""
    kind, scenario = name.split("-")
    said = re.search(r"To get the same tables again, run (capsim .*?) with the scenario file (\S+) ", pages[name]["text"])
    assert said and said.group(1).startswith(f"capsim {kind} {scenario}.yaml ") and f"--out {name}" in said.group(1)
    assert said.group(2) == f"…/{scenario}.yaml"
    assert "working_directory" not in pages[name]["text"]  # the manifest's keys: closed


@pytest.mark.parametrize("name", [n for n in NAMES if n.startswith(("run", "compare"))])
def test_the_answer_opens_with_the_verdict(pages, name):
    verdict = pages[name]["answer"][0]
    assert re.match(r"Verdict: (On track|At risk|Off track): P\('plan 20\d\d \([A-Z0-9, ]+\)' met by 20\d\d-\d\d\) "
                    r"\d+%", verdict), verdict


# --- issue 25 items 1 and 4 (plain input labels; one time axis) ------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_no_dotted_input_path_in_the_visible_text(pages, name):
    # the Reproduce section's command is what to type (a solve's --lever names its path): not a label
    text = re.sub(r"To get the same tables again, run capsim .*? with the scenario file ", "", pages[name]["text"])
    assert dotted_paths(text) == []


@pytest.mark.parametrize("name", ["run-shanxi", "run-guizhou"])
def test_every_time_chart_of_a_run_shares_the_x_range(pages, name):
    ranges = [r for axes in pages[name]["x_ranges"].values() for r in axes]
    assert len(ranges) >= 3 and all(r == ranges[0] for r in ranges), pages[name]["x_ranges"]


def test_the_hover_label_at_the_target_month_shows_the_answer_value(folders, browser):
    """Guizhou's plan 2026 target: the answer's total compute in 2026-12 is what the growth chart's
    hover label says at the end of December 2026."""
    open_page(browser, folders["run-guizhou"] / "report.html")
    sentence = next(s for s in answer_sentences(browser) if "Total compute in 2026-12" in s)
    value = re.search(r"Total compute in 2026-12: ([\d,.]+)", sentence).group(1)
    label = hover_text(browser, "chart-growth", "2026-12-31")
    total = re.search(r"total[^|:]*: ([\d,.]+)", label)  # the total's entry: "total, median : 186 [186–187] EFLOPS"
    assert total and total.group(1) == value, label


def test_a_browser_that_cannot_unpack_plotly_says_so_in_each_chart(browser, tmp_path):
    """Without DecompressionStream (browsers before 2023) every chart's place holds a sentence, not a blank."""
    from selenium.webdriver.support.ui import WebDriverWait

    from report_folders import run_folder
    import sim

    page = sim.report.write(run_folder(tmp_path / "run"))[0]
    script = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                     {"source": "delete window.DecompressionStream;"})
    try:
        browser.get(page.resolve().as_uri())
        WebDriverWait(browser, 30).until(lambda d: d.execute_script(
            "return document.querySelectorAll('.plot.unpacked-not').length"))
        texts = browser.execute_script("return Array.from(document.querySelectorAll('.plot')).map(p => p.innerText)")
    finally:
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script["identifier"]})
    assert len(texts) == 5 and all(t.startswith("This chart cannot be drawn here: this browser cannot unpack "
                                                "plotly.js (it needs Chrome or Edge 80") for t in texts), texts
    assert browser.execute_script("return typeof Plotly") == "undefined"
