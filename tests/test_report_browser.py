"""The report in a real browser: headless Chromium opens the file from file:// with the network
cut off (every host name resolves to nothing, every proxy request goes nowhere) and the tests
check, from Chromium's own logs, that the page asked for nothing but file: and data: addresses,
logged no console error, drew every chart (Plotly's SVG) and shows the answer and the sources.

Needs the Debian packages ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them); away
from CI the tests are skipped without them, in CI they fail.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

import sim
from report_folders import compare_folder, manifest, run_folder, write_folder

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
ALLOWED_SCHEMES = ("file:", "data:", "about:")

if not (CHROMIUM and DRIVER) and not os.environ.get("CI"):
    pytest.skip("headless Chromium not installed (apt-get install chromium chromium-driver)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,2000", "--host-resolver-rules=MAP * ~NOTFOUND",
                     "--proxy-server=http://127.0.0.1:9", "--no-first-run", "--disable-extensions",
                     "--disable-background-networking", "--disable-component-update"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def load(browser, page: Path) -> dict:
    """Open ``page``, wait until every chart has drawn; what the browser logged and found."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get_log("browser"), browser.get_log("performance")  # forget the previous page
    browser.get(page.resolve().as_uri())
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(
        "return Array.from(document.querySelectorAll('.plot')).every(p => p.querySelector('svg.main-svg'))"))
    requests = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] in ("Network.requestWillBeSent", "Network.webSocketCreated"):
            requests.append(message["params"].get("request", message["params"]).get("url", ""))
    return {
        "requests": requests,
        "errors": [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"],
        "plots": browser.execute_script("return document.querySelectorAll('.plot').length"),
        "drawn": browser.execute_script(
            "return Array.from(document.querySelectorAll('.plot')).filter(p => "
            "p.querySelector('svg.main-svg') && p.querySelectorAll('path, rect.point, .point').length > 0).length"),
        "answer": browser.execute_script("return document.getElementById('answer-text').innerText.trim()"),
        "source_rows": browser.execute_script(
            "return document.querySelectorAll('#sources-table tbody tr').length"),
    }


def outside(requests: list[str]) -> list[str]:
    return [url for url in requests if not url.startswith(ALLOWED_SCHEMES)]


def check(found: dict, charts: int) -> None:
    assert outside(found["requests"]) == []
    assert found["errors"] == []
    assert found["plots"] == charts and found["drawn"] == charts
    assert found["source_rows"] > 0


def test_run_report_opens_offline_with_every_chart_drawn(browser, tmp_path):
    page = sim.report.write(run_folder(tmp_path / "run"))[0]
    found = load(browser, page)
    check(found, charts=5)
    verdict, sentence = found["answer"].split("\n\n")[:2]  # the verdict line opens the answer
    assert verdict.startswith("Verdict: At risk: P('plan A' met by 2025-03) 75%")
    assert sentence.startswith("Target 'plan A' (total ≥ 2 EFLOPS, AI share ≥ 50%) by 2025-03: met in 75%")
    assert any(url.startswith("file:") for url in found["requests"])  # the log does see the page's own loads


def test_compare_report_opens_offline_with_the_ranking(browser, tmp_path):
    page = sim.report.write(compare_folder(tmp_path / "cmp"))[0]
    found = load(browser, page)
    check(found, charts=8)  # growth, share, power, timeline, limits, differences, cost-effect, variants
    verdict, sentence = found["answer"].split("\n\n")[:2]
    assert verdict.startswith("Verdict: At risk: P('plan A' met by 2025-03) 75%")
    assert sentence.startswith("Ranked by probability of meeting 'plan A', the best of 4 runs is fast")


@pytest.mark.slow
def test_report_of_a_real_run_opens_offline(browser, tmp_path):
    scenario = sim.load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "example.yaml")
    results = sim.simulate(scenario, replications=20, seed=5, jobs=1)
    folder = sim.write_results(results, tmp_path / "example")
    found = load(browser, sim.report.write(folder)[0])
    check(found, charts=6)  # growth, share, power, timeline, limits, sites
    assert "plan 2027" in found["answer"]


def test_report_of_a_real_solve_opens_offline(browser, tmp_path):
    from explore_scenarios import grid_file, solve_folder

    folder = solve_folder(grid_file(tmp_path / "grid.yaml"), tmp_path / "solve", "--tolerance", "2")
    found = load(browser, folder / "report.html")
    check(found, charts=1)
    assert found["answer"].startswith("Today grid headroom is 5 MW, where the chance is 0%; it needs to be at least "
                                      "about 30 MW for target 'all three online' to be met")


def test_report_of_a_real_explore_opens_offline_with_every_chart_drawn(browser, tmp_path):
    """Bar charts with whiskers (tornado) and heat maps with text (indices by year)."""
    from explore_scenarios import explore_folder, grid_file

    folder = explore_folder(grid_file(tmp_path / "grid.yaml"), tmp_path / "explore")
    found = load(browser, folder / "report.html")
    # per question a tornado in outcome units (3), the P(met) map with PRIM's box (1), an index chart per
    # whole-run output (4), a heat map per yearly one (3)
    check(found, charts=11)
    assert found["answer"].startswith("Varied: 2 assumptions (ranged)")
    assert "grid.headroom_mw" not in found["answer"]  # inputs by their plain labels


def test_run_report_with_sites_draws_a_panel_grid(browser, tmp_path):
    import pandas as pd
    from report_folders import MONTHS

    folder = run_folder(tmp_path / "run", grid_free_mw=(10.0, 20.0, 30.0), supply_stock_pflops=(0.0, 0.0, 50.0))
    pd.DataFrame([{"variant": "base", "month": month, "site": site, "metric": metric, "p10": value - 1, "p50": value,
                   "p90": value + 1}
                  for site, mw in (("north", 100.0), ("county", 3.0), ("east", 40.0)) for month in MONTHS
                  for metric, value in (("facility_mw", mw), ("it_load_mw", mw * 0.8))]).to_csv(
        folder / "sites.csv", index=False)
    found = load(browser, sim.report.write(folder)[0])
    check(found, charts=6)  # growth, share, power, sites, timeline, limits
    assert browser.execute_script("return Array.from(document.querySelectorAll('#chart-sites .annotation-text'))"
                                  ".map(a => a.textContent)") == ["all sites, stacked (median)", "north: peak 100 MW",
                                                                  "county: peak 3 MW", "east: peak 40 MW"]
    # the stack (one trace per site), then per site: the P90 and P10 edges of the band, the median, the IT load
    assert browser.execute_script("return document.querySelectorAll('#chart-sites .scatterlayer .trace').length") == 15


def test_the_checks_see_a_request_and_a_console_error(browser, tmp_path):
    """A page that asks the network for an image and logs an error fails both checks."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><body><div id="answer-text">x</div>'
                    '<img src="http://example.invalid/logo.png" alt="">'
                    '<script>console.error("broken")</script></body></html>', encoding="utf-8")
    found = load(browser, page)
    assert outside(found["requests"]) == ["http://example.invalid/logo.png"]
    assert any("broken" in e for e in found["errors"])


def test_names_show_as_plain_text_in_the_charts_not_as_plotly_markup(browser, tmp_path):
    """A project named '<b>x</b>' is drawn as those characters (tick label, hover text); plotly.js
    makes no bold tspan of it. A '<b>' the page itself puts in a title would be one: the check sees it."""
    from report_folders import annual, monthly, projects, targets

    table = projects()
    table.loc[0, "project"] = "<b>x</b> & <i>y</i>"
    folder = write_folder(tmp_path / "run", {"monthly": monthly(), "annual": annual(), "targets": targets(),
                                             "projects": table})
    page = sim.report.write(folder)[0]
    check(load(browser, page), charts=5)
    found = browser.execute_script(
        "const svg = document.querySelector('#chart-timeline');"
        "return {texts: Array.from(svg.querySelectorAll('text')).map(t => t.textContent),"
        "        bold: svg.querySelectorAll('tspan[style*=\"bold\"]').length,"
        "        italic: svg.querySelectorAll('tspan[style*=\"italic\"]').length,"
        "        elements: svg.querySelectorAll('b, i').length,"
        "        control: document.querySelectorAll('#chart-growth tspan[style*=\"baseline-shift\"], "
        "#chart-growth tspan[dy]').length}")
    assert "<b>x</b> & <i>y</i>" in found["texts"]
    assert found["bold"] == 0 and found["italic"] == 0 and found["elements"] == 0
    assert found["control"] > 0  # the growth chart's title has a real <br><sub>: markup does show as tspans


def test_answer_tables_stay_readable_with_long_descriptions(browser, tmp_path):
    """Long texts (the Shanxi variants' EFLOPS basis and descriptions run to 250 characters) once made text columns
    wrap letter by letter ("supe/rco/mpu/ting") and a 6-row ranking 4,500 px tall: words stay
    whole, no cell is narrower than 40 px, a long text shows three lines with the whole of it on hover."""
    folder = compare_folder(tmp_path / "cmp")
    data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    long = ("Faster approvals: registered projects' drawn delays halved (assumption, range 0.3-0.8) (* rests on an "
            "assumed investor response to the subsidy, supercomputing at FP64, added as quoted) ") * 2
    for v in ("base", "cheap", "fast", "slow"):  # the ranking's "EFLOPS basis" column
        data["runs"][v]["applied"]["set"] = {"accounting": {"label": long}}
    (folder / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    load(browser, sim.report.write(folder)[0])
    browser.set_window_size(1000, 1000)
    cells = browser.execute_script(
        "return Array.from(document.querySelectorAll('#answer td')).map(td => "
        "[td.getBoundingClientRect().width, td.innerText])")
    assert min(width for width, _ in cells) >= 40, [c for c in cells if c[0] < 40]
    assert browser.execute_script("return document.getElementById('ranking').getBoundingClientRect().height") < 500
    clamped = browser.execute_script("return Array.from(document.querySelectorAll('#ranking .clamp')).map(d => "
                                     "[d.title, d.getBoundingClientRect().height])")
    assert clamped and all(title == long.strip() or title == long for title, _ in clamped)
    assert all(height < 80 for _, height in clamped)  # three lines of 13.5 px text
