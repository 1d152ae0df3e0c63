"""Headless Chromium for the report's pages: one driver, cut off from the network, and small
functions that read what a reader sees (tests/test_report_pages.py). Each returns plain data
(lists of texts, numbers), so an assertion reads as the property it checks. Also a screenshot
command for docs/img/:

    python tests/report_pages.py results/shanxi/report.html docs/img/report.png [HEIGHT_PX [SELECTOR]]
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import sys
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
ALLOWED_SCHEMES = ("file:", "data:", "about:")
OFFLINE = ("--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9")
"""Every host name resolves to nothing and every proxied request goes nowhere."""


def chromium(width: int = 1000, height: int = 1000):
    """A headless Chromium driver with its console and network logged."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={width},{height}", *OFFLINE, "--no-first-run", "--disable-extensions",
                     "--disable-background-networking", "--disable-component-update", "--hide-scrollbars"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(60)
    return driver


def open_page(driver, page: Path, width: int = 1000) -> dict:
    """Open ``page`` at ``width`` CSS pixels, wait until every chart has drawn; the addresses asked
    for and the console's errors while it loaded."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get_log("browser"), driver.get_log("performance")  # forget the previous page
    driver.set_window_size(width, 1000)
    driver.get(Path(page).resolve().as_uri())
    WebDriverWait(driver, 30).until(lambda d: d.execute_script(
        "return Array.from(document.querySelectorAll('.plot')).every(p => p.querySelector('svg.main-svg'))"))
    requests = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] in ("Network.requestWillBeSent", "Network.webSocketCreated"):
            requests.append(message["params"].get("request", message["params"]).get("url", ""))
    return {"requests": requests, "errors": [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]}


def outside(requests: list[str]) -> list[str]:
    """The addresses that are not the page's own file or inline data."""
    return [url for url in requests if not url.startswith(ALLOWED_SCHEMES)]


def charts(driver) -> dict[str, int]:
    """Each chart's id and how many marks (paths, points, bars, cells) it drew."""
    return driver.execute_script(
        "const out = {}; document.querySelectorAll('.plot').forEach(p => { out[p.id] = p.querySelector('svg.main-svg') ?"
        " p.querySelectorAll('path, rect.point, .point').length : 0; }); return out;")


def visible_text(driver) -> str:
    """The page's text as shown (closed ``<details>`` and hidden elements left out)."""
    return driver.execute_script("return document.body.innerText")


def answer_sentences(driver) -> list[str]:
    """The answer box's paragraphs, in order (the verdict first)."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#answer-text p')).map(p => p.innerText.trim())")


def wider_than_viewport(driver) -> list[str]:
    """Elements that reach past the viewport's right edge (or start left of it), outside any box
    that scrolls, as ``tag#id.class (width px)``; also the page itself if it scrolls sideways."""
    return driver.execute_script("""
      const edge = document.documentElement.clientWidth, out = [];
      if (document.documentElement.scrollWidth > edge) out.push('page (scrolls sideways to ' +
          document.documentElement.scrollWidth + ' px)');
      for (const el of document.body.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || (r.right <= edge + 0.5 && r.left >= -0.5)) continue;
        if (r.right + scrollX <= 0 || r.bottom + scrollY <= 0) continue;  // parked off the page (plotly's text tester)
        let clipped = false;
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
          const o = getComputedStyle(p).overflowX;
          if (o !== 'visible' && p.getBoundingClientRect().right <= edge + 0.5) { clipped = true; break; }
        }
        if (!clipped) out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
          (el.className && el.className.baseVal === undefined ? '.' + el.className.split(' ').join('.') : '') +
          ' (' + Math.round(r.width) + ' px)');
      }
      return out;""")


DOTTED_PATH = re.compile(r"(?<![\w./-])[a-z][a-z0-9_]*(?:\.[a-zA-Z0-9_-]*[a-zA-Z_][a-zA-Z0-9_-]*)+(?![\w/])")
"""A scenario path such as ``grid.headroom_mw`` or ``projects.a.it_mw`` (not ``report.html``,
``sources.md``, ``monthly.csv``, ``0.5``)."""
FILE_NAMES = re.compile(r"\.(?:html|md|csv|yaml|yml|json|png|xlsx|py)$")


def dotted_paths(text: str) -> list[str]:
    """The scenario paths written in ``text`` (file names left out)."""
    return [m for m in DOTTED_PATH.findall(text) if not FILE_NAMES.search(m) and m not in ("e.g", "i.e")]


def x_ranges(driver, section: str = "charts") -> dict[str, list]:
    """Each drawn chart of ``section``: the range of every x axis that is a date axis."""
    return driver.execute_script("""
      const out = {};
      document.querySelectorAll('#' + arguments[0] + ' .plot').forEach(gd => {
        const axes = Object.keys(gd._fullLayout).filter(k => /^xaxis\\d*$/.test(k) && gd._fullLayout[k].type === 'date');
        if (axes.length) out[gd.id] = axes.map(k => gd._fullLayout[k].range);
      });
      return out;""", section)


def hover_text(driver, chart_id: str, x: str) -> str:
    """What the hover label of ``chart_id`` says at ``x`` (a value of its first x axis: ``2026-12-31``),
    every text of it joined by `` | ``."""
    return driver.execute_script("""
      const gd = document.getElementById(arguments[0]);
      Plotly.Fx.hover(gd, {xval: gd._fullLayout.xaxis.d2c(arguments[1])});
      const text = Array.from(gd.querySelectorAll('.hoverlayer text')).map(t => t.textContent).join(' | ');
      Plotly.Fx.unhover(gd);
      return text;""", chart_id, x)


def print_pdf(driver) -> bytes:
    """The page printed to PDF by Chromium (the page's own @page size: landscape A4)."""
    from selenium.webdriver.common.print_page_options import PrintOptions

    options = PrintOptions()
    options.orientation = "landscape"
    options.page_width, options.page_height = 29.7, 21.0
    return base64.b64decode(driver.print_page(options))


def pdf_pages(pdf: bytes) -> int:
    """How many pages a PDF has (its ``/Type /Page`` objects)."""
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


def printed_pages(driver, open_details: bool = False) -> int:
    """Pages of the printout; with ``open_details`` every ``<details>`` opened first (the appendix
    of sources and the Reproduce block prints only then), and closed again after."""
    if open_details:
        driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    try:
        return pdf_pages(print_pdf(driver))
    finally:
        if open_details:
            driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = false)")


def screenshot(page: Path, out: Path, height: int = 2400, width: int = 1200, start: str | None = None) -> Path:
    """A PNG of ``height`` px of ``page`` at ``width`` px (docs/img/): its top, or from the element
    ``start`` (a CSS selector such as ``#compare``)."""
    driver = chromium(width, height)
    try:
        open_page(driver, page, width)
        driver.set_window_size(width, height)
        driver.execute_script("window.dispatchEvent(new Event('resize'))")
        driver.execute_script("return new Promise(r => setTimeout(r, 500))")
        if start:
            driver.execute_script("document.querySelector(arguments[0]).scrollIntoView()", start)
        Path(out).write_bytes(driver.get_screenshot_as_png())
    finally:
        driver.quit()
    return Path(out)


if __name__ == "__main__":
    print(screenshot(Path(sys.argv[1]), Path(sys.argv[2]), *(int(a) for a in sys.argv[3:4]), start=(sys.argv[4:5] or [None])[0]))
