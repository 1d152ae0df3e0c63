"""Benchmark: how long ``capsim serve`` takes from a slider change to the charts updated, in
headless Chromium (P50 and P95), for the shipped Shanxi and Guizhou scenarios.

    python benchmarks/serve.py [--replications R] [--changes N] [FILE ...]

Each scenario's app is started as ``capsim serve FILE --port 0 -r R`` (a process of its own, as a
user starts it) and opened in headless Chromium. The first lever's slider is set to its lowest
value, then moved N times one step to the right with the keyboard (each step a new setting, so
nothing comes from the app's cache; each step is one request, as a slider released with the
mouse). The time of one change runs from the key press (``performance.now()`` in the page) to the
last ``plotly_afterplot`` of the three charts drawn with the new figures. Prints, per scenario,
the P50, P95 and maximum in milliseconds, and the simulation alone (``sim.simulate`` of the same
replications in this process, the median of five).

The machine may be shared: run it on a quiet machine with two cores for the figures of
docs/serve.md. Speed is measured here, never in the tests.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HOOK = """
window.__t0 = null; window.__drawn = [];
document.addEventListener('keydown', () => { window.__t0 = performance.now(); window.__drawn = []; }, true);
for (const id of ['growth', 'share', 'power']) {
  const gd = document.getElementById(id).querySelector('.js-plotly-plot');
  gd.on('plotly_afterplot', () => { if (window.__t0 !== null) window.__drawn.push([id, performance.now()]); });
}
"""


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,1000", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                     "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def settled(driver) -> bool:
    return driver.execute_script(
        "return document.querySelector('[data-dash-is-loading=\"true\"]') === null && "
        "['growth', 'share', 'power'].every(i => document.getElementById(i)?.querySelector('svg.main-svg'))")


def measure(driver, address: str, changes: int) -> list[float]:
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(address)
    WebDriverWait(driver, 60).until(settled)
    handle = driver.find_element("css selector", ".lever [role='slider']")
    handle.send_keys(Keys.HOME)
    time.sleep(1.0)
    WebDriverWait(driver, 60).until(settled)
    driver.execute_script(HOOK)
    times = []
    for _ in range(changes):
        before = driver.current_url
        handle.send_keys(Keys.ARROW_RIGHT)
        WebDriverWait(driver, 60).until(lambda d: d.current_url != before)
        WebDriverWait(driver, 60).until(lambda d: settled(d) and len({i for i, _ in d.execute_script(
            "return window.__drawn")}) == 3)
        time.sleep(0.05)  # let the last chart's afterplot land
        t0, drawn = driver.execute_script("return [window.__t0, window.__drawn]")
        times.append(max(t for _, t in drawn) - t0)
    return times


def simulate_ms(path: str, replications: int) -> float:
    import sim

    scenario = sim.load_scenario(path)
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        sim.simulate(scenario, replications=replications, seed=0, jobs=1)
        runs.append(1000 * (time.perf_counter() - start))
    return statistics.median(runs)


def main() -> None:
    from sim.serve import DEFAULT_REPLICATIONS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", default=[str(ROOT / "scenarios/shanxi.yaml"), str(ROOT / "scenarios/guizhou.yaml")])
    parser.add_argument("--replications", "-r", type=int, default=DEFAULT_REPLICATIONS)
    parser.add_argument("--changes", "-n", type=int, default=30)
    args = parser.parse_args()
    driver = browser()
    try:
        for path in args.files:
            server = subprocess.Popen([sys.executable, "-m", "sim", "serve", path, "--port", "0", "-r",
                                       str(args.replications)], stdout=subprocess.PIPE, text=True)
            try:
                line = server.stdout.readline()
                address = line[line.index("http://"):].split()[0]
                times = sorted(measure(driver, address, args.changes))
            finally:
                server.terminate()
                server.wait()
            p50 = statistics.median(times)
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            print(f"{Path(path).name}: {args.replications} replications, {len(times)} slider changes: slider change "
                  f"to charts updated P50 {p50:.0f} ms, P95 {p95:.0f} ms, max {times[-1]:.0f} ms; "
                  f"sim.simulate alone {simulate_ms(path, args.replications):.0f} ms")
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
