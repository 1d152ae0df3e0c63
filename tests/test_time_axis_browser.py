"""Issue 25, item 4 in a real browser: hovering a target's month shows that month's value (the one
the text quotes), headed "Mar 2025 (end of month)", and every month axis of the page has the same
range as drawn by plotly.js. Needs headless Chromium and chromedriver (skipped without them away
from CI, as tests/test_report_browser.py)."""

from __future__ import annotations

import os
import shutil

import pytest

import sim
from report_folders import run_folder

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")

if not (CHROMIUM and DRIVER) and not os.environ.get("CI"):
    pytest.skip("headless Chromium not installed (apt-get install chromium chromium-driver)", allow_module_level=True)

pytestmark = pytest.mark.slow  # about 6 s: one Chromium for the module


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """The report of a hand-written run folder, open in headless Chromium (one driver)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    folder = run_folder(tmp_path_factory.mktemp("time") / "run", grid_free_mw=(10.0, 20.0, 30.0))
    report = sim.report.write(folder)[0]
    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1200,2000", "--host-resolver-rules=MAP * ~NOTFOUND", "--no-first-run"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.get(report.resolve().as_uri())
    WebDriverWait(driver, 30).until(lambda d: d.execute_script(
        "return Array.from(document.querySelectorAll('.plot')).every(p => p.querySelector('svg.main-svg'))"))
    yield driver
    driver.quit()


def test_hover_at_the_target_month_shows_that_months_value(page):
    """plan A is due 2025-03; the median total is 2.5 in March and 3 in April (report_folders.TOTAL)."""
    text = page.execute_script("""
        const gd = document.getElementById('chart-growth');
        Plotly.Fx.hover(gd, {xval: gd._fullLayout.xaxis.d2c('2025-03-31')});
        const text = Array.from(gd.querySelectorAll('.hoverlayer text')).map(t => t.textContent).join(' | ');
        Plotly.Fx.unhover(gd);
        return text;""")
    parts = text.split(" | ")
    assert parts[0] == "Mar 2025 (end of month)"
    assert "total, median : 2.50 [2.00–3.00] EFLOPS" in parts  # March's, not April's 3.00
    assert "plan A (plan): ≥ 2 EFLOPS by 2025-03" in parts
    answer = page.find_element("css selector", "#answer").text
    assert "Total compute in 2025-03: 2.50 [2.00–3.00] EFLOPS" in answer  # the text's value, the same


def test_every_month_axis_of_the_page_has_the_same_drawn_range(page):
    ranges = page.execute_script("""
        return Array.from(document.querySelectorAll('.plot')).flatMap(p =>
            Object.keys(p._fullLayout).filter(k => /^xaxis\\d*$/.test(k) && p._fullLayout[k].type === 'date')
                .map(k => p.id + ' ' + p._fullLayout[k].range.join(' to ')));""")
    assert {r.split(" ")[0] for r in ranges} == {"chart-growth", "chart-share", "chart-power", "chart-timeline",
                                                  "chart-limits"}
    assert {r.split(" ", 1)[1] for r in ranges} == {"2025-01-01 to 2025-05-10"}
