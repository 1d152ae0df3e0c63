"""capsim serve without a browser: the levers, the URL state and its checks, the runner (one at a
time, stale requests dropped), the charts' overlay, the downloads. The app in a browser:
tests/test_serve_browser.py."""

from __future__ import annotations

import io
import json
import math
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings, strategies as st

import sim
from sim.serve.compute import Busy, Runner
from sim.serve.downloads import tables_zip, variant_yaml
from sim.serve.levers import DEFAULT_SOURCE, levers_of
from sim.serve.overlay import GREY, charts, overlay
from sim.serve.state import Refused, State, decode, encode, number_text, scenario_hash

pytest.importorskip("dash")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def shanxi():
    return sim.load_scenario("scenarios/shanxi.yaml")


@pytest.fixture(scope="module")
def guizhou():
    return sim.load_scenario("scenarios/guizhou.yaml")


@pytest.fixture(scope="module")
def levers(shanxi):
    return levers_of(shanxi)


def test_shanxi_levers_are_its_explore_levers_first_with_their_ranges_and_sources(shanxi, levers):
    by_path = {lever.path: lever for lever in levers}
    assert [lever.path for lever in levers][:9] == list(shanxi.explore.levers)
    grid = by_path["grid.headroom_mw"]
    assert (grid.low, grid.high, grid.today, grid.unit, grid.label) == (435, 2117, 2117, "MW", "Grid headroom for new projects")
    assert grid.source.startswith("FACTS B (2,228 MVA applied for, H)")
    rate = by_path["policies.capex_subsidy.rate"]
    assert (rate.low, rate.high, rate.today, rate.group) == (0.095, 0.15, 0.095, "explore.levers")
    # the statuses' uncertainties not in explore.levers: construction's go probability 0..1, its
    # longest delay from the mode (4) to max(2 x 12, 12 + 6) = 24 months
    go = by_path["uncertainty.go_probability.construction"]
    assert (go.low, go.high, go.today, go.group) == (0, 1, 1, "uncertainty")
    delay = by_path["uncertainty.delay_months.construction.high"]
    assert (delay.low, delay.high, delay.today, delay.unit) == (4, 24, 12, "months")


def test_guizhou_without_explore_levers_gets_its_policy_grid_and_uncertainties(guizhou):
    by_path = {lever.path: lever for lever in levers_of(guizhou)}
    assert list(by_path) == ["policies.pue_cap.max_annual_pue", "grid.headroom_mw",
                             "uncertainty.go_probability.construction", "uncertainty.delay_months.construction.high",
                             "uncertainty.go_probability.planned", "uncertainty.delay_months.planned.high"]
    pue = by_path["policies.pue_cap.max_annual_pue"]
    assert (pue.low, pue.high, pue.today) == (1.05, 1.6, 1.25) and pue.source.startswith(DEFAULT_SOURCE)
    grid = by_path["grid.headroom_mw"]  # 0 to max(2 x 200, 500)
    assert (grid.low, grid.high, grid.today) == (0, 500, 200)
    planned = by_path["uncertainty.delay_months.planned.high"]  # mode 2 to max(16, 14)
    assert (planned.low, planned.high, planned.today) == (2, 16, 8)


def test_a_lever_refuses_what_is_not_a_finite_number_in_its_range(levers):
    grid = levers[0]
    assert grid.check(435) is None and grid.check(2117.0) is None
    assert grid.check(434.9) == "grid.headroom_mw: 434.9 is outside the lever's range 435 to 2117"
    for bad in (math.nan, math.inf, "900", None, True):
        assert "must be a finite number" in grid.check(bad)


def test_the_url_holds_hash_version_seed_variant_and_the_moved_levers_only(levers):
    state = State({"grid.headroom_mw": 900.0, "policies.capex_subsidy.rate": 0.12}, "grid-tight", 7)
    text = encode(state, "abc123", "0.1.0")
    assert text == ("?scenario=abc123&capsim=0.1.0&seed=7&variant=grid-tight&grid.headroom_mw=900"
                    "&policies.capex_subsidy.rate=0.12")
    assert decode(text, levers, ["grid-tight"], "abc123", "0.1.0") == state
    # a lever at today's value is not part of the state
    assert decode("?grid.headroom_mw=2117", levers, [], "abc123", "0.1.0") == State({}, None, 0)
    assert decode("", levers, [], "abc123", "0.1.0", default_seed=3) == State({}, None, 3)


@pytest.mark.parametrize("query, message", [
    ("scenario=ffff&grid.headroom_mw=900", "this link was made with another scenario"),
    ("capsim=9.9&grid.headroom_mw=900", "this link was made with capsim '9.9', this is '0.1.0'"),
    ("grid.headroom_mw=99999", "99999 is outside the lever's range 435 to 2117"),
    ("grid.headroom_mw=abc", "grid.headroom_mw: must be a decimal number (got 'abc')"),
    ("grid.headroom_mw=nan", "must be a decimal number"),
    ("grid.headroom_mw=1e999", "must be a finite number"),
    ("grid.headroom_mw=0x10", "must be a decimal number"),
    ("grid.headroom_mw=900&grid.headroom_mw=901", "'grid.headroom_mw' is given twice"),
    ("projects.x.it_mw=5", "'projects.x.it_mw' is not a lever of this scenario"),
    ("variant=nope", "unknown variant 'nope'"),
    ("seed=-1", "seed must be a whole number"),
    ("seed=1.5", "seed must be a whole number"),
    ("grid.headroom_mw", "has no value"),
    ("x=" + "9" * 5000, "too long"),
])
def test_a_bad_or_foreign_link_is_refused_with_a_reason(levers, query, message):
    with pytest.raises(Refused, match=None) as caught:
        decode("?" + query, levers, ["grid-tight"], "abc123", "0.1.0")
    assert message in str(caught.value)
    assert caught.value.mismatch == message.startswith("this link was made")


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_state_in_range_survives_the_url_round_trip(levers, data):
    values = {}
    for lever in levers:
        if data.draw(st.booleans()):
            value = data.draw(st.floats(lever.low, lever.high, allow_nan=False))
            if value != lever.today:
                values[lever.path] = value
    state = State(values, data.draw(st.sampled_from([None, "a-b", "x y/é"])), data.draw(st.integers(0, 2**63 - 1)))
    assert decode(encode(state, "h", "v"), levers, ["a-b", "x y/é"], "h", "v") == state
    assert all(float(number_text(v)) == v for v in values.values())


def test_the_scenario_hash_follows_its_content_not_its_file(shanxi):
    same = sim.load_scenario("scenarios/shanxi.yaml")
    other = sim.apply_variant(shanxi, None, {"grid.headroom_mw": 900})
    assert scenario_hash(shanxi) == scenario_hash(same) != scenario_hash(other)
    assert len(scenario_hash(shanxi)) == 12


@pytest.fixture(scope="module")
def runner(shanxi):
    return Runner(shanxi, 8, 0)


def test_a_setting_runs_with_the_base_seed_and_common_random_numbers(runner, shanxi):
    state = State({"grid.headroom_mw": 900.0}, None, 0)
    results = runner.run(state)
    expected = sim.simulate(sim.apply_variant(shanxi, None, {"grid.headroom_mw": 900}), replications=8, seed=0)
    assert results.series["total_eflops"].tolist() == expected.series["total_eflops"].tolist()
    before = runner.runs
    assert runner.run(state) is results and runner.runs == before  # cached


def test_a_stale_request_is_not_run_and_a_full_queue_is_refused(runner, monkeypatch):
    first = runner.ticket()
    runner.ticket()  # a newer request came meanwhile
    before = runner.runs
    assert runner.run(State({"grid.headroom_mw": 901.0}, None, 0), first) is None
    assert runner.runs == before
    monkeypatch.setattr(runner, "_waiting", [None] * 4)
    with pytest.raises(Busy, match="4 requests are waiting"):
        runner.run(State({"grid.headroom_mw": 902.0}, None, 0))
    monkeypatch.setattr(runner, "_waiting", [first] * 4)  # superseded waiters do not count
    assert runner.run(State({"grid.headroom_mw": 902.0}, None, 0), runner.ticket()) is not None


def test_a_burst_runs_the_one_running_then_the_last_value_never_refused(shanxi, monkeypatch):
    """Ten slider requests (headroom 600 to 933) while the first runs: the older waiting ones are
    dropped (None), none is refused as Busy, and the last value is the one computed next."""
    import threading

    import sim.serve.compute as compute

    app = Runner(shanxi, 2, 0)
    started, release, ran = threading.Event(), threading.Event(), []

    def fake(scenario, replications, seed, jobs):
        ran.append(scenario.grid.headroom_mw)
        started.set()
        assert release.wait(60)
        return ran[-1]

    monkeypatch.setattr(compute, "simulate", fake)
    answers, took = {}, threading.Event()

    def request(value):
        ticket = app.ticket()
        took.set()  # the next request is sent after this one arrived: the order of a burst
        try:
            answers[value] = app.run(State({"grid.headroom_mw": value}, None, 0), ticket)
        except Busy as exc:
            answers[value] = exc

    values = [600.0 + 37 * k for k in range(10)]  # 600 ... 933
    threads = []
    for value in values:
        took.clear()
        threads.append(threading.Thread(target=request, args=(value,)))
        threads[-1].start()
        assert took.wait(60)
        if value == 600.0:
            assert started.wait(60)  # 600 is running
    release.set()
    for thread in threads:
        thread.join(60)
    assert ran == [600.0, 933.0]
    assert answers == {600.0: 600.0, **{v: None for v in values[1:-1]}, 933.0: 933.0}


def test_the_base_is_grey_under_the_setting_in_colour(runner):
    base, setting = runner.run(State(seed=0)), runner.run(State({"grid.headroom_mw": 900.0}, None, 0))
    drawn = charts(base, setting, [t.model_dump(mode="json", by_alias=True) | {"role": t.role or "plan"}
                                   for t in base.scenario.targets], "as reported")
    # Shanxi's only target on a goals measure (intelligent EFLOPS) is a calibration target: no goals chart
    assert [c.id for c in drawn] == ["growth", "share", "power"]
    growth = drawn[0].figure.data
    greys = [t for t in growth if t.get("legendgroup") == "base"]
    assert greys and all(t.get("line", {}).get("color", GREY) == GREY for t in greys)
    assert not any(t["name"].startswith("base: target") for t in growth)  # the targets once
    assert [t["showlegend"] for t in greys] == [True] + [False] * (len(greys) - 1)  # one legend entry
    assert {t["legendgroup"] for t in greys} == {"base"}
    assert growth[len(greys)]["name"] == "total P90"  # the setting's traces drawn after (over) the base's
    assert overlay(None, drawn[1]) is drawn[1]


def test_the_downloads_are_a_variant_capsim_accepts_and_the_tables(runner, shanxi, tmp_path):
    state = State({"grid.headroom_mw": 900.0}, "no-subsidy", 0)
    text = variant_yaml(runner, state, "h").decode()
    assert "# run it as it is: capsim run FILE -r 8 --seed 0 --variant no-subsidy --set grid.headroom_mw=900.0" in text
    assert "run: capsim run FILE -r 8 --seed 0 --variant serve-setting\n" in text
    entry = yaml.safe_load(text)["serve-setting"]
    assert entry["set"] == {"policies.capex_subsidy.rate": 0, "grid.headroom_mw": 900.0}
    data = shanxi.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["variants"] = {**data["variants"], **yaml.safe_load(text)}
    mine = sim.apply_variant(sim.scenario_from_data(data), "serve-setting")
    assert mine.grid.headroom_mw == 900 and mine.policies.capex_subsidy.rate == 0
    names = zipfile.ZipFile(io.BytesIO(tables_zip(runner, state, "h"))).namelist()
    assert names == ["monthly.csv", "annual.csv", "targets.csv", "projects.csv", "variant.yaml"]


def test_serve_works_without_pyyaml():
    # `pip install -e '.[serve]'` has no PyYAML (only the test extra has it): every serve module
    # imports and the variant download is written with ruamel, capsim's own YAML library.
    code = ("import sys; sys.modules['yaml'] = None\n"
            "import importlib, pkgutil, sim, sim.serve\n"
            "for m in pkgutil.iter_modules(sim.serve.__path__): importlib.import_module('sim.serve.' + m.name)\n"
            "from sim.serve.compute import Runner\nfrom sim.serve.state import State\n"
            "from sim.serve.downloads import variant_yaml\n"
            "r = Runner(sim.load_scenario('scenarios/shanxi.yaml'), 1)\n"
            "sys.stdout.write(variant_yaml(r, State({'grid.headroom_mw': 900.0}, None, 0), 'h').decode())\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("serve-setting:\n  description: a setting made in capsim serve\n"
                                "  source: capsim serve (scenario h, capsim 0.1.0)\n"
                                "  set:\n    grid.headroom_mw: 900.0\n")


def test_slider_marks_fit_the_slider_and_today_never_prints_over_an_end():
    from sim.serve.levers import Lever
    from sim.serve.marks import LEFT, RIGHT, short_number, slider_marks

    def lever(low, today, high):
        return Lever("p", "p", "", today, low, high, False, "s", "policy")

    assert [short_number(v) for v in (0.0625, 1500, 25_000, 200_000_000, 2e9)] == \
        ["0.0625", "1,500", "25,000", "200 M", "2 bn"]
    middle = slider_marks(lever(0.0625, 50e6, 200e6))  # today 25% of the way: a mark of its own
    assert middle == {0.0625: {"label": "0.0625", "style": {**LEFT, "white-space": "nowrap"}},
                      200e6: {"label": "200 M", "style": RIGHT}, 50e6: {"label": "today"}}
    assert [m["label"] for m in slider_marks(lever(0, 0, 10)).values()] == ["0 (today)", "10"]
    assert [m["label"] for m in slider_marks(lever(0, 1.5, 10)).values()] == ["0 (today 1.5)", "10"]  # 15%: merged
    assert [m["label"] for m in slider_marks(lever(0, 8.5, 10)).values()] == ["0", "(today 8.5) 10"]
    assert [m["label"] for m in slider_marks(lever(0, 10, 10)).values()] == ["0", "10 (today)"]


def test_the_app_draws_the_goals_chart_and_one_time_axis():
    # tests/data/review-gansu.yaml: targets on racks, utilisation, PUE and green share (a reviewer's file)
    from sim.report.timeaxis import date_axes
    from sim.serve.app import build_app

    gansu = sim.load_scenario(ROOT / "tests" / "data" / "review-gansu.yaml")
    specs = [{**t.model_dump(mode="json", by_alias=True, exclude_none=True), "role": t.role or "plan"}
             for t in gansu.targets]
    runner = Runner(gansu, 2)
    drawn = charts(runner.run(State(seed=0)), runner.run(State({"policies.capex_subsidy.rate": 0.1}, None, 0)),
                   specs, "as reported")
    assert [c.id for c in drawn] == ["growth", "share", "power", "goals"]
    ranges = {tuple(c.figure.layout[n]["range"]) for c in drawn for n in date_axes(c.figure.layout)}
    assert len(ranges) == 1  # capacity, AI share and power side by side on one month range
    goals = {t.get("name", "") for t in drawn[3].figure.data}
    assert "base (grey)" in goals
    assert "goals" in str(build_app(gansu, 2, runner=runner).layout)
    assert "'goals'" not in str(build_app(sim.load_scenario("scenarios/guizhou.yaml"), 2).layout)  # EFLOPS, share


def test_the_downloaded_command_gives_the_apps_numbers(guizhou, tmp_path):
    """The YAML's "run it as it is" command has the app's replications (-r), not capsim run's
    default 1,000: its tables are the app's, which are sim.simulate's with the same seed and R."""
    import shlex

    import pandas as pd

    from safety import capsim

    app = Runner(guizhou, 7, 0)
    state = State({"grid.headroom_mw": 300.0}, None, 0)
    line = next(x for x in variant_yaml(app, state, "h").decode().splitlines() if x.startswith("# run it as it is:"))
    args = shlex.split(line.split("capsim run ", 1)[1])
    assert args[:3] == ["FILE", "-r", "7"]
    done = capsim("run", "scenarios/guizhou.yaml", *args[1:], "--out", tmp_path / "out", "--no-plots", "--no-report", "-q")
    assert done.returncode == 0, done.stderr
    mine = app.run(state)
    expected = sim.simulate(sim.apply_variant(guizhou, None, {"grid.headroom_mw": 300}), replications=7, seed=0)
    for name in ("annual", "targets"):
        written = pd.read_csv(tmp_path / "out" / f"{name}.csv")
        pd.testing.assert_frame_equal(getattr(mine, name).reset_index(drop=True),
                                      getattr(expected, name).reset_index(drop=True))
        shown = pd.read_csv(io.StringIO(getattr(mine, name).to_csv(index=False)))
        pd.testing.assert_frame_equal(written, shown)


def test_the_headline_pue_is_against_the_scenarios_pue_aim_not_the_new_build_cap(guizhou):
    from sim.serve.headline import headline

    base = {f.id: f for f in headline(sim.simulate(guizhou, replications=3, seed=0))}
    assert base["pue"].label == "Annual PUE 2028 (P50)"
    assert base["pue"].text == (f"{base['pue'].value:.3f} (no PUE aim for the fleet in the scenario; "
                                f"the PUE cap 1.25 binds new builds only)")
    data = guizhou.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["targets"] = [*data["targets"], {"name": "PUE aim", "by": "2027-12", "pue": 1.2}]
    results = sim.simulate(sim.scenario_from_data(data), replications=3, seed=0)
    pue = float(results.annual.query("metric == 'pue' and year.astype('str') == '2027'")["p50"].iloc[0])
    assert pue > 1.2
    figures = {f.id: f for f in headline(results)}
    assert (figures["pue"].label, figures["pue"].value) == ("Annual PUE 2027 (P50)", pue)
    assert figures["pue"].text == f"{pue:.3f}, {pue - 1.2:.3f} above the aim of 1.2 (PUE aim)"
    met = figures["p-4"]  # the target's P(met) says how far over, not "short ... too high"
    assert met.label == "P(PUE aim met by 2027-12)"
    assert f"; in 2027-12: PUE {pue - 1.2:.3f} above the aim of 1.2 at the median" in met.text
    assert "short" not in met.text and "too high" not in met.text


def test_the_download_says_when_a_lever_overrides_a_value_the_variant_sets(runner):
    fp16 = State({"accounting.factors.FP16": 0.5, "grid.headroom_mw": 900.0}, "fp32-equivalent", 0)
    entry = yaml.safe_load(variant_yaml(runner, fp16, "h").decode())["serve-setting"]
    # the variant sets FP16 x 0.25 (and its label says so); the lever's 0.5 is what runs, and said
    assert entry["description"] == ("a setting made in capsim serve: variant fp32-equivalent, with "
                                    "accounting.factors.FP16 set to 0.5 (the variant sets 0.25)")
    assert entry["set"]["accounting"]["factors"]["FP16"] == 0.25 and entry["set"]["accounting.factors.FP16"] == 0.5
    plain = State({"grid.headroom_mw": 900.0}, "no-subsidy", 0)  # a lever the variant does not set: no override
    assert yaml.safe_load(variant_yaml(runner, plain, "h").decode())["serve-setting"]["description"] == (
        "a setting made in capsim serve: variant no-subsidy")


def answer_request(n: int, values: list, variant=None, pinned=None, search: str = "") -> dict:
    """The callback request the page sends when a slider moves (as tests/test_serve_browser.py's)."""
    levers = [{"id": {"index": i, "type": "lever"}, "property": "value"} for i in range(n)]
    outputs = ["url.search", '{"index":["ALL"],"type":"lever"}.value', "variant.value", "status.children",
               "headline.children", "ab.children", "growth.figure", "share.figure", "power.figure", "get-yaml.href",
               "get-zip.href"]
    return {"output": ".." + "...".join(outputs) + "..",
            "outputs": [{"id": o.split(".")[0], "property": o.split(".")[1]} if i != 1 else levers[:len(values)]
                        for i, o in enumerate(outputs)],
            "inputs": [{"id": "url", "property": "search", "value": search},
                       [{**lever, "value": v} for lever, v in zip(levers, values)],
                       {"id": "variant", "property": "value", "value": variant},
                       {"id": "pinned", "property": "data", "value": pinned}],
            "changedPropIds": ['{"index":0,"type":"lever"}.value'], "state": []}


def test_a_malformed_callback_request_gets_400_and_no_simulation(guizhou):
    from sim.serve.app import build_app
    from sim.version import __version__

    runner = Runner(guizhou, 2, 0)
    app = build_app(guizhou, 2, 0, runner)
    client, n = app.server.test_client(), len(app.levers)
    today = [lever.today for lever in app.levers]
    grid = [lever.path for lever in app.levers].index("grid.headroom_mw")
    bad_a = f"?scenario={app.scenario_id}&capsim={__version__}&seed=0&grid.headroom_mw=99999"
    cases = [
        ({**dict(enumerate(today)), grid: float("nan")}, {}, "must be a finite number (got nan)"),
        ({**dict(enumerate(today)), grid: float("inf")}, {}, "must be a finite number (got inf)"),
        ({**dict(enumerate(today)), grid: "300"}, {}, "must be a finite number (got '300')"),
        ({**dict(enumerate(today)), grid: 501.0}, {}, "501 is outside the lever's range 0 to 500"),
        (dict(enumerate(today[:-1])), {}, "does not match this app's levers"),
        (dict(enumerate(today)), {"variant": "nope"}, "unknown variant 'nope'"),
        (dict(enumerate(today)), {"pinned": bad_a}, "the pinned setting A: grid.headroom_mw: 99999 is outside the lever's range"),
    ]
    for values, extra, message in cases:
        body = answer_request(n, list(values.values()), **extra)
        response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
        assert response.status_code == 400 and message in response.get_data(as_text=True), (message, response.data)
    response = client.post("/_dash-update-component", data=b"not json", content_type="application/json")
    assert response.status_code == 400
    assert runner.runs == 0  # nothing simulated, not even the base
    good = answer_request(n, [300.0 if k == grid else v for k, v in enumerate(today)])
    response = client.post("/_dash-update-component", data=json.dumps(good), content_type="application/json")
    assert response.status_code == 200 and "grid.headroom_mw = 300" in response.get_data(as_text=True)
    assert runner.runs == 2  # the base and the setting


def test_a_burst_of_callback_requests_shows_the_last_value(guizhou, monkeypatch):
    """Ten slider requests to the app while the first one's base runs: the older ones are dropped
    (204), none is Busy, and the last, 433 MW, is the one computed and shown."""
    import threading

    import sim.serve.compute as compute
    from sim.serve.app import build_app

    runner = Runner(guizhou, 2, 0)
    app = build_app(guizhou, 2, 0, runner)
    n, today = len(app.levers), [lever.today for lever in app.levers]
    grid = [lever.path for lever in app.levers].index("grid.headroom_mw")
    started, release, took, real = threading.Event(), threading.Event(), threading.Event(), compute.simulate

    def slow_first(*args, **kwargs):
        if not started.is_set():
            started.set()
            assert release.wait(60)
        return real(*args, **kwargs)

    def ticket(original=runner.ticket):
        number = original()
        took.set()
        return number

    monkeypatch.setattr(compute, "simulate", slow_first)
    monkeypatch.setattr(runner, "ticket", ticket)
    answers = {}

    def post(value):
        body = answer_request(n, [value if k == grid else v for k, v in enumerate(today)])
        response = app.server.test_client().post("/_dash-update-component", data=json.dumps(body),
                                                 content_type="application/json")
        answers[value] = (response.status_code, response.get_data(as_text=True))

    values = [100.0 + 37 * k for k in range(10)]  # 100 ... 433
    threads = []
    for value in values:
        took.clear()
        threads.append(threading.Thread(target=post, args=(value,)))
        threads[-1].start()
        assert took.wait(60)
        if value == values[0]:
            assert started.wait(60)  # the first request is running the base
    release.set()
    for thread in threads:
        thread.join(60)
    assert [answers[v][0] for v in values] == [204] * 9 + [200]
    assert "grid.headroom_mw = 433" in answers[433.0][1] and "Busy" not in answers[433.0][1]
    assert runner.runs == 2  # the base and 433
