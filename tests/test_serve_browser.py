"""capsim serve in a real browser: the app runs in a thread of this process on a free port and
headless Chromium (network cut off but for 127.0.0.1) moves its levers with the keyboard, as a
user can. The headline and the charts must be exactly what ``sim.simulate`` gives for the
setting with the same seed and replications; A/B must be the paired difference; a reload and
Back restore the state; a foreign or bad link is refused without a simulation; the page asks
for nothing but the app's own address and logs no console error.

Needs the Debian packages ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import urllib.error
import urllib.request

import pytest

import sim

pytest.importorskip("dash")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
if not (CHROMIUM and DRIVER) and not os.environ.get("CI"):
    pytest.skip("headless Chromium not installed (apt-get install chromium chromium-driver)", allow_module_level=True)

from sim.serve.app import build_app  # noqa: E402
from sim.serve.headline import differences  # noqa: E402
from sim.serve.overlay import charts  # noqa: E402

pytestmark = pytest.mark.slow
REPLICATIONS = 16
SEED = 3


@pytest.fixture(scope="module")
def scenario():
    return sim.load_scenario("scenarios/shanxi.yaml")


@pytest.fixture(scope="module")
def app(scenario):
    from werkzeug.serving import make_server

    dash_app = build_app(scenario, REPLICATIONS, SEED)
    server = make_server("127.0.0.1", 0, dash_app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    dash_app.address = f"http://127.0.0.1:{server.server_port}/"
    yield dash_app
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,1000", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                     "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1", "--no-first-run",
                     "--disable-extensions", "--disable-background-networking", "--disable-component-update"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def status(browser) -> str:
    return browser.execute_script("const e = document.getElementById('status'); return e ? e.innerText : ''")


def wait_for(browser, text: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 30).until(lambda d: text in status(d) and not d.execute_script(
        "return document.querySelector('[data-dash-is-loading=\"true\"]') !== null"))


def press(browser, path: str, key: str) -> None:
    from selenium.webdriver.common.keys import Keys

    handle = browser.find_element("css selector", f'.lever[data-path="{path}"] [role="slider"]')
    handle.send_keys(getattr(Keys, key))


def shown(browser) -> dict:
    """The headline's values and the charts' traces as the page has them (once every chart is drawn)."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 30).until(lambda d: d.execute_script(
        "return ['growth', 'share', 'power'].every(i => document.getElementById(i) && "
        "document.getElementById(i).querySelector('.js-plotly-plot svg.main-svg'))"))
    return browser.execute_script("""
        const out = {headline: {}, charts: {}};
        document.querySelectorAll('[id^="headline-"]').forEach(e => out.headline[e.id] = e.dataset.value);
        for (const id of ['growth', 'share', 'power']) {  // Shanxi has no goals chart (its AI EFLOPS target is calibration)
            const gd = document.getElementById(id).querySelector('.js-plotly-plot');
            out.charts[id] = gd ? gd.data.map(t => ({name: t.name, x: t.x, y: t.y})) : null;
        }
        return out;""")


def expected(scenario, values: dict) -> tuple[dict, dict, object]:
    setting = sim.simulate(sim.apply_variant(scenario, None, values), replications=REPLICATIONS, seed=SEED)
    base = sim.simulate(scenario, replications=REPLICATIONS, seed=SEED)
    specs = [t.model_dump(mode="json", by_alias=True, exclude_none=True) | {"role": t.role or "plan"}
             for t in scenario.targets]
    drawn = {c.id: json.loads(c.figure.to_json())["data"] for c in charts(base, setting, specs, "as reported")}
    return ({i: [{"name": t["name"], "x": t.get("x"), "y": t.get("y")} for t in data] for i, data in drawn.items()},
            {"p": float(setting.targets["probability"].iloc[0])}, setting)


def test_moving_levers_shows_exactly_what_simulate_gives(app, browser, scenario):
    browser.get(app.address)
    wait_for(browser, "every lever at today's value")
    press(browser, "grid.headroom_mw", "HOME")  # the lowest grid headroom: 435 MW
    wait_for(browser, "grid.headroom_mw = 435")
    press(browser, "policies.capex_subsidy.rate", "END")  # the highest subsidy rate: 0.15
    wait_for(browser, "policies.capex_subsidy.rate = 0.15")
    assert "grid.headroom_mw=435" in browser.current_url and "policies.capex_subsidy.rate=0.15" in browser.current_url
    chart_data, head, setting = expected(scenario, {"grid.headroom_mw": 435, "policies.capex_subsidy.rate": 0.15})
    found = shown(browser)
    assert float(found["headline"]["headline-p-0"]) == head["p"]
    assert float(found["headline"]["headline-power"]) == float(
        setting.monthly[setting.monthly["metric"] == "facility_mw"]["p50"].max())
    assert found["charts"] == chart_data
    assert any(t["name"].startswith("base: ") for t in found["charts"]["growth"])  # the base in grey, under


def test_pin_a_then_b_shows_the_paired_difference(app, browser, scenario):
    browser.get(app.address + "?grid.headroom_mw=435")
    wait_for(browser, "grid.headroom_mw = 435")
    browser.find_element("id", "pin").click()
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 30).until(lambda d: d.find_elements("id", "ab-table"))
    press(browser, "grid.headroom_mw", "END")  # B: today's 2,117 MW
    wait_for(browser, "every lever at today's value")
    WebDriverWait(browser, 30).until(lambda d: len(d.find_elements("css selector", "#ab-table td.diff")) > 0)
    a = sim.simulate(sim.apply_variant(scenario, None, {"grid.headroom_mw": 435}), replications=REPLICATIONS, seed=SEED)
    b = sim.simulate(scenario, replications=REPLICATIONS, seed=SEED)
    rows = differences(a, b)
    cells = browser.execute_script(
        "return Array.from(document.querySelectorAll('#ab-table td.diff')).map(e => e.dataset.value)")
    assert [float(c) for c in cells] == [r["diff"] for r in rows]
    energy = next(r for r in rows if r["output"] == "energy (TWh)")
    assert energy["diff"] > 0 and energy["low"] > 0  # more grid, more energy: an interval above zero
    browser.find_element("id", "unpin").click()


def test_reload_and_back_restore_the_state(app, browser):
    browser.get(app.address + "?grid.headroom_mw=1000")
    wait_for(browser, "grid.headroom_mw = 1000")
    before = shown(browser)
    press(browser, "grid.headroom_mw", "HOME")
    wait_for(browser, "grid.headroom_mw = 435")
    browser.back()
    wait_for(browser, "grid.headroom_mw = 1000")
    assert shown(browser) == before
    browser.refresh()
    wait_for(browser, "grid.headroom_mw = 1000")
    assert shown(browser) == before
    value = browser.find_element("css selector", '.lever[data-path="grid.headroom_mw"] [role="slider"]')
    assert value.get_attribute("aria-valuenow") == "1000"


@pytest.mark.parametrize("query, message", [
    ("?scenario=000000000000&grid.headroom_mw=900", "this link was made with another scenario"),
    ("?capsim=0.0.1&grid.headroom_mw=900", "this link was made with capsim '0.0.1'"),
    ("?grid.headroom_mw=99999", "99999 is outside the lever's range 435 to 2117"),
    ("?grid.headroom_mw=9e", "must be a decimal number"),
])
def test_a_foreign_or_bad_link_is_refused_and_not_simulated(app, browser, query, message):
    runs = app.runner.runs
    browser.get(app.address + query)
    wait_for(browser, "Refused, not simulated")
    assert message in status(browser)
    assert app.runner.runs == runs


def test_a_bad_request_gets_a_4xx_and_no_simulation(app):
    runs = app.runner.runs
    for query, code in (("grid.headroom_mw=99999", 400), ("grid.headroom_mw=nan", 400),
                        ("scenario=0&grid.headroom_mw=900", 409), ("bogus=1", 400)):
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(f"{app.address}download/tables.zip?{query}", timeout=30)
        assert caught.value.code == code
    assert app.runner.runs == runs


def callback_request(app, values: list, search: str = "") -> dict:
    """The request the page sends when a slider moves, with ``values`` as the sliders' values."""
    levers = [{"id": {"index": i, "type": "lever"}, "property": "value"} for i in range(len(values))]
    outputs = ["url.search", '{"index":["ALL"],"type":"lever"}.value', "variant.value", "status.children",
               "headline.children", "ab.children", "growth.figure", "share.figure", "power.figure",
               *(["goals.figure"] if "goals" in str(app.layout) else []), "get-yaml.href",
               "get-zip.href"]
    return {"output": ".." + "...".join(outputs) + "..",
            "outputs": [{"id": o.split(".")[0], "property": o.split(".")[1]} if i != 1 else levers
                        for i, o in enumerate(outputs)],
            "inputs": [{"id": "url", "property": "search", "value": search},
                       [{**lever, "value": v} for lever, v in zip(levers, values)],
                       {"id": "variant", "property": "value", "value": None},
                       {"id": "pinned", "property": "data", "value": None}],
            "changedPropIds": ['{"index":0,"type":"lever"}.value'], "state": []}


def post(app, body: bytes) -> tuple[int, str]:
    request = urllib.request.Request(app.address + "_dash-update-component", data=body,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def test_a_forged_callback_request_is_refused_and_not_simulated(app):
    today = [lever.today for lever in app.levers]
    status, text = post(app, json.dumps(callback_request(app, [500.0] + today[1:])).encode())
    assert status == 200 and "grid.headroom_mw = 500" in text  # the request as the page sends it
    runs = app.runner.runs
    for values, message in (([1e9] + today[1:], "outside the lever's range"),
                            (["435"] + today[1:], "must be a finite number"),
                            ([None] + today[1:], "must be a finite number"),
                            (today[:-1], "does not match this app's levers")):
        status, text = post(app, json.dumps(callback_request(app, values)).encode())
        assert status == 400 and "refused, not simulated" in text and message in text
    assert post(app, b"{" + b" " * (2 << 20) + b"}")[0] == 413
    assert app.runner.runs == runs


def test_the_page_asks_only_its_own_address_and_logs_no_error(app, browser):
    browser.get_log("browser"), browser.get_log("performance")
    browser.get(app.address + "?variant=no-subsidy")
    wait_for(browser, "variant no-subsidy")
    requests = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] in ("Network.requestWillBeSent", "Network.webSocketCreated"):
            requests.append(message["params"].get("request", message["params"]).get("url", ""))
    assert requests and [u for u in requests if not u.startswith((app.address, "data:", "blob:"))] == []
    assert [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
